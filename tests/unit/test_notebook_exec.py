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
