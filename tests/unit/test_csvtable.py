"""The columnar CSV reader (csvtable.py) on hand-written CSV text: the expected records, their row numbers and
field counts are written out by hand from the CSV rules (RFC 4180 quoting, as Python's csv.reader reads it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.errors import UserError
from pipeline.ingest import csvtable
from pipeline.ingest.files import _CONTROL, HEAD_ROWS, Limits, read_sheets

def _read(text: str, limit: int = 10_000) -> csvtable.TextTable | None:
    return csvtable.read(text, ",", limit)


def test_the_same_control_characters_as_the_csv_reader_path() -> None:
    assert re.compile(csvtable.CONTROL).pattern.encode().decode("unicode_escape") == _CONTROL.pattern


def test_quoted_commas_and_newlines_keep_record_numbers() -> None:
    text = 'code,name,visits\n1,"A, Inc",5\n2,"two\nlines",7\n3,"say ""hi""",9\n4,D,11\n'
    table = _read(text)
    assert table is not None
    assert table.rows() == [
        (1, ("code", "name", "visits")),
        (2, ("1", "A, Inc", "5")),
        (3, ("2", "two\nlines", "7")),  # one record over two lines of the file
        (4, ("3", 'say "hi"', "9")),
        (5, ("4", "D", "11")),  # record 5, although it is the sixth line of the text
    ]
    assert table.widths.to_list() == [3, 3, 3, 3, 3]
    assert table.pick([4, 2]) == [("4", "D", "11"), ("2", "two\nlines", "7")]


def test_ragged_rows_keep_their_own_width() -> None:
    text = "a,b,c\n1,2\n3,4,5,6\n7,8,9"  # a short row, a long row, a last line without its line end
    table = _read(text)
    assert table is not None
    assert table.widths.to_list() == [3, 2, 4, 3]
    assert table.rows() == [(1, ("a", "b", "c")), (2, ("1", "2")), (3, ("3", "4", "5", "6")), (4, ("7", "8", "9"))]


def test_empty_cells_dash_blank_lines_and_crlf() -> None:
    text = 'a,b,c,d\r\n\r\n1,-,,""\r\n,,,\r\n'
    table = _read(text)
    assert table is not None
    # '' (quoted or not) → None; '-' stays (values.py reads it as 0); a blank line is a record without fields
    assert table.rows() == [(1, ("a", "b", "c", "d")), (2, ()), (3, ("1", "-", None, None)),
                            (4, (None, None, None, None))]
    assert table.widths.to_list() == [4, 0, 4, 4]


@pytest.mark.parametrize("text", [
    'a,b\n1,x"y"\n',  # a quote inside a cell: csv.reader keeps it literally
    'a,b\n1,"x" y\n',  # text after the closing quote
    'a,b\n1,"open\n',  # a quote never closed
    "a,b\n1,\x00\n",  # a control character: stripped with a note on the csv.reader path
    "a,b\r1,2\n",  # a carriage return alone
    "\ufeffa,b\n1,2\n",  # a BOM character left after decoding
])
def test_what_csv_reader_must_read(text: str) -> None:
    assert _read(text) is None


def test_semicolons_and_over_long_cells_go_to_csv_reader() -> None:
    assert csvtable.read("a;b\n1,5;2\n", ";", 10_000) is None
    assert _read("a,b\n1,abcdef\n", limit=5) is None


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    return path


def test_gbk_file_with_quotes_read_into_columns(tmp_path: Path) -> None:
    data = '机构名称,行政区划代码,总诊疗人次数\n"君山区,钱粮湖镇卫生院",430611,"1,234"\n乙医院,430602,-\n'.encode("gbk")
    (sheet,) = read_sheets(_write(tmp_path, data), "x.csv", Limits())
    assert sheet.table is not None and sheet.text and sheet.delimiter == "," and sheet.notes == ()
    assert [c.to_list() for c in sheet.table.cells] == [
        ["机构名称", "君山区,钱粮湖镇卫生院", "乙医院"], ["行政区划代码", "430611", "430602"], ["总诊疗人次数", "1,234", "-"]]
    assert sheet.rows == [(1, ("机构名称", "行政区划代码", "总诊疗人次数")), (2, ("君山区,钱粮湖镇卫生院", "430611", "1,234")),
                          (3, ("乙医院", "430602", "-"))]


def test_bom_is_not_part_of_the_first_label(tmp_path: Path) -> None:
    (sheet,) = read_sheets(_write(tmp_path, b"\xef\xbb\xbfa,b\n1,2\n"), "x.csv", Limits())
    assert sheet.table is not None and sheet.rows == [(1, ("a", "b")), (2, ("1", "2"))]


def test_only_the_head_is_kept_as_row_tuples(tmp_path: Path) -> None:
    data = "a,b\n" + "".join(f"{i},x\n" for i in range(2, 101))
    (sheet,) = read_sheets(_write(tmp_path, data.encode()), "x.csv", Limits())
    assert sheet.table is not None and sheet.table.height == 100
    assert len(sheet.rows) == HEAD_ROWS and sheet.rows[-1] == (HEAD_ROWS, (str(HEAD_ROWS), "x"))
    assert sheet.table.rows(98) == [(99, ("99", "x")), (100, ("100", "x"))]


def test_fallback_still_notes_control_characters_and_refuses_long_cells(tmp_path: Path) -> None:
    data = b"a,b\n1,x\x00y\n" + b"2,abc\n" * 20  # (long enough not to look like UTF-16 by its NUL)
    (sheet,) = read_sheets(_write(tmp_path, data), "x.csv", Limits())
    assert sheet.table is None and sheet.rows[:3] == [(1, ("a", "b")), (2, ("1", "xy")), (3, ("2", "abc"))]
    assert sheet.notes == ("x.csv：工作表“CSV”第 2 行第 2 列含有控制字符（如 NUL），已去掉",)
    with pytest.raises(UserError, match="第 3 行.*第 2 列的内容长达 7 个字符"):
        read_sheets(_write(tmp_path, b"a,b\n1,2\n3,\"abc,efg\"\n"), "x.csv", Limits(max_string_chars=6))


def test_ingest_names_the_true_rows_after_a_quoted_newline(tmp_path: Path) -> None:
    from pipeline import catalogues
    from pipeline.ingest import exports

    cat = catalogues.items()
    ident = {"org_code": "12430600A", "name": "甲医院", "region_code": "430602", "type_code": "A100",
             "reg_type": "国有", "sponsor": "政府", "hospital_level": "三级甲等", "period": "2025-10",
             "submitted_at": "2025-11-05 10:00:00"}

    def line(**over: str) -> str:
        cells = {**ident, **over}
        return ",".join([cells[it.id] for it in cat.identity] + [cells.get(i, "1") for i in cat.item_ids])

    header = ",".join(it.label for it in cat.all)
    lines = [header, line(name='"甲医院,\n东院"'), "", line(org_code="12430600B", visits="abc"),
             ",".join(line(org_code="12430600C").split(",")[:5])]  # the last line cut short: a truncated file
    raw = tmp_path / "raw" / "2025-10"
    raw.mkdir(parents=True)
    (raw / "月报.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = exports.ingest(tmp_path / "raw", progress=False)
    assert res.report["reconciliation"] == {"rows_read": 4, "accepted": 1, "replaced_by_resubmission": 0,
                                            "quarantined": 2, "summary_rows": 0, "blank_rows": 1, "balanced": True}
    assert res.clean["name"].to_list() == ["甲医院,\n东院"] and res.clean["row"].to_list() == [2]
    q = res.quarantine.sort("row")
    # record 2 spans two lines of the file, record 3 is the blank line: the bad rows are records 4 and 5
    assert q["row"].to_list() == [4, 5]
    assert "的值“abc”不是数字" in q["reason"][0]
    assert q["reason"][1].startswith(f"该行只有 5 列，少于表头的 {len(cat.all)} 列（文件可能被截断）")
    assert q["raw"][1] == '["12430600C", "甲医院", "430602", "A100", "国有"]'


@pytest.mark.parametrize("cells, expected, retry", [
    (["1", "12.5", "007"], [1.0, 12.5, 7.0], [False, False, False]),  # only digit cells: the cast alone
    (["1", None, "-", "1,234", " 3 ", "1e5", "+3", "1-2", "１２", "1" * 400],
     [1.0, 0.0, 0.0, 1234.0, 3.0, 100000.0, 3.0, None, None, None],
     [False, False, False, False, False, False, False, False, True, True]),  # full-width, too large: Python
])
def test_number_cells_by_the_digit_shortcut_and_the_general_steps(cells, expected, retry) -> None:
    import polars as pl

    from pipeline.ingest import columnar

    got = columnar._fast_numbers(pl.DataFrame({"s": pl.Series(cells, dtype=pl.String)}))
    assert got["fast"].to_list() == expected and got["retry"].to_list() == retry
