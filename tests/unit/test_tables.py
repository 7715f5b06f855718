"""Report tables: XLSX layout like published tables, and data never turned into formulas."""

import hashlib

import openpyxl
import polars as pl

from pipeline.monthly.indicators import Regions, compute
from pipeline.period import Month
from pipeline.render import tables
from tests.helpers import clean_frame, clean_row


def _table(regions):
    rows = [clean_row("H1", "2024-01", visits=1000, occupied_bed_days=80, open_bed_days=100),
            clean_row("H1", "2025-01", visits=1234.5, occupied_bed_days=90, open_bed_days=100)]
    return compute(clean_frame(rows), regions).filter(pl.col("period") == "2025-01")


def test_xlsx_layout_and_values(tmp_path, regions):
    t = _table(regions)
    specs = tables.table_specs()
    # the county editions' layout (counts in 人次; the city edition's 万人次 columns: tests/unit/test_wan.py)
    built = [tables.build(specs["visits_by_type"], t, Month(2025, 1), "430600", 1, edition="county"),
             tables.build(specs["bed_use_by_type"], t, Month(2025, 1), "430600", 2, edition="county")]
    path = tmp_path / "tables.xlsx"
    tables.write_xlsx(built, path, org_name="岳阳市卫生健康委员会")
    wb = openpyxl.load_workbook(path)
    ws = wb["表1"]
    assert ws["A1"].value == "表1　医疗卫生机构诊疗人次数（2025年1月）"
    assert ws["G2"].value == "单位：人次"
    assert "B3:D3" in {str(r) for r in ws.merged_cells.ranges}  # 本月 group header merged over 3 columns
    assert (ws["B3"].value, ws["B4"].value, ws["C4"].value, ws["D4"].value) == ("1月", "本期", "上年同期", "同比增长(%)")
    assert ws["A5"].value == "总计"
    assert ws["B5"].value == 1234.5 and ws["B5"].number_format == "#,##0"  # full precision, displayed rounded
    assert ws["D5"].value == 23.45  # (1234.5 - 1000) / 1000 × 100
    primary = next(r for r in ws.iter_rows(min_row=5) if r[0].value == "基层医疗卫生机构")
    assert primary[1].value == 0  # no institution: a zero count, present
    ws2 = wb["表2"]
    hosp = next(r for r in ws2.iter_rows(min_row=5) if r[0].value == "医院")
    assert hosp[1].value == 90.0 and hosp[2].value == 10.0  # 使用率 90.0 %, +10.0 百分点
    private = next(r for r in ws2.iter_rows(min_row=5) if r[0].value.strip("\u3000") == "民营医院")
    assert private[1].value == "—"  # zero denominator → '—', never NaN


def test_formula_like_text_is_written_as_text(tmp_path):
    regions = Regions("430600", "岳阳市", pl.DataFrame(
        {"region_code": ["430602"], "region_name": ["=HYPERLINK(\"x\")"], "region_kind": ["区"]}))
    t = _table(regions)
    built = tables.build(tables.table_specs()["visits_by_region"], t, Month(2025, 1), "430600", 1)
    path = tmp_path / "t.xlsx"
    tables.write_xlsx([built], path, org_name="X")
    cell = openpyxl.load_workbook(path)["表1"]["A6"]
    assert cell.data_type == "s" and cell.value.strip("\u3000") == '=HYPERLINK("x")'


def test_xlsx_is_deterministic(tmp_path, regions):
    t = _table(regions)
    built = [tables.build(tables.table_specs()["visits_by_type"], t, Month(2025, 1), "430600", 1)]
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    tables.write_xlsx(built, a, org_name="X")
    tables.write_xlsx(built, b, org_name="X")
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
