"""示例城市的机构名录：按 domain.md §6 的规模逐类生成机构（名称、类别、登记注册类型、等级、代码、开业/撤销日期）。"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import yaml

from pipeline import CATALOGUE_DIR
from pipeline.sample.codes import _make_uscc
from pipeline.sample.constants import CITY_CODE, SCALE_2020
from pipeline.sample.places import (
    CHC_PLACES,
    CHS_COUNTS,
    COMMUNITIES,
    COUNTY_CODES,
    EXTRA_THC,
    GIVEN,
    REGION_BY_CODE,
    STREET_THC,
    SURNAMES,
    TOWNS,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
    WORDS,
)

# --------------------------------------------------------------------------------------
# 机构类别（读取手工维护的 institution_types.csv）
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TypeInfo:
    code: str
    name: str
    group: str
    sub: str
    files_monthly: bool


def _load_types(path: Path | None = None) -> dict[str, _TypeInfo]:
    path = path or CATALOGUE_DIR / "institution_types.csv"
    out: dict[str, _TypeInfo] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["type_code"]] = _TypeInfo(
                row["type_code"], row["type_name"], row["type_group"], row["type_sub"],
                row["files_monthly"].strip().lower() == "true",
            )
    return out


def _load_items(path: Path | None = None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    path = path or CATALOGUE_DIR / "items.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    ident = [(d["id"], d["label"]) for d in doc["identity"]]
    items = [(d["id"], d["label"]) for d in doc["items"]]
    return ident, items


# --------------------------------------------------------------------------------------
# 机构名录
# --------------------------------------------------------------------------------------
@dataclass
class _Inst:
    name: str
    region_code: str
    type_code: str
    reg_type: str
    sponsor: str
    hospital_level: str
    opened: dt.date
    closed: dt.date | None = None
    is_branch: bool = False
    enterprise: bool = False  # 国有企业办医院：信用代码 91
    city_level: bool = False  # 市直机构：信用代码区划段 430600
    beds_hint: int = 0
    org_code: str = ""
    group: str = ""
    sub: str = ""
    files_monthly: bool = False
    central: bool = False

    def open_in(self, first: dt.date, last: dt.date) -> bool:
        return self.opened <= last and (self.closed is None or self.closed >= first)


def _rand_date(rng: random.Random, y0: int, y1: int) -> dt.date:
    start = dt.date(y0, 1, 1).toordinal()
    end = dt.date(y1, 12, 31).toordinal()
    return dt.date.fromordinal(rng.randint(start, end))


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for k, w in pairs:
        x -= w
        if x < 0:
            return k
    return pairs[-1][0]


class _HospitalBuilder:
    """The registry under construction: shared helpers, hospitals, public health and other institutions."""

    def __init__(self, rng: random.Random, types: dict[str, _TypeInfo]):
        self.rng = rng
        self.types = types
        self.insts: list[_Inst] = []
        self.names: set[str] = set()

    # -- helpers -------------------------------------------------------------------
    def add(self, inst: _Inst) -> _Inst:
        if inst.name in self.names:
            raise ValueError(f"duplicate institution name {inst.name}")
        if inst.type_code not in self.types:
            raise ValueError(f"unknown type code {inst.type_code}")
        self.names.add(inst.name)
        t = self.types[inst.type_code]
        inst.group, inst.sub, inst.files_monthly = t.group, t.sub, t.files_monthly
        self.insts.append(inst)
        return inst

    def unique(self, make) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.names:
                return name
        raise RuntimeError("could not make a unique name")

    def person(self) -> str:
        r = self.rng
        given = r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.75 else "")
        return r.choice(SURNAMES) + given

    def private_reg(self, company_share: float = 0.4) -> tuple[str, str]:
        r = self.rng
        reg = _weighted(r, (("私营", 0.9 - company_share), ("有限责任公司", company_share),
                            ("股份合作", 0.04), ("联营", 0.03), ("其他", 0.03)))
        sponsor = "个人" if (reg == "私营" and r.random() < 0.85) else "社会办"
        return reg, sponsor

    # -- hospitals ---------------------------------------------------------------
    def public_hospitals(self) -> None:
        r = self.rng
        spec = [
            # name, region, type, level, beds, city_level, enterprise
            ("岳阳市中心医院", "430602", "A100", "三级甲等", 2300, True, False),
            ("岳阳市第一人民医院", "430602", "A100", "三级甲等", 2000, True, False),
            ("岳阳市中医医院", "430602", "A210", "三级甲等", 1200, True, False),
            ("岳阳市第二人民医院", "430602", "A100", "三级乙等", 900, True, False),
            ("岳阳市第三人民医院", "430602", "A520", "三级乙等", 800, True, False),
            ("岳阳市人民医院", "430692", "A100", "三级乙等", 1000, True, False),
            ("平江县第一人民医院", "430626", "A100", "三级乙等", 1100, False, False),
            ("汨罗市人民医院", "430681", "A100", "三级乙等", 1000, False, False),
            ("岳阳市第四人民医院", "430602", "A100", "二级甲等", 500, True, False),
            ("岳阳市康复医院", "430602", "A527", "二级甲等", 300, True, False),
            ("岳阳市口腔医院", "430602", "A511", "二级甲等", 60, True, False),
            ("岳阳楼区人民医院", "430602", "A100", "二级乙等", 250, False, False),
            ("岳阳楼区中医医院", "430602", "A210", "一级甲等", 60, False, False),
            ("岳阳经济技术开发区人民医院", "430691", "A100", "二级乙等", 200, False, False),
            ("云溪区人民医院", "430603", "A100", "二级甲等", 400, False, False),
            ("云溪区中医医院", "430603", "A210", "一级甲等", 80, False, False),
            ("岳阳长岭炼化医院", "430603", "A100", "二级甲等", 350, False, True),
            ("岳阳巴陵石化医院", "430603", "A100", "二级甲等", 400, False, True),
            ("君山区人民医院", "430611", "A100", "二级甲等", 450, False, False),
            ("君山区中医医院", "430611", "A210", "二级乙等", 200, False, False),
            ("岳阳县人民医院", "430621", "A100", "二级甲等", 900, False, False),
            ("岳阳县中医医院", "430621", "A210", "二级甲等", 500, False, False),
            ("岳阳县第二人民医院", "430621", "A100", "二级乙等", 250, False, False),
            ("岳阳县精神病医院", "430621", "A520", "一级甲等", 120, False, False),
            ("华容县人民医院", "430623", "A100", "二级甲等", 900, False, False),
            ("华容县中医医院", "430623", "A210", "二级甲等", 450, False, False),
            ("华容县第二人民医院", "430623", "A100", "二级乙等", 200, False, False),
            ("华容县精神病医院", "430623", "A520", "一级", 100, False, False),
            ("湘阴县人民医院", "430624", "A100", "二级甲等", 850, False, False),
            ("湘阴县中医医院", "430624", "A210", "二级甲等", 450, False, False),
            ("湘阴县第二人民医院", "430624", "A100", "一级甲等", 120, False, False),
            ("平江县第二人民医院", "430626", "A100", "二级甲等", 450, False, False),
            ("平江县中医医院", "430626", "A210", "二级甲等", 600, False, False),
            ("平江县第三人民医院", "430626", "A100", "二级乙等", 200, False, False),
            ("平江县精神病医院", "430626", "A520", "二级乙等", 300, False, False),
            ("平江县第四人民医院", "430626", "A100", "一级甲等", 100, False, False),
            ("屈原管理区人民医院", "430671", "A100", "二级乙等", 250, False, False),
            ("屈原管理区中医医院", "430671", "A210", "一级甲等", 80, False, False),
            ("汨罗市中医医院", "430681", "A210", "二级甲等", 500, False, False),
            ("汨罗市第二人民医院", "430681", "A100", "二级乙等", 200, False, False),
            ("汨罗市精神病医院", "430681", "A520", "一级", 100, False, False),
            ("临湘市人民医院", "430682", "A100", "二级甲等", 700, False, False),
            ("临湘市中医医院", "430682", "A210", "二级甲等", 400, False, False),
            ("临湘市中西医结合医院", "430682", "A300", "二级乙等", 200, False, False),
            ("临湘市第二人民医院", "430682", "A100", "一级甲等", 100, False, False),
        ]
        for name, region, tcode, level, beds, city, ent in spec:
            opened = _rand_date(r, 1950, 1966) if level.startswith(("三级", "二级甲")) else _rand_date(r, 1955, 1992)
            self.add(_Inst(name, region, tcode, "国有", "社会办" if ent else "政府", level, opened,
                           enterprise=ent, city_level=city, beds_hint=beds))
        # 分院（不单独报送）
        self.add(_Inst("湘阴县人民医院城西分院", "430624", "A100", "国有", "政府", "二级甲等",
                       dt.date(2016, 9, 1), is_branch=True, beds_hint=100))
        self.add(_Inst("平江县中医医院南江分院", "430626", "A210", "国有", "政府", "二级甲等",
                       dt.date(2018, 3, 1), is_branch=True, beds_hint=60))

    def private_hospitals(self) -> list[_Inst]:
        r = self.rng
        region_w = (("430602", 28), ("430691", 6), ("430692", 4), ("430603", 3), ("430611", 3),
                    ("430621", 8), ("430623", 8), ("430624", 8), ("430626", 12), ("430671", 2),
                    ("430681", 10), ("430682", 6))
        suffix = {"A100": "医院", "A210": "中医医院", "A221": "肛肠医院", "A222": "骨伤医院",
                  "A300": "中西医结合医院", "A511": "口腔医院", "A512": "眼科医院", "A514": "肿瘤医院",
                  "A518": "妇产医院", "A520": "精神病医院", "A522": "皮肤病医院", "A526": "骨科医院",
                  "A527": "康复医院", "A529": "医疗美容医院", "A513": "耳鼻喉医院", "A710": "护理院"}
        types_all = (("A100", 30), ("A210", 6), ("A221", 2), ("A222", 2), ("A300", 4), ("A511", 4),
                     ("A512", 5), ("A514", 1), ("A518", 6), ("A520", 7), ("A522", 1), ("A526", 6),
                     ("A527", 6), ("A529", 2), ("A513", 1), ("A710", 5))
        types_l2 = (("A100", 4), ("A518", 1), ("A512", 1), ("A526", 1), ("A520", 1), ("A527", 1))
        levels = ["二级甲等"] * 2 + ["二级乙等"] * 5 + ["一级甲等"] * 12 + ["一级"] * 19 + ["未定级"] * 36
        made: list[_Inst] = []
        for level in levels:
            tcode = _weighted(r, types_l2 if level.startswith("二级") else types_all)
            if tcode == "A710" and level != "未定级":
                tcode = "A100"
            region = _weighted(r, region_w)
            made.append(self._private_hospital(region, tcode, level, _rand_date(r, 1998, 2019), suffix))
        new_spec = ((dt.date(2024, 3, 18), "430602", "A527"), (dt.date(2024, 9, 9), "430624", "A100"),
                    (dt.date(2025, 3, 17), "430692", "A710"), (dt.date(2025, 6, 23), "430626", "A526"))
        for opened, region, tcode in new_spec:
            made.append(self._private_hospital(region, tcode, "未定级", opened, suffix))
        return made

    def _private_hospital(self, region: str, tcode: str, level: str, opened: dt.date,
                          suffix: dict[str, str]) -> _Inst:
        r = self.rng
        reg, sponsor = self.private_reg(0.45)
        pre = REGION_BY_CODE[region].private_prefix
        tail = "有限公司" if reg == "有限责任公司" else ""
        name = self.unique(lambda: f"{pre}{r.choice(WORDS)}{suffix[tcode]}{tail}")
        if level.startswith("二级"):
            beds = r.randint(150, 300)
        elif level == "一级甲等":
            beds = r.randint(50, 110)
        elif level == "一级":
            beds = r.randint(35, 90)
        else:
            beds = r.randint(20, 55)
        if tcode == "A710":
            beds = r.randint(50, 120)
        elif tcode in ("A511", "A529", "A513"):
            beds = min(beds, r.randint(20, 40))
        return self.add(_Inst(name, region, tcode, reg, sponsor, level, opened, beds_hint=beds))

    # -- public health & other -----------------------------------------------------
    def public_health(self) -> None:
        r = self.rng
        city_region = "430602"
        self.add(_Inst("岳阳市疾病预防控制中心", city_region, "J100", "国有", "政府", "",
                       _rand_date(r, 1952, 1960), city_level=True))
        self.add(_Inst("岳阳市卫生健康综合监督执法局", city_region, "K100", "国有", "政府", "",
                       _rand_date(r, 1998, 2003), city_level=True))
        self.add(_Inst("岳阳市妇幼保健院", city_region, "G100", "国有", "政府", "",
                       _rand_date(r, 1952, 1960), city_level=True, beds_hint=600))
        for code in COUNTY_CODES:
            pre = REGION_BY_CODE[code].prefix
            self.add(_Inst(f"{pre}疾病预防控制中心", code, "J100", "国有", "政府", "", _rand_date(r, 1953, 1975)))
            self.add(_Inst(f"{pre}卫生健康综合监督执法局", code, "K100", "国有", "政府", "",
                           _rand_date(r, 1998, 2006)))
            beds = 0 if code in ("430602", "430603", "430671") else r.randint(50, 150)
            self.add(_Inst(f"{pre}妇幼保健计划生育服务中心", code, "G100", "国有", "政府", "",
                           _rand_date(r, 1953, 1980), beds_hint=beds))
        h_spec = (("岳阳市结核病防治所", "430602", "H214", 0, True),
                  ("君山区血吸虫病防治站", "430611", "H219", 30, False),
                  ("华容县血吸虫病防治所", "430623", "H219", 50, False),
                  ("岳阳县血吸虫病防治所", "430621", "H219", 40, False),
                  ("湘阴县血吸虫病防治所", "430624", "H219", 30, False),
                  ("汨罗市血吸虫病防治所", "430681", "H219", 20, False),
                  ("屈原管理区血吸虫病防治站", "430671", "H219", 0, False))
        for name, code, tcode, beds, city in h_spec:
            self.add(_Inst(name, code, tcode, "国有", "政府", "", _rand_date(r, 1956, 1980),
                           city_level=city, beds_hint=beds))
        self.add(_Inst("岳阳市紧急救援中心", city_region, "E100", "国有", "政府", "", dt.date(1996, 5, 8),
                       city_level=True))
        self.add(_Inst("平江县急救站", "430626", "E300", "国有", "政府", "", dt.date(2009, 7, 1)))
        self.add(_Inst("岳阳市中心血站", city_region, "F120", "国有", "政府", "", dt.date(1994, 3, 1),
                       city_level=True))
        self.add(_Inst("平江县中心血库", "430626", "F130", "国有", "政府", "", dt.date(2001, 6, 1)))
        self.add(_Inst("岳阳市健康教育所", city_region, "O100", "国有", "政府", "", dt.date(1986, 4, 1),
                       city_level=True))

    def others(self) -> None:
        self.add(_Inst("岳阳市临床检验中心", "430602", "P110", "国有", "政府", "", dt.date(1993, 9, 1),
                       city_level=True))
        self.add(_Inst("岳阳市南湖疗养院", "430692", "A600", "国有", "政府", "", dt.date(1958, 5, 1),
                       city_level=True, beds_hint=120))

    # -- primary care ---------------------------------------------------------------


class _Builder(_HospitalBuilder):
    """Adds the primary-care institutions (community centres, township hospitals, villages, clinics)."""

    def primary_monthly(self) -> None:
        r = self.rng
        for code, places in CHC_PLACES.items():
            pre = REGION_BY_CODE[code].prefix
            for place in places:
                self.add(_Inst(f"{pre}{place}社区卫生服务中心", code, "B100", "国有", "政府", "",
                               _rand_date(r, 2006, 2015)))
        self.add(_Inst("岳阳楼区洞庭街道社区卫生服务中心白杨坡分中心", "430602", "B100", "国有", "政府", "",
                       dt.date(2017, 10, 1), is_branch=True))
        for code, n in CHS_COUNTS.items():
            pre = REGION_BY_CODE[code].prefix
            for _ in range(n):
                name = self.unique(lambda: f"{pre}{r.choice(COMMUNITIES)}社区卫生服务站")
                if r.random() < 0.55:
                    reg, sponsor = "国有", "政府"
                else:
                    reg, sponsor = self.private_reg(0.1)
                self.add(_Inst(name, code, "B200", reg, sponsor, "", _rand_date(r, 2008, 2019)))
        for code, street in STREET_THC:
            pre = REGION_BY_CODE[code].prefix
            self.add(_Inst(f"{pre}{street}卫生院", code, "C100", "国有", "政府", "", _rand_date(r, 1955, 1975)))
        for code, towns in TOWNS.items():
            pre = REGION_BY_CODE[code].prefix
            for town in towns:
                central = r.random() < 0.3
                tcode = "C210" if central else "C220"
                name = f"{pre}{town}{'中心' if central else ''}卫生院"
                self.add(_Inst(name, code, tcode, "国有", "政府", "", _rand_date(r, 1952, 1975),
                               central=central))
        for code, town, old in EXTRA_THC:
            pre = REGION_BY_CODE[code].prefix
            self.add(_Inst(f"{pre}{town}{old}卫生院", code, "C220", "国有", "政府", "", _rand_date(r, 1956, 1978)))
        # 两个卫生院分院
        centrals = [i for i in self.insts if i.type_code == "C210" and i.region_code in ("430626", "430623")]
        for parent, sub in zip(centrals[:2], ("大坪", "新建")):
            self.add(_Inst(parent.name.replace("卫生院", f"卫生院{sub}分院"), parent.region_code, "C210",
                           "国有", "政府", "", dt.date(2015, 1, 1) + dt.timedelta(days=r.randint(0, 1500)),
                           is_branch=True))

    def clinics_opd(self, n_existing: int, new_dates: Sequence[dt.date]) -> None:
        r = self.rng
        region_w = (("430602", 30), ("430691", 6), ("430692", 6), ("430603", 3), ("430611", 3),
                    ("430621", 6), ("430623", 6), ("430624", 6), ("430626", 9), ("430671", 1),
                    ("430681", 7), ("430682", 5))
        kinds = (("D110", "综合门诊部", 40), ("D121", "中医门诊部", 15), ("D130", "中西医结合门诊部", 5),
                 ("D152", "口腔门诊部", 25), ("D153", "眼科门诊部", 5), ("D154", "医疗美容门诊部", 5),
                 ("D151", "皮肤专科门诊部", 5))
        dates = [_rand_date(r, 2000, 2019) for _ in range(n_existing)] + list(new_dates)
        for opened in dates:
            tcode = _weighted(r, [(k[0], k[2]) for k in kinds])
            label = next(k[1] for k in kinds if k[0] == tcode)
            region = _weighted(r, region_w)
            reg, sponsor = self.private_reg(0.45)
            tail = "有限公司" if reg == "有限责任公司" else ""
            pre = REGION_BY_CODE[region].private_prefix
            name = self.unique(lambda: f"{pre}{r.choice(WORDS)}{label}{tail}")
            self.add(_Inst(name, region, tcode, reg, sponsor, "", opened))

    def chs_new(self, opened: dt.date) -> None:
        r = self.rng
        pre = REGION_BY_CODE["430692"].prefix
        name = self.unique(lambda: f"{pre}{r.choice(COMMUNITIES)}社区卫生服务站")
        self.add(_Inst(name, "430692", "B200", "国有", "政府", "", opened))

    def villages(self, total: int) -> None:
        r = self.rng
        factor = {"430602": 0.6, "430603": 0.7, "430611": 0.8, "430691": 0.6, "430692": 0.5}
        towns = [(code, t) for code, ts in TOWNS.items() for t in ts]
        weights = [r.uniform(0.6, 1.4) * factor.get(code, 1.0) for code, _ in towns]
        shares = [w / sum(weights) * total for w in weights]
        counts = [math.floor(s) for s in shares]
        order = sorted(range(len(towns)), key=lambda i: (-(shares[i] - counts[i]), i))
        for i in order[: total - sum(counts)]:
            counts[i] += 1
        for (code, town), n in zip(towns, counts):
            pre = REGION_BY_CODE[code].prefix
            used: set[str] = set()
            for _ in range(n):
                def make() -> str:
                    if r.random() < 0.25:
                        v = r.choice(SURNAMES) + "家" + r.choice(VILLAGE_C)
                    else:
                        a, b = r.choice(VILLAGE_A), r.choice(VILLAGE_B)
                        v = a + b if a != b else a + "山"
                    return v
                for _ in range(200):
                    v = make()
                    if v not in used:
                        break
                used.add(v)
                kind = _weighted(r, (("村办", 45), ("私人办", 40), ("卫生院设点", 10), ("联合办", 5)))
                reg, sponsor = {"村办": ("集体", "社会办"), "私人办": ("私营", "个人"),
                                "卫生院设点": ("国有", "政府"), "联合办": ("联营", "社会办")}[kind]
                self.add(_Inst(f"{pre}{town}{v}村卫生室", code, "D600", reg, sponsor, "",
                               _rand_date(r, 1970, 2012)))

    def clinics(self, n_existing: int, new_dates: Sequence[dt.date]) -> None:
        r = self.rng
        region_w = (("430602", 260), ("430691", 60), ("430692", 40), ("430603", 45), ("430611", 40),
                    ("430621", 100), ("430623", 100), ("430624", 100), ("430626", 150), ("430671", 25),
                    ("430681", 100), ("430682", 70))
        kinds = (("D211", 60), ("D212", 20), ("D213", 5), ("D215", 13), ("D216", 2))
        dates = [_rand_date(r, 1995, 2019) for _ in range(n_existing)] + list(new_dates)
        for opened in dates:
            region = _weighted(r, region_w)
            tcode = _weighted(r, kinds)
            reg, sponsor = self.private_reg(0.08)
            pre = REGION_BY_CODE[region].prefix
            towns = TOWNS[region]

            def make() -> str:
                place = pre + (r.choice(towns) if (region in COUNTY_CODES[3:] and r.random() < 0.5) else "")
                if tcode == "D211":
                    return f"{place}{self.person()}诊所"
                if tcode == "D212":
                    return f"{place}{self.person()}中医诊所"
                if tcode == "D213":
                    return f"{place}{self.person()}中西医结合诊所"
                if tcode == "D215":
                    if r.random() < 0.5:
                        return f"{REGION_BY_CODE[region].private_prefix}{r.choice(WORDS)}口腔诊所"
                    return f"{place}{self.person()}口腔诊所"
                return f"{REGION_BY_CODE[region].private_prefix}{r.choice(WORDS)}医疗美容诊所"

            if tcode in ("D215", "D216") and reg == "有限责任公司":
                name = self.unique(lambda: make() + "有限公司")
            else:
                name = self.unique(make)
            self.add(_Inst(name, region, tcode, reg, sponsor, "", opened))

    def infirmaries(self, n_d400: int, n_d300: int) -> None:
        r = self.rng
        industries = ("纸业", "化工", "电力", "机械", "建材", "食品", "物流", "纺织", "港务", "石化", "茶业", "水泥")
        numerals = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六")
        county_codes = [c for c in COUNTY_CODES]

        def org_name() -> tuple[str, str, str]:
            kind = _weighted(r, (("city_school", 20), ("county_school", 30), ("town_school", 20),
                                 ("company", 20), ("elderly", 10)))
            if kind == "city_school":
                return f"岳阳市第{r.choice(numerals)}中学", "国有", "政府"
            code = r.choice(county_codes)
            pre = REGION_BY_CODE[code].prefix
            if kind == "county_school":
                return f"{pre}第{r.choice(numerals[:6])}中学", "国有", "政府"
            if kind == "town_school":
                return f"{pre}{r.choice(TOWNS[code])}中学", "国有", "政府"
            if kind == "company":
                return f"岳阳{r.choice(WORDS)}{r.choice(industries)}有限公司", "有限责任公司", "社会办"
            return f"{pre}{r.choice(TOWNS[code])}敬老院", "国有", "政府"

        for tcode, n, tail in (("D400", n_d400, "医务室"), ("D300", n_d300, "卫生所")):
            for _ in range(n):
                holder: list[tuple[str, str, str]] = []

                def make() -> str:
                    holder.clear()
                    holder.append(org_name())
                    return holder[0][0] + tail

                name = self.unique(make)
                _, reg, sponsor = holder[0]
                region = "430602"
                for code in COUNTY_CODES:
                    if name.startswith(REGION_BY_CODE[code].prefix):
                        region = code
                self.add(_Inst(name, region, tcode, reg, sponsor, "", _rand_date(r, 1985, 2018),
                               city_level=name.startswith("岳阳市")))
        for code in COUNTY_CODES:
            pre = REGION_BY_CODE[code].prefix
            self.add(_Inst(f"{pre}中小学卫生保健所", code, "D500", "国有", "政府", "", _rand_date(r, 1985, 2005)))


def _assign_codes(rng: random.Random, insts: list[_Inst]) -> None:
    used: set[str] = set()
    alnum = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for inst in insts:
        if inst.reg_type in ("国有", "集体") and not inst.enterprise:
            auth = "12"
        elif inst.enterprise or inst.reg_type in ("有限责任公司", "股份合作"):
            auth = "91"
        else:
            auth = "52"
        region6 = CITY_CODE if (inst.city_level or not REGION_BY_CODE[inst.region_code].national) else inst.region_code
        for _ in range(1000):
            if auth == "12":
                body = "4" + "".join(rng.choice("0123456789") for _ in range(7))
            elif auth == "52":
                if inst.opened.year >= 2016:
                    body = "MJ" + "".join(rng.choice(alnum[:10] * 3 + alnum[10:]) for _ in range(6))
                else:
                    body = rng.choice("5678") + "".join(rng.choice("0123456789") for _ in range(7))
            else:
                if inst.opened.year >= 2015:
                    body = "MA4" + "".join(rng.choice(alnum[:10] * 2 + alnum[10:]) for _ in range(5))
                else:
                    body = rng.choice("67") + "".join(rng.choice("0123456789") for _ in range(7))
            if body in used:
                continue
            used.add(body)
            inst.org_code = _make_uscc(auth, region6, body)
            break
        else:  # pragma: no cover
            raise RuntimeError("could not assign a unique code")


def _build_registry(seed: int, types: dict[str, _TypeInfo]) -> list[_Inst]:
    rng = random.Random(seed)
    b = _Builder(rng, types)
    b.public_hospitals()
    private = b.private_hospitals()
    b.public_health()
    b.others()
    b.primary_monthly()
    b.clinics_opd(47, (dt.date(2024, 5, 20), dt.date(2024, 11, 11), dt.date(2025, 4, 14)))
    b.chs_new(dt.date(2025, 2, 24))
    new_clinic_dates = sorted(_rand_date(rng, 2024, 2025) for _ in range(8))
    b.clinics(1077, new_clinic_dates)
    b.infirmaries(100, 40)
    n_jc = sum(1 for i in b.insts if types[i.type_code].group == "基层医疗卫生机构")
    b.villages(SCALE_2020["基层医疗卫生机构"] - n_jc)

    # 2024–2025 年内注销的机构
    old_private = [i for i in private if i.hospital_level == "未定级" and i.opened.year < 2020]
    closures: list[tuple[_Inst, dt.date]] = [
        (old_private[3], dt.date(2024, 7, 31)),
        (old_private[11], dt.date(2025, 5, 20)),
    ]
    opd = [i for i in b.insts if i.type_code.startswith("D1") and i.opened.year < 2020]
    closures.append((opd[5], dt.date(2024, 10, 15)))
    chs = [i for i in b.insts if i.type_code == "B200" and i.sponsor != "政府"]
    closures.append((chs[0], dt.date(2025, 8, 31)))
    clinics = [i for i in b.insts if i.type_code.startswith("D2") and i.opened.year < 2020]
    vill = [i for i in b.insts if i.type_code == "D600"]
    for inst in rng.sample(clinics, 4) + rng.sample(vill, 2):
        closures.append((inst, _rand_date(rng, 2024, 2025)))
    for inst, d in closures:
        inst.closed = d

    _assign_codes(rng, b.insts)
    return sorted(b.insts, key=lambda i: i.org_code)


@dataclass
class _Plan:
    registry: list[_Inst]
    series: dict[str, dict[str, dict[str, int]]]  # org_code → period → values
    expected: dict[str, list[_Inst]]  # period → 应报机构
    duplicate: _Inst
    late: _Inst
    missing: _Inst
    late_time: dt.datetime
    dup_times: tuple[dt.datetime, dt.datetime]
