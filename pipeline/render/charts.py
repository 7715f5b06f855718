"""统计图表：altair 规格 → vl-convert 静态 SVG/PNG（中文字体显式注册，输出可复现）。

只对汇总数据作图，数据以内联 values 形式写入规格，不引用任何外部 URL。
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

import altair as alt
import polars as pl
import vl_convert as vlc

from pipeline.render import chart_engine
from pipeline.render.fonts import FONT_FAMILY

ChartT = TypeVar("ChartT", bound=alt.TopLevelMixin)

DEFAULT_WIDTH = 520
DEFAULT_HEIGHT = 260
BAR_STEP = 22
MONTHS: tuple[int, ...] = tuple(range(1, 13))
# 适合打印、灰度下也可区分的配色：本年深蓝，上年橙，其余依次。
PALETTE: tuple[str, ...] = (
    "#1f4e79",
    "#c55a11",
    "#7f7f7f",
    "#548235",
    "#7030a0",
    "#bf9000",
)
TEXT_COLOR = "#222222"
GRID_COLOR = "#d9d9d9"
BAR_COLOR = PALETTE[0]

class ChartError(ValueError):
    """图表数据不符合要求。"""


def configure(chart: ChartT) -> ChartT:
    """统一外观：全部文字使用中文字体，白底、细网格、无外框，默认宽高。"""
    if getattr(chart, "width", alt.Undefined) is alt.Undefined:
        chart = chart.properties(width=DEFAULT_WIDTH)
    if getattr(chart, "height", alt.Undefined) is alt.Undefined:
        chart = chart.properties(height=DEFAULT_HEIGHT)
    configured = (
        chart.configure(font=FONT_FAMILY, background="#ffffff", padding=8)
        .configure_view(strokeWidth=0)
        .configure_title(
            font=FONT_FAMILY, fontSize=15, fontWeight="bold", anchor="start",
            color=TEXT_COLOR, offset=12,
        )
        .configure_axis(
            labelFont=FONT_FAMILY, titleFont=FONT_FAMILY, labelFontSize=11,
            titleFontSize=12, titleFontWeight="normal", labelColor=TEXT_COLOR,
            titleColor=TEXT_COLOR, gridColor=GRID_COLOR, gridWidth=0.5,
            domainColor="#666666", tickColor="#666666",
        )
        .configure_legend(
            labelFont=FONT_FAMILY, titleFont=FONT_FAMILY, labelFontSize=12,
            titleFontSize=12, labelColor=TEXT_COLOR, titleColor=TEXT_COLOR,
        )
        .configure_text(font=FONT_FAMILY, color=TEXT_COLOR)
    )
    return cast(ChartT, configured)


def _engine() -> None:
    """The fonts registered and the engine up (waiting for a start begun by chart_engine.warm_up, if any)."""
    chart_engine.ready()
    chart_engine.register_fonts()


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    return chart.to_dict()


def _convert_options() -> dict[str, Any]:
    # 兜底字体（图表自身的 config 优先）；禁止任何外部数据请求。
    return {"config": {"font": FONT_FAMILY}, "allowed_base_urls": []}


def to_svg(chart: alt.TopLevelMixin) -> str:
    """转为 SVG 字符串（文字保留为 <text>，字体族为 Noto Sans SC）。"""
    _engine()
    return vlc.vegalite_to_svg(_spec(chart), **_convert_options())


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """转为 PNG 字节（scale 为放大倍数，默认 2 倍以便打印清晰）。"""
    _engine()
    return vlc.vegalite_to_png(_spec(chart), scale=scale, **_convert_options())


def _require_columns(data: pl.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [name for name in columns if name not in data.columns]
    if missing:
        raise ChartError(f"图表数据缺少列：{'、'.join(missing)}")


def _trend_rows(data: pl.DataFrame) -> list[dict[str, Any]]:
    """按系列出现顺序、月份排序，转为内联 values。"""
    _require_columns(data, ("month", "series", "value"))
    bad = data.filter(~pl.col("month").is_in(MONTHS) | pl.col("month").is_null())
    if bad.height:
        raise ChartError("趋势图的 month 列只能是 1 至 12 的整数。")
    order = data.get_column("series").unique(maintain_order=True).to_list()
    table = (
        data.select(
            pl.col("month").cast(pl.Int64),
            pl.col("series").cast(pl.String),
            pl.col("value").cast(pl.Float64),
        )
        .with_columns(pl.col("series").replace_strict(order, range(len(order))).alias("_order"))
        .sort("_order", "month")
        .drop("_order")
    )
    return table.to_dicts()


def trend_chart(data: pl.DataFrame, title: str, y_title: str) -> alt.Chart:
    """逐月趋势折线图（带点）：横轴固定 1月—12月，每个系列一种颜色，图例在上方。

    data 列：month（1..12）、series（如 “2025年”）、value（可为空，表示尚未上报）。
    """
    rows = _trend_rows(data)
    series = list(dict.fromkeys(str(row["series"]) for row in rows))
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    chart = (
        alt.Chart(alt.InlineData(values=rows), title=title)
        .mark_line(point=alt.OverlayMarkDef(filled=True, size=36), strokeWidth=2)
        .encode(
            x=alt.X(
                "month:O",
                title=None,
                scale=alt.Scale(domain=list(MONTHS)),
                axis=alt.Axis(labelExpr="datum.value + '月'", labelAngle=0, grid=False),
            ),
            y=alt.Y(
                "value:Q",
                title=y_title,
                axis=alt.Axis(format=",~f", grid=True, tickCount=6),
                scale=alt.Scale(zero=False, nice=True),
            ),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=series, range=colors),
                legend=alt.Legend(orient="top", direction="horizontal", symbolType="stroke"),
            ),
            tooltip=[
                alt.Tooltip("series:N", title="系列"),
                alt.Tooltip("month:O", title="月份"),
                alt.Tooltip("value:Q", title=y_title, format=",.2~f"),
            ],
        )
    )
    return configure(cast(alt.Chart, chart))


def bar_chart(
    data: pl.DataFrame,
    category: str,
    value: str,
    title: str,
    sort_desc: bool = True,
) -> alt.LayerChart:
    """水平条形图（如各县市区对比），按数值排序，条末标注数值。"""
    _require_columns(data, (category, value))
    table = data.select(pl.col(category).cast(pl.String), pl.col(value).cast(pl.Float64))
    table = table.sort(value, descending=sort_desc, nulls_last=True, maintain_order=True)
    rows = table.to_dicts()
    order = [str(row[category]) for row in rows]
    base = alt.Chart(alt.InlineData(values=rows), title=title).encode(
        y=alt.Y(f"{category}:N", title=None, sort=order, axis=alt.Axis(ticks=False)),
        x=alt.X(f"{value}:Q", title=None, axis=alt.Axis(format=",~f", grid=True)),
    )
    bars = base.mark_bar(color=BAR_COLOR, height={"band": 0.7})
    labels = base.mark_text(align="left", dx=4, fontSize=11).encode(
        text=alt.Text(f"{value}:Q", format=",.2~f")
    )
    layered = alt.LayerChart(layer=[bars, labels]).properties(
        width=DEFAULT_WIDTH - 80, height=alt.Step(BAR_STEP)
    )
    return configure(layered)


def scatter_chart(
    data: pl.DataFrame,
    x: str,
    y: str,
    label: str,
    title: str,
    x_title: str,
    y_title: str,
) -> alt.LayerChart:
    """散点图（如各县市区病床使用率与平均住院日），每个点标注名称；坐标轴不强制从 0 开始。"""
    _require_columns(data, (x, y, label))
    rows = (
        data.select(pl.col(label).cast(pl.String), pl.col(x).cast(pl.Float64), pl.col(y).cast(pl.Float64))
        .drop_nulls()
        .sort(label)
        .to_dicts()
    )
    base = alt.Chart(alt.InlineData(values=rows), title=title).encode(
        x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(zero=False, nice=True)),
        y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(zero=False, nice=True)),
    )
    points = base.mark_point(filled=True, size=60, color=PALETTE[0])
    labels = base.mark_text(align="left", dx=6, dy=-6, fontSize=11, color=TEXT_COLOR).encode(text=f"{label}:N")
    return configure(alt.LayerChart(layer=[points, labels]).properties(width=DEFAULT_WIDTH, height=DEFAULT_HEIGHT + 40))
