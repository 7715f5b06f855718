"""Quarto 排版后端：在临时副本上运行 ``quarto render``，得到与 pandoc+typst 后端相同的文档。

与 pandoc 后端的差别都在这里抹平（每一条都由 tests/integration/test_backend_parity.py 核对）：

- 日期行：Quarto 把 ``date`` 当作日期解析，“2025年12月”会变成 “Invalid Date”（质控通报的
  “内部资料　注意保密”也在这一行）。两个后端都把它放在模板变量 ``dateline`` 中（见 documents.py）；
  这里在副本的 YAML 元数据中把 ``date`` 改名为 ``dateline``，Quarto 不再解释它。
- 字体：Quarto ≥ 1.8 把以 ``/`` 开头的 ``font-paths`` 解释为相对项目根，绝对路径因而失效
  （typst 只给出 “unknown font family” 警告）。字体复制到副本内，用相对路径引用。
- 标题层级：Quarto 的 typst 格式默认 ``shift-heading-level-by: -1``；这里设为 0，与 pandoc 相同。
- 表格与图：Quarto 把它们改写成自己的浮动体（typst 中表格没有 ``#figure`` 包装、表题被丢掉，
  HTML 中图失去 aria-label）。templates/quarto-parity.lua 在 Quarto 自己的过滤器之前，用 pandoc
  自己的写出器把它们写成原样块，并让表题在 typst 中“粘”住表格。
- 模板放在副本的子目录中，输出的 report.html 不会覆盖同名的 HTML 模板。

只支持不低于 ``MIN_QUARTO_VERSION`` 的 Quarto（用 ``quarto --version`` 检查）。
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.render import apparatus
from pipeline.render.fonts import FONT_FILENAMES

# The oldest Quarto the parity test has been run against (CI installs 1.10.18 from ../shared/tools/quarto).
# Quarto 1.8 changed how font-paths resolve, and each Quarto pins its own typst and pandoc: older releases
# are not verified to give the same documents, so they are not used.
MIN_QUARTO_VERSION: tuple[int, int] = (1, 10)
QUARTO_TIMEOUT_S = 600
TEMPLATE_SUBDIR = "_templates"
FONT_SUBDIR = "_fonts"
PARITY_FILTER = "quarto-parity.lua"
DATELINE_KEY = "dateline"

_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
# typst's diagnostics as Quarto passes them on ("warning: unknown font family: …"), possibly after Quarto's own
# "[typst]: Compiling … " prefix on the same line. Quarto's own "WARN: …" lines (e.g. typst-gather) are not these.
_TYPST_WARNING_RE = re.compile(r"(?:^|\.\.\.)\s*warning: (?P<message>[^\n]+)", re.MULTILINE)
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


class QuartoError(Exception):
    """Quarto 找不到、版本不受支持或渲染失败（信息为中文）。"""


@dataclass(frozen=True)
class QuartoInstall:
    """PATH 上的 quarto：可执行文件、``quarto --version`` 的输出与解析出的版本号。"""

    path: str
    version_text: str
    version: tuple[int, ...] | None

    @property
    def supported(self) -> bool:
        return self.version is not None and self.version[:2] >= MIN_QUARTO_VERSION

    def unsupported_reason(self) -> str:
        minimum = ".".join(map(str, MIN_QUARTO_VERSION))
        shown = self.version_text or "（无版本输出）"
        if self.version is None:
            return f"无法识别 Quarto 的版本（quarto --version 输出：{shown}），本项目要求 Quarto {minimum} 或更高版本"
        return f"PATH 上的 Quarto 版本为 {shown}，低于本项目支持的最低版本 {minimum}"


def parse_version(text: str) -> tuple[int, ...] | None:
    """'1.10.18' → (1, 10, 18)；认不出时为 None。"""
    match = _VERSION_RE.search(text)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


@lru_cache(maxsize=8)
def _version_output(path: str) -> str:
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.strip().splitlines()[0].strip() if proc.returncode == 0 and proc.stdout.strip() else ""


def find_quarto() -> QuartoInstall | None:
    """PATH 上的 quarto 及其版本；没有 quarto 时为 None。"""
    path = shutil.which("quarto")
    if path is None:
        return None
    text = _version_output(path)
    return QuartoInstall(path=path, version_text=text, version=parse_version(text))


# ---------------------------------------------------------------------------
# 源文件副本
# ---------------------------------------------------------------------------


def protect_metadata(markdown: str, md_path: Path | None = None) -> str:
    """把 YAML 元数据中的 ``date`` 改名为 ``dateline``：它是一行文字，不是 Quarto 可以解析的日期；
    并加上刊头（apparatus.meta_for，与 pandoc 后端相同）。"""
    match = _FRONT_MATTER_RE.match(markdown)
    if match is None:
        return markdown
    meta = yaml.safe_load(match.group("yaml"))
    if not isinstance(meta, dict):
        return markdown
    extra = apparatus.meta_for(md_path, str(meta.get("title", ""))) if md_path is not None else {}
    if "date" not in meta and not extra:
        return markdown
    if "date" in meta and DATELINE_KEY in meta:
        raise QuartoError(f"报告元数据中同时有 date 与 {DATELINE_KEY}，无法确定日期行。")
    renamed = {(DATELINE_KEY if key == "date" else key): value for key, value in meta.items()}
    renamed.update(extra)
    dumped = yaml.safe_dump(renamed, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)
    return f"---\n{dumped}---\n" + markdown[match.end():]


def quarto_config(templates: dict[str, str], lang: str) -> str:
    """_quarto.yml：HTML 单文件 + typst，使用与 pandoc 后端同一套模板与字体。"""
    config = {
        "lang": lang,
        "filters": [f"{TEMPLATE_SUBDIR}/{PARITY_FILTER}", "quarto"],
        "format": {
            "html": {
                "embed-resources": True,
                "minimal": True,
                "template": f"{TEMPLATE_SUBDIR}/{templates['html']}",
                "css": [f"{TEMPLATE_SUBDIR}/{templates['css']}"],
                "html-math-method": "plain",
                "html-table-processing": "none",
            },
            "typst": {
                "template": f"{TEMPLATE_SUBDIR}/{templates['typst']}",
                # relative: Quarto >= 1.8 reads a leading "/" as the project root
                "font-paths": [FONT_SUBDIR],
                "shift-heading-level-by": 0,
                "keep-typ": False,
            },
        },
    }
    return json.dumps(config, ensure_ascii=False, indent=2)


def stage_sources(md_path: Path, images: list[Path], root: Path, work: Path, font_dir: Path,
                  templates: list[Path], lang: str) -> Path:
    """把 markdown（元数据已保护）、图片、模板、过滤器和字体复制到 work；返回副本中的 markdown。"""
    src_dir = md_path.resolve().parent
    for path in images:
        dest = work / path.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    doc_dir = work / src_dir.relative_to(root)
    doc_dir.mkdir(parents=True, exist_ok=True)
    doc = doc_dir / md_path.name
    doc.write_text(protect_metadata(md_path.read_text(encoding="utf-8"), md_path), encoding="utf-8")
    template_dir = doc_dir / TEMPLATE_SUBDIR
    template_dir.mkdir()
    for template in templates:
        shutil.copy2(template, template_dir / template.name)
    fonts = doc_dir / FONT_SUBDIR
    fonts.mkdir()
    for name in FONT_FILENAMES:  # ~63 MB: linked where the system allows it (not every Windows account may)
        try:
            os.symlink((font_dir / name).resolve(), fonts / name)
        except OSError:
            shutil.copy2(font_dir / name, fonts / name)
    by_suffix = {t.suffix.lstrip("."): t.name for t in templates}
    names = {"html": by_suffix["html"], "css": by_suffix["css"], "typst": by_suffix["typst"]}
    (doc_dir / "_quarto.yml").write_text(quarto_config(names, lang), encoding="utf-8")
    return doc


# ---------------------------------------------------------------------------
# 运行 quarto
# ---------------------------------------------------------------------------


def _tail(text: str, limit: int = 2000) -> str:
    text = text.strip()
    return text[-limit:] if text else "（无错误输出）"


def typst_warnings(output: str) -> list[str]:
    """typst 的警告（去重、保持顺序）。"""
    return list(dict.fromkeys(m.group("message").strip() for m in _TYPST_WARNING_RE.finditer(output)))


def run_render(quarto: QuartoInstall, doc: Path, timestamp: int) -> tuple[Path, Path]:
    """一次 ``quarto render``（HTML 与 typst 两种格式）；typst 的任何警告都按错误处理。"""
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(timestamp)}
    try:
        proc = subprocess.run(
            [quarto.path, "render", doc.name, "--no-execute"],
            cwd=doc.parent, env=env, capture_output=True, check=False, timeout=QUARTO_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise QuartoError(f"quarto 渲染超过 {QUARTO_TIMEOUT_S} 秒仍未结束：{doc.name}") from exc
    except OSError as exc:
        raise QuartoError(f"无法启动 quarto：{exc}") from exc
    output = _ANSI_RE.sub("", proc.stderr.decode("utf-8", "replace") + proc.stdout.decode("utf-8", "replace"))
    if proc.returncode != 0:
        raise QuartoError(f"quarto 渲染失败（退出码 {proc.returncode}）：{_tail(output)}")
    warnings = typst_warnings(output)
    if warnings:
        quoted = "；".join(f"“{w}”" for w in warnings)
        raise QuartoError(f"quarto/typst 编译产生警告（按错误处理）：{quoted}")
    html_out, pdf_out = doc.with_suffix(".html"), doc.with_suffix(".pdf")
    for produced in (html_out, pdf_out):
        if not produced.is_file():
            raise QuartoError(f"quarto 没有生成预期的文件：{produced.name}")
    return html_out, pdf_out


def render_in_copy(quarto: QuartoInstall, md_path: Path, images: list[Path], root: Path, font_dir: Path,
                   templates: list[Path], lang: str, timestamp: int) -> tuple[str, bytes]:
    """在临时目录的副本中渲染（Quarto 从不在原处渲染），返回 (HTML 文本, PDF 字节)。"""
    with tempfile.TemporaryDirectory(prefix="healthstats-quarto-") as tmp:
        doc = stage_sources(md_path, images, root, Path(tmp), font_dir, templates, lang)
        html_out, pdf_out = run_render(quarto, doc, timestamp)
        return html_out.read_text(encoding="utf-8"), pdf_out.read_bytes()
