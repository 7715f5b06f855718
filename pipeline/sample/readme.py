"""data/README.md of the sample city, written from the generated registry and plan (sections in order)."""

from __future__ import annotations

from typing import Any, Callable

from pipeline.sample.constants import (
    ALL_MONTHS,
    DUE_DAY,
    DUPLICATE_PERIOD,
    FILLING_UNIT,
    GROUP_ORDER,
    MISSING_PERIOD,
    MONEY_UNIT,
    SCALE_2020,
    SHEET_NAME,
)
from pipeline.sample.places import LEVELS_HOSPITAL, REGIONS
from pipeline.sample.registry import _Plan, _TypeInfo


def _facts(plan: _Plan, types: dict[str, _TypeInfo], ident, items, defects, seed: int) -> dict[str, Any]:
    """The counts and lists the README reports, computed once from the plan."""
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

    return {"reg": reg, "by_group": by_group, "by_sub": by_sub, "levels": levels, "rep": rep, "rows_written": rows_written, "opened": opened, "closed": closed, "branches": branches, "region_names": region_names, "gaps": gaps, "plan": plan, "types": types, "ident": ident, "items": items, "defects": defects, "seed": seed}


def _section_0(a: Callable[[str], None], f: dict[str, Any]) -> None:
    """标题与说明"""
    a("# data/ — 岳阳市模型城市样例数据（合成）")
    a("")
    a("*Synthetic sample data for the model city 岳阳市 (Hunan): facility registry, population, regions and "
      "24 monthly direct-report exports (2024-01 … 2025-12) with three planted defects. Not real institutions.*")
    a("")


def _section_1(a: Callable[[str], None], f: dict[str, Any]) -> None:
    """1. 这是什么"""
    seed = f["seed"]
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


def _section_2(a: Callable[[str], None], f: dict[str, Any]) -> None:
    """2. 规模"""
    reg = f["reg"]
    by_group = f["by_group"]
    by_sub = f["by_sub"]
    levels = f["levels"]
    rep = f["rep"]
    rows_written = f["rows_written"]
    branches = f["branches"]
    types = f["types"]
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


def _section_3(a: Callable[[str], None], f: dict[str, Any]) -> None:
    """3. 文件"""
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


def _section_3_exports(a: Callable[[str], None], f: dict[str, Any]) -> None:
    """3.4 月报导出 xlsx"""
    ident = f["ident"]
    items = f["items"]
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


def _section_4(a: Callable[[str], None], f: dict[str, Any]) -> None:
    """4. 预置缺陷（仅在以下位置，其余数据均干净）"""
    region_names = f["region_names"]
    items = f["items"]
    defects = f["defects"]
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


def _section_5(a: Callable[[str], None], f: dict[str, Any]) -> None:
    """5. 其他可用于测试的特征"""
    opened = f["opened"]
    closed = f["closed"]
    branches = f["branches"]
    gaps = f["gaps"]
    types = f["types"]
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


_SECTIONS = (_section_0, _section_1, _section_2, _section_3, _section_3_exports, _section_4, _section_5)


def readme_text(plan: _Plan, types: dict[str, _TypeInfo], ident, items, defects, seed: int) -> str:
    """data/README.md of the sample city: what it is, its size, its files and the planted defects."""
    facts = _facts(plan, types, ident, items, defects, seed)
    lines: list[str] = []
    for section in _SECTIONS:
        section(lines.append, facts)
    return "\n".join(lines)


