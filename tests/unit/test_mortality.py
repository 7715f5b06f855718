"""重大慢性病过早死亡率（WHO 法）：手算例、公开发表的算例、性质检验。"""

from __future__ import annotations

import csv
import math

import polars as pl
import pytest

from pipeline.life import mortality
from pipeline.life.mortality import MortalityInputError
from tests.helpers import REPO

AGES = mortality.AGES

# Hand-worked example: 100 000 people in every five-year group 30–34 … 65–69 and these deaths from the
# four cause groups. Worked by hand (calculator), M = deaths / 100 000, 5q = 5M / (1 + 2.5M):
#   30: M=0.0005 → 0.0025/1.00125  = 0.002496879      50: M=0.004 → 0.02/1.01    = 0.019801980
#   35: M=0.0008 → 0.004/1.002     = 0.003992016      55: M=0.006 → 0.03/1.015   = 0.029556650
#   40: M=0.0015 → 0.0075/1.00375  = 0.007471980      60: M=0.009 → 0.045/1.0225 = 0.044009780
#   45: M=0.0025 → 0.0125/1.00625  = 0.012422360      65: M=0.013 → 0.065/1.0325 = 0.062953995
# Π(1 − 5q) = 0.997503121 × 0.996007984 × … × 0.937046005 = 0.829830665, so 40q30 = 0.170169335 (17.02 %).
HAND_DEATHS = {30: 50, 35: 80, 40: 150, 45: 250, 50: 400, 55: 600, 60: 900, 65: 1300}
HAND_Q = {30: 0.002496879, 35: 0.003992016, 40: 0.007471980, 45: 0.012422360, 50: 0.019801980,
          55: 0.029556650, 60: 0.044009780, 65: 0.062953995}
HAND_RESULT = 0.170169335


def test_hand_worked_five_year_probabilities() -> None:
    for age, deaths in HAND_DEATHS.items():
        assert mortality.five_year_q(deaths / 100_000) == pytest.approx(HAND_Q[age], abs=5e-10)


def test_hand_worked_probability_30_70() -> None:
    pop = {a: 100_000 for a in AGES}
    assert mortality.probability_from_counts(HAND_DEATHS, pop) == pytest.approx(HAND_RESULT, abs=5e-10)
    rates = {a: d / 100_000 for a, d in HAND_DEATHS.items()}
    assert mortality.probability_30_70(rates) == pytest.approx(HAND_RESULT, abs=5e-10)


def test_published_example_phe_life_table() -> None:
    """Published inputs and outputs: the worked example of the R package PHEindicatormethods (Public Health
    England / UKHSA; tests/fixtures/lifetable/README.md), whose deaths and populations by five-year age group and
    published life expectancies e(x) are in tests/fixtures/lifetable/phe_indicatormethods_example.csv.

    That life table uses a = 0.5 for these ages, i.e. the same q = 5M/(1 + 2.5M) as the WHO indicator, and
    L(x) = 2.5(l(x) + l(x+5)). With T(x) = e(x)·l(x) and T(x) − T(x+5) = L(x) the published e(x) alone give
    l(x+5)/l(x) = (e(x) − 2.5)/(e(x+5) + 2.5), so the all-cause probability of dying between 30 and 70 printed
    implicitly by that table is 1 − Π (e(x) − 2.5)/(e(x+5) + 2.5). Our WHO computation on the published deaths
    and populations must reproduce it (to the precision of the published e(x), 8 decimals)."""
    rows = list(csv.DictReader((REPO / "tests/fixtures/lifetable/phe_indicatormethods_example.csv").open()))
    by_age = {int(r["age"]): r for r in rows}
    deaths = {a: float(by_age[a]["deaths"]) for a in AGES}
    pops = {a: float(by_age[a]["population"]) for a in AGES}
    ours = mortality.probability_from_counts(deaths, pops)
    survival = math.prod((float(by_age[a]["published_ex"]) - 2.5) / (float(by_age[a + 5]["published_ex"]) + 2.5)
                         for a in AGES)
    assert ours == pytest.approx(1 - survival, abs=1e-8)
    assert ours == pytest.approx(0.16041865, abs=1e-8)


def test_constant_rate_closed_form() -> None:
    m = 0.004
    expected = 1 - (1 - 5 * m / (1 + 2.5 * m)) ** 8
    assert mortality.probability_30_70({a: m for a in AGES}) == pytest.approx(expected, rel=1e-14)


def test_zero_deaths_give_zero_and_rates_must_be_non_negative() -> None:
    assert mortality.probability_30_70({a: 0.0 for a in AGES}) == 0.0
    with pytest.raises(MortalityInputError):
        mortality.five_year_q(-0.001)


def test_missing_age_group_or_population_is_an_error() -> None:
    rates = {a: 0.001 for a in AGES if a != 45}
    with pytest.raises(MortalityInputError, match="45–49岁"):
        mortality.probability_30_70(rates)
    with pytest.raises(MortalityInputError, match="人口为 0"):
        mortality.probability_from_counts({a: 1 for a in AGES}, {a: (0 if a == 60 else 1000) for a in AGES})


def test_frame_sums_sexes_before_the_rates() -> None:
    """Both sexes together = rates from summed deaths and populations, not an average of two probabilities."""
    rows = []
    for age in AGES:
        rows.append({"region_code": "A", "sex": "男", "age": age, "population": 60_000, "cvd": HAND_DEATHS[age] * 0.8,
                     "cancer": HAND_DEATHS[age] * 0.2})
        rows.append({"region_code": "A", "sex": "女", "age": age, "population": 40_000, "cvd": 0.0, "cancer": 0.0})
    frame = pl.DataFrame(rows)
    out = mortality.premature_mortality(frame, ["cvd", "cancer"], ["region_code"])
    assert out["value"][0] == pytest.approx(HAND_RESULT, abs=5e-10)
    assert out["note"][0] == ""


def test_frame_incomplete_group_is_null_with_reason() -> None:
    frame = pl.DataFrame({"region_code": ["B"] * 7, "sex": ["男"] * 7, "age": list(AGES[:7]),
                          "population": [1000] * 7, "d": [1.0] * 7})
    out = mortality.premature_mortality(frame, ["d"], ["region_code"])
    assert out["value"][0] is None
    assert "65–69岁" in out["note"][0]
