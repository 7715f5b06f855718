"""pipeline.sample.life：人均预期寿命示例数据可重复（逐字节相同）且口径正确。"""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest

from pipeline.errors import UserError
from pipeline.sample import life as life_sample
from tests.helpers import REPO

REGIONS = """region_code,region_name,region_kind
430600,岳阳市,市
430602,岳阳楼区,区
430626,平江县,县
430692,南湖新区,功能区
"""


def _root(base: Path) -> Path:
    ref = base / "data" / "reference"
    ref.mkdir(parents=True)
    (ref / "regions.csv").write_text(REGIONS, encoding="utf-8")
    return base


def _digests(root: Path, files: tuple[Path, ...]) -> dict[str, str]:
    return {f.as_posix(): hashlib.sha256((root / f).read_bytes()).hexdigest() for f in files}


def test_generate_life_is_byte_identical(tmp_path: Path) -> None:
    first = life_sample.generate_life(_root(tmp_path / "a"))
    second = life_sample.generate_life(_root(tmp_path / "b"))
    assert first.files == second.files
    assert _digests(tmp_path / "a", first.files) == _digests(tmp_path / "b", second.files)
    again = life_sample.generate_life(tmp_path / "a")  # re-running in place changes nothing
    assert _digests(tmp_path / "a", again.files) == _digests(tmp_path / "b", second.files)


def test_deaths_file_layout_and_under_counting(tmp_path: Path) -> None:
    root = _root(tmp_path)
    summary = life_sample.generate_life(root)
    for year in life_sample.YEARS:
        path = root / "data" / "raw" / "annual" / str(year) / "life_deaths.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert list(rows[0]) == ["region_code", "sex", "age", "population", "deaths"]
        assert {r["region_code"] for r in rows} == {"430602", "430626", "430692"}
        assert {r["sex"] for r in rows} == {"男", "女"}
        assert sorted({int(r["age"]) for r in rows}) == list(life_sample.AGES)
        assert len(rows) == 3 * 2 * len(life_sample.AGES)
        assert all(0 <= int(r["deaths"]) <= int(r["population"]) for r in rows)
        assert summary.deaths_registered[year] < summary.deaths_true[year]


def test_population_follows_population_csv(tmp_path: Path) -> None:
    repo_pop = REPO / "data" / "reference" / "population.csv"
    if not repo_pop.is_file():
        pytest.skip("population.csv not generated in this checkout")
    root = tmp_path
    (root / "data" / "reference").mkdir(parents=True)
    for name in ("regions.csv", "population.csv"):
        shutil.copy2(REPO / "data" / "reference" / name, root / "data" / "reference" / name)
    summary = life_sample.generate_life(root)
    city_code = "430600"
    end = {int(r["year"]): int(r["population"]) for r in csv.DictReader(repo_pop.open(encoding="utf-8"))
           if r["region_code"] == city_code}
    for year, total in summary.population.items():
        expected = (end[year] + end[year - 1]) / 2
        assert abs(total - expected) / expected < 0.01


def test_schedule_hits_the_target_life_expectancy() -> None:
    for (year, sex), target in life_sample.TRUE_E0.items():
        level = life_sample.solve_level(target, sex, life_sample.IMR_PER_1000[year])
        e0 = life_sample.schedule_e0(life_sample.mortality_schedule(level, sex, life_sample.IMR_PER_1000[year]))
        assert abs(e0 - target) < 1e-6


def test_missing_regions_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="regions.csv"):
        life_sample.generate_life(tmp_path)
