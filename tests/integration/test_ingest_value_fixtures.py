"""The value layer of ingest on a corpus we wrote by hand: code tables, codes, regions, 报告期, 元/千元, corrections.

Each file under tests/fixtures/ingest/values/ has its outcome typed in values_expected.csv; the accepted rows are
compared value by value with values_truth.csv (canonical spellings and groups worked out by hand from the national
code tables); every raw row, re-read with openpyxl or the csv module, is in exactly one of the output tables.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pytest

from pipeline.errors import UserError
from pipeline.ingest import exports as ingest

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
FILES = HERE / "values"
EXPECTED = list(csv.DictReader((HERE / "values_expected.csv").open(encoding="utf-8")))
TRUTH = list(csv.DictReader((HERE / "values_truth.csv").open(encoding="utf-8")))
REGIONS = Path(__file__).resolve().parents[2] / "data" / "reference" / "regions.csv"
READ = [e for e in EXPECTED if e["outcome"] != "error"]
FIELDS = ("org_code", "region_code", "type_code", "reg_type", "sponsor", "hospital_level", "ownership", "level_class")


def _ingest(tmp_path: Path, case: dict[str, str]) -> ingest.IngestResult:
    month = tmp_path / "raw" / "2025-10"
    month.mkdir(parents=True)
    shutil.copy(FILES / case["file"], month / case["file"])
    corrections = None
    if case["corrections"]:
        corrections = tmp_path / "corrections"
        corrections.mkdir()
        shutil.copy(HERE / "values_corrections" / case["corrections"], corrections / "2025-10.csv")
    return ingest.ingest(tmp_path / "raw", progress=False, regions=REGIONS, corrections=corrections)


def _truth(spec: str) -> list[dict[str, str]]:
    """'ninechar:A base:BC' → those truth rows."""
    out = []
    for part in spec.split():
        dataset, letters = part.split(":")
        out += [t for t in TRUTH if t["dataset"] == dataset and t["letter"] in letters]
    return sorted(out, key=lambda t: t["org_code"])


def test_corpus_is_complete() -> None:
    assert sorted(e["file"] for e in EXPECTED) == sorted(p.name for p in FILES.iterdir())
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize("case", EXPECTED, ids=[e["file"] for e in EXPECTED])
def test_outcome(case: dict[str, str], tmp_path: Path) -> None:
    if case["outcome"] == "error":
        with pytest.raises(UserError) as err:
            _ingest(tmp_path, case)
        assert case["message"] in str(err.value)
        return
    res = _ingest(tmp_path, case)
    r = res.report["reconciliation"]
    assert (r["accepted"], r["quarantined"], r["balanced"]) == (int(case["accepted"]), int(case["quarantined"]), True)
    if case["outcome"] == "quarantine":
        assert any(case["message"] in reason for reason in res.quarantine["reason"].to_list()), res.quarantine["reason"].to_list()
    elif case["message"]:
        assert case["message"] in ingest.reconciliation_text(res.report)


@pytest.mark.parametrize("case", READ, ids=[e["file"] for e in READ])
def test_accepted_rows_carry_the_canonical_values(case: dict[str, str], tmp_path: Path) -> None:
    got = _ingest(tmp_path, case).clean.sort("org_code").to_dicts()
    truth = _truth(case["truth"])
    assert [g["org_code"] for g in got] == [t["org_code"] for t in truth]
    for g, t in zip(got, truth):
        assert tuple(g[f] for f in FIELDS) == tuple(t[f] for f in FIELDS), case["file"]
        assert g["govt_run"] == (t["govt_run"] == "true") and g["period"] == "2025-10"
        assert (g["medical_revenue"], g["visits"]) == (float(t["medical_revenue"]), float(t["visits"]))


def _independent_rows(name: str) -> set[int]:
    path = FILES / name
    if path.suffix == ".csv":
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    else:
        rows = [list(r) for r in openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if "机构名称" in [str(v) for v in r])
    return {i for i, r in enumerate(rows[header + 1:], start=header + 2) if any(v not in (None, "") for v in r)}


@pytest.mark.parametrize("case", READ, ids=[e["file"] for e in READ])
def test_every_raw_row_in_exactly_one_place(case: dict[str, str], tmp_path: Path) -> None:
    res = _ingest(tmp_path, case)
    places = [t["row"].to_list() for t in (res.clean, res.quarantine, res.replaced, res.summary_rows)]
    flat = [r for p in places for r in p]
    assert len(flat) == len(set(flat)) and set(flat) == _independent_rows(case["file"])


def test_unit_error_never_reaches_the_canonical_table(tmp_path: Path) -> None:
    case = next(e for e in EXPECTED if e["file"] == "q_money_in_yuan.csv")
    res = _ingest(tmp_path, case)
    assert res.clean["medical_revenue"].max() == 1400.0
    assert res.quarantine["org_code"].to_list() == ["12430606MB1P00006Y"]


def test_corrections_are_listed_in_the_ingest_report(tmp_path: Path) -> None:
    case = next(e for e in EXPECTED if e["file"] == "ok_money_in_yuan_corrected.csv")
    report = _ingest(tmp_path, case).report
    assert [(c["org_code"], c["item"], c["filed"], c["corrected"], c["confirmed_by"]) for c in report["corrections"]] == [
        ("12430606MB1P00006Y", "金额单位", "元", "千元", "王五"), ("12430601MB1P000017", "总诊疗人次数", "10000", "10200", "王五")]
