"""统计报告及提要的公共卫生各章（统计公报顺序）与“与全省、全国比较”表。

* 疾病控制与公共卫生：法定传染病报告发病和死亡、预防接种（段落加在该章原有文字之前）；
* 基本公共卫生服务项目；老龄健康与医养结合；卫生监督 —— 各一章；
* 妇幼卫生与健康水平之后的“与全省、全国比较”表（:mod:`pipeline.annual.comparison`）。

Each chapter's input is an optional source of ``catalogues/annual_indicators.yaml``: when the report year has no
such file the chapter says so (“…资料暂缺”) and prints no table — never a zero. Every number goes through
:class:`pipeline.annual.texts.Facts` (the catalogue's decimals, recorded for figures.json).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from pipeline.annual import comparison as cmp
from pipeline.annual.indicators import AnnualResult
from pipeline.annual.texts import Facts
from pipeline.render import tables

COMPARISON_TABLE = "comparison"
COMPARED = ("life_expectancy", "mmr", "imr", "u5mr", "beds_per_1000", "doctors_per_1000", "nurses_per_1000")


def present(result: AnnualResult, source_id: str) -> bool:
    """Whether the report year has the source's file (its indicators have rows in the tidy table)."""
    return result.for_year().filter(pl.col("source") == source_id).height > 0


def _short(result: AnnualResult, source_id: str) -> str:
    return result.catalogue.sources[source_id].label.split("（")[0]


def absent_sources(result: AnnualResult) -> list[str]:
    """Optional sources (other than life expectancy) without a file for the report year."""
    return [sid for sid, s in result.catalogue.sources.items()
            if not s.required and s.kind != "life_expectancy" and not present(result, sid)]


def _absent(result: AnnualResult, source_id: str) -> str:
    return f"本市{result.year}年{_short(result, source_id)}资料暂缺（未提供该项统计），本节不列数字。"


def _infectious(result: AnnualResult, f: Facts) -> list[str]:
    if not present(result, "infectious_diseases"):
        return [_absent(result, "infectious_diseases")]
    return [
        f"全年全市报告法定传染病{f.num('notifiable_cases')}例，死亡{f.num('notifiable_deaths')}人；报告发病率为"
        f"{f.num('notifiable_incidence')}/10万，比上年{f.change('notifiable_incidence')}；报告死亡率为"
        f"{f.num('notifiable_mortality')}/10万（发病率、死亡率按年末常住人口计算）。其中：甲乙类传染病报告发病"
        f"{f.num('ab_cases')}例，死亡{f.num('ab_deaths')}人，报告发病率为{f.num('ab_incidence')}/10万，比上年"
        f"{f.change('ab_incidence')}；丙类传染病报告发病{f.num('c_cases')}例，死亡{f.num('c_deaths')}人，报告发病率为"
        f"{f.num('c_incidence')}/10万，比上年{f.change('c_incidence')}。",
    ]


def _immunization(result: AnnualResult, f: Facts) -> list[str]:
    if not present(result, "immunization"):
        return [_absent(result, "immunization")]
    return [
        f"全年全市报告接种疫苗{f.num('vaccine_doses')}剂次，比上年{f.change('vaccine_doses')}，其中国家免疫规划疫苗"
        f"{f.num('nip_doses')}剂次；国家免疫规划疫苗接种率为{f.num('nip_coverage')}%，比上年{f.change('nip_coverage')}。",
    ]


def _basic_public_health(result: AnnualResult, f: Facts) -> list[str]:
    if not present(result, "basic_public_health"):
        return [_absent(result, "basic_public_health")]
    return [
        f"全年全市在基层医疗卫生机构接受健康管理的65岁及以上老年人{f.num('elderly_managed')}人，比上年"
        f"{f.change('elderly_managed')}，老年人健康管理率为{f.num('elderly_mgmt_rate')}%，比上年"
        f"{f.change('elderly_mgmt_rate')}。管理高血压患者{f.num('htn_managed')}人，其中规范管理{f.num('htn_standard')}人，"
        f"规范管理率{f.num('htn_standard_rate')}%，比上年{f.change('htn_standard_rate')}；管理2型糖尿病患者"
        f"{f.num('dm_managed')}人，其中规范管理{f.num('dm_standard')}人，规范管理率{f.num('dm_standard_rate')}%，比上年"
        f"{f.change('dm_standard_rate')}。",
        f"{result.year}年末，居民电子健康档案建档率为{f.num('ehr_rate')}%（建档人数 ÷ 年末常住人口），比上年"
        f"{f.change('ehr_rate')}。",
    ]


def _elderly_care(result: AnnualResult, f: Facts) -> list[str]:
    if not present(result, "elderly_care"):
        return [_absent(result, "elderly_care")]
    return [
        f"{result.year}年末，全市医养结合机构{f.num('integrated_institutions')}个，比上年"
        f"{f.change('integrated_institutions')}；床位{f.num('integrated_beds')}张，比上年{f.change('integrated_beds')}。"
        f"其中两证齐全（具备医疗卫生机构资质并进行养老机构备案）的机构{f.num('dual_licensed')}个，占"
        f"{f.num('dual_licensed_share')}%。",
    ]


def _supervision(result: AnnualResult, f: Facts) -> list[str]:
    if not present(result, "health_supervision"):
        return [_absent(result, "health_supervision")]
    return [
        f"全年全市卫生健康监督检查{f.num('inspections')}户次，比上年{f.change('inspections')}；查处行政处罚案件"
        f"{f.num('penalty_cases')}件，比上年{f.change('penalty_cases')}；罚没款{f.num('fines')}万元，比上年"
        f"{f.change('fines')}。",
    ]


CHAPTER_TEXTS: dict[str, Callable[[AnnualResult, Facts], list[str]]] = {
    "basic_public_health": _basic_public_health, "elderly_care": _elderly_care, "supervision": _supervision,
}


def chapter_texts(result: AnnualResult, f: Facts, texts: dict[str, list[str]]) -> dict[str, list[str]]:
    """The texts of :func:`pipeline.annual.texts.section_texts` with the new chapters and paragraphs added."""
    out = dict(texts)
    out["public"] = _infectious(result, f) + _immunization(result, f) + list(texts.get("public", []))
    out.update({key: make(result, f) for key, make in CHAPTER_TEXTS.items()})
    return out


# 提要 (summary): one sentence per chapter whose data were supplied, from the same Facts (values, decimals and the
# printed-figures log) as the chapter; a chapter whose data are 资料暂缺 adds nothing.
SUMMARY_SENTENCES: tuple[tuple[str, Callable[[AnnualResult, Facts], str]], ...] = (
    ("infectious_diseases", lambda r, f: (
        f"全年全市报告法定传染病{f.num('notifiable_cases', key='法定传染病报告发病数')}例，报告发病率"
        f"{f.num('notifiable_incidence', key='法定传染病报告发病率')}/10万，比上年{f.change('notifiable_incidence')}。")),
    ("immunization", lambda r, f: (
        f"国家免疫规划疫苗接种率{f.num('nip_coverage', key='国家免疫规划疫苗接种率')}%，"
        f"比上年{f.change('nip_coverage')}。")),
    ("basic_public_health", lambda r, f: (
        f"65岁及以上老年人健康管理率{f.num('elderly_mgmt_rate', key='老年人健康管理率')}%，高血压、2型糖尿病患者"
        f"规范管理率分别为{f.num('htn_standard_rate', key='高血压患者规范管理率')}%、"
        f"{f.num('dm_standard_rate', key='糖尿病患者规范管理率')}%。")),
    ("elderly_care", lambda r, f: (
        f"{r.year}年末全市医养结合机构{f.num('integrated_institutions', key='医养结合机构数')}个，床位"
        f"{f.num('integrated_beds', key='医养结合机构床位数')}张。")),
    ("health_supervision", lambda r, f: (
        f"全年卫生健康监督检查{f.num('inspections', key='卫生监督检查户次')}户次，查处行政处罚案件"
        f"{f.num('penalty_cases', key='行政处罚案件数')}件。")),
)
SUMMARY_HEADING = "公共卫生与卫生监督。"


def summary_items(result: AnnualResult, f: Facts) -> list[str]:
    """The 提要 item of the public-health chapters (without its numeral); none when no chapter has data."""
    sentences = [make(result, f) for source_id, make in SUMMARY_SENTENCES if present(result, source_id)]
    return [SUMMARY_HEADING + "".join(sentences)] if sentences else []


def table_shown(result: AnnualResult, indicator_ids: Sequence[str]) -> bool:
    """A table is printed unless every one of its indicators comes from a source absent this year."""
    cat = result.catalogue
    sources = {cat.indicator(i).source for i in indicator_ids}
    return any(cat.sources[s].required or cat.sources[s].kind == "life_expectancy" or present(result, s)
               for s in sources)


def absence_note(result: AnnualResult) -> str | None:
    missing = absent_sources(result)
    if not missing:
        return None
    names = "、".join(_short(result, s) for s in missing)
    return (f"{result.year}年未提供{names}的年度资料，相应章节注明资料暂缺，不列数字；补齐该项资料（格式见数据说明第 6 节）"
            "后重新生成即可。")


# ---------------------------------------------------------------------------- 与全省、全国比较


@dataclass(frozen=True)
class ComparisonTable(tables.BuiltTable):
    """Reference values keep the precision they were published with (全省人均预期寿命 79 stays 79)."""

    cell_decimals: tuple[tuple[int | None, ...], ...] = ()

    def decimals(self, row: tables.Row, i: int) -> int:
        own = self.cell_decimals[self.rows.index(row)][i] if self.cell_decimals else None
        return own if own is not None else super().decimals(row, i)


def comparison_table(result: AnnualResult, number: int) -> tables.BuiltTable:
    """本市 beside the latest 全省 and 全国 values (reference data) for the headline health and resource indicators."""
    year = result.year
    columns = tuple(tables.Column(group="", header=h, indicator="", period_type="", field="value", decimals=2)
                    for h in (f"全市{year}年", "全省", "全国"))
    rows, places = [], []
    for ind in COMPARED:
        ai = result.catalogue.indicator(ind)
        refs = [cmp.pick(result.comparison, ind, area, year) for area in cmp.AREAS]
        cells = (result.value(ind), *(None if r is None else r.value for r in refs))
        rows.append(tables.Row(label=f"{ai.name}({ai.unit})", depth=0, cells=cells, decimals=ai.decimals))
        places.append((None, *(None if r is None else r.decimals for r in refs)))
    spec = tables.TableSpec(id=COMPARISON_TABLE, title="与全省、全国比较", unit="", row_by="indicator", row_ids=None,
                            breakdown="total", columns=())
    return ComparisonTable(spec=spec, number=number, title=f"表{number}　与全省、全国比较（{year}年）",
                           columns=columns, rows=tuple(rows), cell_decimals=tuple(places))


def comparison_note(result: AnnualResult) -> str:
    """Which year each 全省/全国 value is of, where it comes from, and which are 示例数据."""
    year = result.year
    earlier: dict[tuple[str, int], list[str]] = {}
    samples, gaps = [], []
    for area in cmp.AREAS:
        for ind in COMPARED:
            ref = cmp.pick(result.comparison, ind, area, year)
            name = result.catalogue.indicator(ind).name
            if ref is None:
                gaps.append(f"{area}{name}")
                continue
            if ref.year != year:
                earlier.setdefault((area, ref.year), []).append(name)
            if ref.sample:
                samples.append(f"{area}{name}")
    cited = dict.fromkeys(r.source.split("：")[0] for area in cmp.AREAS for ind in COMPARED
                          if (r := cmp.pick(result.comparison, ind, area, year)) is not None and not r.sample)
    parts = ["注：全省、全国为公开发布的数值，按公布的小数位印出。资料来源：" + "；".join(cited) if cited
             else "注：全省、全国尚无可引用的公布值"]
    if earlier:
        parts.append(f"{year}年数尚未公布的取最近一年：" + "，".join(
            f"{area}{'、'.join(names)}为{y}年数" for (area, y), names in earlier.items()))
    if samples:
        parts.append("、".join(samples) + "为示例数据（虚构，仅供演示），正式使用前请替换为公布值")
    if gaps:
        parts.append("、".join(gaps) + "尚无可引用的公布值（表中“—”）")
    return parts[0] + "。" + ("；".join(parts[1:]) + "。" if parts[1:] else "")
