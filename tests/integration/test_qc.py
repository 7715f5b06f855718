"""The qc stage on the sample city: the three planted defects, county workbooks, determinism.

The stage runs twice through the CLI (papermill notebook, renderer, workbooks) in two temporary
project folders; every test below reads those outputs.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.ingest import exports as ingest
from pipeline.qc import checks as qc
from pipeline.sample import city as sample_data

REPO = Path(__file__).resolve().parents[2]
QUARTER = "2025-12"  # reports/qc/<period>/ holds the 2025Q4 通报 (quarter to date)
CODE_RE = re.compile(r"[0-9A-Z]{18}")
OUTPUTS = ("data/qc/results.parquet", "data/qc/filing.parquet", f"reports/qc/{QUARTER}/bulletin_internal.html",
           f"reports/qc/{QUARTER}/bulletin_internal.pdf", f"reports/qc/{QUARTER}/qc_report.ipynb")

pytestmark = pytest.mark.skipif(not (REPO / "data" / "reference" / "registry.csv").is_file(),
                                reason="sample data not generated")


def _project(root: Path, interim: Path) -> Path:
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    shutil.copytree(interim, root / "data" / "interim")
    for year_dir in sorted((REPO / "data" / "raw" / "annual").iterdir()):  # the annual reports (W008), as in dvc.yaml
        (root / "data" / "raw" / "annual" / year_dir.name).mkdir(parents=True)
        shutil.copy2(year_dir / "annual_report.csv", root / "data" / "raw" / "annual" / year_dir.name)
    return root


def _run_qc(project: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as m:
        m.chdir(project)
        m.setenv("PYTHONPATH", str(REPO))  # the notebook kernel imports pipeline from this checkout
        result = CliRunner().invoke(app, ["qc"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path, str]:
    interim = tmp_path_factory.mktemp("interim")
    ingest.write_outputs(ingest.ingest(REPO / "data" / "raw", progress=False), interim)
    mp = pytest.MonkeyPatch()
    try:
        a = _project(tmp_path_factory.mktemp("a"), interim)
        b = _project(tmp_path_factory.mktemp("b"), interim)
        out = _run_qc(a, mp)
        _run_qc(b, mp)
    finally:
        mp.undo()
    return a, b, out


@pytest.fixture(scope="module")
def defects(tmp_path_factory) -> dict[str, sample_data.PlantedDefect]:
    """The planted defects as the generator documents them (its registry must be the committed one)."""
    root = tmp_path_factory.mktemp("gen")
    summary = sample_data.generate(root, months=[], progress=False)
    assert (root / "data/reference/registry.csv").read_bytes() == (REPO / "data/reference/registry.csv").read_bytes()
    return {d.kind: d for d in summary.defects}


@pytest.fixture(scope="module")
def registry() -> pl.DataFrame:
    return qc.load_registry(REPO / "data" / "reference" / "registry.csv")


def test_finds_exactly_the_planted_defects(runs, defects):
    a, _, _ = runs
    results = pl.read_parquet(a / "data/qc/results.parquet")
    registry_issues = results.filter(pl.col("rule_id").str.starts_with("R"))
    got = set(registry_issues.select("rule_id", "period", "org_code").iter_rows())
    assert got == {
        ("R003", defects["duplicate"].period, defects["duplicate"].org_code),
        ("R002", defects["late"].period, defects["late"].org_code),
        ("R001", defects["missing"].period, defects["missing"].org_code),
    }
    late = registry_issues.filter(pl.col("rule_id") == "R002").row(0, named=True)
    assert defects["late"].submitted_at[0][:16] in late["message"]
    resub = registry_issues.filter(pl.col("rule_id") == "R003").row(0, named=True)
    assert all(t[:16] in resub["message"] for t in defects["duplicate"].submitted_at)
    # the sample data obeys every hard rule: no rule errors at all (no false positives)
    assert results.filter((pl.col("check") == "审核规则") & (pl.col("severity") == "FAIL")).height == 0


def test_annual_comparison_flags_only_the_planted_annual_defect(runs, defects):
    """W008 (12 monthly reports vs the annual report) on the sample city: only the planted defect of data/README.md
    §6.2 (2025 总诊疗 of one 卫生院 counts the health checks); 2024 agrees; the institution that did not file
    2025-12 (11 monthly months) is not compared. The issue is filed under 2025-12, so it is in the Q4 bulletin."""
    a, _, out = runs
    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    planted = re.search(r"^\| 2025 \| `(\w{18})` \| (\S+) \| \S+（(\d{6})） \| 2025 年年报总诊疗人次数 (\d+) .*?"
                        r"月报之和 (\d+) 多 ([\d.]+)%", readme, re.MULTILINE)
    assert planted
    code, name, county, annual_visits, monthly_visits, pct = planted.groups()
    results = pl.read_parquet(a / "data/qc/results.parquet")
    w008 = results.filter(pl.col("rule_id") == "W008")
    assert w008.select("period", "org_code", "name", "region_code", "severity").rows() == [
        ("2025-12", code, name, county, "WARN")]
    message = w008["message"][0]
    assert message == (f"2025年总诊疗人次数：年报 {annual_visits}，1–12月月报合计 {monthly_visits}，"
                       f"相差 +{int(annual_visits) - int(monthly_visits)}（+{pct}%），超过 ±3%")
    assert defects["missing"].org_code not in results.filter(pl.col("check") == "审核规则")["org_code"].to_list()
    assert "未核对" not in out  # both years' annual reports were read
    # the county workbook of the institution lists it among the 审核问题 to verify
    sheet = openpyxl.load_workbook(a / "reports/qc" / QUARTER / "counties" / f"{county}.xlsx")["审核问题"]
    listed = [row for row in sheet.iter_rows(values_only=True) if "W008" in row]
    assert len(listed) == 1 and code in listed[0] and message in listed[0] and listed[0][0] == "2025-12"


def test_clean_months_have_no_completeness_or_timeliness_issue(runs, defects):
    a, _, out = runs
    filing = pl.read_parquet(a / "data/qc/filing.parquet")
    defect_months = {d.period for d in defects.values()}
    clean = filing.filter(~pl.col("period").is_in(sorted(defect_months)))
    assert clean.height > 20 * 400
    assert clean["filed"].all() and clean["on_time"].all()
    q3 = qc.rates(filing.filter(pl.col("period").is_in(["2025-07", "2025-08", "2025-09"]))).row(0, named=True)
    assert q3["report_rate"] == 100.0 and q3["timely_rate"] == 100.0
    assert "上报率" in out and "及时率" in out and "FAIL" in out


def test_each_county_workbook_holds_only_its_own_institutions(runs, registry, defects):
    a, _, _ = runs
    region_of = dict(registry.select("org_code", "region_code").iter_rows())
    region_of_name = dict(registry.select("name", "region_code").iter_rows())
    folder = a / "reports/qc" / QUARTER / "counties"
    regions = pl.read_csv(REPO / "data/reference/regions.csv", schema_overrides={"region_code": pl.Utf8})
    expected_files = sorted(f"{c}.xlsx" for c in regions.filter(pl.col("region_kind") != "市")["region_code"])
    assert sorted(p.name for p in folder.iterdir()) == expected_files
    seen: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.xlsx")):
        county = path.stem
        codes: set[str] = set()
        for ws in openpyxl.load_workbook(path).worksheets:
            for row in ws.iter_rows(values_only=True):
                for cell in row:
                    if not isinstance(cell, str):
                        continue
                    for code in CODE_RE.findall(cell):
                        assert region_of.get(code) == county, f"{path.name}: {code} belongs to {region_of.get(code)}"
                        codes.add(code)
                    if cell in region_of_name:
                        assert region_of_name[cell] == county, f"{path.name}: {cell}"
        seen[county] = codes
    for d in defects.values():
        holders = {c for c, codes in seen.items() if d.org_code in codes}
        assert holders == {d.region_code}, d.kind


def test_outputs_are_byte_identical_across_runs(runs):
    a, b, _ = runs
    for rel in OUTPUTS:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    for path in sorted((a / "reports/qc" / QUARTER / "counties").glob("*.xlsx")):
        other = b / path.relative_to(a)
        assert path.read_bytes() == other.read_bytes(), path.name
        with zipfile.ZipFile(path) as zf:
            assert {i.date_time for i in zf.infolist()} == {(2024, 1, 1, 0, 0, 0)}
            core = zf.read("docProps/core.xml").decode()
            assert "2024-01-01T00:00:00Z" in core


def test_bulletin_content(runs, defects):
    a, _, _ = runs
    out = a / "reports/qc" / QUARTER
    html = (out / "bulletin_internal.html").read_text(encoding="utf-8")
    assert "数据质量通报" in html and "内部资料" in html
    assert str(a) not in html and "/tmp" not in html
    text = "".join(p.extract_text() for p in PdfReader(out / "bulletin_internal.pdf").pages)
    for d in defects.values():
        assert d.name in html
    for heading in ("各县市区上报情况和排名", "漏报和迟报", "审核规则问题", "与上季度比较", "三、工作要求"):
        assert heading in html and heading in text
