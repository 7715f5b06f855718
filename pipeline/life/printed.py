"""What the life-expectancy report prints, recorded for the release's consistency check (pipeline/figures.py):
e0 of the city and each county (合计; '—' where the unit is below the stability threshold, as in the report) and
the surveillance infant mortality rate it applies, both on the 监测口径 that the 统计报告及提要 prints them on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline import fmt, scopes
from pipeline.figures import FigureLog, flow_period


def write(result: Any, out_dir: Path) -> Path:
    """figures.json of a LifeExpectancyResult (expectancy.py) in `out_dir`."""
    year = result.params.year
    log = FigureLog(f"人均预期寿命测算报告 {year}年")
    period = flow_period(year, 1, 12)
    for row in result.summary.filter(result.summary["sex"] == "合计").iter_rows(named=True):
        shown = row.get("e0") is not None and not row.get("unstable")
        value = row["e0"] if shown else None
        log.add(indicator="life_expectancy", breakdown="total", scope=scopes.SURVEILLANCE, region=row["region_code"],
                period=period, measure="value", value=value, decimals=2, text=fmt.number(value, 2), where="表1、表2")
    imr = result.current.imr_per_1000
    if imr is not None:
        log.add(indicator="imr", breakdown="total", scope=scopes.SURVEILLANCE, region=result.regions.city_code,
                period=period, measure="value", value=imr, decimals=2, text=fmt.number(imr, 2), where="方法说明")
    return log.write(out_dir)
