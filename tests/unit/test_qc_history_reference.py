"""The history rules (unit_jump W007, change W004–W006) as whole-table expressions give exactly what the rule's
definition gives when worked out row by row in plain Python: for every institution-month, look up its own
earlier months by calendar month (gaps in the filing history included) and apply the formula. The reference
below is written from the rule text in qc_rules.yaml, not from the polars code."""

from __future__ import annotations

import random
import statistics

import polars as pl

from pipeline.qc import checks as qc

JUMP = qc.Rule(id="T007", title="单位", severity="WARN", kind="unit_jump", message="{item} {ratio}",
               params={"items": ["medical_revenue", "drug_expense"], "factor": 1000, "low_ratio": 300,
                       "high_ratio": 3000, "history_months": 12, "min_history": 3})
CHANGE = qc.Rule(id="T004", title="环比", severity="WARN", kind="change", message="{item} {pct}",
                 params={"base": "previous_month", "items": ["medical_revenue"], "max_pct": 50, "min_base": 200})
YOY = qc.Rule(id="T005", title="同比", severity="WARN", kind="change", message="{item} {pct}",
              params={"base": "same_month_last_year", "items": ["medical_revenue"], "max_pct": 50, "min_base": 200})


def _month(i: int) -> str:
    return f"{2023 + i // 12}-{i % 12 + 1:02d}"


def _random_history(seed: int, orgs: int = 40, months: int = 36) -> list[tuple[str, str, float, float]]:
    """Institutions with gaps, zeros and occasional ×1000 months (the 元-for-千元 mistake)."""
    rng = random.Random(seed)
    rows = []
    for o in range(orgs):
        level = rng.choice([0.0, 50.0, 300.0, 2000.0])
        for i in range(months):
            if rng.random() < 0.2:
                continue  # not filed that month
            values = []
            for _ in range(2):
                v = 0.0 if rng.random() < 0.1 else round(level * rng.uniform(0.4, 1.8) + rng.randint(0, 5), 1)
                values.append(v * 1000 if rng.random() < 0.08 else v)
            rows.append((f"ORG{o:03d}", _month(i), values[0], values[1]))
    rng.shuffle(rows)  # the rules must not depend on row order
    return rows


def _frame(rows: list[tuple[str, str, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["org_code", "period", "medical_revenue", "drug_expense"], orient="row")


def _index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def _jump_reference(rows: list[tuple[str, str, float, float]]) -> set[tuple[str, str, str, float]]:
    found = set()
    for col, item in ((2, "medical_revenue"), (3, "drug_expense")):
        by_org: dict[str, dict[int, float]] = {}
        for r in rows:
            by_org.setdefault(r[0], {})[_index(r[1])] = r[col]
        for org, series in by_org.items():
            for idx, value in series.items():
                history = [v for j, v in series.items() if idx - 12 <= j <= idx - 1 and v > 0]
                if len(history) < 3:
                    continue
                ratio = value / statistics.median(history)
                if 300 <= ratio <= 3000:
                    found.add((org, _month(idx - _index("2023-01")), item, round(ratio, 6)))
    return found


def _change_reference(rows: list[tuple[str, str, float, float]], shift: int) -> set[tuple[str, str, float]]:
    series = {(r[0], _index(r[1])): r[2] for r in rows}
    found = set()
    for (org, idx), value in series.items():
        base = series.get((org, idx + shift))
        if base is None or base <= 0 or base < 200:
            continue
        pct = (value - base) / base * 100
        if abs(pct) > 50:
            found.add((org, _month(idx - _index("2023-01")), round(pct, 6)))
    return found


def test_unit_jump_matches_the_row_by_row_definition_on_histories_with_gaps() -> None:
    for seed in range(3):
        rows = _random_history(seed)
        found = qc.check_unit_jump(_frame(rows), JUMP, qc.RuleContext())
        # the item is named in the values JSON by its label; recover it from the message's first word
        labels = {qc.item_label("medical_revenue"): "medical_revenue", qc.item_label("drug_expense"): "drug_expense"}
        got = {(r["org_code"], r["period"], labels[r["message"].split(" ")[0]], round(r["observed"], 6))
               for r in found.iter_rows(named=True)}
        expected = _jump_reference(rows)
        assert expected, "the random histories should contain some ×1000 months"
        assert got == expected
        assert found.height == len(expected)  # one finding per institution × month × item, no duplicates


def test_change_matches_the_row_by_row_definition_for_both_bases() -> None:
    for rule, shift in ((CHANGE, -1), (YOY, -12)):
        rows = _random_history(7)
        found = qc.check_change(_frame(rows), rule, qc.RuleContext())
        got = {(r["org_code"], r["period"], round(r["observed"], 6)) for r in found.iter_rows(named=True)}
        expected = _change_reference(rows, shift)
        assert expected
        assert got == expected
        assert found.height == len(expected)
