"""Exact ties and no '-0.0'/'+0.0' survive rendering: the report table as HTML and as PDF text."""

from __future__ import annotations

import html
import re
from pathlib import Path

from pypdf import PdfReader

from pipeline.render import tables
from pipeline.render.documents import render_markdown
from tests.unit.test_rounding import EXPECTED, _table


def test_html_and_pdf_print_the_rounded_ties(tmp_path: Path) -> None:
    md = tmp_path / "src" / "report.md"
    md.parent.mkdir()
    md.write_text("---\ntitle: 舍入测试\n---\n\n" + tables.to_markdown(_table()) + "\n", encoding="utf-8")
    result = render_markdown(md, tmp_path / "out", backend="pandoc")
    page = html.unescape(re.sub(r"<[^>]+>", " ", result.html.read_text(encoding="utf-8")))
    pdf = " ".join(p.extract_text() for p in PdfReader(result.pdf).pages)
    for text in (page, pdf.replace("\u2212", "-")):  # typst sets a hyphen-minus as the minus sign U+2212
        tokens = re.findall(r"[+-]?\d+\.\d+", text)
        assert "-0.0" not in tokens and "+0.0" not in tokens and "-0.00" not in tokens and "+0.00" not in tokens
        for label, cells in EXPECTED.items():
            assert re.search(label + r"\s+" + r"\s+".join(re.escape(c) for c in cells), text), (label, text[:400])
