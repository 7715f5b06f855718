"""Self-contained HTML pages: embed a woff2 subset of the project's CJK font into a page's <head>, so it looks the
same on any device and needs nothing from the network (the release index, the data dictionary, change logs)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from pipeline.errors import UserError
from pipeline.io_utils import atomic_path
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


def _subset(font: Path, chars: set[str]) -> bytes:
    """A woff2 subset of `font`, cached beside the fonts by (font file, characters): the index and the data
    dictionary are regenerated on every run with (nearly) the same characters, and subsetting costs ~1 s."""
    stat = font.stat()
    key = hashlib.sha256(f"{font.name}|{stat.st_size}|{stat.st_mtime_ns}|{''.join(sorted(chars))}".encode()).hexdigest()
    cache = font.parent / "subsets" / f"{key}.woff2"
    if cache.is_file():
        return cache.read_bytes()
    data = subset_woff2(font, chars)
    try:
        with atomic_path(cache) as tmp:
            tmp.write_bytes(data)
    except OSError:
        pass  # a read-only font folder: no cache, same bytes
    return data


def with_embedded_font(text: str) -> str:
    """Embed a subset of the project's CJK font (as the reports do), so that a page looks the same on any device,
    including one without Chinese fonts, and still needs nothing from the network."""
    try:
        font_dir = ensure_fonts()
        chars = document_chars(text)
        check_glyph_coverage(chars, font_dir / REGULAR_FILENAME)
        rules = []
        for filename, weight in ((REGULAR_FILENAME, 400), (BOLD_FILENAME, 700)):
            data = base64.b64encode(_subset(font_dir / filename, chars)).decode("ascii")
            rules.append(f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: normal; font-weight: {weight};'
                         f' font-display: block; src: url(data:font/woff2;base64,{data}) format("woff2"); }}')
    except RenderError as exc:
        raise UserError(f"发布页面嵌入中文字体失败：{exc}") from exc
    style = '<style id="embedded-fonts">\n' + "\n".join(rules) + "\n</style>"
    return text.replace("</head>", f"{style}\n</head>", 1)
