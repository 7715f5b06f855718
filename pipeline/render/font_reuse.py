"""What fontTools re-derives from the same font bytes for every subset, worked out once and reused, to the same bytes.

html_fonts.subset_woff2 subsets a report font for each HTML page; most of a subset's time used to go into work that
depends only on the font file or on one glyph, never on the page: reading the glyph order, cmap and metrics,
decompiling every glyph record, and for the glyphs a page uses, compiling them, encoding them for woff2, and (CFF)
drawing them for their bounds and running them for their seac components. Each of these is kept here, keyed by what
determines it (the font file's SHA-256, a glyph's own bytes, a glyph name), and given back to fontTools in the form
its own code makes, so a subset has exactly the bytes fontTools makes by itself (tests/unit/test_font_subsets.py
compares them with every reuse switched off). What is kept also lies next to the fonts (<font folder>/facts/), for
the next process: every stage and county worker used to start from nothing.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import marshal
import sys
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fontTools
from fontTools import subset as ft_subset
from fontTools.subset import cff as ft_subset_cff
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib import woff2 as ft_woff2
from fontTools.ttLib.tables._g_l_y_f import Glyph

from pipeline.io_utils import atomic_path


@functools.lru_cache(maxsize=8)
def _font_bytes(font_path: Path, size: int, mtime_ns: int) -> tuple[bytes, str]:
    """A font file's bytes and their SHA-256, read once per font file and process (size and mtime in the key: a
    replaced file is read again)."""
    data = font_path.read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def font_bytes(font_path: Path) -> tuple[bytes, str]:
    stat = font_path.stat()
    return _font_bytes(font_path, stat.st_size, stat.st_mtime_ns)


# What every process used to re-derive from a font file before its first subset, worked out once and kept next to
# the fonts (<font folder>/facts/): the glyph order (for Noto Sans SC made from the cmap, which fontTools then parses
# a second time: 0.15 s per face, 0.43 s for HanaMinB), the code points the font covers (the glyph check), and the
# 'hmtx'/'vmtx' metrics. A stage, and each county worker, starts with these in a few milliseconds. The file is named
# and stamped with the font file's SHA-256 and _FACTS_FORMAT, and carries the SHA-256 of its own payload: a file cut
# short, written by another format or for another font is not used (it is worked out again and replaced). The facts
# are the values fontTools itself reads, so a subset made with them has the same bytes. The format of every file under
# <font folder>/facts/ names the fontTools, Python and marshal versions: what they hold is what this fontTools reads.
_STORE_FORMAT = f"fonttools{fontTools.version}-py{sys.version_info[0]}.{sys.version_info[1]}-marshal{marshal.version}"
_FACTS_FORMAT = f"font-facts-1-{_STORE_FORMAT}"
_FACTS_MAGIC = b"healthstats font facts\n"
_METRICS_TAGS = ("hmtx", "vmtx")


@dataclass(frozen=True)
class FontFacts:
    glyph_order: tuple[str, ...]
    best_cmap: frozenset[int]  # code points of the font's best Unicode cmap
    metrics: dict[str, dict[str, tuple[int, int]]]  # 'hmtx'/'vmtx' → glyph name → (advance, side bearing)


_FACTS: dict[str, FontFacts] = {}  # by SHA-256 of the font file


def _facts_of(font: TTFont) -> FontFacts:
    """Read the facts from a freshly opened font, as fontTools' own table reads give them."""
    glyph_order = tuple(font.getGlyphOrder())
    best = frozenset(font.getBestCmap() or {})
    metrics = {tag: {name: (int(adv), int(sb)) for name, (adv, sb) in font[tag].metrics.items()}
               for tag in _METRICS_TAGS if tag in font}
    return FontFacts(glyph_order, best, metrics)


def facts_path(font_path: Path, digest: str) -> Path:
    return font_path.parent / "facts" / f"{digest}.{_FACTS_FORMAT}"


def _sealed(magic: bytes, value: tuple[Any, ...]) -> bytes:
    """A cache file's bytes: its magic line, the SHA-256 of the payload, the payload (`value`, marshalled)."""
    payload = marshal.dumps(value)
    return magic + hashlib.sha256(payload).digest() + payload


def _unsealed(magic: bytes, data: bytes) -> Any:
    """What `_sealed` wrote, or None unless the file is whole (its magic, its checksum) and unmarshals."""
    head = len(magic)
    if data[:head] != magic or len(data) < head + 32:
        return None
    payload = data[head + 32:]
    if hashlib.sha256(payload).digest() != data[head:head + 32]:
        return None
    try:
        return marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None


def _encode_facts(facts: FontFacts, digest: str) -> bytes:
    return _sealed(_FACTS_MAGIC, (_FACTS_FORMAT, digest, facts.glyph_order, sorted(facts.best_cmap), facts.metrics))


def _decode_facts(data: bytes, digest: str) -> FontFacts | None:
    """The facts in a cache file, or None unless it is whole, of this format and of the font with this SHA-256."""
    value = _unsealed(_FACTS_MAGIC, data)
    if not (isinstance(value, tuple) and len(value) == 5):
        return None
    fmt, font_digest, glyph_order, best, metrics = value
    if fmt != _FACTS_FORMAT or font_digest != digest:
        return None
    if not (isinstance(glyph_order, tuple) and isinstance(best, list) and isinstance(metrics, dict)):
        return None
    return FontFacts(glyph_order, frozenset(best), metrics)


def font_facts(font_path: Path) -> FontFacts:
    """A font file's facts: from this process's memory, else its file in <font folder>/facts/, else read from the
    font (and the file written, atomically; a read-only folder only costs the time)."""
    data, digest = font_bytes(font_path)
    facts = _FACTS.get(digest)
    if facts is not None:
        return facts
    cache = facts_path(font_path, digest)
    try:
        facts = _decode_facts(cache.read_bytes(), digest)
    except OSError:  # none yet, or unreadable: worked out from the font
        facts = None
    if facts is None:
        with TTFont(io.BytesIO(data), lazy=True) as font:
            facts = _facts_of(font)
        try:
            with atomic_path(cache) as tmp:
                tmp.write_bytes(_encode_facts(facts, digest))
        except OSError:
            pass
    _FACTS[digest] = facts
    return facts


# Bounds of CFF glyphs, by (SHA-256 of the font file, glyph name). Saving a CFF subset makes fontTools draw every
# glyph's charstring three times for its bounds (CFF FontBBox, hhea, vhea), a third of a subset's time. A glyph's
# outline does not depend on which other glyphs a subset keeps (subsetting renumbers the subroutines a charstring
# calls, not what it draws), so each glyph's bounds are worked out once per process, by fontTools itself.
Bounds = tuple[float, float, float, float] | None  # (xMin, yMin, xMax, yMax); None for a glyph that draws nothing
_CFF_BOUNDS: dict[tuple[str, str], Bounds] = {}


def _known_bounds(bounds: Bounds, _glyph_set: object) -> Bounds:
    return bounds


def reuse_cff_bounds(font: TTFont, digest: str) -> None:
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


# The glyphs a CFF glyph draws through `seac` (an accented Latin letter made of two others), by (SHA-256 of the font
# file, glyph name). fontTools' closure runs every kept glyph's charstring to find them, each subset anew (a third
# of a Noto Serif SC subset's time); what one glyph's charstring calls does not depend on the other glyphs kept, so
# each glyph is run once per process, by fontTools' own closure decompiler, and the later subsets take its set.
_CFF_COMPONENTS: dict[tuple[str, str], frozenset[str]] = {}


def _remembered_cff_closure(table: object, digest: str, s: ft_subset.Subsetter) -> None:
    """fontTools' closure_glyphs for a 'CFF ' table (fontTools.subset.cff), with each glyph's components kept."""
    cff = table.cff  # type: ignore[attr-defined]
    assert len(cff) == 1
    glyph_set = cff[cff.keys()[0]].CharStrings
    decompose = s.glyphs
    while decompose:
        components: set[str] = set()
        for name in decompose:
            if name not in glyph_set:
                continue
            key = (digest, name)
            found = _CFF_COMPONENTS.get(key)
            if found is None:
                drawn: set[str] = set()
                glyph = glyph_set[name]
                subrs = getattr(glyph.private, "Subrs", [])
                ft_subset_cff._ClosureGlyphsT2Decompiler(drawn, subrs, glyph.globalSubrs).execute(glyph)
                found = _CFF_COMPONENTS[key] = frozenset(drawn)
            components |= found
        components -= s.glyphs
        s.glyphs.update(components)
        decompose = components


def reuse_cff_closure(font: TTFont, digest: str) -> None:
    if "CFF " in font:
        table = font["CFF "]
        table.closure_glyphs = functools.partial(_remembered_cff_closure, table, digest)


# What every subset of a font file decompiles from the same bytes, kept from its first subset in this process (by the
# SHA-256 of the file): the glyph order and the 'hmtx'/'vmtx' metrics (from the font's facts, see FontFacts) and the
# 'glyf' table's glyph records, cut from the table's bytes at the offsets 'loca' gives (fontTools' own decompile makes
# a Glyph object for each of 31,000 glyphs, 0.5 s). The subsetter changes the tables it is given, so each subset gets
# its own copies: a new glyph-order list, new metrics dicts, and a 'glyf' table that makes each glyph from its bytes
# when the subsetter first looks it up (a few hundred of 31,000). The other tables are read from the file as before.
@dataclass(frozen=True)
class _Parsed:
    glyph_order: tuple[str, ...]
    glyf: dict[str, bytes] | None  # glyph name → the glyph's bytes in 'glyf' (b"" for an empty glyph)
    metrics: dict[str, dict[str, tuple[int, int]]]  # 'hmtx'/'vmtx' → glyph name → (advance, side bearing)


_PARSED: dict[str, _Parsed] = {}


def _is_simple(data: bytes) -> bool:
    """A glyph record with outlines of its own (numberOfContours > 0), not a composite or an empty glyph."""
    return len(data) >= 10 and int.from_bytes(data[:2], "big", signed=True) > 0


# A simple glyph compiles (outline unpacked, bounds recalculated, packed again) to bytes that depend only on its own
# bytes and the two packing options: nothing of the other glyphs, their number or its glyph index. Every subset of a
# face compiles the same few hundred glyphs of its characters (a third of a TrueType subset's time), so each is
# compiled once per process, by fontTools. Composite glyphs (they name their components by glyph index) are not kept.
_COMPILED: dict[tuple[bytes, bool, bool], bytes] = {}


class _RememberedGlyph(Glyph):
    """A Glyph whose compile, while it is still the bytes it was read from, gives the bytes an earlier compile of
    the same bytes gave. On such a repeat it keeps the compiled bytes, unexpanded, instead of the unpacked outline:
    what the later recalculations (maxp, hhea, vhea) read from it is unpacked from them, the same numbers."""

    def compile(self, glyfTable: object, recalcBBoxes: bool = True, *, boundsDone: set[str] | None = None,
                optimizeSize: bool = True) -> bytes:
        data = self.__dict__.get("data")
        if not (recalcBBoxes and data and _is_simple(data)):
            return super().compile(glyfTable, recalcBBoxes, boundsDone=boundsDone, optimizeSize=optimizeSize)
        key = (bytes(data), optimizeSize, glyfTable is None or bool(getattr(glyfTable, "extended", False)))
        compiled = _COMPILED.get(key)
        if compiled is None:
            compiled = super().compile(glyfTable, recalcBBoxes, boundsDone=boundsDone, optimizeSize=optimizeSize)
            _COMPILED[key] = compiled
        else:
            self.data = compiled
        return compiled


class _GlyphsOnDemand(MutableMapping[str, Glyph]):
    """A 'glyf' table's glyphs, each made from its bytes when first looked up and kept from then on: the same
    Glyph objects the table's own decompile makes (as _RememberedGlyph), for the glyphs the subsetter reads."""

    def __init__(self, data: dict[str, bytes]) -> None:
        self._data = data  # shared, never changed
        self._made: dict[str, Glyph] = {}
        self._all: dict[str, Glyph] | None = None  # every glyph, once the mapping itself is changed

    def __getitem__(self, name: str) -> Glyph:
        if self._all is not None:
            return self._all[name]
        glyph = self._made.get(name)
        if glyph is None:
            glyph = self._made[name] = _RememberedGlyph(self._data[name])
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


def _glyf_records(font: TTFont, glyph_order: tuple[str, ...]) -> dict[str, bytes] | None:
    """Each glyph's bytes in 'glyf', cut where 'loca' says, as the table's own decompile cuts them; None for a font
    without 'glyf' or one whose 'loca' does not fit it (fontTools then reads the table itself and reports it)."""
    if "glyf" not in font:
        return None
    offsets = list(font["loca"].locations)
    raw = font.reader["glyf"]
    if len(offsets) != len(glyph_order) + 1 or offsets[-1] > len(raw) or any(a > b for a, b in zip(offsets, offsets[1:])):
        return None
    return {name: raw[offsets[i]:offsets[i + 1]] for i, name in enumerate(glyph_order)}


def reuse_parsed(font: TTFont, digest: str) -> None:
    """Give a freshly opened font the glyph order, metrics and glyph records of its file (see _Parsed), from this
    process's first subset of the file or, for that first one, from the file's facts (read from this very font when
    no facts are known). Same tables as fontTools' own decompile, so the same bytes."""
    parsed = _PARSED.get(digest)
    if parsed is None:
        facts = _FACTS.get(digest)
        if facts is None:
            facts = _facts_of(font)
        parsed = _PARSED[digest] = _Parsed(facts.glyph_order, _glyf_records(font, facts.glyph_order), facts.metrics)
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


# The woff2 'glyf' transform splits each glyph over seven streams (contour and point counts, flags, coordinates,
# instructions, bounds) and two bitmaps. For a simple glyph what it adds depends only on the glyph's bytes in the
# compiled 'glyf' (its bitmap bits sit at its glyph index, set here by that index): kept per process by those bytes,
# worked out by fontTools' own encoder the first time, so every later subset with the glyph adds the same bytes.
_ENCODED: dict[bytes, tuple[tuple[bytes, ...], bool, bool]] = {}


def _bit(bitmap: object, glyph_id: int) -> bool:
    return bool(bitmap[glyph_id >> 3] & (0x80 >> (glyph_id & 7)))  # type: ignore[index]


class _RememberingGlyfTransform(ft_woff2.WOFF2GlyfTable):  # type: ignore[misc]
    def _encodeGlyph(self, glyphID: int) -> None:
        glyph = self.glyphs[self.getGlyphName(glyphID)]
        data = glyph.__dict__.get("data")
        if not data or not _is_simple(data):
            super()._encodeGlyph(glyphID)
            return
        streams = self.subStreams
        data = bytes(data)
        known = _ENCODED.get(data)
        if known is None:
            before = [len(getattr(self, name)) for name in streams]
            super()._encodeGlyph(glyphID)
            pieces = tuple(getattr(self, name)[n:] for name, n in zip(streams, before))
            _ENCODED[data] = (pieces, _bit(self.bboxBitmap, glyphID), _bit(self.overlapSimpleBitmap, glyphID))
            return
        pieces, bbox, overlap = known
        for name, piece in zip(streams, pieces):
            if piece:
                setattr(self, name, getattr(self, name) + piece)
        if bbox:
            self.bboxBitmap[glyphID >> 3] |= 0x80 >> (glyphID & 7)
        if overlap:
            self.overlapSimpleBitmap[glyphID >> 3] |= 0x80 >> (glyphID & 7)


# The per-glyph results above (compiled simple glyphs, their woff2 encodings, CFF bounds and closures) kept for the
# next process too, in one file under <font folder>/facts/: a stage's first document (and each county worker's)
# otherwise works out again what the stages before it did (0.3-0.6 s per face for a report's few hundred glyphs).
# Every entry is keyed by what determines it (the glyph's own bytes, or the font file's SHA-256 and the glyph name),
# so entries of any document or font may sit side by side. The file is whole or unused (a SHA-256 of its payload,
# and the format, which names the fontTools version); each write merges what is on disk with this process's entries
# and replaces the file atomically. Two processes writing at once may lose the other's new entries: time, not bytes.
_MEMO_FORMAT = f"glyph-memo-1-{_STORE_FORMAT}"
_MEMO_MAGIC = b"healthstats glyph memo\n"
# Font folder → the sizes of the memo dicts and the file's (mtime, size) when this process last read or wrote it: a
# save with no new entries writes nothing, and one after no other process's write does not read the file again.
_MEMO_SEEN: dict[Path, tuple[tuple[int, ...], tuple[int, int] | None]] = {}


def memo_path(font_dir: Path) -> Path:
    return font_dir / "facts" / f"glyphs.{_MEMO_FORMAT}"


def _memo_dicts() -> tuple[dict, dict, dict, dict]:  # type: ignore[type-arg]
    return _COMPILED, _ENCODED, _CFF_BOUNDS, _CFF_COMPONENTS


def _memo_sizes() -> tuple[int, ...]:
    return tuple(len(d) for d in _memo_dicts())


def _read_memo(path: Path) -> tuple[dict, ...] | None:  # type: ignore[type-arg]
    """The memo dicts in a memo file, or None unless it is whole and of this format."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    value = _unsealed(_MEMO_MAGIC, data)
    if not (isinstance(value, tuple) and value):
        return None
    fmt, *dicts = value
    if fmt != _MEMO_FORMAT or len(dicts) != 4 or not all(isinstance(d, dict) for d in dicts):
        return None
    return tuple(dicts)


def _take_memo(dicts: tuple[dict, ...]) -> None:  # type: ignore[type-arg]
    for mine, theirs in zip(_memo_dicts(), dicts):
        for key, value in theirs.items():
            mine.setdefault(key, value)


def _file_state(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def load_glyph_memo(font_dir: Path) -> None:
    """Take the font folder's memo file into this process's memo dicts (once per folder and process)."""
    if font_dir in _MEMO_SEEN:
        return
    path = memo_path(font_dir)
    state = _file_state(path)
    dicts = _read_memo(path)
    if dicts is not None:
        _take_memo(dicts)
    _MEMO_SEEN[font_dir] = (_memo_sizes(), state)


def save_glyph_memo(font_dir: Path) -> None:
    """Write this process's memo entries, merged with the file's, when there are new ones since the last read/write
    (once per document: font_face_css)."""
    sizes, state = _MEMO_SEEN.get(font_dir, ((), None))
    if sizes == _memo_sizes():
        return
    path = memo_path(font_dir)
    if state is None or _file_state(path) != state:  # another process wrote it since: keep its entries too
        dicts = _read_memo(path)
        if dicts is not None:
            _take_memo(dicts)
    try:
        with atomic_path(path) as tmp:
            tmp.write_bytes(_sealed(_MEMO_MAGIC, (_MEMO_FORMAT, *_memo_dicts())))
    except OSError:
        pass  # a read-only font folder: the next process works them out again
    _MEMO_SEEN[font_dir] = (_memo_sizes(), _file_state(path))


@contextlib.contextmanager
def remembered_glyf_transform() -> Iterator[None]:
    """While saving a woff2, fontTools' WOFF2 writer transforms 'glyf' with _RememberingGlyfTransform."""
    real = ft_woff2.WOFF2GlyfTable
    ft_woff2.WOFF2GlyfTable = _RememberingGlyfTransform  # type: ignore[misc]
    try:
        yield
    finally:
        ft_woff2.WOFF2GlyfTable = real  # type: ignore[misc]
