"""Both backends give the same documents, for every report kind of the sample city.

One `dvc repro` of the report stages (pandoc backend) writes the markdown sources; each kind's source is then
rendered once by each backend (and twice by Quarto, for byte-identical reruns). Allowed differences: the PDF's
font subset tags and HTML whitespace. Everything else — text per page, page count, fonts, the marking and date
lines, the page of every table title (never the last line of a page), the HTML element structure — must match.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from pipeline.render import documents as render
from pipeline.render import fonts
from pipeline.render.documents import RenderResult
from tests.helpers import copy_project, without_data_uris
from tests.integration.test_render import _pdf_fonts
from tests.quarto import require_quarto

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.quarto
KINDS = ("monthly", "county", "qc", "life_expectancy", "annual")
TABLE_TITLE = re.compile(r"^表\d+\u3000")
SOURCES: dict[str, Path] = {}  # kind -> the markdown source rendered (filled by the fixture)


def _source(project: Path, kind: str) -> Path:
    patterns = {"monthly": "reports/monthly/*/source/*.md", "county": "reports/county/*/*/source/*.md",
                "qc": "reports/qc/*/source/*.md", "life_expectancy": "reports/life_expectancy/*/source/*.md",
                "annual": "reports/annual/*/source/*.md"}
    found = sorted(project.glob(patterns[kind]))
    assert found, f"no {kind} source under {project}"
    return found[0]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, RenderResult]]:
    require_quarto()  # before the (slow) repro
    project = tmp_path_factory.mktemp("parity") / "project"
    copy_project(REPO, project)
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    text = (project / "params.yaml").read_text(encoding="utf-8")
    (project / "params.yaml").write_text(re.sub(r"(?m)^(\s+backend:\s*)\w+", r"\1pandoc", text), encoding="utf-8")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "HEALTHSTATS_FONT_DIR": str(fonts.ensure_fonts())}
    stages = ["monthly_report", "county_reports", "qc", "life_expectancy", "annual_report"]
    proc = subprocess.run(["dvc", "repro", *stages], cwd=project, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert params["report"]["backend"]  # the copy's params.yaml was readable
    out: dict[str, dict[str, RenderResult]] = {}
    base = tmp_path_factory.mktemp("parity-out")
    for kind in KINDS:
        md = SOURCES[kind] = _source(project, kind)
        out[kind] = {b: render.render_markdown(md, base / kind / b, backend=b) for b in ("pandoc", "quarto")}
        out[kind]["quarto-again"] = render.render_markdown(md, base / kind / "quarto-again", backend="quarto")
    return out


def _pages(pdf: Path) -> list[list[str]]:
    return [[line.strip() for line in page.extract_text().splitlines() if line.strip()]
            for page in PdfReader(pdf).pages]


def _font_names(pdf: Path) -> set[tuple[str, bool]]:
    # the six-letter subset tag ("ABCDEF+") may differ between backends: compare the font itself
    return {(name.split("+", 1)[-1], embedded)
            for page in PdfReader(pdf).pages for name, embedded in _pdf_fonts(page.get("/Resources"))}


class _Structure(HTMLParser):
    """The body's elements with their classes, aria-labels and text, whitespace-insensitive."""

    SKIP = {"style", "script"}
    # void elements: "<col>" and "<col />" are the same element (Quarto's HTML pass writes the former)
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self._skip = 0
        self._body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._body = True
        if tag in self.SKIP:
            self._skip += 1
        if self._body and not self._skip:
            keep = {k: v for k, v in attrs if k in ("class", "role", "aria-label", "colspan", "rowspan", "style")
                    and not (tag == "svg" and k == "style")}
            self.items.append(f"<{tag} {sorted(keep.items())}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        elif self._body and not self._skip and tag not in self.VOID:
            self.items.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._body and not self._skip and data.strip():
            self.items.append(" ".join(data.split()))


def _structure(html: Path) -> list[str]:
    parser = _Structure()
    parser.feed(html.read_text(encoding="utf-8"))
    return parser.items


@pytest.mark.parametrize("kind", KINDS)
def test_same_pdf_text_pages_and_fonts(outputs: dict[str, dict[str, RenderResult]], kind: str) -> None:
    pandoc, quarto = outputs[kind]["pandoc"], outputs[kind]["quarto"]
    assert pandoc.backend == "pandoc" and quarto.backend == "quarto"
    p_pages, q_pages = _pages(pandoc.pdf), _pages(quarto.pdf)
    assert len(q_pages) == len(p_pages)
    for number, (p, q) in enumerate(zip(p_pages, q_pages), start=1):
        assert q == p, f"{kind}: page {number} differs"
    assert _font_names(quarto.pdf) == _font_names(pandoc.pdf)
    assert all(embedded for _, embedded in _font_names(quarto.pdf))


def _dateline(md: Path) -> str | None:
    text = md.read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("\n---", 1)[0].removeprefix("---\n"))
    return None if meta.get("date") is None else str(meta["date"])


@pytest.mark.parametrize("kind", KINDS)
def test_date_and_marking_lines(outputs: dict[str, dict[str, RenderResult]], kind: str) -> None:
    """The metadata's date line is printed as written (Quarto printed "Invalid Date"); the QC bulletin's
    marking "内部资料　注意保密" is on it."""
    dateline = _dateline(SOURCES[kind])
    if kind == "qc":
        assert dateline is not None and dateline.endswith("内部资料\u3000注意保密")
    for backend in ("pandoc", "quarto"):
        pages = _pages(outputs[kind][backend].pdf)
        html = outputs[kind][backend].html.read_text(encoding="utf-8")
        assert all("Invalid Date" not in line for page in pages for line in page)
        assert "Invalid Date" not in html
        if dateline is None:
            assert 'class="date"' not in html
        else:
            assert dateline in pages[0][:6], (backend, pages[0][:6])
            assert f'<p class="date">{dateline}</p>' in html


@pytest.mark.parametrize("kind", KINDS)
def test_table_titles_stay_with_their_tables(outputs: dict[str, dict[str, RenderResult]], kind: str) -> None:
    placements = {}
    for backend in ("pandoc", "quarto"):
        pages = _pages(outputs[kind][backend].pdf)
        where = [(number, line) for number, page in enumerate(pages, start=1) for line in page
                 if TABLE_TITLE.match(line)]
        for number, page in enumerate(pages, start=1):
            body = [line for line in page if not re.fullmatch(r"第 \d+ 页", line)]
            assert not (body and TABLE_TITLE.match(body[-1])), f"{backend}: a table title ends page {number}"
        placements[backend] = where
    assert placements["quarto"] == placements["pandoc"]


@pytest.mark.parametrize("kind", KINDS)
def test_same_html_structure(outputs: dict[str, dict[str, RenderResult]], kind: str) -> None:
    pandoc, quarto = _structure(outputs[kind]["pandoc"].html), _structure(outputs[kind]["quarto"].html)
    assert quarto == pandoc
    html = outputs[kind]["quarto"].html.read_text(encoding="utf-8")
    faces = re.findall(r"@font-face\s*\{[^}]*\}", html)
    # serif body + sans Regular/Bold, each maybe with a unicode-range supplement for characters it lacks
    assert "http" not in without_data_uris(html) and len([f for f in faces if "unicode-range" not in f]) == 3
    assert all('aria-label="' in svg for svg in re.findall(r"<svg\b[^>]*>", html))


@pytest.mark.parametrize("kind", KINDS)
def test_quarto_reruns_are_byte_identical(outputs: dict[str, dict[str, RenderResult]], kind: str) -> None:
    first, again = outputs[kind]["quarto"], outputs[kind]["quarto-again"]
    assert first.html.read_bytes() == again.html.read_bytes()
    assert first.pdf.read_bytes() == again.pdf.read_bytes()
