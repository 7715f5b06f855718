"""The self-contained-HTML check ignores embedded payloads, never a real link."""

from tests.helpers import without_data_uris


def test_a_base64_payload_spelling_http_is_not_a_link():
    css = "src:url(data:font/woff2;base64,d09GMgABhttpAAA+/=)format('woff2')"
    assert "http" not in without_data_uris(css)
    assert without_data_uris(css) == "src:url(data:)format('woff2')"


def test_real_links_stay():
    html = '<a href="https://example.org/x">x</a><img src="data:image/png;base64,iVBOR">http://a'
    out = without_data_uris(html)
    assert out.count("http") == 2 and 'src="data:"' in out
