"""The annual report's 说明 reconciles its figures with the December 月报's 1—12月 totals (快报数)."""

from __future__ import annotations

import polars as pl
import pytest

from pipeline.annual import reconcile
from pipeline.errors import UserError
from pipeline.figures import FigureLog

CITY = "430600"
SPECS = (
    reconcile.PairSpec("visits", "hosp", "医院总诊疗人次", "万人次", True),
    reconcile.PairSpec("outpatient_cost", "hosp", "医院次均门诊费用", "元", False),
    reconcile.PairSpec("avg_stay", "hosp", "医院出院者平均住院日", "日", False),
)


def _monthly(rows: list[tuple[str, float, int]]) -> pl.DataFrame:
    return pl.DataFrame({"period": ["2025-12"] * len(rows), "period_type": ["累计"] * len(rows),
                         "indicator_id": [r[0] for r in rows], "breakdown_id": ["hosp"] * len(rows),
                         "region_code": [CITY] * len(rows), "value": [r[1] for r in rows],
                         "decimals": [r[2] for r in rows]})


def test_differences_are_listed_with_both_values_and_recorded_under_the_monthly_scope() -> None:
    monthly = _monthly([("visits", 9_451_769.0, 0), ("outpatient_cost", 296.2149, 1), ("avg_stay", 8.04, 1)])
    annual = {"visits": 9_451_341.0, "outpatient_cost": 296.0951, "avg_stay": 8.0449}
    found = reconcile.pairs(monthly, lambda ind, bd: annual[ind], SPECS)
    log = FigureLog("test")
    text = reconcile.note(found, 2025, CITY, log)
    # 945.1341 万 / 945.1769 万 → 945.1 and 945.2; 296.0951 → 296.1, 296.2149 → 296.2; 8.0449 and 8.04 both 8.0
    assert text == ("月报为快报数，只含按月报送的机构；年报含全部医疗卫生机构并经年终核实，全年数据以年报（本报告）为准。"
                    "本年与12月月报1—12月累计数不同的有：医院总诊疗人次年报945.1万人次、月报945.2万人次；"
                    "医院次均门诊费用年报296.1元、月报296.2元；医院出院者平均住院日两者一致。")
    recorded = {(f.indicator, f.scope, f.period, f.text) for f in log.figures}
    assert recorded == {("visits", "月报机构口径", "2025-01~2025-12", "945.2"),
                        ("outpatient_cost", "月报机构口径", "2025-01~2025-12", "296.2")}


def test_all_equal_says_so_and_no_monthly_table_says_only_the_scope(tmp_path) -> None:
    monthly = _monthly([("visits", 9_451_341.0, 0), ("outpatient_cost", 296.1, 1), ("avg_stay", 8.0, 1)])
    annual = {"visits": 9_451_300.0, "outpatient_cost": 296.14, "avg_stay": 7.96}
    text = reconcile.note(reconcile.pairs(monthly, lambda ind, bd: annual[ind], SPECS), 2025, CITY)
    assert text.endswith("本年医院总诊疗人次、医院次均门诊费用、医院出院者平均住院日的年报数与12月月报1—12月累计数一致。")
    assert reconcile.read_monthly(tmp_path / "absent.parquet", 2025, CITY) is None
    path = tmp_path / "indicators.parquet"
    monthly.with_columns(pl.lit("2025-11").alias("period")).write_parquet(path)  # no December yet
    assert reconcile.read_monthly(path, 2025, CITY) is None
    assert reconcile.note([], 2025, CITY).endswith("全年数据以年报（本报告）为准。")


def test_a_catalogue_entry_the_monthly_table_lacks_is_a_clear_error() -> None:
    monthly = _monthly([("visits", 1.0, 0)])
    with pytest.raises(UserError, match="医院次均门诊费用（outpatient_cost/hosp）在月报指标表中没有对应的数"):
        reconcile.pairs(monthly, lambda ind, bd: 1.0, SPECS)


def test_the_shipped_catalogue_reads() -> None:
    specs = reconcile.load_specs()
    assert ("outpatient_cost", "hosp") in {(s.indicator, s.breakdown) for s in specs}
