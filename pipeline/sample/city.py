"""合成样例城市数据（岳阳市模型城市）。Synthetic sample data for the model city.

``generate(root)`` writes, deterministically (byte-identical on every run):

* ``data/reference/regions.csv``     — 行政区划（10 个县级单位 + 2 个功能区 + 全市）
* ``data/reference/population.csv``  — 常住人口 2020–2025
* ``data/reference/registry.csv``    — 机构名录（约 4100 家，统一社会信用代码校验位有效）
* ``data/raw/<YYYY-MM>/月报_医疗卫生机构_<YYYY>年<M>月.xlsx`` — 2024-01 … 2025-12 直报导出
* ``data/README.md``                 — 说明与预置缺陷清单

All institutions, codes and values are synthetic. Only ``random.Random`` is used
(no numpy, no wall clock): registry randomness comes from ``random.Random(seed)``,
each institution's monthly series from ``random.Random(f"{seed}:{org_code}")`` so a
month's file does not depend on which other months are written.

The institution type table (WS 218) is hand-written reference data in
``pipeline/catalogues/institution_types.csv`` and is read, not generated.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pipeline import CATALOGUE_DIR
from pipeline.render.xlsx import workbook_bytes

__all__ = [
    "ALL_MONTHS",
    "PlantedDefect",
    "SampleSummary",
    "generate",
    "main_summary_text",
    "month_file_relpath",
    "uscc_check_char",
    "org_code_check_char",
    "is_valid_uscc",
]

DEFAULT_SEED = 430600
CITY_CODE = "430600"
CITY_NAME = "岳阳市"
ALL_MONTHS: tuple[str, ...] = tuple(f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13))
POP_YEARS = tuple(range(2020, 2026))
DUE_DAY = 20  # 每月 20 日前报送（参数，见 domain.md §1）
SHEET_NAME = "医疗卫生机构月报"
FILLING_UNIT = "填报单位：岳阳市卫生健康委员会"
MONEY_UNIT = "金额单位：千元"

# 2020 年末模型城市规模（domain.md §6）
SCALE_2020 = {"医院": 125, "基层医疗卫生机构": 3951, "专业公共卫生机构": 45}

# --------------------------------------------------------------------------------------
# 统一社会信用代码 GB 32100-2015 / 组织机构代码 GB 11714-1997
# --------------------------------------------------------------------------------------
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 个字符（不含 I、O、Z、S、V）
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 第 18 位校验码。"""
    if len(first17) != 17:
        raise ValueError("need the first 17 characters")
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 组织机构代码（主体标识码）第 9 位校验码。"""
    if len(first8) != 8:
        raise ValueError("need the first 8 characters")

    def val(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10

    c9 = 11 - sum(val(c) * w for c, w in zip(first8, ORG_WEIGHTS)) % 11
    return "X" if c9 == 10 else ("0" if c9 == 11 else str(c9))


def is_valid_uscc(code: str) -> bool:
    return (
        len(code) == 18
        and all(c in USCC_CHARSET for c in code)
        and org_code_check_char(code[8:16]) == code[16]
        and uscc_check_char(code[:17]) == code[17]
    )


def _make_uscc(auth: str, region6: str, body8: str) -> str:
    first17 = auth + region6 + body8 + org_code_check_char(body8)
    return first17 + uscc_check_char(first17)


# --------------------------------------------------------------------------------------
# 区划、人口、乡镇
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Region:
    code: str
    name: str
    kind: str
    national: bool
    prefix: str  # 公立机构名称前缀
    private_prefix: str  # 民营机构名称前缀
    pop2020: int
    growth: float  # 常住人口年增长率


REGIONS: tuple[_Region, ...] = (
    _Region("430602", "岳阳楼区", "区", True, "岳阳楼区", "岳阳", 842_000, 0.002),
    _Region("430603", "云溪区", "区", True, "云溪区", "岳阳云溪", 151_000, -0.003),
    _Region("430611", "君山区", "区", True, "君山区", "岳阳君山", 186_000, -0.006),
    _Region("430621", "岳阳县", "县", True, "岳阳县", "岳阳县", 611_000, -0.008),
    _Region("430623", "华容县", "县", True, "华容县", "华容", 559_000, -0.009),
    _Region("430624", "湘阴县", "县", True, "湘阴县", "湘阴", 601_000, -0.006),
    _Region("430626", "平江县", "县", True, "平江县", "平江", 880_000, -0.009),
    _Region("430671", "屈原管理区", "管理区", True, "屈原管理区", "屈原", 86_000, -0.007),
    _Region("430681", "汨罗市", "县级市", True, "汨罗市", "汨罗", 641_000, -0.006),
    _Region("430682", "临湘市", "县级市", True, "临湘市", "临湘", 399_000, -0.008),
    _Region("430691", "岳阳经济技术开发区", "功能区", False, "岳阳经济技术开发区", "岳阳", 64_000, 0.015),
    _Region("430692", "南湖新区", "功能区", False, "岳阳市南湖新区", "岳阳", 36_000, 0.018),
)
REGION_BY_CODE = {r.code: r for r in REGIONS}
COUNTY_CODES = tuple(r.code for r in REGIONS if r.national)

# 乡镇（卫生院、村卫生室所在地）。名称参照当地地名习惯，机构与数据均为虚构。
TOWNS: dict[str, tuple[str, ...]] = {
    "430602": ("郭镇乡",),
    "430603": ("陆城镇", "路口镇", "永济乡", "文桥镇"),
    "430611": ("许市镇", "钱粮湖镇", "良心堡镇", "广兴洲镇", "采桑湖镇"),
    "430621": ("黄沙街镇", "新墙镇", "柏祥镇", "筻口镇", "公田镇", "毛田镇", "月田镇", "张谷英镇",
               "新开镇", "杨林乡", "中洲乡", "长湖乡", "步仙镇", "鹿角镇", "麻塘镇"),
    "430623": ("治河渡镇", "北景港镇", "鲇鱼须镇", "万庾镇", "插旗镇", "注滋口镇", "操军镇", "东山镇",
               "三封寺镇", "宋家嘴镇", "梅田湖镇", "胜峰乡", "新河乡", "团洲乡", "禹山镇", "终南乡"),
    "430624": ("南湖洲镇", "东塘镇", "城西镇", "袁家铺镇", "金龙镇", "新泉镇", "岭北镇", "三塘镇",
               "六塘乡", "鹤龙湖镇", "杨林寨乡", "静河乡", "湘滨镇", "樟树镇", "玉华乡", "洋沙湖镇"),
    "430626": ("安定镇", "三市镇", "加义镇", "长寿镇", "龙门镇", "虹桥镇", "南江镇", "梅仙镇",
               "浯口镇", "瓮江镇", "伍市镇", "向家镇", "童市镇", "岑川镇", "木金乡", "大洲乡",
               "余坪乡", "福寿山镇", "上塔市镇", "三阳乡", "板江乡", "石牛寨镇", "思村乡", "三墩乡"),
    "430671": ("营田镇", "河市镇", "凤凰乡"),
    "430681": ("长乐镇", "大荆镇", "桃林寺镇", "三江镇", "白水镇", "川山坪镇", "弼时镇", "神鼎山镇",
               "罗江镇", "屈子祠镇", "新市镇", "古培镇", "汨罗镇"),
    "430682": ("桃林镇", "长塘镇", "羊楼司镇", "坦渡镇", "白羊田镇", "詹桥镇", "忠防镇", "聂市镇",
               "江南镇", "黄盖镇"),
    "430691": ("西塘镇", "康王乡"),
    "430692": ("梅溪乡",),
}
# 撤并乡镇保留的卫生院（原乡名）
EXTRA_THC: tuple[tuple[str, str, str], ...] = (
    ("430626", "长寿镇", "黄金"), ("430626", "南江镇", "清水"), ("430626", "安定镇", "蒲塘"),
    ("430626", "三市镇", "献钟"), ("430626", "龙门镇", "长田"), ("430623", "万庾镇", "护城"),
    ("430623", "注滋口镇", "洪山头"), ("430623", "插旗镇", "白荆"), ("430621", "筻口镇", "杨桥"),
    ("430621", "新墙镇", "三合"), ("430621", "公田镇", "太平"), ("430624", "东塘镇", "新安"),
    ("430624", "金龙镇", "长安"), ("430681", "长乐镇", "黄柏"), ("430681", "白水镇", "天井"),
)
# 社区卫生服务中心（街道或县城所在镇）
CHC_PLACES: dict[str, tuple[str, ...]] = {
    "430602": ("岳阳楼街道", "洞庭街道", "三眼桥街道", "五里牌街道", "东茅岭街道", "城东街道",
               "站前路街道", "望岳路街道", "奇家岭街道", "金鹗山街道", "枫桥湖街道", "求索街道"),
    "430603": ("云溪街道", "长岭街道"),
    "430611": ("柳林洲街道", "西城街道"),
    "430621": ("荣家湾镇",),
    "430623": ("章华镇",),
    "430624": ("文星镇",),
    "430626": ("城关镇", "天岳街道"),
    "430671": ("天问街道",),
    "430681": ("归义街道", "罗城街道"),
    "430682": ("长安街道",),
    "430691": ("金凤桥街道", "木里港街道", "通海路街道"),
    "430692": ("南湖街道", "王家河街道", "龙山街道"),
}
STREET_THC: tuple[tuple[str, str], ...] = (
    ("430602", "吉家湖街道"), ("430603", "松阳湖街道"), ("430681", "城郊街道"), ("430682", "五里牌街道"),
)
CHS_COUNTS = {"430602": 14, "430691": 4, "430692": 4, "430603": 3, "430611": 2, "430621": 1,
              "430623": 1, "430624": 1, "430626": 2, "430681": 1, "430682": 1}
COMMUNITIES = (
    "学院路", "青年路", "建湘", "白石岭", "枫树", "金鹗", "龙山", "东升", "朝阳", "新港", "花板桥", "郭亮",
    "梅溪桥", "先锋", "鸿升", "湖滨", "天灯", "月亮湾", "东风", "教育", "乾明", "德胜", "太阳桥", "宝塔",
    "康庄", "云梦", "翰林", "金湖", "文化", "车站", "南津港", "巴陵", "长虹", "旭日", "环湖", "龙舟",
    "求索", "滨江", "望湖", "新路", "工农", "友谊", "红星", "胜利", "和平", "城南", "城北", "东湖",
)

WORDS = (
    "仁和", "康华", "济民", "博爱", "华康", "康宁", "福康", "德仁", "惠民", "安康", "长康", "民康",
    "泰和", "益民", "仁爱", "康泰", "广济", "普济", "弘康", "瑞康", "恒康", "民生", "百姓", "阳光",
    "爱心", "和平", "明珠", "洞庭", "巴陵", "岳州", "楚天", "湘北", "同仁", "博康", "佑康", "健民",
    "慈济", "仁济", "济康", "永康", "万家", "金桥", "东方", "同德", "德康", "春晖", "康美", "华夏",
    "爱康", "仁心", "佳美", "美康", "慈航", "仁安", "宏康", "怡康", "馨康", "利民", "和美", "正康",
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹段雷侯龙史陶黎贺顾毛郝龚邵万严覃戴莫向汤易李"
)
GIVEN = "建国华明军平红英芳伟强勇林峰涛斌辉刚志文杰兵波云霞丽娟敏静春秋德和清学金玉海新爱桂忠永利福荣生祥雄光松柏梅兰凤美亮超鹏飞"
VILLAGE_A = "新红建胜东南西北大小长高白石龙凤金桃梅竹松柏荷清青黄上下前三双太和安福永兴明光华丰田山湖塘群民联合团星先洪泉桥岭坪花茶杉枫樟杨柳"
VILLAGE_B = "山林湖塘桥冲坪岭洲港湾田峰溪泉园铺口垸坡源江岗嘴丰华兴安和光明星河庄"
VILLAGE_C = "湾冲坪岭塘桥嘴铺垸港"

LEVELS_HOSPITAL = ("三级甲等", "三级乙等", "二级甲等", "二级乙等", "一级甲等", "一级", "未定级")

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


class _Builder:
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


# --------------------------------------------------------------------------------------
# 月度数据
# --------------------------------------------------------------------------------------
# 日均季节系数（诊疗、出院、占用）；春节因素按春节日期调整（2024-02-10，2025-01-29）
_SEASON_VISITS = {1: 1.06, 2: 0.92, 3: 1.00, 4: 0.98, 5: 0.97, 6: 0.97, 7: 1.01, 8: 1.01,
                  9: 0.98, 10: 0.95, 11: 1.00, 12: 1.08}
_SEASON_INPAT = {1: 1.02, 2: 0.86, 3: 1.00, 4: 0.99, 5: 0.99, 6: 0.98, 7: 1.01, 8: 1.01,
                 9: 0.99, 10: 0.96, 11: 1.00, 12: 1.04}
_SPRING_FESTIVAL = {2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29)}
_HC_SEASON = {1: 0.6, 2: 0.4, 3: 0.9, 4: 1.4, 5: 1.6, 6: 1.5, 7: 1.3, 8: 1.1, 9: 1.0, 10: 0.8, 11: 0.8, 12: 0.6}


def _season(table: dict[int, float], year: int, month: int) -> float:
    f = table[month]
    if _SPRING_FESTIVAL.get(year, dt.date(year, 2, 10)).month == 1:
        if month == 1:
            f -= 0.02 if table is _SEASON_VISITS else 0.05
        elif month == 2:
            f += 0.01 if table is _SEASON_VISITS else 0.05
    return f


@dataclass
class _Profile:
    beds: int
    techs: int
    sd: float  # 医师占卫技
    sn: float  # 护士占卫技
    gps: int
    gp_rate: float  # 全科医生每年增加人数（期望）
    staff_growth: float
    occ: float
    occ_cap: float
    alos: float
    visits_day: float
    oe_share: float
    appt_share: float
    appt_growth: float
    hc_share: float
    hc_seasonal: bool
    c_op: float  # 次均门诊费用（元）
    c_ip: float  # 人均住院费用（元）
    s_opd: float
    s_ipd: float
    s_ess: float
    other_share: float
    exp_ratio: float
    drug_exp_ratio: float
    death_rate: float
    growth: float  # 流量年增长
    fixed_rev_day: float = 0.0  # 千元/日（无门诊住院的机构，如血站、检验中心）
    full_open: float = 1.0
    bed_step_month: int = -1
    bed_step: int = 0
    visit_noise: float = 0.025
    alos_trend: float = 0.0  # 平均住院日年降幅
    occ_trend: float = 0.0  # 使用率年增幅（相对）


_SPECIALTY = {  # type_code: (visits per bed per month, ALOS, occupancy, op cost factor, ip cost factor)
    "A511": (130, 6.0, 0.60, 1.6, 0.8), "A512": (60, 4.0, 0.70, 1.2, 0.9), "A513": (50, 5.0, 0.65, 1.0, 0.9),
    "A514": (15, 11.0, 0.90, 1.8, 1.5), "A518": (40, 5.0, 0.75, 1.0, 0.8), "A520": (5, 35.0, 0.95, 1.2, 1.6),
    "A522": (80, 8.0, 0.55, 0.9, 0.7), "A526": (25, 12.0, 0.80, 1.0, 1.3), "A527": (10, 20.0, 0.85, 1.0, 1.2),
    "A529": (50, 4.0, 0.40, 2.5, 1.2), "A710": (2, 45.0, 0.85, 1.0, 1.5), "A221": (25, 8.0, 0.70, 0.9, 0.8),
    "A222": (25, 12.0, 0.75, 0.9, 1.1),
}


def _profile(inst: _Inst, r: random.Random) -> _Profile:
    t = inst.type_code
    lv = inst.hospital_level
    g = inst.group
    u = r.uniform
    beds = max(0, round(inst.beds_hint * u(0.95, 1.05))) if inst.beds_hint else 0
    p = dict(gps=0, gp_rate=0.0, staff_growth=u(0.01, 0.04), occ=0.0, occ_cap=1.0, alos=8.0, visits_day=0.0,
             oe_share=u(0.90, 0.97), appt_share=0.05, appt_growth=0.01, hc_share=0.0, hc_seasonal=False,
             c_op=200.0, c_ip=5000.0, s_opd=u(0.28, 0.40), s_ipd=u(0.20, 0.30), s_ess=u(0.30, 0.45),
             other_share=u(0.03, 0.08), exp_ratio=u(0.92, 1.02), drug_exp_ratio=u(0.93, 0.99),
             death_rate=0.005, growth=0.04)
    if g == "医院":
        if lv.startswith("三级"):
            tpb, sd, sn, vpb, occ, alos, cop, cip, dr, appt, growth = (
                u(0.95, 1.05), u(0.31, 0.35), u(0.52, 0.56), 29, u(0.90, 0.95), u(10.5, 11.6), u(330, 380),
                u(11500, 13500), u(0.007, 0.010), u(0.50, 0.65), r.gauss(0.055, 0.01))
            p["occ_cap"] = 1.05
        elif lv.startswith("二级"):
            tpb, sd, sn, vpb, occ, alos, cop, cip, dr, appt, growth = (
                u(0.65, 0.78), u(0.33, 0.37), u(0.49, 0.53), 25, u(0.73, 0.83), u(9.6, 11.0), u(230, 270),
                u(6800, 8200), u(0.004, 0.007), u(0.30, 0.45), r.gauss(0.045, 0.012))
        elif lv.startswith("一级"):
            tpb, sd, sn, vpb, occ, alos, cop, cip, dr, appt, growth = (
                u(0.52, 0.66), u(0.34, 0.40), u(0.45, 0.50), 20, u(0.55, 0.70), u(8.0, 9.5), u(150, 190),
                u(4200, 5200), u(0.002, 0.004), u(0.08, 0.18), r.gauss(0.03, 0.015))
        else:
            tpb, sd, sn, vpb, occ, alos, cop, cip, dr, appt, growth = (
                u(0.48, 0.62), u(0.34, 0.40), u(0.45, 0.50), 17, u(0.52, 0.70), u(8.5, 10.5), u(160, 200),
                u(5000, 6200), u(0.002, 0.004), u(0.05, 0.12), r.gauss(0.035, 0.015))
        if t.startswith(("A2", "A3")):
            vpb *= 1.3
            p["s_opd"] = u(0.40, 0.48)  # 中药饮片
        if t in _SPECIALTY:
            vpb, alos, occ_s, fop, fip = _SPECIALTY[t]
            occ = min(occ, occ_s) if not lv.startswith("三级") else occ_s
            cop *= fop
            cip *= fip
        if t == "A710":
            dr = 0.02
        p.update(occ=occ, alos=alos * u(0.95, 1.05), visits_day=beds * vpb * u(0.8, 1.2) / 30.4, c_op=cop,
                 c_ip=cip, death_rate=dr, appt_share=appt, appt_growth=u(0.01, 0.03), growth=growth,
                 hc_share=u(0.03, 0.08))
        techs = max(12, round(beds * tpb))
        p["gps"] = round(techs * sd * u(0.0, 0.03))
        p["gp_rate"] = 0.3
    elif t.startswith("C"):
        central = t == "C210" or inst.central
        beds = r.randint(80, 150) if central else r.randint(30, 90)
        if t == "C100":
            beds = r.randint(30, 70)
        techs = round(beds * u(0.55, 0.75))
        sd, sn = u(0.40, 0.45), u(0.32, 0.37)
        p.update(occ=u(0.50, 0.70), alos=u(5.5, 7.5), visits_day=(beds * u(27, 36)) / 30.4, c_op=u(80, 115),
                 c_ip=u(2400, 3300), s_opd=u(0.38, 0.45), s_ipd=u(0.28, 0.35), s_ess=u(0.75, 0.90),
                 other_share=u(0.05, 0.12), exp_ratio=u(0.95, 1.08), death_rate=u(0.001, 0.003),
                 oe_share=u(0.86, 0.94), appt_share=u(0.05, 0.15), hc_share=u(0.10, 0.20), hc_seasonal=True,
                 growth=r.gauss(0.03, 0.015))
        p["gps"] = round(techs * sd * u(0.35, 0.45))
        p["gp_rate"] = 0.9
    elif t == "B100":
        beds = 0 if r.random() < 0.3 else r.randint(20, 60)
        techs = r.randint(28, 60)
        sd, sn = u(0.40, 0.45), u(0.33, 0.38)
        p.update(occ=u(0.30, 0.60), alos=u(6.0, 8.0), visits_day=techs * u(80, 110) / 30.4, c_op=u(105, 140),
                 c_ip=u(2600, 3400), s_opd=u(0.38, 0.45), s_ipd=u(0.28, 0.35), s_ess=u(0.75, 0.90),
                 other_share=u(0.05, 0.12), exp_ratio=u(0.95, 1.08), death_rate=0.001,
                 oe_share=u(0.86, 0.94), appt_share=u(0.15, 0.30), hc_share=u(0.08, 0.15), hc_seasonal=True,
                 growth=r.gauss(0.06, 0.015))
        p["gps"] = round(techs * sd * u(0.45, 0.55))
        p["gp_rate"] = 0.7
    elif t == "B200":
        beds, techs = 0, r.randint(3, 8)
        sd, sn = u(0.40, 0.50), u(0.30, 0.40)
        p.update(visits_day=techs * u(120, 180) / 30.4, c_op=u(70, 95), s_opd=u(0.38, 0.45), s_ess=u(0.75, 0.90),
                 other_share=u(0.03, 0.08), oe_share=u(0.88, 0.95), appt_share=u(0.10, 0.25),
                 hc_share=u(0.05, 0.10), growth=r.gauss(0.06, 0.015), visit_noise=0.04)
        p["gps"] = 1
    elif t.startswith("D1"):
        beds, techs = 0, r.randint(6, 25)
        sd, sn = u(0.42, 0.50), u(0.30, 0.38)
        cop = {"D152": u(420, 520), "D153": u(280, 340), "D154": u(1200, 1600), "D121": u(190, 230)}.get(
            t, u(160, 210))
        p.update(visits_day=techs * u(90, 130) / 30.4 * (0.25 if t == "D154" else 1.0), c_op=cop,
                 s_opd=u(0.05, 0.12) if t in ("D152", "D154") else u(0.30, 0.42),
                 other_share=u(0.03, 0.08), appt_share=u(0.30, 0.55) if t == "D152" else u(0.08, 0.20),
                 hc_share=u(0.0, 0.10), growth=r.gauss(0.05, 0.02), visit_noise=0.04)
    elif t.startswith("G"):
        techs = 820 if inst.city_level else round(max(beds, 40) * u(1.0, 1.3))
        sd, sn = u(0.34, 0.38), u(0.44, 0.48)
        p.update(occ=u(0.65, 0.85), alos=u(4.5, 5.5), visits_day=(45000 if inst.city_level else techs * 45) / 30.4,
                 c_op=u(190, 240), c_ip=u(4800, 6000), death_rate=0.0005, appt_share=u(0.35, 0.50),
                 hc_share=u(0.05, 0.10), growth=r.gauss(0.02, 0.01))
    elif t.startswith("J"):
        beds = 0
        techs = 160 if inst.city_level else r.randint(40, 90)
        sd, sn = u(0.42, 0.48), u(0.04, 0.08)
        p.update(visits_day=techs * u(10, 20) / 30.4, c_op=u(50, 90), s_opd=u(0.0, 0.05), s_ess=0.0,
                 oe_share=1.0 - u(0.0, 0.02), appt_share=u(0.3, 0.6), hc_share=u(0.8, 1.5),
                 exp_ratio=u(1.0, 1.2), growth=r.gauss(0.03, 0.01))
    elif t.startswith("K"):
        beds = 0
        techs = 45 if inst.city_level else r.randint(10, 30)
        sd, sn = u(0.15, 0.25), 0.0
    elif t.startswith("H"):
        techs = round(max(beds, 15) * u(0.9, 1.3))
        sd, sn = u(0.38, 0.45), u(0.30, 0.40)
        p.update(occ=u(0.45, 0.65), alos=u(9.0, 12.0), visits_day=techs * u(40, 60) / 30.4, c_op=u(120, 170),
                 c_ip=u(3500, 4500), death_rate=0.002, appt_share=u(0.05, 0.15), hc_share=u(0.1, 0.3),
                 growth=r.gauss(0.02, 0.01))
    elif t.startswith("E"):
        beds = 0
        techs = 90 if inst.city_level else 24
        sd, sn = u(0.40, 0.45), u(0.40, 0.45)
        p.update(visits_day=techs * u(20, 30) / 30.4, c_op=u(280, 340), oe_share=1.0, appt_share=0.0,
                 growth=r.gauss(0.03, 0.01))
    elif t.startswith("F"):
        beds = 0
        techs = 110 if inst.city_level else 14
        sd, sn = u(0.15, 0.20), u(0.40, 0.50)
        p.update(fixed_rev_day=(150.0 if inst.city_level else 12.0) * u(0.9, 1.1), growth=r.gauss(0.03, 0.01))
    elif t == "A600":
        techs = round(beds * u(0.35, 0.45))
        sd, sn = u(0.35, 0.40), u(0.45, 0.50)
        p.update(occ=u(0.45, 0.55), alos=u(11.0, 13.0), visits_day=u(8, 14), c_op=u(180, 220), c_ip=u(2800, 3400),
                 death_rate=0.0, growth=r.gauss(0.02, 0.01))
    elif t.startswith("P"):
        beds = 0
        techs = 24
        sd, sn = u(0.10, 0.15), u(0.05, 0.10)
        p.update(fixed_rev_day=u(35, 45), growth=r.gauss(0.04, 0.01))
    else:  # 健康教育所等
        beds = 0
        techs = 12
        sd, sn = u(0.25, 0.35), u(0.0, 0.1)
    if techs < 20:
        p["staff_growth"] = 0.0
    prof = _Profile(beds=beds, techs=techs, sd=sd, sn=sn, **p)
    if beds > 0:
        prof.alos_trend = u(0.02, 0.04)
        prof.occ_trend = u(0.005, 0.02)
    # 床位：约 85% 机构全部开放；部分机构少量床位未开放
    prof.full_open = 1.0 if r.random() < 0.85 else u(0.95, 0.995)
    if beds >= 100 and r.random() < 0.15:
        prof.bed_step_month = r.randint(6, 23)
        prof.bed_step = max(5, round(beds * u(0.04, 0.08)))
    return prof


def _month_bounds(period: str) -> tuple[dt.date, dt.date, int]:
    y, m = int(period[:4]), int(period[5:])
    days = calendar.monthrange(y, m)[1]
    return dt.date(y, m, 1), dt.date(y, m, days), days


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _simulate(inst: _Inst, seed: int) -> dict[str, dict[str, int]]:
    """One institution's monthly series. Money values are in 0.1 千元 (integers)."""
    r = random.Random(f"{seed}:{inst.org_code}")
    prof = _profile(inst, r)
    out: dict[str, dict[str, int]] = {}
    e_vis = e_inp = 0.0
    walk = 0
    gp_extra = 0
    opened_idx = None
    for idx, period in enumerate(ALL_MONTHS):
        first, last, days = _month_bounds(period)
        # AR(1) noises are drawn every month so the series does not depend on the months written
        e_vis = 0.6 * e_vis + r.gauss(0, prof.visit_noise)
        e_inp = 0.6 * e_inp + r.gauss(0, 0.03)
        step = r.random()
        gp_draw = r.random()
        noise = [r.gauss(0, 1) for _ in range(10)]
        if prof.techs >= 40:
            walk += (1 if step > 0.85 else -1 if step < 0.10 else 0) * max(1, prof.techs // 400)
        if gp_draw < prof.gp_rate / 12:
            gp_extra += 1
        if not inst.open_in(first, last):
            continue
        if opened_idx is None:
            opened_idx = idx
        d0 = max(first, inst.opened)
        d1 = min(last, inst.closed) if inst.closed else last
        open_days = (d1 - d0).days + 1
        y, m = first.year, first.month
        t = idx / 12.0
        ramp = 1.0
        if inst.opened.year >= 2024:
            ramp = min(1.0, 0.75 + 0.05 * (idx - opened_idx))
        trend = (1 + prof.growth) ** t

        # staff (stock)
        techs = round(prof.techs * (1 + prof.staff_growth * t)) + walk
        techs = max(1, techs)
        doctors = min(techs, round(techs * prof.sd))
        nurses = min(techs - doctors, round(techs * prof.sn))
        gps = min(doctors, prof.gps + (gp_extra if prof.gps or prof.gp_rate >= 0.7 else 0))
        beds = prof.beds + (prof.bed_step if 0 <= prof.bed_step_month <= idx else 0)

        # beds & inpatients
        if beds > 0:
            open_bd = math.floor(beds * open_days * prof.full_open)
            occ = prof.occ * (1 + prof.occ_trend * t) * (1 + (_season(_SEASON_INPAT, y, m) - 1) * 0.6)
            occ *= (1 + e_inp) * ramp
            occ = min(occ, prof.occ_cap)
            occupied = min(round(open_bd * occ), math.floor(open_bd * prof.occ_cap))
            dis_bd = round(occupied * _clip(0.985 + 0.02 * noise[0], 0.94, 1.03))
            alos = prof.alos * (1 - prof.alos_trend * t) * (1 + 0.03 * noise[1])
            discharges = min(dis_bd, round(dis_bd / alos))
            deaths = min(discharges, max(0, round(discharges * prof.death_rate * (1 + 0.25 * noise[2]))))
        else:
            open_bd = occupied = dis_bd = discharges = deaths = 0

        # outpatients
        visits = 0
        if prof.visits_day > 0:
            visits = round(prof.visits_day * open_days * _season(_SEASON_VISITS, y, m) * trend * (1 + e_vis) * ramp)
            visits = max(visits, 0)
        oe = min(visits, round(visits * _clip(prof.oe_share + 0.005 * noise[3], 0.5, 1.0)))
        appt_share = _clip(prof.appt_share + prof.appt_growth * t + 0.01 * noise[4], 0.0, 0.95)
        appt = min(oe, round(oe * appt_share))
        hc = prof.hc_share * (_HC_SEASON[m] if prof.hc_seasonal else 1.0)
        health_checks = max(0, round(visits * hc * (1 + 0.05 * noise[5])))

        # money (tenths of 千元)
        price = 1 + 0.02 * t
        op_rev = round(visits * prof.c_op * price * (1 + 0.02 * noise[6]) / 100)
        ip_rev = round(discharges * prof.c_ip * price * (1 + 0.03 * noise[7]) / 100)
        op_drug = min(op_rev, round(op_rev * _clip(prof.s_opd * (1 + 0.03 * noise[8]), 0.0, 0.6)))
        ip_drug = min(ip_rev, round(ip_rev * _clip(prof.s_ipd * (1 + 0.03 * noise[9]), 0.0, 0.5)))
        if op_rev + ip_rev > 0:
            med_rev = op_rev + ip_rev + max(1, round((op_rev + ip_rev) * prof.other_share))
        elif prof.fixed_rev_day > 0:
            med_rev = round(prof.fixed_rev_day * open_days * trend * (1 + e_vis) * 10)
        else:
            med_rev = 0
        ess = round((op_drug + ip_drug) * prof.s_ess)
        med_exp = round(med_rev * prof.exp_ratio * (1 + 0.02 * noise[0])) if med_rev else 0
        drug_exp = round((op_drug + ip_drug) * prof.drug_exp_ratio)

        out[period] = {
            "health_techs": techs, "doctors": doctors, "gps": gps, "nurses": nurses, "beds": beds,
            "open_bed_days": open_bd, "occupied_bed_days": occupied, "discharged_bed_days": dis_bd,
            "medical_revenue": med_rev, "outpatient_revenue": op_rev, "outpatient_drug_revenue": op_drug,
            "inpatient_revenue": ip_rev, "inpatient_drug_revenue": ip_drug, "essential_drug_revenue": ess,
            "medical_expense": med_exp, "drug_expense": drug_exp, "visits": visits, "oe_visits": oe,
            "appointment_visits": appt, "discharges": discharges, "deaths": deaths, "health_checks": health_checks,
        }
    return out


MONEY_ITEMS = ("medical_revenue", "outpatient_revenue", "outpatient_drug_revenue", "inpatient_revenue",
               "inpatient_drug_revenue", "essential_drug_revenue", "medical_expense", "drug_expense")


def _check_row(v: dict[str, int], days: int) -> list[str]:
    """Hard consistency rules on one generated row (money in tenths). Used as an internal assertion."""
    errs = []
    if any(x < 0 for x in v.values()):
        errs.append("negative")
    if v["oe_visits"] > v["visits"]:
        errs.append("oe>visits")
    if v["appointment_visits"] > v["oe_visits"]:
        errs.append("appt>oe")
    if v["doctors"] > v["health_techs"] or v["nurses"] > v["health_techs"]:
        errs.append("staff")
    if v["gps"] > v["doctors"]:
        errs.append("gps>doctors")
    if v["deaths"] > v["discharges"]:
        errs.append("deaths>discharges")
    if v["discharged_bed_days"] < v["discharges"]:
        errs.append("dis_bd<discharges")
    if v["open_bed_days"] > v["beds"] * days:
        errs.append("open_bd>beds*days")
    if v["occupied_bed_days"] > v["open_bed_days"] * 1.05:
        errs.append("occupied>open*1.05")
    if v["outpatient_drug_revenue"] > v["outpatient_revenue"] or v["inpatient_drug_revenue"] > v["inpatient_revenue"]:
        errs.append("drug>revenue")
    if v["outpatient_revenue"] + v["inpatient_revenue"] > v["medical_revenue"]:
        errs.append("op+ip>medical")
    if v["beds"] == 0 and (v["open_bed_days"] or v["occupied_bed_days"] or v["discharges"]):
        errs.append("no beds but bed-days")
    return errs


# --------------------------------------------------------------------------------------
# 预置缺陷、上报时间
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlantedDefect:
    kind: str  # "duplicate" | "late" | "missing"
    period: str
    org_code: str
    name: str
    region_code: str
    description: str  # 中文说明
    submitted_at: tuple[str, ...] = ()  # 涉及的上报时间
    values: tuple[tuple[str, str], ...] = ()  # (item id, "错误值→正确值") for the duplicate


DUPLICATE_PERIOD = "2025-11"
LATE_PERIOD = "2025-10"
MISSING_PERIOD = "2025-12"
_RESUBMIT_FACTOR = 0.85  # 首次上报漏录月末数据：流量项约为正确值的 85%
_RESUBMIT_ITEMS = ("visits", "oe_visits", "appointment_visits", "discharges", "deaths", "discharged_bed_days",
                   "health_checks") + MONEY_ITEMS


def _submission_time(inst: _Inst, seed: int, period: str) -> dt.datetime:
    y, m = int(period[:4]), int(period[5:])
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    r0 = random.Random(f"{seed}:submit:{inst.org_code}")
    habit = r0.randint(3, 8) if inst.group == "医院" else r0.randint(4, 14)
    r = random.Random(f"{seed}:submit:{inst.org_code}:{period}")
    day = int(_clip(habit + r.randint(-2, 3), 1, 18))
    hour = r.choice((8, 9, 9, 10, 10, 10, 11, 14, 15, 15, 16, 16, 17, 19, 21))
    return dt.datetime(ny, nm, day, hour, r.randrange(60), r.randrange(60))


def _fmt_ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


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


def _reporters(registry: list[_Inst], period: str) -> list[_Inst]:
    first, last, _ = _month_bounds(period)
    return [i for i in registry if i.files_monthly and not i.is_branch and i.open_in(first, last)]


def _plan(seed: int, types: dict[str, _TypeInfo]) -> _Plan:
    registry = _build_registry(seed, types)
    expected = {p: _reporters(registry, p) for p in ALL_MONTHS}
    monthly = sorted({i.org_code: i for p in ALL_MONTHS for i in expected[p]}.values(), key=lambda i: i.org_code)
    series = {i.org_code: _simulate(i, seed) for i in monthly}
    rng = random.Random(f"{seed}:defects")
    every = set.intersection(*({i.org_code for i in expected[p]} for p in ALL_MONTHS))
    always = [i for i in monthly if i.org_code in every]
    dup = rng.choice([i for i in always if i.group == "医院" and i.hospital_level == "二级甲等"])
    late = rng.choice([i for i in always if i.type_code == "B100"])
    missing = rng.choice([i for i in always if i.type_code in ("C210", "C220")])
    first = _submission_time(dup, seed, DUPLICATE_PERIOD)
    first = first.replace(day=min(first.day, 9))
    second = (first + dt.timedelta(days=rng.randint(3, 6))).replace(hour=rng.randint(9, 16),
                                                                      minute=rng.randrange(60),
                                                                      second=rng.randrange(60))
    late_time = dt.datetime(2025, 11, 27, 16, 42, 8)
    return _Plan(registry, series, expected, dup, late, missing, late_time, (first, second))


def _defects(plan: _Plan) -> tuple[PlantedDefect, ...]:
    d = plan.duplicate
    good = plan.series[d.org_code][DUPLICATE_PERIOD]
    bad = _resubmission_first(good)
    changed = tuple(
        (k, f"{_fmt_value(k, bad[k])}→{_fmt_value(k, good[k])}") for k in _RESUBMIT_ITEMS if bad[k] != good[k]
    )
    t1, t2 = plan.dup_times
    return (
        PlantedDefect(
            "duplicate", DUPLICATE_PERIOD, d.org_code, d.name, d.region_code,
            f"同一机构同一报告期出现两行（重复上报/更正上报）。第一行上报时间 {_fmt_ts(t1)}，流量项漏录月末数据"
            f"（约为正确值的 85%）；第二行上报时间 {_fmt_ts(t2)} 为更正后的正确数据，应保留第二行。",
            (_fmt_ts(t1), _fmt_ts(t2)), changed,
        ),
        PlantedDefect(
            "late", LATE_PERIOD, plan.late.org_code, plan.late.name, plan.late.region_code,
            f"迟报：{LATE_PERIOD} 报表的上报时间为 {_fmt_ts(plan.late_time)}，晚于次月 {DUE_DAY} 日截止日；数值本身正确。",
            (_fmt_ts(plan.late_time),),
        ),
        PlantedDefect(
            "missing", MISSING_PERIOD, plan.missing.org_code, plan.missing.name, plan.missing.region_code,
            f"漏报：该乡镇卫生院在 {MISSING_PERIOD} 正常开业、非分支机构、应报月报，但导出文件中没有该机构的行"
            f"（{DUPLICATE_PERIOD} 及以前各月均有）。",
        ),
    )


def _resubmission_first(good: dict[str, int]) -> dict[str, int]:
    bad = dict(good)
    for k in _RESUBMIT_ITEMS:
        bad[k] = math.floor(good[k] * _RESUBMIT_FACTOR)
    return bad


def _fmt_value(item: str, v: int) -> str:
    return f"{v / 10:.1f}" if item in MONEY_ITEMS else str(v)


# --------------------------------------------------------------------------------------
# 写文件
# --------------------------------------------------------------------------------------
def month_file_relpath(period: str) -> str:
    y, m = int(period[:4]), int(period[5:])
    return f"data/raw/{period}/月报_医疗卫生机构_{y}年{m}月.xlsx"


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["true" if v is True else "false" if v is False else "" if v is None else v for v in row])
    return buf.getvalue()


def _population_rows(seed: int) -> list[tuple[str, int, int]]:
    rng = random.Random(f"{seed}:population")
    rows: list[tuple[str, int, int]] = []
    by_year: dict[int, int] = {y: 0 for y in POP_YEARS}
    unit_rows = []
    for reg in REGIONS:
        base = reg.pop2020 + rng.randint(-900, 900)
        for y in POP_YEARS:
            v = round(base * (1 + reg.growth) ** (y - 2020) * (1 + rng.uniform(-0.0008, 0.0008)))
            unit_rows.append((reg.code, y, v))
            by_year[y] += v
    rows.extend((CITY_CODE, y, by_year[y]) for y in POP_YEARS)
    rows.extend(unit_rows)
    return rows


def _export_time(period: str) -> dt.datetime:
    y, m = int(period[:4]), int(period[5:])
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    return dt.datetime(ny, nm, 21, 9, 0, 0)


def _month_rows(plan: _Plan, period: str, seed: int) -> list[tuple[_Inst, dt.datetime, dict[str, int]]]:
    rows = []
    for inst in plan.expected[period]:
        if period == MISSING_PERIOD and inst is plan.missing:
            continue
        values = plan.series[inst.org_code][period]
        ts = _submission_time(inst, seed, period)
        if period == LATE_PERIOD and inst is plan.late:
            ts = plan.late_time
        if period == DUPLICATE_PERIOD and inst is plan.duplicate:
            rows.append((inst, plan.dup_times[0], _resubmission_first(values)))
            ts = plan.dup_times[1]
        rows.append((inst, ts, values))
    rows.sort(key=lambda x: (x[0].region_code, x[0].org_code, x[1]))
    return rows


def _xlsx_bytes(period: str, ident: list[tuple[str, str]], items: list[tuple[str, str]],
                rows: list[tuple[_Inst, dt.datetime, dict[str, int]]]) -> bytes:
    y, m = int(period[:4]), int(period[5:])
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    ncol = len(ident) + len(items)
    last_col = get_column_letter(ncol)
    ws.cell(row=1, column=1, value=f"医疗卫生机构月报表（{y}年{m}月）")
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 24
    ws.cell(row=2, column=1, value=FILLING_UNIT)
    ws.merge_cells("A2:D2")
    ws.cell(row=2, column=ncol, value=MONEY_UNIT).alignment = Alignment(horizontal="right")
    labels = [lab for _, lab in ident] + [lab for _, lab in items]
    for c, lab in enumerate(labels, start=1):
        cell = ws.cell(row=3, column=c, value=lab)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[3].height = 30
    for inst, ts, v in rows:
        identity = {
            "org_code": inst.org_code, "name": inst.name, "region_code": inst.region_code,
            "type_code": inst.type_code, "reg_type": inst.reg_type, "sponsor": inst.sponsor,
            "hospital_level": inst.hospital_level or None, "period": period, "submitted_at": _fmt_ts(ts),
        }
        out: list[object] = []
        for key, _ in ident:
            if key not in identity:
                raise KeyError(f"items.yaml identity column {key!r} is not generated by sample_data")
            out.append(identity[key])
        for key, _ in items:
            if key not in v:
                raise KeyError(f"items.yaml item {key!r} is not generated by sample_data")
            out.append(v[key] / 10 if key in MONEY_ITEMS else v[key])
        ws.append(out)
    widths = {"org_code": 22, "name": 34, "submitted_at": 20, "region_code": 10}
    for c, (key, _) in enumerate(ident + items, start=1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(key, 12)
    ws.freeze_panes = "C4"
    export = _export_time(period)
    wb.properties.creator = "国家卫生统计网络直报系统"
    wb.properties.lastModifiedBy = "岳阳市卫生健康委员会"
    wb.properties.created = export
    wb.properties.modified = export
    wb.properties.title = f"医疗卫生机构月报表（{y}年{m}月）"
    return workbook_bytes(wb, export)


def _write_if_changed(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_bytes() == data:
        return
    path.write_bytes(data)


# --------------------------------------------------------------------------------------
# 汇总与说明
# --------------------------------------------------------------------------------------
GROUP_ORDER = ("医院", "基层医疗卫生机构", "专业公共卫生机构", "其他机构")


@dataclass(frozen=True)
class SampleSummary:
    root: str
    seed: int
    institutions: int
    by_group: tuple[tuple[str, int], ...]
    reporters_per_month: tuple[tuple[str, int], ...]  # 应报机构数（全部 24 个月）
    rows_per_month: tuple[tuple[str, int], ...]  # 本次写出的文件的数据行数
    monthly_files: tuple[str, ...]  # 相对 root 的路径
    reference_files: tuple[str, ...]
    defects: tuple[PlantedDefect, ...] = field(default=())

    def __str__(self) -> str:
        return main_summary_text(self)

    @property
    def by_group_dict(self) -> dict[str, int]:
        return dict(self.by_group)

    @property
    def rows_dict(self) -> dict[str, int]:
        return dict(self.rows_per_month)


def main_summary_text(summary: SampleSummary) -> str:
    g = summary.by_group_dict
    lines = [
        f"样例数据已生成（岳阳市模型城市，合成数据，随机种子 {summary.seed}）：{summary.root}",
        f"  机构名录 {summary.institutions} 家：" + "，".join(f"{k} {g.get(k, 0)}" for k in GROUP_ORDER),
    ]
    rep = [n for _, n in summary.reporters_per_month]
    if rep:
        lines.append(f"  月报应报机构 {min(rep)}–{max(rep)} 家/月（2024-01 至 2025-12）")
    if summary.monthly_files:
        rows = [n for _, n in summary.rows_per_month]
        months = [p for p, _ in summary.rows_per_month]
        lines.append(
            f"  写出月报文件 {len(summary.monthly_files)} 个（{months[0]} 至 {months[-1]}），每个 {min(rows)}–{max(rows)} 行"
        )
    else:
        lines.append("  未写出月报文件")
    kinds = {"duplicate": "重复上报", "late": "迟报", "missing": "漏报"}
    for d in summary.defects:
        lines.append(f"  预置缺陷·{kinds[d.kind]}：{d.period} {d.name}（{d.org_code}）")
    lines.append("  参考数据：" + "、".join(summary.reference_files))
    return "\n".join(lines)


def _readme_text(plan: _Plan, types: dict[str, _TypeInfo], ident, items, defects, seed: int) -> str:
    reg = plan.registry
    by_group = {k: 0 for k in GROUP_ORDER}
    by_sub: dict[tuple[str, str], int] = {}
    for i in reg:
        by_group[i.group] += 1
        by_sub[(i.group, i.sub)] = by_sub.get((i.group, i.sub), 0) + 1
    levels = {lv: sum(1 for i in reg if i.hospital_level == lv) for lv in LEVELS_HOSPITAL}
    rep = {p: len(plan.expected[p]) for p in ALL_MONTHS}
    rows_written = {p: rep[p] + (1 if p == DUPLICATE_PERIOD else 0) - (1 if p == MISSING_PERIOD else 0)
                    for p in ALL_MONTHS}
    opened = sorted((i for i in reg if i.opened.year >= 2024), key=lambda i: (i.opened, i.org_code))
    closed = sorted((i for i in reg if i.closed), key=lambda i: (i.closed, i.org_code))
    branches = [i for i in reg if i.is_branch]
    region_names = {r.code: r.name for r in REGIONS}

    def level_class(lv: str) -> str:
        return lv[:2] if lv.startswith(("三级", "二级", "一级")) else "未定级"

    gaps = []
    for r in REGIONS:
        have = {level_class(i.hospital_level) for i in reg if i.region_code == r.code and i.group == "医院"}
        missing = [c for c in ("三级", "二级", "一级", "未定级") if c not in have]
        if missing:
            gaps.append(f"{r.name}（{r.code}）无{'、'.join(missing)}医院")

    L = []
    a = L.append
    a("# data/ — 岳阳市模型城市样例数据（合成）")
    a("")
    a("*Synthetic sample data for the model city 岳阳市 (Hunan): facility registry, population, regions and "
      "24 monthly direct-report exports (2024-01 … 2025-12) with three planted defects. Not real institutions.*")
    a("")
    a("## 1. 这是什么")
    a("")
    a("本目录是流水线的样例输入：以岳阳市（430600）为模型城市，按 2020 年末规模（4122 家医疗卫生机构：医院 125、"
      "基层 3951、专业公共卫生机构 45）构造的**合成数据**。区划代码、县市区名称和乡镇名称取自公开区划；"
      "**机构名称、统一社会信用代码和全部数值均为虚构**（公立机构按通行命名规则命名，可能与真实机构同名，"
      "但代码与数据不代表任何真实机构）。数据由 `pipeline/sample/city.py` 确定性生成"
      f"（随机种子 {seed}，每次运行逐字节相同）。")
    a("")
    a("重新生成：")
    a("")
    a("```bash")
    a("python -m pipeline sample-data        # CLI")
    a("python -c \"from pathlib import Path; from pipeline.sample.city import generate; print(generate(Path('.')))\"")
    a("```")
    a("")
    a("## 2. 规模")
    a("")
    a(f"机构名录共 {len(reg)} 行（含 2024–2025 年新开业与注销机构、{len(branches)} 个分支机构）：")
    a("")
    a("| 类型组 | 机构数 | 2020 年末实际规模 |")
    a("|---|---:|---:|")
    for k in GROUP_ORDER:
        a(f"| {k} | {by_group[k]} | {SCALE_2020.get(k, '—')} |")
    a("")
    a("| 类型组 | 类型小类 | 机构数 | 是否报月报 |")
    a("|---|---|---:|---|")
    sub_monthly = {(t.group, t.sub): t.files_monthly for t in types.values()}
    for (grp, sub), n in sorted(by_sub.items(), key=lambda x: (GROUP_ORDER.index(x[0][0]), -x[1])):
        a(f"| {grp} | {sub} | {n} | {'是' if sub_monthly.get((grp, sub)) else '否（仅年报）'} |")
    a("")
    a("医院等级：" + "，".join(f"{lv} {n}" for lv, n in levels.items()) + "。")
    a("")
    a("月报应报机构数（机构类别报月报、非分支机构、当月处于开业状态）与导出文件行数：")
    a("")
    a("| 报告期 | 应报 | 文件行数 | 报告期 | 应报 | 文件行数 |")
    a("|---|---:|---:|---|---:|---:|")
    for i in range(12):
        p1, p2 = ALL_MONTHS[i], ALL_MONTHS[i + 12]
        a(f"| {p1} | {rep[p1]} | {rows_written[p1]} | {p2} | {rep[p2]} | {rows_written[p2]} |")
    a("")
    a("校准目标（2024 年前后，仅供核对量级）：全部机构实有床位约 3.8–4.2 万张（月报机构占绝大部分），"
      "月报机构卫生技术人员约 3.4–3.6 万人（执业(助理)医师约 1.3 万、注册护士约 1.6 万、全科医生约 1500–1800 人）；月报机构总诊疗约 130–160 万人次/月，"
      "医院出院约 5.5–7 万人/月，医院次均门诊费用约 250–350 元、人均住院费用约 8000–11000 元（三级更高）。"
      "季节性：2 月（春节）诊疗明显回落，12–1 月呼吸道疾病高峰；2025 年同月诊疗、出院较 2024 年增长约 3–6%。")
    a("")
    a("## 3. 文件")
    a("")
    a("```")
    a("data/")
    a("├── README.md                       本说明（由生成器写出）")
    a("├── reference/")
    a("│   ├── regions.csv                 行政区划（含功能区本地代码）")
    a("│   ├── population.csv              常住人口 2020–2025")
    a("│   └── registry.csv                机构名录")
    a("└── raw/<YYYY-MM>/月报_医疗卫生机构_<YYYY>年<M>月.xlsx   直报系统月报导出，24 个月")
    a("```")
    a("")
    a("年度数据（年报、妇幼、死因、调查等）见下文第 6 节；节假日表和人均预期寿命测算的参数见 `data/reference/README.md`。")
    a("")
    a("机构类别代码表（WS 218，手工维护的参考数据）在 `pipeline/catalogues/institution_types.csv`："
      "`type_code, type_name, type_group, type_sub, files_monthly`。")
    a("")
    a("所有 CSV 均为 UTF-8（无 BOM）、逗号分隔、首行为列名、`\\n` 换行；布尔值写作 `true`/`false`，空值为空串。")
    a("")
    a("### 3.1 regions.csv")
    a("")
    a("| 列 | 含义 |")
    a("|---|---|")
    a("| region_code | 6 位区划代码（GB/T 2260；功能区为市定本地代码） |")
    a("| region_name | 名称 |")
    a("| region_kind | 市 / 区 / 县 / 县级市 / 管理区 / 功能区 |")
    a("| national_code | 是否为国家标准代码（功能区 430691、430692 为 false） |")
    a("")
    a("### 3.2 population.csv")
    a("")
    a("`region_code, year, population`：年末常住人口（人），2020–2025 年，每个县级单位、功能区和全市各一行；"
      "全市（430600）= 各单位之和（逐年精确相等）。2020 年全市约 505 万，此后年均约 −0.5%（城区、功能区略增，县域减少）。")
    a("")
    a("### 3.3 registry.csv（机构名录）")
    a("")
    a("| 列 | 含义 |")
    a("|---|---|")
    a("| org_code | 18 位统一社会信用代码（GB 32100-2015）：第 1–2 位登记管理部门及机构类别"
      "（12 事业单位、52 民办非企业单位、91 企业），第 3–8 位登记机关区划码（市直机构及功能区机构为 430600），"
      "第 9–17 位组织机构代码（第 17 位为 GB 11714 校验码），第 18 位为校验码；唯一；文件按此列排序 |")
    a("| name | 机构名称（唯一） |")
    a("| region_code | 机构所在县级单位（市直机构按实际所在区，多数在岳阳楼区；功能区用 430691/430692） |")
    a("| type_code | 机构类别代码（WS 218，见 institution_types.csv） |")
    a("| reg_type | 登记注册类型：国有、集体、私营、联营、股份合作、有限责任公司、其他（公立 = 国有或集体） |")
    a("| sponsor | 主办单位：政府 / 社会办 / 个人 |")
    a("| hospital_level | 医院等级：三级甲等、三级乙等、二级甲等、二级乙等、一级甲等、一级、未定级（非医院为空；分院沿用本院等级） |")
    a("| is_branch | 是否分支机构（分支机构不单独报送） |")
    a("| opened | 开业（登记）日期 ISO 格式 |")
    a("| closed | 注销日期（未注销为空） |")
    a("")
    a("月报应报口径：`files_monthly` 为 true 的类别、`is_branch` 为 false、且 `opened ≤ 月末` 且（`closed` 为空或 `closed ≥ 月初`）。"
      "开业、注销当月按实际开业天数填报（床日等按天数折算）。")
    a("")
    a("### 3.4 月报导出 xlsx")
    a("")
    a(f"每月一个文件、一个工作表 `{SHEET_NAME}`，版式仿直报系统导出：")
    a("")
    a("- 第 1 行：合并单元格标题“医疗卫生机构月报表（YYYY年M月）”；")
    a(f"- 第 2 行：左侧“{FILLING_UNIT}”，最右一列“{MONEY_UNIT}”；")
    a("- 第 3 行：列名（`pipeline/catalogues/items.yaml` 的 label，先标识列、后指标列）；")
    a("- 第 4 行起：每个机构一行，按行政区划代码、机构代码、上报时间排序；没有合计行。")
    a("")
    a("| 列名 | id | 说明 |")
    a("|---|---|---|")
    ident_desc = {
        "org_code": "统一社会信用代码（文本）", "name": "机构名称", "region_code": "6 位区划代码（文本）",
        "type_code": "WS 218 机构类别代码", "reg_type": "登记注册类型", "sponsor": "主办单位",
        "hospital_level": "医院等级（非医院为空单元格）", "period": "报告期，文本 `YYYY-MM`",
        "submitted_at": "上报时间，文本 `YYYY-MM-DD HH:MM:SS`；正常为次月 1–18 日",
    }
    for key, lab in ident:
        a(f"| {lab} | {key} | {ident_desc.get(key, '')} |")
    item_desc = {
        "health_techs": "月末卫生技术人员（人）", "doctors": "月末执业(助理)医师（人）",
        "gps": "其中全科医生（人），≤ 医师", "nurses": "月末注册护士（人）", "beds": "月末实有床位（张）",
        "open_bed_days": "本月实际开放总床日数，≤ 床位 × 当月天数", "occupied_bed_days": "实际占用总床日数，≤ 开放床日 × 1.05",
        "discharged_bed_days": "出院者占用总床日数，≥ 出院人数", "medical_revenue": "医疗收入（千元，1 位小数），≥ 门诊收入 + 住院收入",
        "outpatient_revenue": "门诊收入（千元）", "outpatient_drug_revenue": "其中门诊药品收入（千元）",
        "inpatient_revenue": "住院收入（千元）", "inpatient_drug_revenue": "其中住院药品收入（千元）",
        "essential_drug_revenue": "基本药物收入（千元）", "medical_expense": "医疗支出（千元）", "drug_expense": "药品支出（千元）",
        "visits": "总诊疗人次数（含健康咨询、出诊等）", "oe_visits": "门急诊人次数，≤ 总诊疗",
        "appointment_visits": "其中预约诊疗人次数，≤ 门急诊", "discharges": "出院人数", "deaths": "死亡人数（出院者中），≤ 出院",
        "health_checks": "健康检查人次数（与诊疗分开统计）",
    }
    for key, lab in items:
        a(f"| {lab} | {key} | {item_desc.get(key, '')} |")
    a("")
    a("数值为数字单元格：人数、人次、床位、床日为整数；金额为千元、最多 1 位小数。无床位的机构（疾控、监督、门诊部、"
      "社区卫生服务站等）床日、出院、死亡、住院收入均为 0。xlsx 文件的文档属性时间固定为次月 21 日 09:00（导出时间），"
      "zip 条目时间与顺序固定，因此重复生成逐字节相同。")
    a("")
    a("参考区间（干净数据，供质控软规则设阈值）：病床使用率 三级 ~93–100%（个别月份可略超 100%）、二级 ~80–90%、"
      "一级/未定级 ~55–78%、乡镇卫生院 ~50–70%、社区卫生服务中心 ~30–60%；出院者平均住院日 综合/中医医院 7.5–11 日、"
      "基层 5.5–8 日，专科例外：精神病医院约 35 日、护理院约 45 日、康复医院约 20 日、眼科医院约 4 日；"
      "门诊药占比约 25–48%，住院药占比约 20–35%。")
    a("")
    a("## 4. 预置缺陷（仅在以下位置，其余数据均干净）")
    a("")
    a("| 类型 | 报告期 | 机构代码 | 机构名称 | 所在区划 | 说明 |")
    a("|---|---|---|---|---|---|")
    kinds = {"duplicate": "重复上报（不重报）", "late": "迟报（不迟报）", "missing": "漏报（不漏报）"}
    for d in defects:
        a(f"| {kinds[d.kind]} | {d.period} | `{d.org_code}` | {d.name} | {region_names[d.region_code]}（{d.region_code}） | {d.description} |")
    a("")
    dup = defects[0]
    a("重复上报两行的差异（第一行 → 第二行，第二行正确；金额单位千元），其余列（存量、开放/占用床日、标识列）相同：")
    a("")
    a("| 指标 | 第一行 → 第二行 |")
    a("|---|---|")
    labels = dict(items)
    for key, change in dup.values:
        a(f"| {labels[key]} | {change} |")
    a("")
    a(f"除上述三处外：每个月的文件恰好包含全部应报机构、每个机构一行，上报时间均在次月 1–18 日（截止日为 {DUE_DAY} 日）。")
    a("")
    a("## 5. 其他可用于测试的特征")
    a("")
    a("2024–2025 年新开业机构（新机构没有上年同期数，同比应显示“—”）：")
    a("")
    a("| 开业日期 | 机构代码 | 机构名称 | 类别 | 报月报 |")
    a("|---|---|---|---|---|")
    for i in opened:
        a(f"| {i.opened.isoformat()} | `{i.org_code}` | {i.name} | {i.type_code} {types[i.type_code].name} | {'是' if i.files_monthly else '否'} |")
    a("")
    a("2024–2025 年注销机构（注销当月仍报送，之后不再应报）：")
    a("")
    a("| 注销日期 | 机构代码 | 机构名称 | 类别 | 报月报 |")
    a("|---|---|---|---|---|")
    for i in closed:
        a(f"| {i.closed.isoformat()} | `{i.org_code}` | {i.name} | {i.type_code} {types[i.type_code].name} | {'是' if i.files_monthly else '否'} |")
    a("")
    a("分支机构（is_branch = true，不单独报送）：" + "、".join(f"{i.name}（`{i.org_code}`）" for i in branches) + "。")
    a("")
    a("缺少某一等级医院的县级单位（分组汇总时应显示空行或“—”，而不是报错）：")
    a("")
    for gtxt in gaps:
        a(f"- {gtxt}")
    a("")
    a("其他说明：市直机构的信用代码区划段为 430600，名录中按实际所在区（多在岳阳楼区）归属；功能区代码 430691、430692 "
      "不在 GB/T 2260 中，按市定本地代码使用，功能区内机构的信用代码区划段为 430600。")
    a("")
    return "\n".join(L)


# --------------------------------------------------------------------------------------
# 入口
# --------------------------------------------------------------------------------------
def generate(root: Path, seed: int = DEFAULT_SEED, months: Sequence[str] | None = None,
             progress: bool = True) -> SampleSummary:
    """Write the sample city's reference data, monthly exports and README under ``root``.

    ``months`` limits which monthly xlsx files are written (default: all 24, 2024-01 … 2025-12);
    the reference CSVs and README are always written and do not depend on ``months``.
    """
    root = Path(root)
    if months is None:
        months = ALL_MONTHS
    bad = [p for p in months if p not in ALL_MONTHS]
    if bad:
        raise ValueError(f"months outside 2024-01…2025-12: {bad}")
    months = [p for p in ALL_MONTHS if p in set(months)]
    types = _load_types()
    ident, items = _load_items()
    plan = _plan(seed, types)
    defects = _defects(plan)

    ref = root / "data" / "reference"
    _write_text(ref / "regions.csv", _csv_text(
        ("region_code", "region_name", "region_kind", "national_code"),
        [(CITY_CODE, CITY_NAME, "市", True)] + [(r.code, r.name, r.kind, r.national) for r in REGIONS]))
    _write_text(ref / "population.csv", _csv_text(("region_code", "year", "population"), _population_rows(seed)))
    _write_text(ref / "registry.csv", _csv_text(
        ("org_code", "name", "region_code", "type_code", "reg_type", "sponsor", "hospital_level", "is_branch",
         "opened", "closed"),
        [(i.org_code, i.name, i.region_code, i.type_code, i.reg_type, i.sponsor, i.hospital_level, i.is_branch,
          i.opened.isoformat(), i.closed.isoformat() if i.closed else "") for i in plan.registry]))
    _write_text(root / "data" / "README.md", _readme_text(plan, types, ident, items, defects, seed))

    files: list[str] = []
    rows_per_month: list[tuple[str, int]] = []
    for period in months:
        rows = _month_rows(plan, period, seed)
        days = _month_bounds(period)[2]
        for inst, _, v in rows:
            errs = _check_row(v, days)
            if errs:  # pragma: no cover - generator bug
                raise AssertionError(f"{period} {inst.org_code} {inst.name}: {errs}")
        rel = month_file_relpath(period)
        _write_if_changed(root / rel, _xlsx_bytes(period, ident, items, rows))
        files.append(rel)
        rows_per_month.append((period, len(rows)))
        if progress:
            print(f"月报 {period}：{len(rows)} 行 → {rel}", file=sys.stderr)

    by_group = {k: 0 for k in GROUP_ORDER}
    for i in plan.registry:
        by_group[i.group] += 1
    return SampleSummary(
        root=str(root),
        seed=seed,
        institutions=len(plan.registry),
        by_group=tuple(by_group.items()),
        reporters_per_month=tuple((p, len(plan.expected[p])) for p in ALL_MONTHS),
        rows_per_month=tuple(rows_per_month),
        monthly_files=tuple(files),
        reference_files=("data/reference/regions.csv", "data/reference/population.csv",
                         "data/reference/registry.csv", "data/README.md"),
        defects=defects,
    )


if __name__ == "__main__":  # pragma: no cover
    print(main_summary_text(generate(Path.cwd())))
