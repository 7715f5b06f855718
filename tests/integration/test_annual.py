"""统计报告及提要（annual_report）：换一年只改 params.yaml；数字与由样例文件独立计算的结果一致；缺少输入时列出
全部缺少的文件；输出可复现；样例年报与月报一致、可由生成器逐字节重建。"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from pipeline.annual import indicators as annual
from pipeline.annual import report as annual_report
from pipeline.errors import UserError
from pipeline.io_utils import write_csv
from pipeline.life import expectancy as le
from pipeline.sample import annual as annual_sample
from tests.helpers import REPO

ORG = "岳阳市卫生健康委员会"
CITY = "430600"
YEARS = (2024, 2025)


def _copy_inputs(dest: Path) -> Path:
    for rel in ("dvc.yaml", "params.yaml"):
        shutil.copy2(REPO / rel, dest / rel)
    shutil.copytree(REPO / "data" / "reference", dest / "data" / "reference")
    shutil.copytree(REPO / "data" / "raw" / "annual", dest / "data" / "raw" / "annual")
    return dest


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project root with the sample city's annual inputs and the life-expectancy summary for 2025."""
    root = _copy_inputs(tmp_path_factory.mktemp("annual_project"))
    result = le.compute(le.LifeExpectancyParams(year=2025), root)
    write_csv(le.summary_frame(result), root / "reports" / "life_expectancy" / "2025" / "summary.csv")
    return root


def _set_year(root: Path, year: int) -> None:
    params = root / "params.yaml"
    text = params.read_text(encoding="utf-8")
    new = re.sub(r"(\nannual:[^\n]*\n\s+year:\s*)\d{4}", rf"\g<1>{year}", text)
    assert new != text or f"year: {year}" in text
    params.write_text(new, encoding="utf-8")


def _cli(root: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(REPO)  # the package under test, also for the notebook's kernel
    return subprocess.run([sys.executable, "-m", "pipeline", "annual-report"], cwd=root, env=env, check=False,
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def reports(project: Path) -> dict[int, Path]:
    """The report for each sample year, made by changing only annual.year in params.yaml."""
    out = {}
    for year in YEARS:
        _set_year(project, year)
        proc = _cli(project)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out[year] = project / "reports" / "annual" / str(year)
    return out


# ---------------------------------------------------------------- independent computations from the files


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _hospital_codes() -> set[str]:
    return {r["type_code"] for r in _rows(REPO / "pipeline" / "catalogues" / "institution_types.csv")
            if r["type_group"] == "医院"}


def _population(root: Path, year: int) -> float:
    return next(float(r["population"]) for r in _rows(root / "data/reference/population.csv")
                if r["region_code"] == CITY and int(r["year"]) == year)


def _cpi(root: Path) -> dict[int, float]:
    return {int(r["year"]): float(r["cpi_prev_year_100"]) for r in _rows(root / "data/reference/cpi_medical.csv")}


def _independent(root: Path, year: int) -> dict[str, float]:
    d = root / "data" / "raw" / "annual" / str(year)
    hosp = _hospital_codes()
    inst = _rows(d / "annual_report.csv")
    total = defaultdict(float)
    h = defaultdict(float)
    for r in inst:
        for k in ("visits", "discharges", "beds", "doctors", "gps", "nurses", "occupied_bed_days", "open_bed_days",
                  "outpatient_revenue", "inpatient_revenue"):
            total[k] += float(r[k])
            if r["type_code"] in hosp:
                h[k] += float(r[k])
    pop = _population(root, year)
    mc = _rows(d / "maternal_child.csv")
    births = sum(float(r["live_births"]) for r in mc)
    ncd = defaultdict(lambda: [0.0, 0.0])
    for r in _rows(d / "deaths_by_cause.csv"):
        cell = ncd[int(r["age"])]
        cell[0] += float(r["population"])
        cell[1] += sum(float(r[c]) for c in ("cardiovascular", "cancer", "diabetes", "chronic_respiratory"))
    survival = 1.0
    for age in range(30, 70, 5):
        m = ncd[age][1] / ncd[age][0]
        survival *= 1 - 5 * m / (1 + 2.5 * m)
    return {
        "institutions": float(len(inst)),
        "visits": total["visits"],
        "discharges": total["discharges"],
        "beds_per_1000": total["beds"] / pop * 1000,
        "doctors_per_1000": total["doctors"] / pop * 1000,
        "gps_per_10000": total["gps"] / pop * 10000,
        "hosp_bed_use_rate": h["occupied_bed_days"] / h["open_bed_days"] * 100,
        "hosp_outpatient_cost": h["outpatient_revenue"] * 1000 / h["visits"],
        "hosp_inpatient_cost": h["inpatient_revenue"] * 1000 / h["discharges"],
        "mmr": sum(float(r["maternal_deaths"]) for r in mc) / births * 1e5,
        "imr": sum(float(r["infant_deaths"]) for r in mc) / births * 1e3,
        "u5mr": sum(float(r["under5_deaths"]) for r in mc) / births * 1e3,
        "premature_ncd_mortality": (1 - survival) * 100,
        "health_literacy": float(_rows(d / "survey.csv")[0]["health_literacy_pct"]),
    }


def _csv_value(path: Path, indicator: str, breakdown: str = "total", region: str = CITY,
               column: str = "value") -> float | None:
    df = pl.read_csv(path, schema_overrides={"region_code": pl.Utf8})
    hit = df.filter((pl.col("indicator_id") == indicator) & (pl.col("breakdown_id") == breakdown)
                    & (pl.col("region_code") == region))
    assert hit.height == 1, (indicator, breakdown, region)
    return hit[column][0]


# ---------------------------------------------------------------- switching the year


@pytest.mark.parametrize("year", YEARS)
def test_switching_year_gives_that_years_report_with_independent_numbers(project: Path, reports: dict[int, Path],
                                                                         year: int) -> None:
    out = reports[year]
    for name in ("report.html", "report.pdf", "tables.xlsx", "indicators.csv", "monitoring.csv", "summary.csv",
                 "annual_report.ipynb"):
        assert (out / name).stat().st_size > 0, name
    ind = out / "indicators.csv"
    assert pl.read_csv(ind)["year"].unique().to_list() == [year]
    expected = _independent(project, year)
    mapping = {"institutions": ("institutions", "total"), "visits": ("visits", "total"),
               "discharges": ("discharges", "total"), "beds_per_1000": ("beds_per_1000", "total"),
               "doctors_per_1000": ("doctors_per_1000", "total"), "gps_per_10000": ("gps_per_10000", "total"),
               "hosp_bed_use_rate": ("bed_use_rate", "hosp"), "hosp_outpatient_cost": ("outpatient_cost", "hosp"),
               "hosp_inpatient_cost": ("inpatient_cost", "hosp"), "mmr": ("mmr", "total"), "imr": ("imr", "total"),
               "u5mr": ("u5mr", "total"), "premature_ncd_mortality": ("premature_ncd_mortality", "total"),
               "health_literacy": ("health_literacy", "total")}
    for key, (indicator, bd) in mapping.items():
        assert _csv_value(ind, indicator, bd) == pytest.approx(expected[key], rel=1e-12), key
    # growth at comparable prices: deflate both years by the chained medical-care CPI
    prev = _independent(project, year - 1)
    cpi = _cpi(project)
    real_growth = (expected["hosp_inpatient_cost"] / prev["hosp_inpatient_cost"] / (cpi[year] / 100) - 1) * 100
    assert _csv_value(ind, "inpatient_cost_comparable", "hosp", column="change") == pytest.approx(real_growth, rel=1e-9)
    nominal = (expected["hosp_inpatient_cost"] / prev["hosp_inpatient_cost"] - 1) * 100
    assert _csv_value(ind, "inpatient_cost", "hosp", column="change") == pytest.approx(nominal, rel=1e-9)
    # life expectancy from the life-expectancy stage's summary (its year and its e0_previous)
    summary = {r["sex"]: r for r in _rows(project / "reports/life_expectancy/2025/summary.csv")
               if r["region_code"] == CITY}
    e0 = float(summary["合计"]["e0"] if year == 2025 else summary["合计"]["e0_previous"])
    assert _csv_value(ind, "life_expectancy") == pytest.approx(e0, rel=1e-12)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"岳阳市{year}年卫生健康统计报告及提要" in html
    assert f"{year}年末，全市医疗卫生机构总数{int(expected['institutions']):,}个" in html
    assert f"总诊疗人次{expected['visits'] / 1e4:.1f}万人次" in html


def test_monitoring_statuses_of_the_sample_years(reports: dict[int, Path]) -> None:
    def statuses(year: int) -> dict[str, str]:
        df = pl.read_csv(reports[year] / "monitoring.csv").filter(pl.col("year") == year)
        return dict(zip(df["indicator_id"].to_list(), df["status"].to_list()))

    s25 = statuses(2025)  # the plan's last year: 终期评估
    assert s25["gps_per_10000"] == "未实现"  # 约束性, 3.87 < 3.93
    assert s25["beds_per_1000"] == "已实现"
    assert s25["imr"] == "已实现" and s25["mmr"] == "无数据"  # province's 2025 MMR not published
    assert s25["oop_share"] == "无数据"  # 卫生总费用核算 待省公布
    assert s25["public_health_staff_per_1000"] == "已实现"  # 增长30%
    assert s25["premature_ncd_mortality"] == "未实现"
    assert set(s25.values()) <= {"已实现", "未实现", "无数据"}
    s24 = statuses(2024)
    assert "达到序时进度" in s24.values()
    assert s24["mmr"] == "未达序时进度"  # 8.60 is not better than the province's 8.32
    first = pl.read_csv(reports[2025] / "monitoring.csv")["indicator_id"].unique(maintain_order=True).to_list()
    assert first[:2] == ["gps_per_10000", "oop_share"]  # 约束性 first


def test_tables_xlsx_has_the_monitoring_sheet_with_colours(reports: dict[int, Path]) -> None:
    wb = load_workbook(reports[2025] / "tables.xlsx")
    sheet = next(ws for ws in wb.worksheets if "十四五" in str(ws["A1"].value))
    header = [c.value for c in sheet[3]]
    col = header.index("状态") + 1
    cells = [sheet.cell(row=r, column=col) for r in range(4, sheet.max_row + 1) if sheet.cell(row=r, column=col).value]
    assert {c.value.split(" ", 1)[1] for c in cells} <= {"已实现", "未实现", "无数据"}  # 2025: 终期评估
    assert "终期评估" in str(sheet["A1"].value) and "与目标差距" in header
    behind = next(c for c in cells if "未实现" in c.value)
    assert behind.font.color.rgb.endswith("C00000")


# ---------------------------------------------------------------- missing inputs


def test_missing_inputs_are_all_listed(tmp_path: Path) -> None:
    root = _copy_inputs(tmp_path)
    paths = annual.AnnualPaths(raw=root / "data/raw/annual", reference=root / "data/reference")
    (root / "data/raw/annual/2025/maternal_child.csv").unlink()
    (root / "data/raw/annual/2025/survey.csv").unlink()
    missing = annual.missing_inputs(paths, annual.AnnualSettings(2025))
    assert len(missing) == 2
    assert any("2025/maternal_child.csv" in m for m in missing) and any("2025/survey.csv" in m for m in missing)
    missing_2026 = annual.missing_inputs(paths, annual.AnnualSettings(2026))
    for name in ("annual_report.csv", "maternal_child.csv", "deaths_by_cause.csv", "survey.csv", "childcare.csv",
                 "health_accounts.csv"):
        assert any(f"2026/{name}" in m for m in missing_2026), name
    assert any("population.csv 中 2026 年" in m for m in missing_2026)
    assert any("cpi_medical.csv 中 2026 年" in m for m in missing_2026)
    assert len(missing_2026) == 8
    with pytest.raises(UserError, match="2026 年统计报告缺少以下 8 项输入"):
        annual.check_inputs(paths, annual.AnnualSettings(2026))


def test_cli_reports_missing_inputs_before_starting_a_kernel(tmp_path: Path) -> None:
    root = _copy_inputs(tmp_path)
    _set_year(root, 2026)
    proc = _cli(root)
    assert proc.returncode == 1
    assert "2026 年统计报告缺少以下 8 项输入" in proc.stderr
    assert "data/raw/annual/2026/annual_report.csv（机构年报）" in proc.stderr
    assert not (root / "reports" / "annual" / "2026").exists()


# ---------------------------------------------------------------- determinism


def _tree(path: Path) -> dict[str, str]:
    return {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def test_same_inputs_give_byte_identical_outputs(project: Path, tmp_path: Path) -> None:
    trees = []
    for run in ("a", "b"):
        doc = annual_report.build_annual(
            year=2025, raw_dir=project / "data/raw/annual", reference_dir=project / "data/reference",
            life_expectancy_dir=project / "reports/life_expectancy/2025", out_dir=tmp_path / run, org_name=ORG,
            price_base_year=2020)
        annual_report.render_annual(doc, backend="pandoc")
        trees.append(_tree(tmp_path / run))
    assert trees[0] == trees[1]
    assert {"report.html", "report.pdf", "tables.xlsx", "indicators.csv", "source/report.md"} <= set(trees[0])


def test_without_life_expectancy_the_report_says_so(project: Path, tmp_path: Path) -> None:
    doc = annual_report.build_annual(
        year=2025, raw_dir=project / "data/raw/annual", reference_dir=project / "data/reference",
        life_expectancy_dir=None, out_dir=tmp_path / "out", org_name=ORG, price_base_year=2020)
    assert "人均预期寿命测算结果尚未提供" in doc.markdown
    status = {r.target.indicator_id: r.assessment.status for r in doc.monitoring_rows}
    assert status["life_expectancy"] == "无数据"


# ---------------------------------------------------------------- the sample data


def _monthly_sums() -> tuple[dict[tuple[int, str], dict[str, float]], dict[tuple[int, str], dict[str, float]]]:
    """Σ of the monthly exports per (year, org) and the December stocks, latest submission per month."""
    from python_calamine import CalamineWorkbook

    flows: dict[tuple[int, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    december: dict[tuple[int, str], dict[str, float]] = {}
    for path in sorted((REPO / "data" / "raw").glob("20??-??/*.xlsx")):
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        header = [str(h) for h in rows[2]]
        latest: dict[str, dict[str, object]] = {}
        for values in rows[3:]:
            rec = dict(zip(header, values))
            code = str(rec["统一社会信用代码"])
            stamp = datetime.strptime(str(rec["上报时间"]), "%Y-%m-%d %H:%M:%S")
            if code not in latest or stamp >= latest[code]["_t"]:  # type: ignore[operator]
                latest[code] = {**rec, "_t": stamp}
        period = path.parent.name
        year = int(period[:4])
        for code, rec in latest.items():
            acc = flows[(year, code)]
            for label, key in (("总诊疗人次数", "visits"), ("出院人数", "discharges"), ("医疗收入", "medical_revenue"),
                               ("实际开放总床日数", "open_bed_days")):
                acc[key] += float(rec[label])  # type: ignore[arg-type]
            if period.endswith("-12"):
                december[(year, code)] = {"beds": float(rec["实有床位"]),  # type: ignore[arg-type]
                                          "health_techs": float(rec["卫生技术人员"]),  # type: ignore[arg-type]
                                          "doctors": float(rec["执业(助理)医师"])}  # type: ignore[arg-type]
    return flows, december


def test_sample_annual_report_agrees_with_the_monthly_exports() -> None:
    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    defect = re.search(r"^\| 2025 \| `(\w{18})` \|", readme, re.MULTILINE)
    missing = re.search(r"漏报（不漏报） \| 2025-12 \| `(\w{18})`", readme)
    assert defect and missing
    flows, december = _monthly_sums()
    off: set[tuple[int, str]] = set()
    checked = 0
    for year in YEARS:
        for r in _rows(REPO / "data" / "raw" / "annual" / str(year) / "annual_report.csv"):
            key = (year, r["org_code"])
            if key not in flows:
                continue  # not a monthly reporter
            checked += 1
            m = flows[key]
            for item in ("visits", "discharges", "medical_revenue", "open_bed_days"):
                base = m[item]
                if base and abs(float(r[item]) - base) / base > 0.03:
                    off.add(key)
                elif not base:
                    assert float(r[item]) == 0
            if key in december:
                assert {k: float(r[k]) for k in december[key]} == december[key], key
    assert checked > 800
    assert off == {(2025, defect.group(1)), (2025, missing.group(1))}  # the planted defect; the 漏报 month


def test_sample_generator_rebuilds_the_committed_files(tmp_path: Path) -> None:
    (tmp_path / "data" / "reference").mkdir(parents=True)
    shutil.copy2(REPO / "data/reference/population.csv", tmp_path / "data/reference/population.csv")
    for year in YEARS:
        (tmp_path / f"data/raw/annual/{year}").mkdir(parents=True)
        shutil.copy2(REPO / f"data/raw/annual/{year}/life_deaths.csv", tmp_path / f"data/raw/annual/{year}")
    summary = annual_sample.generate_annual(tmp_path)
    assert summary.bytes_total < 4_000_000
    for rel in summary.files:
        assert (tmp_path / rel).read_bytes() == (REPO / rel).read_bytes(), rel
    section = (tmp_path / "data/README.md").read_text(encoding="utf-8")
    assert annual_sample.README_BEGIN in section and section.count(annual_sample.README_BEGIN) == 1
    again = annual_sample.generate_annual(tmp_path)
    assert again == summary
    assert (tmp_path / "data/README.md").read_text(encoding="utf-8") == section
    # the calibration hits the 十四五 baselines of domain.md §6 for 2020
    city = {(k, y): v for k, y, v in summary.city_values}
    for key, base in (("beds", 7.62), ("doctors", 2.71), ("nurses", 3.14), ("tcm_doctors", 0.37),
                      ("pharmacists", 0.29), ("public_health_staff", 0.98), ("gps", 2.54)):
        assert math.floor(city[(key, 2020)] * 100 + 0.5) / 100 == pytest.approx(base), key
