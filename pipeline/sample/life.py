"""示例城市（模拟岳阳市）人均预期寿命测算用的示例数据：人口与登记死亡、漏报率、婴儿死亡率、规划目标。

Everything here is invented but plausible, and fully deterministic (``random.Random(seed)``, no
clock): running ``generate_life`` twice gives byte-identical files.

How the data are made, per year, county and sex:

* population: a Chinese age structure of the 2020s (few births, a large 50–69 bulge, many old
  people), tilted older in rural counties and younger in the urban districts, scaled to the
  county's mid-year population (mean of the year-end figures of ``data/reference/population.csv``
  when it has the years, else built-in approximate sizes); 2025 is 2024 aged by one year (cohort-component, with survival and fewer
  births), so the two years are consistent.
* "true" mortality: infant q0 from the city's infant mortality rate (surveillance, in
  ``maternal_child.csv``), a low child level, an accident hump for young adults, and a
  Gompertz–Makeham adult schedule whose level is solved (bisection) so that the true life
  expectancy is 75.3 (men) and 80.9 (women) in 2024, 0.3 years more in 2025; each county's
  adult mortality is multiplied by a county factor (urban districts lower, mountain/rural
  counties higher);
* true deaths ~ Poisson(m × population); registered deaths = true deaths thinned by the
  illustrative under-reporting rates of ``life_adjustments.csv`` (binomial).
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.io_utils import atomic_path

# Seed chosen so that, as in real data, registered infant mortality falls below the surveillance IMR
# in both sample years (the infant counts are small, ~70 deaths, so some seeds do not show it).
SEED = 9
YEARS: tuple[int, ...] = (2024, 2025)
AGES: tuple[int, ...] = (0, 1, *range(5, 90, 5))  # 0, 1, 5, …, 85 (85+ open)
OPEN_AGE = AGES[-1]
SEXES: tuple[str, ...] = ("男", "女")
A0 = 0.1

RAW_DIR = Path("data/raw/annual")
REFERENCE_DIR = Path("data/reference")
DEATHS_FILENAME = "life_deaths.csv"
ADJUSTMENTS_FILENAME = "life_adjustments.csv"
MATERNAL_CHILD_FILENAME = "maternal_child.csv"
TARGETS_FILENAME = "life_targets.csv"

SAMPLE_NOTE = "示例数据（虚构，仅供演示）"

# 全市婴儿死亡率（‰，妇幼卫生监测），按年份。
IMR_PER_1000: dict[int, float] = {2024: 2.8, 2025: 2.6}
# 5岁以下儿童死亡率（‰）与孕产妇死亡率（1/10万），同一监测来源，供其他报告参考。
U5MR_PER_1000: dict[int, float] = {2024: 4.1, 2025: 3.9}
MMR_PER_100K: dict[int, float] = {2024: 8.6, 2025: 7.9}

# 死亡漏报率（示例，按年龄段）：(起始年龄, 终止年龄（含，None 表示及以上）, 漏报率)。
UNDERREPORTING_BANDS: tuple[tuple[int, int | None, float], ...] = (
    (0, 0, 0.15),
    (1, 4, 0.10),
    (5, 14, 0.08),
    (15, 44, 0.06),
    (45, 64, 0.04),
    (65, None, 0.03),
)

# 规划目标：(规划, 目标年份, 人均预期寿命目标（岁）, 表述, 依据)。
TARGETS: tuple[tuple[str, int, float, str, str], ...] = (
    ("十四五", 2025, 78.0, "78岁左右", "“十四五”卫生健康规划目标"),
    ("2035", 2035, 80.0, "80岁左右", "2035年远景目标"),
)

# 真实（未漏报）死亡水平的目标：出生时预期寿命（岁）。
TRUE_E0: dict[tuple[int, str], float] = {
    (2024, "男"): 75.3,
    (2024, "女"): 80.9,
    (2025, "男"): 75.6,
    (2025, "女"): 81.2,
}


@dataclass(frozen=True)
class CountyProfile:
    """Approximate size (万人, 2024), age tilt (>0 older) and adult mortality factor of one unit."""

    size_wan: float
    age_tilt: float
    mortality: float


# Built-in profiles of the model city's county-level units (approximate, for the sample only).
PROFILES: dict[str, CountyProfile] = {
    "430602": CountyProfile(84.2, -0.12, 0.90),  # 岳阳楼区
    "430603": CountyProfile(15.1, 0.00, 1.00),  # 云溪区
    "430611": CountyProfile(18.6, 0.05, 1.02),  # 君山区
    "430621": CountyProfile(61.1, 0.08, 1.05),  # 岳阳县
    "430623": CountyProfile(55.9, 0.10, 1.06),  # 华容县
    "430624": CountyProfile(60.1, 0.06, 1.03),  # 湘阴县
    "430626": CountyProfile(88.0, 0.05, 1.10),  # 平江县
    "430671": CountyProfile(8.6, 0.10, 1.04),  # 屈原管理区
    "430681": CountyProfile(64.1, 0.04, 1.00),  # 汨罗市
    "430682": CountyProfile(39.9, 0.08, 1.05),  # 临湘市
    "430691": CountyProfile(6.4, -0.15, 0.92),  # 岳阳经济技术开发区（本地代码）
    "430692": CountyProfile(3.6, -0.10, 0.90),  # 南湖新区（本地代码）
}

# Share of the population by age group (2024, both sexes), before the county tilt.
BASE_AGE_SHARES: tuple[float, ...] = (
    0.65, 2.9, 5.4, 6.0, 5.3, 4.6, 4.9, 7.0, 6.4, 6.3,
    7.1, 8.9, 8.6, 6.6, 6.9, 5.0, 3.0, 1.9, 1.3,
)
# Share of men by age group (sex ratio at birth ~1.1, women outlive men).
MALE_SHARE: tuple[float, ...] = (
    0.530, 0.530, 0.530, 0.528, 0.525, 0.520, 0.515, 0.510, 0.508, 0.506,
    0.505, 0.503, 0.500, 0.497, 0.493, 0.480, 0.465, 0.430, 0.370,
)
BIRTHS_CHANGE = 0.93  # 2025 births relative to 2024


def _widths() -> list[int | None]:
    return [AGES[i + 1] - AGES[i] for i in range(len(AGES) - 1)] + [None]


WIDTHS: tuple[int | None, ...] = tuple(_widths())


# ---------------------------------------------------------------------------
# mortality schedule
# ---------------------------------------------------------------------------


def _shape(sex: str) -> tuple[float, float, float, float, float]:
    """(Gompertz slope B, Makeham c, hump height, child 1–4 m, sex factor of q0)."""
    if sex == "男":
        return 0.086, 0.00008, 0.00055, 0.00024, 1.12
    return 0.097, 0.00005, 0.00014, 0.00018, 0.87


def mortality_schedule(level: float, sex: str, imr_per_1000: float, factor: float = 1.0) -> list[float]:
    """Central death rates m by age group: infant from the IMR, child, hump, Gompertz–Makeham."""
    slope, makeham, hump, child, q0_factor = _shape(sex)
    q0 = imr_per_1000 / 1000.0 * q0_factor
    rates = [q0 / (1.0 - (1.0 - A0) * q0), child * factor]
    for age, width in zip(AGES[2:], WIDTHS[2:]):
        mid = age + (width / 2.0 if width is not None else 7.0)
        accident = hump * math.exp(-(((mid - 24.0) / 7.0) ** 2))
        rates.append(factor * (makeham + accident + level * math.exp(slope * mid)))
    return rates


def schedule_e0(rates: Sequence[float]) -> float:
    """e0 of a schedule by the Chiang II life table (a0 = 0.1, a = 0.5, open L = l/m)."""
    survivors = 1.0
    person_years = 0.0
    for i, m in enumerate(rates):
        width = WIDTHS[i]
        if width is None:
            return person_years + survivors / m
        a = A0 if i == 0 else 0.5
        q = width * m / (1.0 + width * (1.0 - a) * m)
        nxt = survivors * (1.0 - q)
        person_years += width * (nxt + a * (survivors - nxt))
        survivors = nxt
    raise AssertionError("unreachable")  # pragma: no cover


def solve_level(target_e0: float, sex: str, imr_per_1000: float) -> float:
    """Gompertz level giving the target e0 (bisection on the log scale, fixed iterations)."""
    low, high = math.log(1e-7), math.log(1e-3)
    for _ in range(80):
        mid = (low + high) / 2.0
        if schedule_e0(mortality_schedule(math.exp(mid), sex, imr_per_1000)) > target_e0:
            low = mid
        else:
            high = mid
    return math.exp((low + high) / 2.0)


# ---------------------------------------------------------------------------
# random draws (pure Python, deterministic)
# ---------------------------------------------------------------------------


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam < 50:
        limit = math.exp(-lam)
        k, p = 0, rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
        return k
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


def _binomial(rng: random.Random, n: int, p: float) -> int:
    if n <= 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    if n < 60:
        return sum(1 for _ in range(n) if rng.random() < p)
    mean, sd = n * p, math.sqrt(n * p * (1.0 - p))
    return min(n, max(0, round(rng.gauss(mean, sd))))


# ---------------------------------------------------------------------------
# inputs from the reference folder
# ---------------------------------------------------------------------------


def county_codes(root: Path) -> list[str]:
    """County-level units (every row of regions.csv whose region_kind is not 市), in code order."""
    from pipeline.monthly.indicators import load_regions

    return load_regions(root / REFERENCE_DIR / "regions.csv").unit_codes


_POPULATION_COLUMNS = ("population", "常住人口", "年末常住人口", "户籍人口", "人口", "人口数")


def population_totals(root: Path, year: int) -> dict[str, float]:
    """{region_code: population} for `year` from data/reference/population.csv, if it has that year.

    Accepts a long table with ``region_code``, ``year`` and a population column (first of
    population/常住人口/年末常住人口/户籍人口/人口/人口数 present). Returns {} when the file, the
    columns or the year are absent; the caller then uses the built-in sizes.
    """
    path = root / REFERENCE_DIR / "population.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        value_col = next((c for c in _POPULATION_COLUMNS if c in header), None)
        if "region_code" not in header or value_col is None:
            return {}
        totals: dict[str, float] = {}
        for row in reader:
            if "year" in header and str(row.get("year", "")).strip() != str(year):
                continue
            try:
                value = float(str(row[value_col]).replace(",", ""))
            except (TypeError, ValueError):
                continue
            code = str(row["region_code"]).strip()
            totals[code] = totals.get(code, 0.0) + value
    return totals


def average_population(root: Path, codes: Sequence[str]) -> dict[int, dict[str, float]]:
    """Mid-year (average) population per year and county from population.csv's year-end figures.

    年平均人口 = (上年末 + 本年末) / 2 when both years are in the file, else the year-end figure;
    a year is used only if every county has a value.
    """
    year_end = {y: population_totals(root, y) for y in (YEARS[0] - 1, *YEARS)}
    result: dict[int, dict[str, float]] = {}
    for year in YEARS:
        current, previous = year_end[year], year_end[year - 1]
        if not all(c in current for c in codes):
            continue
        result[year] = {
            c: (current[c] + previous[c]) / 2.0 if c in previous else current[c] for c in codes
        }
    return result


# ---------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LifeSampleSummary:
    """What generate_life wrote (relative paths) and the headline figures."""

    files: tuple[Path, ...]
    counties: int
    population: dict[int, int]
    deaths_registered: dict[int, int]
    deaths_true: dict[int, int]


def _profile(code: str, rng: random.Random) -> CountyProfile:
    known = PROFILES.get(code)
    if known is not None:
        return known
    return CountyProfile(10.0, rng.uniform(-0.1, 0.1), rng.uniform(0.95, 1.08))


def _age_structure(total: float, tilt: float) -> dict[str, list[float]]:
    """Population by sex and age group for a unit of `total` people with an age tilt."""
    weights = []
    for age, width, share in zip(AGES, WIDTHS, BASE_AGE_SHARES):
        mid = age + (width / 2.0 if width is not None else 5.0)
        weights.append(share * math.exp(tilt * (mid - 42.0) / 20.0))
    scale = total / math.fsum(weights)
    both = [w * scale for w in weights]
    return {"男": [b * s for b, s in zip(both, MALE_SHARE)], "女": [b * (1 - s) for b, s in zip(both, MALE_SHARE)]}


def _age_one_year(pop: Sequence[float], rates: Sequence[float]) -> list[float]:
    """Next year's population by age group: survive, move 1/n of each group up, fewer births."""
    survive = [math.exp(-m) for m in rates]
    out = [0.0] * len(pop)
    out[0] = pop[0] * BIRTHS_CHANGE
    for i in range(1, len(pop)):
        width = WIDTHS[i]
        stay = pop[i] * survive[i] * (1.0 - 1.0 / width) if width is not None else pop[i] * survive[i]
        prev_width = WIDTHS[i - 1]
        assert prev_width is not None
        out[i] = stay + pop[i - 1] * survive[i - 1] / prev_width
    return out


def underreporting_rate(age: int) -> float:
    for start, end, rate in UNDERREPORTING_BANDS:
        if age >= start and (end is None or age <= end):
            return rate
    raise AssertionError(f"no under-reporting band for age {age}")  # pragma: no cover


def _csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _write(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _fmt_rate(value: float) -> str:
    return repr(float(value))


def reference_files() -> dict[Path, bytes]:
    """The three small reference tables (relative path → bytes)."""
    adjustments = _csv_bytes(
        ("age_from", "age_to", "underreporting_rate", "source"),
        [(a, "" if b is None else b, _fmt_rate(r), SAMPLE_NOTE + "，应替换为本地死亡漏报调查结果")
         for a, b, r in UNDERREPORTING_BANDS],
    )
    maternal = _csv_bytes(
        ("year", "imr_per_1000", "u5mr_per_1000", "mmr_per_100k", "source"),
        [(y, _fmt_rate(IMR_PER_1000[y]), _fmt_rate(U5MR_PER_1000[y]), _fmt_rate(MMR_PER_100K[y]),
          SAMPLE_NOTE + "，妇幼卫生监测") for y in YEARS],
    )
    targets = _csv_bytes(
        ("plan", "target_year", "e0_target", "wording", "source"),
        [(p, y, _fmt_rate(v), w, s) for p, y, v, w, s in TARGETS],
    )
    return {
        REFERENCE_DIR / ADJUSTMENTS_FILENAME: adjustments,
        REFERENCE_DIR / MATERNAL_CHILD_FILENAME: maternal,
        REFERENCE_DIR / TARGETS_FILENAME: targets,
    }


def life_data(codes: Sequence[str], totals: Mapping[int, Mapping[str, float]], seed: int = SEED
              ) -> tuple[dict[int, bytes], dict[str, dict[int, int]]]:
    """CSV bytes of life_deaths.csv per year, and headline counts {population, registered, true}."""
    rng = random.Random(seed)
    profiles = {code: _profile(code, rng) for code in codes}
    # County mortality factors: built-in level × small noise, normalised to a population-weighted mean of 1.
    noise = {code: math.exp(rng.gauss(0.0, 0.03)) for code in codes}
    raw_factor = {code: profiles[code].mortality * noise[code] for code in codes}
    weight = {code: profiles[code].size_wan for code in codes}
    mean = math.fsum(raw_factor[c] * weight[c] for c in codes) / math.fsum(weight.values())
    factor = {code: raw_factor[code] / mean for code in codes}

    levels = {(y, s): solve_level(TRUE_E0[(y, s)], s, IMR_PER_1000[y]) for y in YEARS for s in SEXES}
    rates = {
        (y, s, c): mortality_schedule(levels[(y, s)], s, IMR_PER_1000[y], factor[c])
        for y in YEARS for s in SEXES for c in codes
    }

    # Expected population: 2024 from the age structure, 2025 by ageing 2024 one year.
    expected: dict[tuple[int, str, str], list[float]] = {}
    first = YEARS[0]
    for code in codes:
        total = totals.get(first, {}).get(code, profiles[code].size_wan * 10000.0)
        structure = _age_structure(total, profiles[code].age_tilt)
        for sex in SEXES:
            expected[(first, sex, code)] = structure[sex]
    for year in YEARS[1:]:
        for code in codes:
            aged = {sex: _age_one_year(expected[(year - 1, sex, code)], rates[(year - 1, sex, code)])
                    for sex in SEXES}
            target = totals.get(year, {}).get(code)
            scale = 1.0 if target is None else target / math.fsum(aged["男"] + aged["女"])
            for sex in SEXES:
                expected[(year, sex, code)] = [p * scale for p in aged[sex]]

    files: dict[int, bytes] = {}
    counts: dict[str, dict[int, int]] = {"population": {}, "registered": {}, "true": {}}
    for year in YEARS:
        rows: list[tuple[object, ...]] = []
        pop_sum = reg_sum = true_sum = 0
        for code in codes:
            for sex in SEXES:
                for i, age in enumerate(AGES):
                    population = max(1, round(expected[(year, sex, code)][i] * (1.0 + rng.gauss(0.0, 0.004))))
                    true_deaths = min(population, _poisson(rng, rates[(year, sex, code)][i] * population))
                    registered = _binomial(rng, true_deaths, 1.0 - underreporting_rate(age))
                    if age == OPEN_AGE:
                        registered = max(1, registered)
                    rows.append((code, sex, age, population, registered))
                    pop_sum += population
                    reg_sum += registered
                    true_sum += true_deaths
        files[year] = _csv_bytes(("region_code", "sex", "age", "population", "deaths"), rows)
        counts["population"][year] = pop_sum
        counts["registered"][year] = reg_sum
        counts["true"][year] = true_sum
    return files, counts


def generate_life(root: Path) -> LifeSampleSummary:
    """Write the sample life-expectancy inputs under `root` (byte-identical on every run).

    Reads data/reference/regions.csv (county-level units) and, when present, population.csv
    (county totals per year); writes data/raw/annual/<year>/life_deaths.csv for 2024 and 2025,
    and data/reference/life_adjustments.csv, maternal_child.csv and life_targets.csv.
    """
    root = Path(root)
    codes = county_codes(root)
    totals = average_population(root, codes)
    data, counts = life_data(codes, totals)
    written: list[Path] = []
    for rel, content in reference_files().items():
        _write(root / rel, content)
        written.append(rel)
    for year, content in data.items():
        rel = RAW_DIR / str(year) / DEATHS_FILENAME
        _write(root / rel, content)
        written.append(rel)
    return LifeSampleSummary(
        files=tuple(written),
        counties=len(codes),
        population=counts["population"],
        deaths_registered=counts["registered"],
        deaths_true=counts["true"],
    )


def summary_text(summary: LifeSampleSummary) -> str:
    """One Chinese line per year for the sample-data command."""
    lines = [f"人均预期寿命示例数据：{summary.counties} 个县级单位，年份 {'、'.join(str(y) for y in summary.population)}"]
    for year, pop in summary.population.items():
        lines.append(f"  {year}年：人口 {pop:,}，登记死亡 {summary.deaths_registered[year]:,}"
                     f"（按示例漏报率，实际死亡 {summary.deaths_true[year]:,}）")
    return "\n".join(lines)
