"""The county workbook's lists are split from the county's rows in Python: the same rows, in the same order, as
the polars filters (a null 'filed', 'on_time' or 'check' is in no list)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.qc.bulletin import county_sheets

DUE = dt.date(2025, 11, 15)


def test_lists_keep_the_filter_rows_in_period_and_code_order() -> None:
    status = pl.DataFrame({
        "period": ["2025-11", "2025-10", "2025-10", "2025-10", "2025-11"],
        "org_code": ["B", "C", "A", "D", "A"],
        "name": ["乙", "丙", "甲", "丁", "甲"],
        "type_sub": ["医院"] * 5,
        "due_date": [DUE] * 5,
        "filed": [False, True, False, None, True],
        "on_time": [None, False, None, False, None],
        "submitted_at": [None, dt.datetime(2025, 11, 20, 9, 30), None, None, dt.datetime(2025, 11, 16)],
        "days_late": [None, 5, None, None, 1],
    })
    results = pl.DataFrame({
        "period": ["2025-11", "2025-10", "2025-10", "2025-10"],
        "org_code": ["A", "B", "A", "A"],
        "name": ["甲", "乙", "甲", "甲"],
        "type_sub": ["医院"] * 4,
        "check": ["重报", None, "审核规则", "一码多机构"],
        "rule_id": [None, None, "W001", None],
        "severity": ["WARN", "WARN", "WARN", "WARN"],
        "title": [None, None, "规则甲", None],
        "message": ["重报两次", "无", "数值异常", "一码两名"],
        "values": [None, None, '{"x": 1}', None],
        "region_code": ["430602"] * 4,
    })
    sheets = {s.title: s.rows for s in county_sheets(None, (status, results), overview=[])}  # type: ignore[arg-type]
    assert sheets["漏报"] == [["2025-10", "A", "甲", "医院", "2025-11-15"], ["2025-11", "B", "乙", "医院", "2025-11-15"]]
    assert sheets["迟报"] == [["2025-10", "C", "丙", "医院", "2025-11-15", "2025-11-20 09:30", 5]]
    assert sheets["重报"] == [["2025-11", "A", "甲", "重报两次"]]
    assert sheets["机构代码问题"] == [["2025-10", "A", "甲", "一码多机构", "一码两名"]]
    assert sheets["审核问题"] == [["2025-10", "A", "甲", "医院", "W001", "警告", "规则甲", "数值异常", "x=1", None]]
    assert sheets["数据更正"] == []


def test_a_county_without_rows_has_empty_lists() -> None:
    status = pl.DataFrame(schema={"period": pl.String, "org_code": pl.String, "filed": pl.Boolean, "on_time": pl.Boolean})
    results = pl.DataFrame(schema={"period": pl.String, "org_code": pl.String, "check": pl.String,
                                   "rule_id": pl.String, "message": pl.String, "region_code": pl.String,
                                   "values": pl.String})
    sheets = county_sheets(None, (status, results), overview=[])  # type: ignore[arg-type]
    assert [s.rows for s in sheets] == [[]] * 7
