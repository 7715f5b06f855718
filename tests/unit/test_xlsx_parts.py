"""workbook_bytes keeps the parts in memory and zips them once, and write_table_sheet reuses each cell format's
style array: both must give the bytes of openpyxl's own path (a zip file normalised afterwards, every cell styled
by assignment)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from pipeline import fmt
from pipeline.render.xlsx import FIXED_TIME, CellStyles, normalise_zip, set_text, workbook_bytes, write_table_sheet

ROWS: list[list[Any]] = [
    ["2025-10", "=HYPERLINK(\"x\")", 12, 98.25, None, "一段超过二十个字符的很长很长很长很长的说明文字，需要换行显示"],
    ["+86", "-1.5", 0, 100.0, "@sum", "\x00控制字符"],
    ["2025-11", "甲医院", 3, None, "短", "-负号开头的文字说明也要加上单引号前缀以免被当成公式"],
]


def reference_bytes(wb: Any) -> bytes:
    """openpyxl's own saving into a zip, then normalised (the earlier workbook_bytes)."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return normalise_zip(raw.getvalue())


def reference_sheet(ws: Any, title: str, header: list[str], widths: list[int], rows: list[list[Any]],
                    title_lines: list[str], none_text: str) -> None:
    """Every cell styled by assigning new Font / Alignment objects (the earlier bulletin._write_sheet)."""
    ws.title = title
    for i, line in enumerate(title_lines, start=1):
        set_text(ws.cell(row=i, column=1), line)
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    head = len(title_lines) + 2
    for col, (label, width) in enumerate(zip(header, widths), start=1):
        cell = ws.cell(row=head, column=col)
        set_text(cell, label)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    if not rows:
        set_text(ws.cell(row=head + 1, column=1), none_text)
    for r, values in enumerate(rows, start=head + 1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = fmt.display_value(value, 1) if isinstance(value, float) else value
                if isinstance(value, float):
                    cell.number_format = "0.0"
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str) and len(value) > 20)
    ws.freeze_panes = ws.cell(row=head + 1, column=1)


SHEETS = [  # title lines starting like a formula, an empty sheet, rows whose first formats differ by sheet
    ("概况", ["=某县（430602）", "第四季度"], ROWS),
    ("空", ["-标题"], []),
    ("倒序", ["标题"], ROWS[::-1]),
]


def build(write: Any) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    styles = CellStyles()
    for title, lines, rows in SHEETS:
        args = (title, ["报告期", "机构", "数", "率", "备注", "说明"], [10, 22, 8, 10, 12, 40], rows, lines, "无。")
        if write is reference_sheet:
            reference_sheet(wb.create_sheet(), *args)
        else:
            write_table_sheet(wb.create_sheet(), *args, styles)
    wb.properties.creator = "某市卫生健康委员会"
    return wb


def test_table_sheets_and_parts_in_memory_give_openpyxls_bytes() -> None:
    expected = reference_bytes(build(reference_sheet))
    assert workbook_bytes(build(write_table_sheet)) == expected
    assert workbook_bytes(build(reference_sheet)) == expected
    names = zipfile.ZipFile(io.BytesIO(expected)).namelist()
    assert names[0] == "[Content_Types].xml" and "xl/worksheets/sheet3.xml" in names


def test_cell_styles_copy_the_first_cells_array_per_format() -> None:
    wb = Workbook()
    ws = wb.active
    styles, top = CellStyles(), Alignment(vertical="top")
    for row, text in enumerate(["a", "=a", "b", "=b"], start=1):
        set_text(ws.cell(row=row, column=1), text)
        styles.apply(ws.cell(row=row, column=1), alignment=top, number_format="0.0")
    cells = [ws.cell(row=r, column=1) for r in range(1, 5)]
    assert [c.quotePrefix for c in cells] == [False, True, False, True]
    assert all(c.alignment.vertical == "top" and c.number_format == "0.0" for c in cells)
    assert cells[0]._style == cells[2]._style and cells[0]._style is not cells[2]._style
    assert len(wb._alignments) == 2  # the default and "top", added once


def test_write_only_workbooks_are_unchanged() -> None:
    def build_write_only() -> Workbook:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("数据")
        for i in range(50):
            ws.append([f"机构{i}", i, i * 1.5])
        return wb

    assert workbook_bytes(build_write_only()) == reference_bytes(build_write_only())
