"""The life-expectancy stage writes its output folder as one set (pipeline.io_utils.atomic_dir): a run that fails
half-way leaves the previous set whole and no temporary folder; a run that succeeds replaces the set at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import UserError
from pipeline.life import expectancy as le
from pipeline.render import notebook

OLD = {"report.html": "old report", "summary.csv": "old summary", "life_tables.xlsx": "old workbook"}


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[le.LifeExpectancyParams, Path]:
    params = le.LifeExpectancyParams(year=2025)
    for rel in le.required_inputs(params):  # the stage only checks that its inputs exist before the notebook
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    out = tmp_path / "reports" / "life_expectancy" / "2025"
    out.mkdir(parents=True)
    for name, text in OLD.items():
        (out / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return params, Path("reports/life_expectancy/2025")


def _contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}


def _run(params: le.LifeExpectancyParams, out: Path) -> None:
    le.run_life_expectancy(params=params, out_dir=out, org_name="岳阳市卫生健康委员会", backend="auto")


def test_failure_mid_write_keeps_the_previous_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    params, out = _project(tmp_path, monkeypatch)

    def half_written(source: Path, output: Path, *, parameters: dict[str, Any], cwd: Path,
                     aliases: dict[str, str] | None = None) -> None:
        folder = cwd / parameters["out_dir"]
        assert folder.resolve() != (cwd / out).resolve()  # the notebook writes beside the set, not into it
        (folder / "summary.csv").write_text("new summary", encoding="utf-8")
        (folder / "report.html").write_text("new report, half", encoding="utf-8")
        raise UserError("笔记本 life_expectancy.py 第 3 个单元格出错：排版失败")

    monkeypatch.setattr(notebook, "execute", half_written)
    with pytest.raises(UserError, match="排版失败"):
        _run(params, out)
    assert _contents(tmp_path / out) == OLD
    assert sorted(p.name for p in (tmp_path / out).parent.iterdir()) == ["2025"]  # no temporary folder left


def test_success_replaces_the_set_and_names_the_final_folder(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    params, out = _project(tmp_path, monkeypatch)
    seen: dict[str, Any] = {}

    def complete(source: Path, output: Path, *, parameters: dict[str, Any], cwd: Path,
                 aliases: dict[str, str] | None = None) -> None:
        folder = cwd / parameters["out_dir"]
        assert _contents(tmp_path / out) == OLD  # the old set is whole while the new one is written
        for name in ("report.html", "summary.csv", "life_tables.xlsx"):
            (folder / name).write_text(f"new {name}", encoding="utf-8")
        output.write_text(parameters["out_dir"], encoding="utf-8")
        seen.update(aliases or {})

    monkeypatch.setattr(notebook, "execute", complete)
    _run(params, out)
    got = _contents(tmp_path / out)
    assert {k: v for k, v in got.items() if k != "life_expectancy.ipynb"} == {
        name: f"new {name}" for name in ("report.html", "summary.csv", "life_tables.xlsx")}
    # the executed notebook's text has the temporary folder replaced by the final one
    assert list(seen.values()) == ["reports/life_expectancy/2025"]
    assert list(seen) == [got["life_expectancy.ipynb"]] and ".tmp-" in got["life_expectancy.ipynb"]
    assert sorted(p.name for p in (tmp_path / out).parent.iterdir()) == ["2025"]
