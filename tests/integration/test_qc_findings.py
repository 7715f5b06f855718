"""What ingest finds reaches the QC 通报: a conflicting duplicate is a FAIL and not 漏报, a wrong check character is
a WARN, an applied correction is listed in official wording — in the bulletin HTML and in the county workbooks.

The fixture (tests/fixtures/qc/findings/) is written by hand; its README gives the expected outcome worked out by
hand (check characters by the GB 32100 formula)."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.ingest import exports as ingest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "qc" / "findings"
A, B, C = "12430602MB1F00010Y", "12430602MB1F000201", "12430621MB1F00030H"

pytestmark = pytest.mark.skipif(not (REPO / ".cache" / "fonts").is_dir(), reason="fonts not prepared")


class _Tables(HTMLParser):
    """Text of the document and the cells of every table row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.text: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("findings")
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy2(REPO / name, root / name)
    ref = root / "data" / "reference"
    ref.mkdir(parents=True)
    for name in ("regions.csv", "registry.csv"):
        shutil.copy2(FIXTURE / name, ref / name)
    result = ingest.ingest(FIXTURE / "raw", progress=False, regions=FIXTURE / "regions.csv",
                           corrections=FIXTURE / "corrections")
    ingest.write_outputs(result, root / "data" / "interim")
    mp = pytest.MonkeyPatch()
    try:
        mp.chdir(root)
        mp.setenv("PYTHONPATH", str(REPO))
        run = CliRunner().invoke(app, ["qc", "--backend", "pandoc"])
    finally:
        mp.undo()
    assert run.exit_code == 0, run.output
    return root, run.output


def test_ingest_holds_both_conflicting_rows_and_says_where(project):
    root, _ = project
    quarantine = pl.read_parquet(root / "data" / "interim" / "quarantine.parquet")
    held = quarantine.filter(pl.col("org_code") == A)
    assert held["row"].to_list() == [2, 3]
    canonical = pl.read_parquet(root / "data" / "interim" / "canonical.parquet")
    assert canonical.select("org_code", "visits").rows() == [(B, 80.0), (C, 55.0)]  # C corrected 50 → 55
    report = json.loads((root / "data" / "interim" / "ingest_report.json").read_text(encoding="utf-8"))
    group, = report["conflict_groups"]
    assert (group["org_code"], group["period"], group["submitted_at"]) == (A, "2025-10", "2025-11-05 10:00:00")
    assert group["items"] == ["总诊疗人次数"] and [p.split("第 ")[1] for p in group["places"]] == ["2 行", "3 行"]


def test_conflict_is_a_fail_and_not_missing(project):
    root, output = project
    results = pl.read_parquet(root / "data" / "qc" / "results.parquet")
    assert sorted(results.select("rule_id", "org_code", "severity").rows()) == [
        ("R006", A, "FAIL"), ("R007", B, "WARN"), ("R008", C, "INFO")]
    conflict = results.filter(pl.col("rule_id") == "R006").row(0, named=True)
    assert conflict["name"] == "甲医院" and conflict["region_code"] == "430602"
    for part in ("导出文件“月报”第2行、导出文件“月报”第3行", "总诊疗人次数", "请向机构核实", "不计漏报"):
        assert part in conflict["message"]
    # the message is printed in the 通报: it names the export as a reader would; the details keep the full location
    assert "/" not in conflict["message"] and ".csv" not in conflict["message"]
    assert "月报.csv 工作表“CSV”第 2 行" in conflict["values"]
    filing = pl.read_parquet(root / "data" / "qc" / "filing.parquet").filter(pl.col("org_code") == A).row(0, named=True)
    assert filing["filed"] and filing["on_time"] and filing["submissions"] == 2
    assert "应报 3 份，已报 3 份，上报率 100%" in output and "漏报 0，" in output
    assert "重复报送待核实 1（" in output and "机构代码校验码有误 1" in output and "数据更正 1 处" in output


def test_bulletin_html_lists_corrections_conflicts_and_check_characters(project):
    root, _ = project
    html = (root / "reports" / "qc" / "2025-12" / "bulletin_internal.html").read_text(encoding="utf-8")
    parser = _Tables()
    parser.feed(html)
    text = "".join(parser.text)
    assert "本期根据核实结果更正数据1处：丙医院（12430621MB1F00030H）2025年10月“总诊疗人次数”由 50 更正为 55" in text
    conflict = [r for r in parser.rows if "甲医院" in r]
    assert len(conflict) == 1 and A in conflict[0] and "上报时间相同（2025-11-05 10:00:00）" in conflict[0][-1]
    code = [r for r in parser.rows if "乙医院" in r]
    assert len(code) == 1 and "校验码应为“0”" in code[0][-1]
    missing = [r for r in parser.rows if r and r[0].startswith("漏报")]
    assert not any("甲医院" in " ".join(r) for r in missing)
    # the sample city has no corrections, so only this bulletin shows the corrections paragraph to the style checker
    # (it once named the corrections folder to readers)
    from pipeline.render import style_check

    folder = root / "reports" / "qc" / "2025-12"
    assert [f for name in ("bulletin_internal.html", "bulletin_internal.pdf")
            for f in style_check.check_file(folder / name)] == []


def _sheet_rows(path: Path, sheet: str) -> list[tuple]:
    ws = openpyxl.load_workbook(path)[sheet]
    header = next(i for i, row in enumerate(ws.iter_rows(values_only=True), 1) if row[0] == "报告期")
    return [row for row in ws.iter_rows(min_row=header + 1, values_only=True) if any(v is not None for v in row)]


def test_county_workbooks_carry_what_concerns_the_county(project):
    root, _ = project
    folder = root / "reports" / "qc" / "2025-12" / "counties"
    corrections = _sheet_rows(folder / "430621.xlsx", "数据更正")
    assert [r[:6] for r in corrections] == [("2025-10", C, "丙医院", "总诊疗人次数", "50", "55")]
    assert corrections[0][6:9] == ("漏统计一个分院（电话核实）", "王五", "2025-11-12")
    assert _sheet_rows(folder / "430602.xlsx", "数据更正")[0][0] == "本季度无此类问题。"
    codes = _sheet_rows(folder / "430602.xlsx", "机构代码问题")
    assert sorted((r[1], r[3]) for r in codes) == [(A, "重复报送待核实"), (B, "机构代码校验码")]
    assert _sheet_rows(folder / "430602.xlsx", "漏报")[0][0] == "本季度无此类问题。"
    assert _sheet_rows(folder / "430621.xlsx", "机构代码问题")[0][0] == "本季度无此类问题。"
