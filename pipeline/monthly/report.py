"""Monthly report (卫生健康统计月报): tidy indicators → text, tables and charts as pandoc markdown.

Two editions from one builder: the city edition (全市, with county tables and charts) and a
county edition for each county-level unit (its own numbers, its rank among the counties and
the city figure for comparison). The notebooks only call `build_monthly` / `build_county_editions`
and `render_monthly`; all logic lives here.
"""

from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import json
import multiprocessing
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import polars as pl

from pipeline import catalogues, fmt
from pipeline.io_utils import write_csv, write_text
from pipeline.monthly.indicators import (
    CITY_LEVEL,
    CUMULATIVE,
    MONTH,
    city_code,
    for_period,
    value,
)
from pipeline.period import Month
from pipeline.render import tables

CITY_TABLES = ("visits_by_type", "discharges_by_type", "visits_by_region", "discharges_by_region",
               "bed_use_by_type", "bed_use_by_region", "cost_by_type", "resources_by_region")
COUNTY_TABLES = ("visits_by_type", "discharges_by_type", "bed_use_by_type", "cost_by_type")

# Wording of a change by the catalogue's change unit: (up, down).
CHANGE_WORDS: dict[str, tuple[str, str]] = {"%": ("增长", "下降"), "百分点": ("提高", "降低"), "日": ("延长", "缩短"),
                                            "次": ("增加", "减少"), "张": ("增加", "减少"), "人": ("增加", "减少")}

CSV_COLUMNS = ("period", "period_type", "period_label", "indicator_id", "indicator", "unit", "breakdown_id",
               "breakdown", "region_code", "region", "value", "base_value", "change", "change_unit")

# Indicators compared with the city and ranked among counties in a county edition:
# (indicator id, period type, breakdown, label, rank descending?)
COMPARISON_ROWS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("visits", CUMULATIVE, "total", "总诊疗人次数(人次)", True),
    ("discharges", CUMULATIVE, "total", "出院人数(人)", True),
    ("bed_use_rate", CUMULATIVE, "hosp", "医院病床使用率(%)", True),
    ("avg_stay", CUMULATIVE, "hosp", "医院出院者平均住院日(日)", False),
    ("outpatient_cost", CUMULATIVE, "hosp", "医院次均门诊费用(元)", False),
    ("inpatient_cost", CUMULATIVE, "hosp", "医院人均住院费用(元)", False),
    ("beds_per_1000", MONTH, "total", "每千常住人口床位(张)", True),
    ("doctors_per_1000", MONTH, "total", "每千常住人口执业(助理)医师(人)", True),
)


COMPARISON_NOTE = ("注：同比增减一栏，人次、人数和费用为增长百分比(%)，病床使用率为百分点，平均住院日为日，"
                   "每千常住人口指标为增减数；位次按数值由高到低排列（平均住院日和费用由低到高）。")


@dataclass(frozen=True)
class MonthlyDocument:
    month: Month
    region_code: str
    region_name: str
    out_dir: Path
    source_dir: Path
    markdown_path: Path
    markdown: str
    indicators_csv: Path
    tables_xlsx: Path


# ---------------------------------------------------------------------------- wording


def change_phrase(change: float | None, unit: str, decimals: int = 1) -> str:
    """'增长3.2%' / '降低0.4个百分点' / '缩短0.3日' / '持平'; '无可比数据' when there is no base."""
    if change is None:
        return "无可比数据"
    text = fmt.number(abs(change), decimals)
    if set(text) <= {"0", "."}:
        return "持平"
    up, down = CHANGE_WORDS.get(unit, ("增加", "减少"))
    word = up if change > 0 else down
    suffix = {"%": "%", "百分点": "个百分点"}.get(unit, unit)
    return f"{word}{text}{suffix}"


class Cells:
    """Look-ups into a one-period tidy table for one region."""

    def __init__(self, t: pl.DataFrame, region_code: str) -> None:
        self.t = t
        self.region = region_code

    def get(self, indicator_id: str, period_type: str, breakdown: str = "total", column: str = "value",
            region: str | None = None) -> float | None:
        return value(self.t, indicator_id, region or self.region, period_type=period_type, breakdown_id=breakdown,
                     column=column)

    def count_with_change(self, indicator_id: str, period_type: str, breakdown: str, unit: str) -> str | None:
        """'945.2万人次，同比增长4.5%'; None when the group has no institution (nothing to say)."""
        v = self.get(indicator_id, period_type, breakdown)
        b = self.get(indicator_id, period_type, breakdown, "base_value")
        if v is None or (v == 0 and not b):
            return None
        c = self.get(indicator_id, period_type, breakdown, "change")
        return f"{fmt.wan(v)}万{unit}，同比{change_phrase(c, '%')}"

    def rate_with_change(self, indicator_id: str, breakdown: str, unit: str = "%", change_unit: str = "百分点",
                         decimals: int = 1, period_type: str = CUMULATIVE) -> str | None:
        """'84.3%，同比提高1.2个百分点'; None when the group has no value (e.g. a county without 二级医院)."""
        v = self.get(indicator_id, period_type, breakdown)
        if v is None:
            return None
        c = self.get(indicator_id, period_type, breakdown, "change")
        return f"{fmt.number(v, decimals, thousands=True)}{unit}，同比{change_phrase(c, change_unit)}"


def clauses(parts: list[tuple[str, str | None]], sep: str = "；", lead: str = "其中：") -> str:
    """'其中：医院…；基层…。' from the parts that have something to say; '' when none has."""
    said = [f"{label}{text}" for label, text in parts if text is not None]
    return f"{lead}{sep.join(said)}。" if said else ""


def sentence(head: str, body: str | None) -> str:
    return f"{head}{body}" if body is not None else f"{head}无数据"


def county_rank(t: pl.DataFrame, indicator_id: str, period_type: str, breakdown: str, region_code: str,
                descending: bool = True, column: str = "value") -> tuple[int, int] | None:
    """(rank, number of ranked counties) of one county for one indicator; None when it has no value.

    Ranks by the full-precision value; ties share the best rank (competition ranking)."""
    rows = t.filter(
        (pl.col("indicator_id") == indicator_id) & (pl.col("period_type") == period_type)
        & (pl.col("breakdown_id") == breakdown) & (pl.col("region_level") != CITY_LEVEL)
        & pl.col(column).is_not_null()
    ).select("region_code", column)
    own = rows.filter(pl.col("region_code") == region_code)
    if own.height == 0:
        return None
    mine = own[column][0]
    better = rows.filter(pl.col(column) > mine if descending else pl.col(column) < mine).height
    return better + 1, rows.height


def summary_paragraphs(t: pl.DataFrame, month: Month, region_code: str, place: str, county: bool) -> dict[str, str]:
    """The generated text of each section, in the national bulletin's style."""
    c = Cells(t, region_code)
    city = city_code(t)
    cum = month.cumulative_label.removeprefix(f"{month.year}年")
    subject = f"{place}医疗卫生机构"

    def vs_city(indicator_id: str, breakdown: str = "total", period_type: str = CUMULATIVE) -> str:
        if not county:
            return ""
        ch = c.get(indicator_id, period_type, breakdown, "change", region=city)
        rank = county_rank(t, indicator_id, period_type, breakdown, region_code, column="change")
        rank_text = f"，增速居全市{rank[1]}个县市区第{rank[0]}位" if rank else ""
        return f"（全市{change_phrase(ch, '%')}{rank_text}）"

    def counts(indicator_id: str, period_type: str, unit: str, groups: tuple[tuple[str, str], ...]) -> str:
        return clauses([(label, c.count_with_change(indicator_id, period_type, bd, unit)) for bd, label in groups])

    main_groups = (("hosp", "医院"), ("primary", "基层医疗卫生机构"), ("public_health", "专业公共卫生机构"))
    visits_cum = (f"{cum}，{sentence(subject + '总诊疗人次达', c.count_with_change('visits', CUMULATIVE, 'total', '人次'))}"
                  f"{vs_city('visits')}。{counts('visits', CUMULATIVE, '人次', main_groups)}")
    visits_month = (f"{month.month}月，{sentence(subject + '总诊疗人次', c.count_with_change('visits', MONTH, 'total', '人次'))}"
                    f"{vs_city('visits', period_type=MONTH)}。{counts('visits', MONTH, '人次', main_groups[:2])}")
    discharges = (f"{cum}，{sentence(subject + '出院人数', c.count_with_change('discharges', CUMULATIVE, 'total', '人'))}"
                  f"{vs_city('discharges')}。{counts('discharges', CUMULATIVE, '人', main_groups[:2])}")

    def rates(indicator_id: str, groups: tuple[tuple[str, str], ...]) -> list[tuple[str, str | None]]:
        return [(label, c.rate_with_change(indicator_id, bd)) for bd, label in groups]

    bed_parts = rates("bed_use_rate", (("hosp_public", "公立医院"), ("hosp_private", "民营医院"), ("hosp_l3", "三级医院"),
                                       ("hosp_l2", "二级医院")))
    thc = c.rate_with_change("bed_use_rate", "thc")
    stay = c.rate_with_change("avg_stay", "hosp", "日", "日")
    beds = (f"{cum}，{sentence(place + '医院病床使用率', c.rate_with_change('bed_use_rate', 'hosp'))}。"
            f"{clauses(bed_parts, sep='，')}"
            + (f"乡镇卫生院病床使用率{thc}。" if thc else "")
            + (f"{place}医院出院者平均住院日{stay}。" if stay else ""))
    cost_parts = [
        ("医院次均门诊费用", c.rate_with_change("outpatient_cost", "hosp", "元", "%")),
        ("人均住院费用", c.rate_with_change("inpatient_cost", "hosp", "元", "%")),
        ("二级及以上公立医院次均门诊费用", c.rate_with_change("outpatient_cost", "hosp_public_l2plus", "元", "%")),
        ("人均住院费用", c.rate_with_change("inpatient_cost", "hosp_public_l2plus", "元", "%")),
        ("医院门诊药占比", c.rate_with_change("op_drug_share", "hosp")),
        ("住院药占比", c.rate_with_change("ip_drug_share", "hosp")),
    ]
    costs = f"{cum}，{place}" + (clauses(cost_parts, lead="") or "医院医药费用无数据。")
    pop_year = t.filter((pl.col("region_code") == region_code) & pl.col("population_year").is_not_null())
    pop_note = f"（常住人口取{pop_year['population_year'][0]}年末数）" if pop_year.height else ""
    resources = (f"{month.label}末，{place}纳入月报的医疗卫生机构实有床位"
                 f"{fmt.number(c.get('beds', MONTH), 0, thousands=True)}张，同比{change_phrase(c.get('beds', MONTH, column='change'), '%')}；"
                 f"卫生技术人员{fmt.number(c.get('health_techs', MONTH), 0, thousands=True)}人，"
                 f"同比{change_phrase(c.get('health_techs', MONTH, column='change'), '%')}，"
                 f"其中执业(助理)医师{fmt.number(c.get('doctors', MONTH), 0, thousands=True)}人，"
                 f"注册护士{fmt.number(c.get('nurses', MONTH), 0, thousands=True)}人。"
                 f"每千常住人口床位{fmt.number(c.get('beds_per_1000', MONTH), 2)}张、"
                 f"执业(助理)医师{fmt.number(c.get('doctors_per_1000', MONTH), 2)}人、"
                 f"注册护士{fmt.number(c.get('nurses_per_1000', MONTH), 2)}人{pop_note}；"
                 f"医护比1:{fmt.number(c.get('nurse_doctor_ratio', MONTH), 2)}。")
    return {"visits_cum": visits_cum, "visits_month": visits_month, "discharges": discharges, "beds": beds,
            "costs": costs, "resources": resources}


# ---------------------------------------------------------------------------- charts


def trend_data(table: pl.DataFrame, month: Month, region_code: str) -> pl.DataFrame:
    """总诊疗人次 (万人次) by month for this year up to `month` and all of last year."""
    rows = table.filter(
        (pl.col("indicator_id") == "visits") & (pl.col("breakdown_id") == "total")
        & (pl.col("region_code") == region_code) & (pl.col("period_type") == MONTH)
        & (((pl.col("year") == month.year) & (pl.col("month") <= month.month)) | (pl.col("year") == month.year - 1))
    )
    return rows.select(
        pl.col("month").cast(pl.Int64),
        pl.format("{}年", pl.col("year")).alias("series"),
        (pl.col("value") / 10000).alias("value"),
    ).sort(["series", "month"], descending=[True, False])


def county_values(t: pl.DataFrame, indicator_id: str, period_type: str, breakdown: str) -> pl.DataFrame:
    return t.filter(
        (pl.col("indicator_id") == indicator_id) & (pl.col("period_type") == period_type)
        & (pl.col("breakdown_id") == breakdown) & (pl.col("region_level") != CITY_LEVEL)
    ).select("region", "value")


def write_charts(table: pl.DataFrame, t: pl.DataFrame, month: Month, region_code: str, place: str, county: bool,
                 chart_dir: Path) -> list[tuple[str, str]]:
    """Write the edition's charts as SVG; return (file name, caption) in report order."""
    from pipeline.render import charts  # local import: altair is heavy

    out: list[tuple[str, str]] = []
    trend = charts.trend_chart(trend_data(table, month, region_code), title=f"{place}医疗卫生机构总诊疗人次逐月趋势",
                               y_title="万人次")
    write_text(charts.to_svg(trend), chart_dir / "trend.svg")
    out.append(("trend.svg", f"{place}医疗卫生机构总诊疗人次逐月趋势（{month.year}年与{month.year - 1}年）"))
    if county:
        return out
    cum = month.cumulative_label
    bars = county_values(t, "visits", CUMULATIVE, "total").with_columns(pl.col("value") / 10000)
    write_text(charts.to_svg(charts.bar_chart(bars, "region", "value", title="各县市区总诊疗人次（万人次）")),
               chart_dir / "counties_visits.svg")
    out.append(("counties_visits.svg", f"各县市区医疗卫生机构总诊疗人次（{cum}）"))
    scatter = county_values(t, "bed_use_rate", CUMULATIVE, "hosp").rename({"value": "rate"}).join(
        county_values(t, "avg_stay", CUMULATIVE, "hosp").rename({"value": "stay"}), on="region")
    write_text(charts.to_svg(charts.scatter_chart(scatter, "rate", "stay", "region",
                                                  title="各县市区医院病床使用率与出院者平均住院日",
                                                  x_title="病床使用率(%)", y_title="平均住院日(日)")),
               chart_dir / "counties_beds.svg")
    out.append(("counties_beds.svg", f"各县市区医院病床使用率与出院者平均住院日（{cum}）"))
    return out


# ---------------------------------------------------------------------------- tables


def comparison_table(t: pl.DataFrame, month: Month, region_code: str, place: str, number: int) -> tables.BuiltTable:
    """County vs city for the key indicators, with the county's rank among the county-level units."""
    city = city_code(t)
    c = Cells(t, region_code)
    decimals = {i.id: i.decimals for i in catalogues.indicators()}
    spec = tables.TableSpec(id="comparison", title=f"{place}主要指标与全市比较", unit="", row_by="indicator",
                            row_ids=None, breakdown="total", columns=())
    columns = (
        tables.Column(group="本地", header="本期", indicator="", period_type="", field="value", decimals=1),
        tables.Column(group="本地", header="同比增减", indicator="", period_type="", field="change", decimals=1),
        tables.Column(group="全市", header="本期", indicator="", period_type="", field="value", decimals=1),
        tables.Column(group="全市", header="同比增减", indicator="", period_type="", field="change", decimals=1),
        tables.Column(group="在县市区中", header="位次", indicator="", period_type="", field="rank", decimals=0),
    )
    rows = []
    for ind_id, pt, bd, label, desc in COMPARISON_ROWS:
        rank = county_rank(t, ind_id, pt, bd, region_code, descending=desc)
        rows.append(tables.Row(label=label, depth=0, cells=(
            c.get(ind_id, pt, bd), c.get(ind_id, pt, bd, "change"), c.get(ind_id, pt, bd, region=city),
            c.get(ind_id, pt, bd, "change", region=city), float(rank[0]) if rank else None),
            decimals=decimals[ind_id]))
    return tables.BuiltTable(spec=spec, number=number, title=f"表{number}　{place}主要指标与全市比较（{month.cumulative_label}）",
                             columns=columns, rows=tuple(rows))


# ---------------------------------------------------------------------------- data quality (from the QC stage)


def filing_rates(filing: pl.DataFrame, month: Month) -> pl.DataFrame:
    """上报率 and 及时率 (%) for the month (本月) and months 1..N (累计), per region and for the city."""
    from pipeline.qc.checks import rates

    frames = []
    for period_type, months in ((MONTH, (month,)), (CUMULATIVE, month.months_to_date())):
        status = filing.filter(pl.col("period").is_in([str(m) for m in months]))
        by_region = rates(status, by=["region_code"])
        city = rates(status).with_columns(region_code=pl.lit(None, pl.Utf8))
        frames.append(pl.concat([by_region, city.select(by_region.columns)], how="vertical")
                      .with_columns(period_type=pl.lit(period_type)))
    return pl.concat(frames, how="vertical")


def _rate_row(rates_table: pl.DataFrame, region_code: str | None, period_type: str) -> dict[str, Any] | None:
    expr = pl.col("region_code").is_null() if region_code is None else pl.col("region_code") == region_code
    hit = rates_table.filter(expr & (pl.col("period_type") == period_type))
    return hit.row(0, named=True) if hit.height else None


def quality_text(rates_table: pl.DataFrame, month: Month, region_code: str | None, place: str) -> str:
    this = _rate_row(rates_table, region_code, MONTH)
    cum = _rate_row(rates_table, region_code, CUMULATIVE)
    if this is None or cum is None:
        return f"{month.label}{place}没有应报月报的机构或没有质控数据。"
    cum_label = month.cumulative_label.removeprefix(f"{month.year}年")

    def pct(row: dict[str, Any], key: str) -> str:  # never 100.0 while some are missing (99.98)
        return fmt.percent_near_full(int(row[key]), int(row["expected"]), 1)

    def missing(row: dict[str, Any]) -> str:
        gaps = [f"{n}{what}" for n, what in ((row["expected"] - row["filed"], "家次未报"),
                                              (row["filed"] - row["on_time"], "家次迟报")) if n > 0]
        return f"（{'、'.join(gaps)}）" if gaps else ""

    return (f"{month.month}月，{place}应报月报的医疗卫生机构{this['expected']}家，已报{this['filed']}家，"
            f"上报率{pct(this, 'filed')}%，及时率{pct(this, 'on_time')}%；"
            f"{cum_label}累计应报{cum['expected']}家次，上报率{pct(cum, 'filed')}%，及时率{pct(cum, 'on_time')}%"
            f"{missing(cum)}。"
            "漏报、迟报机构名单见季度质控通报和各县市区问题清单。")


def quality_table(rates_table: pl.DataFrame, t: pl.DataFrame, month: Month, number: int) -> tables.BuiltTable:
    """上报率/及时率 by county (本月 and 累计), as a report table."""
    cum = month.cumulative_label.removeprefix(f"{month.year}年")
    spec = tables.TableSpec(id="quality", title="各县市区月报上报率和及时率", unit="%", row_by="region", row_ids=None,
                            breakdown="total", columns=())
    columns = tuple(
        tables.Column(group=group, header=header, indicator="", period_type=pt, field=field, decimals=1)
        for group, pt in ((f"{month.month}月", MONTH), (f"{cum}累计", CUMULATIVE))
        for header, field in (("上报率", "report_rate"), ("及时率", "timely_rate"))
    )
    regions = t.filter(pl.col("region_level") != CITY_LEVEL).select("region_code", "region").unique().sort(
        "region_code").rows()
    rows = []
    for code, name, depth in [(None, t.filter(pl.col("region_level") == CITY_LEVEL)["region"][0], 0)] + [
            (c, n, 1) for c, n in regions]:
        cells = []
        for col in columns:
            rec = _rate_row(rates_table, code, col.period_type)
            cells.append(None if rec is None else rec[col.field])
        rows.append(tables.Row(label=name, depth=depth, cells=tuple(cells)))
    return tables.BuiltTable(spec=spec, number=number, title=f"表{number}　各县市区月报上报率和及时率（{month.cumulative_label}）",
                             columns=columns, rows=tuple(rows))


# ---------------------------------------------------------------------------- document


def _front_matter(title: str, subtitle: str, org_name: str, month: Month) -> list[str]:
    return ["---", f'title: "{title}"', f'subtitle: "{subtitle}"', f'author: "{org_name}"', f'date: "{month.label}"',
            "lang: zh-Hans", "---", ""]


NOTES = [
    "1. 数据来源于国家卫生统计网络直报系统医疗卫生机构月报，统计范围为医院、基层医疗卫生机构"
    "（不含诊所、医务室和村卫生室）、专业公共卫生机构和其他机构；卫生资源为纳入月报机构的月末数。",
    "2. 病床使用率 = 实际占用总床日数 ÷ 实际开放总床日数 × 100%；出院者平均住院日 = 出院者占用总床日数 ÷ 出院人数；"
    "次均门诊费用 = 门诊收入 ÷ 总诊疗人次数；人均住院费用 = 住院收入 ÷ 出院人数。比率均由分子、分母分别汇总后计算。",
    "3. 同比增长按未修约数据计算；“—”表示无数据或无可比数据；表中“#”为“其中”项；位次按未修约数值排列。",
    "4. 每千常住人口指标以统计年鉴常住人口（年末数）为分母，当年数未发布时取最近一年数。",
]
JANUARY_NOTE = "5. 1月为全年第一个月，表中“1月”与“1月累计”为同一时期，数字相同。"


def _markdown(month: Month, place: str, title_place: str, org_name: str, texts: dict[str, str],
              built: dict[str, tables.BuiltTable], figures: list[tuple[str, str]], county: bool) -> str:
    md = tables.to_markdown
    fig = {name: f"![图{i}　{caption}](charts/{name})" for i, (name, caption) in enumerate(figures, start=1)}
    lines = _front_matter(f"{title_place}卫生健康统计月报", month.cumulative_label, org_name, month)
    lines += ["## 一、医疗服务", "", texts["visits_cum"], ""]
    if month.month > 1:  # in January the month is the whole period: say it once
        lines += [texts["visits_month"], ""]
    lines += [texts["discharges"], ""]
    if county:
        lines += [md(built["comparison"]), "", COMPARISON_NOTE, ""]
    lines += [md(built["visits_by_type"]), "", md(built["discharges_by_type"]), ""]
    if not county:
        lines += [md(built["visits_by_region"]), "", md(built["discharges_by_region"]), ""]
    lines += [fig["trend.svg"], ""]
    if not county:
        lines += [fig["counties_visits.svg"], ""]
    lines += ["## 二、病床使用", "", texts["beds"], "", md(built["bed_use_by_type"]), ""]
    if not county:
        lines += [md(built["bed_use_by_region"]), "", fig["counties_beds.svg"], ""]
    lines += ["## 三、医药费用", "", texts["costs"], "", md(built["cost_by_type"]), ""]
    lines += ["## 四、卫生资源", "", texts["resources"], ""]
    if not county:
        lines += [md(built["resources_by_region"]), ""]
    if "quality" in texts:
        lines += ["## 五、数据质量", "", texts["quality"], ""]
        if "quality" in built:
            lines += [md(built["quality"]), ""]
    lines += ["## 说明", "", *NOTES, *([JANUARY_NOTE] if month.month == 1 else []), ""]
    return "\n".join(lines)


def build_edition(table: pl.DataFrame, month: Month, region_code: str, out_dir: Path, org_name: str,
                  filing: pl.DataFrame | None = None) -> MonthlyDocument:
    """Write indicators.csv, tables.xlsx, the charts and report.md of one edition; return the document."""
    t = for_period(table, month)
    city = city_code(t)
    county = region_code != city
    region_name = t.filter(pl.col("region_code") == region_code)["region"][0]
    place = region_name if county else "全市"
    source = out_dir / "source"
    (source / "charts").mkdir(parents=True, exist_ok=True)

    csv_path = out_dir / "indicators.csv"
    rows = t if not county else t.filter(pl.col("region_code").is_in([region_code, city]))
    write_csv(rows.select(CSV_COLUMNS), csv_path)

    specs = tables.table_specs()
    names = COUNTY_TABLES if county else CITY_TABLES
    built: dict[str, tables.BuiltTable] = {}
    number = 1
    if county:
        built["comparison"] = comparison_table(t, month, region_code, region_name, number)
        number += 1
    for tid in names:
        built[tid] = tables.build(specs[tid], t, month, region_code, number)
        number += 1
    rates_table = filing_rates(filing, month) if filing is not None else None
    if rates_table is not None and not county:
        built["quality"] = quality_table(rates_table, t, month, number)
        number += 1
    xlsx_path = out_dir / "tables.xlsx"
    tables.write_xlsx(list(built.values()), xlsx_path, org_name=org_name)

    figures = write_charts(table, t, month, region_code, place, county, source / "charts")
    texts = summary_paragraphs(t, month, region_code, place, county)
    if rates_table is not None:
        texts["quality"] = quality_text(rates_table, month, region_code if county else None, place)
    title_place = org_name.removesuffix("卫生健康委员会") if not county else region_name
    md = _markdown(month, place, title_place, org_name, texts, built, figures, county)
    md_path = source / "report.md"
    write_text(md, md_path)
    return MonthlyDocument(month=month, region_code=region_code, region_name=region_name, out_dir=out_dir,
                           source_dir=source, markdown_path=md_path, markdown=md, indicators_csv=csv_path,
                           tables_xlsx=xlsx_path)


def read_filing(filing_path: Path | None) -> pl.DataFrame | None:
    """The QC stage's filing status (who had to file, who filed on time), if it has been run."""
    return pl.read_parquet(filing_path) if filing_path is not None and filing_path.is_file() else None


def build_monthly(*, period: str, indicators_path: Path, out_dir: Path, org_name: str,
                  filing_path: Path | None = None) -> MonthlyDocument:
    """The city edition; section 五 (data quality) appears when the QC stage's filing table is given."""
    month = Month.parse(period)
    table = pl.read_parquet(indicators_path)
    return build_edition(table, month, city_code(table), out_dir, org_name, read_filing(filing_path))


def render_monthly(doc: MonthlyDocument, backend: str = "auto") -> Any:  # -> render.RenderResult
    from pipeline.render import documents as render

    return render.render_markdown(doc.markdown_path, doc.out_dir, stem="report", backend=backend)


# ---------------------------------------------------------------------------- county editions

STAMP = ".inputs.sha256"


# Rows of other regions that a county edition shows: the comparison table and the growth ranks in the text.
SHARED_KEYS = {(i, pt, bd) for i, pt, bd, _, _ in COMPARISON_ROWS} | {
    (i, pt, "total") for i in ("visits", "discharges") for pt in (MONTH, CUMULATIVE)
}


def edition_rows(t: pl.DataFrame, region_code: str) -> pl.DataFrame:
    """The part of a one-period table that a county edition depends on."""
    shared = pl.DataFrame(sorted(SHARED_KEYS), schema=["indicator_id", "period_type", "breakdown_id"], orient="row")
    return pl.concat([t.filter(pl.col("region_code") == region_code),
                      t.join(shared, on=["indicator_id", "period_type", "breakdown_id"]).filter(
                          pl.col("region_code") != region_code).select(t.columns)], how="vertical")


def edition_fingerprint(t: pl.DataFrame, region_code: str, extra: dict[str, Any]) -> str:
    """What a county edition depends on: its rows of the period (`edition_rows`), the code that builds it,
    and the parameters. Same fingerprint → same output bytes, so the edition can be skipped."""
    h = hashlib.sha256()
    h.update(json.dumps({"region": region_code, **extra}, sort_keys=True, ensure_ascii=False).encode())
    h.update(t.sort(["indicator_id", "period_type", "breakdown_id", "region_code"]).write_csv().encode())
    package = Path(__file__).resolve().parents[1]
    for rel in ("monthly/report.py", "render/tables.py", "render/charts.py", "render/documents.py", "fmt.py",
                "catalogues/report_tables.yaml", "catalogues/indicators.yaml", "catalogues/breakdowns.yaml",
                "render/templates/report.css", "render/templates/report.html", "render/templates/report.typst"):
        path = package / rel
        if path.exists():
            h.update(rel.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class CountyRun:
    region_code: str
    region_name: str
    rendered: bool  # False: inputs unchanged, the existing edition was kept


@dataclass(frozen=True)
class _EditionJob:
    period: str
    region_code: str
    region_name: str
    out_dir: Path
    org_name: str
    backend: str
    fingerprint: str


@functools.lru_cache(maxsize=2)
def _read_inputs(indicators_path: Path, filing_path: Path | None) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    return pl.read_parquet(indicators_path), read_filing(filing_path)


def _render_edition(job: _EditionJob, indicators_path: Path, filing_path: Path | None) -> str:
    """Build and render one county edition (in a worker process), then write its input stamp last."""
    table, filing = _read_inputs(indicators_path, filing_path)
    doc = build_edition(table, Month.parse(job.period), job.region_code, job.out_dir, job.org_name, filing)
    render_monthly(doc, job.backend)
    write_text(job.fingerprint + "\n", job.out_dir / STAMP)
    return job.region_name


def edition_workers(jobs: int) -> int:
    """Processes for rendering editions: one per core (at most one per edition); HEALTHSTATS_WORKERS overrides."""
    configured = os.environ.get("HEALTHSTATS_WORKERS", "").strip()
    cores = int(configured) if configured.isdigit() and int(configured) > 0 else (os.cpu_count() or 1)
    return max(1, min(cores, jobs))


def _render_editions(jobs: list[_EditionJob], indicators_path: Path, filing_path: Path | None,
                     progress: Callable[[str], None]) -> None:
    """Render the editions whose inputs changed, in parallel over the cores. Each edition is written to its own
    folder by one process, so the bytes do not depend on the order or the number of workers."""
    workers = edition_workers(len(jobs))
    if workers == 1:
        for k, job in enumerate(jobs, start=1):
            progress(f"[{k}/{len(jobs)}] 生成 {job.region_name} 县市区版……")
            _render_edition(job, indicators_path, filing_path)
        return
    progress(f"生成 {len(jobs)} 个县市区版（{workers} 个进程并行）……")
    # spawn, not fork: the caller may be a Jupyter kernel with threads, and Windows has no fork
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_render_edition, job, indicators_path, filing_path) for job in jobs]
        for k, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            progress(f"[{k}/{len(jobs)}] {future.result()} 县市区版已生成")


def build_county_editions(*, period: str, indicators_path: Path, out_root: Path, org_name: str, backend: str,
                          filing_path: Path | None = None, progress: Callable[[str], None] | None = None
                          ) -> list[CountyRun]:
    """One edition per county-level unit under out_root/<region_code>/; editions whose inputs did not change
    since the last run are kept as they are (the stage's outputs persist between runs)."""
    progress = progress or _progress
    month = Month.parse(period)
    table = pl.read_parquet(indicators_path)
    filing = read_filing(filing_path)
    rates_table = filing_rates(filing, month) if filing is not None else None
    t = for_period(table, month)
    trend_rows = table.filter((pl.col("indicator_id") == "visits") & (pl.col("breakdown_id") == "total")
                              & (pl.col("period_type") == MONTH))
    from pipeline.render import documents as render

    renderer = render.backend_identity(backend)  # installing or upgrading Quarto re-renders kept editions
    counties = t.filter(pl.col("region_level") != CITY_LEVEL).select("region_code", "region").unique().sort(
        "region_code").rows()
    runs: list[CountyRun] = []
    todo: list[_EditionJob] = []
    for i, (code, name) in enumerate(counties, start=1):
        out_dir = out_root / code
        stamp = out_dir / STAMP
        fingerprint = edition_fingerprint(
            pl.concat([edition_rows(t, code), trend_rows.filter(pl.col("region_code") == code)], how="vertical"),
            code, {"period": str(month), "org_name": org_name, "backend": renderer,
                   "quality": None if rates_table is None else
                   rates_table.filter(pl.col("region_code") == code).sort("period_type").rows()})
        outputs_ok = all((out_dir / n).is_file() for n in ("report.html", "report.pdf", "tables.xlsx", "indicators.csv"))
        if outputs_ok and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == fingerprint:
            progress(f"[{i}/{len(counties)}] {name}：数据未变，沿用已有县市区版")
            runs.append(CountyRun(code, name, rendered=False))
            continue
        todo.append(_EditionJob(str(month), code, name, out_dir, org_name, backend, fingerprint))
        runs.append(CountyRun(code, name, rendered=True))
    _render_editions(todo, indicators_path, filing_path, progress)
    # editions of units that are no longer in the region table are removed, never left stale
    known = {code for code, _ in counties}
    for stale in sorted(p for p in out_root.glob("*") if p.is_dir() and p.name not in known):
        import shutil

        shutil.rmtree(stale)
    return runs
