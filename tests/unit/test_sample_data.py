"""Tests for pipeline.sample.city (the synthetic 岳阳市 sample city).

The checks here are written independently of the generator: the credit-code check digit is
re-derived from the GB 32100 formula (weights 3**i mod 31), the expected reporting set is
recomputed from registry.csv + institution_types.csv, and every exported row is re-read
with openpyxl from the row-3 header.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest
import yaml

from pipeline.sample import city as sample_data
from pipeline.sample.city import generate, main_summary_text

REPO = Path(__file__).resolve().parents[2]
CATALOGUES = REPO / "pipeline" / "catalogues"
MONTHS = ["2024-01", "2024-02", "2024-03", "2024-10", "2024-11", "2024-12",
          "2025-01", "2025-02", "2025-03", "2025-10", "2025-11", "2025-12"]
DUE_DAY = 20
GROUPS = ("医院", "基层医疗卫生机构", "专业公共卫生机构", "其他机构")
SCALE_2020 = {"医院": 125, "基层医疗卫生机构": 3951, "专业公共卫生机构": 45}
MONEY = {"medical_revenue", "outpatient_revenue", "outpatient_drug_revenue", "inpatient_revenue",
         "inpatient_drug_revenue", "essential_drug_revenue", "medical_expense", "drug_expense"}


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    root = tmp_path_factory.mktemp("city_a")
    summary = generate(root, months=MONTHS, progress=False)
    return root, summary


@pytest.fixture(scope="module")
def items():
    doc = yaml.safe_load((CATALOGUES / "items.yaml").read_text(encoding="utf-8"))
    ident = [(d["id"], d["label"]) for d in doc["identity"]]
    its = [(d["id"], d["label"]) for d in doc["items"]]
    return ident, its


@pytest.fixture(scope="module")
def types():
    with (CATALOGUES / "institution_types.csv").open(encoding="utf-8", newline="") as fh:
        return {r["type_code"]: r for r in csv.DictReader(fh)}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def registry(gen):
    return _read_csv(gen[0] / "data" / "reference" / "registry.csv")


@pytest.fixture(scope="module")
def regions(gen):
    return _read_csv(gen[0] / "data" / "reference" / "regions.csv")


def _month_path(root: Path, period: str) -> Path:
    y, m = int(period[:4]), int(period[5:])
    return root / "data" / "raw" / period / f"月报_医疗卫生机构_{y}年{m}月.xlsx"


@pytest.fixture(scope="module")
def exports(gen, items):
    """period → list of row dicts keyed by item id (identity + items)."""
    root = gen[0]
    ident, its = items
    by_label = {lab: key for key, lab in ident + its}
    out = {}
    for period in MONTHS:
        wb = openpyxl.load_workbook(_month_path(root, period), read_only=True)
        ws = wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        wb.close()
        header = rows[2]
        assert all(h in by_label for h in header), header
        keys = [by_label[h] for h in header]
        out[period] = [dict(zip(keys, r)) for r in rows[3:]]
    return out


def _expected(registry, types, period):
    y, m = int(period[:4]), int(period[5:])
    first = dt.date(y, m, 1)
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
    out = set()
    for r in registry:
        if types[r["type_code"]]["files_monthly"] != "true" or r["is_branch"] == "true":
            continue
        if dt.date.fromisoformat(r["opened"]) > last:
            continue
        if r["closed"] and dt.date.fromisoformat(r["closed"]) < first:
            continue
        out.add(r["org_code"])
    return out


# ----------------------------------------------------------------------------- credit code
_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _uscc_ok(code: str) -> bool:
    if len(code) != 18 or any(c not in _CHARS for c in code):
        return False
    total = sum(_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return _CHARS[-total % 31] == code[17]


def _orgcode_ok(code9: str) -> bool:
    vals = [int(c) if c.isdigit() else ord(c) - 55 for c in code9[:8]]
    c = 11 - sum(v * w for v, w in zip(vals, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    return code9[8] == {10: "X", 11: "0"}.get(c, str(c))


@pytest.mark.parametrize("code", [
    "91350100M000100Y43",  # worked example in GB 32100-2015
    "914403001922038216",  # 华为技术有限公司 (printed on its business licence)
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
])
def test_check_digit_anchor_codes(code):
    assert _uscc_ok(code)
    assert _orgcode_ok(code[8:17])
    assert sample_data.is_valid_uscc(code)
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    assert not _uscc_ok(bad) and not sample_data.is_valid_uscc(bad)


def test_registry_codes_valid_and_unique(registry, regions):
    codes = [r["org_code"] for r in registry]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    assert len({c[8:17] for c in codes}) == len(codes)  # organisation codes unique too
    region_codes = {r["region_code"] for r in regions}
    for r in registry:
        c = r["org_code"]
        assert _uscc_ok(c), c
        assert _orgcode_ok(c[8:17]), c
        assert c[:2] in ("12", "52", "91"), c
        assert c[2:8] in region_codes, c
        if r["reg_type"] in ("有限责任公司", "股份合作"):
            assert c[:2] == "91"


# ----------------------------------------------------------------------------- reference data
def test_institution_types_catalogue(types):
    assert types["A300"]["type_name"] == "中西医结合医院"
    assert types["A100"]["type_group"] == "医院"
    for code in ("A100", "A210", "A300", "A520", "A710", "B100", "B200", "C100", "C210", "C220", "D600",
                 "E100", "F120", "G100", "H219", "J100", "K100"):
        assert code in types, code
    for t in types.values():
        assert t["type_group"] in GROUPS
        assert t["files_monthly"] in ("true", "false")
        assert (t["files_monthly"] == "false") == (t["type_sub"] in ("诊所", "卫生所(医务室)", "村卫生室"))
    assert {t["type_sub"] for t in types.values() if t["type_group"] == "医院"} == {
        "综合医院", "中医医院", "中西医结合医院", "民族医院", "专科医院", "护理院"}


def test_regions(regions):
    by = {r["region_code"]: r for r in regions}
    assert by["430600"]["region_name"] == "岳阳市"
    real = {"430602": "岳阳楼区", "430603": "云溪区", "430611": "君山区", "430621": "岳阳县", "430623": "华容县",
            "430624": "湘阴县", "430626": "平江县", "430671": "屈原管理区", "430681": "汨罗市", "430682": "临湘市"}
    for code, name in real.items():
        assert by[code]["region_name"] == name and by[code]["national_code"] == "true"
    for code in ("430691", "430692"):
        assert by[code]["region_kind"] == "功能区" and by[code]["national_code"] == "false"
    assert len(regions) == 13


def test_population(gen, regions):
    rows = _read_csv(gen[0] / "data" / "reference" / "population.csv")
    pop = {(r["region_code"], int(r["year"])): int(r["population"]) for r in rows}
    units = [r["region_code"] for r in regions if r["region_code"] != "430600"]
    for y in range(2020, 2026):
        assert pop[("430600", y)] == sum(pop[(u, y)] for u in units)
    assert 5_000_000 <= pop[("430600", 2020)] <= 5_100_000
    for y in range(2021, 2026):
        ratio = pop[("430600", y)] / pop[("430600", y - 1)]
        assert 0.990 < ratio < 1.0
    biggest_district = max(("430602", "430603", "430611"), key=lambda c: pop[(c, 2020)])
    assert biggest_district == "430602"


def test_registry_scale_and_fields(registry, regions, types):
    counts = Counter(types[r["type_code"]]["type_group"] for r in registry)
    for group, n2020 in SCALE_2020.items():
        assert abs(counts[group] - n2020) <= 0.05 * n2020, (group, counts[group])
    assert 1 <= counts["其他机构"] <= 5
    assert len({r["name"] for r in registry}) == len(registry)
    assert {r["region_code"] for r in registry} <= {r["region_code"] for r in regions}
    levels = Counter()
    for r in registry:
        hospital = types[r["type_code"]]["type_group"] == "医院"
        assert (r["hospital_level"] != "") == hospital
        if hospital:
            assert r["hospital_level"] in ("三级甲等", "三级乙等", "二级甲等", "二级乙等", "一级甲等", "一级", "未定级")
            levels[r["hospital_level"][:2] if r["hospital_level"] != "未定级" else "未定级"] += 1
        assert r["reg_type"] in ("国有", "集体", "私营", "联营", "股份合作", "有限责任公司", "其他")
        assert r["sponsor"] in ("政府", "社会办", "个人")
        assert r["is_branch"] in ("true", "false")
        opened = dt.date.fromisoformat(r["opened"])
        if r["closed"]:
            assert dt.date.fromisoformat(r["closed"]) > opened
    assert 5 <= levels["三级"] <= 12 and 28 <= levels["二级"] <= 42 and 30 <= levels["一级"] <= 50
    new = [r for r in registry if r["opened"] >= "2024-01-01"]
    closed = [r for r in registry if r["closed"]]
    assert 10 <= len(new) <= 20 and 6 <= len(closed) <= 14
    assert all("2024-01-01" <= r["closed"] <= "2025-12-31" for r in closed)
    assert any(r["opened"] >= "2025-01-01" and types[r["type_code"]]["files_monthly"] == "true" for r in new)
    assert 3 <= sum(r["is_branch"] == "true" for r in registry) <= 8


def test_some_county_lacks_a_hospital_level(registry, types):
    have = defaultdict(set)
    for r in registry:
        if types[r["type_code"]]["type_group"] == "医院":
            have[r["region_code"]].add(r["hospital_level"][:2])
    assert any("三级" not in lv for lv in have.values())


# ----------------------------------------------------------------------------- files
def _tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_deterministic(gen, tmp_path):
    root, _ = gen
    generate(tmp_path, months=MONTHS, progress=False)
    a, b = _tree_hashes(root), _tree_hashes(tmp_path)
    assert a == b
    assert len([k for k in a if k.endswith(".xlsx")]) == len(MONTHS)


def test_month_subset_gives_same_bytes(gen, tmp_path):
    root, _ = gen
    generate(tmp_path, months=["2025-11"], progress=False)
    for rel in ("data/raw/2025-11/月报_医疗卫生机构_2025年11月.xlsx", "data/reference/registry.csv", "data/README.md"):
        assert (tmp_path / rel).read_bytes() == (root / rel).read_bytes(), rel


def test_layout(gen, items):
    root, summary = gen
    ident, its = items
    assert summary.monthly_files == tuple(
        str(_month_path(Path(""), p)) for p in MONTHS)
    wb = openpyxl.load_workbook(_month_path(root, "2025-03"))
    ws = wb.worksheets[0]
    assert ws.title == "医疗卫生机构月报"
    assert ws["A1"].value == "医疗卫生机构月报表（2025年3月）"
    assert any(str(r).startswith("A1:") for r in ws.merged_cells.ranges)
    assert ws["A2"].value == "填报单位：岳阳市卫生健康委员会"
    assert ws.cell(row=2, column=ws.max_column).value == "金额单位：千元"
    assert [c.value for c in ws[3]] == [lab for _, lab in ident] + [lab for _, lab in its]
    assert isinstance(ws["C4"].value, str) and isinstance(ws["A4"].value, str)


def test_every_row_consistent(exports, registry, types, regions):
    reg = {r["org_code"]: r for r in registry}
    region_codes = {r["region_code"] for r in regions}
    for period, rows in exports.items():
        y, m = int(period[:4]), int(period[5:])
        days = ((dt.date(y + (m == 12), m % 12 + 1, 1)) - dt.date(y, m, 1)).days
        for v in rows:
            where = (period, v["org_code"], v["name"])
            r = reg[v["org_code"]]
            assert v["name"] == r["name"] and v["type_code"] == r["type_code"], where
            assert isinstance(v["region_code"], str) and v["region_code"] == r["region_code"] in region_codes
            assert v["period"] == period
            assert (v["hospital_level"] or "") == r["hospital_level"]
            dt.datetime.strptime(v["submitted_at"], "%Y-%m-%d %H:%M:%S")
            for key in ("health_techs", "doctors", "gps", "nurses", "beds", "open_bed_days", "occupied_bed_days",
                        "discharged_bed_days", "visits", "oe_visits", "appointment_visits", "discharges", "deaths",
                        "health_checks"):
                assert isinstance(v[key], int) and v[key] >= 0, (where, key, v[key])
            for key in MONEY:
                assert isinstance(v[key], (int, float)) and v[key] >= 0, (where, key)
                assert abs(v[key] * 10 - round(v[key] * 10)) < 1e-6, (where, key, v[key])
            assert v["oe_visits"] <= v["visits"], where
            assert v["appointment_visits"] <= v["oe_visits"], where
            assert v["doctors"] <= v["health_techs"] and v["nurses"] <= v["health_techs"], where
            assert v["doctors"] + v["nurses"] <= v["health_techs"], where
            assert v["gps"] <= v["doctors"], where
            assert v["deaths"] <= v["discharges"], where
            assert v["discharged_bed_days"] >= v["discharges"], where
            assert v["open_bed_days"] <= v["beds"] * days, where
            assert v["occupied_bed_days"] <= v["open_bed_days"] * 1.05, where
            assert v["outpatient_drug_revenue"] <= v["outpatient_revenue"], where
            assert v["inpatient_drug_revenue"] <= v["inpatient_revenue"], where
            assert v["outpatient_revenue"] + v["inpatient_revenue"] <= v["medical_revenue"] + 1e-9, where
            assert v["essential_drug_revenue"] <= v["outpatient_drug_revenue"] + v["inpatient_drug_revenue"] + 1e-9
            if v["beds"] == 0:
                assert v["open_bed_days"] == v["occupied_bed_days"] == v["discharged_bed_days"] == 0, where
                assert v["discharges"] == v["deaths"] == 0 and v["inpatient_revenue"] == 0, where
            if v["discharges"]:
                alos = v["discharged_bed_days"] / v["discharges"]
                assert 3 <= alos <= 60, (where, alos)
            if v["open_bed_days"]:
                assert v["occupied_bed_days"] / v["open_bed_days"] >= 0.25, where


def _totals(exports, registry, types, key, group=None):
    grp = {r["org_code"]: types[r["type_code"]]["type_group"] for r in registry}
    out = {}
    for period, rows in exports.items():
        seen = {}
        for v in rows:  # keep the latest submission per institution
            if v["org_code"] not in seen or v["submitted_at"] > seen[v["org_code"]]["submitted_at"]:
                seen[v["org_code"]] = v
        out[period] = sum(v[key] for v in seen.values() if group is None or grp[v["org_code"]] == group)
    return out


def test_seasonality_and_growth(exports, registry, types):
    visits = _totals(exports, registry, types, "visits")
    for y in (2024, 2025):
        assert visits[f"{y}-02"] < visits[f"{y}-01"] and visits[f"{y}-02"] < visits[f"{y}-03"]
        assert visits[f"{y}-02"] < 0.9 * visits[f"{y}-03"]
        assert visits[f"{y}-12"] > visits[f"{y}-11"]
    dis = _totals(exports, registry, types, "discharges", "医院")
    for m in ("01", "02", "03", "10", "11", "12"):
        assert visits[f"2025-{m}"] > visits[f"2024-{m}"], m
        assert 1.0 < visits[f"2025-{m}"] / visits[f"2024-{m}"] < 1.08, m
        assert 0.99 < dis[f"2025-{m}"] / dis[f"2024-{m}"] < 1.09, m


def test_calibration(exports, registry, types):
    visits = _totals(exports, registry, types, "visits")
    beds = _totals(exports, registry, types, "beds")
    techs = _totals(exports, registry, types, "health_techs")
    h_vis = _totals(exports, registry, types, "visits", "医院")
    h_op = _totals(exports, registry, types, "outpatient_revenue", "医院")
    h_ip = _totals(exports, registry, types, "inpatient_revenue", "医院")
    h_dis = _totals(exports, registry, types, "discharges", "医院")
    non_feb = [visits[p] for p in MONTHS if not p.endswith("-02")]
    assert 1.3e6 <= sum(non_feb) / len(non_feb) <= 1.6e6
    for p in MONTHS:
        assert 1.15e6 <= visits[p] <= 1.75e6, p
        assert 36_000 <= beds[p] <= 42_000, p
        assert 32_000 <= techs[p] <= 38_000, p
        assert 50_000 <= h_dis[p] <= 76_000, p
        assert 250 <= h_op[p] * 1000 / h_vis[p] <= 350, p
        assert 8_000 <= h_ip[p] * 1000 / h_dis[p] <= 11_000, p


# ----------------------------------------------------------------------------- planted defects
def test_clean_months_are_complete_and_on_time(exports, registry, types):
    for period in MONTHS:
        if period in ("2025-10", "2025-11", "2025-12"):
            continue
        codes = [v["org_code"] for v in exports[period]]
        assert len(codes) == len(set(codes)), period
        assert set(codes) == _expected(registry, types, period), period
        for v in exports[period]:
            ts = dt.datetime.strptime(v["submitted_at"], "%Y-%m-%d %H:%M:%S")
            y, m = int(period[:4]), int(period[5:])
            assert (ts.year, ts.month) == ((y + 1, 1) if m == 12 else (y, m + 1))
            assert 1 <= ts.day <= 18


def test_planted_defects(gen, exports, registry, types):
    root, summary = gen
    defects = {d.kind: d for d in summary.defects}
    assert set(defects) == {"duplicate", "late", "missing"}
    reg = {r["org_code"]: r for r in registry}
    readme = (root / "data" / "README.md").read_text(encoding="utf-8")
    for d in summary.defects:
        assert d.org_code in readme and d.name in readme and d.period in readme
        assert reg[d.org_code]["name"] == d.name

    # (a) resubmission in 2025-11: one hospital twice, the later row is the correct one
    dup = defects["duplicate"]
    assert dup.period == "2025-11"
    assert types[reg[dup.org_code]["type_code"]]["type_group"] == "医院"
    rows = exports["2025-11"]
    counts = Counter(v["org_code"] for v in rows)
    assert [c for c, n in counts.items() if n > 1] == [dup.org_code]
    pair = sorted((v for v in rows if v["org_code"] == dup.org_code), key=lambda v: v["submitted_at"])
    assert len(pair) == 2 and pair[0]["submitted_at"] < pair[1]["submitted_at"]
    assert tuple(v["submitted_at"] for v in pair) == dup.submitted_at
    assert pair[0]["visits"] < pair[1]["visits"]
    for key, change in dup.values:
        first, second = change.split("→")
        assert float(first) == pytest.approx(pair[0][key]) and float(second) == pytest.approx(pair[1][key])
    assert set(counts) == _expected(registry, types, "2025-11")

    # (b) late filer in 2025-10
    late = defects["late"]
    assert late.period == "2025-10"
    late_rows = [v for v in exports["2025-10"]
                 if not v["submitted_at"].startswith("2025-11") or int(v["submitted_at"][8:10]) > DUE_DAY]
    assert [v["org_code"] for v in late_rows] == [late.org_code]
    assert late_rows[0]["submitted_at"] == late.submitted_at[0]
    assert {v["org_code"] for v in exports["2025-10"]} == _expected(registry, types, "2025-10")

    # (c) one 乡镇卫生院 missing from 2025-12
    miss = defects["missing"]
    assert miss.period == "2025-12"
    assert reg[miss.org_code]["type_code"] in ("C210", "C220") and reg[miss.org_code]["is_branch"] == "false"
    got = {v["org_code"] for v in exports["2025-12"]}
    assert _expected(registry, types, "2025-12") - got == {miss.org_code}
    assert got <= _expected(registry, types, "2025-12")
    assert miss.org_code in {v["org_code"] for v in exports["2025-11"]}


def test_new_institution_has_no_last_year_value(exports, registry, types):
    new_2025 = {r["org_code"] for r in registry
                if r["opened"] >= "2025-01-01" and types[r["type_code"]]["files_monthly"] == "true"}
    dec25 = {v["org_code"] for v in exports["2025-12"]}
    dec24 = {v["org_code"] for v in exports["2024-12"]}
    assert new_2025 & dec25 and not (new_2025 & dec24)


def test_summary(gen):
    _, summary = gen
    g = summary.by_group_dict
    assert sum(g.values()) == summary.institutions
    assert len(summary.rows_per_month) == len(MONTHS)
    assert 400 <= min(n for _, n in summary.reporters_per_month) <= max(n for _, n in summary.reporters_per_month) <= 450
    text = main_summary_text(summary)
    assert f"医院 {g['医院']}" in text and "重复上报" in text and "漏报" in text and "迟报" in text
    assert str(summary) == text
