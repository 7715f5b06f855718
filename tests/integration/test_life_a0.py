"""life_expectancy.a0: a fixed number or Coale–Demeny (from the registered m0 or from the IMR), checked against a0
and e0 worked out here from the input file with the published formulas (Coale & Demeny 1983 p. 20 for q0;
Preston, Heuveline & Guillot 2001 Table 3.3 for m0; Chiang II as in domain.md §8), not with the stage's code."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from pipeline import fmt
from pipeline.errors import UserError
from pipeline.life import expectancy as le
from pipeline.life import report_text, surveillance
from tests.integration.test_life_expectancy import CITY, _make_root

OPEN = 85


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_root(tmp_path_factory.mktemp("life_a0_root"))


def _city_data(root: Path, sex: str | None) -> tuple[list[float], list[float], list[float]]:
    """ages, population, deaths of the city (sum of the counties), ages >= OPEN merged."""
    raw = pl.read_csv(root / le.deaths_path(2025), schema_overrides={"region_code": pl.String})
    if sex is not None:
        raw = raw.filter(pl.col("sex") == sex)
    by_age = (raw.with_columns(pl.when(pl.col("age") >= OPEN).then(OPEN).otherwise(pl.col("age")).alias("age"))
              .group_by("age").agg(pl.col("population").sum(), pl.col("deaths").sum()).sort("age"))
    return ([float(a) for a in by_age["age"]], [float(p) for p in by_age["population"]],
            [float(d) for d in by_age["deaths"]])


def _chiang_e0(ages: list[float], pop: list[float], deaths: list[float], a0: float, q0: float | None = None) -> float:
    """e0 of a Chiang II abridged table: q = n m / (1 + n (1 − a) m), a = a0 at age 0 and 0.5 elsewhere, L = n (l' + a d),
    open group L = l / m; q0 (if given) replaces the first q."""
    lx, total = 100000.0, 0.0
    for i, age in enumerate(ages):
        m = deaths[i] / pop[i]
        if i == len(ages) - 1:
            total += lx / m
            break
        n, a = ages[i + 1] - age, (a0 if i == 0 else 0.5)
        q = q0 if (i == 0 and q0 is not None) else min(1.0, n * m / (1.0 + n * (1.0 - a) * m))
        d = lx * q
        total += n * (lx - d + a * d)
        lx -= d
    return total / 100000.0


def _params(a0: float | str, imr: bool) -> le.LifeExpectancyParams:
    return le.LifeExpectancyParams(year=2025, underreporting=False, use_surveillance_imr=imr, a0=a0)


def test_cd_m0_changes_a0_and_e0_as_by_hand(root: Path) -> None:
    fixed = le.compute(_params(0.1, False), root)
    cd = le.compute(_params("cd_m0", False), root)
    ages, pop, deaths = _city_data(root, None)
    m0 = deaths[0] / pop[0]
    a0 = ((0.045 + 2.684 * m0) + (0.053 + 2.800 * m0)) / 2  # 合计: mean of the male and female rules
    row, row_fixed = cd.row(CITY, "合计"), fixed.row(CITY, "合计")
    assert row and row_fixed
    assert row_fixed["a0"] == 0.1 and row_fixed["a0_rule"] == "固定值"
    assert math.isclose(row["a0"], a0, rel_tol=1e-12) and row["a0_rule"] == "Coale–Demeny（登记0岁组死亡率 m0）"
    assert math.isclose(row_fixed["e0"], _chiang_e0(ages, pop, deaths, 0.1), rel_tol=1e-12)
    assert math.isclose(row["e0"], _chiang_e0(ages, pop, deaths, a0), rel_tol=1e-12)
    # the params change moves e0, if little (with m0 ≈ 3.5‰, about 0.00008 years in the sample city)
    assert 0.04 < a0 < 0.1 and abs(row["e0"] - row_fixed["e0"]) > 1e-5
    ages_m, pop_m, deaths_m = _city_data(root, "男")
    men = cd.row(CITY, "男")
    assert men and math.isclose(men["a0"], 0.045 + 2.684 * deaths_m[0] / pop_m[0], rel_tol=1e-12)


def test_cd_imr_takes_a0_from_the_surveillance_q0(root: Path) -> None:
    result = le.compute(_params("cd_imr", True), root)
    imr = surveillance.load(root, 2025)
    assert imr is not None
    q0 = imr.city / 1000.0
    a0 = ((0.0425 + 2.875 * q0) + (0.050 + 3.000 * q0)) / 2
    row = result.row(CITY, "合计")
    assert row and row["imr_per_1000"] == imr.city
    assert math.isclose(row["a0"], a0, rel_tol=1e-12) and row["a0_rule"] == "Coale–Demeny（婴儿死亡率 q0）"
    ages, pop, deaths = _city_data(root, None)
    assert math.isclose(row["e0"], _chiang_e0(ages, pop, deaths, a0, q0), rel_tol=1e-12)
    methods = "".join(report_text.methods_text(result))
    assert f"0岁组 a0 按 Coale–Demeny 公式由婴儿死亡率推算，为{fmt.number(a0, 3)}（全市合计" in methods
    summary = le.summary_frame(result)
    assert "a0" in summary.columns and "a0_rule" in summary.columns
    assert summary.filter(pl.col("e0").is_not_null())["a0_rule"].unique().to_list() == ["Coale–Demeny（婴儿死亡率 q0）"]


def test_a0_param_is_checked() -> None:
    with pytest.raises(UserError, match="use_surveillance_imr 须为 true"):
        _params("cd_imr", False)
    with pytest.raises(UserError, match="应为 0 到 1 之间的数，或 cd_m0、cd_imr"):
        _params("coale", True)
    with pytest.raises(UserError, match="应为 0 到 1 之间的数"):
        _params(1.5, True)
    base = {f"life_expectancy.{k}": v for k, v in {"year": 2025, "open_age": 85, "underreporting": True,
                                                   "use_surveillance_imr": True, "confidence": 0.95,
                                                   "min_person_years": 5000}.items()}
    assert le.LifeExpectancyParams.from_params({**base, "life_expectancy.a0": "0.15"}).a0 == 0.15
    assert le.LifeExpectancyParams.from_params({**base, "life_expectancy.a0": " cd_m0"}).a0 == "cd_m0"
