"""The 通报 text for what ingest found (qc/ingest_findings.py): the applied corrections in official wording
("本期根据核实结果更正数据N处：…"), the conflicting duplicates the office must ask about, and the county
workbook sheet of corrections."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import polars as pl

from pipeline.period import Month
from pipeline.qc.ingest_findings import CODE_CHECK, CONFLICT_CHECK, CORRECTION_CHECK
from pipeline.qc.listing import CODE_COL, NAME_COL, PERIOD_COL, REGION_COL, _listing

CODE_PROBLEM_CHECKS = ("一码多机构", CODE_CHECK, "非应报机构报送")  # 机构代码问题 table / sheet
CORRECTION_HEADER = ("报告期", "机构代码", "机构名称", "项目", "原填报值", "更正值", "更正原因", "核实人", "核实日期", "更正表")
CORRECTION_WIDTHS = (10, 22, 36, 20, 12, 12, 30, 10, 12, 30)
_VALUE_KEYS = ("项目", "原填报值", "更正值", "更正原因", "核实人", "核实日期", "更正表")


def _values(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["values"]) if row["values"] else {}


def corrections(results: pl.DataFrame) -> pl.DataFrame:
    return results.filter(pl.col("check") == CORRECTION_CHECK).sort(["period", "region_code", "org_code", "values"])


def corrections_paragraph(results: pl.DataFrame) -> str | None:
    """'本期根据核实结果更正数据N处：甲医院（代码）2026年1月“总诊疗人次数”由 1200 更正为 1020；…。' (None: none)."""
    rows = corrections(results)
    if rows.height == 0:
        return None
    items = []
    for r in rows.iter_rows(named=True):
        v = _values(r)
        items.append(f"{r['name']}（{r['org_code']}）{Month.parse(r['period']).label}“{v['项目']}”"
                     f"由 {v['原填报值']} 更正为 {v['更正值']}，更正原因为{v['更正原因']}")
    return (f"本期根据核实结果更正数据{rows.height}处：{'；'.join(items)}。更正依据（核实记录）存档备查，"
            "直报系统导出的原始数据未作改动。")


def conflict_count(results: pl.DataFrame) -> int:
    return results.filter(pl.col("check") == CONFLICT_CHECK).height


def conflicts_listing(results: pl.DataFrame, region_name: Callable[[str], str], when: str,
                      numbers: Iterator[int]) -> str | None:
    """The table of conflicting duplicates (None: none this quarter, the 通报 then has no such table and takes no
    table number)."""
    rows = results.filter(pl.col("check") == CONFLICT_CHECK).sort(["region_code", "period", "org_code"])
    if rows.height == 0:
        return None
    title = f"表{next(numbers)}　重复报送待核实名单（上报时间相同而数值不同）{when}"
    return _listing(rows, title, [REGION_COL, PERIOD_COL, NAME_COL, CODE_COL, ("情况", "l", True)],
                    lambda r: [region_name(r["region_code"]), r["period"], r["name"], r["org_code"], r["message"]])


def correction_rows(results: pl.DataFrame) -> list[list[Any]]:
    """The county workbook's 数据更正 sheet."""
    out = []
    for r in corrections(results).iter_rows(named=True):
        v = _values(r)
        out.append([r["period"], r["org_code"], r["name"], *(str(v.get(k, "")) for k in _VALUE_KEYS)])
    return out
