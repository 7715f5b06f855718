"""统计报告及提要（年度）：年度指标 → 提要与各章文字、表格、五年趋势图、规划指标监测表、县市区附表 → Markdown、
XLSX、CSV，再由 :mod:`pipeline.render` 排版为 HTML 与 PDF。

Order of the national 卫生健康事业发展统计公报: 提要 first (generated text with the headline numbers
and their changes), then 卫生资源, 医疗服务, 基层卫生, 中医药, 疾病控制与公共卫生, 妇幼卫生与健康水平,
the plan monitoring or 终期评估 table (:mod:`pipeline.annual.monitoring`, the plan from
``catalogues/plans.yaml``; status marks coloured in HTML and PDF) and a county annex with ranks.
Tables come from ``catalogues/annual_tables.yaml``; every number printed in the text is read from the
same tidy table as the tables, formatted with the catalogue's decimals (half-up, at presentation only).
The notebook ``notebooks/annual_report.py`` only calls :func:`build_annual` and :func:`render_annual`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import CATALOGUE_DIR, fmt, zones
from pipeline.annual import chapters, front, printed, reconcile
from pipeline.annual import targets as tg
from pipeline.annual.indicators import (
    AnnualIndicator,
    AnnualPaths,
    AnnualResult,
    AnnualSettings,
    compute,
)
from pipeline.annual.monitoring import (
    STATUS_CLASS,
    STATUS_COLOUR,
    STATUS_MARK,
    MonitoringTable,
    heading as plan_heading,
    monitoring,
    monitoring_frame,
    monitoring_markdown,
    monitoring_paragraph,
    note as monitoring_note,
    write_xlsx,
)
from pipeline.annual.texts import Facts, change_decimals, resolve, section_texts, summary_paragraphs
from pipeline.errors import UserError
from pipeline.io_utils import load_yaml, write_csv, write_text
from pipeline.monthly.indicators import CITY_LEVEL
from pipeline.render import chart_engine, tables
from pipeline.workdays import NATIONAL_WORKING_DAYS, convention_text, parse_convention

TABLES_PATH = CATALOGUE_DIR / "annual_tables.yaml"
NOTEBOOK = "annual_report.py"
TABLE_FIELDS = ("value", "base_value", "change", "rank", "province")
CSV_COLUMNS = ("year", "indicator_id", "indicator", "unit", "breakdown_id", "breakdown", "region_code", "region",
               "value", "base_value", "change", "change_unit")

# ---------------------------------------------------------------------------- table catalogue


@dataclass(frozen=True)
class ColumnSpec:
    group: str
    indicator: str
    fields: tuple[str, ...]
    breakdown: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    wan: bool = False  # counts (本年, 上年) printed in 万人次 / 万人 with one decimal


@dataclass(frozen=True)
class AnnualTableSpec:
    id: str
    title: str
    unit: str
    row_by: str  # breakdown | region | indicator
    row_ids: tuple[str, ...] | None
    breakdown: str
    columns: tuple[ColumnSpec, ...]  # breakdown / region tables
    fields: tuple[str, ...]  # indicator tables
    annex: bool = False
    layout: tuple[tuple[str, object], ...] = ()  # notes and fit (tables.layout_options)


@cache
def table_specs(path: Path = TABLES_PATH) -> dict[str, AnnualTableSpec]:
    from pipeline.annual.indicators import load_catalogue

    cat = load_catalogue()
    known = {a.id for a in cat.indicators}
    bds = {b.id for b in cat.breakdowns}
    raw = load_yaml(path.read_text(encoding="utf-8"))["tables"]
    out: dict[str, AnnualTableSpec] = {}
    for tid, e in raw.items():
        rows = e["rows"]
        by = rows["by"]
        if by not in ("breakdown", "region", "indicator"):
            raise UserError(f"{path.name}：表 {tid} 的 rows.by“{by}”无效")
        ids = tuple(rows["ids"]) if rows.get("ids") else None
        if by == "breakdown" and ids and set(ids) - bds:
            raise UserError(f"{path.name}：表 {tid} 引用了未知分组 {sorted(set(ids) - bds)}")
        if by == "indicator" and (not ids or set(ids) - known):
            raise UserError(f"{path.name}：表 {tid} 引用了未知指标 {sorted(set(ids or ()) - known)}")
        cols: list[ColumnSpec] = []
        fields: tuple[str, ...] = ()
        if by == "indicator":
            fields = tuple(e["columns"])
        else:
            for c in e["columns"]:
                if c["indicator"] not in known:
                    raise UserError(f"{path.name}：表 {tid} 引用了未知指标 {c['indicator']}")
                wan = bool(tables.wan_editions(path.name, tid, c.get("wan", False), ("annual",)))
                if wan:
                    tables.check_wan(path.name, tid, cat.indicator(c["indicator"]).ind)
                cols.append(ColumnSpec(group=c["group"], indicator=c["indicator"], fields=tuple(c["fields"]),
                                       breakdown=c.get("breakdown"), headers=tuple((c.get("headers") or {}).items()),
                                       wan=wan))
            fields = tuple(f for c in cols for f in c.fields)
        if set(fields) - set(TABLE_FIELDS):
            raise UserError(f"{path.name}：表 {tid} 的列只能是 {TABLE_FIELDS}")
        out[tid] = AnnualTableSpec(id=tid, title=e["title"], unit=e.get("unit", ""), row_by=by, row_ids=ids,
                                   breakdown=rows.get("breakdown", "total"), columns=tuple(cols), fields=fields,
                                   annex=bool(e.get("annex", False)),
                                   layout=tuple(tables.layout_options(path.name, tid, e).items()))
    return out


# ---------------------------------------------------------------------------- built tables


@dataclass(frozen=True)
class AnnualColumn(tables.Column):
    change_decimals: int = 1


@dataclass(frozen=True)
class AnnualRow(tables.Row):
    change_decimals: int | None = None
    change_suffix: str = ""  # "%" where a row's change is a growth rate in a mixed-indicator table


@dataclass(frozen=True)
class AnnualTable(tables.BuiltTable):
    """A BuiltTable whose change columns keep the indicator's precision (per-1000 differences: 2 decimals)."""

    def decimals(self, row: tables.Row, i: int) -> int:
        col = self.columns[i]
        if col.field == "change":
            own = getattr(row, "change_decimals", None)
            return own if own is not None else getattr(col, "change_decimals", 1)
        if col.field == "rank":
            return 0
        if self.scaled(i):
            return tables.WAN_DECIMALS
        if row.decimals is not None:
            return row.decimals
        return col.decimals

    def cell_text(self, row: tables.Row, i: int) -> str:
        value = row.cells[i]
        if self.columns[i].field == "change":
            text = tables.change_text(value, self.decimals(row, i))
            return text + getattr(row, "change_suffix", "") if value is not None else text
        if self.scaled(i):
            return fmt.wan(value, tables.WAN_DECIMALS, thousands=True)
        return fmt.number(value, self.decimals(row, i), thousands=True)


def change_header(ai: AnnualIndicator) -> str:
    label = ai.ind.change_label
    if ai.ind.change == "pct":
        return "比上年|增长(%)"
    return f"比上年|增减({label})" if label else "比上年|增减"


def ranks(result: AnnualResult, indicator_id: str, breakdown: str, year: int | None = None) -> dict[str, int]:
    """Competition rank of each county-level unit (1 = best in the indicator's `better` direction)."""
    ai = result.catalogue.indicator(indicator_id)
    if ai.better is None:
        return {}
    excluded = [CITY_LEVEL] + (list(zones.unranked_kinds()) if ai.ind.per_population else [])  # 功能区: no per-capita rank
    rows = result.for_year(year).filter(
        (pl.col("indicator_id") == indicator_id) & (pl.col("breakdown_id") == breakdown)
        & ~pl.col("region_level").is_in(excluded) & pl.col("value").is_not_null()
    ).select("region_code", "value").rows()
    out = {}
    for code, v in rows:
        better = sum(1 for _, w in rows if (w > v if ai.better == "higher" else w < v))
        out[code] = better + 1
    return out


def _indicator_table(spec: AnnualTableSpec, result: AnnualResult, number: int,
                     lookup: Mapping[tuple[str, str, str], dict[str, Any]]) -> AnnualTable:
    """A table by indicator (rows.by: indicator): one row per indicator of the city, in its own unit and decimals."""
    cat = result.catalogue
    city = result.city
    year = result.year
    rows: list[tables.Row] = []
    columns = tuple(
        AnnualColumn(group="", header={"value": f"{year}年", "base_value": f"{year - 1}年", "change": "比上年|增减",
                                       "rank": "位次", "province": "全省"}[f],
                     indicator="", period_type="", field=f, decimals=1)
        for f in spec.fields
    )
    for ind in spec.row_ids or ():
        ai = cat.indicator(ind)
        rec = lookup.get((ind, ai.breakdown, city))
        cells = []
        for f in spec.fields:
            if f == "province":
                target = next((x for x in result.targets if x.indicator_id == ind), None)
                key = (target.province_key if target else ind, year)
                cells.append(result.province.get(key))
            elif f == "rank":
                cells.append(None)
            else:
                cells.append(None if rec is None else rec[f])
        label = f"{ai.name}({ai.unit})" if ai.unit else ai.name
        rows.append(AnnualRow(label=label, depth=0, cells=tuple(cells), decimals=ai.decimals,
                              change_decimals=change_decimals(ai),
                              change_suffix="%" if ai.ind.change == "pct" else ""))
    spec_t = tables.TableSpec(id=spec.id, title=spec.title, unit=spec.unit, row_by="indicator", row_ids=None,
                              breakdown="total", columns=(), **dict(spec.layout))  # type: ignore[arg-type]
    return AnnualTable(spec=spec_t, number=number, title=f"表{number}　{spec.title}（{year}年）",
                       columns=columns, rows=tuple(rows))


def build_table(spec: AnnualTableSpec, result: AnnualResult, number: int) -> AnnualTable:
    cat = result.catalogue
    lookup = result.lookup()
    city = result.city
    year = result.year

    def header(field: str, ai: AnnualIndicator, overrides: dict[str, str]) -> str:
        if field in overrides:
            return overrides[field]
        return {"value": f"{year}年", "base_value": f"{year - 1}年", "change": change_header(ai), "rank": "位次",
                "province": "全省"}[field]

    if spec.row_by == "indicator":
        return _indicator_table(spec, result, number, lookup)
    rows: list[tables.Row] = []
    cols: list[AnnualColumn] = []
    sources: list[tuple[str, str | None]] = []  # (indicator, breakdown override) per column
    for c in spec.columns:
        ai = cat.indicator(c.indicator)
        overrides = dict(c.headers)
        for f in c.fields:
            cols.append(AnnualColumn(group=c.group, header=header(f, ai, overrides), indicator=c.indicator,
                                     period_type="", field=f, decimals=ai.decimals, change_decimals=change_decimals(ai),
                                     scale=fmt.WAN if c.wan else 1))
            sources.append((c.indicator, c.breakdown))
    unit_line, wan_cols = tables.wan_headings(spec.unit, cols, {c.indicator: cat.indicator(c.indicator).unit
                                                                 for c in spec.columns})
    cols = list(wan_cols)  # type: ignore[arg-type]
    if spec.row_by == "breakdown":
        bds = [cat.breakdown(b) for b in spec.row_ids] if spec.row_ids else [b for b in cat.breakdowns if not b.extra]
        keys = [(b.id, city, b.label, b.depth) for b in bds]
    else:
        keys = [(spec.breakdown, code, result.regions.name(code), 0 if code == city else 1)
                for code in result.regions.codes]
    rank_cache: dict[tuple[str, str], dict[str, int]] = {}
    for bd, rg, label, depth in keys:
        cells: list[float | None] = []
        for col, (ind, bd_override) in zip(cols, sources):
            use_bd = bd_override or bd
            if col.field == "rank":
                key = (ind, use_bd)
                if key not in rank_cache:
                    rank_cache[key] = ranks(result, ind, use_bd)
                r = rank_cache[key].get(rg)
                cells.append(None if r is None else float(r))
                continue
            rec = lookup.get((ind, use_bd, rg))
            cells.append(None if rec is None else rec[col.field])
        rows.append(tables.Row(label=label, depth=depth, cells=tuple(cells)))
    spec_t = tables.TableSpec(id=spec.id, title=spec.title, unit=unit_line, row_by=spec.row_by, row_ids=None,
                              breakdown=spec.breakdown, columns=(), **dict(spec.layout))  # type: ignore[arg-type]
    return AnnualTable(spec=spec_t, number=number, title=f"表{number}　{spec.title}（{year}年）", columns=tuple(cols),
                       rows=tuple(rows))


# ---------------------------------------------------------------------------- charts


def year_chart(data: pl.DataFrame, title: str, y_title: str, label_format: str = ",.2~f") -> Any:
    """Five-year trend: one line per series over the years; the latest year's values are labelled."""
    import altair as alt

    from pipeline.render import charts

    rows = data.select(pl.format("{}年", pl.col("year")).alias("year"), pl.col("series"),
                       pl.col("value").cast(pl.Float64)).to_dicts()
    years = list(dict.fromkeys(r["year"] for r in rows))
    series = list(dict.fromkeys(r["series"] for r in rows))
    colors = [charts.PALETTE[i % len(charts.PALETTE)] for i in range(len(series))]
    base = alt.Chart(alt.InlineData(values=rows), title=title).encode(
        x=alt.X("year:O", title=None, scale=alt.Scale(domain=years), axis=alt.Axis(labelAngle=0, grid=False)),
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False, nice=True),
                axis=alt.Axis(format=",~f", grid=True, tickCount=6)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=series, range=colors),
                        legend=alt.Legend(orient="top", direction="horizontal", symbolType="stroke")),
    )
    lines = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=36), strokeWidth=2)
    last = years[-1] if years else ""
    labels = base.transform_filter(alt.datum.year == last).mark_text(align="left", dx=7, fontSize=11).encode(
        text=alt.Text("value:Q", format=label_format))
    return charts.configure(alt.LayerChart(layer=[lines, labels]).properties(width=charts.DEFAULT_WIDTH,
                                                                            height=charts.DEFAULT_HEIGHT))


def _series(result: AnnualResult, items: Sequence[tuple[str, str, str | None, float]]) -> pl.DataFrame:
    """(label, indicator, breakdown, divisor) → year, series, value for every year with a value."""
    rows = []
    for label, ind, bd, div in items:
        for y in result.years:
            v = result.value(ind, y, breakdown=bd)
            if v is not None:
                rows.append({"year": y, "series": label, "value": v / div})
    return pl.DataFrame(rows, schema={"year": pl.Int64, "series": pl.Utf8, "value": pl.Float64})


def write_charts(result: AnnualResult, chart_dir: Path) -> dict[str, str]:
    """The five-year trend charts (SVG); returns {file name: caption}."""
    from pipeline.render import charts

    y0, y1 = result.years[0], result.year
    span = f"{y0}—{y1}年"
    specs: list[tuple[str, str, str, str, list[tuple[str, str, str | None, float]]]] = [
        ("resources.svg", f"{span}每千常住人口床位、执业(助理)医师和注册护士数", "张、人", ",.2f",
         [("床位(张)", "beds_per_1000", None, 1), ("执业(助理)医师(人)", "doctors_per_1000", None, 1),
          ("注册护士(人)", "nurses_per_1000", None, 1)]),
        ("visits.svg", f"{span}医疗卫生机构总诊疗人次数", "万人次", ",.1f",
         [("医疗卫生机构", "visits", None, 1e4), ("医院", "visits", "hosp", 1e4),
          ("基层医疗卫生机构", "visits", "primary", 1e4)]),
        ("discharges.svg", f"{span}医疗卫生机构出院人数", "万人", ",.1f",
         [("医疗卫生机构", "discharges", None, 1e4), ("医院", "discharges", "hosp", 1e4)]),
        ("costs.svg", f"{span}医院人均住院费用（当年价格与{result.settings.price_base_year}年可比价格）", "元", ",.1f",
         [("当年价格", "inpatient_cost", "hosp", 1), ("可比价格", "inpatient_cost_comparable", "hosp", 1)]),
        ("child_mortality.svg", f"{span}婴儿死亡率和5岁以下儿童死亡率", "‰", ",.2f",
         [("婴儿死亡率", "imr", None, 1), ("5岁以下儿童死亡率", "u5mr", None, 1)]),
        ("ncd.svg", f"{span}重大慢性病过早死亡率", "%", ",.2f",
         [("重大慢性病过早死亡率", "premature_ncd_mortality", None, 1)]),
    ]
    out: dict[str, str] = {}
    for name, caption, y_title, label_format, items in specs:
        data = _series(result, items)
        if data.is_empty():
            continue
        write_text(charts.to_svg(year_chart(data, caption, y_title, label_format)), chart_dir / name)
        out[name] = caption
    return out


# ---------------------------------------------------------------------------- document

SECTIONS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    # (heading, text key, tables, charts) in the order of the national 卫生健康事业发展统计公报; numbered in order
    ("卫生资源", "resources", ("resources_by_type", "resources_per_capita", "finance_by_type"), ("resources.svg",)),
    ("医疗服务", "services", ("services_by_type", "efficiency_by_type", "costs_by_type"),
     ("visits.svg", "discharges.svg", "costs.svg")),
    ("基层卫生", "primary", ("primary_care",), ()),
    ("中医药", "tcm", ("tcm",), ()),
    ("疾病控制与公共卫生", "public", ("infectious_diseases", "immunization", "public_health"), ("ncd.svg",)),
    ("基本公共卫生服务项目", "basic_public_health", ("basic_public_health",), ()),
    ("妇幼卫生与健康水平", "mch", ("maternal_child", chapters.COMPARISON_TABLE), ("child_mortality.svg",)),
    ("老龄健康与医养结合", "elderly_care", ("elderly_care",), ()),
    ("卫生监督", "supervision", ("health_supervision",), ()),
)
NUMERALS = "一二三四五六七八九十"
ANNEX_TABLES = ("annex_resources", "annex_services", "annex_health")

STYLE_HTML = ("```{=html}\n<style>\n"
              + "\n".join(f".{STATUS_CLASS[s]} {{ color: #{STATUS_COLOUR[s]}; font-weight: 700; }}" for s in tg.STATUSES)
              + "\n</style>\n```")
STYLE_TYPST = ("```{=typst}\n"
               + "\n".join(f'#show "{STATUS_MARK[s]} {s}": set text(fill: rgb("#{STATUS_COLOUR[s]}"), weight: "bold")'
                           for s in tg.STATUSES)
               + "\n```")


def monthly_note(result: AnnualResult, facts: Facts | None) -> str:
    """The 说明 sentence on 月报 (快报) vs 年报 figures, with the 月报's 1—12月 values where they differ."""
    monthly = reconcile.read_monthly(result.monthly_indicators, result.year, result.city)
    if monthly is None:
        return reconcile.note([], result.year, result.city)
    found = reconcile.pairs(monthly, lambda ind, bd: result.value(ind, breakdown=bd), reconcile.load_specs())
    if facts is not None:  # the annual values printed in the 说明 are recorded like every other printed figure
        for p in found:
            facts.wan(p.spec.indicator, p.spec.breakdown) if p.spec.in_wan else facts.num(p.spec.indicator,
                                                                                          p.spec.breakdown)
    return reconcile.note(found, result.year, result.city, facts.log if facts is not None else None)


def notes(result: AnnualResult, facts: Facts | None = None) -> list[str]:
    s = result.settings
    pop_year = result.population_year.get(result.year)
    missing = "；".join(f"{y}年缺少{'、'.join(m)}" for y, m in sorted(result.missing.items()))
    out = [
        "1. 资料来源：医疗卫生机构年报（国家卫生统计网络直报系统，含诊所、医务室和村卫生室；分支机构不单独统计），"
        "妇幼卫生监测、死因监测、居民健康素养监测、托育服务统计和卫生总费用核算结果；常住人口为统计部门公布的年末数"
        + (f"（{pop_year}年）" if pop_year else "") + "。",
        "2. 指标计算方法与月报一致：比率均由分子、分母分别汇总后计算；床位、人员为年末数；病床使用率 = 实际占用总床日数 ÷ "
        "实际开放总床日数 × 100%，病床周转次数按全年日历天数计算；医师日均担负诊疗人次 = 总诊疗人次数 ÷ 平均执业(助理)医师数 ÷ "
        f"全年工作日数（{convention_text(result.year, result.working_days, s.working_days)}），医师日均担负住院床日 = "
        "实际占用总床日数 ÷ 平均执业(助理)医师数 ÷ 全年日历天数，平均执业(助理)医师数 = (年初数 + 年末数) ÷ 2"
        "；次均门诊费用 = 门诊收入 ÷ 总诊疗人次数，人均住院费用 = 住院收入 ÷ 出院人数。" + monthly_note(result, facts),
        f"3. 可比价格以{s.price_base_year}年为基期，按医疗保健类居民消费价格指数（上年=100）逐年链接折算；“按可比价格”"
        "的增长为扣除价格因素后的实际增长。",
        "4. 重大慢性病过早死亡率按世界卫生组织方法计算：5q(x) = 5M(x) ÷ (1 + 2.5M(x))，x = 30、35、…、65，"
        "M(x) 为该年龄组心脑血管疾病、恶性肿瘤、糖尿病和慢性呼吸系统疾病死亡数之和 ÷ 该组人口；过早死亡率 = 1 − Π(1 − 5q(x))。",
        "5. " + monitoring_note(result),
        "6. 人均预期寿命取自人均预期寿命测算报告" +
        ("。" if result.life_expectancy_source else "；本次未提供测算结果。"),
        "7. 表中“—”表示无数据或无可比数据，监测表中“…”表示该年数据暂缺；“#”为“其中”项；县市区位次按未修约数值排列，"
        "费用、平均住院日、死亡率等越低位次越前。" + (f"历年数据：{missing}。" if missing else ""),
        *(f"{8 + i}. {n}" for i, n in enumerate(zones.population_notes(
            zip(result.regions.table["region_name"].to_list(), result.regions.table["region_kind"].to_list())))),
    ]
    return out


def all_notes(result: AnnualResult, facts: Facts | None = None) -> list[str]:
    """The numbered notes of the 说明, with the note on chapters whose data were not supplied last."""
    note_lines = notes(result, facts)
    absence = chapters.absence_note(result)
    return [*note_lines, *([f"{len(note_lines) + 1}. {absence}"] if absence else [])]


@dataclass(frozen=True)
class AnnualDocument:
    result: AnnualResult
    out_dir: Path
    source_dir: Path
    markdown_path: Path
    markdown: str
    tables_xlsx: Path
    indicators_csv: Path
    monitoring_csv: Path
    summary_csv: Path
    monitoring_rows: tuple[tg.MonitoringRow, ...]


def _figure(n: int, name: str, caption: str) -> str:
    return f"![图{n}　{caption}](charts/{name})"


def chapter_tables(tids: Sequence[str], specs: Mapping[str, AnnualTableSpec]) -> tuple[list[str], list[str]]:
    """A chapter's tables in the order printed: (those in the flow of the chapter, after its text; the landscape
    ones, after the others and before the charts). A landscape table is a page of its own: right after the text it
    would break the page there and leave the chapter's last lines alone on a near-empty page; after the portrait
    tables that page is filled by them, and the charts (and the next chapter) follow the landscape page."""
    def landscape(tid: str) -> bool:
        return tid in specs and dict(specs[tid].layout).get("fit") == "landscape"
    return [t for t in tids if not landscape(t)], [t for t in tids if landscape(t)]


def build_tables(result: AnnualResult, specs: Mapping[str, AnnualTableSpec], rows: Sequence[tg.MonitoringRow]
                 ) -> tuple[dict[str, tables.BuiltTable], MonitoringTable | None]:
    """Every table of the report, numbered in the order printed (chapters, monitoring, annex)."""
    number = 1
    built: dict[str, tables.BuiltTable] = {}
    for _, _, tids, _ in SECTIONS:
        flow, last = chapter_tables(tids, specs)
        for tid in flow + last:
            if tid == chapters.COMPARISON_TABLE:
                built[tid] = chapters.comparison_table(result, number)
            elif chapters.table_shown(result, specs[tid].row_ids if specs[tid].row_by == "indicator"
                                      else [c.indicator for c in specs[tid].columns]):
                built[tid] = build_table(specs[tid], result, number)
            else:
                continue  # the chapter says 资料暂缺
            number += 1
    mt = None if result.plan is None else MonitoringTable(number=number, plan=result.plan, year=result.year,
                                                          rows=tuple(rows))
    number += 0 if mt is None else 1
    for tid in ANNEX_TABLES:
        built[tid] = build_table(specs[tid], result, number)
        number += 1
    return built, mt


def build_document(result: AnnualResult, out_dir: Path, org_name: str) -> AnnualDocument:
    """Write indicators.csv, monitoring.csv, summary.csv, tables.xlsx, the charts and source/report.md."""
    out_dir = Path(out_dir)
    source = out_dir / "source"
    (source / "charts").mkdir(parents=True, exist_ok=True)
    specs = table_specs()
    rows = monitoring(result)
    facts = Facts(result)
    summary = summary_paragraphs(result, rows, facts, chapters.summary_items(result, facts))
    texts = chapters.chapter_texts(result, facts, section_texts(result, facts))
    figures = write_charts(result, source / "charts")

    built, mt = build_tables(result, specs, rows)
    numbers = {tid: table.number for tid, table in built.items()}  # the citations "（见表N）" of the texts
    y = result.year

    city_name = result.regions.city_name
    md: list[str] = ["---", f'title: "{city_name}{y}年卫生健康统计报告及提要"', f'author: "{org_name}"',
                     f'date: "{y}年度"', "lang: zh-Hans", "cover: true", "---", "", STYLE_HTML, "", STYLE_TYPST, "",
                     *front.front_sections(result.catalogue, all_notes(result, facts), city=city_name, year=y,
                                           org=org_name),
                     "## 提要", ""]
    for p in summary:
        md += [resolve(p, numbers), ""]
    fig_no = 1
    for i, (heading, key, tids, charts_) in enumerate(SECTIONS):
        md += [f"## {NUMERALS[i]}、{heading}", ""]
        for p in texts[key]:
            md += [resolve(p, numbers), ""]
        flow, last = chapter_tables(tids, specs)
        for tid in (t for t in flow if t in built):
            md += [tables.to_markdown(built[tid]), ""]
            if tid == chapters.COMPARISON_TABLE:
                md += [chapters.comparison_note(result), ""]
        md += [block for tid in last if tid in built for block in (tables.to_markdown(built[tid]), "")]
        for name in charts_:
            if name in figures:
                md += [_figure(fig_no, name, figures[name]), ""]
                fig_no += 1
    if mt is not None:
        md += [f"## {NUMERALS[len(SECTIONS)]}、{plan_heading(mt.plan, y)}", "", monitoring_paragraph(result, rows), "", monitoring_markdown(mt), ""]
    md += ["## 附录　各县市区主要指标", "",
           "各县级单位（含功能区）主要指标并列如下，位次在县级单位之间排列（全市不参加排位；功能区不参加每千常住人口等人均指标的排位，见说明）。", ""]
    for tid in ANNEX_TABLES:
        md += [tables.to_markdown(built[tid]), ""]
    markdown = front.with_contents("\n".join(md), "说明").replace("比上年持平", "与上年持平")  # 持平 takes 与 (bulletin usage)

    md_path = source / "report.md"
    write_text(markdown, md_path)
    xlsx = out_dir / "tables.xlsx"
    ordered = sorted(built.values(), key=lambda table: table.number)  # the sheets 表1, 表2, … in the order printed
    write_xlsx(ordered, mt, xlsx, org_name)
    for tid, table in built.items():
        if tid in specs:  # the comparison table repeats the city's values beside reference data
            printed.record_table(facts.log, table, specs[tid], result)
    facts.log.write(out_dir)
    ind_csv = out_dir / "indicators.csv"
    write_csv(result.for_year().select(CSV_COLUMNS), ind_csv)
    mon_csv = out_dir / "monitoring.csv"
    write_csv(monitoring_frame(rows, y), mon_csv)
    sum_csv = out_dir / "summary.csv"
    write_csv(pl.DataFrame(facts.records, schema={"key": pl.Utf8, "indicator_id": pl.Utf8, "breakdown_id": pl.Utf8,
                                                  "field": pl.Utf8, "value": pl.Float64, "text": pl.Utf8})
              .unique(subset=["key"], keep="first", maintain_order=True), sum_csv)
    return AnnualDocument(result=result, out_dir=out_dir, source_dir=source, markdown_path=md_path, markdown=markdown,
                          tables_xlsx=xlsx, indicators_csv=ind_csv, monitoring_csv=mon_csv, summary_csv=sum_csv,
                          monitoring_rows=tuple(rows))


def build_annual(*, year: int, raw_dir: Path, reference_dir: Path, life_expectancy_dir: Path | None, out_dir: Path,
                 org_name: str, price_base_year: int, working_days: int | str = NATIONAL_WORKING_DAYS,
                 monthly_indicators: Path | None = None) -> AnnualDocument:
    chart_engine.warm_up()  # the chart engine starts on the other core while the indicators are computed
    paths = AnnualPaths(raw=Path(raw_dir), reference=Path(reference_dir),
                        life_expectancy=Path(life_expectancy_dir) if life_expectancy_dir else None,
                        monthly_indicators=Path(monthly_indicators) if monthly_indicators else None)
    settings = AnnualSettings(year=year, price_base_year=price_base_year, working_days=parse_convention(working_days))
    return build_document(compute(paths, settings), Path(out_dir), org_name)


def render_annual(doc: AnnualDocument, backend: str = "auto") -> Any:  # -> render.RenderResult
    from pipeline.render import documents as render

    try:
        return render.render_markdown(doc.markdown_path, doc.out_dir, stem="report", backend=backend)
    except render.RenderError as exc:
        raise UserError(f"统计报告排版失败：{exc}") from exc


def run_annual_report(*, paths: AnnualPaths, settings: AnnualSettings, out_dir: Path, org_name: str,
                      backend: str) -> None:
    """The stage's entry point: check the inputs, then execute notebooks/annual_report.py with papermill."""
    from pipeline.annual.indicators import check_inputs
    from pipeline.io_utils import atomic_dir
    from pipeline.render.notebook import NOTEBOOK_DIR, execute

    check_inputs(paths, settings)  # fail before starting a kernel, with the list of missing inputs
    cwd = Path.cwd()

    def rel(p: Path | None) -> str | None:
        return None if p is None else os.path.relpath(Path(p).resolve(), cwd)

    with atomic_dir(out_dir) as work:  # the whole report set appears at once, or the previous one stays
        execute(
            NOTEBOOK_DIR / NOTEBOOK,
            work / "annual_report.ipynb",
            parameters={
                "year": settings.year, "price_base_year": settings.price_base_year,
                "working_days": settings.working_days, "raw_dir": rel(paths.raw), "reference_dir": rel(paths.reference),
                "life_expectancy_dir": rel(paths.life_expectancy), "out_dir": rel(work), "org_name": org_name,
                "monthly_indicators": rel(paths.monthly_indicators), "backend": backend,
            },
            cwd=cwd, aliases={rel(work): rel(out_dir)},
        )
