"""Ingest on small, hand-made exports that look like the direct-report system's."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipeline import catalogues
from pipeline.errors import UserError
from pipeline.ingest import exports as ingest

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
    # identity columns stay required (items may be absent, see test_ingest_items.py)
    header = [("行政区划编号" if h == "行政区划代码" else h) for h in HEADER]
    _write_xlsx(raw / "2025-10" / "a.xlsx", [_row("A1", "甲")], header=header)
    with pytest.raises(UserError) as err:
        ingest.ingest(raw, progress=False)
    msg = str(err.value)
    assert "a.xlsx" in msg and "“行政区划代码”" in msg and "行政区划编号" in msg and "items.yaml" in msg


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


# ---------------------------------------------------------------- real-world export shapes

ITEM_LABELS = [it.label for it in CAT.items]


def _two_row_header_sheet(ws, money_unit_row: str = "金额单位：千元") -> None:
    """门诊收入 / 住院收入 as merged parents over 合计 and 其中：药品收入, the rest merged over two rows."""
    ws.append(["医疗卫生机构月报表（2025年10月）"])
    ws.append(["填报单位：岳阳市卫生健康委员会", None, None, money_unit_row])
    top, bottom = [], []
    for it in CAT.all:
        if it.id in ("outpatient_drug_revenue", "inpatient_drug_revenue"):
            continue
        if it.id == "outpatient_revenue":
            top += ["门诊收入", None]
            bottom += ["合计", "其中：药品收入"]
        elif it.id == "inpatient_revenue":
            top += ["住院收入", None]
            bottom += ["小计", "其中：药品收入"]
        else:
            top.append(it.label.replace("(", "（").replace(")", "）"))  # full-width brackets
            bottom.append(None)
    ws.append(top)
    ws.append(bottom)
    return top


def _values_in_two_row_order(row: list) -> list:
    ids = [it.id for it in CAT.all]
    by_id = dict(zip(ids, row))
    out = []
    for it in CAT.all:
        if it.id in ("outpatient_drug_revenue", "inpatient_drug_revenue"):
            continue
        out.append(by_id[it.id])
        if it.id == "outpatient_revenue":
            out.append(by_id["outpatient_drug_revenue"])
        if it.id == "inpatient_revenue":
            out.append(by_id["inpatient_drug_revenue"])
    return out


def test_two_row_merged_header_and_unit_row_in_yuan(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    top = _two_row_header_sheet(ws, money_unit_row="金额单位：元")
    col = top.index("门诊收入") + 1
    ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + 1)
    row = _row("A1", "甲医院", outpatient_revenue=123000, outpatient_drug_revenue=45000, inpatient_revenue=800000,
               inpatient_drug_revenue=200000, medical_revenue=1000000, visits=100)
    ws.append(_values_in_two_row_order(row))
    ws.append([None, "说明：本表由系统导出"] + [None] * 5)  # a note row: not a number, quarantined with reason
    path = tmp_path / "raw" / "2025-10" / "a.xlsx"
    path.parent.mkdir(parents=True)
    wb.save(path)
    res = ingest.ingest(tmp_path / "raw", progress=False)
    rec = res.clean.row(0, named=True)
    # 元 → 千元: 123,000 元 = 123 千元, and the 其中 columns went to the right items
    assert (rec["outpatient_revenue"], rec["outpatient_drug_revenue"]) == (123.0, 45.0)
    assert (rec["inpatient_revenue"], rec["inpatient_drug_revenue"], rec["medical_revenue"]) == (800.0, 200.0, 1000.0)
    assert rec["visits"] == 100.0  # counts are not converted
    assert res.report["unit_conversions"] and "0.001" in res.report["unit_conversions"][0]
    assert res.report["reconciliation"]["balanced"]


def test_column_label_with_unit_in_yuan(tmp_path):
    header = [("医疗收入（元）" if h == "医疗收入" else h) for h in HEADER]
    _write_xlsx(tmp_path / "raw" / "2025-10" / "a.xlsx", [_row("A1", "甲", medical_revenue=5000)], header=header)
    rec = ingest.ingest(tmp_path / "raw", progress=False).clean.row(0, named=True)
    assert rec["medical_revenue"] == 5.0


def test_old_xls_with_title_rows(tmp_path):
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("月报")
    ws.write_merge(0, 0, 0, 5, "医疗卫生机构月报表（2025年10月）")
    for c, label in enumerate(HEADER):
        ws.write(2, c, label)
    for c, v in enumerate(_row("12430600A", "甲医院", visits=321, oe_visits="-")):
        ws.write(3, c, v)
    path = tmp_path / "raw" / "2025-10" / "old.xls"
    path.parent.mkdir(parents=True)
    wb.save(str(path))
    res = ingest.ingest(tmp_path / "raw", progress=False)
    rec = res.clean.row(0, named=True)
    assert (rec["org_code"], rec["visits"], rec["oe_visits"]) == ("12430600A", 321.0, 0.0)
    assert res.clean["row"].to_list() == [4]  # the real Excel row number


def test_password_protected_workbook(tmp_path):
    path = tmp_path / "raw" / "2025-10" / "locked.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)  # an encrypted workbook is an OLE file
    with pytest.raises(UserError) as err:
        ingest.ingest(tmp_path / "raw", progress=False)
    assert "locked.xlsx" in str(err.value) and "密码" in str(err.value)


def test_summary_row_checked_against_details(tmp_path):
    a = _row("A1", "甲", visits=100, discharges=5)
    b = _row("A2", "乙", visits=50, discharges=5)
    good = ["", "合计"] + [None] * (len(HEADER) - 2)
    good[HEADER.index("总诊疗人次数")] = 150
    good[HEADER.index("出院人数")] = 11  # one more than the details: reported
    _write_xlsx(tmp_path / "raw" / "2025-10" / "a.xlsx", [a, b, good])
    res = ingest.ingest(tmp_path / "raw", progress=False)
    checks = res.report["summary_row_checks"]
    assert [(c["item"], c["summary_value"], c["detail_sum"], c["row"]) for c in checks] == [("出院人数", 11.0, 10.0, 6)]
    assert "出院人数" in ingest.reconciliation_text(res.report)


def test_file_of_the_wrong_month(tmp_path):
    _write_xlsx(tmp_path / "raw" / "2025-10" / "a.xlsx", [_row("A1", "甲", period="2025-09"),
                                                        _row("A2", "乙", period="2025-09")])
    with pytest.raises(UserError) as err:
        ingest.ingest(tmp_path / "raw", progress=False)
    assert "2025-09" in str(err.value) and "2025-10" in str(err.value) and "a.xlsx" in str(err.value)


def test_quarantine_reason_names_column_letter(tmp_path):
    _write_xlsx(tmp_path / "raw" / "2025-10" / "a.xlsx", [_row("A1", "甲", visits="十二")])
    q = ingest.ingest(tmp_path / "raw", progress=False).quarantine.row(0, named=True)
    col = ingest.column_letter(HEADER.index("总诊疗人次数"))
    assert f"（{col}列）" in q["reason"] and "十二" in q["reason"] and q["row"] == 4


def test_sheet_without_header_is_reported(tmp_path):
    path = _write_xlsx(tmp_path / "raw" / "2025-10" / "a.xlsx", [_row("A1", "甲")])
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("填表说明").append(["本表为月报表"])
    wb.save(path)
    res = ingest.ingest(tmp_path / "raw", progress=False)
    assert res.clean.height == 1
    assert any("填表说明" in m for m in res.report["skipped_sheets"])
