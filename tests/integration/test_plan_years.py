"""规划期的切换：2025 年（“十四五”末年）为终期评估，2026 年（“十五五”首年）监测“十五五”、列基期值和待定目标，
只改 params.yaml 的 annual.year；状态由目标表按 domain.md §6 的公式独立重算。"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from pipeline.io_utils import write_csv
from pipeline.life import expectancy as le
from pipeline.sample import further
from tests.helpers import REPO
from tests.integration.test_annual import CITY, _cli, _copy_inputs, _rows, _set_year

NEXT = 2026


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    root = _copy_inputs(tmp_path_factory.mktemp("plan_years"))
    result = le.compute(le.LifeExpectancyParams(year=2025), root)
    write_csv(le.summary_frame(result), root / "reports" / "life_expectancy" / "2025" / "summary.csv")
    further.extend_year(root, NEXT)  # what `python -m pipeline sample-data --extra-year 2026` adds
    out = {}
    for year in (2025, NEXT):
        _set_year(root, year)
        if year == NEXT:  # life expectancy of the new year too, by params only
            params = root / "params.yaml"
            params.write_text(re.sub(r"(\nlife_expectancy:[^\n]*\n\s+year:\s*)\d{4}", rf"\g<1>{NEXT}",
                                     params.read_text(encoding="utf-8")), encoding="utf-8")
            env = dict(os.environ, PYTHONPATH=str(REPO))
            life = subprocess.run([sys.executable, "-m", "pipeline", "life-expectancy"], cwd=root, env=env,
                                  capture_output=True, text=True, check=False)
            assert life.returncode == 0, life.stdout + life.stderr
            assert (root / f"reports/life_expectancy/{NEXT}/summary.csv").is_file()
        proc = _cli(root)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out[year] = root / "reports" / "annual" / str(year)
    return out


def _targets(name: str) -> list[dict[str, str]]:
    return _rows(Path(__file__).resolve().parents[2] / "data/reference" / name)


def _values(out: Path, year: int) -> dict[str, float | None]:
    """The city's value of each plan indicator in a year, as listed in the monitoring CSV."""
    df = pl.read_csv(out / "monitoring.csv").filter(pl.col("year") == year)
    return dict(zip(df["indicator_id"].to_list(), df["value"].to_list()))


def _statuses(out: Path, year: int) -> dict[str, tuple[str, float | None]]:
    df = pl.read_csv(out / "monitoring.csv").filter(pl.col("year") == year)
    return {r["indicator_id"]: (r["status"], r["gap"]) for r in df.iter_rows(named=True)}


def _province(year: int) -> dict[str, float]:
    return {r["indicator_id"]: float(r["value"]) for r in _targets("province.csv")
            if int(r["year"]) == year and r["value"]}


def _goal(t: dict[str, str], base: float | None) -> float | None:
    """The numeric target from the table's own columns (domain.md §6), None for 优于全省/待定/待省公布."""
    form, tv = t["target_form"], t["target_value"]
    if form in ("value", "ge", "le"):
        return float(tv)
    if form == "growth_pct" and base is not None:
        return base * (1 + float(tv) / 100)
    return None


def _edge(t: dict[str, str], base: float | None) -> float | None:
    """The value at which the target is reached: the target less the “左右” tolerance."""
    goal = _goal(t, base)
    if goal is None:
        return None
    tol = float(t["tolerance"] or 0) if t["target_form"] == "value" else 0.0
    return goal - tol if t["direction"] == "up" else goal + tol


def test_final_year_of_the_plan_is_an_end_of_term_evaluation(reports: dict[int, Path]) -> None:
    out = reports[2025]
    values, got, prov = _values(out, 2025), _statuses(out, 2025), _province(2025)
    for t in _targets("targets_14th.csv"):
        ind, v = t["indicator_id"], values.get(t["indicator_id"])
        up = t["direction"] == "up"
        if t["target_form"] == "better_than_province":
            p = prov.get(t["province_indicator"] or ind)
            want = "无数据" if v is None or p is None else ("已实现" if (v > p if up else v < p) else "未实现")
            assert got[ind][0] == want, ind
            continue
        edge = _edge(t, float(t["baseline"]) if t["baseline"] else None)
        if v is None or edge is None:
            assert got[ind][0] == "无数据", ind
            continue
        met = v >= edge if up else v <= edge
        assert got[ind][0] == ("已实现" if met else "未实现"), ind
        if not met:
            assert got[ind][1] == pytest.approx(abs(edge - v), rel=1e-9), ind
    md = (out / "source/report.md").read_text(encoding="utf-8")
    n_met = sum(1 for s, _ in got.values() if s == "已实现")
    n_missed = sum(1 for s, _ in got.values() if s == "未实现")
    assert f"已实现规划目标{n_met}项，未实现{n_missed}项（其中约束性1项）" in md
    assert "## 十、“十四五”规划主要指标终期评估" in md and "序时进度" not in md.split("## 十、")[1].split("## 附录")[0]
    assert "每万常住人口全科医生数（3.87人，规划目标3.93，差0.06）" in md


def test_first_year_of_the_next_plan_monitors_it_with_base_year_values(reports: dict[int, Path]) -> None:
    out = reports[NEXT]
    values, base, got, prov = _values(out, NEXT), _values(out, 2025), _statuses(out, NEXT), _province(NEXT)
    seen = set()
    for t in _targets("targets_15th.csv"):
        ind, v, b = t["indicator_id"], values.get(t["indicator_id"]), base.get(t["indicator_id"])
        up = t["direction"] == "up"
        form = t["target_form"]
        if form == "tbd":
            want = "待定"
        elif form == "better_than_province":
            p = prov.get(t["province_indicator"] or ind)
            want = "无数据" if v is None or p is None else ("已达标" if (v > p if up else v < p) else "未达序时进度")
        else:
            edge = _edge(t, b)  # the blank baseline is the 2025 统计值
            if v is None or edge is None:
                want = "无数据"
            elif (v >= edge if up else v <= edge):
                want = "已达标"
            else:
                goal = _goal(t, b)
                assert b is not None and goal is not None
                line = b + (goal - b) * (NEXT - 2025) / (2030 - 2025)
                want = "达到序时进度" if (v >= line if up else v <= line) else "未达序时进度"
        assert got[ind][0] == want, ind
        seen.add(want)
    assert {"待定", "达到序时进度", "未达序时进度", "已达标", "无数据"} <= seen  # the whole machinery shows
    md = (out / "source/report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "十四五" not in md and "十四五" not in html
    assert "## 十、“十五五”规划主要指标监测" in md
    assert f"{NEXT}年是“十五五”规划实施的第一年，以2025年为基期。" in md
    chapter = md.split("## 十、")[1].split("## 附录")[0]
    summary = md.split("## 提要")[1].split("\n## ")[0]
    assert f"每万常住人口全科医生数{base['gps_per_10000']:.2f}人" in chapter  # the base-year value, as printed
    assert f"孕产妇死亡率{base['mmr']:.2f}/10万" in chapter
    assert "基期值：" not in summary and f"{NEXT}年是“十五五”规划实施的第一年" in summary
    assert "规划目标待定的指标：重大慢性病过早死亡率、每千常住人口医疗卫生机构床位数" in md
    assert "（目标值为示例数据）" in md
    assert values["life_expectancy"] is not None  # the 2026 life-expectancy stage ran on the generated files
    assert "人均预期寿命测算结果尚未提供" not in md
