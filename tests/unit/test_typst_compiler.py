"""pipeline.render.documents.compile_typst keeps one typst compiler per font folder and process (it reads the
fonts once and keeps what it worked out for the next document). Every PDF must be the bytes a fresh
`typst.compile` makes with the same fonts, and a file the document reads (an image) is read anew at each compile."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typst

from pipeline.render import documents
from pipeline.render.fonts import SERIF_FILENAME, ensure_fonts

_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="{}"/></svg>'


def _fresh(source: str, root: Path, font_dir: Path) -> bytes:
    """What typst makes on its own: a new compile with the folder's fonts and no system fonts."""
    pdf = typst.compile(source.encode("utf-8"), root=str(root), font_paths=[str(font_dir)], ignore_system_fonts=True,
                        timestamp=documents.pdf_timestamp())
    assert isinstance(pdf, bytes)
    return pdf


def test_documents_compiled_one_after_another_are_the_bytes_of_fresh_compiles(tmp_path: Path) -> None:
    font_dir = tmp_path / "fonts"
    font_dir.mkdir()
    shutil.copy2(ensure_fonts() / SERIF_FILENAME, font_dir / SERIF_FILENAME)
    (tmp_path / "chart.svg").write_text(_SVG.format("red"), encoding="utf-8")
    sources = ['#set text(font: "Noto Serif SC")\n= 岳阳市\n\n全市 1—12 月 #image("/chart.svg")',
               '#set text(font: "Noto Serif SC")\n= 华容县\n\n表1　诊疗人次\n\n#table(columns: 2, [县], [12.3])',
               '#set text(font: "Noto Serif SC")\n= 岳阳市\n\n全市 1—12 月 #image("/chart.svg")']
    made = [documents.compile_typst(s, tmp_path, font_dir) for s in sources]
    assert made == [_fresh(s, tmp_path, font_dir) for s in sources]
    assert made[0] == made[2] and made[0] != made[1]
    assert documents._typst_compiler.cache_info().currsize >= 1  # the compiler was kept ...
    (tmp_path / "chart.svg").write_text(_SVG.format("blue"), encoding="utf-8")  # ... and the image is read again
    again = documents.compile_typst(sources[0], tmp_path, font_dir)
    assert again != made[0] and again == _fresh(sources[0], tmp_path, font_dir)


def test_a_changed_font_folder_gets_a_new_compiler(tmp_path: Path) -> None:
    font_dir = tmp_path / "fonts"
    font_dir.mkdir()
    source = '#set text(font: "Noto Serif SC")\n中文'
    with pytest.raises(documents.RenderError, match="(?i)noto serif sc"):  # typst warns that the font is missing
        documents.compile_typst(source, tmp_path, font_dir)
    shutil.copy2(ensure_fonts() / SERIF_FILENAME, font_dir / SERIF_FILENAME)  # the font arrives: found now
    assert documents.compile_typst(source, tmp_path, font_dir) == _fresh(source, tmp_path, font_dir)


_MD = "---\ntitle: 岳阳市卫生健康统计月报\ndate: 2025年12月\n---\n\n# 一、概况\n\n全市 1—12 月诊疗 123.4 万人次。\n\n![图1　趋势](chart.svg)\n"


def test_a_document_rendered_with_the_pdf_in_a_second_thread_is_the_sequential_bytes(tmp_path: Path) -> None:
    """_render_pandoc makes the PDF in a thread while the HTML's fonts are embedded: the HTML and PDF must be the
    bytes of the same steps run one after another in this thread."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "chart.svg").write_text(_SVG.format("red"), encoding="utf-8")
    md = src / "report.md"
    md.write_text(_MD, encoding="utf-8")
    font_dir = ensure_fonts()
    result = documents._render_pandoc(md, tmp_path / "out", "report", font_dir)
    ast = documents.apparatus_to_meta(documents.move_date_to_dateline(documents.read_ast(md)), md)
    images = documents.check_images(ast, src)
    html = documents.finalize_html(documents._pandoc_html(ast, src), font_dir)
    root = documents._project_root(src, images)
    pdf = documents.compile_typst(documents._pandoc_typst(documents._rebase_images(ast, src, root)), root, font_dir)
    assert result.html.read_bytes() == html.encode("utf-8") and result.pdf.read_bytes() == pdf


def test_an_html_error_is_raised_before_the_pdf_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both halves failing: the HTML's error is the one reported, as when the PDF was made after the HTML."""
    md = tmp_path / "report.md"
    md.write_text("---\ntitle: 测试\n---\n\n正文\n", encoding="utf-8")

    def html_fails(html_text: str, font_dir: Path) -> str:
        raise documents.RenderError("HTML 出错")

    def pdf_fails(source: str, root: Path, font_dir: Path) -> bytes:
        raise documents.RenderError("PDF 出错")

    monkeypatch.setattr(documents, "finalize_html", html_fails)
    monkeypatch.setattr(documents, "compile_typst", pdf_fails)
    with pytest.raises(documents.RenderError, match="HTML 出错"):
        documents._render_pandoc(md, tmp_path / "out", "report", ensure_fonts())
    monkeypatch.setattr(documents, "finalize_html", lambda html_text, font_dir: html_text)
    with pytest.raises(documents.RenderError, match="PDF 出错"):
        documents._render_pandoc(md, tmp_path / "out", "report", ensure_fonts())
    assert not (tmp_path / "out" / "report.html").exists()  # nothing written when either half fails
