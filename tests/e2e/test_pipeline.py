"""The whole `dvc repro` on the sample city, in a temporary copy of the project."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import yaml
from pypdf import PdfReader

from pipeline import fonts
from tests.helpers import copy_project

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HEALTHSTATS_FONT_DIR"] = str(fonts.ensure_fonts())
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the tracked (and new, not ignored) files of the project, as a fresh git repo."""
    dest = tmp_path_factory.mktemp("city") / "project"
    copy_project(REPO, dest)
    _run(["dvc", "repro"], dest)
    return dest


def _period(project: Path) -> str:
    return str(yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))["period"])


def _raw_rows(project: Path) -> list[dict]:
    """Read every sample export independently of pipeline.ingest: header on row 3, latest submission wins."""
    latest: dict[tuple[str, str], dict] = {}
    for path in sorted((project / "data" / "raw").glob("*/*.xlsx")):
        ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        header = [str(h).strip() for h in rows[2]]
        for values in rows[3:]:
            rec = dict(zip(header, values))
            if not rec.get("统一社会信用代码"):
                continue
            key = (str(rec["统一社会信用代码"]).strip(), str(rec["报告期"]))
            stamp = datetime.strptime(str(rec["上报时间"]), "%Y-%m-%d %H:%M:%S")
            if key not in latest or stamp >= latest[key]["_t"]:
                latest[key] = {**rec, "_t": stamp}
    return list(latest.values())


def test_outputs_exist_and_are_clean(project):
    out = project / "reports" / "monthly" / _period(project)
    for name in ("report.html", "report.pdf", "indicators.csv"):
        assert (out / name).stat().st_size > 0, name
    html = (out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", html)
    assert not re.search(r"url\(\s*['\"]?https?://", html)
    assert "<svg" in html and "总诊疗人次" in html
    reader = PdfReader(out / "report.pdf")
    embedded = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            for desc_font in font.get("/DescendantFonts", [font]):
                desc = desc_font.get_object().get("/FontDescriptor")
                if desc and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.add(str(desc["/FontName"]))
    assert any("NotoSansSC" in name for name in embedded), embedded
    text = "".join(p.extract_text() for p in reader.pages)
    assert "总诊疗人次" in text and "病床使用率" in text


def test_headline_numbers_match_independent_computation(project):
    period = _period(project)
    year, month = int(period[:4]), int(period[5:])
    rows = _raw_rows(project)
    sums: dict[tuple[str, str], float] = defaultdict(float)
    for r in rows:
        p = str(r["报告期"])
        y, m = int(p[:4]), int(p[5:7])
        if y == year and m <= month:
            scope = ["all_cum"] + (["all_month"] if m == month else [])
            # 医院 = WS 218 A类 except A6 (疗养院, counted under 其他机构 in the national bulletins)
            code = str(r["机构类别代码"])
            hosp = code.startswith("A") and not code.startswith("A6")
            for s in scope:
                sums[(s, "visits")] += float(r["总诊疗人次数"])
                sums[(s, "discharges")] += float(r["出院人数"])
                if hosp:
                    sums[(s, "occ")] += float(r["实际占用总床日数"])
                    sums[(s, "open")] += float(r["实际开放总床日数"])
    csv = pl.read_csv(project / "reports" / "monthly" / period / "indicators.csv",
                      schema_overrides={"region_code": pl.Utf8})
    city = csv.filter((pl.col("region_code") == "430600"))

    def cell(ind, bd, pt):
        hit = city.filter((pl.col("indicator_id") == ind) & (pl.col("breakdown_id") == bd) & (pl.col("period_type") == pt))
        assert hit.height == 1
        return hit["value"][0]

    assert cell("visits", "total", "本月") == pytest.approx(sums[("all_month", "visits")], rel=1e-12)
    assert cell("visits", "total", "累计") == pytest.approx(sums[("all_cum", "visits")], rel=1e-12)
    assert cell("discharges", "total", "累计") == pytest.approx(sums[("all_cum", "discharges")], rel=1e-12)
    assert cell("bed_use_rate", "hosp", "累计") == pytest.approx(
        sums[("all_cum", "occ")] / sums[("all_cum", "open")] * 100, rel=1e-12
    )
    # the same headline figure printed in the report text, in 万人次 with one decimal
    html = (project / "reports" / "monthly" / period / "report.html").read_text(encoding="utf-8")
    wan = f"{sums[('all_cum', 'visits')] / 10000:.1f}"
    assert f"总诊疗人次达{wan}万人次" in html


def test_second_repro_is_noop_and_forced_rerun_is_byte_identical(project):
    period = _period(project)
    out = project / "reports" / "monthly" / period
    names = ("report.html", "report.pdf", "indicators.csv", "monthly_report.ipynb")
    before = {n: _sha(out / n) for n in names}
    proc = _run(["dvc", "repro"], project)
    assert "didn't change" in proc.stdout or "up to date" in proc.stdout, proc.stdout
    status = _run(["dvc", "status"], project)
    assert "up to date" in status.stdout, status.stdout
    _run(["dvc", "repro", "--force", "--no-run-cache"], project)
    after = {n: _sha(out / n) for n in names}
    assert after == before


def test_changing_period_gives_that_months_report(project):
    params = project / "params.yaml"
    original = params.read_text(encoding="utf-8")
    params.write_text(re.sub(r'period: "\d{4}-\d{2}"', 'period: "2025-06"', original), encoding="utf-8")
    try:
        proc = _run(["dvc", "repro"], project)
        assert "Running stage 'monthly_report'" in proc.stdout
        assert "Running stage 'ingest'" not in proc.stdout
        out = project / "reports" / "monthly" / "2025-06"
        assert (out / "report.pdf").stat().st_size > 0
        csv = pl.read_csv(out / "indicators.csv")
        assert csv["period"].unique().to_list() == ["2025-06"]
        assert "2025年1-6月" in (out / "report.html").read_text(encoding="utf-8")
    finally:
        params.write_text(original, encoding="utf-8")
