"""规划目录：报告年份选择覆盖它的规划及其阶段（规划期内监测、末年终期评估、首年列基期值）。"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.annual import plans as pl_mod
from pipeline.errors import UserError


def test_the_catalogue_picks_the_plan_covering_each_year() -> None:
    plans = pl_mod.load_plans()
    names = {y: (p.name if (p := pl_mod.plan_for(plans, y)) else None) for y in (2020, 2021, 2024, 2025, 2026, 2030, 2031)}
    assert names == {2020: None, 2021: "十四五", 2024: "十四五", 2025: "十四五", 2026: "十五五", 2030: "十五五",
                     2031: None}
    p14, p15 = (pl_mod.plan_for(plans, y) for y in (2025, 2026))
    assert p14 is not None and p15 is not None
    assert (p14.phase(2024), p14.phase(2025), p15.phase(2026)) == (pl_mod.MONITOR, pl_mod.FINAL, pl_mod.MONITOR)
    assert p15.is_first_year(2026) and not p14.is_first_year(2025)
    assert (p14.base_year, p15.base_year) == (2020, 2025)
    assert p15.sample and p14.sample  # the sample city's targets are made up
    assert p14.title == "“十四五”规划"


def test_history_reaches_back_to_every_plan_base_year_in_the_last_five_years() -> None:
    plans = pl_mod.load_plans()
    assert pl_mod.history_start(plans, 2025) == 2020
    assert pl_mod.history_start(plans, 2024) == 2020
    assert pl_mod.history_start(plans, 2026) == 2020  # the trend still shows 2022–2025 of the previous plan
    assert pl_mod.history_start(plans, 2031) == 2025


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "plans.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_overlapping_or_incomplete_plans_are_rejected(tmp_path: Path) -> None:
    entry = "  - {{id: {i}, name: {n}, first_year: {f}, last_year: {l}, base_year: {b}, targets: t.csv, document: d}}\n"
    overlap = _write(tmp_path, "plans:\n" + entry.format(i="a", n="甲", f=2021, l=2025, b=2020)
                     + entry.format(i="b", n="乙", f=2025, l=2030, b=2024))
    with pytest.raises(UserError, match="规划期重叠"):
        pl_mod.load_plans(overlap)
    missing = _write(tmp_path, "plans:\n  - {id: a, name: 甲, first_year: 2021, last_year: 2025}\n")
    with pytest.raises(UserError, match="缺少：base_year、targets、document"):
        pl_mod.load_plans(missing)
    bad_years = _write(tmp_path, "plans:\n" + entry.format(i="a", n="甲", f=2021, l=2025, b=2022))
    with pytest.raises(UserError, match="基期年 < 首年"):
        pl_mod.load_plans(bad_years)
