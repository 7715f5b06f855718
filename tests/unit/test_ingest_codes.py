"""Code tables, institution codes, region codes and 报告期: each expectation worked out by hand."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.ingest import codetables as ct
from pipeline.ingest import orgcodes as oc
from pipeline.ingest.report_period import read_period
from pipeline.period import Month

TABLES = ct.code_tables()


@pytest.mark.parametrize(("field", "cell", "expected"), [
    ("reg_type", "110 国有", "国有"), ("reg_type", "120集体", "集体"), ("reg_type", 110, "国有"),
    ("reg_type", 110.0, "国有"), ("reg_type", "国有企业", "国有"), ("reg_type", "171 私营独资", "私营"),
    ("reg_type", "有限责任（公司）", "有限责任公司"), ("reg_type", "１２０", "集体"),
    ("sponsor", "11 卫生健康行政部门", "卫生健康行政部门"), ("sponsor", "政府办", "政府"), ("sponsor", "1", "政府"),
    ("sponsor", "个人办", "个人"), ("sponsor", "21-企业", "企业"),
    ("hospital_level", "三甲", "三级甲等"), ("hospital_level", "12 三级甲等", "三级甲等"),
    ("hospital_level", "21", "二级甲等"), ("hospital_level", "一级", "一级"), ("hospital_level", "未定级", "未定级"),
])
def test_code_name_and_code_name_forms_give_one_canonical_value(field: str, cell: object, expected: str) -> None:
    assert ct.lookup(TABLES[field], cell) == ct.Lookup(expected)


@pytest.mark.parametrize(("field", "cell", "words"), [
    ("reg_type", "国营单位", "不在国家代码表中"), ("reg_type", "", "登记注册类型为空"),
    ("reg_type", "110 集体", "两者不一致"), ("hospital_level", "12 二级甲等", "两者不一致"),
    ("hospital_level", "三等甲级", "不在国家代码表中"), ("sponsor", "街道", "不在国家代码表中"),
])
def test_unknown_or_contradictory_values_are_a_problem_never_a_default(field: str, cell: str, words: str) -> None:
    got = ct.lookup(TABLES[field], cell)
    assert got.value is None and words in got.problem
    if cell:
        assert f"“{cell}”" in got.problem


def test_classification_lists_only_canonical_values() -> None:
    cls = ct.catalogues.classification()
    assert set(cls.public_reg_types) <= set(TABLES["reg_type"].names)
    assert set(cls.government_sponsors) <= set(TABLES["sponsor"].names)


def test_classification_naming_a_non_canonical_value_is_refused(tmp_path, monkeypatch) -> None:
    from pipeline.catalogues import Classification
    bad = Classification("公立", "民营", ("国有企业",), ("政府",), ("三级",), "未定级", ())
    monkeypatch.setattr(ct.catalogues, "classification", lambda: bad)
    with pytest.raises(ct.UserError, match="国有企业"):
        ct._check_classification(TABLES)


@pytest.mark.parametrize(("cell", "code", "group"), [
    ("A100", "A100", "医院"), ("a100 综合医院", "A100", "医院"), ("综合医院", "A100", "医院"),
    ("B100社区卫生服务中心", "B100", "基层医疗卫生机构"),
])
def test_type_code_from_code_name_or_both(cell: str, code: str, group: str) -> None:
    got_code, found, problem = ct.lookup_type_code(cell)
    assert (got_code, found.type_group if found else None, problem) == (code, group, "")


def test_type_code_whose_name_disagrees_or_is_unknown_is_a_problem() -> None:
    assert "不一致" in ct.lookup_type_code("A100 社区卫生服务中心")[2]
    assert "不在机构类别目录" in ct.lookup_type_code("Z999")[2]


# GB 11714 example body D2143569: D=13; 13·3+2·7+1·9+4·10+3·5+5·8+6·4+9·2 = 199; 199 mod 11 = 1; 11−1 = 10 → X.
# 01234567: 0·3+1·7+2·9+3·10+4·5+5·8+6·4+7·2 = 153; 153 mod 11 = 10; 11−10 = 1 → 012345671.
def test_org_check_character_by_hand() -> None:
    assert oc.org_check_char("D2143569") == "X"
    assert oc.org_check_char("01234567") == "1"
    assert oc.check_problem("D2143569X") == ""
    assert "校验码应为“X”" in oc.check_problem("D21435690")


# 91440300708461136T is a published 统一社会信用代码 (深圳市腾讯计算机系统有限公司). By hand with weights
# 3^(i-1) mod 31 = 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 over 9,1,4,4,0,3,0,0,7,0,8,4,6,1,1,3,6:
# 9+3+36+108+0+78+0+0+140+0+200+52+48+24+10+90+168 = 966; 966 mod 31 = 5; 31−5 = 26 → USCC_CHARS[26] = 'T'.
def test_uscc_check_character_by_hand() -> None:
    assert oc.USCC_WEIGHTS[:6] == (1, 3, 9, 27, 19, 26)
    assert oc.uscc_check_char("91440300708461136") == "T"
    assert oc.check_problem("91440300708461136T") == ""
    assert "校验码应为“T”" in oc.check_problem("914403007084611360")
    assert "不允许的字符" in oc.check_problem("91440300708461136I"[:-2] + "IT")


def test_nine_character_code_read_as_a_number_gets_its_zeros_back() -> None:
    got = oc.normalise_org_code(12345671)  # 012345671 stored as a number
    assert (got.code, got.warning) == ("012345671", "")
    assert "补为“012345671”" in got.note
    assert oc.normalise_org_code(12345671.0).code == "012345671"
    assert oc.normalise_org_code("12345671").code == "012345671"  # text, and the padded code checks out
    assert oc.normalise_org_code("12345678").code == "12345678"  # text that does not check out: left as written
    assert oc.normalise_org_code(" d2143569-x ".replace("-", "")).code == "D2143569X"


@pytest.mark.parametrize("cell", [9.14403007084611e17, 914403007084611000, "9.14403E+17", "9.14403E+17 "])
def test_eighteen_digit_code_that_went_through_an_excel_number_is_refused(cell: object) -> None:
    got = oc.normalise_org_code(cell)
    assert got.code == "" and "后几位已经丢失" in got.error


def test_wrong_check_character_is_a_warning_not_an_error() -> None:
    got = oc.normalise_org_code("914403007084611360")
    assert (got.code, got.error) == ("914403007084611360", "") and "校验码" in got.warning


COUNTIES = {"430602": "岳阳楼区", "430621": "岳阳县"}


@pytest.mark.parametrize(("cell", "code", "error"), [
    ("430602", "430602", ""), (430602, "430602", ""), (430602.0, "430602", ""), ("430602.0", "430602", ""),
    ("430600", "430600", ""), ("430602001000", "430602", ""),
    ("430699", "", "不在区划表"), ("430699001000", "", "不是本市的县市区"), ("", "", "为空"),
])
def test_region_codes(cell: object, code: str, error: str) -> None:
    got = oc.normalise_region(cell, COUNTIES, city_code="430600")
    assert got.code == code and error in got.error and (got.error == "") == (error == "")


OCT = Month(2023, 10)


@pytest.mark.parametrize("cell", ["2023-10", "2023年10月", "202310", 202310, 202310.0, "2023.10", "2023/10",
                                  "2023-10-01", datetime(2023, 10, 1), "2023年10月1日", " 2023 - 10 ", 2023.1])
def test_every_period_form_offices_use(cell: object) -> None:
    got = read_period(cell, OCT)
    assert (got.month, got.error) == (OCT, "")


def test_blank_period_takes_the_folder_month_with_a_note() -> None:
    got = read_period(None, OCT)
    assert got.month == OCT and got.error == "" and "按文件夹月份" in got.note


@pytest.mark.parametrize(("cell", "words"), [("202309", "不符"), ("2023-11", "不符"), ("十月", "无法识别"),
                                             ("202313", "无法识别"), (2023.11, "不符")])
def test_period_that_disagrees_or_cannot_be_read_is_an_error(cell: object, words: str) -> None:
    assert words in read_period(cell, OCT).error


def test_number_2023_point_1_is_january_in_a_january_folder() -> None:
    assert read_period(2023.1, Month(2023, 1)).month == Month(2023, 1)
    assert read_period(2023.01, Month(2023, 1)).month == Month(2023, 1)
    assert read_period(2023.1, Month(2023, 5)).error


def test_registry_values_are_read_through_the_code_tables() -> None:
    import polars as pl

    df = pl.DataFrame({"reg_type": ["110 国有", "私营"], "sponsor": ["政府办", "3"], "hospital_level": ["三甲", ""]})
    got = ct.canonical_registry(df, "registry.csv")
    assert got.to_dict(as_series=False) == {"reg_type": ["国有", "私营"], "sponsor": ["政府", "个人"],
                                            "hospital_level": ["三级甲等", ""]}
    with pytest.raises(ct.UserError, match="registry.csv 第 3 行，列“sponsor”：主办单位“街道”不在国家代码表中"):
        ct.canonical_registry(df.with_columns(sponsor=pl.Series(["政府", "街道"])), "registry.csv")
