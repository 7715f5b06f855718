"""The file/row layer of ingest on a corpus of exports we did not write with the sample generator.

Each fixture under tests/fixtures/ingest/read/ has its expected outcome typed in read_expected.csv; accepted
values are compared with read_truth.csv (typed by hand); every raw row is re-read by an independent reader
(csv module, openpyxl, xlrd for BIFF) and must be in exactly one of canonical / quarantine / replaced / summary rows.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlrd

from pipeline import catalogues
from pipeline.errors import UserError
from pipeline.ingest import exports as ingest

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of BIFF (.xls) workbooks
HERE = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
FILES = HERE / "read"
EXPECTED = list(csv.DictReader((HERE / "read_expected.csv").open(encoding="utf-8")))
TRUTH = list(csv.DictReader((HERE / "read_truth.csv").open(encoding="utf-8")))
ITEMS_IN_FIXTURES = ["health_techs", "beds", "medical_revenue", "visits", "oe_visits", "discharges"]
NOT_OK = [e for e in EXPECTED if e["outcome"] != "error"]


def _ingest(tmp_path: Path, name: str) -> ingest.IngestResult:
    month = tmp_path / "raw" / "2025-10"
    month.mkdir(parents=True)
    shutil.copy(FILES / name, month / name)
    return ingest.ingest(tmp_path / "raw", progress=False)


def test_corpus_is_complete() -> None:
    assert sorted(e["file"] for e in EXPECTED) == sorted(p.name for p in FILES.iterdir())
    assert len(EXPECTED) >= 25


@pytest.mark.parametrize("case", EXPECTED, ids=[e["file"] for e in EXPECTED])
def test_outcome(case: dict[str, str], tmp_path: Path) -> None:
    if case["outcome"] == "error":
        with pytest.raises(UserError) as err:
            _ingest(tmp_path, case["file"])
        assert case["message"] in str(err.value)
        return
    res = _ingest(tmp_path, case["file"])
    r = res.report["reconciliation"]
    got = [r["accepted"], r["quarantined"], r["replaced_by_resubmission"], r["summary_rows"], r["blank_rows"]]
    assert got == [int(case[k]) for k in ("accepted", "quarantined", "replaced", "summary", "blank")]
    assert r["balanced"]
    if case["outcome"] == "quarantine":
        assert any(case["message"] in reason for reason in res.quarantine["reason"].to_list())
    elif case["message"]:
        assert case["message"] in ingest.reconciliation_text(res.report)


@pytest.mark.parametrize("case", NOT_OK, ids=[e["file"] for e in NOT_OK])
def test_accepted_values_match_truth(case: dict[str, str], tmp_path: Path) -> None:
    res = _ingest(tmp_path, case["file"])
    truth = [t for t in TRUTH if t["dataset"] == case["truth"]]
    got = res.clean.sort("org_code").to_dicts()
    assert [g["org_code"] for g in got] == sorted(t["org_code"] for t in truth)
    for g, t in zip(got, sorted(truth, key=lambda t: t["org_code"])):
        assert (g["name"], g["region_code"], g["period"]) == (t["name"], t["region_code"], "2025-10")
        for item in ITEMS_IN_FIXTURES:
            assert g[item] == float(t[item]), (case["file"], t["org_code"], item)
        absent = [i for i in catalogues.items().item_ids if i not in ITEMS_IN_FIXTURES]
        assert all(g[i] is None for i in absent), "an item without a column is 不详 (null), never 0"


def _independent_rows(case: dict[str, str]) -> tuple[set[tuple[str, int]], int]:
    """(sheet, row) of every non-blank row below the header, and the number of blank ones, read without our code."""
    path = FILES / case["file"]
    if case["encoding"]:
        delim = "\t" if case["delimiter"] == "tab" else case["delimiter"]
        sheets = {"CSV": list(csv.reader(io.StringIO(path.read_bytes().decode(case["encoding"])), delimiter=delim))}
    elif path.read_bytes()[:8] == OLE_MAGIC:  # old Excel (BIFF), also under WPS's .et: read with xlrd
        book = xlrd.open_workbook(file_contents=path.read_bytes())
        sheets = {ws.name: [[None if c.ctype == xlrd.XL_CELL_EMPTY else c.value for c in ws.row(i)]
                            for i in range(ws.nrows)] for ws in book.sheets()}
    else:
        wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
        sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    rows: set[tuple[str, int]] = set()
    blank = 0
    for sheet, values in sheets.items():
        header = next((i for i, r in enumerate(values) if "机构名称" in [str(v) for v in r]), None)
        if header is None:
            continue
        for i, r in enumerate(values[header + 1:], start=header + 2):
            if all(v is None or str(v).strip() == "" for v in r):
                blank += 1
            else:
                rows.add((sheet, i))
    return rows, blank


@pytest.mark.parametrize("case", NOT_OK, ids=[e["file"] for e in NOT_OK])
def test_every_raw_row_in_exactly_one_place(case: dict[str, str], tmp_path: Path) -> None:
    res = _ingest(tmp_path, case["file"])
    raw, blank = _independent_rows(case)
    places = [set(zip(t["sheet"].to_list(), t["row"].to_list()))
              for t in (res.clean, res.quarantine, res.replaced, res.summary_rows)]
    heights = [res.clean.height, res.quarantine.height, res.replaced.height, res.summary_rows.height]
    assert [len(p) for p in places] == heights, "a row appears twice in one table"
    assert sum(heights) == len(set().union(*places)), "a row appears in two tables"
    assert set().union(*places) == raw
    assert res.report["reconciliation"]["blank_rows"] == blank


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is read from /proc (Linux)")
def test_zip_bomb_refused_without_memory(tmp_path: Path) -> None:
    """The 320 MB shared string is refused from the zip directory: the process never grows by hundreds of MB.
    Measured as VmHWM of a fresh child (ru_maxrss would carry the parent's high-water mark across fork)."""
    code = ("import shutil; from pathlib import Path; from pipeline.errors import UserError;"
            "from pipeline.ingest import exports as ingest\n"
            f"m = Path({str(tmp_path)!r}) / 'raw' / '2025-10'; m.mkdir(parents=True)\n"
            f"shutil.copy({str(FILES / 'err_zip_bomb.xlsx')!r}, m)\n"
            "try:\n    ingest.ingest(m.parent, progress=False)\nexcept UserError as e:\n    print('refused', e)\n"
            "print([ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.splitlines()
    assert out[0].startswith("refused")
    assert int(out[-1]) < 200 * 1024  # KB: far below the 320 MB the string alone would take


def test_limits_come_from_params(tmp_path: Path) -> None:
    limits = ingest.limits_from_params({"ingest.max_file_mb": 0.0001, "ingest.max_unpacked_mb": 300,
                                        "ingest.max_cells": 100, "ingest.max_string_chars": 50})
    month = tmp_path / "raw" / "2025-10"
    month.mkdir(parents=True)
    shutil.copy(FILES / "ok_utf8.csv", month)
    with pytest.raises(UserError, match="超过上限 0.0001 MB"):
        ingest.ingest(tmp_path / "raw", progress=False, limits=limits)
    with pytest.raises(UserError, match="ingest.max_cells"):
        ingest.limits_from_params({"ingest.max_cells": -1})
    shutil.copy(FILES / "ok_basic.xlsx", month)
    (month / "ok_utf8.csv").unlink()
    small = ingest.limits_from_params({"ingest.max_cells": 30})  # 6 rows × 15 columns = 90 cells
    with pytest.raises(UserError, match="有 90 个单元格，超过上限 30"):
        ingest.ingest(tmp_path / "raw", progress=False, limits=small)


def test_notes_and_system_files_are_not_errors(tmp_path: Path) -> None:
    month = tmp_path / "raw" / "2025-10"
    month.mkdir(parents=True)
    shutil.copy(FILES / "ok_utf8.csv", month)
    (tmp_path / "raw" / "说明.txt").write_text("导出说明", encoding="utf-8")
    (month / "Thumbs.db").write_bytes(b"\xd0\xcf")  # Windows' own files in a folder are not exports
    (month / "desktop.ini").write_text("[.ShellClassInfo]", encoding="utf-8")
    (month / "~$ok_basic.xlsx").write_bytes(b"lock")  # Excel's lock file of an open workbook
    assert ingest.ingest(tmp_path / "raw", progress=False).clean.height == 3


def test_conflict_is_named_in_the_reconciliation(tmp_path: Path) -> None:
    res = _ingest(tmp_path, "q_conflict.csv")
    text = ingest.reconciliation_text(res.report)
    assert "需要核实（不能自动处理）：12430603MB1A00022P（云溪区人民医院）2025-10" in text
    held = res.quarantine.filter(pl.col("org_code") == "12430603MB1A00022P")["row"].to_list()
    assert held == [3, 5]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is read from /proc (Linux)")
def test_far_cell_in_old_excel_refused_without_memory(tmp_path: Path) -> None:
    """A 5.5 KB .xls whose one stray cell at row 60000, column IV makes a 60000 × 256 area: refused from the sheet's
    DIMENSIONS record before calamine loads the sheet (loading it first took about 1 GB, measured 2026-12-03)."""
    code = ("import shutil; from pathlib import Path; from pipeline.errors import UserError;"
            "from pipeline.ingest import exports as ingest\n"
            f"m = Path({str(tmp_path)!r}) / 'raw' / '2025-10'; m.mkdir(parents=True)\n"
            f"shutil.copy({str(FILES / 'err_biff_far_cell.xls')!r}, m)\n"
            "try:\n    ingest.ingest(m.parent, progress=False)\nexcept UserError as e:\n    print('refused', e)\n"
            "print([ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.splitlines()
    assert out[0].startswith("refused") and "15360000 个单元格" in out[0]
    assert int(out[-1]) < 200 * 1024  # KB
