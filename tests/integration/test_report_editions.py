"""City and county editions of the monthly report, built from a small hand-made table."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from pipeline.monthly import indicators, report
from tests.helpers import clean_frame, clean_row


def _table(regions, visits_430621: float = 3000.0, occupied_430621: float = 600.0) -> pl.DataFrame:
    rows = []
    for year, k in ((2024, 1.0), (2025, 1.1)):
        for month in (1, 2):
            p = f"{year}-{month:02d}"
            rows.append(clean_row("H1", p, visits=5000 * k, discharges=100 * k, occupied_bed_days=2480 * k,
                                  open_bed_days=3100, discharged_bed_days=900 * k, beds=100, doctors=40, nurses=60,
                                  health_techs=120, outpatient_revenue=1500 * k, inpatient_revenue=1000 * k))
            rows.append(clean_row("T1", p, region_code="430621", type_group="基层医疗卫生机构", type_sub="乡镇卫生院",
                                  visits=visits_430621 * k, discharges=50, occupied_bed_days=occupied_430621, open_bed_days=1000,
                                  discharged_bed_days=300, beds=30, doctors=10, nurses=12, health_techs=30))
    pop = pl.DataFrame({"region_code": ["430600", "430602", "430621"], "year": [2024] * 3,
                        "population": [200_000.0, 120_000.0, 80_000.0]})
    return indicators.compute(clean_frame(rows), regions, pop)


def test_county_rank_and_comparison_text(regions):
    t = indicators.for_period(_table(regions), report.Month(2025, 2))
    # 1-2月 visits: 430602 = 11,000, 430621 = 6,600 → ranks 1 and 2 of 2
    assert report.county_rank(t, "visits", "累计", "total", "430602") == (1, 2)
    assert report.county_rank(t, "visits", "累计", "total", "430621") == (2, 2)
    texts = report.summary_paragraphs(t, report.Month(2025, 2), "430621", "岳阳县", county=True)
    # 6,600 → 0.66万 → '0.7万人次'; growth +10.0% both for the county and the city
    assert texts["visits_cum"].startswith("1—2月，岳阳县医疗卫生机构总诊疗人次达0.7万人次（不含诊所、医务室、村卫生室），同比增长10.0%（全市增长10.0%")
    # 每千常住人口床位 = 30 / 80,000 × 1000 = 0.375 → '0.38'
    assert "每千常住人口床位0.38张" in texts["resources"]


def test_county_editions_skip_unchanged(tmp_path, regions):
    path = tmp_path / "indicators.parquet"
    _table(regions).write_parquet(path)
    out = tmp_path / "county"
    kwargs = dict(period="2025-02", indicators_path=path, out_root=out, org_name="岳阳市卫生健康委员会",
                  backend="pandoc", progress=lambda _: None)
    first = report.build_county_editions(**kwargs)
    assert [(r.region_code, r.rendered) for r in first] == [("430602", True), ("430621", True)]
    pdf = (out / "430602" / "report.pdf").read_bytes()
    html = (out / "430621" / "report.html").read_text(encoding="utf-8")
    assert "岳阳县卫生健康统计月报" in html and "岳阳县主要指标与全市比较" in html
    # no data change → nothing is rebuilt
    again = report.build_county_editions(**kwargs)
    assert [r.rendered for r in again] == [False, False]
    # a change that only 岳阳县's own edition shows (its 乡镇卫生院 bed-days) rebuilds only 岳阳县
    _table(regions, occupied_430621=650.0).write_parquet(path)
    third = report.build_county_editions(**kwargs)
    assert [(r.region_code, r.rendered) for r in third] == [("430602", False), ("430621", True)]
    assert (out / "430602" / "report.pdf").read_bytes() == pdf
    # a change in a ranked figure (visits) concerns every county's comparison table → both are rebuilt
    _table(regions, visits_430621=3100.0, occupied_430621=650.0).write_parquet(path)
    assert [r.rendered for r in report.build_county_editions(**kwargs)] == [True, True]


def test_city_edition_outputs(tmp_path, regions):
    path = tmp_path / "indicators.parquet"
    _table(regions).write_parquet(path)
    doc = report.build_monthly(period="2025-02", indicators_path=path, out_dir=tmp_path / "m",
                               org_name="岳阳市卫生健康委员会")
    report.render_monthly(doc, backend="pandoc")
    for name in ("report.html", "report.pdf", "tables.xlsx", "indicators.csv"):
        assert (tmp_path / "m" / name).stat().st_size > 0, name
    assert "各县市区医疗卫生机构总诊疗人次" in doc.markdown and "![图3" in doc.markdown


def test_quality_section_from_filing_status():
    month = report.Month(2025, 2)
    rows = []
    # January: 4 due in 430602, all on time; February: 4 due, 3 filed, 2 on time; 430621: 1 due, filed late
    for org in ("A", "B", "C", "D"):
        rows.append(("2025-01", org, "430602", True, True))
    rows += [("2025-02", "A", "430602", True, True), ("2025-02", "B", "430602", True, True),
             ("2025-02", "C", "430602", True, False), ("2025-02", "D", "430602", False, False),
             ("2025-02", "E", "430621", True, False)]
    filing = pl.DataFrame(rows, schema=["period", "org_code", "region_code", "filed", "on_time"], orient="row")
    rates = report.filing_rates(filing, month)
    text = report.quality_text(rates, month, "430602", "岳阳楼区")
    # 2月: 3/4 = 75.0 %, 2/4 = 50.0 %; 1-2月: 7/8 = 87.5 %, 6/8 = 75.0 %
    assert text.startswith("2月，岳阳楼区应报月报的医疗卫生机构4家，已报3家，上报率75.0%，及时率50.0%；"
                           "1—2月累计应报8家次，上报率87.5%，及时率75.0%（1家次未报、1家次迟报）。")
    city = report.quality_text(rates, month, None, "全市")
    # city 2月: 4/5 filed = 80.0 %, 2/5 on time = 40.0 %
    assert "应报月报的医疗卫生机构5家，已报4家，上报率80.0%，及时率40.0%" in city


def test_county_editions_are_the_same_bytes_serial_or_in_parallel(tmp_path, regions, monkeypatch):
    path = tmp_path / "indicators.parquet"
    _table(regions).write_parquet(path)
    outputs = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("HEALTHSTATS_WORKERS", workers)
        out = tmp_path / f"county-{workers}"
        messages: list[str] = []
        report.build_county_editions(period="2025-02", indicators_path=path, out_root=out,
                                     org_name="岳阳市卫生健康委员会", backend="pandoc", progress=messages.append)
        assert any(("并行" in m) == (workers == "2") for m in messages)
        outputs[workers] = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
                            if p.is_file()}
    assert len(outputs["1"]) >= 8  # report.html, report.pdf, tables.xlsx, indicators.csv, stamp … per county
    assert outputs["1"] == outputs["2"]


def test_edition_workers_follow_the_cores_and_the_override(monkeypatch):
    monkeypatch.delenv("HEALTHSTATS_WORKERS", raising=False)
    assert report.edition_workers(1) == 1
    monkeypatch.setenv("HEALTHSTATS_WORKERS", "3")
    assert report.edition_workers(12) == 3 and report.edition_workers(2) == 2


def test_edition_inputs_are_read_again_when_the_file_changes(tmp_path):
    """The serial path renders in the caller's process (a Jupyter kernel may call it twice): a rewritten
    indicators file must not be served from the cache of the first call."""
    path = tmp_path / "indicators.parquet"
    pl.DataFrame({"value": [1.0]}).write_parquet(path)
    first, _ = report._read_inputs(path, None)
    pl.DataFrame({"value": [2.0, 3.0]}).write_parquet(path)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    second, _ = report._read_inputs(path, None)
    assert first["value"].to_list() == [1.0] and second["value"].to_list() == [2.0, 3.0]


def test_an_edition_fingerprint_covers_the_whole_renderer():
    """Font embedding, the apparatus and the templates change an edition's bytes as much as its own modules: a
    change to any of them must re-render kept editions (every file under pipeline/render/ except its README)."""
    files = report.edition_code_files()
    render_dir = Path(report.__file__).resolve().parents[1] / "render"
    expected = {p.relative_to(render_dir.parent).as_posix() for p in render_dir.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.name != "README.md"}
    assert {"render/html_fonts.py", "render/fonts.py", "render/apparatus.py",
            "render/templates/report.typst"} <= expected
    assert expected <= set(files) and "monthly/report.py" in files and len(files) == len(set(files))
