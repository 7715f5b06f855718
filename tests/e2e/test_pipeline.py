"""The whole `dvc repro` on the sample city, in a temporary copy of the project."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
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

from pipeline.render import fonts
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
    assert any("NotoSansSC-Bold" in name for name in embedded), embedded  # headings, table headers
    assert any("NotoSerifSC-Regular" in name for name in embedded), embedded  # body text
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
    # the city edition's 表1 prints the counts in 万人次: the hand sums ÷ 10000, half-up at one decimal, in the printed
    # table; the workbook holds the unrounded quotient with one decimal shown, under the same unit line
    from decimal import ROUND_HALF_UP, Decimal

    def in_wan(x: float) -> str:
        return f"{(Decimal(repr(x)) / 10000).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,}"

    table1 = html.split("表1　医疗卫生机构诊疗人次数", 1)[1].split("</table>", 1)[0]
    assert '<span class="unit">单位：万人次</span>' in table1
    total = re.findall(r"<td>([^<]*)</td>", next(line for line in table1.splitlines() if ">总计<" in line))
    assert (total[0], total[3]) == (in_wan(sums[("all_month", "visits")]), in_wan(sums[("all_cum", "visits")]))
    ws = openpyxl.load_workbook(project / "reports" / "monthly" / period / "tables.xlsx")["表1"]
    assert ws.cell(row=2, column=ws.max_column).value == "单位：万人次"
    row = next(r for r in ws.iter_rows(min_row=5) if r[0].value == "总计")
    assert row[1].value == pytest.approx(sums[("all_month", "visits")] / 10000, rel=1e-12)
    assert row[4].value == pytest.approx(sums[("all_cum", "visits")] / 10000, rel=1e-12)
    assert row[1].number_format == row[4].number_format == "#,##0.0"


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
        assert "2025年1—6月" in (out / "report.html").read_text(encoding="utf-8")
    finally:
        params.write_text(original, encoding="utf-8")


def test_annual_report_summary_headlines_match_its_tables(project):
    """The sample city's annual 统计报告及提要 (latest sample year): HTML, PDF and XLSX exist, and every headline
    figure of the 提要 text equals the corresponding cell of tables.xlsx, rounded as printed."""
    from decimal import ROUND_HALF_UP, Decimal

    year = int(yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))["annual"]["year"])
    out = project / "reports" / "annual" / str(year)
    for name in ("report.html", "report.pdf", "tables.xlsx", "indicators.csv", "monitoring.csv"):
        assert (out / name).stat().st_size > 0, name
    html = (out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", html)
    pdf_text = "".join(p.extract_text() for p in PdfReader(out / "report.pdf").pages)
    assert "提要" in pdf_text and "未实现" in pdf_text  # 2025, the plan's last year: 终期评估
    md = (out / "source" / "report.md").read_text(encoding="utf-8")
    summary = md.split("## 提要", 1)[1].split("\n## ", 1)[0]
    assert summary.strip() and summary in md
    wb = openpyxl.load_workbook(out / "tables.xlsx")

    def sheet(title_part):
        hits = [ws for ws in wb.worksheets if title_part in str(ws["A1"].value)]
        assert len(hits) == 1, title_part
        return hits[0]

    def cell(title_part, row_label, group=None, header=f"{year}年"):
        ws = sheet(title_part)
        groups, current = [], None
        for c in ws[3]:
            current = c.value if c.value not in (None, "") else (current if c.column > 1 else None)
            groups.append(current)
        headers = [c.value for c in ws[4]]
        cols = [i for i in range(1, len(headers)) if headers[i] == header and (group is None or groups[i] == group)]
        assert len(cols) == 1, (title_part, group, header)
        rows = [r for r in range(5, ws.max_row + 1) if str(ws.cell(row=r, column=1).value).strip("\u3000") == row_label]
        assert len(rows) == 1, (title_part, row_label)
        value = ws.cell(row=rows[0], column=cols[0] + 1).value
        assert isinstance(value, (int, float)), (title_part, row_label, group, header, value)
        return float(value)

    def found(pattern):
        m = re.search(pattern, summary)
        assert m, pattern
        return m

    def same(text, value, scale=1.0, sign=1):
        """The text's number (its word giving the sign) equals the table's value rounded half-up as printed."""
        text = text.replace(",", "")
        places = len(text.split(".")[1]) if "." in text else 0
        printed = Decimal(repr(value / scale)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        assert Decimal(text) * sign == printed, (text, value)

    resources, per_capita = "医疗卫生机构、床位和人员数", "每千常住人口卫生资源"
    same(found(r"医疗卫生机构总数([\d,]+)个").group(1), cell(resources, "总计", "机构数(个)"))
    same(found(r"其中：医院([\d,]+)个").group(1), cell(resources, "医院", "机构数(个)"))
    same(found(r"基层医疗卫生机构([\d,]+)个").group(1), cell(resources, "基层医疗卫生机构", "机构数(个)"))
    same(found(r"实有床位([\d,]+)张").group(1), cell(resources, "总计", "实有床位(张)"))
    same(found(r"卫生技术人员([\d,]+)人").group(1), cell(resources, "总计", "卫生技术人员(人)"))
    m = found(r"床位([\d.]+)张、执业\(助理\)医师([\d.]+)人、注册护士([\d.]+)人")
    same(m.group(1), cell(per_capita, "每千常住人口床位数(张)"))
    same(m.group(2), cell(per_capita, "每千常住人口执业(助理)医师数(人)"))
    same(m.group(3), cell(per_capita, "每千常住人口注册护士数(人)"))
    same(found(r"每万常住人口全科医生([\d.]+)人").group(1), cell(per_capita, "每万常住人口全科医生数(人)"))
    services = "诊疗人次数和住院服务量"  # counts in 万人次 / 万人 (the sheet's unit line), stored unrounded
    assert sheet(services).cell(row=2, column=sheet(services).max_column).value == "单位：万人次、万人"
    m = found(r"总诊疗人次([\d.]+)万人次，比上年(增长|下降)([\d.]+)%")
    same(m.group(1), cell(services, "总计", "总诊疗人次数"))
    same(m.group(3), cell(services, "总计", "总诊疗人次数", "比上年增长(%)"), sign=1 if m.group(2) == "增长" else -1)
    same(found(r"出院人数([\d.]+)万人").group(1), cell(services, "总计", "出院人数"))
    beds = "医院病床使用和医师工作负荷"
    same(found(r"医院病床使用率([\d.]+)%").group(1), cell(beds, "医院", "病床使用率(%)"))
    same(found(r"平均住院日([\d.]+)日").group(1), cell(beds, "医院", "出院者平均住院日"))
    costs = "医药费用"
    m = found(r"医院次均门诊费用([\d,.]+)元，按当年价格比上年(上涨|下降)([\d.]+)%，按可比价格(上涨|下降)([\d.]+)%")
    same(m.group(1), cell(costs, "医院", "次均门诊费用(元)"))
    same(m.group(3), cell(costs, "医院", "次均门诊费用(元)", "当年价格增长(%)"), sign=1 if m.group(2) == "上涨" else -1)
    same(m.group(5), cell(costs, "医院", "次均门诊费用(元)", "可比价格增长(%)"), sign=1 if m.group(4) == "上涨" else -1)
    m = found(r"人均住院费用([\d,.]+)元")
    same(m.group(1), cell(costs, "医院", "人均住院费用(元)"))
    health = "妇幼卫生与健康水平主要指标"
    same(found(r"人均预期寿命([\d.]+)岁").group(1), cell(health, "人均预期寿命(岁)"))
    same(found(r"孕产妇死亡率([\d.]+)/10万").group(1), cell(health, "孕产妇死亡率(1/10万)"))
    same(found(r"婴儿死亡率([\d.]+)‰").group(1), cell(health, "婴儿死亡率(‰)"))
    same(found(r"5岁以下儿童死亡率([\d.]+)‰").group(1), cell(health, "5岁以下儿童死亡率(‰)"))
    public = "疾病控制与公共卫生主要指标"
    same(found(r"重大慢性病过早死亡率([\d.]+)%").group(1), cell(public, "重大慢性病过早死亡率(%)"))
    same(found(r"居民健康素养水平([\d.]+)%").group(1), cell(public, "居民健康素养水平(%)"))
    # the 终期评估 counts in the 提要 equal the statuses listed in the monitoring sheet
    ws = sheet("终期评估")
    col = [c.value for c in ws[3]].index("状态") + 1
    statuses = [str(ws.cell(row=r, column=col).value).split(" ", 1)[1] for r in range(4, ws.max_row + 1)
                if ws.cell(row=r, column=col).value]
    m = found(r"已实现规划目标(\d+)项，未实现(\d+)项（其中约束性\d+项），无数据(\d+)项")
    counted = [statuses.count(s) for s in ("已实现", "未实现", "无数据")]
    assert [int(g) for g in m.groups()] == counted
    assert sum(counted) == len(statuses) > 10


def test_release_runs_when_releases_folder_is_absent(project):
    """A fresh clone has the committed dvc.lock but no releases/: the release stage must still run.
    (Its reports are byte-identical to the ones the lock recorded, so only its own output tells DVC.)"""
    shutil.rmtree(project / "releases")
    proc = _run(["dvc", "repro"], project)
    assert "Running stage 'release'" in proc.stdout, proc.stdout
    assert (project / "releases" / "index.html").stat().st_size > 0
    assert "Running stage 'ingest'" not in proc.stdout


def test_every_report_and_the_release_index_pass_the_style_checker(project):
    """Reader text of every produced HTML and PDF (five report kinds, county editions) and the release index:
    no paths or program words, no English outside the allow-list, no '+3.2', no hyphen ranges, no 比上年持平,
    no paragraph repeated verbatim."""
    from pipeline.render import style_check

    reports = sorted(p.relative_to(project).as_posix() for p in (project / "reports").rglob("*.pdf"))
    assert any(r.startswith("reports/qc/") for r in reports) and any(r.startswith("reports/annual/") for r in reports)
    found = style_check.check_reports(project / "reports")
    found += style_check.check_release_index(project / "releases" / "index.html")
    for page in sorted((project / "releases" / "data_catalogue").rglob("*.html")):  # the data dictionary
        found += style_check.check_file(page, check_repeats=False)
    assert not found, "\n".join(map(str, found[:30]))
    # the masthead is the same text in the PDF and the HTML of the city report
    html = (project / f"reports/monthly/{_period(project)}/report.html").read_text(encoding="utf-8")
    pdf_text = "".join(PdfReader(project / f"reports/monthly/{_period(project)}/report.pdf").pages[0].extract_text()
                       .split())
    masthead = re.search(r'<p class="masthead">([^<]*)</p>', html)
    assert masthead and "".join(masthead.group(1).split()) in pdf_text


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="未安装 Chromium（/usr/bin/chromium），跳过报告页面的"
                                                              "浏览器测量；安装：apt-get install -y chromium")
def test_report_pages_on_a_phone_and_a_desktop(project):
    """Headless Chromium at 390 px and 1280 px over one report of each kind (and one county edition): no page wider
    than the screen, no table wider than the screen without a sticky stub, no header word laid out on two lines,
    no chart text under 11 px (tests/layout_probe.py)."""
    from tests.chromium import Browser
    from tests.layout_probe import WIDTHS, measure, problems

    reports = project / "reports"
    pages = [reports / f"monthly/{_period(project)}/report.html",
             sorted((reports / "county").glob("*/*/report.html"))[0],
             *sorted((reports / "qc").glob("*/bulletin_internal.html")),
             *sorted((reports / "life_expectancy").glob("*/report.html")),
             *sorted((reports / "annual").glob("*/report.html"))]
    found, words = [], 0
    with Browser() as browser:
        for page in pages:
            for width in WIDTHS:
                m = measure(browser, page, width)
                words += m["headerWords"]
                found += [f"{page.relative_to(project)} @ {width}px: {p}" for p in problems(m)]
    assert words > 300  # the report tables' header words were found and measured
    assert not found, "\n".join(found[:30])
