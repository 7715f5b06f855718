"""重大慢性病过早死亡率（WHO 法，SDG 3.4.1 / 健康中国行动的“重大慢性病过早死亡率”）。

The unconditional probability of dying between exact ages 30 and 70 from cardiovascular disease,
cancer, diabetes or chronic respiratory disease (WHO Global Monitoring Framework for NCDs, 2014;
WHO Global Health Observatory indicator metadata, "Probability of dying between exact ages 30 and 70
from any of cardiovascular disease, cancer, diabetes, or chronic respiratory disease"):

1. for each five-year age group x = 30, 35, …, 65: M(x) = deaths from the four cause groups /
   population of the group (both sexes together, unless computed per sex);
2. 5q(x) = 5·M(x) / (1 + 2.5·M(x))   (the life-table conversion with deaths at mid-interval);
3. 40q30 = 1 − Π (1 − 5q(x)) over the eight groups.

Functions return a probability (0–1); the catalogue's ``scale: 100`` makes it a percentage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

AGES: tuple[int, ...] = tuple(range(30, 70, 5))  # 30, 35, …, 65 (the group 65–69 is the last)
WIDTH = 5


class MortalityInputError(ValueError):
    """The age groups or populations do not allow the WHO computation (message in Chinese)."""


def five_year_q(rate: float) -> float:
    """5q(x) from the age-specific death rate M(x): 5M / (1 + 2.5M)."""
    if rate < 0:
        raise MortalityInputError(f"死亡率不能为负：{rate}")
    return WIDTH * rate / (1 + WIDTH / 2 * rate)


def probability_30_70(rates: Mapping[int, float]) -> float:
    """1 − Π(1 − 5q(x)) over x = 30, 35, …, 65, from the age-specific rates M(x)."""
    missing = [a for a in AGES if a not in rates]
    if missing:
        raise MortalityInputError(f"缺少年龄组：{'、'.join(f'{a}–{a + 4}岁' for a in missing)}")
    survival = 1.0
    for age in AGES:
        survival *= 1 - five_year_q(float(rates[age]))
    return 1 - survival


def probability_from_counts(deaths: Mapping[int, float], population: Mapping[int, float]) -> float:
    """The same from deaths and populations per age group (start ages 30 … 65)."""
    rates = {}
    for age in AGES:
        pop = float(population.get(age, 0) or 0)
        if pop <= 0:
            raise MortalityInputError(f"{age}–{age + 4}岁组人口为 0 或缺失")
        rates[age] = float(deaths.get(age, 0) or 0) / pop
    return probability_30_70(rates)


def premature_mortality(frame: pl.DataFrame, causes: Sequence[str], by: Sequence[str]) -> pl.DataFrame:
    """40q30 for every group of `by` (e.g. region_code, year), from rows of (by…, age, population, causes…).

    Sexes (and any other extra columns) are summed within each age group first, so the result is the
    probability for both sexes together. A group whose ages are incomplete or whose population is zero
    gets a null value and the reason in ``note``.
    """
    agg = (
        frame.filter(pl.col("age").is_in(list(AGES)))
        .group_by([*by, "age"])
        .agg(pl.col("population").sum(), pl.sum_horizontal([pl.col(c) for c in causes]).sum().alias("deaths"))
    )
    rows = []
    for key, part in agg.group_by(list(by), maintain_order=True):
        deaths = dict(zip(part["age"].to_list(), part["deaths"].to_list()))
        pop = dict(zip(part["age"].to_list(), part["population"].to_list()))
        try:
            value, note = probability_from_counts(deaths, pop), ""
        except MortalityInputError as exc:
            value, note = None, str(exc)
        rows.append({**dict(zip(by, key)), "value": value, "note": note})
    schema = {**{c: frame.schema[c] for c in by}, "value": pl.Float64, "note": pl.Utf8}
    return pl.DataFrame(rows, schema=schema).sort(list(by))
