"""示例城市（模拟岳阳市）年度数据：机构年报 2020–2025、妇幼、分死因死亡、调查、托位、卫生总费用和参考数据。

``generate_annual(root)`` writes, deterministically (byte-identical on every run):

* ``data/raw/annual/<year>/annual_report.csv``   机构年报（每家年末开业的非分支机构一行，含诊所、村卫生室）
* ``data/raw/annual/<year>/maternal_child.csv``  活产数、孕产妇/婴儿/5岁以下儿童死亡数（按县市区）
* ``data/raw/annual/<year>/deaths_by_cause.csv`` 30–69 岁分性别、五岁组人口与四类重大慢性病死亡数（按县市区）
* ``data/raw/annual/<year>/survey.csv``          居民健康素养水平（全市监测结果）
* ``data/raw/annual/<year>/childcare.csv``       3岁以下婴幼儿托位数（按县市区）
* ``data/raw/annual/<year>/health_accounts.csv`` 卫生总费用与个人卫生支出（全市；当年数待省公布时为空）
* ``data/reference/cpi_medical.csv``             医疗保健类居民消费价格指数（上年=100）
* ``data/reference/targets_14th.csv``            “十四五”规划主要指标目标表（带类型的目标）
* ``data/reference/province.csv``                全省对比值（“优于全省平均”的目标用）
* a section of ``data/README.md`` between the markers below (the data dictionary and the planted defect)

Run it after :func:`pipeline.sample.city.generate` and :func:`pipeline.sample.life.generate_life`: it reads
the registry (rebuilt from the same seed), ``data/reference/population.csv`` and the life-expectancy
deaths files ``data/raw/annual/2024|2025/life_deaths.csv`` (whose 30–69 populations and all-cause deaths
bound the chronic-disease deaths).

Consistency with the monthly exports: for every monthly reporter in 2024 and 2025 the annual flows are
the sums of its twelve monthly values (money: the monthly tenths of 千元 summed, then rounded to 千元),
within ±3 % (about one in eight institutions revised a little, ±2 %, as happens between the monthly
and the annual report), and the year-end stocks are the December values — except one planted defect
(:data:`DEFECT_YEAR`). 2020–2023 have no monthly files: values are scaled back from 2024 so that the city
totals hit the 2020 planning baselines of domain.md §6 and trend into 2024 (with the 2020 and 2022
epidemic dips in service volumes). Only ``random.Random`` is used; no clock.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline import CATALOGUE_DIR
from pipeline.errors import UserError
from pipeline.io_utils import atomic_path
from pipeline.sample import city as sd

DEFAULT_SEED = sd.DEFAULT_SEED
YEARS: tuple[int, ...] = (2020, 2021, 2022, 2023, 2024, 2025)
MONTHLY_YEARS: tuple[int, ...] = (2024, 2025)
REF_YEAR = 2024
CITY = sd.CITY_CODE
RAW_DIR = Path("data/raw/annual")
REF_DIR = Path("data/reference")
README_BEGIN = "<!-- annual-sample:begin（本节由 pipeline/sample/annual.py 生成，请勿手工修改） -->"
README_END = "<!-- annual-sample:end -->"
SAMPLE_NOTE = "示例数据（虚构，仅供演示）"

# --------------------------------------------------------------------------------------
# 校准目标（全市）：2020 年为规划基期（domain.md §6），2024/2025 为年报专有项目的取值
# --------------------------------------------------------------------------------------
# 每千（全科：每万）常住人口，2020 年基期
BASE_2020_PER_1000: dict[str, float] = {
    "beds": 7.62, "doctors": 2.71, "nurses": 3.14, "tcm_doctors": 0.37, "pharmacists": 0.29,
    "public_health_staff": 0.98,
}
BASE_2020_GPS_PER_10000 = 2.54
BASE_2020_TECHS = 34512  # 2020 年末卫生技术人员（domain.md §6）
# 只在年报中有的存量项目：2024、2025 年全市每千常住人口取值
ANNUAL_ONLY_PER_1000: dict[str, dict[int, float]] = {
    "tcm_doctors": {2024: 0.576, 2025: 0.600},
    "pharmacists": {2024: 0.470, 2025: 0.520},
    "public_health_staff": {2024: 1.222, 2025: 1.290},
}
# 二级及以上综合医院设置老年医学科的比例（按年）
GERIATRIC_SHARE: dict[int, float] = {2020: 0.508, 2021: 0.53, 2022: 0.55, 2023: 0.57, 2024: 0.60, 2025: 0.67}

# 2020–2023 年相对 2024 年的全市因子（疫情：2020、2022 年服务量回落）
VISITS_F = {2020: 0.80, 2021: 0.915, 2022: 0.885, 2023: 0.975}
OCC_F = {2020: 0.87, 2021: 0.94, 2022: 0.90, 2023: 0.985}
ALOS_F = {2020: 1.10, 2021: 1.075, 2022: 1.06, 2023: 1.025}
CHECKS_F = {2020: 0.78, 2021: 0.92, 2022: 0.86, 2023: 0.99}
OP_PRICE_F = {2020: 0.915, 2021: 0.94, 2022: 0.96, 2023: 0.98}
IP_PRICE_F = {2020: 0.93, 2021: 0.95, 2022: 0.965, 2023: 0.985}
DRUG_F = {2020: 1.10, 2021: 1.07, 2022: 1.05, 2023: 1.02}
BUDGET_F = {2020: 0.88, 2021: 0.91, 2022: 0.95, 2023: 0.97}

# 妇幼：全市 (活产数, 孕产妇死亡, 婴儿死亡, 5岁以下儿童死亡)。2024、2025 年与 data/reference/maternal_child.csv
# （人均预期寿命阶段使用的全市监测率）一致：婴儿 2.8‰/2.6‰，5岁以下 4.1‰/3.9‰，孕产妇 8.6/7.9（1/10万）。
MATERNAL_CHILD: dict[int, tuple[int, int, int, int]] = {
    2020: (41580, 2, 116, 162), 2021: (38870, 2, 105, 148), 2022: (35760, 1, 93, 133),
    2023: (33920, 3, 92, 136), 2024: (34884, 3, 98, 143), 2025: (37975, 3, 99, 148),
}
# 重大慢性病过早死亡率（%），全市
PREMATURE_NCD: dict[int, float] = {2020: 18.19, 2021: 17.55, 2022: 17.08, 2023: 16.46, 2024: 15.82, 2025: 15.24}
# 居民健康素养水平（%）与调查人数
HEALTH_LITERACY: dict[int, tuple[float, int]] = {
    2020: (14.80, 3612), 2021: (18.62, 3640), 2022: (22.35, 3588), 2023: (25.91, 3655), 2024: (28.44, 3670),
    2025: (30.72, 3702),
}
# 每千常住人口 3 岁以下婴幼儿托位数
CHILDCARE_PER_1000: dict[int, float] = {2020: 0.62, 2021: 1.15, 2022: 1.78, 2023: 2.46, 2024: 3.28, 2025: 4.53}
# 卫生总费用（万元）与个人卫生支出占比（%）；None = 待省公布
HEALTH_ACCOUNTS: dict[int, tuple[int, float] | None] = {
    2020: (2386000, 28.62), 2021: (2541000, 28.13), 2022: (2659000, 27.86), 2023: (2843000, 27.41),
    2024: (3012000, 27.08), 2025: None,
}
# 医疗保健类居民消费价格指数（上年 = 100）
CPI_MEDICAL: dict[int, float] = {2020: 101.8, 2021: 100.4, 2022: 100.7, 2023: 101.1, 2024: 101.4, 2025: 100.9}
# 全省对比值：孕产妇死亡率（1/10万）、婴儿死亡率（‰）、5岁以下儿童死亡率（‰）；2025 年孕产妇死亡率待省公布
PROVINCE: dict[str, dict[int, float]] = {
    "mmr": {2020: 9.82, 2021: 9.41, 2022: 8.93, 2023: 8.71, 2024: 8.32},
    "imr": {2020: 3.42, 2021: 3.25, 2022: 3.18, 2023: 3.10, 2024: 3.05, 2025: 3.02},
    "u5mr": {2020: 5.10, 2021: 4.86, 2022: 4.70, 2023: 4.58, 2024: 4.45, 2025: 4.36},
}

# “十四五”规划主要指标（domain.md §6）：带类型的目标表
TARGET_COLUMNS = ("indicator_id", "name", "unit", "kind", "baseline_year", "baseline", "target_year", "target_form",
                  "target_value", "direction", "tolerance", "province_indicator", "wording", "note")
TARGETS_14TH: tuple[tuple[object, ...], ...] = (
    ("gps_per_10000", "每万常住人口全科医生数", "人", "约束性", 2020, 2.54, 2025, "value", 3.93, "up", "", "", "3.93",
     ""),
    ("oop_share", "个人卫生支出占卫生总费用的比重", "%", "约束性", 2020, 28.6, 2025, "value", 27, "down", 1, "",
     "27左右", "基期值为示例数据"),
    ("life_expectancy", "人均预期寿命", "岁", "预期性", 2020, 77.5, 2025, "value", 78, "up", 0.5, "", "78左右",
     "基期值为示例数据"),
    ("mmr", "孕产妇死亡率", "1/10万", "预期性", 2020, 4.81, 2025, "better_than_province", "", "down", "", "mmr",
     "优于全省平均", ""),
    ("imr", "婴儿死亡率", "‰", "预期性", 2020, 2.79, 2025, "better_than_province", "", "down", "", "imr",
     "优于全省平均", ""),
    ("u5mr", "5岁以下儿童死亡率", "‰", "预期性", 2020, 3.9, 2025, "better_than_province", "", "down", "", "u5mr",
     "优于全省平均", ""),
    ("premature_ncd_mortality", "重大慢性病过早死亡率", "%", "预期性", 2020, 18.19, 2025, "le", 15, "down", "", "",
     "≤15", ""),
    ("health_literacy", "居民健康素养水平", "%", "预期性", 2020, 14.8, 2025, "ge", 25, "up", "", "", "≥25", ""),
    ("beds_per_1000", "每千常住人口医疗卫生机构床位数", "张", "预期性", 2020, 7.62, 2025, "value", 8, "up", "", "",
     "8", ""),
    ("doctors_per_1000", "每千常住人口执业(助理)医师数", "人", "预期性", 2020, 2.71, 2025, "value", 2.8, "up", "", "",
     "2.8", ""),
    ("tcm_doctors_per_1000", "每千常住人口中医类别执业(助理)医师数", "人", "预期性", 2020, 0.37, 2025, "value", 0.62,
     "up", "", "", "0.62", ""),
    ("nurses_per_1000", "每千常住人口注册护士数", "人", "预期性", 2020, 3.14, 2025, "value", 4, "up", "", "", "4", ""),
    ("pharmacists_per_1000", "每千常住人口药师(士)数", "人", "预期性", 2020, 0.29, 2025, "value", 0.54, "up", "", "",
     "0.54", ""),
    ("public_health_staff_per_1000", "每千常住人口公共卫生人员数", "人", "预期性", 2020, 0.98, 2025, "growth_pct", 30,
     "up", "", "", "增长30%", ""),
    ("childcare_per_1000", "每千人口拥有3岁以下婴幼儿托位数", "个", "预期性", 2020, 0.62, 2025, "value", 4.5, "up", "",
     "", "4.5", ""),
    ("geriatric_share", "二级及以上综合医院设置老年医学科的比例", "%", "预期性", 2020, 50.8, 2025, "ge", 60, "up", "",
     "", "≥60", ""),
)

STOCK_ORDER = ("health_techs", "doctors", "nurses", "gps", "tcm_doctors", "pharmacists", "public_health_staff", "beds")
MONTHLY_FLOWS = ("visits", "oe_visits", "discharges", "open_bed_days", "occupied_bed_days", "discharged_bed_days",
                 "health_checks", "medical_revenue", "outpatient_revenue", "outpatient_drug_revenue",
                 "inpatient_revenue", "inpatient_drug_revenue")
MONTHLY_STOCKS = ("health_techs", "doctors", "gps", "nurses", "beds")
MONEY = ("medical_revenue", "outpatient_revenue", "outpatient_drug_revenue", "inpatient_revenue",
         "inpatient_drug_revenue", "total_revenue", "total_expense")
DEFECT_YEAR = 2025
REVISION_SHARE = 0.12  # share of monthly reporters whose annual service volumes differ a little (±2 %) from Σ12


def annual_item_ids(path: Path = CATALOGUE_DIR / "annual_items.yaml") -> tuple[tuple[str, ...], tuple[str, ...]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(e["id"] for e in doc["identity"]), tuple(e["id"] for e in doc["items"])


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------
def _year_days(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def _open_at_year_end(inst: sd._Inst, year: int) -> bool:
    end = dt.date(year, 12, 31)
    return not inst.is_branch and inst.opened <= end and (inst.closed is None or inst.closed > end)


def _noise(r: random.Random, sd_: float = 0.02, cap: float = 0.05) -> float:
    return 1.0 + max(-cap, min(cap, r.gauss(0.0, sd_)))


def _solve(total: Callable[[float], float], target: float, lo: float = 0.0, hi: float = 4.0) -> float:
    """Bisection on a non-decreasing function: the smallest factor whose total reaches the target."""
    if total(hi) < target:
        raise AssertionError(f"cannot reach {target}: max {total(hi)}")
    for _ in range(42):
        mid = (lo + hi) / 2
        if total(mid) < target:
            lo = mid
        else:
            hi = mid
    return hi


def _largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    s = sum(weights)
    shares = [total * w / s for w in weights]
    out = [math.floor(x) for x in shares]
    order = sorted(range(len(weights)), key=lambda i: (-(shares[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8")


def _write(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


# --------------------------------------------------------------------------------------
# per-institution shares for the items the monthly form does not have
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Shares:
    tcm: float  # 中医类别医师 / 医师
    pharm: float  # 药师 / 卫技
    public: float  # 公共卫生人员 / 卫技
    emergency: float  # 急诊 / 门急诊
    surgery: float  # 手术人次 / 出院
    admit: float  # 入院 / 出院 - 1
    finance: float  # 总收入 / 医疗收入（财政补助、其他收入）
    budget: float  # 无医疗收入机构的年度经费（千元/卫技人员）
    expense: float  # 总支出 / 总收入
    auth_beds: float  # 编制床位 / 实有床位


def _shares(inst: sd._Inst, r: random.Random) -> _Shares:
    t, lv, u = inst.type_code, inst.hospital_level, r.uniform
    public = inst.reg_type in ("国有", "集体")
    tcm = pharm = public_h = emerg = surg = 0.0
    finance, budget = u(1.0, 1.03), 0.0
    if t.startswith("A") and inst.group == "医院":
        tcm = u(0.45, 0.60) if t.startswith(("A2", "A3")) else u(0.06, 0.12) if t == "A100" else u(0.02, 0.05)
        pharm, public_h = u(0.05, 0.07), u(0.04, 0.06)
        emerg = u(0.08, 0.10) if lv.startswith("三级") else u(0.06, 0.09) if lv.startswith("二级") else u(0.02, 0.05)
        surg = {"A512": 0.8, "A526": 0.6, "A520": 0.0, "A710": 0.01, "A527": 0.05}.get(
            t, u(0.40, 0.50) if lv.startswith("三级") else u(0.28, 0.36) if lv.startswith("二级") else u(0.12, 0.22))
        if public:
            finance = u(1.06, 1.15)
    elif t.startswith("C"):
        tcm, pharm, public_h, emerg, surg, finance = u(0.15, 0.28), u(0.05, 0.08), u(0.30, 0.40), u(0.02, 0.04), \
            u(0.04, 0.08), u(1.35, 1.70)
    elif t.startswith("B"):
        tcm, pharm, public_h, emerg = u(0.15, 0.25), u(0.05, 0.08), u(0.25, 0.35), u(0.0, 0.01)
        finance = u(1.35, 1.70) if public else u(1.0, 1.05)
    elif t.startswith("D1"):
        tcm = 0.9 if t in ("D121", "D122") else 0.6 if t == "D130" else 0.05
        pharm, public_h = 0.05, 0.02
    elif t.startswith("G"):
        tcm, pharm, public_h, emerg, surg, finance = 0.05, u(0.04, 0.06), u(0.40, 0.50), u(0.03, 0.05), \
            u(0.30, 0.40), u(1.10, 1.25)
    elif t.startswith("J"):
        pharm, public_h, budget = 0.01, u(0.85, 0.95), u(150, 200)
    elif t.startswith("K"):
        public_h, budget = u(0.90, 0.98), u(140, 180)
    elif t.startswith("H"):
        tcm, pharm, public_h, surg, finance, budget = 0.05, 0.04, u(0.65, 0.75), 0.05, u(1.2, 1.4), u(60, 90)
    elif t.startswith("E"):
        pharm, public_h, emerg, finance, budget = 0.02, u(0.25, 0.35), 0.9, u(1.3, 1.6), u(50, 80)
    elif t.startswith("F"):
        public_h, finance = u(0.15, 0.25), u(1.05, 1.15)
    elif t.startswith("O"):
        public_h, budget = 0.9, u(120, 160)
    elif t == "A600":
        pharm, finance = 0.04, u(1.1, 1.2)
    elif t == "D600":
        pharm, finance = 0.0, 0.0  # 村卫生室：总收入另算（医疗收入 + 基本公共卫生服务补助）
    elif t.startswith("D"):
        tcm = 1.0 if t in ("D212", "D214") else 0.6 if t == "D213" else 0.05
        pharm = 0.08
    return _Shares(tcm=tcm, pharm=pharm, public=public_h, emergency=emerg, surgery=surg,
                   admit=u(-0.004, 0.012), finance=finance, budget=budget, expense=u(0.93, 1.03),
                   auth_beds=u(0.88, 1.05))


# --------------------------------------------------------------------------------------
# non-monthly institutions (诊所、医务室、村卫生室): a 2024 profile
# --------------------------------------------------------------------------------------
def _small_profile(inst: sd._Inst, r: random.Random) -> dict[str, float]:
    t, u = inst.type_code, r.uniform
    v: dict[str, float] = {}
    if t == "D600":
        doctors = 1 if r.random() < 0.36 else 0
        nurses = 1 if r.random() < 0.09 else 0
        other = 1 if r.random() < 0.04 else 0
        gps = 1 if doctors and r.random() < 0.12 else 0
        visits = r.randint(1200, 4200)
        cost, drug = u(30, 55), u(0.45, 0.65)
        extra = u(20, 60)  # 基本公共卫生服务补助等（千元）
        checks = visits * u(0.05, 0.15)
    elif t.startswith("D2"):
        techs = int(sd._weighted(r, (("1", 0.25), ("2", 0.35), ("3", 0.2), ("4", 0.12), ("5", 0.08))))
        doctors = max(1, min(techs, round(techs * u(0.45, 0.65))))
        nurses = min(techs - doctors, round(techs * u(0.2, 0.45)))
        other = techs - doctors - nurses
        gps = 1 if r.random() < 0.02 else 0
        visits = techs * u(1500, 2800) * {"D215": 0.6, "D216": 0.3}.get(t, 1.0)
        cost = {"D212": u(80, 140), "D213": u(80, 130), "D215": u(200, 350), "D216": u(600, 1200)}.get(t, u(70, 120))
        drug = u(0.02, 0.08) if t in ("D215", "D216") else u(0.35, 0.60)
        extra = 0.0
        checks = visits * u(0.0, 0.03)
    else:  # 卫生所、医务室、中小学卫生保健所
        techs = r.randint(1, 4)
        doctors = max(1, round(techs * 0.5))
        nurses = min(techs - doctors, round(techs * u(0.3, 0.5)))
        other = techs - doctors - nurses
        gps = 0
        visits = techs * u(700, 1800)
        cost, drug = u(30, 60), u(0.4, 0.6)
        extra = techs * u(40, 80)  # 单位拨款
        checks = visits * u(0.1, 0.5)
    techs = doctors + nurses + other
    op_rev = visits * cost / 1000
    med_rev = op_rev * u(1.0, 1.04)
    v.update(health_techs=techs, doctors=doctors, nurses=nurses, gps=gps, beds=0, visits=visits,
             oe_visits=visits * u(0.96, 1.0), health_checks=checks, outpatient_revenue=op_rev,
             outpatient_drug_revenue=op_rev * drug, medical_revenue=med_rev, open_bed_days=0, occupied_bed_days=0,
             discharged_bed_days=0, discharges=0, inpatient_revenue=0, inpatient_drug_revenue=0,
             _extra_revenue=extra)
    return v


# --------------------------------------------------------------------------------------
# the annual rows
# --------------------------------------------------------------------------------------
@dataclass
class _Unit:
    inst: sd._Inst
    shares: _Shares
    monthly: bool
    ref: dict[str, float]  # 2024 full-year equivalent: flows (annualised) and stocks (year-end)
    rows: dict[int, dict[str, int]] = field(default_factory=dict)


def _monthly_year(series: Mapping[str, Mapping[str, int]], year: int) -> tuple[dict[str, float], dict[str, float], int]:
    months = [p for p in sd.ALL_MONTHS if p.startswith(f"{year}-") and p in series]
    flows = {k: float(sum(series[p][k] for p in months)) for k in MONTHLY_FLOWS if k != "oe_visits"}
    flows["oe_visits"] = float(sum(series[p]["oe_visits"] for p in months))
    for k in MONEY:
        if k in flows:
            flows[k] /= 10.0  # tenths of 千元 → 千元
    stocks = {k: float(series[months[-1]][k]) for k in MONTHLY_STOCKS} if months else {}
    return flows, stocks, len(months)


def _extend_flows(u: _Unit, base: dict[str, float], r: random.Random) -> dict[str, float]:
    """Annual-only flows of a year from that year's monthly-form flows and the unit's shares."""
    s = u.shares
    v = dict(base)
    oe = v["oe_visits"]
    em = round(oe * s.emergency)
    v["emergency_visits"], v["outpatient_visits"] = em, oe - em
    dis = v["discharges"]
    v["admissions"] = max(0, dis + round(dis * s.admit))
    v["surgeries"] = round(dis * s.surgery * _noise(r, 0.02))
    med = v["medical_revenue"]
    if u.inst.type_code == "D600":
        total = med + v.get("_extra_revenue", 0.0)
    else:
        total = med * s.finance + v.get("health_techs_for_budget", 0.0) * s.budget + v.get("_extra_revenue", 0.0)
    v["total_revenue"] = total
    v["total_expense"] = total * s.expense
    return v


def _finalise(v: Mapping[str, float], geriatric: int, s: _Shares) -> dict[str, int]:
    out = {k: round(x) for k, x in v.items() if not k.startswith("_") and k != "health_techs_for_budget"}
    out["geriatric_dept"] = geriatric
    out["authorized_beds"] = round(out["beds"] * s.auth_beds) if out["beds"] else 0
    # rounding must not break the hard rules
    out["outpatient_drug_revenue"] = min(out["outpatient_drug_revenue"], out["outpatient_revenue"])
    out["inpatient_drug_revenue"] = min(out["inpatient_drug_revenue"], out["inpatient_revenue"])
    out["medical_revenue"] = max(out["medical_revenue"], out["outpatient_revenue"] + out["inpatient_revenue"])
    out["total_revenue"] = max(out["total_revenue"], out["medical_revenue"])
    out["discharges"] = min(out["discharges"], out["discharged_bed_days"])
    return out


def _check(row: Mapping[str, int], year: int) -> list[str]:
    errs = []
    if any(v < 0 for v in row.values()):
        errs.append("negative")
    if row["outpatient_visits"] + row["emergency_visits"] > row["visits"]:
        errs.append("oe>visits")
    if row["doctors"] > row["health_techs"] or row["nurses"] > row["health_techs"]:
        errs.append("staff>techs")
    if row["doctors"] + row["nurses"] + row["pharmacists"] > row["health_techs"]:
        errs.append("doctors+nurses+pharmacists>techs")
    if row["gps"] > row["doctors"] or row["tcm_doctors"] > row["doctors"]:
        errs.append("gps/tcm>doctors")
    if row["public_health_staff"] > row["health_techs"]:
        errs.append("public>techs")
    if row["discharged_bed_days"] < row["discharges"]:
        errs.append("dis_bd<discharges")
    if row["open_bed_days"] > row["beds"] * _year_days(year):
        errs.append("open_bd>beds*days")
    if row["occupied_bed_days"] > row["open_bed_days"] * 1.05:
        errs.append("occupied>open*1.05")
    if row["outpatient_drug_revenue"] > row["outpatient_revenue"] or \
            row["inpatient_drug_revenue"] > row["inpatient_revenue"]:
        errs.append("drug>revenue")
    if row["outpatient_revenue"] + row["inpatient_revenue"] > row["medical_revenue"]:
        errs.append("op+ip>medical")
    if row["beds"] == 0 and (row["open_bed_days"] or row["discharges"]):
        errs.append("no beds but bed-days")
    return errs


@dataclass(frozen=True)
class PlantedAnnualDefect:
    year: int
    org_code: str
    name: str
    region_code: str
    monthly_visits: int  # Σ of the 12 monthly reports
    annual_visits: int  # as filed in the annual report
    description: str


@dataclass(frozen=True)
class AnnualSampleSummary:
    root: str
    years: tuple[int, ...]
    rows_per_year: tuple[tuple[int, int], ...]
    files: tuple[str, ...]
    bytes_total: int
    defect: PlantedAnnualDefect
    city_values: tuple[tuple[str, int, float], ...]  # (indicator, year, value) calibration check

    def __str__(self) -> str:
        return summary_text(self)


class _Builder:
    def __init__(self, seed: int, population: Mapping[tuple[str, int], int]):
        self.seed = seed
        self.population = population
        types = sd._load_types()
        self.plan = sd._plan(seed, types)
        self.units: list[_Unit] = []
        for inst in self.plan.registry:
            if inst.is_branch or not any(_open_at_year_end(inst, y) for y in YEARS):
                continue
            r = random.Random(f"{seed}:annual:{inst.org_code}")
            shares = _shares(inst, r)
            series = self.plan.series.get(inst.org_code)
            if series is not None:
                flows, stocks, n = _monthly_year(series, REF_YEAR)
                if n == 0:  # opened in 2025: no 2024 months; its 2025 row comes from the series
                    flows, stocks, n = _monthly_year(series, 2025)
                ref = {**{k: x * 12 / n for k, x in flows.items()}, **stocks}
                self.units.append(_Unit(inst, shares, True, ref))
            else:
                ref = _small_profile(inst, r)
                self.units.append(_Unit(inst, shares, False, ref))
        self.defect_unit = self._pick_defect()

    def _pick_defect(self) -> _Unit:
        rng = random.Random(f"{self.seed}:annual-defect")
        skip = {self.plan.duplicate.org_code, self.plan.late.org_code, self.plan.missing.org_code}
        candidates = [u for u in self.units if u.monthly and u.inst.type_code in ("C210", "C220")
                      and u.inst.org_code not in skip and len(self.plan.series[u.inst.org_code]) == 24]
        return rng.choice(candidates)

    def pop(self, code: str, year: int) -> int:
        return self.population[(code, year)]

    # -- 2024 and 2025 ----------------------------------------------------------------
    def monthly_years(self) -> None:
        for year in MONTHLY_YEARS:
            for u in self.units:
                if not _open_at_year_end(u.inst, year):
                    continue
                r = random.Random(f"{self.seed}:annual:{u.inst.org_code}:{year}")
                if u.monthly:
                    flows, stocks, _ = _monthly_year(self.plan.series[u.inst.org_code], year)
                    base: dict[str, float] = {**flows, **stocks}
                    if r.random() < REVISION_SHARE and u is not self.defect_unit:
                        f = 1.0 + r.uniform(-0.02, 0.02)
                        for k in ("visits", "oe_visits", "health_checks"):
                            base[k] = base[k] * f
                        base["oe_visits"] = min(base["oe_visits"], base["visits"])
                    if u is self.defect_unit and year == DEFECT_YEAR:
                        base["visits"] = flows["visits"] + flows["health_checks"]
                else:
                    base = self._small_year(u, year, r)
                base["health_techs_for_budget"] = base["health_techs"]
                u.rows[year] = self._with_annual_only_flows(u, base, r)

    def _small_year(self, u: _Unit, year: int, r: random.Random) -> dict[str, float]:
        v = dict(u.ref)
        if year > REF_YEAR:
            g = r.uniform(1.0, 1.06)
            for k in ("visits", "oe_visits", "health_checks", "outpatient_revenue", "outpatient_drug_revenue",
                      "medical_revenue"):
                v[k] = v[k] * g * (r.uniform(1.0, 1.03) if "revenue" in k else 1.0)
            if v["health_techs"] >= 2 and r.random() < 0.05:
                v["health_techs"] += 1
                v["nurses"] += 1
        opened = u.inst.opened
        if opened.year == year:  # part of the year only
            frac = ((dt.date(year, 12, 31) - opened).days + 1) / _year_days(year)
            for k in ("visits", "oe_visits", "health_checks", "outpatient_revenue", "outpatient_drug_revenue",
                      "medical_revenue", "_extra_revenue"):
                v[k] = v[k] * frac
        v["oe_visits"] = min(v["oe_visits"], v["visits"])
        return v

    def _with_annual_only_flows(self, u: _Unit, base: dict[str, float], r: random.Random) -> dict[str, float]:
        return _extend_flows(u, base, r)

    # -- annual-only stocks (tcm, pharmacists, public-health staff): scaled to the city targets --------------
    def annual_only_stocks(self, year: int, rows: list[tuple[_Unit, dict[str, float]]],
                           targets: Mapping[str, float]) -> None:
        def tcm(u: _Unit, v: dict[str, float], lam: float) -> int:
            return min(int(v["doctors"]), round(v["doctors"] * u.shares.tcm * lam))

        def pharm(u: _Unit, v: dict[str, float], lam: float) -> int:
            room = int(v["health_techs"] - v["doctors"] - v["nurses"])
            share = u.shares.pharm
            if not u.monthly and u.inst.type_code.startswith("D") and u.inst.type_code != "D600":
                # one pharmacist in a clinic or none: keep it an integer decision, scaled by lam
                key = random.Random(f"{self.seed}:pharm:{u.inst.org_code}").random()
                return min(room, 1 if key < 0.35 * lam else 0)
            return max(0, min(room, round(v["health_techs"] * share * lam)))

        def public(u: _Unit, v: dict[str, float], lam: float) -> int:
            return min(int(v["health_techs"]), round(v["health_techs"] * u.shares.public * lam))

        for item, fn in (("tcm_doctors", tcm), ("pharmacists", pharm), ("public_health_staff", public)):
            target = targets[item]
            lam = _solve(lambda lam_: float(sum(fn(u, v, lam_) for u, v in rows)), target)
            for u, v in rows:
                v[item] = fn(u, v, lam)

    def geriatric(self, year: int) -> set[str]:
        eligible = sorted((u for u in self.units if u.inst.type_code == "A100"
                           and u.inst.hospital_level.startswith(("三级", "二级")) and _open_at_year_end(u.inst, year)),
                          key=lambda u: random.Random(f"{self.seed}:geriatric:{u.inst.org_code}").random())
        n = round(GERIATRIC_SHARE[year] * len(eligible))
        return {u.inst.org_code for u in eligible[:n]}

    # -- 2020–2023 --------------------------------------------------------------------
    def earlier_years(self) -> None:
        city_2024 = {k: float(sum(u.rows[2024][k] for u in self.units if 2024 in u.rows)) for k in STOCK_ORDER}
        pop2020 = self.pop(CITY, 2020)
        base = {k: BASE_2020_PER_1000[k] * pop2020 / 1000 for k in BASE_2020_PER_1000}
        base["gps"] = BASE_2020_GPS_PER_10000 * pop2020 / 10000
        base["health_techs"] = float(BASE_2020_TECHS)
        for year in (2020, 2021, 2022, 2023):
            w = (year - 2020) / (REF_YEAR - 2020)
            target = {k: base[k] * (city_2024[k] / base[k]) ** w for k in STOCK_ORDER}
            units = [u for u in self.units if _open_at_year_end(u.inst, year)]
            noise = {u.inst.org_code: {k: _noise(random.Random(f"{self.seed}:annual:{u.inst.org_code}:{year}:{k}"))
                                       for k in STOCK_ORDER} for u in units}
            stocks: dict[str, dict[str, float]] = {u.inst.org_code: {} for u in units}

            def ref_of(u: _Unit, k: str) -> float:
                if k in ("tcm_doctors", "pharmacists", "public_health_staff") and 2024 in u.rows:
                    return float(u.rows[2024][k])
                return u.ref.get(k, 0.0)

            def caps(u: _Unit, k: str) -> float | None:
                s = stocks[u.inst.org_code]
                return {"health_techs": None, "beds": None, "doctors": s.get("health_techs"),
                        "nurses": s.get("health_techs", 0) - s.get("doctors", 0), "gps": s.get("doctors"),
                        "tcm_doctors": s.get("doctors"),
                        "pharmacists": s.get("health_techs", 0) - s.get("doctors", 0) - s.get("nurses", 0),
                        "public_health_staff": s.get("health_techs")}[k]

            self._ensure_ref_annual_only(units)
            for k in STOCK_ORDER:
                cells = [(ref_of(u, k) * noise[u.inst.org_code][k], caps(u, k)) for u in units]
                cells = [(x, c) for x, c in cells if x > 0]

                def total(lam: float) -> float:
                    return float(sum(min(c, round(x * lam)) if c is not None else round(x * lam) for x, c in cells))

                lam = _solve(total, target[k])
                for u in units:
                    x, c = ref_of(u, k) * noise[u.inst.org_code][k], caps(u, k)
                    stocks[u.inst.org_code][k] = int(round(x * lam) if c is None else min(c, round(x * lam)))
            geri = self.geriatric(year)
            for u in units:
                r = random.Random(f"{self.seed}:annual:{u.inst.org_code}:{year}:flows")
                v = self._earlier_flows(u, year, stocks[u.inst.org_code], r)
                v["health_techs_for_budget"] = v["health_techs"]
                v = _extend_flows(u, v, r)
                extra = v.get("_extra_revenue", 0.0) * BUDGET_F[year]
                if u.inst.type_code == "D600":
                    v["total_revenue"] = v["medical_revenue"] + extra
                else:
                    v["total_revenue"] = (v["medical_revenue"] * u.shares.finance
                                          + v["health_techs"] * u.shares.budget * BUDGET_F[year] + extra)
                v["total_expense"] = v["total_revenue"] * u.shares.expense
                u.rows[year] = _finalise(v, 1 if u.inst.org_code in geri else 0, u.shares)

    def _ensure_ref_annual_only(self, units: list[_Unit]) -> None:
        for u in units:
            if 2024 not in u.rows:  # closed during 2024: annual-only stocks from its own shares
                ref = u.ref
                u.ref.setdefault("tcm_doctors", ref["doctors"] * u.shares.tcm)
                u.ref.setdefault("pharmacists", ref["health_techs"] * u.shares.pharm)
                u.ref.setdefault("public_health_staff", ref["health_techs"] * u.shares.public)

    def _earlier_flows(self, u: _Unit, year: int, stocks: Mapping[str, float], r: random.Random) -> dict[str, float]:
        ref = u.ref
        v: dict[str, float] = dict(stocks)
        v["_extra_revenue"] = ref.get("_extra_revenue", 0.0)
        beds, days = stocks["beds"], _year_days(year)
        if beds > 0 and ref.get("open_bed_days", 0) > 0 and ref.get("beds", 0) > 0:
            open_bd = math.floor(min(ref["open_bed_days"] * beds / ref["beds"] * days / _year_days(REF_YEAR),
                                     beds * days))
            occ_rate = ref["occupied_bed_days"] / ref["open_bed_days"] * OCC_F[year] * _noise(r)
            occupied = min(round(open_bd * occ_rate), math.floor(open_bd * 1.05))
            ratio = ref["discharged_bed_days"] / ref["occupied_bed_days"] if ref["occupied_bed_days"] else 1.0
            dis_bd = round(occupied * ratio)
            alos = (ref["discharged_bed_days"] / ref["discharges"] if ref["discharges"] else 8.0) * ALOS_F[year] * _noise(r)
            discharges = min(dis_bd, round(dis_bd / alos))
        else:
            open_bd = occupied = dis_bd = discharges = 0
        visits = ref["visits"] * VISITS_F[year] * _noise(r)
        oe = min(visits, visits * (ref["oe_visits"] / ref["visits"] if ref["visits"] else 1.0))
        checks = ref["health_checks"] * CHECKS_F[year] * _noise(r)
        op_rev = visits * (ref["outpatient_revenue"] / ref["visits"] if ref["visits"] else 0.0) * OP_PRICE_F[year]
        ip_rev = discharges * (ref["inpatient_revenue"] / ref["discharges"] if ref["discharges"] else 0.0) * \
            IP_PRICE_F[year]
        op_drug = op_rev * min(0.9, (ref["outpatient_drug_revenue"] / ref["outpatient_revenue"]
                                     if ref["outpatient_revenue"] else 0.0) * DRUG_F[year])
        ip_drug = ip_rev * min(0.9, (ref["inpatient_drug_revenue"] / ref["inpatient_revenue"]
                                     if ref["inpatient_revenue"] else 0.0) * DRUG_F[year])
        if ref["outpatient_revenue"] + ref["inpatient_revenue"] > 0:
            med = (op_rev + ip_rev) * ref["medical_revenue"] / (ref["outpatient_revenue"] + ref["inpatient_revenue"])
        else:
            med = ref["medical_revenue"] * VISITS_F[year] * _noise(r)
        v.update(open_bed_days=open_bd, occupied_bed_days=occupied, discharged_bed_days=dis_bd, discharges=discharges,
                 visits=visits, oe_visits=oe, health_checks=checks, outpatient_revenue=op_rev,
                 outpatient_drug_revenue=op_drug, inpatient_revenue=ip_rev, inpatient_drug_revenue=ip_drug,
                 medical_revenue=med)
        return v

    # -- assemble ---------------------------------------------------------------------
    def build(self) -> None:
        self.monthly_years()
        for year in MONTHLY_YEARS:
            rows = [(u, u.rows[year]) for u in self.units if year in u.rows]
            pop = self.pop(CITY, year)
            targets = {k: ANNUAL_ONLY_PER_1000[k][year] * pop / 1000 for k in ANNUAL_ONLY_PER_1000}
            self.annual_only_stocks(year, rows, targets)
            geri = self.geriatric(year)
            for u, v in rows:
                u.rows[year] = _finalise(v, 1 if u.inst.org_code in geri else 0, u.shares)
        self.earlier_years()
        for u in self.units:
            for year, row in u.rows.items():
                errs = _check(row, year)
                if errs:  # pragma: no cover - generator bug
                    raise AssertionError(f"{year} {u.inst.org_code} {u.inst.name}: {errs}")

    def defect(self) -> PlantedAnnualDefect:
        u = self.defect_unit
        flows, _, _ = _monthly_year(self.plan.series[u.inst.org_code], DEFECT_YEAR)
        monthly = int(flows["visits"])
        annual = u.rows[DEFECT_YEAR]["visits"]
        return PlantedAnnualDefect(
            DEFECT_YEAR, u.inst.org_code, u.inst.name, u.inst.region_code, monthly, annual,
            f"{DEFECT_YEAR} 年年报总诊疗人次数 {annual} 误将全年健康检查人次计入，比 12 个月月报之和 {monthly} "
            f"多 {(annual - monthly) / monthly * 100:.1f}%（超出 ±3% 的核对容差）；其余项目正确。",
        )


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


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------
def generate_annual(root: Path, seed: int = DEFAULT_SEED) -> AnnualSampleSummary:
    """Write the annual sample files under ``root`` (see the module docstring); return a summary."""
    root = Path(root)
    population = _read_population(root)
    identity, items = annual_item_ids()
    builder = _Builder(seed, population)
    builder.build()
    files: dict[Path, bytes] = {}
    rows_per_year = []
    for year in YEARS:
        units = sorted((u for u in builder.units if year in u.rows),
                       key=lambda u: (u.inst.region_code, u.inst.org_code))
        body = [(u.inst.org_code, u.inst.region_code, u.inst.type_code, *(u.rows[year][k] for k in items))
                for u in units]
        rows_per_year.append((year, len(body)))
        d = RAW_DIR / str(year)
        files[d / "annual_report.csv"] = _csv_bytes((*identity, *items), body)
        files[d / "maternal_child.csv"] = _csv_bytes(
            ("region_code", "live_births", "maternal_deaths", "infant_deaths", "under5_deaths"),
            maternal_child_rows(seed, population, year))
        files[d / "childcare.csv"] = _csv_bytes(("region_code", "childcare_places"),
                                                childcare_rows(seed, population, year))
        lit, n = HEALTH_LITERACY[year]
        files[d / "survey.csv"] = _csv_bytes(("region_code", "health_literacy_pct", "respondents"),
                                             [(CITY, f"{lit:.2f}", n)])
        acc = HEALTH_ACCOUNTS[year]
        files[d / "health_accounts.csv"] = _csv_bytes(
            ("region_code", "total_health_expenditure", "oop_expenditure", "note"),
            [(CITY, acc[0], round(acc[0] * acc[1] / 100), "")] if acc else [(CITY, "", "", "待省公布")])
    for year, rows in deaths_by_cause_rows(seed, root, population).items():
        files[RAW_DIR / str(year) / "deaths_by_cause.csv"] = _csv_bytes(
            ("region_code", "sex", "age", "population", *CAUSES), rows)
    files[REF_DIR / "cpi_medical.csv"] = _csv_bytes(
        ("year", "cpi_prev_year_100", "source"), [(y, f"{v:.1f}", SAMPLE_NOTE) for y, v in CPI_MEDICAL.items()])
    files[REF_DIR / "targets_14th.csv"] = _csv_bytes(TARGET_COLUMNS, TARGETS_14TH)
    files[REF_DIR / "province.csv"] = _csv_bytes(
        ("indicator_id", "year", "value", "source"),
        [(ind, y, f"{v:.2f}", f"{SAMPLE_NOTE}，全省卫生健康统计公报") for ind, by_year in PROVINCE.items()
         for y, v in by_year.items()])
    for rel, data in sorted(files.items()):
        _write(root / rel, data)
    defect = builder.defect()
    _update_readme(root, readme_section(defect, rows_per_year, files))
    return AnnualSampleSummary(
        root=str(root), years=YEARS, rows_per_year=tuple(rows_per_year),
        files=tuple(str(p) for p in sorted(files)), bytes_total=sum(len(b) for b in files.values()), defect=defect,
        city_values=tuple(_calibration(builder, population)),
    )


def _calibration(builder: _Builder, population: Mapping[tuple[str, int], int]) -> list[tuple[str, int, float]]:
    out = []
    for year in YEARS:
        rows = [u.rows[year] for u in builder.units if year in u.rows]
        pop = population[(CITY, year)]
        for k, scale in (("beds", 1000), ("doctors", 1000), ("nurses", 1000), ("tcm_doctors", 1000),
                         ("pharmacists", 1000), ("public_health_staff", 1000), ("gps", 10000)):
            out.append((k, year, sum(r[k] for r in rows) * scale / pop))
    return out


def summary_text(summary: AnnualSampleSummary) -> str:
    rows = "，".join(f"{y} 年 {n} 行" for y, n in summary.rows_per_year)
    d = summary.defect
    return "\n".join([
        f"年度示例数据已生成：{summary.root}/data/raw/annual/<年份>/（{summary.years[0]}–{summary.years[-1]} 年）",
        f"  机构年报 annual_report.csv：{rows}",
        f"  另有 maternal_child、deaths_by_cause、survey、childcare、health_accounts 各年文件，"
        f"参考数据 cpi_medical.csv、targets_14th.csv、province.csv；共 {len(summary.files)} 个文件，"
        f"{summary.bytes_total / 1e6:.2f} MB",
        f"  预置缺陷·年报与月报不符：{d.year} 年 {d.name}（{d.org_code}）总诊疗 {d.annual_visits} ≠ 12 个月之和 "
        f"{d.monthly_visits}",
    ])


# --------------------------------------------------------------------------------------
# data/README.md section
# --------------------------------------------------------------------------------------
def _update_readme(root: Path, section: str) -> None:
    path = root / "data" / "README.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    block = f"{README_BEGIN}\n{section.rstrip()}\n{README_END}\n"
    if README_BEGIN in text and README_END in text:
        head, rest = text.split(README_BEGIN, 1)
        tail = rest.split(README_END, 1)[1].lstrip("\n")
        new = head + block + (("\n" + tail) if tail else "")
    else:
        new = text.rstrip("\n") + ("\n\n" if text else "") + block
    if new != text:
        with atomic_path(path) as tmp:
            tmp.write_text(new, encoding="utf-8")


def readme_section(defect: PlantedAnnualDefect, rows_per_year: Sequence[tuple[int, int]],
                   files: Mapping[Path, bytes]) -> str:
    items = yaml.safe_load((CATALOGUE_DIR / "annual_items.yaml").read_text(encoding="utf-8"))
    region_names = {r.code: r.name for r in sd.REGIONS}
    size = sum(len(b) for b in files.values()) / 1e6
    L: list[str] = []
    a = L.append
    a("## 6. 年度数据（年报、妇幼、死因、调查）与年度参考数据")
    a("")
    a("由 `pipeline/sample/annual.py` 的 `generate_annual(root)` 确定性生成（须在 `sample_data.generate` 和 "
      "`life_sample.generate_life` 之后运行），供 `annual_report` 阶段（统计报告及提要、“十四五”监测）使用。"
      f"共 {len(files)} 个文件、{size:.2f} MB。全部数值为虚构示例数据。")
    a("")
    a("```")
    a("data/raw/annual/<年份>/            2020–2025 年各一个目录")
    a("├── annual_report.csv              机构年报（每家年末开业的非分支机构一行）")
    a("├── maternal_child.csv             妇幼卫生监测：活产数与孕产妇、婴儿、5岁以下儿童死亡数（按县市区）")
    a("├── deaths_by_cause.csv            30–69 岁分性别五岁组人口与四类重大慢性病死亡数（按县市区）")
    a("├── survey.csv                     居民健康素养监测结果（全市）")
    a("├── childcare.csv                  3岁以下婴幼儿托位数（按县市区）")
    a("├── health_accounts.csv            卫生总费用核算：卫生总费用与个人卫生支出（全市，万元）")
    a("└── life_deaths.csv                人均预期寿命测算用的人口与死亡（2024、2025 年，见 life_sample.py）")
    a("data/reference/cpi_medical.csv     医疗保健类居民消费价格指数（上年=100），用于可比价格")
    a("data/reference/targets_14th.csv    “十四五”规划主要指标目标表")
    a("data/reference/province.csv        全省对比值（“优于全省平均”的目标用）")
    a("```")
    a("")
    a("年报行数：" + "，".join(f"{y} 年 {n}" for y, n in rows_per_year) + "。")
    a("")
    a("### 6.1 annual_report.csv（机构年报）")
    a("")
    a("每家年末开业、非分支机构一行（年内注销的机构不报当年年报），按行政区划代码、机构代码排序。"
      "列名为英文 id（读入时也接受下表的中文项目名）；登记注册类型、主办单位、医院等级取自机构名录 registry.csv。"
      "人数、床位、人次为整数，金额为千元（整数）。数据字典（`pipeline/catalogues/annual_items.yaml`）：")
    a("")
    a("| 列 | 项目 | 类型 | 单位 |")
    a("|---|---|---|---|")
    kinds = {"stock": "年末数", "flow": "全年累计", "flag": "是否"}
    for e in items["identity"]:
        a(f"| {e['id']} | {e['label']} | 标识 | |")
    for e in items["items"]:
        a(f"| {e['id']} | {e['label']} | {kinds[e['kind']]} | {e.get('unit', '')} |")
    a("")
    a("与月报的一致性：报月报的机构 2024、2025 年的全年流量（诊疗、门急诊、出院、床日、健康检查、各项收入）等于其 12 个月"
      "月报之和（约八分之一的机构诊疗类人次有 ±2% 以内的年报修订，均在 ±3% 的核对容差内），年末人员、床位等于 12 月末数；"
      "急诊、入院、手术、总收入、总支出、中医类别医师、药师、公共卫生人员、编制床位、老年医学科只在年报中。"
      "2020–2023 年没有月报：由 2024 年回推，全市合计与“十四五”基期（2020 年每千人口床位 7.62、医师 2.71、"
      "中医类别医师 0.37、护士 3.14、药师 0.29，每万人口全科医生 2.54，每千人口公共卫生人员 0.98）一致，"
      "服务量在 2020、2022 年有疫情回落。月报的漏报机构（2025-12）在年报中数据完整，因此其 11 个月月报之和会少于年报。")
    a("")
    a("### 6.2 预置缺陷（年报与 12 个月月报之和不符）")
    a("")
    a("| 年份 | 机构代码 | 机构名称 | 所在区划 | 说明 |")
    a("|---|---|---|---|---|")
    a(f"| {defect.year} | `{defect.org_code}` | {defect.name} | {region_names[defect.region_code]}"
      f"（{defect.region_code}） | {defect.description} |")
    a("")
    a("### 6.3 其他年度文件")
    a("")
    a("| 文件 | 列 | 说明 |")
    a("|---|---|---|")
    a("| maternal_child.csv | region_code, live_births, maternal_deaths, infant_deaths, under5_deaths | "
      "各县级单位活产数与死亡数（5岁以下含婴儿）；全市 = 各单位之和。2024、2025 年全市率与 "
      "`data/reference/maternal_child.csv` 一致 |")
    a("| deaths_by_cause.csv | region_code, sex, age, population, cardiovascular, cancer, diabetes, "
      "chronic_respiratory | age 为五岁组起点 30、35…65；四类死因：心脑血管疾病、恶性肿瘤、糖尿病、慢性呼吸系统疾病；"
      "2024、2025 年人口取自 life_deaths.csv，死亡数不超过同组全死因死亡数 |")
    a("| survey.csv | region_code, health_literacy_pct, respondents | 居民健康素养水平（%，全市）与调查人数 |")
    a("| childcare.csv | region_code, childcare_places | 3岁以下婴幼儿托位数（个）；全市 = 各单位之和 |")
    a("| health_accounts.csv | region_code, total_health_expenditure, oop_expenditure, note | 卫生总费用与个人卫生支出"
      "（万元，全市）；尚未公布的年份数值为空、note 为“待省公布”（2025 年） |")
    a("| reference/cpi_medical.csv | year, cpi_prev_year_100, source | 医疗保健类居民消费价格指数（上年 = 100） |")
    a("| reference/targets_14th.csv | indicator_id, name, unit, kind, baseline_year, baseline, target_year, "
      "target_form, target_value, direction, tolerance, province_indicator, wording, note | 目标形式 target_form："
      "value 数值目标（“左右”用 tolerance 容差）、le ≤、ge ≥、growth_pct 比基期增长百分比、better_than_province "
      "优于全省（对比值见 province.csv）、pending 目标待省公布；direction：up 越大越好 / down 越小越好；"
      "kind：约束性 / 预期性 |")
    a("| reference/province.csv | indicator_id, year, value, source | 全省对比值；缺少某年即“待省公布” |")
    a("")
    return "\n".join(L)


if __name__ == "__main__":  # pragma: no cover
    print(summary_text(generate_annual(Path.cwd())))
