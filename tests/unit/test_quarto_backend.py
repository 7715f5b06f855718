"""Which backend auto picks, by Quarto version (a fake `quarto` on PATH), and the metadata Quarto must not parse."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import yaml

from pipeline.render import documents as render
from pipeline.render import quarto_backend, render_info
from pipeline.render.documents import RenderError


def _fake_quarto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str) -> Path:
    """A `quarto` that only answers --version; rendering with it would fail loudly."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "quarto"
    script.write_text(f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo "{version}"; exit 0; fi\nexit 3\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return script


@pytest.mark.parametrize(("text", "parsed"), [("1.10.18", (1, 10, 18)), ("1.6.40\n", (1, 6, 40)),
                                              ("99.9.9", (99, 9, 9)), ("1.9", (1, 9)), ("quarto", None)])
def test_parse_version(text: str, parsed: tuple[int, ...] | None) -> None:
    assert quarto_backend.parse_version(text) == parsed


def test_auto_uses_a_supported_quarto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_quarto(tmp_path, monkeypatch, "1.10.18")
    choice = render.choose_backend("auto")
    assert choice.name == "quarto" and choice.note == ""
    assert choice.quarto is not None and choice.quarto.version == (1, 10, 18)
    assert render.backend_identity("auto") == "quarto 1.10.18"


def test_auto_falls_back_from_an_old_quarto_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_quarto(tmp_path, monkeypatch, "1.6.40")
    choice = render.choose_backend("auto")
    assert choice.name == "pandoc"
    assert "1.6.40" in choice.note and "低于本项目支持的最低版本 1.10" in choice.note and "pandoc+typst" in choice.note
    assert render.backend_identity("auto") == "pandoc"


def test_explicit_quarto_too_old_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_quarto(tmp_path, monkeypatch, "1.7.3")
    md = tmp_path / "doc.md"
    md.write_text("---\ntitle: 标题\n---\n\n正文\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"Quarto 版本为 1\.7\.3，低于本项目支持的最低版本 1\.10.*report\.backend"):
        render.render_markdown(md, tmp_path / "out", backend="quarto")
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_fallback_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_quarto(tmp_path, monkeypatch, "1.5.57")
    md = tmp_path / "doc.md"
    md.write_text("---\ntitle: 标题\ndate: 2025年12月\n---\n\n# 一、正文\n\n正文。\n", encoding="utf-8")
    result = render.render_markdown(md, tmp_path / "out", backend="auto")
    assert result.backend == "pandoc"
    record = json.loads(render_info.record_path(tmp_path / "out", "report").read_text(encoding="utf-8"))
    assert record["backend"] == "pandoc" and "1.5.57" in record["note"]
    lines = render_info.summary_lines(tmp_path / "out")
    assert lines[0].startswith("排版：report.html、report.pdf 由 pandoc+typst 后端（pandoc ") and "1.5.57" in lines[1]
    assert render_info.rendered_by(tmp_path / "out", ["report.pdf", "x.csv"]) == {
        "report.pdf": {"backend": "pandoc", "renderer": result.renderer}}


def test_protect_metadata_renames_only_the_date() -> None:
    md = ('---\ntitle: "岳阳市医疗卫生机构月报数据质量通报"\nsubtitle: "2025年第四季度"\n'
          'date: "数据截至2025年12月　内部资料　注意保密"\nlang: zh-Hans\n---\n\n## 一、总体情况\n\n正文 --- 不是元数据。\n')
    out = quarto_backend.protect_metadata(md)
    head, body = out.split("\n---\n", 1)
    meta = yaml.safe_load(head.removeprefix("---\n"))
    assert meta == {"title": "岳阳市医疗卫生机构月报数据质量通报", "subtitle": "2025年第四季度",
                    "dateline": "数据截至2025年12月　内部资料　注意保密", "lang": "zh-Hans"}
    assert body == "\n## 一、总体情况\n\n正文 --- 不是元数据。\n"
    assert quarto_backend.protect_metadata("# 无元数据\n") == "# 无元数据\n"


def test_quarto_config_uses_relative_font_paths_and_no_heading_shift() -> None:
    config = json.loads(quarto_backend.quarto_config({"html": "a.html", "css": "a.css", "typst": "a.typst"}, "zh-Hans"))
    typst = config["format"]["typst"]
    assert all(not p.startswith("/") for p in typst["font-paths"])  # Quarto >= 1.8: "/" means the project root
    assert typst["shift-heading-level-by"] == 0
    assert config["filters"][-1] == "quarto"  # the parity filter runs before Quarto's own


def test_typst_warnings_are_found_but_quarto_warn_lines_are_not() -> None:
    output = ("WARN: typst-gather analyze failed; staging all packages as fallback\n"
              "[typst]: Compiling report.typ to report.pdf...warning: unknown font family: x\n"
              "warning: unknown font family: x\n")
    assert quarto_backend.typst_warnings(output) == ["unknown font family: x"]
    assert quarto_backend.typst_warnings("WARN: typst-gather binary not found.\nOutput created: report.pdf\n") == []
