"""pipeline.render：中文 markdown → HTML（单文件）+ PDF（typst），离线、可复现。"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pypdf import PdfReader

from pipeline.render import charts
from pipeline.render import documents as render
from pipeline.render.documents import RenderError, RenderResult, render_markdown
from pipeline.render.fonts import FALLBACK_FAMILY, FONT_FAMILY, SERIF_FAMILY, ensure_fonts
from tests.helpers import without_data_uris
from tests.quarto import BACKENDS, require

DOC = """\
---
title: 岳阳市卫生健康统计月报
subtitle: 2025年1—10月
date: 2025年12月
author: 岳阳市卫生健康委员会
{extra_meta}---

# 一、总体情况

全市总诊疗人次 1,234,567 人次，同比增长 3.2%。{extra_text}

: 表1 各县市区总诊疗人次

| 地区 | 总诊疗人次 | 同比（%） |
|:-----|----------:|--------:|
| 岳阳楼区 | 123,456 | 3.2 |
| 华容县 | 98,765 | -1.5 |

{figure}"""

FIGURE = "![图1 总诊疗人次趋势](charts/trend.svg)\n"


def _write_doc(
    directory: Path,
    *,
    extra_meta: str = "",
    extra_text: str = "",
    chart: bool = True,
    figure: bool = True,
) -> Path:
    """写一份小型中文报告；chart=False 不生成 SVG，figure=False 不引用图片。"""
    directory.mkdir(parents=True, exist_ok=True)
    if chart:
        rows = [{"month": m, "series": "2024年", "value": 100_000.0 + 5_000 * m} for m in range(1, 13)]
        rows += [{"month": m, "series": "2025年", "value": 104_000.0 + 6_000 * m} for m in range(1, 11)]
        svg = charts.to_svg(charts.trend_chart(pl.DataFrame(rows), "总诊疗人次逐月趋势", "人次"))
        (directory / "charts").mkdir(exist_ok=True)
        (directory / "charts" / "trend.svg").write_text(svg, encoding="utf-8")
    md = directory / "report.md"
    text = DOC.format(extra_meta=extra_meta, extra_text=extra_text, figure=FIGURE if figure else "")
    md.write_text(text, encoding="utf-8")
    return md


@pytest.fixture(scope="module", params=BACKENDS)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[RenderResult, RenderResult]:
    """The same document rendered twice by one backend (every test below runs for both backends)."""
    require(request.param)
    base = tmp_path_factory.mktemp(f"render-{request.param}")
    md = _write_doc(base / "src")
    before = sorted(p.relative_to(md.parent) for p in md.parent.rglob("*"))
    first = render_markdown(md, base / "out1", backend=request.param)
    second = render_markdown(md, base / "out2", backend=request.param)
    # the source folder is left as it was (quarto renders a copy in a temporary folder)
    assert sorted(p.relative_to(md.parent) for p in md.parent.rglob("*")) == before
    return first, second


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    require(request.param)
    return str(request.param)


def test_outputs_exist(rendered: tuple[RenderResult, RenderResult], request: pytest.FixtureRequest) -> None:
    result = rendered[0]
    assert result.backend == request.node.callspec.params["rendered"]
    assert result.html.name == "report.html" and result.html.is_file()
    assert result.pdf.name == "report.pdf" and result.pdf.is_file()
    leftovers = [p.name for p in result.html.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    record = json.loads((result.html.parent / "report.render.json").read_text(encoding="utf-8"))
    assert record["backend"] == result.backend and record["renderer"] == result.renderer
    assert record["files"] == ["report.html", "report.pdf"]
    assert re.fullmatch(r"pandoc \d+\.\d+.* \+ typst \d+\.\d+.*|Quarto \d+\.\d+.*", result.renderer)


def test_date_line_title_and_headings(rendered: tuple[RenderResult, RenderResult]) -> None:
    """The date line is text, not a date (Quarto printed "Invalid Date"); `#` stays a level-1 heading."""
    html = rendered[0].html.read_text(encoding="utf-8")
    assert '<p class="date">2025年12月</p>' in html
    assert '<h1 id="一总体情况">一、总体情况</h1>' in html
    lines = PdfReader(rendered[0].pdf).pages[0].extract_text().splitlines()
    assert lines[:4] == ["岳阳市卫生健康统计月报", "2025年1—10月", "岳阳市卫生健康委员会", "2025年12月"]
    assert "Invalid Date" not in html and "Invalid Date" not in "".join(lines)
    assert lines.index("表1 各县市区总诊疗人次") == lines.index("一、总体情况") + 2  # the caption is kept


def test_html_is_self_contained(rendered: tuple[RenderResult, RenderResult]) -> None:
    html = rendered[0].html.read_text(encoding="utf-8")
    assert "http" not in without_data_uris(html)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?!data:|#)""", html)
    assert "mathjax" not in html.lower() and "require.js" not in html.lower()
    assert re.search(r"<svg\b", html)
    assert "data:image/svg+xml" not in html
    assert "总诊疗人次逐月趋势" in html  # 图中文字以 <text> 形式内联
    assert '<html lang="zh-Hans">' in html
    faces = re.findall(r"@font-face\s*\{[^}]*\}", html)
    # body serif, heading/table-header sans Regular and Bold; no supplement (every character is in its face)
    assert [re.search(r'font-family: "([^"]+)"; font-style: normal; font-weight: (\d+);', f).groups()
            for f in faces] == [(SERIF_FAMILY, "400"), (FONT_FAMILY, "400"), (FONT_FAMILY, "700")]
    for face in faces:
        assert "url(data:font/woff2;base64," in face and "unicode-range" not in face


def test_html_table_style(rendered: tuple[RenderResult, RenderResult]) -> None:
    html = rendered[0].html.read_text(encoding="utf-8")
    assert "<caption>表1 各县市区总诊疗人次</caption>" in html
    assert '<td style="text-align: right;">123,456</td>' in html


def _pdf_fonts(resources: Any, seen: set[int] | None = None) -> list[tuple[str, bool]]:
    """(BaseFont, 是否嵌入) —— 遍历页面及表单 XObject 的 /Resources。"""
    seen = set() if seen is None else seen
    found: list[tuple[str, bool]] = []
    if resources is None:
        return found
    resources = resources.get_object()
    for ref in (resources.get("/Font") or {}).values():
        font = ref.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
        found.append((str(font.get("/BaseFont")), embedded))
    for ref in (resources.get("/XObject") or {}).values():
        xobject = ref.get_object()
        key = id(xobject)
        if xobject.get("/Subtype") == "/Form" and key not in seen:
            seen.add(key)
            found += _pdf_fonts(xobject.get("/Resources"), seen)
    return found


def test_pdf_fonts_embedded_and_text(rendered: tuple[RenderResult, RenderResult]) -> None:
    reader = PdfReader(rendered[0].pdf)
    fonts = [f for page in reader.pages for f in _pdf_fonts(page.get("/Resources"))]
    assert fonts
    assert all(embedded for _, embedded in fonts)
    names = {name for name, _ in fonts}
    # typst names a CFF (.otf) face with its CMap: "NotoSerifSC-Regular-Identity-H"
    assert all(re.fullmatch(r"/[A-Z]{6}\+(NotoSansSC-(Regular|Bold)|NotoSerifSC-Regular(-Identity-H)?)", n)
               for n in names), names
    assert any("NotoSerifSC-Regular" in n for n in names)  # body text
    assert any(n.endswith("NotoSansSC-Bold") for n in names)  # headings, table headers
    assert any(n.endswith("NotoSansSC-Regular") for n in names)  # the chart
    text = "".join(page.extract_text() for page in reader.pages)
    for phrase in ("总诊疗人次", "岳阳市卫生健康统计月报", "第 1 页", "总诊疗人次逐月趋势", "12月"):
        assert phrase in text
    assert "图 1" not in text and "表 1" not in text  # 不加自动编号前缀


def test_two_renders_are_byte_identical(rendered: tuple[RenderResult, RenderResult]) -> None:
    first, second = rendered
    assert first.html.read_bytes() == second.html.read_bytes()
    assert first.pdf.read_bytes() == second.pdf.read_bytes()


def test_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    md = _write_doc(tmp_path / "src", chart=False, figure=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    result = render_markdown(md, tmp_path / "out", stem="月报", backend="pandoc")
    assert result.pdf.name == "月报.pdf"
    metadata = PdfReader(result.pdf).metadata
    assert metadata is not None
    assert str(metadata["/CreationDate"]).startswith("D:20250101")


def test_render_log_goes_to_stderr_not_stdout(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Notebook stages keep stdout in the executed .ipynb (a tracked output): the per-document log line must not
    land there, or parallel editions (whose output arrives in timing-dependent chunks) change the notebook's bytes."""
    md = _write_doc(tmp_path / "src", chart=False, figure=False)
    render_markdown(md, tmp_path / "out", backend="pandoc")
    out, err = capfd.readouterr()
    assert out == ""
    assert "排版：report.html、report.pdf 由 pandoc+typst 后端" in err


def test_missing_image_names_file(tmp_path: Path, backend: str) -> None:
    md = _write_doc(tmp_path / "src", chart=False)
    out = tmp_path / "out"
    with pytest.raises(RenderError, match=r"找不到图片文件：charts/trend\.svg"):
        render_markdown(md, out, backend=backend)
    assert not (out / "report.html").exists() and not (out / "report.pdf").exists()


def test_typst_warning_is_error(tmp_path: Path, backend: str) -> None:
    md = _write_doc(tmp_path / "src", extra_meta="mainfont: 不存在的字体\n", chart=False, figure=False)
    with pytest.raises(RenderError, match="typst 编译产生警告.*unknown font family"):
        render_markdown(md, tmp_path / "out", backend=backend)
    assert not (tmp_path / "out" / "report.pdf").exists()


def test_typst_warning_direct_call(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="typst 编译产生警告"):
        render.compile_typst('#set text(font: "Nonexistent Sans")\n中文', tmp_path, ensure_fonts())


def test_missing_glyph_is_error(tmp_path: Path, backend: str) -> None:
    md = _write_doc(tmp_path / "src", extra_text="😀", chart=False, figure=False)
    with pytest.raises(RenderError, match="缺少以下字符的字形.*U\\+1F600"):
        render_markdown(md, tmp_path / "out", backend=backend)


@pytest.mark.parametrize("char", ["\U000F0000", "\U00030000"])
def test_a_character_no_font_has_is_an_error(tmp_path: Path, char: str) -> None:
    """A private-use code point (an office's self-made character; Python calls it unprintable) and a CJK Extension G
    character (Unicode 13, after HanaMinB) are in no font we ship: refused before typesetting, never a box."""
    md = _write_doc(tmp_path / "src", extra_text=f"某{char}卫生院", chart=False, figure=False)
    with pytest.raises(RenderError, match=f"缺少以下字符的字形，请改写文字：“{char}”\\(U\\+{ord(char):04X}\\)"):
        render_markdown(md, tmp_path / "out", backend="pandoc")
    assert not (tmp_path / "out" / "report.pdf").exists()


def _woff2_cmap(data_uri_face: str) -> set[int]:
    import base64
    import io

    from fontTools.ttLib import TTFont

    data = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", data_uri_face).group(1))
    with TTFont(io.BytesIO(data)) as font:
        return set(font.getBestCmap())


RARE = "𠮷"  # U+20BB7, CJK Extension B: in neither Noto font, in HanaMinB


def test_rare_character_renders_from_the_fallback(tmp_path: Path, backend: str) -> None:
    md = _write_doc(tmp_path / "src", extra_text=f"其中{RARE}祥卫生院上报 12 次。", chart=False, figure=False)
    result = render_markdown(md, tmp_path / "out", backend=backend)  # typst warnings would raise
    reader = PdfReader(result.pdf)
    fonts = dict(f for page in reader.pages for f in _pdf_fonts(page.get("/Resources")))
    assert any(re.fullmatch(rf"/[A-Z]{{6}}\+{FALLBACK_FAMILY}", name) for name in fonts), fonts
    assert all(fonts.values())  # every font embedded, the fallback's subset included
    assert f"其中{RARE}祥卫生院" in "".join(page.extract_text() for page in reader.pages)

    html = result.html.read_text(encoding="utf-8")
    faces = re.findall(r"@font-face\s*\{[^}]*\}", html)
    rare_faces = [f for f in faces if "unicode-range: U+20BB7;" in f]
    # the body face and both heading faces each get the glyph under their own family name
    assert len(rare_faces) == 3 and {re.search(r'font-family: "([^"]+)"', f).group(1) for f in rare_faces} == {
        SERIF_FAMILY, FONT_FAMILY}
    assert all(_woff2_cmap(f) == {0x20BB7} for f in rare_faces)
    main = [f for f in faces if "unicode-range" not in f]
    assert len(main) == 3 and all(0x20BB7 not in _woff2_cmap(f) for f in main)
    assert all(ord("祥") in _woff2_cmap(f) for f in main)


def test_external_image_rejected(tmp_path: Path) -> None:
    md = tmp_path / "doc.md"
    md.write_text("# 一、图\n\n![图](https://example.org/a.svg)\n", encoding="utf-8")
    with pytest.raises(RenderError, match="外部"):
        render_markdown(md, tmp_path / "out", backend="pandoc")


def test_missing_pandoc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pypandoc

    def no_pandoc() -> str:
        raise OSError("no pandoc")

    monkeypatch.setattr(pypandoc, "get_pandoc_path", no_pandoc)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    md = _write_doc(tmp_path / "src", chart=False, figure=False)
    with pytest.raises(RenderError, match="未找到 pandoc"):
        render_markdown(md, tmp_path / "out", backend="pandoc")


def test_unknown_backend(tmp_path: Path) -> None:
    md = _write_doc(tmp_path / "src", chart=False, figure=False)
    with pytest.raises(RenderError, match="未知的渲染后端"):
        render_markdown(md, tmp_path / "out", backend="latex")


def test_auto_backend_without_quarto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert render.resolve_backend("auto") == "pandoc"


def test_full_width_space_is_in_the_embedded_font_subset():
    """Table rows are indented with U+3000: the HTML's subset font must carry it, or browsers show a box."""
    from pipeline.render import documents as r

    chars = r.document_chars("<p>\u3000\u3000#政府办 a\u00a0b</p>")
    assert {"\u3000", "\u00a0", " ", "政"} <= chars


def test_table_title_sticks_to_its_table():
    from pipeline.render import documents as r

    src = "正文。\n\n表3\u3000各县市区（2025年）\n\n#figure(\n  table()\n)\n\n表4 不是标题\n"
    out = r.keep_titles_with_tables(src)
    assert "#block(sticky: true)[表3\u3000各县市区（2025年）]\n\n#figure(" in out
    assert out.count("sticky") == 1  # a paragraph that merely starts with 表 is left alone
