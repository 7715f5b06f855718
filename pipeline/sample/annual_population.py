"""年度示例数据中按人口生成的文件：妇幼监测、分死因死亡（重大慢性病过早死亡率）、托育。"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Mapping
from pathlib import Path

from pipeline.errors import UserError
from pipeline.sample import city as sd
from pipeline.sample.annual_constants import (
    CHILDCARE_PER_1000,
    CITY,
    MATERNAL_CHILD,
    MONTHLY_YEARS,
    PREMATURE_NCD,
    RAW_DIR,
    REF_DIR,
    REF_YEAR,
)
from pipeline.sample.annual_rows import _largest_remainder, _noise, _solve


# --------------------------------------------------------------------------------------
# population-based files
# --------------------------------------------------------------------------------------
def _read_population(root: Path) -> dict[tuple[str, int], int]:
    path = root / REF_DIR / "population.csv"
    if not path.is_file():
        raise UserError(f"找不到 {path}", hint="请先运行 sample_data.generate（python -m pipeline sample-data）")
    with path.open(encoding="utf-8", newline="") as fh:
        return {(r["region_code"], int(r["year"])): int(r["population"]) for r in csv.DictReader(fh)}


def _read_life_deaths(root: Path, year: int) -> list[dict[str, str]]:
    path = root / RAW_DIR / str(year) / "life_deaths.csv"
    if not path.is_file():
        raise UserError(f"找不到 {path}", hint="请先运行 life_sample.generate_life（python -m pipeline sample-data）")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _counties() -> list[str]:
    return [r.code for r in sd.REGIONS]


def maternal_child_rows(seed: int, population: Mapping[tuple[str, int], int], year: int) -> list[tuple[object, ...]]:
    births, mat, inf, u5 = MATERNAL_CHILD[year]
    r = random.Random(f"{seed}:maternal:{year}")
    codes = _counties()
    risk = {c: (0.85 if c in ("430602", "430691", "430692") else 1.1 if c in ("430626", "430623") else 1.0)
            for c in codes}
    b = _largest_remainder(births, [population[(c, year)] * r.uniform(0.9, 1.1) for c in codes])
    i = _largest_remainder(inf, [b[k] * risk[c] * r.uniform(0.7, 1.3) for k, c in enumerate(codes)])
    older = _largest_remainder(u5 - inf, [b[k] * risk[c] * r.uniform(0.7, 1.3) for k, c in enumerate(codes)])
    m = _largest_remainder(mat, [b[k] * risk[c] * r.uniform(0.2, 1.8) for k, c in enumerate(codes)])
    return [(c, b[k], m[k], i[k], i[k] + older[k]) for k, c in enumerate(codes)]


NCD_SHARE = {30: 0.38, 35: 0.45, 40: 0.55, 45: 0.63, 50: 0.70, 55: 0.75, 60: 0.79, 65: 0.81}
# cause split by age: (cardiovascular, cancer, diabetes, chronic respiratory)
CAUSE_SPLIT = {30: (0.33, 0.58, 0.04, 0.05), 35: (0.34, 0.57, 0.04, 0.05), 40: (0.35, 0.55, 0.04, 0.06),
               45: (0.36, 0.53, 0.05, 0.06), 50: (0.38, 0.50, 0.05, 0.07), 55: (0.40, 0.47, 0.05, 0.08),
               60: (0.41, 0.45, 0.05, 0.09), 65: (0.43, 0.42, 0.05, 0.10)}
NCD_AGES = tuple(range(30, 70, 5))
CAUSES = ("cardiovascular", "cancer", "diabetes", "chronic_respiratory")


def _q3070(cells: Iterable[tuple[int, float, float]]) -> float:
    """WHO 40q30 (%) from (age, population, deaths) cells summed over regions and sexes."""
    pop: dict[int, float] = {a: 0.0 for a in NCD_AGES}
    dead: dict[int, float] = {a: 0.0 for a in NCD_AGES}
    for age, p, d in cells:
        pop[age] += p
        dead[age] += d
    surv = 1.0
    for a in NCD_AGES:
        m = dead[a] / pop[a]
        surv *= 1 - 5 * m / (1 + 2.5 * m)
    return (1 - surv) * 100


def deaths_by_cause_rows(seed: int, root: Path, population: Mapping[tuple[str, int], int]
                         ) -> dict[int, list[tuple[object, ...]]]:
    """(region_code, sex, age, population, four causes) for every year, calibrated to PREMATURE_NCD."""
    base: dict[int, list[dict[str, str]]] = {}
    for year in MONTHLY_YEARS:
        base[year] = [row for row in _read_life_deaths(root, year) if int(row["age"]) in NCD_AGES]
    out: dict[int, list[tuple[object, ...]]] = {}
    ncd_rate_2024: dict[tuple[str, str, int], float] = {}
    pop_2024: dict[tuple[str, str, int], int] = {}
    for year in MONTHLY_YEARS:
        rows = base[year]
        noise = {(row["region_code"], row["sex"], int(row["age"])):
                 _noise(random.Random(f"{seed}:ncd:{year}:{row['region_code']}:{row['sex']}:{row['age']}"), 0.03, 0.08)
                 for row in rows}

        def deaths(k: float, row: dict[str, str]) -> int:
            key = (row["region_code"], row["sex"], int(row["age"]))
            share = min(0.93, NCD_SHARE[int(row["age"])] * k * noise[key])
            return round(int(row["deaths"]) * share)

        def value(k: float) -> float:
            return _q3070((int(row["age"]), float(row["population"]), deaths(k, row)) for row in rows)

        k = _solve(value, PREMATURE_NCD[year])
        out[year] = [_split_causes(seed, year, row["region_code"], row["sex"], int(row["age"]),
                                   int(row["population"]), deaths(k, row)) for row in rows]
        if year == REF_YEAR:
            for row in rows:
                key = (row["region_code"], row["sex"], int(row["age"]))
                pop_2024[key] = int(row["population"])
                ncd_rate_2024[key] = deaths(k, row) / int(row["population"])
    for year in (2020, 2021, 2022, 2023):
        cells = []
        for (code, sex, age), p24 in sorted(pop_2024.items()):
            ratio = population[(code, year)] / population[(code, REF_YEAR)]
            ageing = 1 - 0.004 * (REF_YEAR - year) * (age - 47.5) / 17.5
            cells.append((code, sex, age, round(p24 * ratio * ageing)))
        noise = {c[:3]: _noise(random.Random(f"{seed}:ncd:{year}:{c[0]}:{c[1]}:{c[2]}"), 0.04, 0.1) for c in cells}

        def deaths_y(k: float, c: tuple[str, str, int, int]) -> int:
            return round(c[3] * ncd_rate_2024[c[:3]] * k * noise[c[:3]])

        def value_y(k: float) -> float:
            return _q3070((c[2], float(c[3]), deaths_y(k, c)) for c in cells)

        k = _solve(value_y, PREMATURE_NCD[year])
        out[year] = [_split_causes(seed, year, c[0], c[1], c[2], c[3], deaths_y(k, c)) for c in cells]
    return out


def _split_causes(seed: int, year: int, code: str, sex: str, age: int, pop: int, total: int) -> tuple[object, ...]:
    r = random.Random(f"{seed}:causes:{year}:{code}:{sex}:{age}")
    weights = [w * r.uniform(0.85, 1.15) for w in CAUSE_SPLIT[age]]
    if sex == "女":
        weights[1] *= 1.15  # relatively more cancer deaths among women of working age
    parts = _largest_remainder(total, weights)
    return (code, sex, age, pop, *parts)


def childcare_rows(seed: int, population: Mapping[tuple[str, int], int], year: int) -> list[tuple[object, ...]]:
    codes = _counties()
    r = random.Random(f"{seed}:childcare:{year}")
    total = round(CHILDCARE_PER_1000[year] * population[(CITY, year)] / 1000)
    urban = {"430602": 1.5, "430691": 1.4, "430692": 1.6, "430603": 1.1}
    places = _largest_remainder(total, [population[(c, year)] * urban.get(c, 0.9) * r.uniform(0.85, 1.15)
                                        for c in codes])
    return [(c, places[k]) for k, c in enumerate(codes)]


