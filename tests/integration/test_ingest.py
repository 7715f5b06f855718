"""Ingest on small, hand-made exports that look like the direct-report system's."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipeline import catalogues, ingest
from pipeline.errors import UserError

CAT = catalogues.items()
HEADER = [it.label for it in CAT.all]


def _row(code, name, period="2025-10", submitted="2025-11-05 10:00:00", **values):
    ident = {"org_code": code, "name": name, "region_code": "430602", "type_code": "A100", "reg_type": "国有",
             "sponsor": "政府", "hospital_level": "三级甲等", "period": period, "submitted_at": submitted}
    return [ident[it.id] for it in CAT.identity] + [values.get(i, 0) for i in CAT.item_ids]


def _write_xlsx(path: Path, rows: list[list], header=HEADER, title=True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "医疗卫生机构月报"
    if title:
        ws.append(["医疗卫生机构月报表（2025年10月）"])
        ws.append(["填报单位：岳阳市卫生健康委员会", None, None, "金额单位：千元"])
    ws.append(header)
    for r in rows:
        ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def test_every_row_accounted_for(tmp_path):
    raw = tmp_path / "raw"
    good = _row("12430600A", "甲医院", visits=1000, oe_visits=900)
    text_num = _row("12430600B", "乙医院", visits="1,234", oe_visits="-", beds="１２０")
    bad = _row("12430600C", "丙医院", visits="abc")
    first = _row("12430600D", "丁医院", submitted="2025-11-03 09:00:00", visits=10)
    second = _row("12430600D", "丁医院", submitted="2025-11-09 09:00:00", visits=20)
    wrong_month = _row("12430600E", "戊医院", period="2025-09")
    total = ["", "合计"] + [None] * (len(HEADER) - 2)
    _write_xlsx(raw / "2025-10" / "月报.xlsx", [good, text_num, [None] * len(HEADER), bad, first, second,
                                                 wrong_month, total])
    res = ingest.ingest(raw, progress=False)
    r = res.report["reconciliation"]
    assert r == {"rows_read": 8, "accepted": 3, "replaced_by_resubmission": 1, "quarantined": 2, "summary_rows": 1,
                 "blank_rows": 1, "balanced": True}
    clean = res.clean.sort("org_code")
    assert clean["org_code"].to_list() == ["12430600A", "12430600B", "12430600D"]
    # '1,234' → 1234, '-' → 0, full-width digits → 120
    b = clean.filter(pl.col("org_code") == "12430600B").row(0, named=True)
    assert (b["visits"], b["oe_visits"], b["beds"]) == (1234.0, 0.0, 120.0)
    # the later resubmission wins; the earlier is recorded as replaced
    assert clean.filter(pl.col("org_code") == "12430600D")["visits"][0] == 20.0
    assert res.replaced["visits"].to_list() == [10.0]
    # quarantine names file, sheet, row and column
    q = res.quarantine.sort("row")
    assert q["row"].to_list() == [7, 10]  # 3 header rows: data starts at row 4
    assert "总诊疗人次数" in q["reason"][0] and "abc" in q["reason"][0]
    assert "2025-09" in q["reason"][1]
    assert q["sheet"][0] == "医疗卫生机构月报"
    # classification from the catalogues
    a = clean.filter(pl.col("org_code") == "12430600A").row(0, named=True)
    assert (a["type_group"], a["ownership"], a["govt_run"], a["level_class"]) == ("医院", "公立", True, "三级")


def test_codes_read_as_numbers_and_gbk_csv(tmp_path):
    raw = tmp_path / "raw" / "2025-10"
    raw.mkdir(parents=True)
    row = _row(" 12430600X ", "己医院", visits=5)
    row[HEADER.index("行政区划代码")] = 430602.0  # a code Excel turned into a number
    lines = [",".join(HEADER), ",".join(str(v) for v in row)]
    (raw / "月报.csv").write_bytes("\n".join(lines).encode("gbk"))
    res = ingest.ingest(raw.parent, progress=False)
    rec = res.clean.row(0, named=True)
    assert rec["org_code"] == "12430600X" and rec["region_code"] == "430602" and rec["name"] == "己医院"


def test_unknown_column_reported_not_dropped_silently(tmp_path):
    raw = tmp_path / "raw"
    _write_xlsx(raw / "2025-10" / "a.xlsx", [_row("A1", "甲") + [7]], header=HEADER + ["手术人次数"])
    res = ingest.ingest(raw, progress=False)
    assert list(res.report["unknown_columns"].values()) == [["手术人次数"]]
    assert "手术人次数" in ingest.reconciliation_text(res.report)


def test_missing_required_column_names_file_and_closest_label(tmp_path):
    raw = tmp_path / "raw"
    header = [("出院人次数" if h == "出院人数" else h) for h in HEADER]
    header = [h for h in header if h != "出院人次数"] + ["出院人次数"]
    _write_xlsx(raw / "2025-10" / "a.xlsx", [_row("A1", "甲")], header=header)
    with pytest.raises(UserError) as err:
        ingest.ingest(raw, progress=False)
    msg = str(err.value)
    assert "a.xlsx" in msg and "出院人数" in msg and "出院人次数" in msg and "items.yaml" in msg


@pytest.mark.parametrize(
    "content, expected",
    [(b"", "空文件"), (b"not a zip", "不是有效的 Excel")],
)
def test_broken_files_give_chinese_errors(tmp_path, content, expected):
    path = tmp_path / "raw" / "2025-10" / "a.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(UserError) as err:
        ingest.ingest(tmp_path / "raw", progress=False)
    assert expected in str(err.value) and "a.xlsx" in str(err.value)


def test_file_outside_month_folder(tmp_path):
    raw = tmp_path / "raw"
    _write_xlsx(raw / "a.xlsx", [_row("A1", "甲")])
    with pytest.raises(UserError, match="月份文件夹"):
        ingest.ingest(raw, progress=False)


def test_annual_folder_is_not_read_as_monthly(tmp_path):
    raw = tmp_path / "raw"
    _write_xlsx(raw / "2025-10" / "a.xlsx", [_row("A1", "甲")])
    (raw / "annual" / "2025").mkdir(parents=True)
    (raw / "annual" / "2025" / "life_deaths.csv").write_text("age,population,deaths\n", encoding="utf-8")
    res = ingest.ingest(raw, progress=False)
    assert [f["file"].rsplit("/", 1)[-1] for f in res.report["files"]] == ["a.xlsx"]
