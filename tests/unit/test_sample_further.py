"""示例城市的下一年（sample-data --extra-year）：确定性、与上年同一机构同一增长、参考数据行补齐且可重复运行。"""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest

from pipeline.errors import UserError
from pipeline.sample import further
from tests.helpers import REPO


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "data/reference", tmp_path / "data/reference")
    shutil.copytree(REPO / "data/raw/annual/2025", tmp_path / "data/raw/annual/2025")
    return tmp_path


def test_next_year_is_deterministic_and_keeps_every_relation(root: Path) -> None:
    written = further.extend_year(root, 2026)
    first = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in written}
    further.extend_year(root, 2026)  # again: the year's reference rows are replaced, not doubled
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in written} == first
    old = {r["org_code"]: r for r in _rows(root / "data/raw/annual/2025/annual_report.csv")}
    new = _rows(root / "data/raw/annual/2026/annual_report.csv")
    assert sorted(old) == sorted(r["org_code"] for r in new)
    for r in new:
        o = old[r["org_code"]]
        assert int(r["gps"]) <= int(r["doctors"]) <= int(r["health_techs"])
        assert int(r["occupied_bed_days"]) <= int(r["open_bed_days"])
        if int(o["visits"]) >= 10_000:  # large enough for rounding not to hide the factor
            ratio = int(r["visits"]) / int(o["visits"])
            assert 0.97 - 1e-4 <= ratio <= 1.08 + 1e-4
            # one factor per institution: every item grows by the same ratio (up to rounding)
            assert abs(int(r["discharges"]) - int(o["discharges"]) * ratio) <= 1 + int(o["discharges"]) * 1e-4
    pop = [r for r in _rows(root / "data/reference/population.csv") if r["year"] in ("2025", "2026")]
    by_year = {(r["region_code"], r["year"]): int(r["population"]) for r in pop}
    for (code, year), value in by_year.items():
        if year == "2026":
            assert value == round(by_year[(code, "2025")] * 1.001)
    assert [r["year"] for r in _rows(root / "data/reference/cpi_medical.csv")][-1] == "2026"
    mc = _rows(root / "data/raw/annual/2026/maternal_child.csv")
    births = sum(int(r["live_births"]) for r in mc)
    monitored = next(r for r in _rows(root / "data/reference/maternal_child.csv") if r["year"] == "2026")
    assert float(monitored["imr_per_1000"]) == round(sum(int(r["infant_deaths"]) for r in mc) / births * 1000, 1)
    survey = _rows(root / "data/raw/annual/2026/survey.csv")[0]
    assert float(survey["health_literacy_pct"]) == pytest.approx(30.72 + 1.3)


def test_next_year_public_health_files_grow_and_keep_parts_below_wholes(root: Path) -> None:
    further.extend_year(root, 2026)
    pairs = {"immunization.csv": [("nip_given", "nip_due")],
             "basic_public_health.csv": [("elderly_managed", "elderly_residents"), ("htn_standard", "htn_managed"),
                                         ("dm_standard", "dm_managed")],
             "elderly_care.csv": [("dual_licensed", "integrated_institutions")]}
    factors = {"infectious_diseases.csv": 0.96, "immunization.csv": 0.97, "basic_public_health.csv": 1.01,
               "health_supervision.csv": 1.03, "elderly_care.csv": 1.06}  # the documented factors (data/README.md)
    for name, factor in factors.items():
        old = _rows(root / "data/raw/annual/2025" / name)
        new = _rows(root / "data/raw/annual/2026" / name)
        assert [r["region_code"] for r in new] == [r["region_code"] for r in old]
        column = list(old[0])[1]  # the first count of the file
        total_old = sum(float(r[column]) for r in old)
        assert sum(float(r[column]) for r in new) == pytest.approx(total_old * factor, abs=len(old))
        for part, whole in pairs.get(name, []):
            assert all(float(r[part]) <= float(r[whole]) for r in new), (name, part)


def test_next_year_needs_the_year_before(root: Path) -> None:
    with pytest.raises(UserError, match="需要 2026 年的年度文件"):
        further.extend_year(root, 2027)
