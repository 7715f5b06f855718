"""Old Excel (BIFF, .xls; WPS .et saved as .xls): checks made before the workbook is parsed.

A BIFF workbook is a stream ("Workbook", or "Book" for BIFF5) inside an OLE2 compound file (sectors of 512 or
4096 bytes chained by a FAT). The reader (calamine) loads a whole sheet into memory, as an area from A1 to the
last used cell, so a small file with one stray cell at row 60000, column IV would cost millions of cells; and a
file cut short by a broken download should be named as such, not as "encrypted". This module reads only the
container's directory and each sheet's DIMENSIONS record (its used area), never the cells:

* :func:`sheet_areas` — (sheet name, rows × columns of the area from A1) of every worksheet;
* :class:`Truncated` — raised when a sector the workbook stream needs lies beyond the end of the file.

Anything else it does not understand (an encrypted workbook, an OLE file without a workbook stream, an odd
layout) gives ``None``: the reader then decides, and the cell count is still checked after loading.
"""

from __future__ import annotations

import struct
from pathlib import Path

_END_OF_CHAIN = 0xFFFFFFFE
_MAX_SECTOR = 0xFFFFFFFA  # above: special values (free, end of chain, FAT, DIFAT)
_BOF, _EOF, _BOUNDSHEET, _DIMENSIONS, _FILEPASS = 0x0809, 0x000A, 0x0085, 0x0200, 0x002F


class Truncated(Exception):
    """The compound file ends before the data its directory points to (a cut-off download)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class _Odd(Exception):
    """A layout this module does not read (left to the reader)."""


def _u32(data: bytes, offset: int) -> int:
    if offset + 4 > len(data):
        raise _Odd
    return int(struct.unpack_from("<I", data, offset)[0])


class _Container:
    def __init__(self, data: bytes) -> None:
        self.data = data
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):
            raise _Odd
        self.sector = 1 << shift
        self.mini_cutoff = _u32(data, 0x38)
        difat = [_u32(data, 0x4C + 4 * i) for i in range(109)]
        next_difat, n_difat = _u32(data, 0x44), _u32(data, 0x48)
        for _ in range(n_difat):
            if next_difat > _MAX_SECTOR:
                break
            block = self._sector(next_difat)
            per = self.sector // 4 - 1
            difat += [_u32(block, 4 * i) for i in range(per)]
            next_difat = _u32(block, 4 * per)
        fat_sectors = [s for s in difat[: _u32(data, 0x2C)] if s <= _MAX_SECTOR]
        self.fat = [x for s in fat_sectors for x in struct.unpack_from(f"<{self.sector // 4}I", self._sector(s))]

    def _sector(self, n: int, whole: bool = True) -> bytes:
        """Sector n; a FAT or directory sector must be there in full (a stream's last one may be short)."""
        start = (n + 1) * self.sector
        if start >= len(self.data) or (whole and start + self.sector > len(self.data)):
            raise Truncated(len(self.data))
        return self.data[start:start + self.sector]

    def chain(self, first: int, whole: bool = True) -> bytes:
        """The bytes of the sectors chained from `first` by the FAT."""
        fat = self.fat
        parts: list[bytes] = []
        n = first
        for _ in range(len(fat) + 1):
            if n == _END_OF_CHAIN:
                return b"".join(parts)
            if n > _MAX_SECTOR or n >= len(fat):
                raise _Odd
            parts.append(self._sector(n, whole))
            n = fat[n]
        raise _Odd  # a loop in the chain

    def stream(self, names: tuple[str, ...]) -> bytes | None:
        directory = self.chain(_u32(self.data, 0x30))
        entries = [directory[i:i + 128] for i in range(0, len(directory) - 127, 128)]
        if not entries:
            raise _Odd
        for entry in entries:
            length = struct.unpack_from("<H", entry, 64)[0]
            name = entry[:max(length - 2, 0)].decode("utf-16-le", "replace")
            if entry[66] != 2 or name not in names:
                continue
            start, size = _u32(entry, 116), _u32(entry, 120)
            if size < self.mini_cutoff:
                raise _Odd  # a small stream lives in the mini stream: small enough to leave to the reader
            data = self.chain(start, whole=False)
            if len(data) < size:
                raise Truncated(len(self.data))
            return data[:size]
        return None


def _records(book: bytes, offset: int) -> list[tuple[int, int, bytes]]:
    """(record id, offset, body) from `offset` to the substream's EOF record."""
    out = []
    while offset + 4 <= len(book):
        rid, length = struct.unpack_from("<HH", book, offset)
        body = book[offset + 4:offset + 4 + length]
        out.append((rid, offset, body))
        offset += 4 + length
        if rid == _EOF:
            break
    return out


def _sheets(book: bytes) -> list[tuple[str, int]]:
    """(name, stream offset of its BOF) of every worksheet listed in the workbook globals."""
    sheets = []
    for rid, _, body in _records(book, 0):
        if rid == _FILEPASS:
            raise _Odd  # encrypted: the records below are not readable here
        if rid != _BOUNDSHEET or len(body) < 8:
            continue
        position, kind = _u32(body, 0), body[5]
        if kind != 0:  # 0 = worksheet (chart, macro and VB module sheets hold no rows)
            continue
        count, flags = body[6], body[7]
        name = body[8:8 + 2 * count].decode("utf-16-le") if flags & 1 else body[8:8 + count].decode("latin-1")
        sheets.append((name, position))
    return sheets


def _area(book: bytes, position: int) -> int:
    """Rows × columns from A1 to the last used cell, from the sheet's DIMENSIONS record (0 if it has none)."""
    records = _records(book, position)
    if not records or records[0][0] != _BOF:
        raise _Odd
    for rid, _, body in records:
        if rid == _DIMENSIONS:
            if len(body) >= 14:  # BIFF8: 32-bit rows
                return _u32(body, 4) * int(struct.unpack_from("<H", body, 10)[0])
            if len(body) >= 10:  # BIFF5
                return int(struct.unpack_from("<H", body, 2)[0]) * int(struct.unpack_from("<H", body, 6)[0])
    return 0


def sheet_areas(path: Path) -> list[tuple[str, int]] | None:
    """(sheet name, cells from A1 to the last used cell) of every worksheet of a BIFF workbook, read from the
    sheets' DIMENSIONS records; None when the file is not a plain BIFF workbook this module can read.
    Raises :class:`Truncated` when the file ends before its workbook stream does."""
    data = path.read_bytes()
    if len(data) < 512:
        raise Truncated(len(data))
    try:
        container = _Container(data)
        book = container.stream(("Workbook", "Book"))
        if book is None:
            return None
        return [(name, _area(book, position)) for name, position in _sheets(book)]
    except (_Odd, struct.error, UnicodeDecodeError, IndexError):
        return None
