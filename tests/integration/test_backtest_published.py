"""Backtests: rebuild published national tables from their published inputs.

For each published table (sources and URLs: tests/fixtures/published/README.md) we write a
tiny raw export — one synthetic institution per leaf category, typed with WS 218 codes —
whose totals equal the printed 本期 and 同期 values, run it through the real path
``ingest.ingest`` → ``indicators.compute``, and compare the engine's figures, rounded half-up
with ``pipeline.fmt``, with the printed ones (domain.md §4–5):

* counts (诊疗人次数 万人次, 出院人数 万人): value exact, 同比 % to the printed decimal;
* 病床使用率 (%) and 出院者平均住院日 (日): value to the printed decimal, change in 百分点 / 日
  to the printed decimal (or, where a table prints no change column, the difference of the
  printed values), '持平' where the bulletin says 持平, '—' where the 同期 is printed as '-'.

Periods. A published 1–N月 figure is a cumulative one, so we check the engine's 累计 rows:
each institution's 1–N value is spread over months 1..N (integer parts that add up exactly,
one export file per month; numerators and denominators with different monthly profiles, so
each month's own ratio differs from the printed one), for both years. This exercises the 1..N
summing, ratios of sums, and the "every month present" rule, which putting everything in
month N as 本月 would not. The
single-month table (2011年1月) is checked on its 本月 rows.

Parents that are not the sum of their printed children. Every printed cell is rounded on its
own, so a printed parent (医院) need not equal the sum of its printed children. Where the
table does not print every child (rate tables: no 未定级 row; 表1: no 专业公卫/其他 rows), a
residual institution in the unprinted category makes the parent exact. In 表1 of 2019年1-10月
the 医院 row is split twice (公立/民营 and 三级/二级/一级/未定级) and neither split adds up to
医院 (see test_2019_table1_hospital_splits_are_not_all_roundings_of_one_dataset). Our
hospitals are therefore a 2×4 grid (ownership × level): 公立, 民营, 二级, 一级, 未定级 are exact,
三级 (the largest cell, where the discrepancy moves its growth least) absorbs Σ公立民营 −
Σ二级一级未定级, and 医院 = 公立 + 民营. For those two rows the value is asserted only within the
rounding slack of the seven printed cells involved, the 同比 % still to the printed decimal.

Every printed growth in these tables equals the growth recomputed from the printed (rounded)
values, rounded half-up to one decimal, so no growth needed special handling.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from pipeline import catalogues, fmt
from pipeline.ingest import exports as ingest
from pipeline.monthly import indicators
from pipeline.monthly.report import change_phrase
from pipeline.period import Month

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "published"
CAT = catalogues.items()
HEADER = [it.label for it in CAT.all]
WAN = 10_000
REGION_CODES = ("430602", "430621")  # the county-level units of the conftest `regions` fixture


# ---------------------------------------------------------------------------- fixtures (published rows)


@dataclass(frozen=True)
class Printed:
    """One published cell group: a row of a table for one indicator, as printed (text)."""

    row_label: str
    breakdown_id: str
    indicator_id: str
    unit: str
    current: str  # 本期
    base: str  # 同期: '' = not printed, '-' = printed as '-'
    change: str  # '' = not printed; '持平' as printed
    change_unit: str
    note: str


def load(name: str) -> list[Printed]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as fh:
        return [Printed(**row) for row in csv.DictReader(fh)]


def is_number(text: str) -> bool:
    return text not in ("", "-", "持平")


def persons(wan_text: str) -> int:
    """'701631.9' (万) → 7016319000; the printed value times 10 000, exactly."""
    value = Decimal(wan_text) * WAN
    assert value == value.to_integral_value(), wan_text
    return int(value)


# ---------------------------------------------------------------------------- synthetic institutions


# kind → (WS 218 type code, 登记注册类型, 主办单位, 医院等级)
KINDS: dict[str, tuple[str, str, str, str]] = {
    "公立三级": ("A100", "国有", "政府", "三级甲等"),
    "公立二级": ("A210", "国有", "政府", "二级甲等"),
    "公立一级": ("A100", "集体", "其他行政部门", "一级甲等"),
    "公立未定级": ("A519", "国有", "政府", "未定级"),
    "民营三级": ("A100", "私营", "个人", "三级乙等"),
    "民营二级": ("A511", "私营", "个人", "二级乙等"),
    "民营一级": ("A100", "私营", "个人", "一级乙等"),
    "民营未定级": ("A527", "私营", "个人", ""),
    "社区中心政府办": ("B100", "国有", "政府", ""),
    "社区站非政府办": ("B200", "私营", "个人", ""),
    "乡镇卫生院": ("C220", "国有", "政府", ""),
    "基层其他": ("D110", "私营", "个人", ""),  # residual of 基层 beyond the printed rows
    "其他机构": ("G100", "国有", "政府", ""),  # residual of 合计 beyond 医院 + 基层 (专业公卫 and 其他)
}
HOSPITAL_CELL = {("公立", lvl): f"公立{lvl}" for lvl in ("三级", "二级", "一级", "未定级")} | {
    ("民营", lvl): f"民营{lvl}" for lvl in ("三级", "二级", "一级", "未定级")}


@dataclass
class Institution:
    kind: str
    totals: dict[int, dict[str, int]] = field(default_factory=dict)  # year → item id → period total


# Items spread over the months with a rising profile (weights 1..N); the others evenly. With
# numerator and denominator spread differently, every month has a different ratio, so only a
# cumulative computed from summed numerators and denominators reproduces the printed rate.
RAMPED = {"visits", "discharges", "occupied_bed_days"}


def split(total: int, n: int, ramp: bool = False) -> list[int]:
    """An integer total spread over n months, parts adding up exactly (largest remainder)."""
    weights = list(range(1, n + 1)) if ramp else [1] * n
    exact = [Decimal(total) * w / sum(weights) for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(n), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    assert sum(parts) == total
    return parts


def write_raw(raw: Path, institutions: list[Institution], months: dict[int, list[int]]) -> Path:
    """One export per month, <raw>/<YYYY-MM>/月报.xlsx, each institution's totals spread over the months."""
    for year, month_list in months.items():
        parts = {
            i: {item: split(v, len(month_list), item in RAMPED) for item, v in inst.totals.get(year, {}).items()}
            for i, inst in enumerate(institutions)
        }
        for pos, month in enumerate(month_list):
            period = Month(year, month)
            nxt = period.shift(1)
            wb = openpyxl.Workbook(write_only=True)
            ws = wb.create_sheet("医疗卫生机构月报")
            ws.append([f"医疗卫生机构月报表（{period.label}）"])
            ws.append(HEADER)
            for i, inst in enumerate(institutions):
                type_code, reg_type, sponsor, level = KINDS[inst.kind]
                ident = {
                    "org_code": f"12430600BT{i:04d}", "name": f"回测{inst.kind}{i}",
                    "region_code": REGION_CODES[i % 2], "type_code": type_code, "reg_type": reg_type,
                    "sponsor": sponsor, "hospital_level": level, "period": str(period),
                    "submitted_at": f"{nxt}-05 10:00:00",
                }
                values = {item: p[pos] for item, p in parts[i].items()}
                ws.append([ident[it.id] for it in CAT.identity] + [values.get(item, 0) for item in CAT.item_ids])
            path = raw / str(period) / "月报.xlsx"
            path.parent.mkdir(parents=True, exist_ok=True)
            wb.save(path)
    return raw


def run_engine(raw: Path, regions: indicators.Regions, current: Month):
    result = ingest.ingest(raw, progress=False)
    assert result.quarantine.height == 0, result.quarantine
    assert result.report["reconciliation"]["balanced"]
    return indicators.for_period(indicators.compute(result.clean, regions), current)


def engine_cell(table, r: Printed, region_code: str, period_type: str, column: str):
    """One cell of the engine's one-period tidy table for a published row."""
    hit = table.filter((table["indicator_id"] == r.indicator_id) & (table["breakdown_id"] == r.breakdown_id)
                       & (table["region_code"] == region_code) & (table["period_type"] == period_type))
    assert hit.height == 1, (r, period_type)
    return hit[column][0]


# ---------------------------------------------------------------------------- 表1: service volume (counts)


COUNT_ITEMS = ("visits", "discharges")
LEVELS = ("三级", "二级", "一级", "未定级")
LEVEL_BD = {"三级": "hosp_l3", "二级": "hosp_l2", "一级": "hosp_l1", "未定级": "hosp_unrated"}


def northwest_corner(rows: list[int], cols: list[int]) -> list[list[int]]:
    """A non-negative integer matrix with the given row and column sums (which must balance)."""
    assert sum(rows) == sum(cols) and min(rows + cols) >= 0
    rows, cols = list(rows), list(cols)
    cells = [[0] * len(cols) for _ in rows]
    i = j = 0
    while i < len(rows) and j < len(cols):
        take = min(rows[i], cols[j])
        cells[i][j] = take
        rows[i] -= take
        cols[j] -= take
        if rows[i] == 0:
            i += 1
        else:
            j += 1
    return cells


def count_institutions(printed: dict[int, dict[str, dict[str, int]]]) -> list[Institution]:
    """Institutions whose totals reproduce a 表1: printed[year][breakdown][item] in persons."""
    kinds: dict[str, Institution] = {}

    def add(kind: str, year: int, item: str, v: int) -> None:
        assert v >= 0, (kind, year, item, v)
        kinds.setdefault(kind, Institution(kind)).totals.setdefault(year, {})[item] = v

    for year, p in printed.items():
        for item in COUNT_ITEMS:
            get = {bd: vals[item] for bd, vals in p.items()}
            # hospitals
            if "hosp_public" in get and "hosp_l2" in get:
                own = [get["hosp_public"], get["hosp_private"]]
                fixed = [get["hosp_l2"], get["hosp_l1"], get["hosp_unrated"]]
                cols = [sum(own) - sum(fixed), *fixed]  # 三级 absorbs the rounding discrepancy
                grid = northwest_corner(own, cols)
                for r, owner in enumerate(("公立", "民营")):
                    for c, lvl in enumerate(LEVELS):
                        add(HOSPITAL_CELL[(owner, lvl)], year, item, grid[r][c])
                hosp = sum(own)
            else:
                hosp = get["hosp"]
                add("公立三级", year, item, hosp)
            # 基层
            primary = 0
            if "chc" in get:
                add("社区中心政府办", year, item, get["chc_gov"])
                add("社区站非政府办", year, item, get["chc"] - get["chc_gov"])
                add("基层其他", year, item, get["primary"] - get["chc"])
                primary = get["primary"]
            # everything else, so that 医疗卫生机构合计 is exact
            add("其他机构", year, item, get["total"] - hosp - primary)
    return list(kinds.values())


COUNT_TABLES = [
    # (fixture, 本期 month, breakdowns whose value cannot be exact, see module docstring)
    ("nhc_2019_01-10_service_volume.csv", Month(2019, 10), {"hosp", "hosp_l3"}),
    ("nhc_2017_01-06_service_volume.csv", Month(2017, 6), set()),
]
# |engine − printed| for an inexact row: half a unit (0.05万) for each of the seven independently
# rounded cells of the hospital rows (医院, 公立, 民营, 三级, 二级, 一级, 未定级).
INEXACT_SLACK = 7 * 500


@pytest.mark.parametrize("name, current, inexact", COUNT_TABLES, ids=[t[0] for t in COUNT_TABLES])
def test_service_volume_table(tmp_path, regions, name, current, inexact):
    rows = load(name)
    cur_year, base_year = current.year, current.year - 1
    printed: dict[int, dict[str, dict[str, int]]] = {cur_year: {}, base_year: {}}
    for r in rows:
        printed[cur_year].setdefault(r.breakdown_id, {})[r.indicator_id] = persons(r.current)
        printed[base_year].setdefault(r.breakdown_id, {})[r.indicator_id] = persons(r.base)
    months = {y: list(range(1, current.month + 1)) for y in (base_year, cur_year)}
    raw = write_raw(tmp_path / "raw", count_institutions(printed), months)
    t = run_engine(raw, regions, current)
    city = regions.city_code

    problems = []
    seen_inexact = set()
    for r in rows:
        where = f"{r.row_label} {r.indicator_id}"
        value, base, change = (engine_cell(t, r, city, indicators.CUMULATIVE, c)
                               for c in ("value", "base_value", "change"))
        # the 同比 % to the printed decimal, for every row
        if fmt.number(change, 1) != r.change:
            problems.append(f"{where}: 同比 {fmt.number(change, 1)}% ≠ printed {r.change}%")
        # the values: exact, except the rows that no consistent dataset can make exact
        if value == persons(r.current) and base == persons(r.base):
            if fmt.wan(value) != r.current or fmt.wan(base) != r.base:
                problems.append(f"{where}: {fmt.wan(value)}/{fmt.wan(base)} ≠ printed {r.current}/{r.base}")
        else:
            seen_inexact.add(r.breakdown_id)
            if r.breakdown_id not in inexact:
                problems.append(f"{where}: {value}/{base} ≠ printed {r.current}/{r.base} (×1万)")
            for got, want in ((value, r.current), (base, r.base)):
                if abs(got - persons(want)) > INEXACT_SLACK:
                    problems.append(f"{where}: {got} is beyond rounding slack of printed {want}万")
    assert problems == []
    assert seen_inexact == inexact
    # the growth printed is also what the printed (rounded) inputs give: no rounding effect to document
    for r in rows:
        recomputed = (Decimal(r.current) - Decimal(r.base)) / Decimal(r.base) * 100
        assert fmt.number(float(recomputed), 1) == r.change, r


def test_2019_table1_hospital_splits_are_not_all_roundings_of_one_dataset():
    """A property of the publication, not of the engine: why 医院 and 三级 are checked loosely.

    A printed x.x (万) stands for a true value in [x.x − 0.05, x.x + 0.05) (half-up). For 医院 the
    intervals implied by the row itself, by 公立 + 民营 and by 三级 + 二级 + 一级 + 未定级 overlap for
    three of the four (indicator, year) cells — but for 2019年1-10月 诊疗人次 公立 + 民营 ≤ 308594.6 + 0.1
    (exclusive) while the four levels sum to ≥ 308594.9 − 0.2: no dataset reproduces all of them.
    """
    rows = {(r.breakdown_id, r.indicator_id): r for r in load("nhc_2019_01-10_service_volume.csv")}
    half = Decimal("0.05")
    verdict = {}
    for item in COUNT_ITEMS:
        for which in ("base", "current"):
            v = {bd: Decimal(getattr(rows[(bd, item)], which)) for bd in
                 ("hosp", "hosp_public", "hosp_private", *LEVEL_BD.values())}
            own = v["hosp_public"] + v["hosp_private"]
            lvl = sum((v[LEVEL_BD[x]] for x in LEVELS), Decimal(0))
            lo = max(v["hosp"] - half, own - 2 * half, lvl - 4 * half)
            hi = min(v["hosp"] + half, own + 2 * half, lvl + 4 * half)
            verdict[(item, which)] = lo < hi
    assert verdict == {("visits", "base"): True, ("visits", "current"): False,
                       ("discharges", "base"): True, ("discharges", "current"): True}


# ---------------------------------------------------------------------------- bed use (rates)


# Size of each synthetic leaf: 实际开放总床日数 and 出院人数 (multiples of 1000 and 10, so that
# rate × open / 100 and 住院日 × discharges are whole numbers for 1-decimal printed values).
HOSPITAL_LEAVES = {"hosp_l3": "公立三级", "hosp_l2": "公立二级", "hosp_l1": "公立一级"}
OPEN = {"hosp_l3": 3_000_000, "hosp_l2": 4_500_000, "hosp_l1": 800_000, "hosp_unrated": 1_700_000,
        "chc": 1_000_000, "thc": 1_000_000}
DISCHARGES = {"hosp_l3": 300_000, "hosp_l2": 450_000, "hosp_l1": 80_000, "hosp_unrated": 170_000,
              "chc": 100_000, "thc": 100_000}
# a value for a cell the table does not print (nothing is asserted about it)
FILLER = {"bed_use_rate": Decimal("80.0"), "avg_stay": Decimal("9.0")}
NO_BASE = "-"  # printed '-': modelled as no discharges in that period, so the engine has no 同期


def whole(x: Decimal) -> int:
    assert x == x.to_integral_value(), x
    return int(x)


def leaf_target(tg: dict[tuple[str, str], Decimal | str], bd: str, ind: str) -> Decimal | str:
    """The printed value for a leaf; else the printed 医院 value for a hospital leaf; else a filler."""
    if (bd, ind) in tg:
        return tg[(bd, ind)]
    if bd.startswith("hosp_") and ("hosp", ind) in tg:
        return tg[("hosp", ind)]
    return FILLER[ind]


def bed_institutions(targets: dict[int, dict[tuple[str, str], Decimal | str]]) -> list[Institution]:
    """Institutions whose bed days reproduce targets[year][(breakdown, indicator)] exactly.

    三级/二级/一级 are one public hospital each; a 未定级 hospital (unprinted) is the residual that
    makes the printed 医院 row exact. 社区卫生服务中心 is one B100, 乡镇卫生院 one C220.
    """
    insts = {bd: Institution(kind) for bd, kind in
             {**HOSPITAL_LEAVES, "hosp_unrated": "公立未定级", "chc": "社区中心政府办", "thc": "乡镇卫生院"}.items()}
    for year, tg in targets.items():
        items: dict[str, dict[str, int]] = {}
        for bd in (*HOSPITAL_LEAVES, "chc", "thc"):
            rate, stay = leaf_target(tg, bd, "bed_use_rate"), leaf_target(tg, bd, "avg_stay")
            dis = 0 if stay == NO_BASE else DISCHARGES[bd]
            items[bd] = {
                "open_bed_days": OPEN[bd], "occupied_bed_days": whole(rate * OPEN[bd] / 100),
                "discharges": dis, "discharged_bed_days": 0 if stay == NO_BASE else whole(stay * dis),
            }
        # the residual 未定级 hospital
        leaves = [items[bd] for bd in HOSPITAL_LEAVES]
        open_all = sum(x["open_bed_days"] for x in leaves) + OPEN["hosp_unrated"]
        dis_all = sum(x["discharges"] for x in leaves) + DISCHARGES["hosp_unrated"]
        if ("hosp", "bed_use_rate") in tg:
            occupied = whole(tg[("hosp", "bed_use_rate")] * open_all / 100) - sum(x["occupied_bed_days"] for x in leaves)
        else:
            occupied = whole(FILLER["bed_use_rate"] * OPEN["hosp_unrated"] / 100)
        if ("hosp", "avg_stay") in tg:
            dbd = whole(tg[("hosp", "avg_stay")] * dis_all) - sum(x["discharged_bed_days"] for x in leaves)
        else:
            dbd = whole(FILLER["avg_stay"] * DISCHARGES["hosp_unrated"])
        # keep the residual a plausible hospital (use rate 30–110 %, stay 3–20 days)
        assert 30 <= occupied / OPEN["hosp_unrated"] * 100 <= 110, (year, occupied)
        assert 3 <= dbd / DISCHARGES["hosp_unrated"] <= 20, (year, dbd)
        items["hosp_unrated"] = {"open_bed_days": OPEN["hosp_unrated"], "occupied_bed_days": occupied,
                                 "discharges": DISCHARGES["hosp_unrated"], "discharged_bed_days": dbd}
        for bd, vals in items.items():
            insts[bd].totals[year] = vals
    return list(insts.values())


BED_TABLES = [
    # (fixture, 本期 month, period type compared)
    ("moh_2010_01-12_bed_use.csv", Month(2010, 12), indicators.CUMULATIVE),
    ("moh_2011_01_bed_use.csv", Month(2011, 1), indicators.MONTH),
    ("nhc_2020_01-03_bed_use_text.csv", Month(2020, 3), indicators.CUMULATIVE),
]


def printed_change(r: Printed) -> Decimal:
    return Decimal(0) if r.change == "持平" else Decimal(r.change)


@pytest.mark.parametrize("name, current, period_type", BED_TABLES, ids=[t[0] for t in BED_TABLES])
def test_bed_use_table(tmp_path, regions, name, current, period_type):
    rows = load(name)
    cur_year, base_year = current.year, current.year - 1
    targets: dict[int, dict[tuple[str, str], Decimal | str]] = {cur_year: {}, base_year: {}}
    for r in rows:
        key = (r.breakdown_id, r.indicator_id)
        targets[cur_year][key] = Decimal(r.current)
        if r.base == NO_BASE:
            targets[base_year][key] = NO_BASE
        elif r.base:
            targets[base_year][key] = Decimal(r.base)
        else:
            # The text bulletin prints 本期 and the change only. The 同期 input is *constructed* as
            # 本期 − change (not a published number); what is checked is that the engine reports the
            # change in 百分点 / 日 with the printed sign and size, and 持平 where printed.
            targets[base_year][key] = Decimal(r.current) - printed_change(r)
    months = {y: list(range(1, current.month + 1)) for y in (base_year, cur_year)}
    raw = write_raw(tmp_path / "raw", bed_institutions(targets), months)
    t = run_engine(raw, regions, current)
    city = regions.city_code

    problems = []
    for r in rows:
        where = f"{r.row_label} {r.indicator_id}"
        value, base, change, change_unit = (engine_cell(t, r, city, period_type, c)
                                            for c in ("value", "base_value", "change", "change_unit"))
        if change_unit != r.change_unit:
            problems.append(f"{where}: change unit {change_unit} ≠ {r.change_unit}")
        if fmt.number(value, 1) != r.current:
            problems.append(f"{where}: {fmt.number(value, 1)} ≠ printed {r.current}")
        if r.base == NO_BASE:
            if base is not None or change is not None or fmt.signed(change) != fmt.DASH:
                problems.append(f"{where}: 同期 printed '-', engine has {base} / change {change}")
            continue
        if is_number(r.base) and fmt.number(base, 1) != r.base:
            problems.append(f"{where}: 同期 {fmt.number(base, 1)} ≠ printed {r.base}")
        if r.change == "持平":
            want = "持平"
            got = change_phrase(change, r.change_unit)
        elif r.change:
            want, got = fmt.signed(float(r.change)), fmt.signed(change)
        else:  # no change column printed: the difference of the printed values
            want, got = fmt.signed(float(Decimal(r.current) - Decimal(r.base))), fmt.signed(change)
            if want == "0.0":
                want, got = "持平", change_phrase(change, r.change_unit)
        if got != want:
            problems.append(f"{where}: change {got} ≠ printed {want} {r.change_unit}")
    assert problems == []
