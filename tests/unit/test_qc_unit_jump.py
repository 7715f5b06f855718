"""Rule kind unit_jump (W007): the window is the institution's own previous months, worked out by hand."""

from __future__ import annotations

import polars as pl

from pipeline.qc import checks as qc

RULE = qc.Rule(id="T007", title="单位", severity="WARN", kind="unit_jump", message="{item} {ratio}",
               params={"items": ["medical_revenue"], "factor": 1000, "low_ratio": 300, "high_ratio": 3000,
                       "history_months": 12, "min_history": 3})


def _frame(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["org_code", "period", "medical_revenue"], orient="row")


def _flagged(rows: list[tuple[str, str, float]]) -> list[tuple[str, str]]:
    found = qc.check_unit_jump(_frame(rows), RULE, qc.RuleContext())
    return sorted(found.select("org_code", "period").iter_rows())


def test_a_thousandfold_month_after_three_months_of_history_is_flagged() -> None:
    rows = [("A", "2025-01", 100.0), ("A", "2025-02", 110.0), ("A", "2025-03", 90.0), ("A", "2025-04", 100_000.0)]
    # median(100, 110, 90) = 100, ratio 1000 ∈ [300, 3000]
    assert _flagged(rows) == [("A", "2025-04")]


def test_history_counts_only_the_previous_twelve_months_and_positive_values() -> None:
    # 2024-03 is 13 months before 2025-04: outside the window, so only two months of history remain → not flagged.
    rows = [("A", "2024-03", 100.0), ("A", "2025-01", 0.0), ("A", "2025-02", 100.0), ("A", "2025-03", 100.0),
            ("A", "2025-04", 100_000.0)]
    assert _flagged(rows) == []
    # 2024-04 is exactly 12 months before: inside the window, three positive months → flagged.
    rows[0] = ("A", "2024-04", 100.0)
    assert _flagged(rows) == [("A", "2025-04")]


def test_institutions_do_not_share_history_and_gaps_are_allowed() -> None:
    rows = [("A", "2025-01", 100.0), ("A", "2025-03", 100.0), ("A", "2025-06", 100.0), ("A", "2025-07", 250_000.0),
            ("B", "2025-07", 100_000.0)]
    # A: three positive months within the window (gaps between them), ratio 2500 → flagged; B has no history.
    assert _flagged(rows) == [("A", "2025-07")]


def test_two_rows_of_one_month_share_the_window_of_the_months_before() -> None:
    # Two rows in 2025-04: each is compared with 2025-01..03 only (not with the other row of its month), and 2025-05
    # sees all five earlier rows: median(100, 100, 100, 100, 100 000) = 100 over 5 months.
    rows = [("A", "2025-01", 100.0), ("A", "2025-02", 100.0), ("A", "2025-03", 100.0), ("A", "2025-04", 100_000.0),
            ("A", "2025-04", 100.0), ("A", "2025-05", 200_000.0)]
    found = qc.check_unit_jump(_frame(rows), RULE, qc.RuleContext())
    got = sorted((r["period"], r["observed"]) for r in found.iter_rows(named=True))
    assert got == [("2025-04", 1000.0), ("2025-05", 2000.0)]
    assert "5个月" in found.filter(pl.col("period") == "2025-05")["values"][0]
