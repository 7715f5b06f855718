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
import functools
import hashlib
import io
import types
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

from fontTools import subset as ft_subset
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fontTools.ttLib import woff2 as ft_woff2

from pipeline.errors import UserError
from pipeline.io_utils import atomic_path
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


@functools.lru_cache(maxsize=16)
def _cmap(font_path: Path, mtime_ns: int) -> frozenset[int]:
    """The code points a font covers (read once per font file and process)."""
    with TTFont(font_path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def cmap(font_path: Path) -> frozenset[int]:
    return _cmap(font_path, font_path.stat().st_mtime_ns)


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


@functools.lru_cache(maxsize=8)
def _font_bytes(font_path: Path, size: int, mtime_ns: int) -> tuple[bytes, str]:
    """A font file's bytes and their SHA-256, read once per font file and process (size and mtime in the key: a
    replaced file is read again)."""
    data = font_path.read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def font_bytes(font_path: Path) -> tuple[bytes, str]:
    stat = font_path.stat()
    return _font_bytes(font_path, stat.st_size, stat.st_mtime_ns)


# Subsets made in this process, by cache key: a subset any document of the run needs again (the same fallback
# characters in every county edition, a page rendered twice) is made once.
_SUBSETS: dict[str, bytes] = {}


def subset_key(font_digest: str, chars: set[str]) -> str:
    """The cache key of a subset: the subsetting options, the font file's content (SHA-256) and the sorted
    characters. Same key → same bytes, whatever the font file is called or wherever it lies."""
    text = f"{_SUBSET_OPTIONS}|{font_digest}|{''.join(sorted(chars))}"
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
    result = _subset_woff2(io.BytesIO(data), chars, digest=digest)
    _SUBSETS[key] = result
    try:
        with atomic_path(cache) as tmp:
            tmp.write_bytes(result)
    except OSError:
        pass  # a read-only font folder: no cache, same bytes
    return result


# Bounds of CFF glyphs, by (SHA-256 of the font file, glyph name). Saving a CFF subset makes fontTools draw every
# glyph's charstring three times for its bounds (CFF FontBBox, hhea, vhea), a third of a subset's time. A glyph's
# outline does not depend on which other glyphs a subset keeps (subsetting renumbers the subroutines a charstring
# calls, not what it draws), so each glyph's bounds are worked out once per process, by fontTools itself.
Bounds = tuple[float, float, float, float] | None  # (xMin, yMin, xMax, yMax); None for a glyph that draws nothing
_CFF_BOUNDS: dict[tuple[str, str], Bounds] = {}


def _known_bounds(bounds: Bounds, _glyph_set: object) -> Bounds:
    return bounds


def _reuse_cff_bounds(font: TTFont, digest: str) -> None:
    """Give each glyph of a subset CFF font its bounds from `_CFF_BOUNDS` (computed by fontTools on first use), so
    that the recalculations at save time look them up instead of drawing the glyph again. Same numbers, same bytes."""
    if "CFF " not in font:
        return
    charstrings = font["CFF "].cff.topDictIndex[0].CharStrings
    for name in font.getGlyphOrder():
        glyph = charstrings[name]
        key = (digest, name)
        if key not in _CFF_BOUNDS:
            _CFF_BOUNDS[key] = glyph.calcBounds(charstrings)
        glyph.calcBounds = functools.partial(_known_bounds, _CFF_BOUNDS[key])


# What every subset of a font file decompiles from the same bytes, kept from its first subset in this process (by the
# SHA-256 of the file): the glyph order (for Noto Sans SC worked out from the cmap, which fontTools then parses a
# second time), the 'glyf' table's glyph records and the 'hmtx'/'vmtx' metrics. About a third of a TrueType face's
# subset went into reading these anew. The subsetter changes the tables it is given, so each subset gets its own
# copies: a new glyph-order list, new metrics dicts, and a 'glyf' table that makes each glyph from its bytes when
# the subsetter first looks it up (a few hundred of 31,000). The other tables are read from the file as before.
@dataclass(frozen=True)
class _Parsed:
    glyph_order: tuple[str, ...]
    glyf: dict[str, bytes] | None  # glyph name → the glyph's bytes in 'glyf' (b"" for an empty glyph)
    metrics: dict[str, dict[str, tuple[int, int]]]  # 'hmtx'/'vmtx' → glyph name → (advance, side bearing)


_PARSED: dict[str, _Parsed] = {}
_METRICS_TAGS = ("hmtx", "vmtx")


class _GlyphsOnDemand(MutableMapping[str, Glyph]):
    """A 'glyf' table's glyphs, each made from its bytes when first looked up and kept from then on: the same
    Glyph objects the table's own decompile makes, for the glyphs the subsetter reads."""

    def __init__(self, data: dict[str, bytes]) -> None:
        self._data = data  # shared, never changed
        self._made: dict[str, Glyph] = {}
        self._all: dict[str, Glyph] | None = None  # every glyph, once the mapping itself is changed

    def __getitem__(self, name: str) -> Glyph:
        if self._all is not None:
            return self._all[name]
        glyph = self._made.get(name)
        if glyph is None:
            glyph = self._made[name] = Glyph(self._data[name])
        return glyph

    def _every(self) -> dict[str, Glyph]:
        if self._all is None:
            self._all = {name: self[name] for name in self._data}
        return self._all

    def __setitem__(self, name: str, glyph: Glyph) -> None:
        self._every()[name] = glyph

    def __delitem__(self, name: str) -> None:
        del self._every()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data if self._all is None else self._all)

    def __len__(self) -> int:
        return len(self._data if self._all is None else self._all)

    def __contains__(self, name: object) -> bool:
        return name in (self._data if self._all is None else self._all)


def _parsed(font: TTFont) -> _Parsed:
    """Read what _Parsed keeps from a freshly opened font, before the subsetter has changed anything."""
    glyf = None
    if "glyf" in font:
        glyf = {name: getattr(glyph, "data", b"") for name, glyph in font["glyf"].glyphs.items()}
    metrics = {tag: dict(font[tag].metrics) for tag in _METRICS_TAGS if tag in font}
    return _Parsed(tuple(font.getGlyphOrder()), glyf, metrics)


def _reuse_parsed(font: TTFont, digest: str) -> None:
    """Give a freshly opened font what an earlier subset of the same file read (see _Parsed), or keep it for the
    next one. Same tables as fontTools' own decompile, so the same bytes."""
    parsed = _PARSED.get(digest)
    if parsed is None:
        _PARSED[digest] = _parsed(font)
        return
    font.setGlyphOrder(list(parsed.glyph_order))
    for tag, metrics in parsed.metrics.items():
        table = newTable(tag)
        font[table.maxpTag], font.get(table.headerTag)  # read first, as the table's own decompile does
        table.metrics = dict(metrics)
        font[tag] = table
    if parsed.glyf is not None:
        font["loca"]  # read first, as the table's own decompile does
        glyf = newTable("glyf")
        glyf.glyphs = _GlyphsOnDemand(parsed.glyf)
        glyf.glyphOrder = font.getGlyphOrder()
        glyf._reverseGlyphOrder = {}
        font["glyf"] = glyf


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
        _reuse_parsed(font, digest)
        subsetter = ft_subset.Subsetter(options=options)
        subsetter.populate(unicodes=sorted(ord(c) for c in chars))
        subsetter.subset(font)
        font["head"].modified = font["head"].created
        _reuse_cff_bounds(font, digest)
        font.flavor = "woff2"
        buffer = io.BytesIO()
        with _brotli_quality(BROTLI_QUALITY):
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
