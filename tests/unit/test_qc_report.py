"""The 质控通报 and county workbooks on tiny frames: ranking, months without data, tables."""

from __future__ import annotations

import re

import openpyxl
import polars as pl
import pytest

from pipeline.monthly.indicators import Regions
from pipeline.period import Month, Quarter
from pipeline.qc import bulletin as qc_report
from pipeline.qc import checks as qc
from tests import table_text
from tests.unit.test_qc import CLEAN, REGISTRY, REPLACED

REGIONS = Regions(
    city_code="430600", city_name="岳阳市",
    table=pl.DataFrame({"region_code": ["430602", "430621", "430691"], "region_name": ["岳阳楼区", "岳阳县", "经开区"],
                        "region_kind": ["区", "县", "功能区"]}),
)


def data(period: str = "2025-12") -> qc_report.QcData:
    """Data in 2025-10 only: November and December of 2025Q4 have none; 2025Q3 has none."""
    result = qc.run(CLEAN, REPLACED, REGISTRY, due_day=20)
    q, month = qc.quarter_of(period)
    return qc_report.QcData(
        quarter=q, period=month, regions=REGIONS, results=result.results, filing=result.filing,
        summary=qc.summarise(result.results, result.filing, q, month),
        previous=qc.summarise(result.results, result.filing, q.previous, q.previous.months[-1]),
    )


def test_rank_ties_share_a_place_and_empty_counties_come_last():
    frame = pl.DataFrame({
        "region_code": ["1", "2", "3", "4", "5"],
        "report_rate": [100.0, 100.0, 100.0, 90.0, None], "timely_rate": [100.0, 100.0, 95.0, 99.0, None],
        "FAIL": [0, 0, 0, 0, 0], "重报": [0, 0, 1, 0, 0],
    })
    ranked = qc_report.with_rank(frame)
    assert ranked.select("region_code", "rank").rows() == [("1", 1), ("2", 1), ("3", 3), ("4", 4), ("5", 5)]


def test_county_table_lists_every_county_with_its_numbers():
    table = qc_report.county_table(data()).sort("region_code")
    assert table["region_code"].to_list() == ["430602", "430621", "430691"]
    row = dict(zip(table.columns, table.row(0)))
    assert (row["expected"], row["filed"], row["on_time"], row["漏报"], row["迟报"]) == (5, 4, 3, 1, 1)
    assert row["report_rate"] == pytest.approx(80.0)
    empty = dict(zip(table.columns, table.row(2)))
    assert empty["expected"] == 0 and empty["report_rate"] is None and empty["rank"] == 3


def test_bulletin_reports_months_without_data_and_missing_previous_quarter(tmp_path):
    d = data()
    assert d.summary.months_without_data == (Month(2025, 11), Month(2025, 12))
    md = qc_report.build_bulletin(d, out_dir=tmp_path, org_name="岳阳市卫生健康委员会", due_day=20).markdown
    assert "本季度 11月、12月 没有任何数据" in md
    assert "上季度（2025年第三季度）没有数据，无法比较" in md
    assert "应报医疗卫生机构月报 8 份，实报 6 份，上报率 75.0%；按时上报 4 份，及时率 50.0%" in md
    missing = table_text.table(md, "漏报机构名单")  # the two missing institutions (8 应报 − 6 已报) are listed
    assert missing.rows == [["岳阳楼区", "2025-10", "A7医院", "A7", "综合医院", "2025-11-20"],
                            ["岳阳县", "2025-10", "A4卫生院", "A4", "乡镇卫生院", "2025-11-20"]]
    # tables numbered in print order (an empty listing keeps its number; no 待核实 table, no number)
    titles = re.findall(r"^表(\d+)\u3000|<span class=\"cap\">表(\d+)\u3000", md, re.M)
    assert [int(a or b) for a, b in titles] == list(range(1, len(titles) + 1)) and len(titles) >= 9
    first = table_text.table(md, "表1\u3000各县市区月报上报率")
    assert first.header[0][0] == "县市区" and first.header[0][-1] == "排名"
    assert first.rows[0][:5] == ["全市", "8", "6", "75.0", "50.0"] and first.rows[0][-1] == ""
    assert (tmp_path / "source" / "bulletin_internal.md").read_text(encoding="utf-8") == md


def test_period_limits_the_quarter():
    d = data(period="2025-10")
    assert d.months == (Month(2025, 10),) and d.summary.months_without_data == ()
    assert d.quarter == Quarter(2025, 4)


def test_county_workbook_sheets(tmp_path):
    d = data()
    paths = qc_report.write_county_workbooks(d, tmp_path, org_name="岳阳市卫生健康委员会")
    assert [p.name for p in paths] == ["430602.xlsx", "430621.xlsx", "430691.xlsx"]
    wb = openpyxl.load_workbook(tmp_path / "430621.xlsx")
    assert wb.sheetnames == ["概况", "漏报", "迟报", "重报", "机构代码问题", "审核问题", "数据更正"]
    overview = [r for r in wb["概况"].iter_rows(values_only=True) if r and r[0] in ("2025年10月", "2025年11月", "本季度合计")]
    assert overview[0][:6] == ("2025年10月", 3, 2, 66.7, 1, 33.3)
    assert overview[1][1] == "无数据"
    missing = [r for r in wb["漏报"].iter_rows(values_only=True) if r[0] == "2025-10"]
    assert missing == [("2025-10", "A4", "A4卫生院", "乡镇卫生院", "2025-11-20")]
    empty = [c for r in openpyxl.load_workbook(tmp_path / "430691.xlsx")["漏报"].iter_rows(values_only=True) for c in r]
    assert qc_report.NONE_TEXT in empty


def test_values_text_and_table_escaping():
    assert qc_report.values_text('{"门急诊人次数":120.0,"总诊疗人次数":100.0}') == "门急诊人次数=120；总诊疗人次数=100"
    md = qc_report.text_table("表3\u3000甲", ["a", "b"], "l", [["x|y", "<1>"]])
    assert '<td class="l">&lt;1&gt;</td>' in md and "x|y</th>" in md  # data text is escaped, never markup
    assert 'aligns: ("l", )' in md and "#stat-table(number: 3," in md


def _printed(doc: str, log) -> list:
    from pipeline.release.consistency import Printed

    return [Printed(doc, f) for f in log.figures]


def test_bulletin_rates_are_in_figures_json_and_checked_against_the_monthly_report(tmp_path):
    """In a quarter's first month the 通报's quarter to date is the monthly report's month: the release compares
    their 上报率/及时率 (city 6/8 = 75.0%, 4/8 = 50.0%; 岳阳楼区 4/5 = 80.0%, worked out from CLEAN/REGISTRY)."""
    from pipeline import figures
    from pipeline.figures import FigureLog
    from pipeline.monthly import report as monthly
    from pipeline.release import consistency

    d = data("2025-10")
    qc_report.build_bulletin(d, out_dir=tmp_path, org_name="岳阳市卫生健康委员会", due_day=20)
    _, recorded = figures.read(tmp_path / figures.FILE_NAME)
    by_key = {(f.indicator, f.region, f.period): (f.value, f.text, f.scope) for f in recorded}
    assert by_key[("report_rate", "430600", "2025-10")] == (75.0, "75.0", figures.RATE_SCOPE)
    assert by_key[("timely_rate", "430600", "2025-10")][:2] == (50.0, "50.0")
    assert by_key[("report_rate", "430602", "2025-10")][:2] == (80.0, "80.0")
    bulletin = qc_report.printed_rates(d)

    def monthly_log(filing: pl.DataFrame) -> FigureLog:
        log = FigureLog("全市月报 岳阳市 2025年10月")
        monthly.record_quality(log, monthly.filing_rates(filing, Month(2025, 10)), Month(2025, 10), "430600", None)
        return log

    same = monthly_log(d.filing)
    assert consistency.disagreements(_printed("通报", bulletin) + _printed("月报", same)) == []
    # planted: the monthly report built from a filing table in which one missing institution counts as filed
    planted = d.filing.with_columns(filed=pl.lit(True))
    problems = consistency.disagreements(_printed("通报", bulletin) + _printed("月报", monthly_log(planted)))
    assert any("月报上报率" in p and "通报" in p and "月报" in p and "75.0" in p for p in problems)


def test_overview_of_all_counties_at_once_is_each_countys_own():
    """The 概况 rows made for every county in one group-by (a country's 2,800 workbooks) equal those worked out
    county by county; 430691 has no institution (0 应报, no rates), November and December no data."""
    from pipeline.qc.county_overview import overview_by_county

    d = data()
    together = overview_by_county(d.in_quarter(d.filing), d.in_quarter(d.results), d.months,
                                  d.summary.months_with_data, d.regions.unit_codes)
    frames = qc_report.county_frames(d)
    assert together == {code: qc_report.overview_rows(d, frames[code]) for code in d.regions.unit_codes}
    assert together["430621"][0][:6] == ["2025年10月", 3, 2, 66.7, 1, 33.3]  # as in the workbook test above
    assert together["430691"][-1] == ["本季度合计", 0, 0, None, 0, None, 0, 0, 0, 0, 0]
