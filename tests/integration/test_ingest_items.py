"""Item policy: an item absent from an export is 不详 (null), never 0, and what needs it is 不详 too."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from pipeline import catalogues
from pipeline.ingest import exports as ingest
from pipeline.monthly.indicators import indicator_expr

CAT = catalogues.items()


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _ident(code: str, name: str) -> list:
    values = {"org_code": code, "name": name, "region_code": "430602", "type_code": "A100", "reg_type": "国有",
              "sponsor": "政府", "hospital_level": "三级甲等", "period": "2025-10",
              "submitted_at": "2025-11-05 10:00:00"}
    return [values[it.id] for it in CAT.identity]


def test_items_are_optional_by_default_identity_required():
    assert all(it.required for it in CAT.identity if it.id != "hospital_level")
    assert not any(it.required for it in CAT.items)


def test_absent_item_is_null_and_reported(tmp_path):
    raw = tmp_path / "raw"
    lacking = {"essential_drug_revenue", "visits"}
    items = [i for i in CAT.item_ids if i not in lacking]
    header = [it.label for it in CAT.identity] + [CAT.item(i).label for i in items]
    # values typed here by hand: visits is absent, oe_visits = 900, a second file has visits = 50
    row = _ident("12430600A", "甲医院") + [900 if i == "oe_visits" else 1 for i in items]
    _write_csv(raw / "2025-10" / "a.csv", header, [row])
    full = [it.label for it in CAT.all]
    row_b = _ident("12430600B", "乙医院") + [50 if i == "visits" else 1 for i in CAT.item_ids]
    _write_csv(raw / "2025-10" / "b.csv", full, [row_b])

    res = ingest.ingest(raw, progress=False)
    assert res.report["reconciliation"]["accepted"] == 2
    a = res.clean.filter(pl.col("org_code") == "12430600A").row(0, named=True)
    assert a["visits"] is None and a["essential_drug_revenue"] is None
    assert a["oe_visits"] == 900.0
    b = res.clean.filter(pl.col("org_code") == "12430600B").row(0, named=True)
    assert b["visits"] == 50.0
    assert res.report["missing_items"] == {"raw/2025-10/a.csv#CSV": ["基本药物收入", "总诊疗人次数"]}
    text = ingest.reconciliation_text(res.report)
    assert "总诊疗人次数" in text and "不详" in text and "不是 0" in text


def test_null_propagates_through_sums_and_ratios():
    frame = pl.DataFrame({"a": [1.0, None, 2.0], "b": [1.0, 1.0, 1.0]})
    total = frame.select(pl.when(pl.col("a").null_count() == 0).then(pl.col("a").sum()).otherwise(None))
    assert total.item() is None
    ind = next(i for i in catalogues.indicators() if i.denominator)
    cols = {c: [None] for c in {*ind.numerator, *ind.denominator}}
    cols.update(days=[31.0], working_days=[22.0], population=[1.0])
    out = pl.DataFrame(cols, schema={c: pl.Float64 for c in cols}).select(v=indicator_expr(ind))
    assert out.item() is None
