"""年度示例数据的机构年报行：月报机构由 12 个月汇总并补齐年报专有项目，非月报机构按画像生成，2020–2023 年按因子回推。"""

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
from pipeline.io_utils import atomic_path
from pipeline.sample import city as sd
from pipeline.sample.annual_constants import (
    ALOS_F,
    ANNUAL_ONLY_PER_1000,
    BASE_2020_GPS_PER_10000,
    BASE_2020_PER_1000,
    BASE_2020_TECHS,
    BUDGET_F,
    CHECKS_F,
    CITY,
    DEFECT_YEAR,
    DRUG_F,
    GERIATRIC_SHARE,
    IP_PRICE_F,
    MONEY,
    MONTHLY_FLOWS,
    MONTHLY_STOCKS,
    MONTHLY_YEARS,
    OCC_F,
    OP_PRICE_F,
    REF_YEAR,
    REVISION_SHARE,
    STOCK_ORDER,
    VISITS_F,
    YEARS,
)


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


def summary_text(summary: AnnualSampleSummary) -> str:
    rows = "，".join(f"{y} 年 {n} 行" for y, n in summary.rows_per_year)
    d = summary.defect
    return "\n".join([
        f"年度示例数据已生成：{summary.root}/data/raw/annual/<年份>/（{summary.years[0]}–{summary.years[-1]} 年）",
        f"  机构年报 annual_report.csv：{rows}",
        "  另有 maternal_child、deaths_by_cause、survey、childcare、health_accounts 和公共卫生各章（infectious_diseases、"
        "immunization、basic_public_health、health_supervision、elderly_care）各年文件，"
        f"参考数据 cpi_medical.csv、targets_14th.csv、province.csv；共 {len(summary.files)} 个文件，"
        f"{summary.bytes_total / 1e6:.2f} MB",
        f"  预置缺陷·年报与月报不符：{d.year} 年 {d.name}（{d.org_code}）总诊疗 {d.annual_visits} ≠ 12 个月之和 "
        f"{d.monthly_visits}",
    ])
