"""Functional zones: no per-capita rank, a note on the population denominator (region_kinds.yaml)."""

from __future__ import annotations

import polars as pl

from pipeline import zones
from pipeline.monthly.wording import county_rank


def _t(indicator: str) -> pl.DataFrame:
    # 南湖新区 (功能区) has by far the most beds per 1000 (a big hospital, a small resident population)
    rows = [("430600", "全市", 8.2), ("430602", "区", 9.0), ("430621", "县", 6.0), ("430692", "功能区", 37.24)]
    return pl.DataFrame({"indicator_id": indicator, "period_type": "本月", "breakdown_id": "total",
                         "region_code": [r[0] for r in rows], "region_level": [r[1] for r in rows],
                         "value": [r[2] for r in rows]})


def test_functional_zone_is_not_ranked_on_a_per_capita_indicator() -> None:
    t = _t("beds_per_1000")
    assert county_rank(t, "beds_per_1000", "本月", "total", "430692") is None
    assert county_rank(t, "beds_per_1000", "本月", "total", "430602") == (1, 2)  # first of the two counties
    assert county_rank(t, "beds_per_1000", "本月", "total", "430621") == (2, 2)


def test_functional_zone_is_ranked_on_a_count() -> None:
    t = _t("beds")
    assert county_rank(t, "beds", "本月", "total", "430692") == (1, 3)


def test_population_note_names_the_zones_once() -> None:
    notes = zones.population_notes([("岳阳楼区", "区"), ("岳阳经济技术开发区", "功能区"), ("南湖新区", "功能区")])
    assert len(notes) == 1 and notes[0].startswith("岳阳经济技术开发区、南湖新区为功能区")
    assert " " not in notes[0] and "不参加人均指标的排位" in notes[0]
    assert zones.population_notes([("岳阳楼区", "区")]) == []
