"""Self-contained HTML pages: embed a woff2 subset of the project's CJK font into a page's <head>, so it looks the
same on any device and needs nothing from the network (the release index, the data dictionary, change logs)."""

from __future__ import annotations

import base64

from pipeline.errors import UserError
from pipeline.render.documents import (
    RenderError,
    check_glyph_coverage,
    document_chars,
    subset_woff2,
)
from pipeline.render.fonts import (
    BOLD_FILENAME,
    FONT_FAMILY,
    REGULAR_FILENAME,
    ensure_fonts,
)


def with_embedded_font(text: str) -> str:
    """Embed a subset of the project's CJK font (as the reports do), so that a page looks the same on any device,
    including one without Chinese fonts, and still needs nothing from the network."""
    try:
        font_dir = ensure_fonts()
        chars = document_chars(text)
        check_glyph_coverage(chars, font_dir / REGULAR_FILENAME)
        rules = []
        for filename, weight in ((REGULAR_FILENAME, 400), (BOLD_FILENAME, 700)):
            data = base64.b64encode(subset_woff2(font_dir / filename, chars)).decode("ascii")
            rules.append(f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: normal; font-weight: {weight};'
                         f' font-display: block; src: url(data:font/woff2;base64,{data}) format("woff2"); }}')
    except RenderError as exc:
        raise UserError(f"发布页面嵌入中文字体失败：{exc}") from exc
    style = '<style id="embedded-fonts">\n' + "\n".join(rules) + "\n</style>"
    return text.replace("</head>", f"{style}\n</head>", 1)
