"""Decimal commas in CSV exports that are not comma-separated.

European-locale Excel saves CSV with ';' between fields and ',' as the decimal mark (``1.234,5``, ``12,5``).
Read with the usual rules, ``12,5`` would become 125. For a file whose delimiter is not a comma, the number
cells of the item columns decide the convention of the whole file:

- a cell that can only be a decimal comma (``12,5``, ``1.234,5``, ``1.234.567``) against one that can only be a
  decimal point (``12.5``, ``1,234.5``, ``1,234,567``): both in one file → the file is refused;
- only decimal-comma cells → every number cell is rewritten (``1.234,5`` → ``1234.5``) and a note says so;
- only decimal-point cells (or no separators at all) → read as usual;
- only cells that fit both (``1,234``, ``1.234``: a thousands separator or a decimal mark?) → refused, the
  office re-exports without thousands separators.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Any

from pipeline.catalogues import ItemCatalogue
from pipeline.errors import UserError, location
from pipeline.ingest.files import DELIMITER_NAMES, SheetData
from pipeline.ingest.header import Header, column_letter

COMMA, POINT, EITHER = "comma", "point", "either"
_SIGN = r"[-+]?"
_PATTERNS = (
    (COMMA, re.compile(rf"^{_SIGN}\d{{1,3}}(\.\d{{3}})+,\d+$")),  # 1.234,5
    (POINT, re.compile(rf"^{_SIGN}\d{{1,3}}(,\d{{3}})+\.\d+$")),  # 1,234.5
    (POINT, re.compile(rf"^{_SIGN}\d{{1,3}}(,\d{{3}}){{2,}}$")),  # 1,234,567 (a decimal mark occurs once)
    (COMMA, re.compile(rf"^{_SIGN}\d{{1,3}}(\.\d{{3}}){{2,}}$")),  # 1.234.567
    (EITHER, re.compile(rf"^{_SIGN}[1-9]\d{{0,2}}[,.]\d{{3}}$")),  # 1,234 / 1.234
    (COMMA, re.compile(rf"^{_SIGN}\d*,\d+$")),  # 12,5  0,123  1234,56
    (POINT, re.compile(rf"^{_SIGN}\d*\.\d+$")),  # 12.5
)
HINT = ("请在 Excel 中把这些列设为不带千位分隔符的数字格式（或把系统的小数点设为“.”）后重新导出，"
        "也可以另存为 .xlsx 再放入月份文件夹")


def kind(value: Any) -> str | None:
    """COMMA / POINT / EITHER for a text number with a separator; None for anything else."""
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", value))
    if "," not in text and "." not in text:
        return None
    return next((k for k, pattern in _PATTERNS if pattern.match(text)), None)


def to_point(value: str) -> str:
    """'1.234,5' → '1234.5' (decimal comma → the form parse_number reads)."""
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", value))
    return text.replace(".", "").replace(",", ".")


def _spot(sheet: SheetData, row: int, col: int, header_labels: dict[int, str], value: str) -> str:
    return f"第 {row} 行“{header_labels[col]}”（{column_letter(col)}列）“{value}”"


def normalise(sheet: SheetData, header: Header, cat: ItemCatalogue) -> tuple[SheetData, str | None]:
    """The sheet with decimal commas rewritten (and a note), or unchanged; refuses mixed or undecidable files."""
    if not sheet.delimiter or sheet.delimiter == ",":
        return sheet, None
    if sheet.table is not None:  # (csvtable reads comma-separated files only; were that widened, the rows are here)
        sheet = replace(sheet, rows=sheet.table.rows(), table=None)
    items = set(cat.item_ids)
    cols = {col: cat.item(item_id).label for col, item_id in header.columns.items() if item_id in items}
    first: dict[str, tuple[int, int, str]] = {}
    for row_no, values in sheet.rows[header.row_index + 1:]:
        for col in cols:
            found = kind(values[col]) if col < len(values) else None
            if found is not None and found not in first:
                first[found] = (row_no, col, values[col])
    delim = DELIMITER_NAMES[sheet.delimiter]
    where = location(sheet.file)
    if COMMA in first and POINT in first:
        c, p = first[COMMA], first[POINT]
        raise UserError(f"{where}（{delim}分隔）中数字的小数点写法前后不一致：{_spot(sheet, *c[:2], cols, c[2])}以逗号为小数点，"
                        f"{_spot(sheet, *p[:2], cols, p[2])}以点为小数点，无法确定每个数的值，整个文件未导入", hint=HINT)
    if COMMA not in first and POINT not in first and EITHER in first:
        e = first[EITHER]
        raise UserError(f"{where}（{delim}分隔）中的数字无法确定小数点写法：{_spot(sheet, *e[:2], cols, e[2])}"
                        "可能是千位分隔符（一千多），也可能是小数点（一点多），文件中没有别的数能判断，整个文件未导入",
                        hint=HINT)
    if COMMA not in first:
        return sheet, None
    rows = list(sheet.rows[:header.row_index + 1])
    rows += [(row_no, tuple(to_point(v) if i in cols and kind(v) is not None else v for i, v in enumerate(values)))
             for row_no, values in sheet.rows[header.row_index + 1:]]
    note = f"{sheet.file}：{delim}分隔，数字以逗号为小数点（如“{first[COMMA][2]}”），已按小数读取"
    return replace(sheet, rows=rows), note
