"""Monthly report (卫生健康统计月报): tidy indicators → text, tables and a chart as pandoc markdown.

The notebook `notebooks/monthly_report.py` calls `build_monthly`, displays the result and
calls `render_monthly`; all logic lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from . import fmt, tables
from .indicators import CUMULATIVE, MONTH, city_code, for_period, value
from .io_utils import write_csv, write_text
from .period import Month

MONTHLY_TABLES = ("visits_by_type", "discharges_by_type", "visits_by_region", "bed_use_by_type")

# Wording of a change by the catalogue's change kind (and unit for differences): (up, down).
CHANGE_WORDS: dict[str, tuple[str, str]] = {"%": ("增长", "下降"), "百分点": ("提高", "降低"), "日": ("延长", "缩短"),
                                            "次": ("增加", "减少")}

CSV_COLUMNS = ("period", "period_type", "period_label", "indicator_id", "indicator", "unit", "breakdown_id",
               "breakdown", "region_code", "region", "value", "base_value", "change", "change_unit")


@dataclass(frozen=True)
class MonthlyDocument:
    month: Month
    out_dir: Path
    source_dir: Path
    markdown_path: Path
    markdown: str
    indicators_csv: Path


def change_phrase(change: float | None, unit: str, decimals: int = 1) -> str:
    """'增长3.2%' / '降低0.4个百分点' / '缩短0.3日' / '持平'; '—' style text when there is no base."""
    if change is None:
        return "无可比数据"
    text = fmt.number(abs(change), decimals)
    if set(text) <= {"0", "."}:
        return "持平"
    up, down = CHANGE_WORDS.get(unit, ("增加", "减少"))
    word = up if change > 0 else down
    suffix = {"%": "%", "百分点": "个百分点"}.get(unit, unit)
    return f"{word}{text}{suffix}"


def _cell(table: pl.DataFrame, indicator_id: str, city: str, period_type: str, breakdown: str = "total",
          column: str = "value") -> float | None:
    return value(table, indicator_id, city, period_type=period_type, breakdown_id=breakdown, column=column)


def _count_sentence(t: pl.DataFrame, city: str, indicator_id: str, what: str, unit: str, label: str,
                    period_type: str, parts: tuple[tuple[str, str], ...]) -> str:
    total = _cell(t, indicator_id, city, period_type)
    change = _cell(t, indicator_id, city, period_type, column="change")
    text = f"{label}，全市医疗卫生机构{what}{fmt.wan(total)}万{unit}，同比{change_phrase(change, '%')}。"
    pieces = []
    for bd, name in parts:
        v = _cell(t, indicator_id, city, period_type, bd)
        c = _cell(t, indicator_id, city, period_type, bd, column="change")
        pieces.append(f"{name}{fmt.wan(v)}万{unit}，同比{change_phrase(c, '%')}")
    return text + "其中：" + "；".join(pieces) + "。"


def _rate_sentence(t: pl.DataFrame, city: str, label: str) -> str:
    def rate(bd: str) -> str:
        v = _cell(t, "bed_use_rate", city, CUMULATIVE, bd)
        c = _cell(t, "bed_use_rate", city, CUMULATIVE, bd, column="change")
        return f"{fmt.number(v, 1)}%，同比{change_phrase(c, '百分点')}"

    stay = _cell(t, "avg_stay", city, CUMULATIVE, "hosp")
    stay_c = _cell(t, "avg_stay", city, CUMULATIVE, "hosp", column="change")
    return (
        f"{label}，全市医院病床使用率{rate('hosp')}。其中：公立医院{rate('hosp_public')}，"
        f"民营医院{rate('hosp_private')}；三级医院{rate('hosp_l3')}，二级医院{rate('hosp_l2')}。"
        f"基层医疗卫生机构中，乡镇卫生院病床使用率{rate('thc')}。"
        f"全市医院出院者平均住院日{fmt.number(stay, 1)}日，同比{change_phrase(stay_c, '日')}。"
    )


def summary_text(t: pl.DataFrame, month: Month, city: str) -> list[str]:
    parts = (("hosp", "医院"), ("primary", "基层医疗卫生机构"), ("public_health", "专业公共卫生机构"))
    return [
        _count_sentence(t, city, "visits", "总诊疗人次达", "人次", month.cumulative_label.removeprefix(f"{month.year}年"),
                        CUMULATIVE, parts),
        _count_sentence(t, city, "visits", "总诊疗人次", "人次", f"{month.month}月", MONTH, parts[:2]),
        _count_sentence(t, city, "discharges", "出院人数", "人", month.cumulative_label.removeprefix(f"{month.year}年"),
                        CUMULATIVE, parts[:2]),
        _rate_sentence(t, city, month.cumulative_label.removeprefix(f"{month.year}年")),
    ]


def trend_data(table: pl.DataFrame, month: Month, city: str) -> pl.DataFrame:
    """City 总诊疗人次 (万人次) by month for this year up to `month` and all of last year."""
    rows = table.filter(
        (pl.col("indicator_id") == "visits") & (pl.col("breakdown_id") == "total") & (pl.col("region_code") == city)
        & (pl.col("period_type") == MONTH)
        & (((pl.col("year") == month.year) & (pl.col("month") <= month.month)) | (pl.col("year") == month.year - 1))
    )
    return rows.select(
        pl.col("month").cast(pl.Int64),
        pl.format("{}年", pl.col("year")).alias("series"),
        (pl.col("value") / 10000).alias("value"),
    ).sort(["series", "month"], descending=[True, False])


def build_monthly(*, period: str, indicators_path: Path, out_dir: Path, org_name: str) -> MonthlyDocument:
    """Write indicators.csv, the chart and report.md for one month; return the document."""
    from . import charts  # local import: altair is heavy

    month = Month.parse(period)
    table = pl.read_parquet(indicators_path)
    t = for_period(table, month)
    city = city_code(t)
    source = out_dir / "source"
    (source / "charts").mkdir(parents=True, exist_ok=True)

    csv_path = out_dir / "indicators.csv"
    write_csv(t.select(CSV_COLUMNS), csv_path)
    specs = tables.table_specs()
    built = {tid: tables.build(specs[tid], t, month, city, n) for n, tid in enumerate(MONTHLY_TABLES, start=1)}
    tables.write_xlsx(list(built.values()), out_dir / "tables.xlsx", org_name=org_name)

    chart = charts.trend_chart(trend_data(table, month, city), title=f"全市医疗卫生机构总诊疗人次逐月趋势",
                               y_title="万人次")
    write_text(charts.to_svg(chart), source / "charts" / "trend.svg")

    cum = month.cumulative_label
    intro = summary_text(t, month, city)
    md = "\n".join(
        [
            "---",
            f'title: "{org_name.removesuffix("卫生健康委员会")}卫生健康统计月报"',
            f'subtitle: "{cum}"',
            f'author: "{org_name}"',
            f'date: "{month.label}"',
            "lang: zh-Hans",
            "---",
            "",
            "## 一、医疗服务",
            "",
            intro[0],
            "",
            intro[1],
            "",
            intro[2],
            "",
            tables.to_markdown(built["visits_by_type"]),
            "",
            tables.to_markdown(built["discharges_by_type"]),
            "",
            tables.to_markdown(built["visits_by_region"]),
            "",
            f"![图1　全市医疗卫生机构总诊疗人次逐月趋势（{month.year}年与{month.year - 1}年）](charts/trend.svg)",
            "",
            "## 二、病床使用",
            "",
            intro[3],
            "",
            tables.to_markdown(built["bed_use_by_type"]),
            "",
            "## 说明",
            "",
            "1. 本月报数据来源于国家卫生统计网络直报系统月报，统计范围为医院、基层医疗卫生机构"
            "（不含诊所、医务室和村卫生室）、专业公共卫生机构和其他机构。",
            "2. 病床使用率 = 实际占用总床日数 ÷ 实际开放总床日数 × 100%；出院者平均住院日 = "
            "出院者占用总床日数 ÷ 出院人数。比率均由分子、分母分别汇总后计算。",
            "3. 同比增长按未修约数据计算；“—”表示无可比数据；表中“#”为“其中”项。",
            "",
        ]
    )
    md_path = source / "report.md"
    write_text(md, md_path)
    return MonthlyDocument(month=month, out_dir=out_dir, source_dir=source, markdown_path=md_path, markdown=md,
                           indicators_csv=csv_path)


def render_monthly(doc: MonthlyDocument, backend: str = "auto"):  # -> render.RenderResult
    from . import render

    return render.render_markdown(doc.markdown_path, doc.out_dir, stem="report", backend=backend)
