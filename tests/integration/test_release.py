"""Distribution (issue 7) on the real sample outputs: the `release` DVC stage in a temporary copy of the project.

One module-scoped pipeline run (``dvc repro release``: the release stage and everything upstream of it) feeds
every test here; the tests run in file order and the later ones build on the earlier state:
bundles and confidentiality → re-run no-op → a data change gives v2 → verify → the index page in Chromium.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlparse

import openpyxl
import pytest
import yaml
from pypdf import PdfReader

from pipeline.render import fonts
from tests.chromium import CHROMIUM, Browser
from tests.helpers import copy_project

REPO = Path(__file__).resolve().parents[2]
PERIOD_RE = re.compile(r"^\d{4}(-\d{2})?$")


def _run(args: list[str], cwd: Path, *, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HEALTHSTATS_FONT_DIR"] = str(fonts.ensure_fonts())
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if ok:
        assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("release") / "project"
    copy_project(REPO, dest)
    _run(["dvc", "repro", "release"], dest)
    return dest


@pytest.fixture(scope="module")
def first_release(project) -> dict[str, str]:
    """Every file under releases/ right after the first release, with its sha256."""
    tree = _tree(project / "releases")
    assert tree, "the release stage wrote nothing"
    return tree


# ---------------------------------------------------------------------------
# catalogues, read here independently of pipeline.release_catalogue
# ---------------------------------------------------------------------------


def _yaml(project: Path, name: str) -> dict:
    return yaml.safe_load((project / "pipeline" / "catalogues" / name).read_text(encoding="utf-8"))


def _params(project: Path) -> dict:
    return yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))


def _registry(project: Path) -> tuple[dict[str, str], dict[str, set[str]]]:
    codes: dict[str, str] = {}
    names: dict[str, set[str]] = defaultdict(set)
    with (project / "data/reference/registry.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            codes[row["org_code"].strip()] = row["region_code"].strip()
            names[row["name"].strip()].add(row["region_code"].strip())
    return codes, dict(names)


def _expected_entries(project: Path, recipient: dict) -> set[str]:
    """Every path the recipient's bundle must hold, from the two catalogues and what is on disk."""
    editions = _yaml(project, "editions.yaml")["editions"]
    params = _params(project)
    releases = project / "releases"
    expected = {"README.txt", "bundle.json", "SHA256SUMS"}
    for eid in recipient["editions"]:
        e = editions[eid]
        series = eid + (f"/{recipient['region_code']}" if e.get("per_region") else "")
        if e.get("generator"):
            folder = releases / series
        else:
            keys = e["period_param"] if isinstance(e["period_param"], list) else [e["period_param"]]
            period = None
            for key in keys:
                node = params
                for part in key.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                if node is not None:
                    period = str(node)
                    break
            folder = releases / series / str(period)
        if not folder.is_dir():
            assert e.get("optional"), f"{eid} was not released"
            continue
        latest = max((p for p in folder.iterdir() if re.fullmatch(r"v\d+", p.name)), key=lambda p: int(p.name[1:]))
        files = [f.replace("{region_code}", recipient.get("region_code") or "") for f in e["files"]]
        files += [f for f in e.get("optional_files", []) if (latest / f).is_file()]
        files += ["manifest.json", "SHA256SUMS"]
        if latest.name != "v1":
            files += ["CHANGES.md", "CHANGES.html", "CHANGES.csv"]
        rel = latest.relative_to(releases).as_posix()
        expected |= {f"{rel}/{f}" for f in files}
    return expected


def _latest_bundle(project: Path, recipient_id: str) -> Path:
    period = str(_params(project)["period"])
    found = sorted((project / "releases/bundles" / period).glob(f"{recipient_id}-{period}-v*.zip"),
                   key=lambda p: int(p.stem.rsplit("-v", 1)[1]))
    assert found, f"no bundle for {recipient_id}"
    return found[-1]


# ---------------------------------------------------------------------------
# text of every file, extracted independently of pipeline.confidentiality
# ---------------------------------------------------------------------------

_TEXT_CACHE: dict[str, str] = {}


def _entry_text(name: str, data: bytes) -> str:
    key = hashlib.sha256(data).hexdigest()
    if key in _TEXT_CACHE:
        return _TEXT_CACHE[key]
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf":
        reader = PdfReader(io.BytesIO(data))
        text = "\n".join((page.extract_text() or "") for page in reader.pages)
        text += "\n" + re.sub(r"\s+", "", text)  # names broken over lines
    elif suffix == ".xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(data))
        cells = {ws.title for ws in wb.worksheets}
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells.update(str(v) for v in row if v is not None)
        text = "\n".join(sorted(cells))
    elif suffix in (".html", ".htm"):
        raw = data.decode("utf-8")
        raw = re.sub(r"<style\b.*?</style>", " ", raw, flags=re.DOTALL | re.IGNORECASE)
        attrs = re.findall(r'\b(?:alt|title|aria-label|href)="([^"]*)"', raw)
        text = unescape(re.sub(r"<[^>]+>", "\n", raw)) + "\n" + "\n".join(unescape(a) for a in attrs)
    elif suffix == ".csv":
        rows = csv.reader(data.decode("utf-8-sig").splitlines())
        text = "\n".join(sorted({c for row in rows for c in row}))
    else:
        text = data.decode("utf-8-sig")
    _TEXT_CACHE[key] = text
    return text


class Institutions:
    """Find institutions in a text: codes by an 18-character token match, names by a 6-character prefix index."""

    def __init__(self, codes: dict[str, str], names: dict[str, set[str]]) -> None:
        self.codes = codes
        self.names = names
        assert min(len(n) for n in names) >= 6
        self.prefix: dict[str, list[str]] = defaultdict(list)
        for name in names:
            self.prefix[name[:6]].append(name)

    def find(self, text: str) -> dict[str, set[str]]:
        """{found code or name: regions}."""
        found: dict[str, set[str]] = {}
        for token in set(re.findall(r"[0-9A-Z]{18}", text.upper())):
            if token in self.codes:
                found[token] = {self.codes[token]}
        for i in range(len(text) - 5):
            for name in self.prefix.get(text[i:i + 6], ()):
                if text.startswith(name, i):
                    found[name] = set(self.names[name])
        return found


# ---------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------


def test_release_stage_writes_versions_bundles_index_and_catalogue(project, first_release):
    releases = project / "releases"
    period = str(_params(project)["period"])
    year = str(_params(project)["life_expectancy"]["year"])
    for rel in (f"monthly/{period}/v1/report.pdf", f"county/430621/{period}/v1/tables.xlsx",
                f"qc_internal/{period}/v1/bulletin_internal.pdf", f"qc_county/430621/{period}/v1/430621.xlsx",
                f"life_expectancy/{year}/v1/life_tables.xlsx", "data_catalogue/v1/indicators_dictionary.csv",
                "data_catalogue/v1/indicators_dictionary.html", "index.html", f"bundles/{period}/SHA256SUMS"):
        assert rel in first_release, rel
    # nothing that is not meant to be published
    assert not [p for p in first_release if p.endswith((".ipynb", ".inputs.sha256")) or "/source/" in p]
    # the data dictionary lists every catalogued indicator
    indicators = [i["id"] for i in _yaml(project, "indicators.yaml")["indicators"]]
    rows = list(csv.DictReader(io.StringIO((releases / "data_catalogue/v1/indicators_dictionary.csv")
                                           .read_text(encoding="utf-8-sig"))))
    assert [r["指标代码"] for r in rows] == indicators
    assert all(r["计算公式"] and r["单位"] and r["来源项目"] and r["分组"] for r in rows)
    # the manifest: provenance and every file with size and sha256
    import json

    manifest = json.loads((releases / f"monthly/{period}/v1/manifest.json").read_text(encoding="utf-8"))
    assert manifest["edition"] == "monthly" and manifest["period"] == period and manifest["version"] == 1
    assert manifest["git"]["commit"] == "unknown"  # the copy is a fresh repo without commits
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["dvc_lock"]["stages_sha256"])
    assert manifest["params"]["period"] == period
    # which backend typeset the published documents: the one `auto` picks here (Quarto when CI installed it)
    from pipeline.render import documents as render

    assert set(manifest["rendered_by"]) == {"report.html", "report.pdf"}
    for entry in manifest["rendered_by"].values():
        assert entry["backend"] == render.resolve_backend("auto"), entry
        assert entry["renderer"].startswith("Quarto " if entry["backend"] == "quarto" else "pandoc ")
    inputs = {i["path"]: i["sha256"] for i in manifest["inputs"]}
    raw = project / f"data/raw/{period}"
    for path in raw.iterdir():
        assert inputs[path.relative_to(project).as_posix()] == hashlib.sha256(path.read_bytes()).hexdigest()
    for f in manifest["files"]:
        data = (releases / f"monthly/{period}/v1" / f["path"]).read_bytes()
        assert f["size"] == len(data) and f["sha256"] == hashlib.sha256(data).hexdigest()
    sums = (releases / f"monthly/{period}/v1/SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert sorted(line.split("  ", 1)[1] for line in sums) == sorted(
        ["manifest.json", "report.html", "report.pdf", "indicators.csv", "tables.xlsx"])


def test_second_dvc_repro_is_a_noop_and_leaves_releases_alone(project, first_release):
    proc = _run(["dvc", "repro", "release"], project)
    assert "Running stage" not in proc.stdout, proc.stdout
    assert _tree(project / "releases") == first_release


def test_every_bundle_holds_exactly_what_the_recipient_catalogue_says(project):
    recipients = _yaml(project, "recipients.yaml")["recipients"]
    period = str(_params(project)["period"])
    zips = sorted((project / "releases/bundles" / period).glob("*.zip"))
    assert len(zips) == len(recipients)
    for recipient in recipients:
        with zipfile.ZipFile(_latest_bundle(project, recipient["id"])) as zf:
            names = zf.namelist()
            infos = zf.infolist()
        assert names == sorted(names), "entries are not sorted"
        assert {i.date_time for i in infos} == {(2024, 1, 1, 0, 0, 0)}
        assert set(names) == _expected_entries(project, recipient), recipient["id"]
        if recipient["kind"] == "county":
            code = recipient["region_code"]
            other = [n for n in names if re.search(r"\d{6}", n) and code not in n]
            assert not other, f"{recipient['id']} got another county's edition: {other}"
            assert f"qc_county/{code}/{period}/v1/{code}.xlsx" in names
            assert not any(n.startswith("qc_internal/") for n in names)
        elif recipient["kind"] == "affiliated":
            assert not any(n.startswith(("qc_internal/", "qc_county/", "county/")) for n in names)
        else:
            assert any(n.startswith("qc_internal/") for n in names)
            assert any(n.startswith("life_expectancy/") for n in names)


def test_the_scanner_sees_institutions_in_every_format(project):
    """A negative control: the same extraction finds the names and codes that the internal bulletin and a
    county's problem list do contain (HTML, PDF, XLSX), so the confidentiality test below is not vacuous."""
    codes, names = _registry(project)
    finder = Institutions(codes, names)
    period = str(_params(project)["period"])
    qc = project / "reports/qc" / period
    for name in ("bulletin_internal.html", "bulletin_internal.pdf"):
        found = finder.find(_entry_text(name, (qc / name).read_bytes()))
        assert len({r for regions in found.values() for r in regions}) >= 2, name
        assert any(k in codes for k in found) and any(k in names for k in found), name
    lists = sorted((qc / "counties").glob("*.xlsx"))
    found_any = {p.stem: finder.find(_entry_text(p.name, p.read_bytes())) for p in lists}
    assert any(found_any.values())
    for code, found in found_any.items():
        assert all(regions == {code} for regions in found.values()), code


def test_no_bundle_holds_an_institution_it_may_not_see(project):
    """Open every file in every bundle (XLSX cells, HTML text, PDF text, CSV, JSON, text) and look for every
    institution code and name of the registry."""
    codes, names = _registry(project)
    finder = Institutions(codes, names)
    recipients = _yaml(project, "recipients.yaml")["recipients"]
    problems: list[str] = []
    for recipient in recipients:
        region = recipient.get("region_code")
        with zipfile.ZipFile(_latest_bundle(project, recipient["id"])) as zf:
            for info in zf.infolist():
                found = finder.find(_entry_text(info.filename, zf.read(info)))
                if not found:
                    continue
                if info.filename.startswith("qc_internal/") and recipient["kind"] in ("leadership", "department"):
                    continue  # the internal bulletin names institutions of every county, by design
                if region and info.filename.startswith(f"qc_county/{region}/"):
                    foreign = {k: v for k, v in found.items() if region not in v}
                    if foreign:
                        problems.append(f"{recipient['id']} {info.filename}: other counties' {sorted(foreign)}")
                    continue
                problems.append(f"{recipient['id']} {info.filename}: {sorted(found)}")
    assert not problems, "\n".join(problems)


def test_rerunning_release_with_unchanged_outputs_is_a_noop(project, first_release):
    proc = _run([sys.executable, "-m", "pipeline", "release"], project)
    assert "空操作" in proc.stdout, proc.stdout
    assert _tree(project / "releases") == first_release


def _rounded(text: str, decimals: int) -> Decimal | None:
    if text.strip() == "":
        return None
    return Decimal(repr(float(text))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _published_figures(path: Path, decimals: dict[str, int]) -> dict[tuple, Decimal | None]:
    out = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            label = (row["indicator"], row["breakdown"], row["region"], row["period_label"])
            d = decimals[row["indicator_id"]]
            out[label + ("value",)] = _rounded(row["value"], d)
            out[label + ("base_value",)] = _rounded(row["base_value"], d)
            out[label + ("change",)] = _rounded(row["change"], 1)
    return out


def _as_decimal(text: str) -> Decimal | None:
    text = text.replace(",", "").replace("+", "")
    return None if text in ("—", "") else Decimal(text)


def test_changed_data_gives_a_revision_with_a_correct_change_log(project, first_release):
    period = str(_params(project)["period"])
    raw = next((project / f"data/raw/{period}").glob("*.xlsx"))
    wb = openpyxl.load_workbook(raw)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[3]]
    col = header.index("总诊疗人次数") + 1
    ws.cell(row=4, column=col).value = int(ws.cell(row=4, column=col).value) + 123457
    wb.save(raw)
    # releasing the rebuilt city edition beside stale county editions would publish two values for one figure:
    # the consistency check refuses it (naming the cells), so both are rebuilt before the release
    _run(["dvc", "repro", "monthly_report"], project)
    stale = _run([sys.executable, "-m", "pipeline", "release"], project, ok=False)
    assert stale.returncode != 0 and "一致性检查未通过" in stale.stdout + stale.stderr
    assert "总诊疗人次数增减（总计，月报机构口径，岳阳市，" in stale.stdout + stale.stderr
    assert _tree(project / "releases") == first_release  # nothing was published
    _run(["dvc", "repro", "county_reports"], project)
    # the rebuilt reports (editions; the qc stage reruns upstream, so the bulletin too; the annual report's 说明
    # prints the December 月报's 1—12月 total beside the annual one, so it too) still print 第1版:
    # the release refuses to publish them as v2
    refused = _run([sys.executable, "-m", "pipeline", "release"], project, ok=False)
    assert refused.returncode != 0 and "刊头印的是第1版，这次发布为第2版" in refused.stderr, refused.stderr
    assert _tree(project / "releases") == first_release
    params_path = project / "params.yaml"
    params_path.write_text(params_path.read_text(encoding="utf-8").replace(
        "revisions: {}", "revisions: {monthly: 2, county: 2, qc_internal: 2, annual: 2}"), encoding="utf-8")
    _run(["dvc", "repro", "monthly_report", "county_reports", "annual_report"], project)
    proc = _run([sys.executable, "-m", "pipeline", "release"], project)
    assert "修订发布 v2（R）" in proc.stdout, proc.stdout
    html = (project / f"reports/monthly/{period}/report.html").read_text(encoding="utf-8")
    assert "第2版（修订，R）" in html and "修订内容见随本版发布的修订说明" in html

    releases = project / "releases"
    after = _tree(releases)
    # v1 of everything, and every earlier bundle, are byte-identical
    for rel, digest in first_release.items():
        if rel != "index.html" and not rel.endswith("bundles/" + period + "/SHA256SUMS"):
            assert after.get(rel) == digest, f"{rel} changed after the revision"
    v2 = releases / f"monthly/{period}/v2"
    assert {p.name for p in v2.iterdir()} == {"report.html", "report.pdf", "indicators.csv", "tables.xlsx",
                                             "manifest.json", "SHA256SUMS", "CHANGES.md", "CHANGES.html",
                                             "CHANGES.csv"}
    # every county edition prints the city's figures beside its own, so every one is revised too
    assert (releases / f"county/430621/{period}/v2").exists()
    # the annual 说明 reconciles with the December 月报: its 总诊疗人次数 sentence now carries the new 月报 total
    annual_year = str(_params(project)["annual"]["year"])
    assert (releases / f"annual/{annual_year}/v2").exists()
    import json

    manifest = json.loads((v2 / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["revision"] is True and manifest["revision_mark"] == "R" and manifest["previous_version"] == 1

    # every published figure that changed, and only those, as printed
    decimals = {i["id"]: int(i.get("decimals", 0)) for i in _yaml(project, "indicators.yaml")["indicators"]}
    old = _published_figures(releases / f"monthly/{period}/v1/indicators.csv", decimals)
    new = _published_figures(v2 / "indicators.csv", decimals)
    expected = {(*k, old[k], new[k]) for k in new if old.get(k) != new[k]}
    assert expected, "the data change changed no published figure"
    logged = set()
    with (v2 / "CHANGES.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            field = {"本期": "value", "上年": "base_value", "同比": "change"}[row["项目"][:2]]
            logged.add((row["指标"], row["分组"], row["地区"], row["时期"], field, _as_decimal(row["原值"]),
                        _as_decimal(row["新值"])))
    assert logged == expected
    md = (v2 / "CHANGES.md").read_text(encoding="utf-8")
    assert "修订说明" in md and "（修订，R）" in md
    assert f"| {raw.relative_to(project).as_posix()} | 修改 |" in md
    assert md.count("| 修改 |") >= 1 and "总诊疗人次数" in md

    # every recipient that gets the city report has a new bundle holding v2; the rest are untouched
    for recipient in _yaml(project, "recipients.yaml")["recipients"]:
        latest = _latest_bundle(project, recipient["id"])
        assert latest.name.endswith("-v2.zip") == bool({"monthly", "county"} & set(recipient["editions"]))
        with zipfile.ZipFile(latest) as zf:
            assert set(zf.namelist()) == _expected_entries(project, recipient)
    index = (releases / "index.html").read_text(encoding="utf-8")
    assert "第2版（修订，R）" in index and f"monthly/{period}/v2/CHANGES.html" in index

    # and once more: nothing changes
    again = _run([sys.executable, "-m", "pipeline", "release"], project)
    assert "空操作" in again.stdout
    assert _tree(releases) == after


def test_verify_catches_a_flipped_byte_a_missing_file_and_an_extra_file(project, tmp_path):
    period = str(_params(project)["period"])
    ok = _run([sys.executable, "-m", "pipeline", "verify", "releases"], project)
    assert "核对通过" in ok.stdout

    def damaged(kind: str) -> subprocess.CompletedProcess[str]:
        copy = tmp_path / kind
        shutil.copytree(project / f"releases/monthly/{period}/v1", copy)
        for p in copy.iterdir():
            os.chmod(p, 0o644)
        if kind == "flip":
            data = bytearray((copy / "report.pdf").read_bytes())
            data[len(data) // 2] ^= 0x01
            (copy / "report.pdf").write_bytes(bytes(data))
        elif kind == "missing":
            (copy / "tables.xlsx").unlink()
        else:
            (copy / "notes.txt").write_text("extra", encoding="utf-8")
        proc = _run([sys.executable, "-m", "pipeline", "verify", str(copy)], project, ok=False)
        assert proc.returncode != 0, proc.stdout
        return proc

    assert re.search(r"文件 report\.pdf 的 SHA-256 不符", damaged("flip").stderr)
    assert "缺少文件 tables.xlsx" in damaged("missing").stderr
    assert "多出文件 notes.txt" in damaged("extra").stderr

    # a bundle: a file changed inside the zip (rebuilt with the same names) is caught too
    bundle = _latest_bundle(project, "county-430621")
    with zipfile.ZipFile(bundle) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    target = next(n for n in entries if n.endswith(".xlsx"))
    entries[target] = entries[target] + b"\0"
    forged = tmp_path / bundle.name
    with zipfile.ZipFile(forged, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    proc = _run([sys.executable, "-m", "pipeline", "verify", str(forged)], project, ok=False)
    assert proc.returncode != 0 and target.rsplit("/", 1)[1] in proc.stderr


@pytest.mark.skipif(not CHROMIUM.exists(), reason="未安装 Chromium（/usr/bin/chromium），跳过索引页的浏览器检查；"
                                                   "安装：apt-get install -y chromium")
def test_index_page_in_headless_chromium(project):
    releases = (project / "releases").resolve()
    with Browser() as browser:
        session = browser.open_page((releases / "index.html").as_uri())
        links = browser.evaluate(
            "Array.from(document.querySelectorAll('[href],[src]')).map(e => e.href || e.src)", session)
        ids = set(browser.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)", session))
        width, viewport = browser.evaluate("[document.documentElement.scrollWidth, window.innerWidth]", session)
        text = browser.evaluate("document.body.textContent", session)  # closed <details> too
        requests = browser.requests(session)
    # nothing was requested from outside the releases folder (fonts are embedded as data: URLs)
    outside = [u for u in requests if not (u.startswith("data:") or (
        u.startswith("file://") and Path(unquote(urlparse(u).path)).resolve().is_relative_to(releases)))]
    assert not outside, outside
    # every link resolves to a file inside the folder (or an anchor on the page)
    assert len(links) > 100
    broken = []
    targets = set()
    for url in links:
        parsed = urlparse(url)
        assert parsed.scheme == "file", url
        path = Path(unquote(parsed.path)).resolve()
        if path == releases / "index.html" and parsed.fragment:
            if parsed.fragment not in ids:
                broken.append(url)
            continue
        if not (path.is_relative_to(releases) and path.is_file()):
            broken.append(url)
        targets.add(path.relative_to(releases).as_posix())
    assert not broken, broken
    # every version folder's files and every bundle are linked, with their checksums on the page
    for rel, digest in _tree(releases).items():
        if rel == "index.html":
            continue
        assert rel in targets, f"{rel} is not linked from the index"
        if not rel.endswith(("manifest.json", "SHA256SUMS")):
            assert digest in text, f"{rel}: sha256 not shown"
    assert "第2版（修订，R）" in text
    # readable on a phone: nothing wider than a 390-pixel screen
    assert width <= viewport, (width, viewport)


# ---------------------------------------------------------------------------
# one figure, one value (issue 11): the release-time consistency check
# ---------------------------------------------------------------------------


def _doctors_per_1000_by_hand(project: Path, year: int) -> str:
    """每千常住人口执业(助理)医师数 of the city at the year's end, straight from the raw annual file: Σ doctors of
    every institution ÷ the city's year-end resident population × 1000, half-up at 2 decimals."""
    with (project / f"data/raw/annual/{year}/annual_report.csv").open(encoding="utf-8-sig", newline="") as fh:
        doctors = sum(int(r["doctors"]) for r in csv.DictReader(fh))
    with (project / "data/reference/population.csv").open(encoding="utf-8-sig", newline="") as fh:
        pop = next(int(r["population"]) for r in csv.DictReader(fh)
                   if r["region_code"] == "430600" and r["year"] == str(year))
    return str((Decimal(doctors) * 1000 / Decimal(pop)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_whole_sample_release_passes_the_consistency_check(project):
    from pipeline import figures
    from pipeline.release import consistency

    params = _params(project)
    period, year = str(params["period"]), int(params["annual"]["year"])
    docs = [("月报", project / f"reports/monthly/{period}"), ("年报", project / f"reports/annual/{year}"),
            ("寿命", project / f"reports/life_expectancy/{params['life_expectancy']['year']}")]
    docs += [(p.name, p) for p in sorted((project / f"reports/county/{period}").iterdir()) if p.is_dir()]
    printed, missing = consistency.read_documents(docs)
    assert not missing and len(printed) > 1000
    assert consistency.disagreements(printed) == []
    # the check covers the 万人次 columns: a county's 总诊疗人次 is printed in 万人次 by the city edition (各县市区表,
    # unit scale 10000) and in 人次 by its own edition, and both are compared at the coarser precision
    scales: dict[tuple, set[float]] = defaultdict(set)
    for p in printed:
        scales[p.figure.key].add(p.figure.unit_scale)
    assert any(key[0] == "visits" and {1.0, 10000.0} <= found for key, found in scales.items())
    assert any(p.figure.unit_scale == 10000.0 and p.figure.where.startswith("表") and p.document == "月报"
               for p in printed)
    # the release stage itself runs the check before publishing
    proc = _run([sys.executable, "-m", "pipeline", "release"], project)
    assert "一致性检查：" in proc.stdout + proc.stderr
    # the December edition prints the annual report's year-end resources (one place), and both are right
    expected = _doctors_per_1000_by_hand(project, year)
    key = ("doctors_per_1000", "total", "年报全口径", "430600", f"{year}-12末", "value")
    texts = {name: {f.text for f in figures.read(folder / figures.FILE_NAME)[1] if f.key == key}
             for name, folder in docs[:2]}
    assert texts == {"月报": {expected}, "年报": {expected}}, texts
    monthly_md = (project / f"reports/monthly/{period}/source/report.md").read_text(encoding="utf-8")
    assert f"执业(助理)医师{expected}人" in monthly_md and "（不含诊所、医务室、村卫生室）" in monthly_md
    assert "月报为快报数，全年数据以年报为准" in monthly_md
    # 婴儿死亡率 from one source: the life-expectancy report applies the rate the annual report prints
    imr = ("imr", "total", "监测口径", "430600", f"{year}-01~{year}-12", "value")
    assert len({p.figure.text for p in printed if p.figure.key == imr}) == 1
    assert {p.document for p in printed if p.figure.key == imr} == {"年报", "寿命"}


def test_a_planted_disagreement_fails_the_release_naming_the_cell(project):
    params = _params(project)
    period, year = str(params["period"]), int(params["annual"]["year"])
    csv_path = project / f"reports/annual/{year}/indicators.csv"
    original = csv_path.read_bytes()
    before = _tree(project / "releases")
    try:
        # a stale annual table under the December edition: the monthly report now prints another 每千人口医师数
        rows = list(csv.DictReader(io.StringIO(original.decode("utf-8-sig"))))
        for r in rows:
            if r["indicator_id"] == "doctors_per_1000" and r["breakdown_id"] == "total" and r["region_code"] == "430600":
                r["value"] = str(float(r["value"]) - 0.5)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        csv_path.write_text(out.getvalue(), encoding="utf-8-sig")
        _run([sys.executable, "-m", "pipeline", "monthly-report"], project)
        proc = _run([sys.executable, "-m", "pipeline", "release"], project, ok=False)
        assert proc.returncode != 0
        message = proc.stdout + proc.stderr
        assert "一致性检查未通过" in message
        assert f"每千常住人口执业(助理)医师数（总计，年报全口径，岳阳市，{year}年12月末）" in message
        assert "卫生健康统计月报（全市）" in message and "卫生健康统计年报（统计报告及提要）" in message
        assert _tree(project / "releases") == before  # nothing was published
    finally:
        csv_path.write_bytes(original)
        _run([sys.executable, "-m", "pipeline", "monthly-report"], project)
