"""pipeline.charts：中文图表的 SVG/PNG 输出。"""

from __future__ import annotations

import re

import polars as pl
import pytest

from pipeline.render import charts
from pipeline.render.fonts import FONT_FAMILY


@pytest.fixture
def trend_data() -> pl.DataFrame:
    rows: list[dict[str, object]] = []
    for month in range(1, 13):
        rows.append({"month": month, "series": "2024年", "value": 100_000.0 + month * 5_300})
    for month in range(1, 11):
        rows.append({"month": month, "series": "2025年", "value": 105_000.0 + month * 6_100})
    rows.append({"month": 11, "series": "2025年", "value": None})
    return pl.DataFrame(rows, schema={"month": pl.Int64, "series": pl.String, "value": pl.Float64})


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)


def test_trend_svg_has_cjk_text_and_font(trend_data: pl.DataFrame) -> None:
    svg = charts.to_svg(charts.trend_chart(trend_data, "总诊疗人次逐月趋势", "人次"))
    texts = _texts(svg)
    for label in ("总诊疗人次逐月趋势", "人次", "2024年", "2025年", "1月", "12月"):
        assert label in texts
    assert f'font-family="{FONT_FAMILY}"' in svg
    assert any("," in t for t in texts), "纵轴应使用千分位格式"


def test_trend_has_twelve_month_labels(trend_data: pl.DataFrame) -> None:
    svg = charts.to_svg(charts.trend_chart(trend_data, "趋势", "人次"))
    months = [t for t in _texts(svg) if re.fullmatch(r"\d{1,2}月", t)]
    assert months == [f"{m}月" for m in range(1, 13)]


def test_conversions_are_byte_identical(trend_data: pl.DataFrame) -> None:
    chart = charts.trend_chart(trend_data, "总诊疗人次逐月趋势", "人次")
    assert charts.to_svg(chart) == charts.to_svg(chart)
    rebuilt = charts.trend_chart(trend_data, "总诊疗人次逐月趋势", "人次")
    assert charts.to_svg(chart) == charts.to_svg(rebuilt)
    png = charts.to_png(chart)
    assert png.startswith(b"\x89PNG")
    assert png == charts.to_png(rebuilt)


def test_bar_chart_sorted_descending() -> None:
    data = pl.DataFrame({"县市区": ["岳阳楼区", "华容县", "平江县"], "人次": [123_456.0, 98_765.0, 150_000.0]})
    svg = charts.to_svg(charts.bar_chart(data, "县市区", "人次", "各县市区总诊疗人次"))
    texts = _texts(svg)
    assert "各县市区总诊疗人次" in texts
    order = [t for t in texts if t in {"岳阳楼区", "华容县", "平江县"}]
    assert order == ["平江县", "岳阳楼区", "华容县"]
    assert "123,456" in texts


def test_missing_columns_message_in_chinese() -> None:
    with pytest.raises(charts.ChartError, match="缺少列"):
        charts.trend_chart(pl.DataFrame({"month": [1]}), "趋势", "人次")


_CHART_IN_FRESH_PROCESS = """
import hashlib, sys
import polars as pl
from pipeline.render import chart_engine
if sys.argv[1] == "warm":
    chart_engine.warm_up()
    chart_engine.warm_up()  # a second call starts nothing more
    assert chart_engine.started()
from pipeline.render import charts
data = pl.DataFrame({"region": ["岳阳楼区", "华容县", "平江县"], "value": [12.5, 30.25, 7.0]})
print(hashlib.sha256(charts.to_svg(charts.bar_chart(data, "region", "value", title="各县市区总诊疗人次")).encode()).hexdigest())
"""


def test_warmed_engine_draws_the_same_bytes() -> None:
    """A stage that starts the chart engine early (chart_engine.warm_up) gets exactly the SVG a cold process draws:
    each case in its own fresh process, since the engine is one per process."""
    import subprocess
    import sys

    def digest(mode: str) -> str:
        done = subprocess.run([sys.executable, "-c", _CHART_IN_FRESH_PROCESS, mode], capture_output=True, text=True,
                              check=True)
        return done.stdout.strip()

    cold, warm = digest("cold"), digest("warm")
    assert len(cold) == 64
    assert warm == cold


def test_warm_up_failure_is_reported_by_the_first_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    """An engine start that fails in the background is silent there, but the first real chart repeats the font
    registration and so reports the same error (here: fonts that cannot be prepared)."""
    from pipeline.render import chart_engine, fonts

    def broken() -> None:
        raise fonts.FontError("字体目录不可写")

    monkeypatch.setattr(chart_engine, "ensure_fonts", broken)
    monkeypatch.setattr(chart_engine, "_warm", None)
    chart_engine.warm_up()
    chart_engine.ready()
    with pytest.raises(fonts.FontError, match="字体目录不可写"):
        charts.to_svg(charts.bar_chart(pl.DataFrame({"region": ["甲"], "value": [1.0]}), "region", "value", title="t"))
