"""The masthead (期号, 编制单位, 编印日期, 版次), the QC 通报 deadlines and the HTML accessibility rewrites."""

from __future__ import annotations

import pytest

from pipeline.errors import UserError
from pipeline.period import Month
from pipeline.qc import notice
from pipeline.render import apparatus, html_access

PARAMS = {"report.org_name": "岳阳市卫生健康委员会", "report.department": "规划发展与信息化科",
          "report.release_date": "2026-01-15", "report.revisions": {"monthly": 2, "county/430621": 3}}


@pytest.mark.parametrize(("period", "label"), [("2025-12", "2025年第12期"), ("2026-01", "2026年第1期"),
                                               ("2025Q4", "2025年第4期"), ("2025", "2025年")])
def test_issue_number_from_the_period(period, label):
    assert apparatus.issue_label(period) == label


def test_masthead_items_and_versions():
    app = apparatus.from_params(PARAMS, edition="monthly", period="2025-12")
    assert apparatus.masthead_items(app) == [
        "2025年第12期", "编制单位：岳阳市卫生健康委员会规划发展与信息化科", "编印日期：2026年1月15日",
        "第2版（修订，R）", "修订内容见随本版发布的修订说明"]
    county = apparatus.from_params(PARAMS, edition="county", period="2025-12")
    assert county.version("430621") == 3 and county.version("430602") == 1
    # "county" alone revises every county edition not written out one by one
    every = apparatus.from_params({**PARAMS, "report.revisions": {"county": 2, "county/430621": 3}}, edition="county",
                                  period="2025-12")
    assert every.version("430602") == 2 and every.version("430621") == 3
    annual = apparatus.from_params(PARAMS, edition="annual", period="2025")
    assert apparatus.masthead_items(annual)[0].startswith("编制单位")  # yearly: no 期号
    assert apparatus.masthead_items(annual)[-1] == "第1版"


def test_bad_release_date_or_revision_is_a_chinese_error():
    with pytest.raises(UserError, match="release_date"):
        apparatus.from_params({**PARAMS, "report.release_date": "15/01/2026"}, edition="monthly", period="2025-12")
    with pytest.raises(UserError, match="revisions"):
        apparatus.from_params({**PARAMS, "report.revisions": {"monthly": 0}}, edition="monthly", period="2025-12")


def test_qc_deadlines_from_the_period_and_due_day():
    # Q4 2025 to December: corrections by the December report's due date (20 Jan), feedback a month later
    assert notice.deadlines(Month(2025, 12), 20) == ("2026年1月20日", "2026年2月20日")
    # a due day past the month's end is the month's last day (February 2026 has 28 days)
    assert notice.deadlines(Month(2025, 12), 31) == ("2026年1月31日", "2026年2月28日")


def test_html_captions_indents_and_chart_labels():
    html = ('<p>表1\u3000诊疗人次　单位：人次</p>\n<table>\n<tr><td style="text-align: left;">\u3000\u3000社区</td>'
            '<td>1</td></tr></table><svg role="img" aria-label="图1\u3000趋势"><g aria-label="Y-axis titled x" '
            'role="graphics-object" aria-roledescription="axis"></g></svg>')
    out = html_access.improve(html)
    assert "<table>\n<caption>表1\u3000诊疗人次　单位：人次</caption>" in out and "<p>表1" not in out
    assert '<td style="text-align: left;" class="ind2">社区</td>' in out and "\u3000\u3000社区" not in out
    assert '<svg role="img" aria-label="图1\u3000趋势"><title>图1\u3000趋势</title><g></g></svg>' in out
