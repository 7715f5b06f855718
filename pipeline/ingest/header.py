"""The header of a sheet: where it is (title/unit rows, two-row merged headers), which item each column holds,
money units, required and missing items."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.catalogues import ItemCatalogue, normalise_label, split_unit
from pipeline.errors import UserError, location
from pipeline.ingest.files import SheetData
from pipeline.ingest.values import ZERO_MARKERS, parse_number

HEADER_SCAN_ROWS = 20
MIN_HEADER_MATCHES = 4


@dataclass(frozen=True)
class Header:
    row_index: int  # position in SheetData.rows of the (last) header row; data follows it
    columns: dict[int, str]  # column position → item id
    unknown: list[str]
    unit_text: str  # the title/unit rows above the header, joined
    col_units: dict[int, str] = field(default_factory=dict)  # column → unit written in its label, e.g. '元'
    rows: int = 1  # 1 or 2 (a two-row merged header)
    repeated: dict[int, str] = field(default_factory=dict)  # a second column for an item already matched

    @property
    def labels_row(self) -> int:
        return self.row_index - self.rows + 1


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _looks_numeric(value: Any) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    try:
        parse_number(value)
        return _text(value) not in ZERO_MARKERS
    except ValueError:
        return False


def _match_row(labels: list[str], cat: ItemCatalogue) -> tuple[dict[int, str], list[str], dict[int, str], dict[int, str]]:
    """(column → item, unknown labels, column → unit in its label, column → item already held by an earlier column)."""
    columns: dict[int, str] = {}
    unknown: list[str] = []
    units: dict[int, str] = {}
    repeated: dict[int, str] = {}
    for col, label in enumerate(labels):
        if not label:
            continue
        item_id = cat.match(label)
        if item_id is None:
            unknown.append(label.replace("\n", ""))
        elif item_id in columns.values():
            repeated[col] = item_id
        else:
            columns[col] = item_id
            unit = split_unit(label)[1]
            if unit:
                units[col] = unit
    return columns, unknown, units, repeated


def two_row_labels(top: tuple[Any, ...], bottom: tuple[Any, ...], cat: ItemCatalogue) -> list[str]:
    """Labels of a two-row header: '门诊收入' over '合计' and '其中：药品收入' → '门诊收入', '门诊收入-其中:药品收入'.

    A merged parent cell is only filled in its first column: it is carried right over the columns whose
    own top cell is empty and that have a sub-label below."""
    width = max(len(top), len(bottom))
    labels = []
    parent = ""
    for col in range(width):
        t = _text(top[col]) if col < len(top) else ""
        b = _text(bottom[col]) if col < len(bottom) else ""
        if t:
            parent = t
        elif not b:
            parent = ""
        p = t or parent
        if not b:
            labels.append(p)
        elif normalise_label(b) in cat.total_words:
            labels.append(p)
        elif p and cat.match(f"{p}-{b}") is not None:
            labels.append(f"{p}-{b}")
        elif cat.match(b) is not None or not p:
            labels.append(b)
        else:
            labels.append(f"{p}-{b}")
    return labels


def locate_header(sheet: SheetData, cat: ItemCatalogue) -> Header | None:
    """The first row (within the first rows) whose labels match enough catalogue items; if the row below it
    holds sub-labels rather than data, the two rows are read together as one merged header."""
    rows = sheet.rows[:HEADER_SCAN_ROWS]
    for pos, (_, values) in enumerate(rows):
        single = _match_row([_text(v) for v in values], cat)
        if len(single[0]) < MIN_HEADER_MATCHES:
            continue
        above = " ".join(_text(v) for _, vals in sheet.rows[:pos] for v in vals if v is not None)
        if pos + 1 < len(sheet.rows):
            below = sheet.rows[pos + 1][1]
            texts = [v for v in below if _text(v)]
            if texts and not any(_looks_numeric(v) for v in texts):
                double = _match_row(two_row_labels(values, below, cat), cat)
                if len(double[0]) > len(single[0]):
                    return Header(pos + 1, double[0], double[1], above, double[2], rows=2, repeated=double[3])
        return Header(pos, single[0], single[1], above, single[2], repeated=single[3])
    return None


_MONEY_UNIT = re.compile(r"金额单位\s*[:：]\s*(千元|万元|元)")


def money_factors(header: Header, cat: ItemCatalogue, sheet: SheetData) -> dict[str, float]:
    """Conversion factor to 千元 for every money column: from the column's own label '(元)', else from
    '金额单位：元' above the header, else 1. Units not in the catalogue's money_units stop the run."""
    found = _MONEY_UNIT.search(header.unit_text.replace(" ", ""))
    sheet_unit = found.group(1) if found else "千元"
    factors: dict[str, float] = {}
    for col, item_id in header.columns.items():
        item = cat.item(item_id)
        if item.unit != "千元":
            continue
        unit = header.col_units.get(col, sheet_unit)
        if unit not in cat.money_units:
            raise UserError(f"{location(sheet.file, sheet.sheet)}：列“{item.label}”的金额单位“{unit}”无法换算",
                            hint="请在 items.yaml 的 money_units 中写明换算系数，或改为千元后再导入")
        factors[item_id] = cat.money_units[unit]
    return factors


def missing_items(header: Header, cat: ItemCatalogue) -> list[str]:
    """Labels of the optional items this sheet has no column for (stored as null, not 0)."""
    present = set(header.columns.values())
    return [cat.item(i).label for i in cat.item_ids if i not in present]


def check_required(header: Header, sheet: SheetData, cat: ItemCatalogue) -> None:
    present = set(header.columns.values())
    missing = [it for it in cat.all if it.required and it.id not in present]
    if not missing:
        return
    labels = [str(v).strip() for r in range(header.labels_row, header.row_index + 1)
              for v in sheet.rows[r][1] if v is not None]
    lines = []
    for it in missing:
        close = difflib.get_close_matches(it.label, labels, n=2, cutoff=0.3)
        lines.append(f"“{it.label}”" + (f"（表中相近的列：{'、'.join(close)}）" if close else ""))
    raise UserError(
        f"{location(sheet.file, sheet.sheet, sheet.rows[header.row_index][0])}：缺少必需的列 " + "；".join(lines),
        hint="如果表中该列只是写法不同，请把它的写法加入 pipeline/catalogues/items.yaml 的 aliases",
    )



def check_duplicate_columns(header: Header, sheet: SheetData, cat: ItemCatalogue) -> None:
    """Two columns for the same item: which one holds the figure is not known, so the sheet is refused."""
    if not header.repeated:
        return
    first = {item_id: col for col, item_id in header.columns.items()}
    pairs = [f"“{cat.item(item_id).label}”（{column_letter(first[item_id])}列和{column_letter(col)}列）"
             for col, item_id in sorted(header.repeated.items())]
    raise UserError(
        f"{location(sheet.file, sheet.sheet, sheet.rows[header.row_index][0])}：表头中同一项目出现了两列：" + "；".join(pairs),
        hint="请删去多余的一列（或改正列名）后另存，再重新导入",
    )


def column_letter(col: int) -> str:
    """0 → 'A', 27 → 'AB' (Excel column names, for messages)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
