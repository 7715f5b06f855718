"""Pre-parse checks of old Excel (BIFF) workbooks: sheet areas from DIMENSIONS, truncation, files left to the reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest import biff

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "read"


def test_sheet_areas_of_the_fixtures() -> None:
    # ok_biff.xls: title, 填报单位 row, header and 4 institutions = 7 rows × 15 columns (A–O)
    assert biff.sheet_areas(FILES / "ok_biff.xls") == [("月报", 7 * 15)]
    assert biff.sheet_areas(FILES / "ok_biff_wps.et") == [("月报", 7 * 15)]
    # 月报: 3 title/header rows, 2 institutions, 合计 = 6 rows; hidden 补报: header + 1 row
    assert biff.sheet_areas(FILES / "ok_biff_hidden_heji.xls") == [("月报", 6 * 15), ("补报", 2 * 15)]
    # one cell at row 60000 (index 59999), column IV (index 255): the area from A1 is 60000 × 256
    assert biff.sheet_areas(FILES / "err_biff_far_cell.xls") == [("月报", 60000 * 256)]


def test_every_cut_of_a_workbook_is_truncated(tmp_path: Path) -> None:
    """A download cut anywhere (here every 64 bytes, and one byte short) is named as truncated, never read in part
    (calamine itself panics on some of these cuts)."""
    data = (FILES / "ok_biff.xls").read_bytes()
    path = tmp_path / "cut.xls"
    for cut in [*range(0, len(data), 64), len(data) - 1]:
        path.write_bytes(data[:cut])
        with pytest.raises(biff.Truncated) as exc:
            biff.sheet_areas(path)
        assert exc.value.size == cut


def test_files_it_does_not_read_are_left_to_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)  # OLE magic, no valid header
    assert biff.sheet_areas(path) is None
    data = bytearray((FILES / "ok_biff.xls").read_bytes())
    name = "Workbook".encode("utf-16-le")
    at = data.index(name)
    data[at:at + len(name)] = "Xorkbook".encode("utf-16-le")  # an OLE file without a workbook stream
    path.write_bytes(bytes(data))
    assert biff.sheet_areas(path) is None
