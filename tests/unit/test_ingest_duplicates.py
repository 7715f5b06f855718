"""duplicates.resolve on hand-made rows: the shortcut for tables without a repeated (机构, 报告期) and the general
path give what the rules say (latest 上报时间 wins, identical copies dropped, a tie with different values held)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.ingest import duplicates

T1, T2 = dt.datetime(2025, 11, 3, 9), dt.datetime(2025, 11, 9, 9)


def _rows(*rows: tuple[str, int, str, str, dt.datetime, float]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"file": pl.String, "row": pl.Int64, "org_code": pl.String,
                                      "period": pl.String, "submitted_at": pl.Datetime("us"), "visits": pl.Float64},
                        orient="row").with_columns(sheet=pl.lit("CSV")).select(
        "file", "sheet", "row", "org_code", "period", "submitted_at", "visits")


def test_no_repeated_key_keeps_every_row_sorted_by_key() -> None:
    df = _rows(("b.csv", 2, "B", "2025-10", T1, 5.0), ("a.csv", 2, "A", "2025-10", T2, 7.0),
               ("a.csv", 3, "A", "2025-09", T1, 6.0))
    res = duplicates.resolve(df)
    assert res.kept.select("org_code", "period", "visits").rows() == [
        ("A", "2025-09", 6.0), ("A", "2025-10", 7.0), ("B", "2025-10", 5.0)]
    assert res.replaced.height == 0 and res.replaced.columns == [*df.columns, "reason"]
    assert res.conflicts.height == 0 and res.conflicts.schema == df.schema


def test_repeated_keys_still_go_through_the_rules() -> None:
    df = _rows(("a.csv", 2, "A", "2025-10", T1, 5.0), ("a.csv", 3, "A", "2025-10", T2, 7.0),
               ("a.csv", 4, "B", "2025-10", T1, 1.0), ("b.csv", 2, "B", "2025-10", T1, 1.0),
               ("a.csv", 5, "C", "2025-10", T1, 1.0), ("b.csv", 3, "C", "2025-10", T1, 2.0))
    res = duplicates.resolve(df)
    assert res.kept.select("org_code", "row", "visits").rows() == [("A", 3, 7.0), ("B", 2, 1.0)]
    assert sorted(res.replaced.select("org_code", "row", "reason").rows()) == [
        ("A", 2, duplicates.RESUBMITTED), ("B", 4, duplicates.IDENTICAL)]
    assert sorted(res.conflicts.select("org_code", "file", "row").rows()) == [("C", "a.csv", 5), ("C", "b.csv", 3)]
