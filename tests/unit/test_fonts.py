"""pipeline.render.fonts：宋体正文、黑体标题、生僻字补充字体的准备与缓存。

使用默认字体目录（仓库 .cache/fonts，git 忽略），首次约 1 分钟（生成静态黑体、下载补充字体），之后直接复用。
覆盖范围的期望值与字体无关地得出：GB 2312 / GBK 的字符集由 Python 自带的 gb2312、gbk 编解码器逐个双字节码位解出；
CJK 扩展 B 区的范围 U+20000–U+2A6DF 取自 Unicode 标准（Unicode 15.0 码表 Blocks.txt）。
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from pipeline.render import font_fetch
from pipeline.render.fonts import (
    BOLD_FILENAME,
    FALLBACK_FAMILY,
    FONT_FAMILY,
    FONT_FILENAMES,
    FONT_SOURCES,
    REGULAR_FILENAME,
    SERIF_FAMILY,
    SERIF_FILENAME,
    ensure_fonts,
)

EXT_B = range(0x20000, 0x2A6E0)
# Added to Extension B in Unicode 13.0 (U+2A6D7–U+2A6DD) and 14.0 (U+2A6DE–U+2A6DF), after HanaMinB (2017) was made.
EXT_B_LATER = set(range(0x2A6D7, 0x2A6E0))


@pytest.fixture(scope="module")
def font_dir() -> Path:
    return ensure_fonts()


def _family(font: TTFont) -> str:
    name = font["name"]
    typographic = name.getDebugName(16)
    return typographic or name.getDebugName(1) or ""


@functools.lru_cache(maxsize=2)
def _charset(encoding: str) -> frozenset[int]:
    """Every character of a double-byte GB code set, decoded byte pair by byte pair by Python's own codec."""
    found = set()
    for high in range(0x81, 0xFF):
        for low in range(0x40, 0xFF):
            try:
                text = bytes([high, low]).decode(encoding)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                found.add(ord(text))
    return frozenset(found)


def _cmap(path: Path) -> set[int]:
    with TTFont(path, lazy=True) as font:
        return set(font.getBestCmap())


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


def test_serif_body_font_is_static_regular_and_covers_gb2312_and_gbk(font_dir: Path) -> None:
    path = font_dir / SERIF_FILENAME
    with TTFont(path, lazy=True) as font:
        assert "fvar" not in font
        assert _family(font) == SERIF_FAMILY
        assert font["OS/2"].usWeightClass == 400
    cmap = _cmap(path)
    assert len(_charset("gb2312")) == 7445  # 6763 hanzi + 682 symbols: the standard's count
    assert _charset("gb2312") <= cmap
    # GBK: every character but one, U+2252 "≒" (a mathematical sign used in Japan; HanaMinB lacks it
    # too, so a document with it stops with the missing-glyph error instead of printing a box)
    assert _charset("gbk") - cmap == {0x2252}


def test_fallback_covers_extension_b(font_dir: Path) -> None:
    path = font_dir / font_fetch.FALLBACK_FILENAME
    with TTFont(path, lazy=True) as font:
        assert _family(font) == FALLBACK_FAMILY
    cmap = _cmap(path)
    assert 0x20BB7 in cmap  # 𠮷, the character of issue #10
    assert {c for c in EXT_B if c not in cmap} <= EXT_B_LATER
    assert font_fetch.is_valid(path)


def test_every_font_has_its_source_and_licence() -> None:
    assert set(FONT_SOURCES) == set(FONT_FILENAMES) and all("OFL" in note for note in FONT_SOURCES.values())


def test_second_call_does_not_rebuild(font_dir: Path) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in font_dir.iterdir() if p.is_file()}
    assert ensure_fonts() == font_dir
    after = {p.name: p.stat().st_mtime_ns for p in font_dir.iterdir() if p.is_file()}
    assert before == after
    assert set(FONT_FILENAMES) <= set(before)


def test_env_var_selects_directory(font_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 预先放入有效文件（复制缓存），验证环境变量生效且不会重建、不会下载。
    target = tmp_path / "fonts"
    target.mkdir()
    for name in FONT_FILENAMES:
        (target / name).write_bytes((font_dir / name).read_bytes())
    mtimes = {p.name: p.stat().st_mtime_ns for p in target.iterdir()}
    monkeypatch.setenv("HEALTHSTATS_FONT_DIR", str(target))
    monkeypatch.setattr(font_fetch, "_download", lambda d: pytest.fail("不应下载"))
    assert ensure_fonts() == target
    assert {p.name: p.stat().st_mtime_ns for p in target.iterdir()} == mtimes
