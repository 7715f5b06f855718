"""Integer keys for the registry checks: a sort on the packed key orders rows exactly as a sort on the text
columns does (nulls first), and equal texts in different frames get equal integers."""

from __future__ import annotations

import random

import polars as pl

from pipeline.qc.registry import as_integer, sort_key, text_codes


def _texts(rng: random.Random, n: int, pool: list[str | None]) -> list[str | None]:
    return [rng.choice(pool) for _ in range(n)]


def test_packed_sort_key_orders_as_the_text_columns() -> None:
    rng = random.Random(3)
    pool = ["2025-01", "2024-12", "2025-10", None, "", "A", "a", "示例", "Z9", "12A"]
    for n in (0, 1, 7, 300):
        frame = pl.DataFrame({"p": _texts(rng, n, pool), "r": _texts(rng, n, pool), "o": _texts(rng, n, pool)},
                             schema={"p": pl.Utf8, "r": pl.Utf8, "o": pl.Utf8}).with_row_index("i")
        expected = frame.sort("p", "r", "o", "i")["i"].to_list()
        got = frame.sort(*sort_key(frame, ["p", "r", "o"]), "i")["i"].to_list()
        assert got == expected


def test_text_codes_give_equal_integers_for_equal_texts_across_frames() -> None:
    a = pl.DataFrame({"c": ["X2", "X1", None, "X3"]})
    b = pl.DataFrame({"c": ["X3", "X9", "X1"]})
    codes = text_codes(a["c"], b["c"])
    ia = a.select(as_integer("c", codes))["c"].to_list()
    ib = b.select(as_integer("c", codes))["c"].to_list()
    assert ia[1] == ib[2] and ia[3] == ib[0] and ia[2] is None
    assert len({ia[0], ia[1], ia[3], ib[1]}) == 4
    assert sorted(["X2", "X1", "X3", "X9"]) == [t for _, t in sorted(zip(ia[:2] + ia[3:] + ib[1:2], ["X2", "X1", "X3", "X9"]))]


def test_filing_status_is_in_period_county_code_order_whatever_the_order_of_the_due_rows() -> None:
    from pipeline.period import Month
    from pipeline.qc import checks as qc
    from tests.unit.test_qc import CLEAN, REGISTRY, REPLACED

    oct_, nov = Month(2025, 10), Month(2025, 11)
    in_order = qc.filing_status(qc.due_list(REGISTRY, [oct_, nov], 20), CLEAN, REPLACED)
    shuffled_due = qc.due_list(REGISTRY, [nov, oct_], 20).sample(fraction=1.0, shuffle=True, seed=5)
    shuffled = qc.filing_status(shuffled_due, CLEAN, REPLACED)
    assert in_order.equals(shuffled)
    assert in_order.equals(in_order.sort("period", "region_code", "org_code"))
    assert in_order["period"].unique().sort().to_list() == ["2025-10", "2025-11"]
