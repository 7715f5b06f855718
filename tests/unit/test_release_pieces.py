"""The pieces of `release`: deterministic zips, SHA256SUMS and verify, the change log, the confidentiality screen,
the data dictionary."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from pipeline.release import (
    bundles,
    changelog,
    confidentiality,
    data_catalogue,
    manifest,
)
from pipeline.release.catalogue import FigureSpec, FigureValue
from pipeline.render.xlsx import save_workbook
from tests.helpers import REPO

REGISTRY = REPO / "data/reference/registry.csv"


# ---------------------------------------------------------------------------
# zips
# ---------------------------------------------------------------------------


def test_deterministic_zip_sorted_fixed_times_same_bytes():
    a = bundles.deterministic_zip({"b/x.txt": b"2", "a.txt": b"1", "c/y/z.csv": b"3" * 1000})
    b = bundles.deterministic_zip({"c/y/z.csv": b"3" * 1000, "a.txt": b"1", "b/x.txt": b"2"})
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as zf:
        assert zf.namelist() == ["a.txt", "b/x.txt", "c/y/z.csv"]
        assert {i.date_time for i in zf.infolist()} == {(2024, 1, 1, 0, 0, 0)}
        assert zf.read("c/y/z.csv") == b"3" * 1000
    with pytest.raises(ValueError):
        bundles.deterministic_zip({"../evil": b""})


def _zipfile_reference(entries: dict[str, bytes]) -> bytes:
    """What release wrote before it laid zips out itself: zipfile.writestr, entry by entry."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            zf.writestr(info, entries[name], compresslevel=6)
    return buffer.getvalue()


def _varied_entries() -> dict[str, bytes]:
    rng = random.Random(7)
    return {
        "README.txt": "\ufeff收件单位：某单位\r\n".encode() * 50,
        "empty.txt": b"",
        "monthly/2025-12/v1/report.pdf": bytes(rng.randrange(256) for _ in range(70_000)),  # incompressible
        "monthly/2025-12/v1/indicators.csv": b"region,value\n" + b"430602,1.5\n" * 40_000,
        "odd/名称.txt": b"non-ASCII name: zipfile sets the UTF-8 flag",
        "a": b"x",
    }


def test_deterministic_zip_is_byte_for_byte_what_zipfile_writes():
    entries = _varied_entries()
    assert bundles.deterministic_zip(entries) == _zipfile_reference(entries)
    for name, data in entries.items():  # each member alone too (offsets, central directory of one entry)
        assert bundles.deterministic_zip({name: data}) == _zipfile_reference({name: data})


def test_shared_deflate_streams_give_the_bytes_of_separate_zips():
    entries = _varied_entries()
    other = {"x/report.pdf": entries["monthly/2025-12/v1/report.pdf"], "y.csv": b"different content\n" * 99}
    deflated = bundles.Deflated()
    deflated.prepare([*entries.values(), *other.values()], workers=2)  # threads
    assert bundles.deterministic_zip(entries, deflated) == _zipfile_reference(entries)
    assert bundles.deterministic_zip(other, deflated) == _zipfile_reference(other)
    # a content never gets another content's stream: equal keys are equal bytes
    crc, stream = deflated.get(b"different content\n" * 99)
    assert zlib.decompress(stream, -15) == b"different content\n" * 99 and crc == zlib.crc32(b"different content\n" * 99)
    assert deflated.get(b"new") == (zlib.crc32(b"new"), bundles.raw_deflate(b"new"))


def test_zip_past_the_zip64_limits_is_left_to_zipfile(monkeypatch):
    entries = _varied_entries()
    monkeypatch.setattr(bundles, "_ZIP64_LIMIT", 1000)  # as if the members were over 2 GiB
    assert bundles.deterministic_zip(entries) == _zipfile_reference(entries)


def test_bundle_entries_carry_readme_info_and_checksums():
    item = bundles.BundleItem(edition="monthly", name="月报", title="月报 2025年12月", classification="公开",
                              classification_note="汇总数据", period="2025-12", region_code=None, version=2,
                              revision=True, path="monthly/2025-12/v2", files={"report.pdf": b"%PDF", "SHA256SUMS": b""})
    recipient = {"id": "x", "name": "某单位", "kind": "department", "kind_label": "委机关科室", "region_code": None}
    entries = bundles.bundle_entries(recipient, "2025-12", [item], ["年报：本期没有发布"])
    assert set(entries) == {"README.txt", "bundle.json", "SHA256SUMS", "monthly/2025-12/v2/report.pdf",
                            "monthly/2025-12/v2/SHA256SUMS"}
    readme = entries["README.txt"].decode("utf-8-sig")
    assert "某单位" in readme and "修订版（R）" in readme and "年报：本期没有发布" in readme
    info = json.loads(entries["bundle.json"])
    assert info["editions"][0]["version"] == 2 and info["editions"][0]["revision"] is True
    listed, bad = manifest.parse_sums(entries["SHA256SUMS"].decode())
    assert not bad and set(listed) == set(entries) - {"SHA256SUMS"}


# ---------------------------------------------------------------------------
# SHA256SUMS, manifest, verify
# ---------------------------------------------------------------------------


def _version_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "v1"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<p>汇总</p>", encoding="utf-8")
    (folder / "indicators.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    files = [manifest.file_entry(folder / n, n) | {"role": "published"} for n in ("indicators.csv", "report.html")]
    (folder / "manifest.json").write_bytes(manifest.manifest_bytes({"files": files, "version": 1}))
    sums = [(n, manifest.sha256_file(folder / n)) for n in ("indicators.csv", "report.html", "manifest.json")]
    (folder / "SHA256SUMS").write_text(manifest.sums_text(sums), encoding="utf-8")
    return folder


def test_sums_are_coreutils_compatible(tmp_path):
    folder = _version_dir(tmp_path)
    if shutil.which("sha256sum") is None:
        pytest.skip("没有 sha256sum 命令")
    proc = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_verify_clean_flipped_missing_extra_and_manifest_mismatch(tmp_path):
    folder = _version_dir(tmp_path)
    assert manifest.verify_version_dir(folder).ok

    data = bytearray((folder / "report.html").read_bytes())
    data[3] ^= 0x20
    (folder / "report.html").write_bytes(bytes(data))
    problems = manifest.verify_version_dir(folder).problems
    assert any("report.html 的 SHA-256 不符" in p for p in problems)
    assert any("与 manifest.json 记录的 SHA-256 不符" in p for p in problems)

    folder = _version_dir(tmp_path / "b")
    (folder / "indicators.csv").unlink()
    assert any("缺少文件 indicators.csv" in p for p in manifest.verify_version_dir(folder).problems)

    folder = _version_dir(tmp_path / "c")
    (folder / "sub").mkdir()
    (folder / "sub" / "extra.txt").write_text("x", encoding="utf-8")
    assert any("多出文件 sub/extra.txt" in p for p in manifest.verify_version_dir(folder).problems)

    folder = _version_dir(tmp_path / "d")
    (folder / "SHA256SUMS").unlink()
    assert any("缺少 SHA256SUMS" in p for p in manifest.verify_version_dir(folder).problems)


def test_verify_path_walks_a_tree_and_reads_zips(tmp_path):
    root = tmp_path / "releases"
    _version_dir(root / "monthly/2025-12")
    _version_dir(root / "county/430621/2025-12")
    report = manifest.verify_path(root)
    assert report.ok and report.checked_dirs == 2
    bundle = root / "b.zip"
    entries = {f"monthly/2025-12/v1/{p.name}": p.read_bytes() for p in (root / "monthly/2025-12/v1").iterdir()}
    entries["SHA256SUMS"] = manifest.sums_text((n, manifest.sha256_bytes(d)) for n, d in entries.items()).encode()
    bundle.write_bytes(bundles.deterministic_zip(entries))
    assert manifest.verify_zip(bundle).ok
    entries["monthly/2025-12/v1/report.html"] += b" "
    bundle.write_bytes(bundles.deterministic_zip(entries))
    problems = manifest.verify_zip(bundle).problems
    assert any("report.html 的 SHA-256 不符" in p for p in problems)
    assert not manifest.verify_path(tmp_path / "nothing").ok


# ---------------------------------------------------------------------------
# change log
# ---------------------------------------------------------------------------

HEADER = ["period", "period_type", "period_label", "indicator_id", "indicator", "unit", "breakdown_id", "breakdown",
          "region_code", "region", "value", "base_value", "change", "change_unit"]


def _indicators_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _row(ind: str, name: str, unit: str, region: str, value: object, base: object, change: object,
         cu: str = "%") -> list[object]:
    return ["2025-12", "本月", "2025年12月", ind, name, unit, "total", "总计", region, region, value, base, change, cu]


def test_figure_changes_compare_as_published(tmp_path):
    old = _indicators_csv(tmp_path / "old.csv", [
        _row("visits", "总诊疗人次数", "人次", "430600", 1000.0, 900.0, 11.111),
        _row("bed_use_rate", "病床使用率", "%", "430600", 80.04, 79.0, 1.04, "百分点"),
        _row("avg_stay", "出院者平均住院日", "日", "430600", 8.0, 8.1, -0.1, "日"),
        _row("visits", "总诊疗人次数", "人次", "430621", 50.0, 40.0, 25.0),
    ])
    new = _indicators_csv(tmp_path / "new.csv", [
        _row("visits", "总诊疗人次数", "人次", "430600", 1234.0, 900.0, 37.111),
        _row("bed_use_rate", "病床使用率", "%", "430600", 80.0400001, 79.0, 1.0400001, "百分点"),  # not visible
        _row("avg_stay", "出院者平均住院日", "日", "430600", 8.06, 8.1, -0.04, "日"),  # 8.0 → 8.1, -0.1 → -0.0
        _row("visits", "总诊疗人次数", "人次", "430692", 7.0, "", "", "%"),  # a new row; 430621 is gone
    ])
    changes = changelog.figure_changes(old, new, FigureSpec(file="indicators.csv", kind="indicators"))
    got = {(c.labels[0], c.labels[2], c.field, c.old, c.new) for c in changes}
    assert got == {
        ("总诊疗人次数", "430600", "本期值(人次)", "1,000", "1,234"),
        ("总诊疗人次数", "430600", "同比增减(%)", "11.1", "37.1"),
        ("出院者平均住院日", "430600", "本期值(日)", "8.0", "8.1"),
        ("出院者平均住院日", "430600", "同比增减(日)", "-0.1", "0.0"),
        ("总诊疗人次数", "430692", "本期值(人次)", changelog.ABSENT, "7"),
        ("总诊疗人次数", "430692", "上年同期(人次)", changelog.ABSENT, "—"),
        ("总诊疗人次数", "430692", "同比增减(%)", changelog.ABSENT, "—"),
        ("总诊疗人次数", "430621", "本期值(人次)", "50", changelog.ABSENT),
        ("总诊疗人次数", "430621", "上年同期(人次)", "40", changelog.ABSENT),
        ("总诊疗人次数", "430621", "同比增减(%)", "25.0", changelog.ABSENT),
    }


def test_table_figures_and_rendered_log(tmp_path):
    spec = FigureSpec(file="summary.csv", kind="table", keys=("region_code", "sex"), labels=("region_name", "sex"),
                      values=(FigureValue("e0", "预期寿命(岁)", 2),))
    for name, e0 in (("old.csv", "78.224"), ("new.csv", "78.306")):
        (tmp_path / name).write_text(f"region_code,region_name,sex,e0\n430600,岳阳市,合计,{e0}\n", encoding="utf-8")
    changes = changelog.figure_changes(tmp_path / "old.csv", tmp_path / "new.csv", spec)
    assert [(c.labels, c.field, c.old, c.new) for c in changes] == [(("岳阳市 合计",), "预期寿命(岁)", "78.22", "78.31")]
    log = changelog.ChangeLog(
        title="人均预期寿命测算报告 2025年", version=2, previous=1, label_headers=("对象",), figures=tuple(changes),
        figures_compared=True, files=(changelog.InputChange("summary.csv", "修改", "aaa", "bbb"),),
        inputs=(changelog.InputChange("data/raw/annual/2025/life_deaths.csv", "修改", "aaa", "bbb"),),
        params=(), commits=("abc", "abc"))
    md = changelog.to_markdown(log)
    assert "# 修订说明：人均预期寿命测算报告 2025年 第 2 版（修订，R）" in md
    assert "| 岳阳市 合计 | 预期寿命(岁) | 78.22 | 78.31 |" in md
    assert "| data/raw/annual/2025/life_deaths.csv | 修改 |" in md and "参数没有变化" in md
    html = changelog.to_html(log)
    assert "78.31" in html and "<script" not in html and "http" not in html.split("</head>")[1]
    assert changelog.to_csv(log).startswith("\ufeff对象,项目,原值,新值\n")


# ---------------------------------------------------------------------------
# confidentiality screen
# ---------------------------------------------------------------------------


def _registry_rows() -> list[dict[str, str]]:
    with REGISTRY.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_screen_finds_codes_and_names_outside_the_allowed_scope(tmp_path):
    registry = confidentiality.load_registry(REGISTRY)
    rows = _registry_rows()
    a = next(r for r in rows if r["region_code"] == "430621")
    b = next(r for r in rows if r["region_code"] == "430623")
    html = tmp_path / "report.html"
    html.write_text(f"<html><head><style>.x{{}}</style></head><body><p>{b['name']}</p></body></html>", encoding="utf-8")
    wb = openpyxl.Workbook()
    wb.active.title = "问题清单"
    wb.active["A1"] = a["org_code"]
    wb.active["B2"] = a["name"]
    xlsx = tmp_path / "430621.xlsx"
    save_workbook(wb, xlsx)
    assert any(b["name"] in p for p in confidentiality.screen_file(html, registry, "none", None))
    assert confidentiality.screen_file(html, registry, "all", None) == []
    assert confidentiality.screen_file(xlsx, registry, "region", "430621") == []
    leaks = confidentiality.screen_file(xlsx, registry, "region", "430623")
    assert any(a["org_code"] in p for p in leaks) and any(a["name"] in p for p in leaks)
    clean = tmp_path / "clean.csv"
    clean.write_text("region,value\n岳阳县,1\n华容县,2\n岳阳市,3\n", encoding="utf-8")
    assert confidentiality.screen_file(clean, registry, "none", None) == []


def test_outgoing_html_must_hold_no_scripts_external_resources_or_chart_data():
    assert confidentiality.html_problems("<html><body><svg><text>图</text></svg></body></html>") == []
    assert confidentiality.html_problems('<script src="vega.js"></script>')
    assert confidentiality.html_problems('<img src="https://example.org/x.png">')
    assert confidentiality.html_problems('<div>{"$schema": "https://vega.github.io/schema/vega-lite/v5.json"}</div>')
    assert confidentiality.html_problems('<style>@font-face{src:url(https://fonts.example/x.woff2)}</style>')


# ---------------------------------------------------------------------------
# data dictionary
# ---------------------------------------------------------------------------


def test_names_found_are_every_name_the_text_contains():
    names = {"岳阳楼区人民医院": frozenset({"430602"}), "岳阳楼区人民医院分院": frozenset({"430602"}),
             "平江县中医医院": frozenset({"430626"}), "汨罗市卫生院": frozenset({"430681"})}
    registry = confidentiality.Registry.build({}, names)
    rng = random.Random(3)
    pieces = [*names, "岳阳", "平江县", "汨罗", "市", "中医", "医院", "\n", "，", "A", "1"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12)))
        assert registry.names_in(text) == {n for n in names if n in text}, text
    # overlapping names, a name at the very end, and texts shorter than any name
    assert registry.names_in("xx岳阳楼区人民医院分院") == {"岳阳楼区人民医院", "岳阳楼区人民医院分院"}
    assert registry.names_in("岳阳楼区人民医") == set() and registry.names_in("") == set()
    assert confidentiality.Registry.build({}, {}).names_in("任何文字") == set()


def test_csv_text_is_the_unique_stripped_cells_in_order():
    data = 'a, b ,a\n"x,y",,  \n"q""r",b\n'
    assert confidentiality.csv_text(data) == "a\nb\nx,y\nq\"r"


def test_html_screen_reports_forbidden_elements_and_names_from_one_parse(tmp_path):
    registry = confidentiality.load_registry(REGISTRY)
    name = next(iter(registry.name_regions))
    page = tmp_path / "p.html"
    page.write_text(f"<html><body><p>{name}</p><script>1</script></body></html>", encoding="utf-8")
    problems = confidentiality.screen_file(page, registry, "none", None)
    assert problems[0] == "含有 <script> 元素" and any(name in p for p in problems[1:])


def test_external_reference_check_agrees_with_the_forward_pattern():
    forward = re.compile(r"""(?:\b(?:src|href|poster|data)\s*=\s*["']?\s*(?:https?:)?//)|"""
                         r"""(?:url\(\s*["']?\s*(?:https?:)?//)""", re.IGNORECASE)
    rng = random.Random(11)
    pieces = ["src", "SRC", "href", "poster", "data", "xdata", "url(", "URL(", "=", " ", "\n", '"', "'", "http:",
              "https:", "HTTPS:", "//", "/", "a", "-", "<img ", ">", "\u017f", "中"]
    hits = 0
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 10)))
        expected = forward.search(text) is not None
        hits += expected
        assert confidentiality.references_external(text) == expected, text
    assert hits > 30  # the sample holds matches as well as near misses
    assert confidentiality.references_external('<img src = " https://x/a.png">')
    assert not confidentiality.references_external('<svg xmlns="http://www.w3.org/2000/svg">')
    assert not confidentiality.references_external("")


def test_dictionary_covers_every_indicator_with_its_formula():
    from pipeline import catalogues

    rows = data_catalogue.rows(REPO / "data/reference/regions.csv")
    assert [r["指标代码"] for r in rows] == [i.id for i in catalogues.indicators()]
    by_id = {r["指标代码"]: r for r in rows}
    assert by_id["bed_use_rate"]["计算公式"] == "病床使用率＝实际占用总床日数÷实际开放总床日数×100%"
    # domain.md: 医师日均担负诊疗人次 = 诊疗人次 ÷ 平均执业(助理)医师数 ÷ 工作日数; the dictionary once dropped
    # both the 平均 and the working days
    assert by_id["doctor_daily_visits"]["计算公式"] == \
        "医师日均担负诊疗人次＝总诊疗人次数÷平均执业(助理)医师÷时期工作日数"
    assert "（上月末＋本月末）÷2" in by_id["doctor_daily_visits"]["定义"]
    assert "执业(助理)医师为月末存量" not in by_id["doctor_daily_visits"]["定义"]
    assert by_id["visits"]["计算公式"] == "各机构该项目之和（不经换算）"
    assert by_id["beds_per_1000"]["计算公式"] == "每千常住人口床位数＝实有床位÷常住人口×1000"
    assert "月末存量" in by_id["beds"]["定义"] and "流量" in by_id["visits"]["定义"]
    assert "总计(total)" in by_id["visits"]["分组"] and "岳阳县" in by_id["visits"]["地区"]
    text = data_catalogue.dictionary_csv(REPO / "data/reference/regions.csv")
    assert text.startswith("\ufeff指标代码,指标名称,单位,定义,计算公式")


def test_bundle_files_read_once_and_dropped_after_their_last_bundle(tmp_path):
    from pipeline.release.publish import _BundleFiles

    shared, own = tmp_path / "monthly/v1", tmp_path / "county/v1"
    for folder, text in ((shared, b"shared report" * 100), (own, b"county report" * 100)):
        (folder / "sub").mkdir(parents=True)
        (folder / "report.html").write_bytes(text)
        (folder / "sub/SHA256SUMS").write_bytes(text[:20])
    store = _BundleFiles([shared, own, shared])  # two bundles carry the shared folder, one the county's
    first = store.files(shared)
    assert first == {"report.html": b"shared report" * 100, "sub/SHA256SUMS": (b"shared report" * 100)[:20]}
    store.deflated.prepare(first.values())
    store.files(own)
    store.done_with(shared)
    store.done_with(own)
    (shared / "report.html").write_bytes(b"not read again")  # still held: the second bundle gets the same bytes
    assert store.files(shared)["report.html"] is first["report.html"]
    assert store.deflated.get(first["report.html"]) == (zlib.crc32(first["report.html"]),
                                                        bundles.raw_deflate(first["report.html"]))
    store.done_with(shared)
    assert store._bytes == {} and store._tree == {} and store.deflated._streams == {}
