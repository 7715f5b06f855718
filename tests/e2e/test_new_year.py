"""A new year with params only: the sample generator's further year (sample-data --extra-year 2026), then
`dvc repro` with period 2026-01, annual.year 2026 and life_expectancy.year 2026 — no code edited."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from pipeline.sample import further
from tests.e2e.test_pipeline import _raw_rows, _run
from tests.helpers import copy_project

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
YEAR = 2026


def _set(params: Path, section: str | None, key: str, value: str) -> None:
    text = params.read_text(encoding="utf-8")
    if section is None:
        new = re.sub(rf"(?m)^{key}:\s*\S+", f"{key}: {value}", text, count=1)
    else:
        new = re.sub(rf"(\n{section}:[^\n]*\n(?:\s+[^\n]*\n)*?\s+{key}:\s*)\S+", rf"\g<1>{value}", text, count=1)
    assert new != text, (section, key)
    params.write_text(new, encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("new_year") / "project"
    copy_project(REPO, dest)
    further.extend_year(dest, YEAR)  # what `python -m pipeline sample-data --extra-year 2026` adds
    further.extend_month(dest, YEAR, 1)
    params = dest / "params.yaml"
    _set(params, None, "period", f'"{YEAR}-01"')
    _set(params, "annual", "year", str(YEAR))
    _set(params, "life_expectancy", "year", str(YEAR))
    _run(["dvc", "repro"], dest)
    return dest


def test_january_of_the_new_year(project: Path) -> None:
    out = project / "reports" / "monthly" / f"{YEAR}-01"
    md = (out / "source" / "report.md").read_text(encoding="utf-8")
    assert md.count("与“1月累计”为同一时期，数字相同") == 1  # said once
    csv = pl.read_csv(out / "indicators.csv", schema_overrides={"region_code": pl.Utf8})
    city = csv.filter((pl.col("region_code") == "430600") & (pl.col("breakdown_id") == "total"))
    month = dict(city.filter(pl.col("period_type") == "本月").select("indicator_id", "value").iter_rows())
    cum = dict(city.filter(pl.col("period_type") == "累计").select("indicator_id", "value").iter_rows())
    assert month and month == cum  # January: 本月 = 累计
    sums: dict[str, float] = defaultdict(float)
    for r in _raw_rows(project):
        if str(r["报告期"]) == f"{YEAR}-01":
            sums["visits"] += float(r["总诊疗人次数"])
            sums["discharges"] += float(r["出院人数"])
    assert month["visits"] == pytest.approx(sums["visits"], rel=1e-12)
    assert month["discharges"] == pytest.approx(sums["discharges"], rel=1e-12)


def test_annual_and_life_expectancy_of_the_new_year(project: Path) -> None:
    life = project / "reports" / "life_expectancy" / str(YEAR) / "summary.csv"
    e0 = pl.read_csv(life, schema_overrides={"region_code": pl.Utf8}).filter(
        (pl.col("region_code") == "430600") & (pl.col("sex") == "合计"))["e0"][0]
    out = project / "reports" / "annual" / str(YEAR)
    md = (out / "source" / "report.md").read_text(encoding="utf-8")
    assert "十四五" not in md and "## 十、“十五五”规划主要指标监测" in md
    assert f"全市人均预期寿命{e0:.2f}岁" in md
    assert (project / "releases").is_dir()
