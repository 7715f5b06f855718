"""The columnar reader's pieces against values worked out by hand (the rules of values.parse_number: blank and
'-' are 0, thousands separators and spaces dropped, full-width digits read, anything else is not a number)."""

from __future__ import annotations

import random
from statistics import median

import polars as pl
import pytest

from pipeline.ingest import columnar
from pipeline.ingest.plausibility import _median
from pipeline.ingest.values import parse_number

TEXT_CASES = [
    ("1,234", 1234.0), (" 12.5 ", 12.5), ("-", 0.0), ("--", 0.0), (None, 0.0), ("—", 0.0), ("/", 0.0),
    ("１２３", 123.0), ("1 000", 1000.0), ("+5", 5.0), (".5", 0.5), ("-3", -3.0), ("1e3", 1000.0),
    ("1_000", 1000.0),  # Python's float() reads digit groups with '_' (the row-by-row reader did too)
    ("1e400", None), ("inf", None), ("nan", None), ("abc", None), ("1-2", None), ("e5", None), ("1.2.3", None),
]


def test_text_cells_read_as_by_hand() -> None:
    values = [v for v, _ in TEXT_CASES]
    got, text = columnar.numbers({"x": values}, {})["x"]
    assert got.to_list() == [want for _, want in TEXT_CASES]
    assert text.to_list() == values  # messages show the cell as written


def test_typed_cells_keep_bool_apart_from_one() -> None:
    """Excel cells: True == 1 in Python, but a bool is not a figure; keyed by type, each is read on its own."""
    got, text = columnar.numbers({"x": [1, True, 1.5, None, "2"]}, {})["x"]
    assert got.to_list() == [1.0, None, 1.5, 0.0, 2.0]
    assert text.to_list() == ["1", "True", "1.5", "None", "2"]


def test_plain_numbers_match_python_float() -> None:
    """The polars fast path gives the same float as float() for every plain number (correct rounding)."""
    rnd = random.Random(7)
    values = [repr(rnd.uniform(-1e7, 1e7)) for _ in range(2000)] + [f"{rnd.random():.3f}" for _ in range(500)]
    values += [f"{rnd.randint(0, 10**9):,}" for _ in range(500)]
    got, _ = columnar.numbers({"x": values}, {})["x"]
    assert got.to_list() == [parse_number(v) for v in values]


def test_summary_candidates() -> None:
    code = pl.Series(["", "合计", "430602001", "", ""])
    name = pl.Series(["合 计", "", "某某合计服务中心", "总计：", "卫生院"])
    assert columnar.summary_candidates(code, name).to_list() == [True, True, False, True, False]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10])
def test_group_median_is_statistics_median(n: int) -> None:
    rnd = random.Random(n)
    values = [rnd.uniform(0, 100) for _ in range(n)]
    got = pl.DataFrame({"v": values}).select(_median("v")).item()
    assert got == median(values)


def test_filled_widths_by_hand() -> None:
    """Each row's filled width (up to its last cell that is not empty or blank), whether or not its last cell is
    filled: worked out by hand for the rows below."""
    from pipeline.ingest.rows import _filled_widths

    rows = [("a", None, "1"), ("a", " ", None), (None, None, None), (" ", "\u3000", ""), (None, "x", " "),
            ("1", "2", "3"), (None, None, "0")]
    frame = pl.DataFrame(rows, schema={f"c{i}": pl.String for i in range(3)}, orient="row")
    assert _filled_widths(frame).to_list() == [3, 1, 0, 0, 2, 3, 3]
    assert _filled_widths(frame.head(0)).to_list() == []
    assert _filled_widths(frame.filter(pl.col("c2").is_not_null() & (pl.col("c2") != " "))).to_list() == [3, 0, 3, 3]
