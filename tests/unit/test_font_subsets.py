"""pipeline.render.html_fonts.subset_woff2: the subset cache (in this process and in <font folder>/subsets/), and
what pipeline.render.font_reuse keeps of each font and glyph (in this process and in <font folder>/facts/).

The cache may only save time: every test compares the cached bytes with a subset made afresh by the uncached
`_subset_woff2`, and reads the woff2 back with fontTools to check which characters it carries. The cache key is
worked out here independently: SHA-256 of "<options>|<SHA-256 of the font file>|<sorted characters>".
"""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from pipeline.render import font_reuse, html_fonts
from pipeline.render.fonts import REGULAR_FILENAME, SANS_FACES, SERIF_FACE, SERIF_FILENAME, ensure_fonts

CHARS = {"岳", "阳", "市", "1", "\u3000"}


@pytest.fixture()
def fonts_copy(tmp_path: Path) -> Path:
    """A font folder of our own (so its subsets/ starts empty) holding the serif and sans regular fonts."""
    source = ensure_fonts()
    target = tmp_path / "fonts"
    target.mkdir()
    for name in (SERIF_FILENAME, REGULAR_FILENAME):
        shutil.copy2(source / name, target / name)
    return target


@pytest.fixture()
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the subsets actually made (not taken from a cache); start with an empty in-process cache."""
    calls: list[int] = []
    real = html_fonts._subset_woff2

    def counting(font_file, chars, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(font_file, chars, **kwargs)

    monkeypatch.setattr(html_fonts, "_subset_woff2", counting)
    monkeypatch.setattr(html_fonts, "_SUBSETS", {})
    return calls


def _expected_key(font: Path, chars: set[str]) -> str:
    import brotli
    import fontTools

    tools = f"fonttools{fontTools.version}-brotli{brotli.__version__}"
    digest = hashlib.sha256(font.read_bytes()).hexdigest()
    text = f"{html_fonts._SUBSET_OPTIONS}|{tools}|{digest}|{''.join(sorted(chars))}"
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_cached_subset_of_another_fonttools_version_is_not_used(fonts_copy: Path, counted: list[int],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """After a fontTools upgrade the old subsets/ files are not served: the subset is made again, under its own key."""
    import fontTools

    serif = fonts_copy / SERIF_FILENAME
    first = html_fonts.subset_woff2(serif, CHARS)
    old_file = fonts_copy / "subsets" / f"{_expected_key(serif, CHARS)}.woff2"
    assert old_file.is_file() and len(counted) == 1
    monkeypatch.setattr(fontTools, "version", "0.0-other")
    monkeypatch.setattr(html_fonts, "_SUBSETS", {})  # as in a new process
    assert html_fonts.subset_woff2(serif, CHARS) == first  # this fontTools makes the same bytes: only the key moved
    assert len(counted) == 2
    assert (fonts_copy / "subsets" / f"{_expected_key(serif, CHARS)}.woff2").is_file()
    assert len(list((fonts_copy / "subsets").glob("*.woff2"))) == 2


def test_subset_is_a_woff2_with_exactly_the_requested_characters(fonts_copy: Path, counted: list[int]) -> None:
    data = html_fonts.subset_woff2(fonts_copy / SERIF_FILENAME, CHARS)
    assert data[:4] == b"wOF2"
    with TTFont(io.BytesIO(data)) as font:
        assert set(font.getBestCmap()) == {ord(c) for c in CHARS}
    assert data == html_fonts._subset_woff2(fonts_copy / SERIF_FILENAME, CHARS)  # the uncached path, same bytes


def test_one_subset_per_font_content_and_characters(fonts_copy: Path, counted: list[int]) -> None:
    serif = fonts_copy / SERIF_FILENAME
    first = html_fonts.subset_woff2(serif, CHARS)
    assert (fonts_copy / "subsets" / f"{_expected_key(serif, CHARS)}.woff2").read_bytes() == first
    assert html_fonts.subset_woff2(serif, set(sorted(CHARS, reverse=True))) == first  # same set, other order
    renamed = fonts_copy / "elsewhere" / "renamed.otf"  # same content under another name and folder
    renamed.parent.mkdir()
    shutil.copy2(serif, renamed)
    assert html_fonts.subset_woff2(renamed, CHARS) == first
    assert len(counted) == 1
    other = html_fonts.subset_woff2(fonts_copy / REGULAR_FILENAME, CHARS)  # another font: its own subset
    assert other != first and len(counted) == 2
    assert html_fonts.subset_woff2(serif, CHARS | {"县"}) != first and len(counted) == 3


def test_the_disk_cache_serves_a_new_process_and_a_broken_file_is_remade(fonts_copy: Path, counted: list[int],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    serif = fonts_copy / SERIF_FILENAME
    first = html_fonts.subset_woff2(serif, CHARS)
    monkeypatch.setattr(html_fonts, "_SUBSETS", {})  # as in a new process: only the file remains
    assert html_fonts.subset_woff2(serif, CHARS) == first and len(counted) == 1
    cache = fonts_copy / "subsets" / f"{_expected_key(serif, CHARS)}.woff2"
    cache.write_bytes(first[: len(first) // 2])  # a truncated file (a full disk, a copy cut short)
    monkeypatch.setattr(html_fonts, "_SUBSETS", {})
    assert html_fonts.subset_woff2(serif, CHARS) == first and len(counted) == 2
    assert cache.read_bytes() == first


def test_a_replaced_font_file_is_subset_again(fonts_copy: Path, counted: list[int]) -> None:
    target = fonts_copy / "face.otf"
    shutil.copy2(fonts_copy / SERIF_FILENAME, target)
    serif_subset = html_fonts.subset_woff2(target, CHARS)
    shutil.copyfile(fonts_copy / REGULAR_FILENAME, target)  # same path, other content
    assert html_fonts.subset_woff2(target, CHARS) == html_fonts._subset_woff2(fonts_copy / REGULAR_FILENAME, CHARS)
    assert html_fonts.subset_woff2(target, CHARS) != serif_subset


def test_reused_glyph_bounds_give_the_bytes_fonttools_makes_by_itself(fonts_copy: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """CFF glyph bounds are kept from one subset to the next (by font content and glyph name): a second subset
    with other glyphs before and after the shared ones must be the bytes fontTools makes when it draws every glyph
    for its bounds itself (the reuse switched off)."""
    serif = fonts_copy / SERIF_FILENAME
    monkeypatch.setattr(font_reuse, "_CFF_BOUNDS", {})
    html_fonts._subset_woff2(serif, {"岳", "阳"})
    assert len(font_reuse._CFF_BOUNDS) >= 3  # .notdef and the two glyphs: the reuse is exercised
    second = html_fonts._subset_woff2(serif, {"市", "阳", "1", "\u3000"})  # "阳" now has another glyph index
    monkeypatch.setattr(font_reuse, "reuse_cff_bounds", lambda font, digest: None)
    assert second == html_fonts._subset_woff2(serif, {"市", "阳", "1", "\u3000"})
    with TTFont(io.BytesIO(second)) as font:  # and the bounds are the subset's own, not the whole font's
        head = font["head"]
        with TTFont(serif, lazy=True) as whole:
            assert (head.xMin, head.yMin, head.xMax, head.yMax) != (whole["head"].xMin, whole["head"].yMin,
                                                                    whole["head"].xMax, whole["head"].yMax)


def _decoded(data: bytes) -> tuple[bytes, dict[str, bytes], list[str], dict[int, str]]:
    """What a browser gets from a woff2: the decompressed stream, every table, the glyph order and the cmap."""
    from fontTools.ttLib import woff2

    reader = woff2.WOFF2Reader(io.BytesIO(data))
    tables = {tag: reader[tag] for tag in reader.keys()}
    with TTFont(io.BytesIO(data)) as font:
        return reader.transformBuffer.getvalue(), tables, font.getGlyphOrder(), font.getBestCmap()


@pytest.mark.parametrize("filename", [SERIF_FILENAME, REGULAR_FILENAME])
def test_the_brotli_quality_changes_the_compression_only(fonts_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                                         filename: str) -> None:
    """Subsets are compressed at BROTLI_QUALITY (9), not fontTools' default 11: other (larger) bytes, the same font
    once decoded. At 11 the bytes are exactly what fontTools writes when left alone (the subsets made before)."""
    import contextlib

    import brotli

    font = fonts_copy / filename
    chars = {chr(c) for c in range(0x4E00, 0x4E00 + 300)} | set("0123456789（）、，。")
    fast = html_fonts._subset_woff2(font, chars)
    monkeypatch.setattr(html_fonts, "BROTLI_QUALITY", 11)
    slow = html_fonts._subset_woff2(font, chars)
    monkeypatch.setattr(html_fonts, "_brotli_quality", lambda quality: contextlib.nullcontext())
    assert slow == html_fonts._subset_woff2(font, chars)  # fontTools' own default
    assert fast != slow and len(fast) > len(slow)
    assert _decoded(fast) == _decoded(slow)
    stream = _decoded(fast)[0]  # and the quality is brotli's 9, worked out by brotli itself
    assert brotli.compress(stream, mode=brotli.MODE_FONT, quality=9) in fast


@pytest.mark.parametrize("filename", [SERIF_FILENAME, REGULAR_FILENAME])
def test_reused_parsed_tables_give_the_bytes_fonttools_makes_by_itself(fonts_copy: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       filename: str) -> None:
    """The glyph order, glyph records and metrics read for a font's first subset in a process are reused for the
    next subsets of that file (font_reuse._Parsed): each later subset, with glyphs before and after the earlier
    one's, must be the bytes fontTools makes when it reads every table from the file itself (the reuse switched
    off), and the reuse must not leak one subset's changes into the next."""
    font = fonts_copy / filename
    monkeypatch.setattr(font_reuse, "_PARSED", {})
    first = html_fonts._subset_woff2(font, {"岳", "阳"})
    assert len(font_reuse._PARSED) == 1  # read once for this file ...
    parsed = next(iter(font_reuse._PARSED.values()))
    assert len(parsed.glyph_order) > 30000 and filename.endswith(".ttf") == (parsed.glyf is not None)
    others = [{"市", "阳", "1", "\u3000"}, {chr(c) for c in range(0x4E00, 0x4E00 + 200)} | set("0123456789（），。"),
              {"岳", "阳"}]
    reused = [html_fonts._subset_woff2(font, chars) for chars in others]
    assert len(font_reuse._PARSED) == 1  # ... and used for the others
    monkeypatch.setattr(font_reuse, "reuse_parsed", lambda font, digest: None)
    assert reused == [html_fonts._subset_woff2(font, chars) for chars in others]
    assert reused[-1] == first
    with TTFont(io.BytesIO(reused[1])) as subset:
        assert set(subset.getBestCmap()) == {c for c in range(0x4E00, 0x4E00 + 200)} | {ord(c) for c in "0123456789（），。"}


def test_glyph_records_are_made_on_demand_and_kept(fonts_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reused 'glyf' table makes a Glyph from its bytes when the subsetter first looks it up (a few of the
    font's 31,000), keeps it from then on, and behaves as a dict of every glyph otherwise."""
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    font = fonts_copy / REGULAR_FILENAME
    monkeypatch.setattr(font_reuse, "_PARSED", {})
    html_fonts._subset_woff2(font, CHARS)
    raw = next(iter(font_reuse._PARSED.values())).glyf
    assert raw is not None
    glyphs = font_reuse._GlyphsOnDemand(raw)
    names = list(raw)
    assert len(glyphs) == len(raw) and list(glyphs) == names and names[5] in glyphs and "nonexistent" not in glyphs
    one = glyphs[names[5]]
    assert isinstance(one, Glyph) and one is glyphs[names[5]] and one.data == raw[names[5]]
    assert len(glyphs._made) == 1  # only the glyph looked up was made
    glyphs["extra"] = Glyph()
    del glyphs[names[0]]
    assert len(glyphs) == len(raw) and "extra" in glyphs and names[0] not in glyphs and names[0] in raw
    assert glyphs[names[5]] is one  # the glyphs made earlier are kept


@pytest.mark.parametrize("filename", [SERIF_FILENAME, REGULAR_FILENAME])
def test_fonts_opened_lazily_give_the_bytes_of_fonts_read_whole(fonts_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 filename: str) -> None:
    """Subsets open the font with lazy=True (tables decompiled as the subsetter reads them): the bytes must be those
    of a font whose tables are decompiled whole (fontTools' default), without the parsed-table reuse either."""
    font = fonts_copy / filename
    sets = [CHARS, {chr(c) for c in range(0x4E00, 0x4E00 + 300)} | set("0123456789（）、，。%")]
    lazy = [html_fonts._subset_woff2(font, chars) for chars in sets]
    opened: list[object] = []

    def whole(file, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(kwargs.get("lazy"))
        return TTFont(file, **{**kwargs, "lazy": None})

    monkeypatch.setattr(html_fonts, "TTFont", whole)
    monkeypatch.setattr(font_reuse, "reuse_parsed", lambda font, digest: None)
    assert lazy == [html_fonts._subset_woff2(font, chars) for chars in sets]
    assert opened == [True, True]  # the subsets do open lazily


def _facts_by_fonttools(path: Path) -> tuple[list[str], set[int], dict[str, dict[str, tuple[int, int]]]]:
    """A font's glyph order, best-cmap code points and metrics as fontTools reads them, whole and without our code."""
    with TTFont(path) as font:
        metrics = {tag: {name: tuple(m) for name, m in font[tag].metrics.items()} for tag in ("hmtx", "vmtx")
                   if tag in font}
        return font.getGlyphOrder(), set(font.getBestCmap()), metrics


def _new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget everything this process kept about fonts: only the files under the font folder remain."""
    monkeypatch.setattr(html_fonts, "_SUBSETS", {})
    for name in ("_FACTS", "_PARSED", "_COMPILED", "_ENCODED", "_CFF_BOUNDS", "_CFF_COMPONENTS", "_MEMO_SEEN"):
        monkeypatch.setattr(font_reuse, name, {})


@pytest.mark.parametrize("filename", [SERIF_FILENAME, REGULAR_FILENAME])
def test_font_facts_are_what_fonttools_reads_and_a_new_process_takes_them_from_the_file(
        fonts_copy: Path, monkeypatch: pytest.MonkeyPatch, filename: str) -> None:
    font = fonts_copy / filename
    _new_process(monkeypatch)
    facts = font_reuse.font_facts(font)
    order, best, metrics = _facts_by_fonttools(font)
    assert list(facts.glyph_order) == order and set(facts.best_cmap) == best and facts.metrics == metrics
    digest = hashlib.sha256(font.read_bytes()).hexdigest()
    files = list((fonts_copy / "facts").iterdir())
    assert [f.name.split(".")[0] for f in files] == [digest]  # named by the font's content
    _new_process(monkeypatch)

    def no_reading(font: object) -> None:
        raise AssertionError("the facts were read from the font again")

    monkeypatch.setattr(font_reuse, "_facts_of", no_reading)
    assert font_reuse.font_facts(font) == facts
    assert html_fonts.cmap(font) == frozenset(best)


def test_a_broken_or_foreign_facts_file_is_not_used(fonts_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serif, sans = fonts_copy / SERIF_FILENAME, fonts_copy / REGULAR_FILENAME
    _new_process(monkeypatch)
    true_serif = font_reuse.font_facts(serif)
    font_reuse.font_facts(sans)
    serif_file = font_reuse.facts_path(serif, font_reuse.font_bytes(serif)[1])
    sans_file = font_reuse.facts_path(sans, font_reuse.font_bytes(sans)[1])
    whole = serif_file.read_bytes()
    tampered = bytearray(whole)
    tampered[-5] ^= 0x01  # one bit of the payload changed: its SHA-256 no longer matches
    plants = {
        "cut short": whole[: len(whole) // 2],
        "tampered": bytes(tampered),
        "another font's": sans_file.read_bytes(),  # a whole, valid file, but stamped with the sans font's digest
        "empty": b"",
    }
    for label, planted in plants.items():
        serif_file.write_bytes(planted)
        _new_process(monkeypatch)
        assert font_reuse.font_facts(serif) == true_serif, label
        assert serif_file.read_bytes() == whole, label  # and replaced by a good one


@pytest.mark.parametrize("filename", [SERIF_FILENAME, REGULAR_FILENAME])
def test_subsets_from_the_facts_file_and_remembered_glyphs_are_fonttools_own_bytes(
        fonts_copy: Path, monkeypatch: pytest.MonkeyPatch, filename: str) -> None:
    """A new process's subsets, made from the facts file, the kept glyph records, compiled simple glyphs and their
    woff2 encodings (each later subset shares glyphs with earlier ones), are the bytes fontTools makes when it reads
    every table from the font itself and compiles and encodes every glyph afresh (all reuse switched off)."""
    import contextlib

    font = fonts_copy / filename
    sets = [{"岳", "阳"}, {"市", "阳", "1", "\u3000"}, {chr(c) for c in range(0x4E00, 0x4E00 + 200)} | set("0123（），。"),
            {chr(c) for c in range(0x4E00 + 100, 0x4E00 + 300)} | {"岳", "阳"}]
    _new_process(monkeypatch)
    font_reuse.font_facts(font)  # writes the facts file
    _new_process(monkeypatch)
    font_reuse.font_facts(font)  # a new process: read from the file
    remembered = [html_fonts._subset_woff2(font, chars) for chars in sets]
    if filename.endswith(".ttf"):  # the TrueType reuse is exercised
        assert font_reuse._COMPILED and font_reuse._ENCODED
    else:  # and the CFF one
        assert font_reuse._CFF_COMPONENTS and font_reuse._CFF_BOUNDS
    monkeypatch.setattr(font_reuse, "reuse_parsed", lambda font, digest: None)
    monkeypatch.setattr(font_reuse, "reuse_cff_closure", lambda font, digest: None)
    monkeypatch.setattr(font_reuse, "remembered_glyf_transform", contextlib.nullcontext)
    monkeypatch.setattr(font_reuse, "reuse_cff_bounds", lambda font, digest: None)
    assert remembered == [html_fonts._subset_woff2(font, chars) for chars in sets]


def test_a_remembered_glyph_compiles_to_the_bytes_of_a_fresh_one(fonts_copy: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Glyph by glyph: a simple glyph compiled a second time (from the memory) gives the bytes of a fresh
    fontTools Glyph, and what is read from it afterwards (its bounds, its points) is the same too."""
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    monkeypatch.setattr(font_reuse, "_COMPILED", {})
    with TTFont(fonts_copy / REGULAR_FILENAME) as font:
        glyf = font["glyf"]
        names = [font.getBestCmap()[ord(c)] for c in "岳阳市1"]
        for name in names:
            raw = glyf.glyphs[name].data if hasattr(glyf.glyphs[name], "data") else glyf.glyphs[name].compile(glyf)
            fresh = Glyph(raw)
            expected = fresh.compile(glyf)
            first, second = font_reuse._RememberedGlyph(raw), font_reuse._RememberedGlyph(raw)
            assert first.compile(glyf) == expected and second.compile(glyf) == expected
            second.expand(glyf)
            assert (second.xMin, second.yMin, second.xMax, second.yMax) == (fresh.xMin, fresh.yMin, fresh.xMax,
                                                                            fresh.yMax)
            assert list(second.coordinates) == list(fresh.coordinates)
        assert len(font_reuse._COMPILED) == len(set(names))


def _all_reuse_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import contextlib

    monkeypatch.setattr(font_reuse, "reuse_parsed", lambda font, digest: None)
    monkeypatch.setattr(font_reuse, "reuse_cff_closure", lambda font, digest: None)
    monkeypatch.setattr(font_reuse, "remembered_glyf_transform", contextlib.nullcontext)
    monkeypatch.setattr(font_reuse, "reuse_cff_bounds", lambda font, digest: None)


def test_the_glyph_memo_file_serves_a_new_process_with_fonttools_own_bytes(fonts_copy: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """What one process worked out per glyph (compiled glyphs, woff2 encodings, CFF bounds and closures) is written
    once per document to <font folder>/facts/, and a new process starts from it: its subsets of other characters
    sharing those glyphs are the bytes fontTools makes with every reuse switched off."""
    first = {chr(c) for c in range(0x4E00, 0x4E00 + 120)} | set("0123")
    later = [{chr(c) for c in range(0x4E00 + 60, 0x4E00 + 180)} | {"岳", "阳"}, CHARS]
    _new_process(monkeypatch)
    html_fonts.font_face_css(first, fonts_copy, (SERIF_FACE, SANS_FACES[0]))
    written = font_reuse._memo_sizes()
    assert all(written) and font_reuse.memo_path(fonts_copy).is_file()
    _new_process(monkeypatch)
    font_reuse.load_glyph_memo(fonts_copy)
    assert font_reuse._memo_sizes() == written  # all of it, read back
    fonts = [fonts_copy / SERIF_FILENAME, fonts_copy / REGULAR_FILENAME]
    with_memo = [html_fonts.subset_woff2(font, chars) for font in fonts for chars in later]
    _new_process(monkeypatch)
    _all_reuse_off(monkeypatch)
    assert with_memo == [html_fonts._subset_woff2(font, chars) for font in fonts for chars in later]


def test_a_broken_glyph_memo_file_is_not_used_and_is_replaced(fonts_copy: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _new_process(monkeypatch)
    html_fonts.font_face_css(CHARS, fonts_copy, (SANS_FACES[0],))
    path = font_reuse.memo_path(fonts_copy)
    whole = path.read_bytes()
    sizes = font_reuse._memo_sizes()
    tampered = bytearray(whole)
    tampered[-3] ^= 0x01
    other_format = whole.replace(font_reuse._MEMO_FORMAT.encode(), font_reuse._MEMO_FORMAT.replace("-1-", "-0-").encode())
    for label, planted in {"cut short": whole[:-100], "tampered": bytes(tampered), "empty": b""}.items():
        path.write_bytes(planted)
        shutil.rmtree(fonts_copy / "subsets")  # so that the subset is made, not taken from the subset cache
        _new_process(monkeypatch)
        font_reuse.load_glyph_memo(fonts_copy)
        assert font_reuse._memo_sizes() == (0, 0, 0, 0), label
        html_fonts.font_face_css(CHARS, fonts_copy, (SANS_FACES[0],))  # made afresh: same entries
        assert font_reuse._memo_sizes() == sizes and font_reuse._read_memo(path) is not None, label
    assert font_reuse._read_memo(path) is not None
    head = len(font_reuse._MEMO_MAGIC)  # a whole file of another format (its payload hash stamped anew)
    payload = other_format[head + 32:]
    path.write_bytes(other_format[:head] + hashlib.sha256(payload).digest() + payload)
    assert font_reuse._read_memo(path) is None
