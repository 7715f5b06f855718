"""The life-expectancy report: the county chart, the markdown, the files of the stage (summary.csv,
life_tables.xlsx, the chart, report.md, figures.json), rendering to HTML/PDF and the notebook run."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.errors import UserError
from pipeline.io_utils import atomic_dir, write_csv, write_text
from pipeline.life import printed
from pipeline.life.compute import SUMMARY_COLUMNS, LifeExpectancyResult, compute
from pipeline.life.inputs import COUNTY_LEVEL, LifeExpectancyParams, check_inputs
from pipeline.life.report_text import (
    _e0,
    _shown,
    city_table,
    county_sentence,
    county_table,
    headline,
    life_table_markdown,
    methods_text,
    notes,
    placeholder_mark,
    reference_sentence,
)
from pipeline.life.report_xlsx import write_xlsx
from pipeline.render import chart_engine

NOTEBOOK = "life_expectancy.py"

def county_chart(result: LifeExpectancyResult) -> Any:
    """e0 (合计) by county with CI bars, sorted, the city value as a dashed line."""
    import altair as alt

    from pipeline.render import charts

    rows = result.summary.filter(
        (pl.col("level") == COUNTY_LEVEL) & (pl.col("sex") == "合计") & pl.col("e0").is_not_null()
        & ~pl.col("unstable")
    ).sort(["e0", "region_code"], descending=[True, False])
    values = [
        {"region": r["region_name"], "e0": r["e0"], "lower": r["e0_lower"], "upper": r["e0_upper"],
         "label": _e0(r["e0"])}
        for r in rows.iter_rows(named=True)
    ]
    order = [v["region"] for v in values]
    city = result.row(result.regions.city_code, "合计")
    lows = [v["lower"] for v in values] + ([city["e0"]] if _shown(city) else [])  # type: ignore[index]
    highs = [v["upper"] for v in values] + ([city["e0"]] if _shown(city) else [])  # type: ignore[index]
    domain = [math.floor(min(lows)) - 0.5, math.ceil(max(highs)) + 1.5] if values else [70, 85]
    x_scale = alt.Scale(domain=domain, zero=False, nice=False)
    y = alt.Y("region:N", title=None, sort=order, axis=alt.Axis(ticks=False, labelPadding=6))
    base = alt.Chart(alt.InlineData(values=values)).encode(y=y)
    bars = base.mark_errorbar(ticks=alt.TickConfig(thickness=1.2, size=8), color=charts.PALETTE[0],
                              thickness=1.2).encode(
        x=alt.X("lower:Q", title=f"人均预期寿命（岁）及{result.params.confidence_label}置信区间", scale=x_scale,
                axis=alt.Axis(format="~f", grid=True, tickMinStep=0.5)),
        x2="upper:Q",
    )
    points = base.mark_point(filled=True, size=48, color=charts.PALETTE[0], opacity=1).encode(x=alt.X("e0:Q"))
    labels = base.mark_text(align="right", fontSize=10).encode(x=alt.datum(domain[1]), text="label:N")
    layers: list[Any] = [bars, points, labels]
    if _shown(city):
        assert city is not None
        ref = [{"e0": city["e0"], "text": f"全市 {_e0(city['e0'])}"}]
        rule = alt.Chart(alt.InlineData(values=ref)).mark_rule(
            color=charts.PALETTE[1], strokeDash=[4, 3], strokeWidth=1.2).encode(x="e0:Q")
        text = alt.Chart(alt.InlineData(values=ref)).mark_text(
            color=charts.PALETTE[1], align="left", baseline="bottom", dx=4, dy=-2, fontSize=10, y=0,
        ).encode(x="e0:Q", text="text:N")
        layers = [rule, *layers, text]
    chart = alt.LayerChart(layer=layers).properties(width=charts.DEFAULT_WIDTH - 80,
                                                     height=alt.Step(charts.BAR_STEP))
    return charts.configure(chart)


@dataclass(frozen=True)
class LifeExpectancyDocument:
    out_dir: Path
    source_dir: Path
    markdown_path: Path
    markdown: str
    summary_csv: Path
    xlsx: Path


def summary_frame(result: LifeExpectancyResult) -> pl.DataFrame:
    return result.summary.select(SUMMARY_COLUMNS)


def build_markdown(result: LifeExpectancyResult, org_name: str, chart_rel: str | None) -> str:
    p = result.params
    city_name = result.regions.city_name
    body = [
        "---",
        f'title: "{city_name}{p.year}年人均预期寿命测算报告"',
        f'author: "{org_name}"',
        "lang: zh-Hans",
        "---",
        "",
        *placeholder_mark(result),
        "## 一、测算结果",
        "",
        headline(result),
        "",
    ]
    comparison = reference_sentence(result)
    if comparison:
        body += [comparison, ""]
    body += [
        city_table(result),
        "",
    ]
    sentence = county_sentence(result)
    if sentence:
        body += [sentence, ""]
    body += [county_table(result), ""]
    if chart_rel:
        body += [f"![图1　各县市区人均预期寿命及{p.confidence_label}置信区间（{p.year}年，虚线为全市）]({chart_rel})",
                 ""]
    body += ["## 二、数据与方法", ""]
    for paragraph in methods_text(result):
        body += [paragraph, ""]
    body += [
        "## 三、寿命表",
        "",
        f"{city_name}{p.year}年简略寿命表（合计）见表5；分性别、分县市区的寿命表及各年龄组预期寿命的置信区间见随本报告发布的寿命表（Excel）。",
        "",
        life_table_markdown(result, f"表5　{city_name}{p.year}年简略寿命表（合计）"),
        "",
        "## 说明",
        "",
        *notes(result),
        "",
    ]
    return "\n".join(body)


def build_report(result: LifeExpectancyResult, out_dir: Path, org_name: str) -> LifeExpectancyDocument:
    """Write summary.csv, life_tables.xlsx, the chart SVG and source/report.md into `out_dir`."""
    chart_engine.warm_up()  # the chart engine starts on the other core while altair loads and the tables are written
    from pipeline.render import charts

    out_dir = Path(out_dir)
    source = out_dir / "source"
    (source / "charts").mkdir(parents=True, exist_ok=True)
    summary_csv = out_dir / "summary.csv"
    write_csv(summary_frame(result), summary_csv)
    xlsx = out_dir / "life_tables.xlsx"
    write_xlsx(result, xlsx)
    has_counties = result.summary.filter(
        (pl.col("level") == COUNTY_LEVEL) & (pl.col("sex") == "合计") & pl.col("e0").is_not_null()
        & ~pl.col("unstable")
    ).height > 0
    chart_rel = None
    if has_counties:
        chart_rel = "charts/e0_county.svg"
        write_text(charts.to_svg(county_chart(result)), source / chart_rel)
    md = build_markdown(result, org_name, chart_rel)
    md_path = source / "report.md"
    write_text(md, md_path)
    printed.write(result, out_dir)
    return LifeExpectancyDocument(out_dir, source, md_path, md, summary_csv, xlsx)


def render_report(doc: LifeExpectancyDocument, backend: str = "auto") -> Any:  # -> render.RenderResult
    from pipeline.render import documents as render

    try:
        return render.render_markdown(doc.markdown_path, doc.out_dir, stem="report", backend=backend)
    except render.RenderError as exc:
        raise UserError(f"测算报告排版失败：{exc}") from exc


def produce(params: LifeExpectancyParams, out_dir: Path, *, root: Path = Path("."), org_name: str,
            backend: str = "auto") -> LifeExpectancyDocument:
    """compute + build_report + render_report, without the notebook (tests, scripts)."""
    result = compute(params, root)
    doc = build_report(result, out_dir, org_name)
    render_report(doc, backend)
    return doc


def run_life_expectancy(*, params: LifeExpectancyParams, out_dir: Path, org_name: str, backend: str,
                        root: Path = Path(".")) -> None:
    """Execute notebooks/life_expectancy.py with papermill (the stage's entry point), into a temporary folder
    beside `out_dir` swapped in at the end: a kill or a failure leaves the previous set whole, never a mix."""
    from pipeline.render.notebook import NOTEBOOK_DIR, execute

    check_inputs(root, params)  # fail before starting a kernel, with the list of missing files
    cwd = Path.cwd()
    final = os.path.relpath(Path(out_dir).resolve(), cwd)
    with atomic_dir(Path(out_dir)) as work:
        folder = os.path.relpath(work.resolve(), cwd)
        execute(
            NOTEBOOK_DIR / NOTEBOOK,
            work / "life_expectancy.ipynb",
            parameters={
                "year": params.year,
                "open_age": params.open_age,
                "underreporting": params.underreporting,
                "use_surveillance_imr": params.use_surveillance_imr,
                "confidence": params.confidence,
                "min_person_years": params.min_person_years,
                "a0": params.a0,
                "root": os.path.relpath(Path(root).resolve(), cwd),
                "out_dir": folder,
                "org_name": org_name,
                "backend": backend,
            },
            cwd=cwd, aliases={folder: final},  # the executed notebook names the final folder, not the temporary one
        )
