"""pipeline.fonts：静态中文字体的生成与缓存。

使用默认字体目录（仓库 .cache/fonts，git 忽略），首次约 30 秒，之后直接复用。
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from pipeline.render.fonts import (
    BOLD_FILENAME,
    FONT_FAMILY,
    REGULAR_FILENAME,
    ensure_fonts,
)


@pytest.fixture(scope="module")
def font_dir() -> Path:
    return ensure_fonts()


def _family(font: TTFont) -> str:
    name = font["name"]
    typographic = name.getDebugName(16)
    return typographic or name.getDebugName(1) or ""


@pytest.mark.parametrize(("filename", "weight"), [(REGULAR_FILENAME, 400), (BOLD_FILENAME, 700)])
def test_static_fonts_have_family_and_weight(font_dir: Path, filename: str, weight: int) -> None:
    path = font_dir / filename
    assert path.is_file()
    with TTFont(path, lazy=True) as font:
        assert "fvar" not in font, "应为静态字体（不含 fvar 表）"
        assert _family(font) == FONT_FAMILY
        assert font["OS/2"].usWeightClass == weight
        cmap = font.getBestCmap()
        assert all(ord(ch) in cmap for ch in "总诊疗人次岳阳市卫生健康")


def test_second_call_does_not_rebuild(font_dir: Path) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in font_dir.glob("NotoSansSC-*.ttf")}
    assert ensure_fonts() == font_dir
    after = {p.name: p.stat().st_mtime_ns for p in font_dir.glob("NotoSansSC-*.ttf")}
    assert before == after
    assert set(before) == {REGULAR_FILENAME, BOLD_FILENAME}


def test_env_var_selects_directory(font_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 预先放入有效文件（硬链接/复制缓存），验证环境变量生效且不会重建。
    target = tmp_path / "fonts"
    target.mkdir()
    for name in (REGULAR_FILENAME, BOLD_FILENAME):
        (target / name).write_bytes((font_dir / name).read_bytes())
    mtimes = {p.name: p.stat().st_mtime_ns for p in target.iterdir()}
    monkeypatch.setenv("HEALTHSTATS_FONT_DIR", str(target))
    assert ensure_fonts() == target
    assert {p.name: p.stat().st_mtime_ns for p in target.iterdir()} == mtimes
