"""Deterministic XLSX writing: same workbook → same bytes (no wall-clock time anywhere)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

from pipeline.escaping import needs_formula_guard, visible_controls
from pipeline.io_utils import atomic_path

FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)


def normalise_zip(data: bytes, when: dt.datetime = FIXED_TIME) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes and a fixed entry order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    order = sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", not n.startswith("_rels/"), n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, src.read(name), compresslevel=6)
    return out.getvalue()


def workbook_bytes(wb: Any, when: dt.datetime = FIXED_TIME) -> bytes:
    """Serialise an openpyxl workbook without the wall clock (save_workbook stamps 'modified' with now)."""
    from openpyxl.writer.excel import ExcelWriter

    wb.properties.created = when
    wb.properties.modified = when
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return normalise_zip(raw.getvalue(), when)


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
