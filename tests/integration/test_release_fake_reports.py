"""`release` on small hand-made report folders (fast): determinism, optional editions (the annual report),
revisions of editions without an indicator table, and the refusals (a leak, a tampered version)."""

from __future__ import annotations

import csv
import hashlib
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline.errors import UserError
from pipeline.release import catalogue as release_catalogue
from pipeline.release import publish as release
from pipeline.render.xlsx import save_workbook
from tests.helpers import REPO

PARAMS = {"period": "2025-12", "life_expectancy.year": 2025}
HTML = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>{t}</title></head><body><p>{t}</p></body></html>"


def _registry() -> list[dict[str, str]]:
    with (REPO / "data/reference/registry.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _xlsx(path: Path, cells: list[str]) -> None:
    wb = openpyxl.Workbook()
    for i, value in enumerate(cells, start=1):
        wb.active.cell(row=i, column=1, value=value)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)


def _edition(folder: Path, title: str, tidy: str = "indicators.csv", xlsx: str = "tables.xlsx") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.html").write_text(HTML.format(t=title), encoding="utf-8")
    (folder / "report.pdf").write_bytes(b"%PDF-1.7 " + title.encode())
    (folder / "source").mkdir(exist_ok=True)
    (folder / "source" / "report.md").write_text(title, encoding="utf-8")
    (folder / "notebook.ipynb").write_text("{}", encoding="utf-8")
    _xlsx(folder / xlsx, [title])
    if tidy == "indicators.csv":
        (folder / tidy).write_text(
            "period,period_type,period_label,indicator_id,indicator,unit,breakdown_id,breakdown,region_code,region,"
            "value,base_value,change,change_unit\n"
            "2025-12,本月,2025年12月,visits,总诊疗人次数,人次,total,总计,430600,岳阳市,1000.0,900.0,11.1,%\n",
            encoding="utf-8")
    else:
        (folder / tidy).write_text("year,level,region_code,region_name,sex,e0\n2025,全市,430600,岳阳市,合计,78.22\n",
                                   encoding="utf-8")


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    (root / "data/reference").mkdir(parents=True)
    for name in ("regions.csv", "registry.csv"):
        shutil.copy(REPO / "data/reference" / name, root / "data/reference" / name)
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    regions = release_catalogue.read_region_codes(root / "data/reference/regions.csv")
    rows = _registry()
    _edition(root / "reports/monthly/2025-12", "全市月报")
    for code, name in regions.items():
        _edition(root / f"reports/county/2025-12/{code}", f"{name}月报")
        own = next(r for r in rows if r["region_code"] == code)
        _xlsx(root / f"reports/qc/2025-12/counties/{code}.xlsx", [own["org_code"], own["name"]])
    qc = root / "reports/qc/2025-12"
    (qc / "bulletin_internal.html").write_text(HTML.format(t=rows[0]["name"]), encoding="utf-8")
    (qc / "bulletin_internal.pdf").write_bytes(b"%PDF-1.7 bulletin")
    _edition(root / "reports/life_expectancy/2025", "预期寿命", tidy="summary.csv", xlsx="life_tables.xlsx")
    return root


def _release(root: Path, releases: Path | None = None, params: dict | None = None) -> tuple[release.ReleaseSummary,
                                                                                              list[str]]:
    lines: list[str] = []
    summary = release.run_release(
        root=root, releases=releases or root / "releases", params=params or PARAMS,
        catalogue=release_catalogue.load(regions_path=root / "data/reference/regions.csv"),
        registry_path=root / "data/reference/registry.csv", regions_path=root / "data/reference/regions.csv",
        log=lines.append)
    return summary, lines


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_inputs_same_bytes_and_annual_skipped_when_absent(project):
    summary, lines = _release(project, project / "a")
    _release(project, project / "b")
    a, b = _tree(project / "a"), _tree(project / "b")
    assert a == b  # manifests, SHA256SUMS, zips, index: all byte-identical
    assert any("年报" in line and "跳过" in line for line in lines)
    assert "monthly/2025-12/v1/report.html" in a and not any(k.startswith("annual/") for k in a)
    assert not any("source/" in k or k.endswith(".ipynb") for k in a)
    with zipfile.ZipFile(project / "a/bundles/2025-12/leadership-2025-12-v1.zip") as zf:
        assert "卫生健康统计年报（统计报告及提要）：本期没有发布" in zf.read("README.txt").decode("utf-8-sig")
    assert all(r.status == "new" for r in summary.released)
    # read-only once released
    assert not (project / "a/monthly/2025-12/v1/report.pdf").stat().st_mode & 0o222


def test_annual_report_is_released_when_it_appears(project):
    _release(project)
    _edition(project / "reports/annual/2025", "年报")
    summary, _ = _release(project)
    annual = [r for r in summary.released if r.instance.edition.id == "annual"]
    assert [(r.status, r.version) for r in annual] == [("new", 1)]
    assert (project / "releases/annual/2025/v1/indicators.csv").is_file()  # an optional file, present
    for recipient in ("county-430621", "leadership", "unit-cdc"):
        with zipfile.ZipFile(project / f"releases/bundles/2025-12/{recipient}-2025-12-v2.zip") as zf:
            assert "annual/2025/v1/report.pdf" in zf.namelist()
    assert "卫生健康统计年报" in (project / "releases/index.html").read_text(encoding="utf-8")


def test_revision_without_an_indicator_table_and_of_life_tables(project):
    _release(project)
    (project / "reports/qc/2025-12/bulletin_internal.pdf").write_bytes(b"%PDF-1.7 bulletin, corrected")
    (project / "reports/life_expectancy/2025/summary.csv").write_text(
        "year,level,region_code,region_name,sex,e0\n2025,全市,430600,岳阳市,合计,78.31\n", encoding="utf-8")
    summary, _ = _release(project)
    statuses = {r.instance.rel_dir: (r.status, r.version) for r in summary.released}
    assert statuses["qc_internal/2025-12"] == ("revision", 2)
    assert statuses["life_expectancy/2025"] == ("revision", 2)
    assert statuses["monthly/2025-12"] == ("unchanged", 1)
    qc_md = (project / "releases/qc_internal/2025-12/v2/CHANGES.md").read_text(encoding="utf-8")
    assert "没有可逐项比较的指标表" in qc_md and "| bulletin_internal.pdf | 修改 |" in qc_md
    le_md = (project / "releases/life_expectancy/2025/v2/CHANGES.md").read_text(encoding="utf-8")
    assert "| 岳阳市 合计 | 出生时预期寿命(岁) | 78.22 | 78.31 |" in le_md
    # only recipients of those editions get a new bundle
    bundles = project / "releases/bundles/2025-12"
    assert (bundles / "leadership-2025-12-v2.zip").is_file() and (bundles / "unit-cdc-2025-12-v2.zip").is_file()
    assert not (bundles / "county-430621-2025-12-v2.zip").exists()


def test_a_leak_stops_the_release_before_anything_is_written(project):
    other = next(r for r in _registry() if r["region_code"] == "430623")
    html = project / "reports/county/2025-12/430621/report.html"
    html.write_text(HTML.format(t=f"附表：{other['name']}"), encoding="utf-8")
    _xlsx(project / "reports/qc/2025-12/counties/430621.xlsx", [other["org_code"]])
    with pytest.raises(UserError) as err:
        _release(project)
    text = str(err.value)
    assert "保密检查未通过" in text and other["name"] in text and other["org_code"] in text
    assert not (project / "releases").exists() or not any((project / "releases").rglob("*.zip"))


def test_a_tampered_version_stops_the_next_release(project):
    _release(project)
    pdf = project / "releases/monthly/2025-12/v1/report.pdf"
    pdf.chmod(0o644)
    pdf.write_bytes(pdf.read_bytes() + b"x")
    (project / "reports/monthly/2025-12/report.pdf").write_bytes(b"%PDF-1.7 new")
    with pytest.raises(UserError, match="已发布的版本被改动过"):
        _release(project)
    assert not (project / "releases/monthly/2025-12/v2").exists()


def test_missing_report_folder_is_a_chinese_error(project):
    shutil.rmtree(project / "reports/county/2025-12/430621")
    with pytest.raises(UserError, match="找不到报告目录 reports/county/2025-12/430621"):
        _release(project)
