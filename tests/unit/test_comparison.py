"""全省、全国对比值：读取（出处必填、示例数据标记、公布的小数位）、取最近一年、错误提示指出文件、行和列。"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.annual import comparison as cmp
from pipeline.errors import UserError

HEADER = "indicator_id,year,area,value,source,sample\n"


def _write(tmp_path: Path, body: str, province: str | None = None) -> Path:
    (tmp_path / cmp.COMPARISON_FILE).write_text(HEADER + body, encoding="utf-8")
    if province is not None:
        (tmp_path / cmp.PROVINCE_FILE).write_text("indicator_id,year,value,source\n" + province, encoding="utf-8")
    return tmp_path


def test_latest_year_not_after_the_report_year(tmp_path: Path) -> None:
    refs = cmp.load_comparison(_write(tmp_path, "imr,2023,全国,4.5,公报2023,否\nimr,2024,全国,4.0,公报2024,否\n"
                                                "imr,2026,全国,3.1,公报2026,否\n"))
    assert cmp.pick(refs, "imr", "全国", 2025).value == 4.0
    assert cmp.pick(refs, "imr", "全国", 2023).year == 2023
    assert cmp.pick(refs, "imr", "全国", 2022) is None
    assert cmp.pick(refs, "imr", "全省", 2025) is None


def test_published_decimals_and_sample_marks(tmp_path: Path) -> None:
    refs = cmp.load_comparison(_write(tmp_path, "life_expectancy,2024,全省,79,发布会,否\n"
                                                "beds_per_1000,2024,全省,8.02,示例数据（虚构）,是\n",
                                      province="mmr,2024,8.32,示例数据（虚构，仅供演示），全省公报\nmmr,2025,,待省公布\n"))
    by = {(r.indicator_id, r.year): r for r in refs}
    assert by[("life_expectancy", 2024)].decimals == 0 and not by[("life_expectancy", 2024)].sample
    assert by[("beds_per_1000", 2024)].sample and by[("beds_per_1000", 2024)].decimals == 2
    assert by[("mmr", 2024)].area == "全省" and by[("mmr", 2024)].sample  # province.csv: 示例数据 in the source
    assert ("mmr", 2025) not in by  # blank = not yet published, not 0


@pytest.mark.parametrize(("body", "words"), [
    ("imr,2024,全市,4.0,公报,否\n", ("第 2 行", "area", "全市")),
    ("imr,2024,全国,四点零,公报,否\n", ("第 2 行", "value", "四点零")),
    ("imr,2024,全国,4.0,,否\n", ("第 2 行", "source")),
])
def test_bad_rows_name_the_row_and_column(tmp_path: Path, body: str, words: tuple[str, ...]) -> None:
    with pytest.raises(UserError) as exc:
        cmp.load_comparison(_write(tmp_path, body))
    assert all(w in str(exc.value) for w in words)
