"""QC logic on tiny hand-made frames: 应报, 上报率, 及时率, duplicates, code conflicts, catalogue validation."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from pipeline.errors import UserError
from pipeline.period import Month, PeriodError, Quarter
from pipeline.qc import checks as qc
from tests.helpers import clean_row

OCT = Month(2025, 10)
REG_COLUMNS = ("org_code", "name", "region_code", "type_code", "is_branch", "opened", "closed")


def registry(rows: list[tuple[str, ...]]) -> pl.DataFrame:
    return qc.registry_frame(pl.DataFrame([dict(zip(REG_COLUMNS, r)) for r in rows], schema={c: pl.Utf8 for c in REG_COLUMNS}))


# 13 institutions; 8 of them must file for 2025-10 (see the comment at the end of each line)
REGISTRY = registry([
    ("A1", "A1医院", "430602", "A100", "false", "2000-01-01", ""),  # 应报
    ("A2", "A2社区中心", "430602", "B100", "false", "2000-01-01", ""),  # 应报
    ("A3", "A3卫生院", "430621", "C220", "false", "2000-01-01", ""),  # 应报
    ("A4", "A4卫生院", "430621", "C220", "false", "2000-01-01", ""),  # 应报
    ("A5", "A5疾控中心", "430621", "J100", "false", "2000-01-01", ""),  # 应报
    ("A6", "A6医院", "430602", "A100", "false", "2025-10-31", ""),  # 应报: opened on the last day of the month
    ("A7", "A7医院", "430602", "A100", "false", "2000-01-01", "2025-10-01"),  # 应报: closed on the first day
    ("A8", "A8社区站", "430602", "B200", "false", "", ""),  # 应报: no opening date on record
    ("N1", "N1村卫生室", "430621", "D600", "false", "2000-01-01", ""),  # annual report only
    ("N2", "N2医院分院", "430602", "A100", "true", "2000-01-01", ""),  # branch
    ("N3", "N3医院", "430602", "A100", "false", "2025-11-01", ""),  # opens after the month
    ("N4", "N4医院", "430602", "A100", "false", "2000-01-01", "2025-09-30"),  # closed before the month
    ("N5", "N5诊所", "430602", "D211", "false", "2000-01-01", ""),  # clinic: annual only
])


def filed(code: str, name: str, region: str, type_code: str, at: str | None, period: str = "2025-10",
          **values: float) -> dict:
    type_group, type_sub = {"A100": ("医院", "综合医院"), "B100": ("基层医疗卫生机构", "社区卫生服务中心"),
                            "B200": ("基层医疗卫生机构", "社区卫生服务站"), "C220": ("基层医疗卫生机构", "乡镇卫生院"),
                            "J100": ("专业公共卫生机构", "疾病预防控制中心")}[type_code]
    row = clean_row(code, period, region, type_group=type_group, type_sub=type_sub, **values)
    row.update(name=name, type_code=type_code,
               submitted_at=None if at is None else datetime.strptime(at, "%Y-%m-%d %H:%M:%S"))
    return row


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(pl.col("submitted_at").cast(pl.Datetime("us")))


CLEAN = frame([
    filed("A1", "Ａ１医院 ", "430602", "A100", "2025-11-05 10:00:00"),  # full-width/space variant of the registry name
    filed("A2", "A2社区中心", "430602", "B100", "2025-11-20 23:59:59"),  # last second of the due day: on time
    filed("A3", "别的名字", "430621", "C220", "2025-11-21 00:00:00"),  # one day late; name differs from registry
    filed("A5", "A5疾控中心", "430621", "J100", "2025-11-25 09:00:00"),  # late resubmission of an on-time report
    filed("A6", "A6医院", "430602", "A100", "2025-11-03 08:00:00"),
    filed("A8", "A8社区站", "430602", "B200", None),  # no submission time in the export
    filed("N2", "N2医院分院", "430602", "A100", "2025-11-03 08:00:00"),  # a branch filing on its own
    filed("X9", "名录外机构", "430602", "A100", "2025-11-03 08:00:00"),  # not in the registry
])
REPLACED = frame([
    filed("A5", "A5疾控中心", "430621", "J100", "2025-11-10 09:00:00"),  # the first, on-time submission
    filed("A6", "另一家医院", "430602", "A100", "2025-11-01 08:00:00"),  # same code, another institution
])


def test_due_list_applies_registry_rules():
    due = qc.due_list(REGISTRY, [OCT], due_day=20)
    assert sorted(due["org_code"].to_list()) == ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"]
    assert due["due_date"].unique().to_list() == [date(2025, 11, 20)]
    nov = qc.due_list(REGISTRY, [Month(2025, 11)], due_day=20)
    assert "N3" in nov["org_code"].to_list() and "A7" not in nov["org_code"].to_list()


def test_rates_hand_worked():
    """应报 8, 已报 6 → 上报率 75.0%; 按时 4 (A1, A2, A5 first submission, A6) → 及时率 50.0%."""
    status = qc.filing_status(qc.due_list(REGISTRY, [OCT], 20), CLEAN, REPLACED)
    total = qc.rates(status).row(0, named=True)
    assert (total["expected"], total["filed"], total["on_time"]) == (8, 6, 4)
    assert total["report_rate"] == pytest.approx(75.0)
    assert total["timely_rate"] == pytest.approx(50.0)
    by_region = {r["region_code"]: r for r in qc.rates(status, ["region_code"]).iter_rows(named=True)}
    # 430602: A1 A2 A6 A7 A8 → 已报 4 of 5 = 80%, 按时 A1 A2 A6 = 60%; 430621: A3 A4 A5 → 2 of 3, 按时 A5 only
    assert (by_region["430602"]["expected"], by_region["430602"]["filed"], by_region["430602"]["on_time"]) == (5, 4, 3)
    assert by_region["430602"]["report_rate"] == pytest.approx(80.0)
    assert by_region["430602"]["timely_rate"] == pytest.approx(60.0)
    assert by_region["430621"]["report_rate"] == pytest.approx(200 / 3)
    assert by_region["430621"]["timely_rate"] == pytest.approx(100 / 3)


def test_timeliness_uses_first_submission_and_due_day_boundary():
    status = {r["org_code"]: r for r in qc.filing_status(qc.due_list(REGISTRY, [OCT], 20), CLEAN, REPLACED)
              .iter_rows(named=True)}
    assert status["A2"]["on_time"] and status["A2"]["days_late"] is None
    assert not status["A3"]["on_time"] and status["A3"]["days_late"] == 1
    assert status["A5"]["on_time"] and status["A5"]["submissions"] == 2
    assert status["A5"]["submitted_at"] == datetime(2025, 11, 10, 9)
    # A6's replaced row is another institution: it does not count as A6's first submission
    assert status["A6"]["submissions"] == 1 and status["A6"]["submitted_at"] == datetime(2025, 11, 3, 8)
    assert status["A8"]["filed"] and not status["A8"]["on_time"]
    assert not status["A4"]["filed"] and not status["A7"]["filed"]


def test_due_day_is_a_parameter_and_capped_at_month_end():
    assert Month(2024, 1).due_date(31) == date(2024, 2, 29)
    status = qc.filing_status(qc.due_list(REGISTRY, [OCT], 10), CLEAN, REPLACED)
    assert qc.rates(status)["on_time"][0] == 3  # A1, A6 and A5 (first on 11-10)


def test_resubmission_and_code_conflicts():
    resub = qc.resubmissions(CLEAN, REPLACED)
    assert resub.select("org_code", "period").rows() == [("A5", "2025-10")]
    assert resub["replaced_at"][0] < resub["kept_at"][0]
    conflicts = qc.code_conflicts(CLEAN, REPLACED, REGISTRY)
    got = {(r["org_code"], r["name"], r["other_name"]) for r in conflicts.iter_rows(named=True)}
    assert got == {("A3", "别的名字", "A3卫生院"), ("A6", "另一家医院", "A6医院")}


def test_unexpected_filers_have_reasons():
    extra = qc.unexpected_filers(CLEAN, qc.due_list(REGISTRY, [OCT], 20), REGISTRY)
    reasons = dict(extra.select("org_code", "reason").iter_rows())
    assert set(reasons) == {"N2", "X9"}
    assert "分支机构" in reasons["N2"] and "没有该机构代码" in reasons["X9"]


def test_run_gives_one_table_with_chinese_messages():
    result = qc.run(CLEAN, REPLACED, REGISTRY, due_day=20)
    res = result.results
    assert res.schema == pl.Schema(qc.RESULT_SCHEMA)
    got = sorted(res.select("rule_id", "org_code").iter_rows())
    assert got == [("R001", "A4"), ("R001", "A7"), ("R002", "A3"), ("R002", "A8"), ("R003", "A5"),
                   ("R004", "A3"), ("R004", "A6"), ("R005", "N2"), ("R005", "X9")]
    late = res.filter((pl.col("rule_id") == "R002") & (pl.col("org_code") == "A3")).row(0, named=True)
    assert late["message"] == "2025年10月月报首次上报时间 2025-11-21 00:00，晚于截止日期 2025-11-20（逾期 1 天）"
    assert late["severity"] == "WARN" and late["check"] == "迟报"
    # the county of an issue is the registry's: A3 filed under 430621 in the registry
    assert late["region_code"] == "430621"
    assert res.sort(["period", "region_code", "org_code", "rule_id", "values", "message"]).equals(res)


def test_rules_run_on_canonical_rows():
    rows = frame([filed("A1", "A1医院", "430602", "A100", "2025-11-05 10:00:00", visits=100, oe_visits=120)])
    res = qc.run(rows, REPLACED.clear(), REGISTRY, due_day=20).results.filter(pl.col("check") == "审核规则")
    assert res.select("rule_id", "org_code", "observed", "limit_high").rows() == [("E002", "A1", 120.0, 100.0)]
    assert res["message"][0] == "门急诊人次数（120）大于总诊疗人次数（100）"
    assert res["values"][0] == '{"门急诊人次数":120.0,"总诊疗人次数":100.0}'


def test_quarter_summary_reports_months_without_data():
    clean = pl.concat([CLEAN, frame([filed("A1", "A1医院", "430602", "A100", "2025-12-05 10:00:00", period="2025-11")])],
                      how="diagonal_relaxed")
    result = qc.run(clean, REPLACED, REGISTRY, due_day=20)
    s = qc.summarise(result.results, result.filing, Quarter(2025, 4), Month(2025, 12))
    assert s.months_without_data == (Month(2025, 12),)
    assert s.months_with_data == (Month(2025, 10), Month(2025, 11))
    assert "2025年12月 没有任何数据" in qc.summary_text(s)
    # 应报 in November: A1..A6, A8 and N3 (opened 11-01): 8, of which 1 filed
    assert (s.expected, s.filed) == (16, 7)
    assert s.counts["漏报"] == 2 + 7


def test_quarter_of_period():
    assert qc.quarter_of("2025-12") == (Quarter(2025, 4), Month(2025, 12))
    assert qc.quarter_of("2025-01") == (Quarter(2025, 1), Month(2025, 1))
    with pytest.raises(UserError, match="period 有误"):
        qc.quarter_of("2025-13")


def test_quarter_period():
    q = Quarter.parse("2025q1")
    assert str(q) == "2025Q1" and q.label == "2025年第一季度"
    assert q.months == (Month(2025, 1), Month(2025, 2), Month(2025, 3))
    assert q.previous == Quarter(2024, 4) and Quarter.of(Month(2025, 12)) == Quarter(2025, 4)
    with pytest.raises(PeriodError):
        Quarter.parse("2025Q5")


def test_registry_errors_are_chinese(tmp_path):
    with pytest.raises(UserError, match="机构代码重复"):
        registry([("A1", "x", "430602", "A100", "false", "", ""), ("A1", "y", "430602", "A100", "false", "", "")])
    with pytest.raises(UserError, match="日期无法识别"):
        registry([("A1", "x", "430602", "A100", "false", "2025/13/01", "")])
    with pytest.raises(UserError, match="不在机构类别目录中"):
        registry([("A1", "x", "430602", "Z999", "false", "", "")])
    path = tmp_path / "registry.csv"
    path.write_text("org_code,name\nA1,x\n", encoding="utf-8")
    with pytest.raises(UserError, match="缺少列"):
        qc.load_registry(path)


RULE_OK = """
  - id: E901
    title: 测试
    severity: FAIL
    kind: le
    left: [oe_visits]
    right: [visits]
    message: "{left}"
"""
CHECKS = """registry_checks:
  - {id: R001, check: 漏报, severity: FAIL, message: x}
  - {id: R002, check: 迟报, severity: WARN, message: x}
  - {id: R003, check: 重报, severity: WARN, message: x}
  - {id: R004, check: 一码多机构, severity: FAIL, message: x}
  - {id: R005, check: 非应报机构报送, severity: WARN, message: x}
  - {id: R006, check: 重复报送待核实, severity: FAIL, message: x}
  - {id: R007, check: 机构代码校验码, severity: WARN, message: x}
  - {id: R008, check: 数据更正, severity: INFO, message: x}
"""


@pytest.mark.parametrize("change, error", [
    (("kind: le", "kind: ratio"), "没有实现"),
    (("[oe_visits]", "[outpatients]"), "未知项目"),
    (("severity: FAIL", "severity: WARN"), "severity"),
    (("right: [visits]", "right: [visits]\n    factr: 2"), "未知参数"),
    (("    right: [visits]\n", ""), "缺少参数"),
    (("title: 测试", "title: 测试\n    scope: {region: [x]}"), "未知字段"),
    (("title: 测试", "title: 测试\n    enabled: false"), "note"),
])
def test_catalogue_validation(tmp_path, change, error):
    path = tmp_path / "rules.yaml"
    path.write_text(CHECKS + "rules:" + RULE_OK.replace(*change), encoding="utf-8")
    with pytest.raises(UserError, match=error):
        qc.load_rules(path)


def test_a_new_rule_is_a_catalogue_entry(tmp_path):
    """No engine change: a rule of an existing kind works from its catalogue entry alone."""
    path = tmp_path / "rules.yaml"
    path.write_text(CHECKS + "rules:" + RULE_OK.replace("title: 测试", "title: 测试\n    scope: {type_group: [医院]}"),
                    encoding="utf-8")
    cat = qc.load_rules(path)
    rows = frame([filed("A1", "A1医院", "430602", "A100", None, visits=1, oe_visits=2),
                  filed("A2", "A2社区中心", "430602", "B100", None, visits=1, oe_visits=2)])
    found = qc.run_rules(rows, cat.rules)
    assert found.select("rule_id", "org_code").rows() == [("E901", "A1")]


def test_annual_sum_reads_the_annual_reports_and_skips_a_missing_year_with_a_note(tmp_path):
    """W008: the annual report of each year with 12 monthly months; a missing folder or file is a note, no error."""
    rows = [filed("A1", "A1医院", "430602", "A100", None, period=f"{y}-{m:02d}", visits=100.0, discharges=10.0)
            for y in (2024, 2025) for m in range(1, 13)]
    rows += [filed("A2", "A2社区中心", "430602", "B100", None, period=f"2025-{m:02d}", visits=50.0) for m in range(1, 12)]
    clean = frame(rows)
    rule = qc.load_rules().rule("W008")
    assert qc.full_years(clean) == [2024, 2025]

    ctx = qc.load_annual(tmp_path / "annual", qc.full_years(clean))
    assert qc.run_rules(clean, [rule], ctx).height == 0
    assert ctx.notes == [f"W008（{rule.title}）：年报目录 {(tmp_path / 'annual').as_posix()} 不存在，{y} 年未核对"
                         for y in (2024, 2025)]

    year_dir = tmp_path / "annual" / "2025"
    year_dir.mkdir(parents=True)
    # Chinese column names are accepted; A2 (11 monthly months) is not compared although far off
    (year_dir / "annual_report.csv").write_text(
        "统一社会信用代码,总诊疗人次数,出院人数\na1,1300,121\nA2,5000,0\n", encoding="utf-8")
    ctx = qc.load_annual(tmp_path / "annual", [2024, 2025])
    found = qc.run_rules(clean, [rule], ctx)
    assert found.select("rule_id", "period", "org_code", "severity").rows() == [("W008", "2025-12", "A1", "WARN")]
    assert found["message"][0] == "2025年总诊疗人次数：年报 1300，1–12月月报合计 1200，相差 +100（+8.3%），超过 ±3%"
    assert [n for n in ctx.notes if "2024" in n] == [
        f"W008（{rule.title}）：未找到 2024 年机构年报 {(tmp_path / 'annual/2024/annual_report.csv').as_posix()}，2024 年未核对"]
    assert any("门急诊人次数未核对" in n for n in ctx.notes)  # the file has no 门诊/急诊 columns

    (year_dir / "annual_report.csv").write_text("org_code,visits\nA1,abc\n", encoding="utf-8")
    ctx = qc.load_annual(tmp_path / "annual", [2025])
    assert qc.run_rules(clean, [rule], ctx).height == 0
    assert any("2025 年机构年报无法使用" in n and "非数字" in n for n in ctx.notes)


def test_annual_sum_pairs_are_validated(tmp_path):
    entry = """
  - id: W901
    title: 年报
    severity: WARN
    kind: annual_sum
    pairs: {visits: visits}
    tolerance: 0.03
    message: "{item}"
"""
    path = tmp_path / "rules.yaml"
    path.write_text(CHECKS + "rules:" + entry, encoding="utf-8")
    assert qc.load_rules(path).rule("W901").params["pairs"] == {"visits": "visits"}
    for i, (pairs, error) in enumerate((("{beds: beds}", "非累计"), ("{visits: vists}", "未知的年报项目"),
                                        ("[visits]", "pairs"))):
        path = tmp_path / f"rules{i}.yaml"  # load_rules caches by path
        path.write_text(CHECKS + "rules:" + entry.replace("{visits: visits}", pairs), encoding="utf-8")
        with pytest.raises(UserError, match=error):
            qc.load_rules(path)
