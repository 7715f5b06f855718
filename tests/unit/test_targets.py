"""规划指标监测：每种目标形式（数值、≥、≤、增长百分比、优于全省、待省公布、待定、缺数据）的序时进度和状态，
终期评估（已实现/未实现与差距），按统计值而不是修约后的显示值判断。"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.annual import targets as tg
from pipeline.annual.targets import ACHIEVED, BEHIND, NO_DATA, ON_TRACK, Target
from pipeline.errors import UserError


def make(form: str, *, baseline: float | None = 2.0, target: float | None = 4.0, direction: str = "up",
         tolerance: float = 0.0, kind: str = "预期性", ind: str = "x") -> Target:
    return Target(indicator_id=ind, name=ind, unit="", kind=kind, baseline_year=2020, baseline=baseline,
                  target_year=2025, form=form, target_value=target, direction=direction, tolerance=tolerance)


# ------------------------------------------------------------------ the 序时进度 line


def test_schedule_line_is_linear_in_elapsed_years() -> None:
    t = make("value", baseline=2.54, target=3.93)
    assert t.schedule_line(2020) == pytest.approx(2.54)
    assert t.schedule_line(2023) == pytest.approx(2.54 + 1.39 * 3 / 5)
    assert t.schedule_line(2025) == pytest.approx(3.93)
    assert t.schedule_line(2027) == pytest.approx(3.93)  # after the plan: the target itself
    assert t.schedule_line(2018) == pytest.approx(2.54)


# ------------------------------------------------------------------ numeric target (direction up / down)


@pytest.mark.parametrize(("value", "status"), [
    (4.2, ACHIEVED),  # beyond the target
    (4.0, ACHIEVED),  # exactly the target
    (3.3, ON_TRACK),  # above the 2023 line 2 + 2 × 3/5 = 3.2
    (3.1, BEHIND),  # below it
])
def test_value_target_up(value: float, status: str) -> None:
    t = make("value", baseline=2.0, target=4.0)
    assert tg.assess(t, 2023, value, decimals=1).status == status


def test_value_target_up_behind_and_on_the_line() -> None:
    t = make("value", baseline=2.0, target=4.0)
    assert tg.assess(t, 2023, 3.19, decimals=2).status == BEHIND
    assert tg.assess(t, 2023, 3.2, decimals=2).status == ON_TRACK  # on the line counts as on schedule
    a = tg.assess(t, 2023, 3.0, decimals=2)
    assert (a.status, a.line, a.target) == (BEHIND, pytest.approx(3.2), 4.0)


def test_value_target_down_honours_direction() -> None:
    # 个人卫生支出占比 28.6 → 27 (smaller is better); line 2023 = 28.6 − 1.6 × 3/5 = 27.64
    t = make("value", baseline=28.6, target=27.0, direction="down")
    assert tg.assess(t, 2023, 26.9, decimals=2).status == ACHIEVED
    assert tg.assess(t, 2023, 27.5, decimals=2).status == ON_TRACK
    assert tg.assess(t, 2023, 27.64, decimals=2).status == ON_TRACK
    assert tg.assess(t, 2023, 27.9, decimals=2).status == BEHIND


def test_value_target_about_uses_the_tolerance() -> None:
    # “78左右”: within ±0.5 counts as reached; below that, the line decides
    t = make("value", baseline=77.0, target=78.0, tolerance=0.5)
    assert tg.assess(t, 2024, 77.6, decimals=2).status == ACHIEVED
    assert tg.assess(t, 2024, 77.49, decimals=2).status == BEHIND  # line 2024 = 77.8
    t_down = make("value", baseline=29.0, target=27.0, direction="down", tolerance=1.0)
    assert tg.assess(t_down, 2025, 27.9, decimals=1).status == ACHIEVED
    assert tg.assess(t_down, 2025, 28.1, decimals=1).status == BEHIND


def test_comparison_is_on_the_unrounded_value() -> None:
    """The 统计值 decides, not the printed figure: 3.925 ≥ 3.93? no, although it prints as 3.93 (half-up)."""
    t = make("value", baseline=2.54, target=3.93, kind="约束性")
    a = tg.assess(t, 2025, 3.925, decimals=2)
    assert a.status == BEHIND  # the 2025 line is the target itself
    assert "统计值3.9250未达到规划目标3.9300" in a.note and "均为3.93" in a.note
    assert tg.assess(t, 2025, 3.93, decimals=2).status == ACHIEVED
    assert tg.assess(t, 2025, 3.9249, decimals=2).note == ""  # prints 3.92: plainly short, no remark


def test_growth_target_close_call_of_the_issue() -> None:
    """增长30% on 0.98 → 1.274; 1.2701 prints as 1.27 like the target but is short of it by 0.0039."""
    t = make("growth_pct", baseline=0.98, target=30.0)
    a = tg.assess(t, 2025, 1.2701, decimals=2, final=True)
    assert a.status == tg.MISSED
    assert a.gap == pytest.approx(0.98 * 1.3 - 1.2701)
    assert "1.2701" in a.note and "1.2740" in a.note
    row = tg.MonitoringRow(t, {2025: 1.2701}, a, 2)
    assert tg.gap_text(row) == "差0.00"  # the gap at printed precision; the note gives the 统计值
    assert tg.assess(t, 2025, 1.2741, decimals=2, final=True).status == tg.MET


# ------------------------------------------------------------------ ≥ and ≤


def test_ge_target() -> None:
    t = make("ge", baseline=14.8, target=25.0)
    assert tg.assess(t, 2022, 25.0, decimals=1).status == ACHIEVED
    line_2022 = 14.8 + 10.2 * 2 / 5  # 18.88
    assert tg.assess(t, 2022, 19.0, decimals=1).status == ON_TRACK
    assert tg.assess(t, 2022, 18.8, decimals=1).status == BEHIND
    assert tg.assess(t, 2022, 19.0, decimals=1).line == pytest.approx(line_2022)


def test_le_target() -> None:
    # 重大慢性病过早死亡率 18.19 → ≤15; line 2024 = 18.19 − 3.19 × 4/5 = 15.638
    t = make("le", baseline=18.19, target=15.0, direction="down")
    assert tg.assess(t, 2024, 15.0, decimals=2).status == ACHIEVED
    assert tg.assess(t, 2024, 14.2, decimals=2).status == ACHIEVED
    assert tg.assess(t, 2024, 15.63, decimals=2).status == ON_TRACK
    assert tg.assess(t, 2024, 15.82, decimals=2).status == BEHIND
    assert tg.assess(t, 2025, 15.24, decimals=2).status == BEHIND  # in the last year the line is the target


# ------------------------------------------------------------------ growth


def test_growth_pct_target() -> None:
    # 每千人口公共卫生人员 0.98 → 增长30% = 1.274; line 2024 = 0.98 + 0.294 × 0.8 = 1.2152
    t = make("growth_pct", baseline=0.98, target=30.0)
    assert t.resolved_target() == pytest.approx(1.274)
    assert tg.assess(t, 2025, 1.29, decimals=2).status == ACHIEVED
    assert tg.assess(t, 2024, 1.22, decimals=2).status == ON_TRACK
    assert tg.assess(t, 2024, 1.20, decimals=2).status == BEHIND
    # a reduction written as a negative growth, smaller is better
    cut = make("growth_pct", baseline=100.0, target=-10.0, direction="down")
    assert cut.resolved_target() == pytest.approx(90.0)
    assert tg.assess(cut, 2025, 89.0, decimals=1).status == ACHIEVED
    assert tg.assess(cut, 2023, 95.0, decimals=1).status == BEHIND  # line 94


def test_growth_without_a_baseline_is_no_data() -> None:
    t = make("growth_pct", baseline=None, target=30.0)
    assert t.resolved_target() is None
    a = tg.assess(t, 2025, 1.3, decimals=2)
    assert a.status == NO_DATA and "基期值暂缺" in a.note


# ------------------------------------------------------------------ 优于全省


def test_better_than_province_down() -> None:
    t = make("better_than_province", baseline=2.79, target=None, direction="down")
    a = tg.assess(t, 2025, 2.61, decimals=2, province=3.02)
    assert (a.status, a.comparison, a.line) == (ACHIEVED, 3.02, None)
    assert tg.assess(t, 2025, 3.10, decimals=2, province=3.02).status == BEHIND
    assert tg.assess(t, 2025, 3.02, decimals=2, province=3.02).status == BEHIND  # equal is not better


def test_better_than_province_up() -> None:
    t = make("better_than_province", baseline=70.0, target=None, direction="up")
    assert tg.assess(t, 2025, 72.0, decimals=1, province=71.0).status == ACHIEVED
    assert tg.assess(t, 2025, 70.0, decimals=1, province=71.0).status == BEHIND


def test_province_not_yet_published_is_no_data() -> None:
    t = make("better_than_province", baseline=4.81, target=None, direction="down")
    a = tg.assess(t, 2025, 7.9, decimals=2, province=None)
    assert a.status == NO_DATA and "待省公布" in a.note


# ------------------------------------------------------------------ 待省公布 and missing values


def test_pending_target_is_no_data() -> None:
    t = make("pending", target=None)
    a = tg.assess(t, 2025, 5.0, decimals=1)
    assert a.status == NO_DATA and "待省公布" in a.note


@pytest.mark.parametrize("form", ["value", "ge", "le", "growth_pct"])
def test_missing_value_is_no_data(form: str) -> None:
    t = make(form, target=30.0 if form == "growth_pct" else 4.0, direction="down" if form == "le" else "up")
    a = tg.assess(t, 2025, None, decimals=2)
    assert a.status == NO_DATA and "2025年数据暂缺" in a.note
    assert tg.assess(t, 2025, float("nan"), decimals=2).status == NO_DATA


def test_no_baseline_judges_by_the_target_only() -> None:
    t = make("value", baseline=None, target=78.0)
    assert tg.assess(t, 2024, 78.5, decimals=1).status == ACHIEVED
    a = tg.assess(t, 2024, 77.0, decimals=1)
    assert a.status == BEHIND and a.line is None


# ------------------------------------------------------------------ ordering, loading, validation


def test_binding_indicators_first_file_order_kept() -> None:
    ts = [make("value", ind="a"), make("value", ind="b", kind="约束性"), make("value", ind="c"),
          make("value", ind="d", kind="约束性")]
    assert [t.indicator_id for t in tg.ordered(ts)] == ["b", "d", "a", "c"]


def test_invalid_targets_are_rejected() -> None:
    with pytest.raises(UserError, match="目标形式"):
        make("about")
    with pytest.raises(UserError, match="target_value"):
        make("ge", target=None)
    with pytest.raises(UserError, match="方向"):
        make("value", direction="higher")
    with pytest.raises(UserError, match="属性"):
        make("value", kind="指导性")


def test_load_targets_and_province(tmp_path: Path) -> None:
    path = tmp_path / "targets.csv"
    path.write_text(",".join(tg.COLUMNS) + "\n"
                    "imr,婴儿死亡率,‰,预期性,2020,2.79,2025,better_than_province,,down,,,优于全省平均,\n"
                    "beds,床位,张,预期性,2020,7.62,2025,value,8,up,,,8,\n", encoding="utf-8")
    loaded = tg.load_targets(path)
    assert [t.form for t in loaded] == ["better_than_province", "value"]
    assert loaded[0].province_indicator == "imr"  # defaults to its own id
    prov = tmp_path / "province.csv"
    prov.write_text("indicator_id,year,value,source\nimr,2025,3.02,x\nimr,2024,,x\n", encoding="utf-8")
    assert tg.load_province(prov) == {("imr", 2025): 3.02}
    assert tg.load_province(tmp_path / "absent.csv") == {}
    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(tg.COLUMNS) + "\nbeds,床位,张,预期性,2020,x,2025,value,8,up,,,8,\n", encoding="utf-8")
    with pytest.raises(UserError, match="第 2 行"):
        tg.load_targets(bad)


def test_monitor_rows_and_counts() -> None:
    ts = [make("value", ind="a", baseline=2.0, target=4.0), make("le", ind="b", baseline=18.0, target=15.0,
                                                                 direction="down", kind="约束性"),
          make("better_than_province", ind="c", target=None, direction="down"), make("pending", ind="d", target=None)]
    values = {("a", 2024): 3.7, ("b", 2024): 16.0, ("c", 2024): 2.0}
    rows = tg.monitor(ts, 2024, lambda i, y: values.get((i, y)), lambda i: 2, {("c", 2024): 3.0})
    assert [r.target.indicator_id for r in rows] == ["b", "a", "c", "d"]
    assert [r.assessment.status for r in rows] == [BEHIND, ON_TRACK, ACHIEVED, NO_DATA]
    assert list(rows[1].values) == [2020, 2021, 2022, 2023, 2024]
    assert tg.status_counts(rows) == {**dict.fromkeys(tg.STATUSES, 0), ACHIEVED: 1, ON_TRACK: 1, BEHIND: 1, NO_DATA: 1}


def test_sample_city_target_table_is_valid() -> None:
    from tests.helpers import REPO

    loaded = tg.load_targets(REPO / "data/reference/targets_14th.csv")
    assert {t.form for t in loaded} >= {"value", "le", "ge", "growth_pct", "better_than_province"}
    assert [t.indicator_id for t in tg.ordered(loaded)][:2] == ["gps_per_10000", "oop_share"]


# ------------------------------------------------------------------ 终期评估, 待定, baseline from the base year


def test_final_year_is_met_or_missed_with_the_gap() -> None:
    up = make("value", baseline=2.54, target=3.93, kind="约束性")
    a = tg.assess(up, 2025, 3.87, decimals=2, final=True)
    assert (a.status, a.gap) == (tg.MISSED, pytest.approx(0.06))
    assert tg.assess(up, 2025, 3.95, decimals=2, final=True).status == tg.MET
    about = make("value", baseline=28.6, target=27.0, direction="down", tolerance=1.0)
    assert tg.assess(about, 2025, 27.9, decimals=1, final=True).status == tg.MET  # 27左右: within 1
    m = tg.assess(about, 2025, 28.5, decimals=1, final=True)
    assert (m.status, m.gap) == (tg.MISSED, pytest.approx(0.5))  # 28.5 − (27 + 1)
    le = make("le", baseline=18.19, target=15.0, direction="down")
    assert tg.assess(le, 2025, 15.24, decimals=2, final=True).gap == pytest.approx(0.24)
    prov = make("better_than_province", target=None, direction="down")
    p = tg.assess(prov, 2025, 3.2, decimals=2, province=3.0, final=True)
    assert (p.status, p.gap) == (tg.MISSED, pytest.approx(0.2))
    assert tg.assess(prov, 2025, 2.9, decimals=2, province=3.0, final=True).status == tg.MET
    assert tg.assess(prov, 2025, 2.9, decimals=2, province=None, final=True).status == NO_DATA


def test_tbd_target_has_no_line_and_its_own_status() -> None:
    t = make("tbd", target=None)
    a = tg.assess(t, 2026, 5.0, decimals=1)
    assert (a.status, a.line, a.target) == (tg.TBD, None, None)
    assert t.target_text() == "待定"


def test_blank_baseline_is_taken_from_the_base_year_value() -> None:
    t = Target(indicator_id="x", name="x", unit="", kind="预期性", baseline_year=2025, baseline=None,
               target_year=2030, form="growth_pct", target_value=20.0, direction="up")
    values = {("x", 2025): 1.0, ("x", 2026): 1.05}
    rows = tg.monitor([t], 2026, lambda i, y: values.get((i, y)), lambda i: 2, {})
    r = rows[0]
    assert r.target.baseline == 1.0 and r.assessment.target == pytest.approx(1.2)
    assert r.assessment.line == pytest.approx(1.04)  # 1 + 0.2 × 1/5
    assert r.assessment.status == ON_TRACK  # 1.05 ≥ 1.04


def test_sample_city_next_plan_table_is_valid() -> None:
    from tests.helpers import REPO

    loaded = tg.load_targets(REPO / "data/reference/targets_15th.csv")
    assert {t.form for t in loaded} >= {"tbd", "value", "ge", "growth_pct", "better_than_province"}
    assert all("示例数据" in t.note for t in loaded)
    assert {t.baseline_year for t in loaded} == {2025} and {t.target_year for t in loaded} == {2030}
