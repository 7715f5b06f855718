"""The life-table workbook life_tables.xlsx: the summary sheet, one sheet per region (合计/男/女 stacked) and
the notes, with reproducible bytes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import fmt
from pipeline.life.compute import LifeExpectancyResult
from pipeline.life.inputs import SEX_ORDER
from pipeline.life.report_text import a0_text, placeholder_text
from pipeline.render.xlsx import CellStyles, save_workbook

XLSX_TABLE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    # (life-table column, header, number format)
    ("population", "人口数", "#,##0"),
    ("deaths_registered", "登记死亡数", "#,##0"),
    ("deaths", "死亡数", "#,##0.0"),
    ("mx", "死亡率 mx", "0.000000"),
    ("qx", "死亡概率 qx", "0.000000"),
    ("lx", "尚存人数 lx", "#,##0"),
    ("dx", "死亡人数 dx", "#,##0"),
    ("Lx", "生存人年数 Lx", "#,##0"),
    ("Tx", "累计生存人年数 Tx", "#,##0"),
    ("ex", "预期寿命 ex", "0.00"),
    ("ex_lower", "{pct}置信区间下限", "0.00"),
    ("ex_upper", "{pct}置信区间上限", "0.00"),
)
SUMMARY_SHEET = "预期寿命汇总"
NOTES_SHEET = "说明"



def _sheet_title(name: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet"
    base, n = title, 2
    while title in used:
        suffix = f"_{n}"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


def write_xlsx(result: LifeExpectancyResult, target: Path) -> None:
    """Summary sheet, one sheet per region (合计/男/女 rows stacked, 性别 column), notes; reproducible bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    p = result.params
    wb = Workbook()
    wb.properties.creator = ""
    wb.properties.title = f"{result.regions.city_name}{p.year}年寿命表"
    bold = Font(bold=True)
    used: set[str] = set()
    styles = CellStyles()  # the number format of each column worked out once for the workbook, not per cell

    # Summary.
    ws = wb.active
    ws.title = _sheet_title(SUMMARY_SHEET, used)
    pct = p.confidence_label
    header = ["地区代码", "地区", "性别", "人均预期寿命(岁)", f"{pct}置信区间下限", f"{pct}置信区间上限",
              "总人年数", "登记死亡数", "调整后死亡数", "结果不稳定", "说明", "按登记数据(岁)",
              f"{p.year - 1}年(岁)", "增减(岁)", "位次"]
    formats = ["@", "@", "@", "0.00", "0.00", "0.00", "#,##0", "#,##0", "#,##0.0", "@", "@", "0.00", "0.00",
               "+0.00;-0.00;0.00", "0"]
    ws.append(header)
    for r in result.summary.iter_rows(named=True):
        ws.append([r["region_code"], r["region_name"], r["sex"], r["e0"], r["e0_lower"], r["e0_upper"],
                   r["total_person_years"], r["deaths_registered"], r["deaths_used"],
                   "是" if r["unstable"] else "否", r["status"] or None, r["e0_unadjusted"], r["e0_previous"],
                   fmt.display_value(r["e0_change"], 2), r["rank"]])
    _style_sheet(ws, formats, [10, 18, 6, 14, 14, 14, 12, 12, 12, 10, 22, 14, 12, 10, 6], bold, Alignment,
                 get_column_letter, styles)

    # One sheet per region.
    table_header = ["性别", "年龄组"] + [h.format(pct=pct) for _, h, _ in XLSX_TABLE_COLUMNS]
    table_formats = ["@", "@"] + [f for _, _, f in XLSX_TABLE_COLUMNS]
    tables = result.current.tables
    for code in [result.regions.city_code, *result.regions.unit_codes]:
        part = tables.filter(pl.col("region_code") == code) if tables.height else tables
        if part.height == 0:
            continue
        part = part.with_columns(pl.col("sex").replace_strict(SEX_ORDER, default=9).alias("_s")).sort("_s", "age")
        ws = wb.create_sheet(_sheet_title(result.regions.name(code), used))
        ws.append(table_header)
        for r in part.iter_rows(named=True):
            ws.append([r["sex"], r["age_label"], *(r[c] for c, _, _ in XLSX_TABLE_COLUMNS)])
        _style_sheet(ws, table_formats, [6, 12] + [14] * len(XLSX_TABLE_COLUMNS), bold, Alignment,
                     get_column_letter, styles)

    # Notes.
    ws = wb.create_sheet(_sheet_title(NOTES_SHEET, used))
    lines = [
        *([placeholder_text(result)] if placeholder_text(result) else []),
        f"{result.regions.city_name}{p.year}年简略寿命表（Chiang II 法）",
        "各地区工作表按性别（合计、男、女）依次列出寿命表；“死亡数”为调整后死亡数，死亡率 mx = 死亡数 / 人口数。",
        f"{a0_text(result)}，其余闭区间 ax = 0.5；最高年龄组 {p.open_age}岁及以上为开放组，Lx = lx / mx；l0 = 100000。",
        f"{pct}置信区间按 Chiang 方差法（开放组按 Silcocks 等 2001）计算。",
        f"死亡漏报调整：{'是' if result.bands is not None else '否'}；"
        f"监测婴儿死亡率：{'是（' + fmt.number(result.current.imr_per_1000, 2) + '‰）' if result.current.imr_per_1000 else '否'}。",
        f"总人年数不足 {fmt.number(p.min_person_years, 0)} 的组结果不稳定。",
    ]
    for line in lines:
        ws.append([line])
    ws.column_dimensions["A"].width = 100

    save_workbook(wb, target)


def _style_sheet(ws: Any, formats: Sequence[str], widths: Sequence[int], bold: Any, alignment: Any,
                 column_letter: Any, styles: CellStyles) -> None:
    for cell in ws[1]:
        cell.font = bold
        cell.alignment = alignment(horizontal="center", vertical="center", wrap_text=True)
    for idx, (number_format, width) in enumerate(zip(formats, widths), start=1):
        ws.column_dimensions[column_letter(idx)].width = width
    # Row by row, column by column as before (the workbook's format list fills in the same order); a body cell
    # has no other format, so the first cell of each format is styled by openpyxl and the rest copy its style.
    for row in ws.iter_rows(min_row=2, max_col=len(formats)):
        for cell, number_format in zip(row, formats):
            styles.apply(cell, number_format=number_format)
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text from the data, never a formula
    ws.freeze_panes = "A2"


