"""统计报告及提要（年度）的文字：提要和各章的段落，数字取自年度指标整齐表并按目录的小数位数修约显示。

Split out of :mod:`pipeline.annual.report`: :class:`Facts` reads and formats (and records for summary.csv)
every number the text prints; one function per chapter writes its paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pipeline import fmt
from pipeline.annual import printed
from pipeline.annual import targets as tg
from pipeline.annual.indicators import AnnualCatalogue, AnnualIndicator, AnnualResult
from pipeline.annual.monitoring import monitoring_paragraph, summary_lead
from pipeline.figures import FigureLog
from pipeline.fmt import change_phrase


def change_decimals(ai: AnnualIndicator) -> int:
    """Growth rates to 1 decimal; differences in the indicator's own precision (百分点 at least 1)."""
    if ai.ind.change == "pct":
        return 1
    if ai.ind.change == "pp":
        return max(1, ai.decimals)
    return ai.decimals



SUMMARY_NUMERALS = "一二三四五六七八九十"

# A citation of a table in the text: "（见表N）" with N the number the table gets in this document (report.py numbers
# the tables in the order printed and resolves the marks); a table that is not printed (资料暂缺) is not cited.
_CITE = re.compile(r"（见〈表:(?P<id>[a-z0-9_]+)〉）")


def cite(table_id: str) -> str:
    """The mark of a citation of the catalogue table `table_id` (annual_tables.yaml), resolved by `resolve`."""
    return f"（见〈表:{table_id}〉）"


def resolve(text: str, numbers: dict[str, int]) -> str:
    """Citation marks → "（见表N）" by the document's table numbers; dropped where the table is not printed."""
    out = _CITE.sub(lambda m: f"（见表{numbers[m['id']]}）" if m["id"] in numbers else "", text)
    if "〈表:" in out:
        raise ValueError(f"unresolved table citation in {out!r}")
    return out
CHANGE_SUFFIX = {"%": "%", "百分点": "个百分点", "1/10万": "/10万"}


class Facts:
    """Numbers for the text, read from the report year's tidy table and formatted as in the tables."""

    def __init__(self, result: AnnualResult):
        self.r = result
        self.cat: AnnualCatalogue = result.catalogue
        self.records: list[dict[str, Any]] = []
        self.log = FigureLog(f"统计报告及提要 {result.year}年")  # every printed figure (figures.json)

    def raw(self, ind: str, bd: str | None = None, field: str = "value", region: str | None = None,
            year: int | None = None) -> float | None:
        return self.r.value(ind, year=year, region=region, breakdown=bd, column=field)

    def num(self, ind: str, bd: str | None = None, field: str = "value", key: str | None = None,
            region: str | None = None) -> str:
        ai = self.cat.indicator(ind)
        v = self.raw(ind, bd, field, region)
        text = fmt.number(v, ai.decimals, thousands=True) if v is not None else "…"
        self._record(key, ind, bd or ai.breakdown, field, v, text)
        printed.record(self.log, self.r, ai, bd or ai.breakdown, region, field, v, ai.decimals, text)
        return text

    def wan(self, ind: str, bd: str | None = None, key: str | None = None) -> str:
        v = self.raw(ind, bd)
        text = fmt.wan(v) if v is not None else "…"
        self._record(key, ind, bd or self.cat.indicator(ind).breakdown, "value_wan", v, text)
        printed.record(self.log, self.r, self.cat.indicator(ind), bd or self.cat.indicator(ind).breakdown, None,
                       "value", v, 1, text, unit_scale=10000.0)
        return text

    def change(self, ind: str, bd: str | None = None, key: str | None = None) -> str:
        ai = self.cat.indicator(ind)
        c = self.raw(ind, bd, "change")
        if c is not None and ai.change_words is not None:
            text = fmt.number(abs(c), change_decimals(ai))
            if set(text) <= {"0", "."}:
                phrase = "持平"
            else:
                word = ai.change_words[0] if c > 0 else ai.change_words[1]
                suffix = CHANGE_SUFFIX.get(ai.ind.change_label, ai.ind.change_label)
                phrase = f"{word}{text}{suffix}"
        else:
            phrase = change_phrase(c, ai.ind.change_label, change_decimals(ai))
        self._record(key, ind, bd or ai.breakdown, "change", c, phrase)
        printed.record(self.log, self.r, ai, bd or ai.breakdown, None, "change", c, change_decimals(ai), phrase)
        return phrase

    def _record(self, key: str | None, ind: str, bd: str, field: str, value: float | None, text: str) -> None:
        if key:
            self.records.append({"key": key, "indicator_id": ind, "breakdown_id": bd, "field": field,
                                 "value": value, "text": text})


def summary_paragraphs(result: AnnualResult, rows: Sequence[tg.MonitoringRow], f: Facts,
                       more: Sequence[str] = ()) -> list[str]:
    """The 提要: headline numbers and their changes, in the bulletin's style; `more`: further items (without
    their numeral, e.g. chapters.summary_items) before the plan item."""
    y = result.year
    p1 = (f"（一）卫生资源。{y}年末，全市医疗卫生机构总数{f.num('institutions', 'total', key='机构总数')}个，"
          f"比上年{f.change('institutions', 'total')}。其中：医院{f.num('institutions', 'hosp', key='医院数')}个，"
          f"基层医疗卫生机构{f.num('institutions', 'primary', key='基层机构数')}个，"
          f"专业公共卫生机构{f.num('institutions', 'public_health', key='专业公卫机构数')}个。"
          f"全市医疗卫生机构实有床位{f.num('beds', key='床位')}张，比上年{f.change('beds')}；"
          f"卫生技术人员{f.num('health_techs', key='卫技人员')}人，比上年{f.change('health_techs')}，"
          f"其中执业(助理)医师{f.num('doctors', key='医师')}人、注册护士{f.num('nurses', key='护士')}人。"
          f"每千常住人口医疗卫生机构床位{f.num('beds_per_1000', key='每千人口床位')}张、"
          f"执业(助理)医师{f.num('doctors_per_1000', key='每千人口医师')}人、"
          f"注册护士{f.num('nurses_per_1000', key='每千人口护士')}人，"
          f"每万常住人口全科医生{f.num('gps_per_10000', key='每万人口全科医生')}人，"
          f"医护比1:{f.num('nurse_doctor_ratio', key='医护比')}。")
    p2 = (f"（二）医疗服务。全年全市医疗卫生机构总诊疗人次{f.wan('visits', key='总诊疗')}万人次，"
          f"比上年{f.change('visits', key='总诊疗增长')}。其中：医院{f.wan('visits', 'hosp', key='医院诊疗')}万人次，"
          f"基层医疗卫生机构{f.wan('visits', 'primary', key='基层诊疗')}万人次。"
          f"出院人数{f.wan('discharges', key='出院')}万人，比上年{f.change('discharges', key='出院增长')}。"
          f"医院病床使用率{f.num('bed_use_rate', 'hosp', key='医院病床使用率')}%，"
          f"比上年{f.change('bed_use_rate', 'hosp')}；医院出院者平均住院日"
          f"{f.num('avg_stay', 'hosp', key='医院平均住院日')}日，比上年{f.change('avg_stay', 'hosp')}。")
    p3 = (f"（三）医药费用。医院次均门诊费用{f.num('outpatient_cost', 'hosp', key='医院次均门诊费用')}元，"
          f"按当年价格比上年{f.change('outpatient_cost', 'hosp', key='次均门诊费用当年价格增长')}，"
          f"按可比价格{f.change('outpatient_cost_comparable', 'hosp', key='次均门诊费用可比价格增长')}；"
          f"医院人均住院费用{f.num('inpatient_cost', 'hosp', key='医院人均住院费用')}元，"
          f"按当年价格比上年{f.change('inpatient_cost', 'hosp', key='人均住院费用当年价格增长')}，"
          f"按可比价格{f.change('inpatient_cost_comparable', 'hosp', key='人均住院费用可比价格增长')}。")
    e0 = f.raw("life_expectancy")
    e0_text = (f"全市人均预期寿命{f.num('life_expectancy', key='人均预期寿命')}岁，比上年{f.change('life_expectancy')}。"
               if e0 is not None else "人均预期寿命测算结果尚未提供。")
    p4 = (f"（四）健康水平。{e0_text}孕产妇死亡率{f.num('mmr', key='孕产妇死亡率')}/10万"
          f"（上年{f.num('mmr', field='base_value')}/10万），婴儿死亡率{f.num('imr', key='婴儿死亡率')}‰"
          f"（上年{f.num('imr', field='base_value')}‰），5岁以下儿童死亡率{f.num('u5mr', key='5岁以下儿童死亡率')}‰"
          f"（上年{f.num('u5mr', field='base_value')}‰）。重大慢性病过早死亡率"
          f"{f.num('premature_ncd_mortality', key='重大慢性病过早死亡率')}%，比上年{f.change('premature_ncd_mortality')}；"
          f"居民健康素养水平{f.num('health_literacy', key='居民健康素养水平')}%，比上年{f.change('health_literacy')}。")
    items = [p1, p2, p3, p4, *(f"（{SUMMARY_NUMERALS[4 + i]}）{m}" for i, m in enumerate(more))]
    if result.plan is None:
        return items
    lead = f"（{SUMMARY_NUMERALS[len(items)]}）" + summary_lead(result.plan, result.year)
    return [*items, monitoring_paragraph(result, rows, lead)]


def _resources_text(result: AnnualResult, f: Facts) -> list[str]:
    """一、卫生资源：机构、床位、人员和收支。"""
    y = result.year
    def yi_yuan(ind: str, bd: str = "total") -> str:  # 千元 → 亿元 for the text
        v = f.raw(ind, bd)
        return fmt.number(None if v is None else v / 1e5, 2) + "亿元"

    return [
        f"{y}年末，全市医疗卫生机构{f.num('institutions')}个。其中：医院{f.num('institutions', 'hosp')}个"
        f"（公立医院{f.num('institutions', 'hosp_public')}个，民营医院{f.num('institutions', 'hosp_private')}个；"
        f"三级医院{f.num('institutions', 'hosp_l3')}个，二级医院{f.num('institutions', 'hosp_l2')}个，"
        f"一级医院{f.num('institutions', 'hosp_l1')}个），基层医疗卫生机构{f.num('institutions', 'primary')}个"
        f"（社区卫生服务中心(站){f.num('institutions', 'chc')}个，乡镇卫生院{f.num('institutions', 'thc')}个，"
        f"门诊部、诊所、卫生所(医务室){f.num('institutions', 'opd_clinic')}个，村卫生室{f.num('institutions', 'village')}个），"
        f"专业公共卫生机构{f.num('institutions', 'public_health')}个{cite('resources_by_type')}。",
        f"全市医疗卫生机构实有床位{f.num('beds')}张，其中医院{f.num('beds', 'hosp')}张，"
        f"基层医疗卫生机构{f.num('beds', 'primary')}张，专业公共卫生机构{f.num('beds', 'public_health')}张；"
        f"编制床位{f.num('authorized_beds')}张。每千常住人口医疗卫生机构床位{f.num('beds_per_1000')}张，"
        f"比上年{f.change('beds_per_1000')}。",
        f"全市卫生技术人员{f.num('health_techs')}人，其中执业(助理)医师{f.num('doctors')}人（中医类别"
        f"{f.num('tcm_doctors')}人，全科医生{f.num('gps')}人），注册护士{f.num('nurses')}人，药师(士)"
        f"{f.num('pharmacists')}人；公共卫生人员{f.num('public_health_staff')}人。每千常住人口卫生技术人员"
        f"{f.num('techs_per_1000')}人、中医类别执业(助理)医师{f.num('tcm_doctors_per_1000')}人、药师(士)"
        f"{f.num('pharmacists_per_1000')}人、公共卫生人员{f.num('public_health_staff_per_1000')}人"
        f"{cite('resources_per_capita')}。",
        f"全市医疗卫生机构总收入{yi_yuan('total_revenue')}，比上年{f.change('total_revenue')}，其中医疗收入"
        f"{yi_yuan('medical_revenue')}；总支出{yi_yuan('total_expense')}，比上年{f.change('total_expense')}"
        f"{cite('finance_by_type')}。",
    ]


def _services_text(result: AnnualResult, f: Facts) -> list[str]:
    """二、医疗服务：诊疗、住院、效率和费用。"""
    return [
        f"全年全市医疗卫生机构总诊疗人次{f.wan('visits')}万人次，比上年{f.change('visits')}。其中：医院"
        f"{f.wan('visits', 'hosp')}万人次，比上年{f.change('visits', 'hosp')}；基层医疗卫生机构"
        f"{f.wan('visits', 'primary')}万人次，比上年{f.change('visits', 'primary')}；专业公共卫生机构"
        f"{f.wan('visits', 'public_health')}万人次。门急诊人次{f.wan('oe_visits')}万人次，其中急诊"
        f"{f.wan('emergency_visits')}万人次。医院医师日均担负诊疗{f.num('doctor_daily_visits', 'hosp')}人次。",
        f"全年全市医疗卫生机构入院{f.wan('admissions')}万人，出院{f.wan('discharges')}万人，比上年"
        f"{f.change('discharges')}；其中医院出院{f.wan('discharges', 'hosp')}万人，基层医疗卫生机构出院"
        f"{f.wan('discharges', 'primary')}万人。住院病人手术{f.wan('surgeries')}万人次，比上年{f.change('surgeries')}"
        f"{cite('services_by_type')}。",
        f"医院病床使用率{f.num('bed_use_rate', 'hosp')}%，比上年{f.change('bed_use_rate', 'hosp')}；其中公立医院"
        f"{f.num('bed_use_rate', 'hosp_public')}%，民营医院{f.num('bed_use_rate', 'hosp_private')}%。乡镇卫生院病床使用率"
        f"{f.num('bed_use_rate', 'thc')}%。医院出院者平均住院日{f.num('avg_stay', 'hosp')}日，比上年"
        f"{f.change('avg_stay', 'hosp')}；病床周转{f.num('bed_turnover', 'hosp')}次；医师日均担负住院"
        f"{f.num('doctor_daily_bed_days', 'hosp')}床日{cite('efficiency_by_type')}。",
        f"医院次均门诊费用{f.num('outpatient_cost', 'hosp')}元，按当年价格比上年{f.change('outpatient_cost', 'hosp')}，"
        f"按可比价格{f.change('outpatient_cost_comparable', 'hosp')}；人均住院费用{f.num('inpatient_cost', 'hosp')}元，"
        f"按当年价格比上年{f.change('inpatient_cost', 'hosp')}，按可比价格"
        f"{f.change('inpatient_cost_comparable', 'hosp')}。二级及以上公立医院次均门诊费用"
        f"{f.num('outpatient_cost', 'hosp_public_l2plus')}元，人均住院费用{f.num('inpatient_cost', 'hosp_public_l2plus')}元。"
        f"医院门诊药占比{f.num('op_drug_share', 'hosp')}%，比上年{f.change('op_drug_share', 'hosp')}；住院药占比"
        f"{f.num('ip_drug_share', 'hosp')}%，比上年{f.change('ip_drug_share', 'hosp')}{cite('costs_by_type')}。",
    ]


def _primary_text(result: AnnualResult, f: Facts) -> list[str]:
    """三、基层卫生。"""
    y = result.year
    return [
        f"{y}年末，全市基层医疗卫生机构{f.num('institutions', 'primary')}个，床位{f.num('beds', 'primary')}张，"
        f"卫生技术人员{f.num('health_techs', 'primary')}人。全年基层医疗卫生机构总诊疗人次"
        f"{f.wan('visits', 'primary')}万人次，占全市医疗卫生机构总诊疗人次的{f.num('visits_share', 'primary')}%，"
        f"比上年{f.change('visits_share', 'primary')}；出院{f.wan('discharges', 'primary')}万人。",
        f"社区卫生服务中心(站){f.num('institutions', 'chc')}个，诊疗{f.wan('visits', 'chc')}万人次；乡镇卫生院"
        f"{f.num('institutions', 'thc')}个，床位{f.num('beds', 'thc')}张，诊疗{f.wan('visits', 'thc')}万人次，出院"
        f"{f.wan('discharges', 'thc')}万人；村卫生室{f.num('institutions', 'village')}个，诊疗"
        f"{f.wan('visits', 'village')}万人次{cite('primary_care')}。",
    ]


def _tcm_text(result: AnnualResult, f: Facts) -> list[str]:
    """四、中医药。"""
    y = result.year
    return [
        f"{y}年末，全市中医类医院{f.num('institutions', 'hosp_tcm')}个，床位{f.num('beds', 'hosp_tcm')}张；"
        f"中医类门诊部、诊所{f.num('institutions', 'tcm_opd_clinic')}个。全市中医类别执业(助理)医师{f.num('tcm_doctors')}人，"
        f"每千常住人口{f.num('tcm_doctors_per_1000')}人，比上年{f.change('tcm_doctors_per_1000')}。",
        f"全年中医类医院总诊疗人次{f.wan('visits', 'hosp_tcm')}万人次，比上年{f.change('visits', 'hosp_tcm')}，"
        f"占全市医疗卫生机构总诊疗人次的{f.num('visits_share', 'hosp_tcm')}%；出院{f.wan('discharges', 'hosp_tcm')}万人，"
        f"比上年{f.change('discharges', 'hosp_tcm')}{cite('tcm')}。",
    ]


def _public_text(result: AnnualResult, f: Facts) -> list[str]:
    """疾病控制与公共卫生（章号见 report.SECTIONS）。"""
    y = result.year
    return [
        f"{y}年末，全市专业公共卫生机构{f.num('institutions', 'public_health')}个，各类医疗卫生机构公共卫生人员"
        f"{f.num('public_health_staff')}人，每千常住人口{f.num('public_health_staff_per_1000')}人。全年健康检查"
        f"{f.wan('health_checks')}万人次，比上年{f.change('health_checks')}。",
        f"居民健康素养水平{f.num('health_literacy')}%，比上年{f.change('health_literacy')}。重大慢性病过早死亡率"
        f"{f.num('premature_ncd_mortality')}%，比上年{f.change('premature_ncd_mortality')}（按世界卫生组织方法，"
        "由30～69岁五岁组心脑血管疾病、恶性肿瘤、糖尿病和慢性呼吸系统疾病死亡率计算）。",
        f"全市3岁以下婴幼儿托位{f.num('childcare_places')}个，每千人口拥有托位{f.num('childcare_per_1000')}个，"
        f"比上年{f.change('childcare_per_1000')}。"
        + (f"个人卫生支出占卫生总费用的比重为{f.num('oop_share')}%。" if f.raw("oop_share") is not None else
           f"{y}年卫生总费用核算结果待省公布，个人卫生支出占卫生总费用的比重暂缺（上年"
           f"{f.num('oop_share', field='base_value')}%）。"),
    ]


def _mch_text(result: AnnualResult, f: Facts) -> list[str]:
    """妇幼卫生与健康水平（章号见 report.SECTIONS）。"""
    e0 = f.raw("life_expectancy")
    return [
        (f"全市人均预期寿命{f.num('life_expectancy')}岁，比上年{f.change('life_expectancy')}（人均预期寿命测算报告）。"
         if e0 is not None else "人均预期寿命测算结果尚未提供。")
        + f"全年活产数{f.num('live_births')}人。",
        f"孕产妇死亡率{f.num('mmr')}/10万，比上年{f.change('mmr')}；婴儿死亡率{f.num('imr')}‰，比上年"
        f"{f.change('imr')}；5岁以下儿童死亡率{f.num('u5mr')}‰，比上年{f.change('u5mr')}。"
        + _province_sentence(result),
    ]


SECTION_TEXTS = {"resources": _resources_text, "services": _services_text, "primary": _primary_text,
                 "tcm": _tcm_text, "public": _public_text, "mch": _mch_text}


def section_texts(result: AnnualResult, f: Facts) -> dict[str, list[str]]:
    """The paragraphs of every chapter, by text key (SECTIONS of :mod:`pipeline.annual.report`)."""
    return {key: make(result, f) for key, make in SECTION_TEXTS.items()}


def _province_sentence(result: AnnualResult) -> str:
    parts = []
    for t in result.targets:
        if t.form != "better_than_province":
            continue
        p = result.province.get((t.province_key, result.year))
        decimals = result.catalogue.indicator(t.indicator_id).decimals
        unit = t.unit if t.unit != "%" else "%"
        parts.append(f"{t.name}全省{fmt.number(p, decimals)}{unit}" if p is not None else f"{t.name}全省数据待公布")
    return ("全省同期：" + "，".join(parts) + "。") if parts else ""
