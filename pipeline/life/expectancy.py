"""人均预期寿命测算（dvc 阶段 life_expectancy）：输入 → 寿命表与 e0（含置信区间）→ 测算报告 HTML/PDF、XLSX、CSV。

The stage's face: the names the CLI, the notebook and the tests use, re-exported from the modules that hold
them (this module holds no logic). The flow (the notebook ``notebooks/life_expectancy.py`` only sets
parameters and calls these):

* :mod:`pipeline.life.inputs` — :class:`LifeExpectancyParams` and the loaders of
  ``data/raw/annual/<year>/life_deaths.csv`` (region_code, sex, age, population, deaths for every
  county-level unit of ``data/reference/regions.csv``), the under-reporting rates
  (``life_adjustments.csv``), the planning targets (``life_targets.csv``); regrouping to ``open_age``+.
* :mod:`pipeline.life.compute` — :func:`compute`: Chiang II life tables (:mod:`pipeline.life.lifetable`)
  for the city (sum of the counties) and each county, for 合计/男/女, with the adjustments chosen in
  params.yaml (under-reporting; infant mortality from the maternal–child surveillance,
  :mod:`pipeline.life.surveillance`), county ranks and the comparison with the previous year.
* :mod:`pipeline.life.report_text` — headline, sentences, tables, methods and notes of the report.
* :mod:`pipeline.life.report_xlsx` — ``life_tables.xlsx``.
* :mod:`pipeline.life.report` — :func:`build_report` writes ``summary.csv``, ``life_tables.xlsx``, the chart
  and the markdown; :func:`render_report` turns the markdown into ``report.html`` and ``report.pdf``;
  :func:`run_life_expectancy` runs the notebook (the stage's entry point).
"""

from __future__ import annotations

from pipeline.life.compute import (
    SUMMARY_COLUMNS,
    Group,
    LifeExpectancyResult,
    YearResult,
    compute,
    compute_year,
    groups,
)
from pipeline.life.inputs import (
    A0,
    ADJUSTMENTS_PATH,
    CITY_LEVEL,
    COUNTY_LEVEL,
    MATERNAL_CHILD_PATH,
    REGIONS_PATH,
    SEXES,
    TARGETS_PATH,
    LifeExpectancyParams,
    Target,
    UnderreportingBand,
    check_inputs,
    deaths_path,
    load_deaths,
    load_targets,
    load_underreporting,
    regroup,
    required_inputs,
)
from pipeline.life.report import (
    LifeExpectancyDocument,
    build_markdown,
    build_report,
    county_chart,
    produce,
    render_report,
    run_life_expectancy,
    summary_frame,
)
from pipeline.life.report_xlsx import NOTES_SHEET, SUMMARY_SHEET, write_xlsx

__all__ = [
    "A0", "ADJUSTMENTS_PATH", "CITY_LEVEL", "COUNTY_LEVEL", "MATERNAL_CHILD_PATH", "NOTES_SHEET", "REGIONS_PATH",
    "SEXES", "SUMMARY_COLUMNS", "SUMMARY_SHEET", "TARGETS_PATH", "Group", "LifeExpectancyDocument",
    "LifeExpectancyParams", "LifeExpectancyResult", "Target", "UnderreportingBand", "YearResult", "build_markdown",
    "build_report", "check_inputs", "compute", "compute_year", "county_chart", "deaths_path", "groups",
    "load_deaths", "load_targets", "load_underreporting", "produce", "regroup", "render_report",
    "required_inputs", "run_life_expectancy", "summary_frame", "write_xlsx",
]
