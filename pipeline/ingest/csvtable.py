"""A CSV export read into columns by polars, with the record numbers and field counts csv.reader would give.

The fast path for a well-formed comma-separated export: the decoded text is parsed by ``pl.read_csv`` (every
column as text), and each record's number of fields is counted from the text itself (after the well-formed
quoted cells are blanked out, so that a comma or a newline inside quotes is not counted), which keeps the
short and long rows (a truncated file, an unquoted comma) that the checks of rows.py report. Record k of the
file is row k (1-based), as csv.reader numbered them: a quoted cell with a newline is one record, a blank line
is a record without fields.

``read`` returns None, and the caller reads the file with csv.reader as before, for anything polars might read
differently or that the row-by-row cleaning must report: a delimiter other than the comma (the decimal-comma
check of decimals.py works on rows), control characters (stripped with a note), a quote that does not open
and close a whole cell, a carriage return that is not part of a line end, a leading BOM character, a cell over
the length limit (refused, with its row and column), or a record count that does not agree.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import polars as pl

# the control characters files._CONTROL strips (with a note) on the csv.reader path, in polars' regex syntax
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
# every byte but those characters: deleting them from the UTF-8 text leaves its control characters (all ASCII, and
# the bytes of a multi-byte UTF-8 character are all 0x80 or above), one C pass instead of a regex over the text
_NOT_CONTROL = bytes(b for b in range(256) if not re.match(CONTROL, chr(b)))


@dataclass(frozen=True)
class TextTable:
    """A CSV's records as columns: ``cells`` are String series of equal length (null for an empty field or a
    field the record does not have), ``widths`` each record's number of fields (0 for a blank line)."""

    cells: tuple[pl.Series, ...]
    widths: pl.Series

    @property
    def height(self) -> int:
        return self.widths.len()

    def rows(self, start: int = 0, stop: int | None = None) -> list[tuple[int, tuple[Any, ...]]]:
        """Records [start, stop) as (row number, cells) — the row tuples csv.reader and the cleaning gave."""
        stop = self.height if stop is None else min(stop, self.height)
        if stop <= start:
            return []
        frame = pl.DataFrame(list(self.cells)).slice(start, stop - start)
        return [(start + k + 1, values[:w])
                for k, (values, w) in enumerate(zip(frame.iter_rows(), self.widths.slice(start, stop - start)))]

    def pick(self, positions: list[int]) -> list[tuple[Any, ...]]:
        """The cells of the records at these positions (0-based), each cut to its own width."""
        if not positions:
            return []
        index = pl.Series(positions, dtype=pl.Int64)
        frame = pl.DataFrame(list(self.cells))[index]
        return [values[:w] for values, w in zip(frame.iter_rows(), self.widths.gather(index))]


def read(text: str, delimiter: str, max_chars: int) -> TextTable | None:
    """The records of a decoded CSV as columns, or None when csv.reader must read it (see the module text)."""
    if delimiter != "," or text.startswith("\ufeff"):
        return None
    data = text.encode("utf-8")
    if data.translate(None, _NOT_CONTROL):
        return None
    whole = pl.Series([text])
    outside = _outside_quotes(whole)
    if outside is None:
        return None
    carriage = "\r" in text  # (one C scan; most exports end their lines with \n alone)
    if carriage and (outside.str.count_matches("\r", literal=True).item()
                     != outside.str.count_matches("\r\n", literal=True).item()):
        return None
    lines = outside.str.split("\n").explode(empty_as_null=False)
    if text.endswith("\n"):
        lines = lines.slice(0, lines.len() - 1)  # csv.reader ends the last record there: no empty one after it
    if carriage:
        lines = lines.str.strip_suffix("\r")
    # a record has one field more than its commas, a blank line none
    widths = (lines.str.count_matches(",", literal=True).cast(pl.Int64)
              + (lines.str.len_bytes() > 0).cast(pl.Int64)).alias("width")
    width = int(widths.max() or 0)
    if width == 0 or widths.len() != lines.len():
        return None
    try:
        frame = pl.read_csv(io.BytesIO(data), has_header=False, infer_schema=False,
                            schema={f"c{i}": pl.String for i in range(width)}, separator=",", quote_char='"',
                            raise_if_empty=False)
    except pl.exceptions.PolarsError:
        return None
    if frame.height != widths.len():
        return None
    longest = frame.select(pl.max_horizontal(pl.all().str.len_bytes().max())).item()  # (a character is ≥ 1 byte)
    if longest is not None and longest > max_chars:
        longest = frame.select(pl.max_horizontal(pl.all().str.len_chars().max())).item()
    if longest is not None and longest > max_chars:
        return None  # csv.reader's path refuses it, naming the row and column
    cells = tuple(frame.select(pl.when(pl.all() != "").then(pl.all()).name.keep()).get_columns())
    return TextTable(cells, widths)


def _outside_quotes(whole: pl.Series) -> pl.Series | None:
    """The text with every quoted cell replaced by 'x' (one string), or None when a quote does not open and close
    a whole cell as csv.reader reads it. Split at the quotes, the even pieces are outside the quotes; an empty
    piece between two quoted ones is a doubled quote inside a cell. A piece after a closing quote must start
    with the delimiter or a line end, a piece before an opening quote must end with one."""
    pieces = whole.str.split('"').explode(empty_as_null=False)
    if pieces.len() == 1:
        return whole
    if pieces.len() % 2 == 0:
        return None  # an odd number of quotes: one is never closed
    outside = pieces.gather_every(2)
    last = outside.len() - 1
    fine = pl.select(((pl.int_range(last + 1) == 0) | outside.str.contains(r"^[,\r\n]") | (outside == ""))
                     & ((pl.int_range(last + 1) == last) | outside.str.contains(r"[,\n]$") | (outside == ""))
                     ).to_series()
    if not fine.all():
        return None
    return outside.str.join("x")
