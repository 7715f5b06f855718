"""Deterministic XLSX writing: same workbook → same bytes (no wall-clock time anywhere)."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pipeline import fmt
from pipeline.escaping import needs_formula_guard, visible_controls
from pipeline.io_utils import atomic_path

FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)


def normalise_zip(data: bytes, when: dt.datetime = FIXED_TIME) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes and a fixed entry order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    return _zip_parts(src.namelist(), src.read, when)


def _zip_parts(names: list[str], read: Callable[[str], bytes], when: dt.datetime) -> bytes:
    """The parts `names` (`read` gives each one's bytes) as a zip with fixed timestamps, attributes and entry order."""
    order = sorted(names, key=lambda n: (n != "[Content_Types].xml", not n.startswith("_rels/"), n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, read(name), compresslevel=6)
    return out.getvalue()


class _Parts:
    """What openpyxl's ExcelWriter writes, kept in memory as the zip would hold it (`writestr`, `write`,
    `namelist`, `close`): the parts are compressed once, by `_zip_parts`, instead of zipped, unzipped and zipped
    again. Names keep their order and repeats, and a repeated name reads as its last part, as in a zip file."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.data: dict[str, bytes] = {}

    def writestr(self, name: str, data: str | bytes) -> None:
        self.names.append(name)
        self.data[name] = data.encode("utf-8") if isinstance(data, str) else data

    def write(self, source: str | io.BytesIO, name: str) -> None:
        self.writestr(name, source.getvalue() if isinstance(source, io.BytesIO) else Path(source).read_bytes())

    def namelist(self) -> list[str]:
        return list(self.names)

    def close(self) -> None:
        pass


def _excel_writer(wb: Any, archive: _Parts) -> Any:
    """openpyxl's ExcelWriter, with each worksheet of a normal (not write-only) workbook written to memory rather
    than to a temporary file that is written, read back and deleted."""
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    class MemoryExcelWriter(ExcelWriter):  # type: ignore[misc]
        def write_worksheet(self, ws: Any) -> None:
            if self.workbook.write_only:
                super().write_worksheet(ws)
                return
            ws._drawing = SpreadsheetDrawing()  # as ExcelWriter.write_worksheet (openpyxl 3.1)
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            writer = WorksheetWriter(ws, out=io.BytesIO())
            writer.write()
            ws._rels = writer._rels
            self._archive.write(writer.out, ws.path[1:])
            self.manifest.append(ws)

    return MemoryExcelWriter(wb, archive)


def workbook_bytes(wb: Any, when: dt.datetime = FIXED_TIME) -> bytes:
    """Serialise an openpyxl workbook without the wall clock (save_workbook stamps 'modified' with now)."""
    wb.properties.created = when
    wb.properties.modified = when
    parts = _Parts()
    _excel_writer(wb, parts).save()
    return _zip_parts(parts.names, parts.data.__getitem__, when)


def save_workbook(wb: Any, path: Path, when: dt.datetime = FIXED_TIME) -> None:
    """Write atomically and deterministically."""
    data = workbook_bytes(wb, when)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def set_text(cell: Any, value: str) -> None:
    """Put text in a cell so that Excel never reads it as a formula ('=…', '+…', '-…', '@…' from data): a text cell,
    with Excel's quote prefix (the apostrophe) when it starts like a formula, so it stays text even when edited.
    Control characters (NUL …), which openpyxl refuses, are shown as visible symbols (␀)."""
    text = visible_controls(value)
    cell.value = text
    cell.data_type = "s"
    if needs_formula_guard(text):
        cell.quotePrefix = True


class CellStyles:
    """The cell formats of one workbook, each worked out once. openpyxl looks a style up by value (hashing every
    field of the Font or Alignment) on every assignment, which costs more than the rest of a small workbook. The
    first cell with a given format is styled as openpyxl would (so the workbook's font, alignment and number
    format lists fill in the same order, and the file is the same) and later ones copy its style array. One
    instance per workbook (the array holds that workbook's list indices); the style objects are keyed by
    identity, so pass the same objects for the same format."""

    def __init__(self) -> None:
        self._arrays: dict[tuple[bool, int, int, str | None], Any] = {}

    def apply(self, cell: Any, font: Any = None, alignment: Any = None, number_format: str | None = None) -> None:
        """Set these formats on a cell whose value is set (set_text may have given it the quote prefix)."""
        key = (bool(cell._style is not None and cell._style.quotePrefix), id(font), id(alignment), number_format)
        array = self._arrays.get(key)
        if array is not None:
            cell._style = copy.copy(array)
            return
        if number_format is not None:
            cell.number_format = number_format
        if font is not None:
            cell.font = font
        if alignment is not None:
            cell.alignment = alignment
        self._arrays[key] = copy.copy(cell._style)


@functools.cache
def _formats() -> dict[str, Any]:
    """The fonts and alignments of write_table_sheet, made once (the same objects: CellStyles keys on them)."""
    from openpyxl.styles import Alignment, Font

    return {"title": Font(bold=True, size=13), "header": Font(bold=True),
            "header_align": Alignment(horizontal="center", vertical="center", wrap_text=True),
            "top": Alignment(vertical="top", wrap_text=False), "top_wrap": Alignment(vertical="top", wrap_text=True)}


def write_table_sheet(ws: Any, title: str, header: Sequence[str], widths: Sequence[float], rows: Sequence[Sequence[Any]],
                      title_lines: Sequence[str], none_text: str, styles: CellStyles | None = None) -> None:
    """A sheet of title lines (the first in bold), a blank row, a bold centred header with these column widths,
    the rows (text cells via set_text, floats shown to 1 decimal; text over 20 characters wraps) or `none_text`,
    and frozen panes under the header. `styles`: the workbook's CellStyles, shared by its sheets."""
    from openpyxl.utils import get_column_letter

    styles, f = CellStyles() if styles is None else styles, _formats()
    ws.title = title
    for i, line in enumerate(title_lines, start=1):
        set_text(ws.cell(row=i, column=1), line)
    styles.apply(ws.cell(row=1, column=1), font=f["title"])
    head = len(title_lines) + 2
    for col, (label, width) in enumerate(zip(header, widths), start=1):
        cell = ws.cell(row=head, column=col)
        set_text(cell, label)
        styles.apply(cell, font=f["header"], alignment=f["header_align"])
        ws.column_dimensions[get_column_letter(col)].width = width
    if not rows:
        set_text(ws.cell(row=head + 1, column=1), none_text)
    for r, values in enumerate(rows, start=head + 1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            number_format = None
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = fmt.display_value(value, 1) if isinstance(value, float) else value
                if isinstance(value, float):
                    number_format = "0.0"
            wrapped = isinstance(value, str) and len(value) > 20
            styles.apply(cell, alignment=f["top_wrap" if wrapped else "top"], number_format=number_format)
    ws.freeze_panes = ws.cell(row=head + 1, column=1)
