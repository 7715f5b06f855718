"""pipeline.render.notebook.execute: a percent-format notebook run by papermill with our kernel settings."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from pipeline.errors import UserError
from pipeline.render import notebook

SOURCE = '''# %% tags=["parameters"]
x = 1

# %%
print(x * 21)
'''


def test_parameters_reach_the_kernel_and_the_output_is_complete(tmp_path: Path) -> None:
    """The injected parameter is used (2 * 21 = 42) and the saved notebook, written after the kernel is stopped at
    once, has every cell's output and stable cell ids."""
    source = tmp_path / "nb.py"
    source.write_text(SOURCE, encoding="utf-8")
    out = tmp_path / "out" / "nb.ipynb"
    notebook.execute(source, out, parameters={"x": 2}, cwd=tmp_path)
    nb = nbformat.read(out, as_version=4)
    texts = [o.get("text", "") for c in nb.cells for o in c.get("outputs", [])]
    assert "42\n" in texts
    assert [c["id"] for c in nb.cells] == [f"cell-{i}" for i in range(len(nb.cells))]


def test_an_error_in_a_cell_is_a_chinese_message(tmp_path: Path) -> None:
    source = tmp_path / "bad.py"
    source.write_text('# %% tags=["parameters"]\nx = 1\n\n# %%\nraise ValueError("数据不全")\n', encoding="utf-8")
    with pytest.raises(UserError, match="笔记本 bad.py 第 .* 个单元格出错：数据不全"):
        notebook.execute(source, tmp_path / "bad.ipynb", parameters={}, cwd=tmp_path)
    assert not (tmp_path / "bad.ipynb").exists()


def test_print_split_by_a_flush_is_saved_as_one_output() -> None:
    """A flush between a print's text and its newline gives two stream messages; the saved notebook has one output
    either way. Pieces with a table between them stay apart, and stderr (progress lines) is dropped."""
    v4 = nbformat.v4
    split = v4.new_code_cell("print(...)", outputs=[
        v4.new_output("stream", name="stdout", text="县市区问题清单 12 个"),
        v4.new_output("stream", name="stdout", text="\n"),
        v4.new_output("stream", name="stderr", text="进度\n"),
        v4.new_output("display_data", data={"text/markdown": "| a |"}),
        v4.new_output("stream", name="stdout", text="排版后端：pandoc\n"),
    ])
    whole = v4.new_code_cell("print(...)", outputs=[
        v4.new_output("stream", name="stdout", text="县市区问题清单 12 个\n"),
        v4.new_output("display_data", data={"text/markdown": "| a |"}),
        v4.new_output("stream", name="stdout", text="排版后端：pandoc\n"),
    ])
    a = notebook.strip_volatile(v4.new_notebook(cells=[split]))
    b = notebook.strip_volatile(v4.new_notebook(cells=[whole]))
    assert nbformat.writes(a) == nbformat.writes(b)
    assert [o.get("text") for o in a.cells[0].outputs] == ["县市区问题清单 12 个\n", None, "排版后端：pandoc\n"]
