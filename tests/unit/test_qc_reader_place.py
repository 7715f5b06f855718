"""The 通报 names an ingest location as a reader would: no folders, no extensions (the style checker's rules)."""

from __future__ import annotations

import pytest

from pipeline.qc.ingest_findings import reader_place


@pytest.mark.parametrize(("place", "said"), [
    ("data/raw/2025-10/月报.csv 工作表“CSV”第 4 行", "导出文件“月报”第4行"),  # a CSV has no sheet worth naming
    ("data/raw/2025-10/岳阳县.xlsx 工作表“医院”第 12 行", "导出文件“岳阳县”工作表“医院”第12行"),
    ("D:\\直报\\2025-10\\华容县.xls 工作表“Sheet1”第3行", "导出文件“华容县”工作表“Sheet1”第3行"),  # a Windows path
    ("（位置不明）", "（位置不明）"),  # not a location: left as it is
])
def test_reader_place(place: str, said: str) -> None:
    assert reader_place(place) == said
