"""Office corrections: applied from data, listed, and refused when the export no longer shows the filed value."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline import catalogues
from pipeline.errors import UserError
from pipeline.ingest import corrections as corr

CAT = catalogues.items()
HEAD = "机构代码,报告期,项目,原填报值,更正值,更正原因,核实人,核实日期\n"


def _table() -> pl.DataFrame:
    return pl.DataFrame({"org_code": ["A1", "B2"], "name": ["甲医院", "乙医院"], "period": ["2025-10", "2025-10"],
                         "medical_revenue": [456785.0, 13_000_000.0], "inpatient_revenue": [100.0, 5_000_000.0],
                         "beds": [800.0, 300.0]})


def _write(tmp_path: Path, body: str, name: str = "2025-10.csv") -> Path:
    folder = tmp_path / "corrections"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(HEAD + body, encoding="utf-8-sig")
    return folder


def test_value_and_unit_corrections_are_applied_and_listed(tmp_path: Path) -> None:
    folder = _write(tmp_path, "a1,,医疗收入,456785,45678.5,多填一位,张三,2025-11-12\n"
                              "B2,2025-10,金额单位,元,千元,按元填报,李四,2025-11-12\n")
    fixed, applied = corr.apply(_table(), corr.read_corrections(folder, CAT), CAT)
    rows = {r["org_code"]: r for r in fixed.to_dicts()}
    assert rows["A1"]["medical_revenue"] == 45678.5 and rows["A1"]["inpatient_revenue"] == 100.0
    # 元 → 千元: 13 000 000 元 = 13 000 千元, 5 000 000 元 = 5 000 千元; beds are not money and stay 300
    assert (rows["B2"]["medical_revenue"], rows["B2"]["inpatient_revenue"], rows["B2"]["beds"]) == (13000.0, 5000.0, 300.0)
    assert [(a["correction"], a["item"], a["filed"], a["corrected"], a["confirmed_by"]) for a in applied] == [
        ("corrections/2025-10.csv 第 2 行", "医疗收入", "456785", "45678.5", "张三"),
        ("corrections/2025-10.csv 第 3 行", "金额单位", "元", "千元", "李四")]


def test_a_filed_value_the_export_no_longer_shows_is_refused(tmp_path: Path) -> None:
    folder = _write(tmp_path, "A1,2025-10,医疗收入,456000,45600,多填一位,张三,2025-11-12\n")
    with pytest.raises(UserError, match="第 2 行：机构 A1 2025-10 的“医疗收入”导出值为 456785，不是更正表中的原填报值 456000"):
        corr.apply(_table(), corr.read_corrections(folder, CAT), CAT)


@pytest.mark.parametrize(("body", "words"), [
    ("C3,2025-10,医疗收入,1,2,原因,张三,\n", "机构 C3 在 2025-10 没有导入的数据"),
    ("A1,2025-09,医疗收入,1,2,原因,张三,\n", "报告期 2025-09 与文件名的月份 2025-10 不符"),
    ("A1,2025-10,不存在的项目,1,2,原因,张三,\n", "项目“不存在的项目”不是月报项目"),
    ("A1,2025-10,医疗收入,1,2,,张三,\n", "更正原因没有填写"),
    ("A1,2025-10,医疗收入,1,2,原因,张三,\nA1,,医疗收入,1,3,原因,李四,\n", "第 3 行与第 2 行更正的是同一机构"),
])
def test_incomplete_or_unmatched_corrections_stop_with_the_row(tmp_path: Path, body: str, words: str) -> None:
    folder = _write(tmp_path, body)
    with pytest.raises(UserError, match=words):
        corr.apply(_table(), corr.read_corrections(folder, CAT), CAT)


def test_no_folder_means_no_corrections(tmp_path: Path) -> None:
    assert corr.read_corrections(tmp_path / "absent", CAT) == []
    assert corr.read_corrections(None, CAT) == []


def test_a_workbook_left_in_the_folder_is_not_skipped_silently(tmp_path: Path) -> None:
    folder = _write(tmp_path, "")
    (folder / "2025-10.xlsx").write_bytes(b"PK")
    (folder / "README.md").write_text("说明", encoding="utf-8")
    with pytest.raises(UserError, match="2025-10.xlsx 不是 CSV 文件"):
        corr.read_corrections(folder, CAT)
