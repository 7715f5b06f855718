"""中文字体准备：由可变字体 Noto Sans SC 生成静态 Regular/Bold 字体并缓存。

justmytype-intl-cjk 自带的 ``NotoSansSC[wght].ttf`` 是可变字体，默认实例为 Thin；
图表渲染（vl-convert）与 typst 中的 SVG 会因此全部显示为细体。这里一次性生成
wght=400 与 wght=700 的静态字体，缓存在 git 忽略的目录中，并显式传给每个工具。
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError
from fontTools.varLib.instancer import instantiateVariableFont

from pipeline.io_utils import atomic_path

FONT_FAMILY = "Noto Sans SC"
FONT_DIR_ENV = "HEALTHSTATS_FONT_DIR"

_SOURCE_PACKAGE = "justmytype_intl_cjk"
_SOURCE_PARTS = ("fonts", "ofl", "notosanssc", "NotoSansSC[wght].ttf")
_REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class StaticFont:
    """一个静态字重的目标文件名与 wght 值。"""

    filename: str
    weight: int


STATIC_FONTS: tuple[StaticFont, ...] = (
    StaticFont("NotoSansSC-Regular.ttf", 400),
    StaticFont("NotoSansSC-Bold.ttf", 700),
)
REGULAR_FILENAME = STATIC_FONTS[0].filename
BOLD_FILENAME = STATIC_FONTS[1].filename


class FontError(RuntimeError):
    """字体准备失败。"""


def default_font_dir() -> Path:
    """字体缓存目录：环境变量 HEALTHSTATS_FONT_DIR，否则为 <仓库根>/.cache/fonts。"""
    env = os.environ.get(FONT_DIR_ENV)
    if env:
        return Path(env)
    return _REPO_ROOT / ".cache" / "fonts"


def font_files(font_dir: Path) -> dict[int, Path]:
    """返回 {字重: 字体路径}（不检查是否存在）。"""
    return {spec.weight: font_dir / spec.filename for spec in STATIC_FONTS}


def _is_valid_static(path: Path, weight: int) -> bool:
    """文件存在、可解析、不含 fvar 且字重正确时返回 True。"""
    if not path.is_file():
        return False
    try:
        with TTFont(path, lazy=True) as font:
            return "fvar" not in font and font["OS/2"].usWeightClass == weight
    except (TTLibError, OSError, KeyError, AssertionError, ValueError):
        return False


def _build_static(source: Path, spec: StaticFont, target: Path) -> None:
    """从可变字体实例化一个静态字重，先写临时文件再原子替换。"""
    print(
        f"正在生成静态字体 {spec.filename}（wght={spec.weight}），约需 15 秒……",
        file=sys.stderr,
        flush=True,
    )
    # recalcTimestamp=False：保留源字体 head.modified，使生成的文件在任何机器上逐字节相同。
    with TTFont(source, recalcTimestamp=False) as variable:
        static = instantiateVariableFont(
            variable, {"wght": spec.weight}, updateFontNames=True, static=True
        )
        static.recalcTimestamp = False
        with atomic_path(target) as tmp:
            static.save(tmp)
    print(f"已生成 {target.name}", file=sys.stderr, flush=True)


def ensure_fonts(font_dir: Path | None = None) -> Path:
    """确保 font_dir 中有静态 NotoSansSC-Regular.ttf 与 NotoSansSC-Bold.ttf，返回该目录。

    已存在且有效的文件不会重建；首次生成每个字重约需 15 秒。
    """
    target_dir = Path(font_dir) if font_dir is not None else default_font_dir()
    missing = [
        spec
        for spec in STATIC_FONTS
        if not _is_valid_static(target_dir / spec.filename, spec.weight)
    ]
    if not missing:
        return target_dir
    target_dir.mkdir(parents=True, exist_ok=True)
    resource = files(_SOURCE_PACKAGE).joinpath(*_SOURCE_PARTS)
    if not resource.is_file():
        raise FontError(
            f"找不到可变字体 {'/'.join(_SOURCE_PARTS)}：请确认已安装 justmytype-intl-cjk。"
        )
    with as_file(resource) as source:
        for spec in missing:
            _build_static(Path(source), spec, target_dir / spec.filename)
    return target_dir
