"""Monthly report (卫生健康统计月报): tidy indicators → text, tables and charts as pandoc markdown.

Two editions from one builder: the city edition (全市, with county tables and charts) and a
county edition for each county-level unit (its own numbers, its rank among the counties and
the city figure for comparison). The notebooks only call `build_monthly` / `build_county_editions`
and `render_monthly`; all logic lives here.
"""

from __future__ import annotations

import concurrent.futures
import functools
import gc
import hashlib
import json
import multiprocessing
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import polars as pl

from pipeline import catalogues, fmt, scopes, zones
from pipeline.io_utils import write_csv, write_text
from pipeline.monthly.indicators import (
    CITY_LEVEL,
    CUMULATIVE,
    MONTH,
    city_code,
    for_period,
    value,
)
from pipeline.figures import FILE_NAME as FIGURES_FILE
from pipeline.figures import FigureLog
from pipeline.monthly import printed, resources
from pipeline.monthly.wording import (  # noqa: F401  (re-exported: tests and the annual report use them)
    CHANGE_WORDS,
    Cells,
    change_phrase,
    clauses,
    county_rank,
    sentence,
    summary_paragraphs,
)
from pipeline.period import Month
from pipeline.render import chart_engine, tables

CITY_TABLES = ("visits_by_type", "discharges_by_type", "visits_by_region", "discharges_by_region",
               "bed_use_by_type", "bed_use_by_region", "cost_by_type", "resources_by_region")
COUNTY_TABLES = ("visits_by_type", "discharges_by_type", "bed_use_by_type", "cost_by_type")

# Wording of a change by the catalogue's change unit: (up, down).
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
                            row_ids=None, breakdown="total", columns=(), notes=(COMPARISON_NOTE,))
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


def record_quality(log: FigureLog, rates_table: pl.DataFrame, month: Month, city: str, only: str | None) -> None:
    """上报率/及时率 printed in 数据质量 (text and, in the city edition, the county table) into figures.json."""
    from pipeline.figures import flow_period, record_rate

    for rec in rates_table.iter_rows(named=True):
        code = rec["region_code"] or city
        if only is not None and code != only:
            continue
        first = 1 if rec["period_type"] == CUMULATIVE else month.month
        for field in ("report_rate", "timely_rate"):
            count = rec["filed"] if field == "report_rate" else rec["on_time"]
            text = fmt.DASH if rec[field] is None else fmt.percent_near_full(int(count), int(rec["expected"]), 1)
            record_rate(log, field, code, flow_period(month.year, first, month.month), rec[field], text, "数据质量")


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
    "（不含诊所、医务室和村卫生室）、专业公共卫生机构和其他机构；卫生资源为纳入月报机构的月末数（12月有年报时正文"
    "取年报的年末数，并注明）。{scope_note}",
    "2. 病床使用率 = 实际占用总床日数 ÷ 实际开放总床日数 × 100%；出院者平均住院日 = 出院者占用总床日数 ÷ 出院人数；"
    "次均门诊费用 = 门诊收入 ÷ 总诊疗人次数；人均住院费用 = 住院收入 ÷ 出院人数。比率均由分子、分母分别汇总后计算。",
    "3. 同比增长按未修约数据计算；“—”表示无数据或无可比数据；表中“#”为“其中”项；位次按未修约数值排列。",
    "4. 每千常住人口指标以统计年鉴常住人口（年末数）为分母，当年数未发布时取最近一年数。",
]
JANUARY_NOTE = "1月为全年第一个月，表中“1月”与“1月累计”为同一时期，数字相同。"


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
        lines += [md(built["comparison"]), ""]
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
    note = scopes.scope(scopes.MONTHLY).note
    extra = [JANUARY_NOTE] if month.month == 1 else []  # numbered after the fixed notes
    extra += [z for z in texts.get("zones", "").split("\n") if z]
    lines += ["## 说明", "", *(n.format(scope_note=note) for n in NOTES),
              *(f"{len(NOTES) + 1 + i}. {z}" for i, z in enumerate(extra)), ""]
    return "\n".join(lines)


def build_edition(table: pl.DataFrame, month: Month, region_code: str, out_dir: Path, org_name: str,
                  filing: pl.DataFrame | None = None, annual: pl.DataFrame | None = None) -> MonthlyDocument:
    """Write indicators.csv, tables.xlsx, the charts, report.md and figures.json (every printed figure with its
    scope) of one edition; `annual` is the annual report's year-end resources (resources.annual_year_end)."""
    chart_engine.warm_up()  # the chart engine starts on the other core while the tables are built
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
        built[tid] = tables.build(specs[tid], t, month, region_code, number, edition="county" if county else "city")
        if county:
            built[tid] = tables.omit_empty_rows(built[tid], region_name)
        number += 1
    rates_table = filing_rates(filing, month) if filing is not None else None
    if rates_table is not None and not county:
        built["quality"] = quality_table(rates_table, t, month, number)
        number += 1
    xlsx_path = out_dir / "tables.xlsx"
    tables.write_xlsx(list(built.values()), xlsx_path, org_name=org_name)

    figures = write_charts(table, t, month, region_code, place, county, source / "charts")
    log = FigureLog(f"{'县市区版' if county else '全市'}月报 {region_name} {month.label}")
    for built_table in built.values():
        printed.record_table(log, built_table, month)
    texts = summary_paragraphs(t, month, region_code, place, county, annual, log)
    if rates_table is not None:
        texts["quality"] = quality_text(rates_table, month, region_code if county else None, place)
        record_quality(log, rates_table, month, city, region_code if county else None)
    units = (t.filter(pl.col("region_level") != CITY_LEVEL).select("region_code", "region", "region_level").unique()
             .sort("region_code").filter(pl.lit(not county) | (pl.col("region_code") == region_code)))
    texts["zones"] = "\n".join(zones.population_notes((name, kind) for _, name, kind in units.rows()))
    title_place = org_name.removesuffix("卫生健康委员会") if not county else region_name
    md = _markdown(month, place, title_place, org_name, texts, built, figures, county)
    md_path = source / "report.md"
    write_text(md, md_path)
    log.write(out_dir)
    return MonthlyDocument(month=month, region_code=region_code, region_name=region_name, out_dir=out_dir,
                           source_dir=source, markdown_path=md_path, markdown=md, indicators_csv=csv_path,
                           tables_xlsx=xlsx_path)


def read_filing(filing_path: Path | None) -> pl.DataFrame | None:
    """The QC stage's filing status (who had to file, who filed on time), if it has been run."""
    return pl.read_parquet(filing_path) if filing_path is not None and filing_path.is_file() else None


def build_monthly(*, period: str, indicators_path: Path, out_dir: Path, org_name: str,
                  filing_path: Path | None = None, annual_root: Path | None = None) -> MonthlyDocument:
    """The city edition; section 五 (data quality) appears when the QC stage's filing table is given."""
    month = Month.parse(period)
    table = pl.read_parquet(indicators_path)
    return build_edition(table, month, city_code(table), out_dir, org_name, read_filing(filing_path),
                         resources.annual_year_end(annual_root, month))


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


def edition_code_files() -> list[str]:
    """The files (relative to pipeline/) whose bytes go into an edition's fingerprint: the edition's own modules and
    catalogues, and the whole renderer (font embedding, apparatus, table model, templates): any of it can change
    the output bytes, so a change to it must re-render kept editions."""
    package = Path(__file__).resolve().parents[1]
    own = ["monthly/report.py", "monthly/wording.py", "monthly/resources.py", "monthly/printed.py", "figures.py",
           "scopes.py", "catalogues/scopes.yaml", "zones.py", "catalogues/region_kinds.yaml", "fmt.py",
           "catalogues/report_tables.yaml", "catalogues/indicators.yaml", "catalogues/breakdowns.yaml"]
    renderer = sorted(p.relative_to(package).as_posix() for p in (package / "render").rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts and p.name != "README.md")
    return [rel for rel in own if (package / rel).exists()] + renderer


def edition_fingerprint(t: pl.DataFrame, region_code: str, extra: dict[str, Any]) -> str:
    """What a county edition depends on: its rows of the period (`edition_rows`), the code that builds it,
    and the parameters. Same fingerprint → same output bytes, so the edition can be skipped."""
    h = hashlib.sha256()
    h.update(json.dumps({"region": region_code, **extra}, sort_keys=True, ensure_ascii=False).encode())
    h.update(t.sort(["indicator_id", "period_type", "breakdown_id", "region_code"]).write_csv().encode())
    package = Path(__file__).resolve().parents[1]
    for rel in edition_code_files():
        h.update(rel.encode() + b"\0" + (package / rel).read_bytes())
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
    annual_root: Path | None = None


def _file_state(path: Path | None) -> tuple[int, int] | None:
    if path is None or not path.is_file():
        return None
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


@functools.lru_cache(maxsize=2)
def _read_inputs_of(indicators_path: Path, filing_path: Path | None,
                    _states: tuple[Any, ...]) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    return pl.read_parquet(indicators_path), read_filing(filing_path)


def _read_inputs(indicators_path: Path, filing_path: Path | None) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The stage's inputs, read once per worker process; a rewritten file (size or mtime) is read again, so that a
    long-lived process (a Jupyter kernel, the serial path in the caller's own process) never renders stale data."""
    return _read_inputs_of(indicators_path, filing_path, (_file_state(indicators_path), _file_state(filing_path)))


def _render_edition(job: _EditionJob, indicators_path: Path, filing_path: Path | None) -> str:
    """Build and render one county edition (in a worker process), then write its input stamp last."""
    table, filing = _read_inputs(indicators_path, filing_path)
    month = Month.parse(job.period)
    doc = build_edition(table, month, job.region_code, job.out_dir, job.org_name, filing,
                        resources.annual_year_end(job.annual_root, month))
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
    del pool, futures
    _stop_resource_tracker()


def _stop_resource_tracker() -> None:
    """Stop multiprocessing's resource tracker once the pool is gone (POSIX; nothing to do elsewhere).

    A spawn pool starts that tracker as a child of this process, and it ignores SIGTERM. In a Jupyter kernel (the
    stage runs this in one) ipykernel's shutdown signals every child and waits for it to go, SIGTERM with back-offs
    first: the tracker added 2.6 s to every county_reports stage (measured with a one-cell notebook, 3.5 s against
    0.9 s). Closing its pipe is how Python's own tests stop it; the pool's semaphores are freed first, so it has
    nothing left to clean up. `_stop` is private, hence the guard: without it the stage is only slower."""
    gc.collect()  # the pool's semaphores unregister themselves when freed; after _stop that would restart the tracker
    from multiprocessing import resource_tracker

    stop = getattr(getattr(resource_tracker, "_resource_tracker", None), "_stop", None)
    if callable(stop):
        stop()


def build_county_editions(*, period: str, indicators_path: Path, out_root: Path, org_name: str, backend: str,
                          filing_path: Path | None = None, progress: Callable[[str], None] | None = None,
                          annual_root: Path | None = None) -> list[CountyRun]:
    """One edition per county-level unit under out_root/<region_code>/; editions whose inputs did not change
    since the last run are kept as they are (the stage's outputs persist between runs)."""
    progress = progress or _progress
    month = Month.parse(period)
    table = pl.read_parquet(indicators_path)
    filing = read_filing(filing_path)
    rates_table = filing_rates(filing, month) if filing is not None else None
    t = for_period(table, month)
    annual = resources.annual_year_end(annual_root, month)
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
                   rates_table.filter(pl.col("region_code") == code).sort("period_type").rows(),
                   "annual": None if annual is None else
                   annual.filter(pl.col("region_code") == code).sort("indicator_id").rows()})
        outputs_ok = all((out_dir / n).is_file() for n in ("report.html", "report.pdf", "tables.xlsx", "indicators.csv",
                                                        FIGURES_FILE))
        if outputs_ok and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == fingerprint:
            progress(f"[{i}/{len(counties)}] {name}：数据未变，沿用已有县市区版")
            runs.append(CountyRun(code, name, rendered=False))
            continue
        todo.append(_EditionJob(str(month), code, name, out_dir, org_name, backend, fingerprint, annual_root))
        runs.append(CountyRun(code, name, rendered=True))
    _render_editions(todo, indicators_path, filing_path, progress)
    # editions of units that are no longer in the region table are removed, never left stale
    known = {code for code, _ in counties}
    for stale in sorted(p for p in out_root.glob("*") if p.is_dir() and p.name not in known):
        import shutil

        shutil.rmtree(stale)
    return runs
