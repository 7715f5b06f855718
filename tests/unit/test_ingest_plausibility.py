"""Money filed in 元 instead of 千元 is held back: peers of the same type in the month, or the institution's history."""

from __future__ import annotations

import polars as pl

from pipeline.ingest import plausibility


def _row(code: str, period: str, revenue: float, techs: float = 100, sub: str = "综合医院") -> dict:
    return {"file": "f.csv", "sheet": "CSV", "row": int(code[-2:]), "org_code": code, "name": f"医院{code}",
            "period": period, "type_group": "医院", "type_sub": sub, "health_techs": techs,
            "medical_revenue": revenue, "medical_expense": None, "outpatient_revenue": None, "visits": None,
            "inpatient_revenue": None, "occupied_bed_days": None, "drug_expense": None}


def test_a_row_filed_in_yuan_among_its_peers_is_held_back_with_the_evidence() -> None:
    # five hospitals, 100 卫技 each, revenue 1000…1400 千元 → 10…14 千元 per person; the sixth filed 13 000 千元
    # in 元 (13 000 000): 130 000 per person. Median of 10, 11, 12, 13, 14, 130000 = (12 + 13) / 2 = 12.5;
    # 130000 / 12.5 = 10400 ×.
    rows = [_row(f"C{i:02d}", "2025-10", 1000 + 100 * i) for i in range(5)]
    rows.append(_row("C05", "2025-10", 13_000_000))
    kept, held = plausibility.screen(pl.DataFrame(rows))
    assert kept["org_code"].to_list() == ["C00", "C01", "C02", "C03", "C04"]
    assert [h["org_code"] for h in held] == ["C05"]
    assert "每名卫生技术人员的医疗收入 1.3e+05 千元，是同月综合医院（6 家）中位数 12.5 千元的 10400 倍" in held[0]["reason"]


def test_too_few_peers_of_the_subtype_fall_back_to_the_group_then_to_nothing() -> None:
    rows = [_row(f"C{i:02d}", "2025-10", 1000 + 100 * i, sub="中医医院" if i < 2 else "综合医院") for i in range(5)]
    rows[0]["medical_revenue"] = 1_000_000  # 10 000 per person; group medians: 11, 12, 13, 14, 10000 → 13 → 769 ×
    _, held = plausibility.screen(pl.DataFrame(rows))
    assert [h["org_code"] for h in held] == ["C00"] and "同月医院（5 家）中位数 13 千元的 769 倍" in held[0]["reason"]
    _, none = plausibility.screen(pl.DataFrame(rows[:4]))
    assert none == []  # four hospitals: no distribution to compare with, and no history


def test_own_history_catches_a_jump_the_peers_cannot_see() -> None:
    # one hospital alone in its type: months 1–3 at 500 千元, month 4 at 500 000 → 1000 × the median 500.
    rows = [_row("C01", f"2025-0{m}", 500.0) for m in (1, 2, 3)] + [_row("C01", "2025-04", 500_000.0)]
    for i, r in enumerate(rows):
        r["row"] = i + 2
    kept, held = plausibility.screen(pl.DataFrame(rows))
    assert kept["period"].to_list() == ["2025-01", "2025-02", "2025-03"]
    assert "医疗收入 5e+05 千元，是本机构其他 3 个月中位数 500 千元的 1000 倍" in held[0]["reason"]


def test_ordinary_spread_is_not_held() -> None:
    rows = [_row(f"C{i:02d}", "2025-10", rev) for i, rev in enumerate([100, 800, 1500, 2000, 25000])]
    kept, held = plausibility.screen(pl.DataFrame(rows))  # 1 … 250 per person, median 15: at most 16.7 ×
    assert held == [] and kept.height == 5
