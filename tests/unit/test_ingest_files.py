"""File-layer helpers of ingest: encodings, delimiters, summary rows, control characters, non-finite numbers."""

from __future__ import annotations

import math

import pytest

from pipeline.errors import UserError
from pipeline.ingest.files import decode_text, sniff_delimiter
from pipeline.ingest.rows import is_summary_row
from pipeline.ingest.values import parse_number

TEXT = "机构名称,床位\r\n岳阳市第一人民医院,800\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le", "utf-16-be"])
def test_every_encoding_offices_meet(encoding: str) -> None:
    text = TEXT + "0123456789,1\r\n" * 3  # digits and commas, as in every export
    assert decode_text(text.encode(encoding), "x.csv").lstrip("\ufeff") == text


def test_rare_character_survives_gb18030() -> None:
    assert decode_text("君山区𠮷祥卫生院,1\r\n".encode("gb18030"), "x.csv") == "君山区𠮷祥卫生院,1\r\n"


def test_undecodable_bytes_are_refused_by_name() -> None:
    with pytest.raises(UserError, match="x.csv 的编码无法识别"):
        decode_text(b"\x81\x30\x81", "x.csv")  # an incomplete four-byte GB18030 sequence


@pytest.mark.parametrize(("text", "delimiter"), [
    ("a,b,c,d\n1,2,3,4\n", ","),
    ("a;b;c;d\n1;2;3;4\n", ";"),
    ("a\tb\tc\td\n1\t2\t3\t4\n", "\t"),
    # commas inside quoted names do not make a semicolon file look comma-separated
    ('名称;代码;床位;人次\n"岳阳,一院";1;2;3\n"岳阳,二院";4;5;6\n', ";"),
    ("名称\n甲\n", ","),  # one column: nothing to choose, comma
])
def test_delimiter_sniffing(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


@pytest.mark.parametrize(("code", "name", "summary"), [
    ("", "合计", True), ("", "合 计", True), ("", "总计：", True), ("小计", "", True), ("总计", "岳阳市", True),
    ("", "岳阳楼区合计服务中心", False), ("12430602MB1A000115", "小计社区卫生服务站", False),
    ("", "全市合计", False),  # not the whole cell: an institution without a code, quarantined for its empty code
])
def test_summary_rows_by_code_column_or_whole_name(code: str, name: str, summary: bool) -> None:
    assert is_summary_row(code, name) is summary


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "NaN", "1e400", "Infinity", math.inf, math.nan])
def test_non_finite_numbers_are_not_numbers(value: object) -> None:
    with pytest.raises(ValueError):
        parse_number(value)


def test_finite_numbers_still_parse() -> None:
    assert [parse_number(v) for v in ("1,234", "１２０", "-", None, 1e300, "2.5e3")] == [1234.0, 120.0, 0.0, 0.0, 1e300, 2500.0]


@pytest.mark.parametrize("text, kind, as_point", [
    ("12,5", "comma", "12.5"), ("1.234,5", "comma", "1234.5"), ("1.234.567", "comma", "1234567"),
    ("0,125", "comma", "0.125"), ("-3,75", "comma", "-3.75"), ("12.5", "point", None), ("1,234.5", "point", None),
    ("1,234,567", "point", None), ("1,234", "either", None), ("1.234", "either", None), ("1234", None, None),
    ("2025-11-05", None, None), ("abc,d", None, None),
])
def test_decimal_mark_of_a_cell(text, kind, as_point):
    """Which convention a text number can only belong to (worked out by hand: a decimal mark occurs once; a
    thousands group has exactly three digits; '1,234' fits both)."""
    from pipeline.ingest import decimals

    assert decimals.kind(text) == kind
    if as_point is not None:
        assert decimals.to_point(text) == as_point
