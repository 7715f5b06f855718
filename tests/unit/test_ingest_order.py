"""exports.sorted_by_period_and_code: the clean table's order (报告期, then 机构代码), worked out by hand."""

from __future__ import annotations

import polars as pl

from pipeline.ingest import exports


def _frame(periods: list[str | None], codes: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame({"row": list(range(1, len(codes) + 1)), "org_code": codes, "period": periods,
                         "v": [10.0 * k for k in range(1, len(codes) + 1)]},
                        schema={"row": pl.Int64, "org_code": pl.String, "period": pl.String, "v": pl.Float64})


def test_periods_in_order_codes_sorted_within_each() -> None:
    frame = _frame(["2024-01"] * 3 + ["2024-02"] * 4,
                   ["B2", "A9", "B10", "Z1", "A1", "A10", "A2"])
    got = exports.sorted_by_period_and_code(frame)
    # 2024-01: A9 (row 2), B10 (row 3), B2 (row 1); 2024-02: A1 (5), A10 (6), A2 (7), Z1 (4) — byte order, not numeric
    assert got["row"].to_list() == [2, 3, 1, 5, 6, 7, 4]
    assert got["v"].to_list() == [20.0, 30.0, 10.0, 50.0, 60.0, 70.0, 40.0]
    assert got.columns == frame.columns and got.schema == frame.schema


def test_periods_out_of_order_and_null_keys_are_sorted_in_full() -> None:
    frame = _frame(["2024-02", "2024-01", "2024-02", "2024-01"], ["A", "B", "0", "A"])
    assert exports.sorted_by_period_and_code(frame)["row"].to_list() == [4, 2, 3, 1]
    with_null = _frame(["2024-01", "2024-01", "2024-02"], ["B", None, "A"])
    assert exports.sorted_by_period_and_code(with_null)["row"].to_list() == [2, 1, 3]  # a null code first


def test_short_frames() -> None:
    assert exports.sorted_by_period_and_code(_frame([], [])).height == 0
    assert exports.sorted_by_period_and_code(_frame(["2024-01"], ["A"]))["row"].to_list() == [1]
