"""中文字体准备：正文宋体风格、标题黑体风格，另有一个生僻字补充字体；全部缓存在一个目录中并显式传给每个工具。

- 黑体（标题、表头、图表）：justmytype-intl-cjk 自带的 ``NotoSansSC[wght].ttf`` 是可变字体，默认实例为 Thin；
  图表渲染（vl-convert）与 typst 中的 SVG 会因此全部显示为细体。这里一次性生成 wght=400 与 wght=700 的静态字体。
- 宋体（正文）：pylopdf-fonts-zh-cn 自带的静态 ``NotoSerifSC-Regular.otf``（思源宋体，OFL），原样复制。
- 补充字体（CJK 扩展 B—F 区，如 𠮷）：花园明朝 B（HanaMinB.ttf，OFL 或花园字体许可），见 font_fetch.py。
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
from pipeline.render.font_fetch import FALLBACK_FILENAME, FetchError, ensure_fallback

FONT_FAMILY = "Noto Sans SC"  # 黑体风格：标题、表头、加粗、图表
SERIF_FAMILY = "Noto Serif SC"  # 宋体风格：正文、表身
FALLBACK_FAMILY = "HanaMinB"  # 生僻字（CJK 扩展 B—F 区）
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
SERIF_FILENAME = "NotoSerifSC-Regular.otf"
_SERIF_PACKAGE = "pylopdf_fonts_zh_cn"


@dataclass(frozen=True)
class FontFace:
    """One face the documents use: CSS/typst family name, weight and the file in the font folder."""

    family: str
    weight: int
    filename: str


SERIF_FACE = FontFace(SERIF_FAMILY, 400, SERIF_FILENAME)
SANS_FACES: tuple[FontFace, ...] = (FontFace(FONT_FAMILY, 400, REGULAR_FILENAME), FontFace(FONT_FAMILY, 700, BOLD_FILENAME))
REPORT_FACES: tuple[FontFace, ...] = (SERIF_FACE, *SANS_FACES)
FALLBACK_FACE = FontFace(FALLBACK_FAMILY, 400, FALLBACK_FILENAME)
# Every file ensure_fonts prepares: what the offline kit carries in fonts/ (listed in its kit.json with these notes)
# and Quarto's copy gets.
FONT_SOURCES: dict[str, str] = {
    REGULAR_FILENAME: "思源黑体 Noto Sans SC 常规（由 PyPI justmytype-intl-cjk 0.1.0 的可变字体生成），SIL OFL 1.1",
    BOLD_FILENAME: "思源黑体 Noto Sans SC 粗体（由 PyPI justmytype-intl-cjk 0.1.0 的可变字体生成），SIL OFL 1.1",
    SERIF_FILENAME: "思源宋体 Noto Serif SC 常规 2.003（PyPI pylopdf-fonts-zh-cn 0.1.1），SIL OFL 1.1",
    FALLBACK_FILENAME: "花园明朝 B HanaMinB 2017-09-04（Debian fonts-hanazono 20170904-2.1），SIL OFL 1.1 或花园字体许可",
}
FONT_FILENAMES: tuple[str, ...] = tuple(FONT_SOURCES)


class FontError(RuntimeError):
    """字体准备失败。"""


class MissingGlyphError(FontError):
    """文档中有字符在全部报告字体（含补充字体）中都没有字形。"""


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
    """确保 font_dir 中有 FONT_FILENAMES 的全部字体，返回该目录：静态 NotoSansSC-Regular/Bold.ttf（首次生成每个字重
    约需 15 秒）、NotoSerifSC-Regular.otf（复制）、HanaMinB.ttf（首次下载约 22 MB）。已存在且有效的文件不会重建。
    """
    target_dir = Path(font_dir) if font_dir is not None else default_font_dir()
    _ensure_sans(target_dir)
    _ensure_serif(target_dir)
    try:
        ensure_fallback(target_dir)
    except FetchError as exc:
        raise FontError(str(exc)) from exc
    return target_dir


def _ensure_serif(target_dir: Path) -> None:
    """Copy the static Noto Serif SC from its package (kept when present with the same size)."""
    resource = files(_SERIF_PACKAGE).joinpath(SERIF_FILENAME)
    if not resource.is_file():
        raise FontError(f"找不到宋体字体 {SERIF_FILENAME}：请确认已安装 pylopdf-fonts-zh-cn（python run.py setup）。")
    target = target_dir / SERIF_FILENAME
    with as_file(resource) as source:
        if target.is_file() and target.stat().st_size == Path(source).stat().st_size:
            return
        target_dir.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            tmp.write_bytes(Path(source).read_bytes())


def _ensure_sans(target_dir: Path) -> None:
    """The static Regular/Bold instances of the variable Noto Sans SC (made once, about 15 s each)."""
    missing = [
        spec
        for spec in STATIC_FONTS
        if not _is_valid_static(target_dir / spec.filename, spec.weight)
    ]
    if not missing:
        return
    target_dir.mkdir(parents=True, exist_ok=True)
    resource = files(_SOURCE_PACKAGE).joinpath(*_SOURCE_PARTS)
    if not resource.is_file():
        raise FontError(
            f"找不到可变字体 {'/'.join(_SOURCE_PARTS)}：请确认已安装 justmytype-intl-cjk。"
        )
    with as_file(resource) as source:
        for spec in missing:
            _build_static(Path(source), spec, target_dir / spec.filename)
