"""A long report table through the renderer: spanners in both formats, 续表N with the header repeated on the next
PDF page only, no header word broken across lines, a landscape page when the catalogue asks, byte-identical reruns."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline.render import documents, style_check
from pipeline.render import table_model as tm


def _long_table(fit: str = "shrink") -> tm.TextTable:
    cols = tuple(tm.TextColumn(h, g) for g in ("12月", "1—12月|累计") for h in ("本期", "上年|同期", "同比|增长(%)"))
    rows = tuple(tm.TextRow(f"第{i}组机构", (f"{1000 + i:,}", "1,000", "3.2", f"{12000 + i:,}", "—", "-1.0"),
                            depth=i % 2) for i in range(1, 91))
    return tm.TextTable(number=1, title="表1　医疗卫生机构诊疗人次数（2025年1—12月）", columns=cols, rows=rows,
                        unit="人次", stub_header="机构类别", notes=("注：“—”表示无可比数据。",), fit=fit)


def _render(tmp_path: Path, table: tm.TextTable, name: str) -> documents.RenderResult:
    md = tmp_path / f"{name}.md"
    md.write_text("---\ntitle: 表格测试\n---\n\n正文。\n\n" + tm.to_markdown(table) + "\n\n后文。\n", encoding="utf-8")
    return documents.render_markdown(md, tmp_path / name, backend="pandoc")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> documents.RenderResult:
    return _render(tmp_path_factory.mktemp("tables"), _long_table(), "long")


def test_the_table_continues_under_xubiao_with_its_header(rendered):
    pages = [p.extract_text() for p in PdfReader(rendered.pdf).pages]
    assert len(pages) >= 2  # 90 rows: the table runs over onto a second page
    first = next(i for i, t in enumerate(pages) if "表1\u3000医疗卫生机构诊疗人次数" in t)
    assert "续表1" not in pages[first]
    for text in pages[first + 1:]:
        if "第90组机构" in text or "第45组机构" in text:
            lines = text.splitlines()
            assert any(line.startswith("续表1") for line in lines[:3]), lines[:4]
            assert "机构类别" in text and "1—12月累计" in text.replace(" ", "")  # the header repeated
    last = pages[-1]
    assert "注：“—”表示无可比数据。" in last and "后文。" in last


def test_html_has_spanners_and_no_header_word_broken_in_the_pdf(rendered):
    html = rendered.html.read_text(encoding="utf-8")
    assert '<th scope="colgroup" colspan="3"><span class="w">12月</span></th>' in html
    assert '<th scope="col" rowspan="2" class="stub"><span class="w">机构类别</span></th>' in html
    assert "```" not in html and "#stat-table" not in html  # the typst block does not leak into the HTML
    assert [f for f in style_check.check_file(rendered.pdf) if f.rule == "表头在词中换行"] == []


def test_a_landscape_table_gets_its_own_flipped_page(tmp_path):
    result = _render(tmp_path, _long_table("landscape"), "wide")
    boxes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(result.pdf).pages]
    assert boxes[0][0] < boxes[0][1]  # the text page is portrait
    assert any(w > h for w, h in boxes[1:])  # the table's pages are landscape


def test_rerender_is_byte_identical(rendered, tmp_path):
    again = _render(tmp_path, _long_table(), "long")
    assert again.pdf.read_bytes() == rendered.pdf.read_bytes()
    assert again.html.read_bytes() == rendered.html.read_bytes()
