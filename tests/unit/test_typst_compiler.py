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
