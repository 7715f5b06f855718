"""The release-time consistency check on hand-made figures: agreement at the printed precision, scopes apart."""

from __future__ import annotations

from pathlib import Path

from pipeline.figures import Figure, FigureLog, period_words
from pipeline.release import consistency


def _fig(value: float | None, decimals: int, text: str, *, scope: str = "年报全口径", unit_scale: float = 1.0,
         indicator: str = "doctors_per_1000", period: str = "2025-12末", where: str = "正文") -> Figure:
    return Figure(indicator=indicator, breakdown="total", scope=scope, region="430600", period=period,
                  measure="value", value=value, decimals=decimals, text=text, unit_scale=unit_scale, where=where)


def test_same_value_at_different_precisions_agrees() -> None:
    # 1761.7万人次 in a sentence and 17,616,792 in a table are one number: compared at the coarser precision
    printed = [consistency.Printed("月报", _fig(17616792.0, 1, "1761.7", unit_scale=10000.0, indicator="visits",
                                              period="2025-01~2025-12")),
               consistency.Printed("县市区版", _fig(17616792.0, 0, "17,616,792", indicator="visits",
                                                period="2025-01~2025-12", where="表3"))]
    assert consistency.disagreements(printed) == []


def test_planted_disagreement_is_named_with_documents_cells_and_texts() -> None:
    printed = [consistency.Printed("月报", _fig(2.6912, 2, "2.69", where="表8")),
               consistency.Printed("年报", _fig(3.2514, 2, "3.25"))]
    problems = consistency.disagreements(printed, {"430600": "岳阳市"})
    assert len(problems) == 1
    assert problems[0].startswith("每千常住人口执业(助理)医师数（总计，年报全口径，岳阳市，2025年12月末）：")
    assert "月报表8印“2.69”" in problems[0] and "年报正文印“3.25”" in problems[0]


def test_a_difference_below_the_printed_precision_is_not_a_disagreement_but_one_above_is() -> None:
    same = [consistency.Printed("a", _fig(296.149, 1, "296.1")), consistency.Printed("b", _fig(296.1, 2, "296.10"))]
    assert consistency.disagreements(same) == []
    apart = [consistency.Printed("a", _fig(296.15, 1, "296.2")), consistency.Printed("b", _fig(296.149, 1, "296.1"))]
    assert len(consistency.disagreements(apart)) == 1


def test_different_scopes_are_different_numbers() -> None:
    printed = [consistency.Printed("月报", _fig(2.69, 2, "2.69", scope="月报机构口径")),
               consistency.Printed("年报", _fig(3.25, 2, "3.25", scope="年报全口径"))]
    assert consistency.disagreements(printed) == []


def test_a_dash_against_a_number_disagrees() -> None:
    printed = [consistency.Printed("寿命", _fig(None, 2, "—", indicator="life_expectancy", scope="监测口径")),
               consistency.Printed("年报", _fig(80.52, 2, "80.52", indicator="life_expectancy", scope="监测口径"))]
    assert len(consistency.disagreements(printed)) == 1


def test_figures_json_round_trip_and_missing_documents(tmp_path: Path) -> None:
    log = FigureLog("月报")
    log.add(**{k: v for k, v in _fig(2.69, 2, "2.69").__dict__.items()})
    (tmp_path / "a").mkdir()
    log.write(tmp_path / "a")
    (tmp_path / "b").mkdir()
    printed, missing = consistency.read_documents([("月报", tmp_path / "a"), ("通报", tmp_path / "b")])
    assert [p.figure.text for p in printed] == ["2.69"] and missing == ["通报"]
    assert period_words("2025-01~2025-12") == "2025年1-12月" and period_words("2025-12末") == "2025年12月末"
