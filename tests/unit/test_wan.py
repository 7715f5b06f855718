"""Counts in 万人次 / 万人 with one decimal (issue 13): a catalogue choice per table and column.

Expected values worked out by hand: 12345 人次 = 1.2345 万 → "1.2"; 12500 = 1.25 万 → "1.3" (half-up);
11500 = 1.15 万 → "1.2" (the exact decimal tie, not the binary float 1.1499…); 0 → "0.0"; missing → "—".
The growth of 12345 over 11500 is (12345 − 11500) ÷ 11500 × 100 = 7.3478…% → "7.3"; from the rounded 万 figures
it would be (1.2 − 1.2) ÷ 1.2 = 0.0 — so a table that printed "0.0" would be computing from rounded values.
"""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipeline import fmt
from pipeline.errors import UserError
from pipeline.figures import Figure, FigureLog
from pipeline.monthly import printed
from pipeline.monthly.indicators import compute
from pipeline.period import Month
from pipeline.release import consistency
from pipeline.render import table_model, tables
from tests.helpers import clean_frame, clean_row


def test_wan_rounds_the_exact_quotient_half_up():
    assert fmt.wan(12345) == "1.2"
    assert fmt.wan(12500) == "1.3"
    assert Decimal(11500 / 10000.0) < Decimal("1.15")  # the binary quotient lies below the tie …
    assert fmt.wan(11500) == "1.2"  # … but the printed figure rounds the exact 1.15 half-up
    assert fmt.wan(0) == "0.0" and fmt.wan(0.0) == "0.0"
    assert fmt.wan(None) == fmt.DASH and fmt.wan(math.nan) == fmt.DASH
    assert fmt.wan(17616792, thousands=True) == "1,761.7"
    assert fmt.wan(1234500) == "123.5"  # 123.45 is a tie at one decimal: half-up
    assert fmt.in_wan(11500) == Decimal("1.15")


def _month_table(regions) -> pl.DataFrame:
    rows = [clean_row("H1", "2024-01", visits=11500, discharges=2950),
            clean_row("H1", "2025-01", visits=12345, discharges=3049)]
    return compute(clean_frame(rows), regions).filter(pl.col("period") == "2025-01")


def _total(table: tables.BuiltTable) -> tables.Row:
    return next(r for r in table.rows if r.label == "总计")


def test_city_edition_prints_counts_in_wan_and_growth_from_the_full_values(regions):
    t = _month_table(regions)
    spec = tables.table_specs()["visits_by_type"]
    city = tables.build(spec, t, Month(2025, 1), "430600", 1, edition="city")
    row = _total(city)
    texts = [city.cell_text(row, i) for i in range(len(city.columns))]
    assert texts[:3] == ["1.2", "1.2", "7.3"]  # 本期 12345, 上年同期 11500, growth (12345 − 11500) / 11500
    assert table_model.title_and_unit(city)[1] == "单位：万人次"
    # the county edition keeps 人次 (its counts are small): same data, whole numbers
    county = tables.build(spec, t, Month(2025, 1), "430600", 1, edition="county")
    assert [county.cell_text(_total(county), i) for i in range(3)] == ["12,345", "11,500", "7.3"]
    assert table_model.title_and_unit(county)[1] == "单位：人次"
    # 出院人数 in 万人 where a catalogue says so (a table whose spec is changed here, not the catalogue's choice)
    spec = tables.table_specs()["discharges_by_type"]
    wan = replace(spec, columns=tuple(replace(g, wan=("city",)) for g in spec.columns))
    discharges = tables.build(wan, t, Month(2025, 1), "430600", 2)
    assert table_model.title_and_unit(discharges)[1] == "单位：万人"
    assert [discharges.cell_text(_total(discharges), i) for i in range(3)] == ["0.3", "0.3", "3.4"]  # 3049, 2950


def test_the_catalogue_puts_city_visits_in_wan_and_keeps_discharges_and_county_editions_in_persons():
    specs = tables.table_specs()
    for tid in ("visits_by_type", "visits_by_region"):
        assert {g.wan for g in specs[tid].columns} == {("city",)}, tid
    # 出院人数 of a month (about 2,000 at a 社区卫生服务中心 total) would print 0.2万: kept in 人, as every other table
    for tid in ("discharges_by_type", "discharges_by_region", "bed_use_by_type", "cost_by_type", "resources_by_region",
                "bed_use_by_region"):
        assert {g.wan for g in specs[tid].columns} == {()}, tid


def test_xlsx_stores_the_unrounded_quotient_with_one_decimal_and_the_heading_in_wan(tmp_path, regions):
    t = _month_table(regions)
    built = tables.build(tables.table_specs()["visits_by_type"], t, Month(2025, 1), "430600", 1)
    path = tmp_path / "tables.xlsx"
    tables.write_xlsx([built], path, org_name="岳阳市卫生健康委员会")
    ws = openpyxl.load_workbook(path)["表1"]
    assert ws["G2"].value == "单位：万人次"
    assert (ws["B4"].value, ws["C4"].value, ws["D4"].value) == ("本期", "上年同期", "同比增长(%)")
    assert ws["A5"].value == "总计"
    assert ws["B5"].value == 1.2345 and ws["B5"].number_format == "#,##0.0"  # 12345 ÷ 10000, not rounded
    assert ws["C5"].value == 1.15 and ws["C5"].number_format == "#,##0.0"
    assert ws["D5"].value == pytest.approx((12345 - 11500) / 11500 * 100, rel=1e-12)  # the growth is not scaled
    assert ws["D5"].number_format == "0.0;-0.0;0.0"


def test_printed_figures_of_a_wan_column_carry_unit_scale_10000(regions):
    t = _month_table(regions)
    built = tables.build(tables.table_specs()["visits_by_type"], t, Month(2025, 1), "430600", 1)
    log = FigureLog("月报")
    printed.record_table(log, built, Month(2025, 1))
    total = [f for f in log.figures if f.breakdown == "total" and f.region == "430600" and f.period == "2025-01"]
    value = next(f for f in total if f.measure == "value")
    change = next(f for f in total if f.measure == "change")
    assert (value.value, value.text, value.decimals, value.unit_scale) == (12345.0, "1.2", 1, 10000.0)
    assert value.exponent() == 3  # printed to the thousand 人次
    assert (change.text, change.unit_scale) == ("7.3", 1.0)


def _fig(value: float, text: str, decimals: int, scale: float) -> Figure:
    return Figure(indicator="visits", breakdown="total", scope="月报机构口径", region="430600", period="2025-01",
                  measure="value", value=value, decimals=decimals, text=text, unit_scale=scale, where="表1")


def test_one_number_check_compares_a_wan_figure_with_a_person_figure_at_the_thousand():
    wan = consistency.Printed("月报", _fig(12345, "1.2", 1, 10000.0))
    assert consistency.disagreements([wan, consistency.Printed("县市区版", _fig(12400, "12,400", 0, 1.0))]) == []
    # 12345 and 12600 differ at the printed thousand (12000 vs 13000): a real disagreement
    assert consistency.disagreements([wan, consistency.Printed("县市区版", _fig(12600, "12,600", 0, 1.0))])
    # had the 万 figure been logged at unit scale 1, 12345 vs 12400 would wrongly disagree at 0.1
    wrong = consistency.Printed("月报", _fig(12345, "1.2", 1, 1.0))
    assert consistency.disagreements([wrong, consistency.Printed("县市区版", _fig(12400, "12,400", 0, 1.0))])


def _column(indicator: str, group: str, field: str = "value", scale: int = 1, header: str = "本年") -> tables.Column:
    return tables.Column(group=group, header=header, indicator=indicator, period_type="", field=field, decimals=0,
                         scale=scale)


def test_headings_name_the_wan_unit_from_the_indicator_unit():
    units = {"health_techs": "人", "visits": "人次", "discharges": "人", "techs": "人", "docs": "人"}
    columns = [_column("health_techs", "卫生技术人员(人)"), _column("visits", "总诊疗人次数", scale=fmt.WAN),
               _column("visits", "总诊疗人次数", "change", fmt.WAN, "比上年|增长(%)"),
               _column("discharges", "出院人数", scale=fmt.WAN)]
    line, out = tables.wan_headings("个、张、人、人次、%", columns, units)
    # 人次: every 人次 column is in 万 → the unit line; 人: 卫生技术人员 stays in 人 → the 出院人数 heading says 万人
    assert line == "个、张、人、万人次、%"
    assert [c.group for c in out] == ["卫生技术人员(人)", "总诊疗人次数", "总诊疗人次数", "出院人数(万人)"]
    # a unit already in the heading is replaced; a group over two indicators marks the column's own header
    line, out = tables.wan_headings("", [_column("techs", "卫生技术|人员(人)", scale=fmt.WAN),
                                         _column("techs", "医师|护士", scale=fmt.WAN, header="技师"),
                                         _column("docs", "医师|护士", header="医师(人)")], units)
    assert line == "" and out[0].group == "卫生技术|人员(万人)"
    assert (out[1].group, out[1].header, out[2].header) == ("医师|护士", "技师(万人)", "医师(人)")
    assert table_model.pieces("卫生技术|人员(万人)")[-1] == ("(万人)", "")  # the unit is one unbreakable word


def _catalogue(folder: Path, wan: str, indicator: str = "visits") -> Path:
    folder.mkdir()
    path = folder / "report_tables.yaml"
    path.write_text(
        "layouts: {}\ntables:\n  t:\n    title: 表\n    unit: 人次\n    rows: {by: breakdown}\n    columns:\n"
        f"      - {{group: 本期, indicator: {indicator}, period_type: 本月, fields: [value], wan: {wan}}}\n",
        encoding="utf-8")
    return path


def test_catalogue_wan_is_checked(tmp_path):
    assert tables.table_specs(_catalogue(tmp_path / "a", "true"))["t"].columns[0].wan == ("city", "county")
    with pytest.raises(UserError, match="wan 只能是 true、false 或 city、county 的列表"):
        tables.table_specs(_catalogue(tmp_path / "b", "[province]"))
    with pytest.raises(UserError, match="指标 bed_use_rate（.*）不是计数"):
        tables.table_specs(_catalogue(tmp_path / "c", "[city]", "bed_use_rate"))
