"""Fonts in self-contained HTML, and the glyph check before any document is typeset.

Every face a page uses (Noto Serif SC for the body, Noto Sans SC Regular/Bold for headings and tables) is embedded
as a woff2 subset of the page's characters in a base64 ``@font-face``, so a page looks the same on any device and
needs nothing from the network. A character a face lacks gets a second ``@font-face`` of the same family and weight
with a ``unicode-range``, cut from the next font that has it (the other report font, then the fallback HanaMinB for
CJK Extension B–F): browsers treat the two as one font, so no stylesheet has to name the fallback.

A character no font has (not even the fallback) is an error before typesetting: typst and browsers only draw boxes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import types
import unicodedata
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import fontTools
from fontTools import subset as ft_subset
from fontTools.ttLib import TTFont
from fontTools.ttLib import woff2 as ft_woff2

from pipeline.errors import UserError
from pipeline.io_utils import atomic_path
from pipeline.render import font_reuse
from pipeline.render.font_reuse import font_bytes, font_facts
from pipeline.render.fonts import (
    FALLBACK_FACE,
    REPORT_FACES,
    SANS_FACES,
    FontFace,
    FontError,
    MissingGlyphError,
    ensure_fonts,
)

VISIBLE_SPACES = frozenset({" ", "\u00a0", "\u3000"})
# Private-use and unassigned code points are not "printable" to Python, yet a name written with one (an office's
# self-made character in the GBK user area) must be drawn or refused, never dropped silently.
_GLYPH_CATEGORIES = frozenset({"Co", "Cn"})
# Part of the subset cache key: a change to _subset_woff2's options must not reuse subsets made with the old ones.
_SUBSET_OPTIONS = "woff2-all-features-all-names-notdef-noFFTM-brotli9"


def needs_glyph(ch: str) -> bool:
    """A character a reader sees: printable, one of the visible spaces, or a private-use/unassigned code point."""
    return ch.isprintable() or ch in VISIBLE_SPACES or unicodedata.category(ch) in _GLYPH_CATEGORIES


class _TextCollector(HTMLParser):
    """收集 HTML（含内联 SVG）中所有可见文字，跳过 style/script。"""

    _SKIP = {"style", "script"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._depth = 0
        self.chars: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._depth:
            self.chars.update(data)


def document_chars(html_text: str) -> set[str]:
    """文档中出现的字符（不含控制字符；含空格、不换行空格和全角空格——表格缩进用全角空格，
    子集里缺了它浏览器会显示方框）。"""
    collector = _TextCollector()
    collector.feed(html_text)
    collector.close()
    return {c for c in collector.chars if needs_glyph(c)}


def cmap(font_path: Path) -> frozenset[int]:
    """The code points a font covers (from its facts: read once per font file and process, worked out once)."""
    return font_facts(font_path).best_cmap


def _uncovered(chars: set[str], font_dir: Path) -> list[str]:
    """Characters no report font and not the fallback has (the fallback is read only when a main font lacks one)."""
    main: set[str] = {c for c in chars if all(ord(c) not in cmap(font_dir / f.filename) for f in REPORT_FACES)}
    if main:
        fallback = cmap(font_dir / FALLBACK_FACE.filename)
        main = {c for c in main if ord(c) not in fallback}
    return sorted(main)


def _listed(chars: list[str]) -> str:
    return "、".join(f"“{c}”(U+{ord(c):04X})" for c in chars)


def check_glyph_coverage(chars: set[str], font_dir: Path) -> None:
    """字体缺字时报错（typst 与浏览器都只会静默显示方框）。"""
    missing = _uncovered(chars, font_dir)
    if missing:
        families = "、".join(dict.fromkeys(f.family for f in (*REPORT_FACES, FALLBACK_FACE)))
        raise MissingGlyphError(f"报告字体（{families}）都缺少以下字符的字形，请改写文字：{_listed(missing)}")


def missing_glyphs(text: str) -> list[str]:
    """The characters of `text` no report font has a glyph for (checked before rendering, to name the source)."""
    return _uncovered({c for c in text if needs_glyph(c)}, ensure_fonts())


# Subsets made in this process, by cache key: a subset any document of the run needs again (the same fallback
# characters in every county edition, a page rendered twice) is made once.
_SUBSETS: dict[str, bytes] = {}


def subset_tools() -> str:
    """The versions of the code that writes a subset's bytes: fontTools (the subsetter and woff2 writer) and brotli
    (the compressed stream). Part of the cache key, so that after an upgrade a cached subset made by the old versions
    is not used: the output never depends on what an earlier run left in the cache."""
    return f"fonttools{fontTools.version}-brotli{getattr(ft_woff2.brotli, '__version__', 'unknown')}"


def subset_key(font_digest: str, chars: set[str]) -> str:
    """The cache key of a subset: the subsetting options, the tools' versions, the font file's content (SHA-256)
    and the sorted characters. Same key → same bytes, whatever the font file is called or wherever it lies."""
    text = f"{_SUBSET_OPTIONS}|{subset_tools()}|{font_digest}|{''.join(sorted(chars))}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_whole_woff2(data: bytes) -> bool:
    """A cached file is used only when it is a complete woff2 (signature, and the length its header records)."""
    return len(data) >= 12 and data[:4] == b"wOF2" and int.from_bytes(data[8:12], "big") == len(data)


def subset_woff2(font_path: Path, chars: set[str]) -> bytes:
    """把字体子集化为只含给定字符的 woff2（确定性输出）。按（字体文件内容的 SHA-256、字符集）缓存：本进程内存中一份，
    字体旁的 subsets/ 中一份（重新生成的文档——县市区版、发布页面——字符大多不变，子集化一次约 0.5 秒）。
    缓存只影响速度，不影响字节：键里有字体内容与全部字符，不完整的缓存文件不用。"""
    data, digest = font_bytes(font_path)
    key = subset_key(digest, chars)
    if key in _SUBSETS:
        return _SUBSETS[key]
    cache = font_path.parent / "subsets" / f"{key}.woff2"
    cached = cache.read_bytes() if cache.is_file() else b""
    if _is_whole_woff2(cached):
        _SUBSETS[key] = cached
        return cached
    font_facts(font_path)  # the facts file: this process's first subset of the font starts from it (see reuse_parsed)
    font_reuse.load_glyph_memo(font_path.parent)
    result = _subset_woff2(io.BytesIO(data), chars, digest=digest)
    _SUBSETS[key] = result
    try:
        with atomic_path(cache) as tmp:
            tmp.write_bytes(result)
    except OSError:
        pass  # a read-only font folder: no cache, same bytes
    return result


# The brotli quality of the woff2 stream. fontTools uses brotli's default, 11, which took 40 % of a county
# edition's subsets (0.95 of 2.4 s CPU) for 3 % smaller fonts; 9 compresses the same bytes 10–20 times faster. The
# quality changes only the compressed stream: a browser decodes exactly the same font tables.
BROTLI_QUALITY = 9


@contextlib.contextmanager
def _brotli_quality(quality: int) -> Iterator[None]:
    """While saving a woff2, fontTools' WOFF2 writer compresses at `quality` (it passes no quality of its own)."""
    real = ft_woff2.brotli
    ft_woff2.brotli = types.SimpleNamespace(  # type: ignore[assignment]
        MODE_FONT=real.MODE_FONT, MODE_TEXT=real.MODE_TEXT, decompress=real.decompress,
        compress=lambda data, **kwargs: real.compress(data, **{**kwargs, "quality": quality}))
    try:
        yield
    finally:
        ft_woff2.brotli = real


def _subset_woff2(font_file: Path | io.BytesIO, chars: set[str], *, digest: str | None = None) -> bytes:
    """The woff2 subset itself (uncached). `digest`: the SHA-256 of the font file's bytes, if the caller has it."""
    if digest is None:
        raw = font_file.read_bytes() if isinstance(font_file, Path) else font_file.getvalue()
        digest = hashlib.sha256(raw).hexdigest()
    options = ft_subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables = [*options.drop_tables, "FFTM"]  # FontForge's timestamp table (HanaMinB): not subsettable
    # lazy=True, as fontTools' own pyftsubset opens fonts: a layout subtable (a GPOS pair set, say) is decompiled
    # only when the subsetter reads it, not every one of them up front. Same tables, same bytes; about a fifth of a
    # subset's time.
    with TTFont(font_file, recalcTimestamp=False, lazy=True) as font:
        font_reuse.reuse_parsed(font, digest)
        font_reuse.reuse_cff_closure(font, digest)
        subsetter = ft_subset.Subsetter(options=options)
        subsetter.populate(unicodes=sorted(ord(c) for c in chars))
        subsetter.subset(font)
        font["head"].modified = font["head"].created
        font_reuse.reuse_cff_bounds(font, digest)
        font.flavor = "woff2"
        buffer = io.BytesIO()
        with _brotli_quality(BROTLI_QUALITY), font_reuse.remembered_glyf_transform():
            font.save(buffer, reorderTables=True)
    return buffer.getvalue()


def _face_rule(face: FontFace, data: bytes, unicode_range: list[str] | None = None) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    ranges = "" if unicode_range is None else " unicode-range: " + ", ".join(f"U+{ord(c):X}" for c in unicode_range) + ";"
    return ("@font-face {"
            f' font-family: "{face.family}"; font-style: normal; font-weight: {face.weight};'
            f' font-display: block; src: url(data:font/woff2;base64,{encoded}) format("woff2");{ranges}'
            " }")


def font_face_css(chars: set[str], font_dir: Path, faces: tuple[FontFace, ...] = REPORT_FACES) -> str:
    """base64 woff2 @font-face rules: each face's subset, then for the characters it lacks a same-family rule with a
    unicode-range, cut from the other report fonts and the fallback in turn (declared last, so it is tried first)."""
    rules = []
    sources = [*dict.fromkeys(f.filename for f in REPORT_FACES), FALLBACK_FACE.filename]
    for face in faces:
        rules.append(_face_rule(face, subset_woff2(font_dir / face.filename, chars)))
        rest = {c for c in chars if ord(c) not in cmap(font_dir / face.filename)}
        for filename in (s for s in sources if s != face.filename):
            if not rest:
                break
            take = sorted(c for c in rest if ord(c) in cmap(font_dir / filename))
            if take:
                rules.append(_face_rule(face, subset_woff2(font_dir / filename, set(take)), take))
                rest -= set(take)
    font_reuse.save_glyph_memo(font_dir)
    return '<style id="embedded-fonts">\n' + "\n".join(rules) + "\n</style>"


def with_embedded_font(text: str) -> str:
    """Embed subsets of the project's sans faces (the release pages' stylesheets use Noto Sans SC), so that a page
    looks the same on any device, including one without Chinese fonts, and still needs nothing from the network."""
    try:
        font_dir = ensure_fonts()
        chars = document_chars(text)
        check_glyph_coverage(chars, font_dir)
        style = font_face_css(chars, font_dir, SANS_FACES)
    except FontError as exc:
        raise UserError(f"发布页面嵌入中文字体失败：{exc}") from exc
    return text.replace("</head>", f"{style}\n</head>", 1)
