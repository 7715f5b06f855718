"""全省/全国 published life expectancy (pipeline/life/reference.py): which year is compared, and bad rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import UserError
from pipeline.life import reference

HEADER = "level,area,year,e0,source\n"


def _root(tmp_path: Path, body: str) -> Path:
    path = tmp_path / reference.REFERENCE_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + body, encoding="utf-8")
    return tmp_path


def test_same_year_else_latest_earlier_else_none(tmp_path: Path) -> None:
    rows = reference.load(_root(tmp_path, "全国,全国,2023,78.6,公报2023\n全国,全国,2021,78.2,公报2021\n"
                                          "全省,湖南省,2024,79,发布会\n全国,全国,2025,79.25,记者会\n"))
    assert rows is not None
    by_level = {c.level: c for c in reference.comparisons(rows, 2023)}
    assert by_level["全国"].reference is not None and by_level["全国"].reference.text == "78.6"
    assert by_level["全国"].same_year
    assert by_level["全省"].reference is None  # only 2024 published: never a later year for an earlier report
    by_level = {c.level: c for c in reference.comparisons(rows, 2022)}
    assert by_level["全国"].reference.year == 2021 and not by_level["全国"].same_year  # type: ignore[union-attr]
    assert [c.level for c in reference.comparisons(rows, 2025)] == ["全省", "全国"]


def test_published_decimals_are_kept_and_sample_rows_known(tmp_path: Path) -> None:
    rows = reference.load(_root(tmp_path, "全省,湖南省,2025,79.0,示例数据（虚构，仅供演示）\n"))
    assert rows is not None
    (row,) = rows
    assert (row.text, row.value, row.area, row.is_sample) == ("79.0", 79.0, "湖南省", True)


def test_absent_file_means_no_comparison(tmp_path: Path) -> None:
    assert reference.load(tmp_path) is None
    assert reference.comparisons(None, 2025) == ()


@pytest.mark.parametrize(("body", "message"), [
    ("全市,岳阳市,2025,78,x\n", "第 2 行：level 应为 全省、全国 之一，当前为“全市”"),
    ("全国,全国,二〇二五,78,x\n", "第 2 行：year 应为四位年份"),
    ("全国,全国,2025,七十九,x\n", "第 2 行：e0（人均预期寿命，岁）不是数字：“七十九”"),
    ("全国,全国,2025,790,x\n", "第 2 行：e0（人均预期寿命，岁）应在 20 到 100 之间，当前为 790"),
    ("全国,全国,2025,79,\n", "第 2 行：source（资料来源）为空"),
    ("全国,全国,2025,79,a\n全国,全国,2025,79.2,b\n", "第 3 行：全国2025年与第 2 行重复"),
])
def test_bad_rows_name_file_line_and_column(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(UserError) as info:
        reference.load(_root(tmp_path, body))
    assert "data/reference/life_expectancy.csv" in str(info.value)
    assert message in str(info.value)


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / reference.REFERENCE_PATH
    path.parent.mkdir(parents=True)
    path.write_text("level,year,e0\n全国,2025,79\n", encoding="utf-8")
    with pytest.raises(UserError, match="缺少列：area、source"):
        reference.load(tmp_path)


def test_repository_reference_file_cites_every_figure() -> None:
    """The shipped file: every row has a source in words, and the figures are the published ones (README)."""
    rows = reference.load(Path(__file__).resolve().parents[2])
    assert rows is not None
    figures = {(r.level, r.year): r.text for r in rows}
    assert figures[("全国", 2019)] == "77.3" and figures[("全国", 2021)] == "78.2"
    assert figures[("全国", 2023)] == "78.6" and figures[("全国", 2025)] == "79.25"
    assert all(r.source and not r.is_sample for r in rows)
