"""年度示例数据中的公共卫生各章：法定传染病报告、预防接种、基本公共卫生服务项目、卫生监督、医养结合（按县市区）。

Every file has one row per county-level unit (全市 = Σ units, as ``maternal_child.csv``); the city totals follow the
yearly rates below and are split over the units by population with seeded noise (largest remainder, so the city
totals are exact). Only ``random.Random`` with string seeds is used; no clock.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from pipeline.sample import city as sd
from pipeline.sample.annual_constants import CITY, MATERNAL_CHILD
from pipeline.sample.annual_rows import _largest_remainder

# 法定传染病（全市，按年末常住人口）：甲乙类报告发病率、死亡率，丙类报告发病率（1/10万），丙类死亡数
INFECTIOUS: dict[int, tuple[float, float, float, int]] = {
    2020: (184.6, 1.62, 262.3, 0), 2021: (197.9, 1.58, 408.7, 1), 2022: (176.2, 1.71, 351.4, 0),
    2023: (214.8, 1.55, 978.6, 2), 2024: (207.5, 1.49, 761.2, 1), 2025: (200.9, 1.44, 688.0, 1),
}
# 预防接种：国家免疫规划疫苗接种率（%）、应种剂次 / 活产数、报告接种剂次 / 国家免疫规划实种剂次
IMMUNIZATION: dict[int, tuple[float, float, float]] = {
    2020: (98.62, 13.4, 1.21), 2021: (98.81, 13.6, 1.24), 2022: (98.74, 13.9, 1.22),
    2023: (98.93, 14.1, 1.27), 2024: (99.05, 14.2, 1.30), 2025: (99.12, 14.3, 1.32),
}
# 基本公共卫生服务：65岁及以上人口占比、老年人健康管理率、高血压/糖尿病患者管理人数占人口比、规范管理率、建档率
BASIC_PH: dict[int, tuple[float, float, float, float, float, float, float]] = {
    2020: (0.1552, 0.612, 0.0468, 0.702, 0.0161, 0.688, 0.874),
    2021: (0.1594, 0.628, 0.0481, 0.713, 0.0167, 0.697, 0.881),
    2022: (0.1637, 0.641, 0.0493, 0.722, 0.0172, 0.705, 0.889),
    2023: (0.1681, 0.659, 0.0506, 0.734, 0.0178, 0.716, 0.896),
    2024: (0.1726, 0.673, 0.0519, 0.746, 0.0184, 0.727, 0.903),
    2025: (0.1772, 0.688, 0.0531, 0.758, 0.0189, 0.739, 0.909),
}
# 卫生监督：监督检查户次、行政处罚案件数、罚没款（万元），全市
SUPERVISION: dict[int, tuple[int, int, float]] = {
    2020: (16420, 612, 318.40), 2021: (17385, 688, 352.75), 2022: (16950, 641, 331.20),
    2023: (18240, 735, 389.60), 2024: (18910, 768, 402.35), 2025: (19460, 742, 391.80),
}
# 医养结合：机构数、每机构床位数、两证齐全的比例，全市
ELDERLY_CARE: dict[int, tuple[int, float, float]] = {
    2020: (38, 112.0, 0.71), 2021: (43, 114.5, 0.74), 2022: (47, 117.0, 0.77),
    2023: (52, 118.5, 0.79), 2024: (57, 120.0, 0.82), 2025: (62, 121.5, 0.85),
}

PUBLIC_FILES: dict[str, tuple[str, ...]] = {
    "infectious_diseases.csv": ("region_code", "ab_cases", "ab_deaths", "c_cases", "c_deaths"),
    "immunization.csv": ("region_code", "nip_due", "nip_given", "doses_reported"),
    "basic_public_health.csv": ("region_code", "elderly_residents", "elderly_managed", "htn_managed", "htn_standard",
                                "dm_managed", "dm_standard", "ehr_residents"),
    "health_supervision.csv": ("region_code", "inspections", "penalty_cases", "fines"),
    "elderly_care.csv": ("region_code", "integrated_institutions", "integrated_beds", "dual_licensed"),
}


def _split(total: int, weights: Sequence[float]) -> list[int]:
    return _largest_remainder(total, list(weights))


def _weights(seed: int, key: str, year: int, population: Mapping[tuple[str, int], int],
             spread: float = 0.15) -> list[float]:
    r = random.Random(f"{seed}:{key}:{year}")
    return [population[(u.code, year)] * r.uniform(1 - spread, 1 + spread) for u in sd.REGIONS]


def _parts(seed: int, key: str, year: int, population: Mapping[tuple[str, int], int], whole: Sequence[int],
           share: float, spread: float = 0.04) -> list[int]:
    """A part of each unit's ``whole`` (e.g. 规范管理 of 管理), city share ``share``, never above the whole."""
    r = random.Random(f"{seed}:{key}:part:{year}")
    total = round(sum(whole) * share)
    parts = _split(total, [w * min(1.0, share * r.uniform(1 - spread, 1 + spread)) for w in whole])
    return [min(p, w) for p, w in zip(parts, whole)]


def public_health_rows(seed: int, population: Mapping[tuple[str, int], int], year: int
                       ) -> dict[str, list[tuple[object, ...]]]:
    """The five files of one year: {file name: rows in :data:`PUBLIC_FILES` column order}."""
    codes = [u.code for u in sd.REGIONS]
    pop = population[(CITY, year)]
    ab_rate, ab_mort, c_rate, c_deaths = INFECTIOUS[year]
    ab = _split(round(ab_rate * pop / 1e5), _weights(seed, "ab", year, population))
    ab_d = _split(round(ab_mort * pop / 1e5), _weights(seed, "ab_d", year, population, 0.4))
    c = _split(round(c_rate * pop / 1e5), _weights(seed, "c", year, population, 0.3))
    c_d = _split(c_deaths, _weights(seed, "c_d", year, population, 0.5))

    cover, due_per_birth, doses_factor = IMMUNIZATION[year]
    due = _split(round(MATERNAL_CHILD[year][0] * due_per_birth), _weights(seed, "nip", year, population, 0.08))
    given = _parts(seed, "nip", year, population, due, cover / 100, 0.004)
    doses = [round(g * doses_factor) for g in given]

    old_share, old_rate, htn_share, htn_rate, dm_share, dm_rate, ehr_rate = BASIC_PH[year]
    elderly = _split(round(pop * old_share), _weights(seed, "old", year, population, 0.1))
    htn = _split(round(pop * htn_share), _weights(seed, "htn", year, population, 0.1))
    dm = _split(round(pop * dm_share), _weights(seed, "dm", year, population, 0.1))
    ehr = _parts(seed, "ehr", year, population, [population[(k, year)] for k in codes], ehr_rate, 0.03)
    old_m = _parts(seed, "old", year, population, elderly, old_rate)
    htn_s = _parts(seed, "htn", year, population, htn, htn_rate)
    dm_s = _parts(seed, "dm", year, population, dm, dm_rate)

    checks, cases, fines = SUPERVISION[year]
    ins = _split(checks, _weights(seed, "ins", year, population, 0.2))
    pen = _split(cases, _weights(seed, "pen", year, population, 0.35))
    fen = _split(round(fines * 100), [p + 0.5 for p in pen])  # 罚没款 in 0.01 万元, roughly by cases

    n_inst, beds_per, dual_share = ELDERLY_CARE[year]
    inst = _split(n_inst, _weights(seed, "yy", year, population, 0.3))
    beds = [b if i else 0 for b, i in zip(_split(round(n_inst * beds_per), [i + 0.2 for i in inst]), inst)]
    beds[inst.index(max(inst))] += round(n_inst * beds_per) - sum(beds)  # units without one have no beds
    dual = _parts(seed, "dual", year, population, inst, dual_share, 0.1)
    return {
        "infectious_diseases.csv": [(k, ab[i], ab_d[i], c[i], c_d[i]) for i, k in enumerate(codes)],
        "immunization.csv": [(k, due[i], given[i], doses[i]) for i, k in enumerate(codes)],
        "basic_public_health.csv": [(k, elderly[i], old_m[i], htn[i], htn_s[i], dm[i], dm_s[i], ehr[i])
                                    for i, k in enumerate(codes)],
        "health_supervision.csv": [(k, ins[i], pen[i], f"{fen[i] / 100:.2f}") for i, k in enumerate(codes)],
        "elderly_care.csv": [(k, inst[i], beds[i], dual[i]) for i, k in enumerate(codes)],
    }


# data/README.md 第 6 节（pipeline/sample/annual.py 的 readme_section）中这五个文件的行
PUBLIC_TREE: tuple[str, ...] = (
    "├── infectious_diseases.csv        法定传染病报告：甲乙类、丙类发病数与死亡数（按县市区）",
    "├── immunization.csv               预防接种：国家免疫规划疫苗应种、实种剂次与报告接种剂次（按县市区）",
    "├── basic_public_health.csv        基本公共卫生服务项目：老年人健康管理、高血压和2型糖尿病患者管理、电子健康档案（按县市区）",
    "├── health_supervision.csv         卫生监督：监督检查户次、行政处罚案件数、罚没款（按县市区）",
    "├── elderly_care.csv               医养结合：机构数、床位数、两证齐全的机构数（按县市区）",
)
PUBLIC_ROWS: tuple[str, ...] = (
    ("| infectious_diseases.csv | region_code, ab_cases, ab_deaths, c_cases, c_deaths | 法定传染病报告（按现住址）："
      "甲乙类、丙类传染病报告发病数（例）与死亡数（人）；全市 = 各单位之和。发病率、死亡率按年末常住人口"
      "（`data/reference/population.csv`）计算，单位 1/10万 |"),
    ("| immunization.csv | region_code, nip_due, nip_given, doses_reported | 国家免疫规划疫苗应种剂次、实种剂次"
      "（接种率 = Σ实种 ÷ Σ应种 × 100%）和报告接种剂次（含非免疫规划疫苗）；全市 = 各单位之和 |"),
    ("| basic_public_health.csv | region_code, elderly_residents, elderly_managed, htn_managed, htn_standard, "
      "dm_managed, dm_standard, ehr_residents | 65岁及以上常住居民数与接受健康管理人数；高血压、2型糖尿病患者管理人数"
      "与规范管理人数；建立电子健康档案的常住居民数（建档率 = Σ建档人数 ÷ 年末常住人口 × 100%）；全市 = 各单位之和 |"),
    ("| health_supervision.csv | region_code, inspections, penalty_cases, fines | 卫生监督检查户次、行政处罚案件数（件）、"
      "罚没款（万元，两位小数）；全市 = 各单位之和 |"),
    ("| elderly_care.csv | region_code, integrated_institutions, integrated_beds, dual_licensed | 医养结合机构数（个）、"
      "床位数（张）、两证齐全（具备医疗卫生机构资质并进行养老机构备案）的机构数；全市 = 各单位之和 |"),
)
PUBLIC_NOTE = ("法定传染病、预防接种、基本公共卫生服务项目、医养结合和卫生监督五个文件不是必需的：本市没有某项统计时不放该文件，"
               "统计报告的相应章节写明“资料暂缺”、不列表格，说明中列出缺少的文件，不会当作 0。"
               "2026 年（`sample-data --extra-year 2026`）由 2025 年的文件按固定因子推出（传染病 ×0.96、预防接种 ×0.97、"
               "基本公共卫生 ×1.01、卫生监督 ×1.03、医养结合 ×1.06）。")
