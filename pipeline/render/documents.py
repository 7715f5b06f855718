"""报告渲染：pandoc markdown → HTML（单文件、内嵌字体子集与内联 SVG）与 PDF（typst）。

一个接口、两个后端：
- ``quarto``：PATH 上有 quarto 时使用，在临时目录的副本上运行 ``quarto render``；
- ``pandoc``：pandoc（pypandoc-binary）+ typst（PyPI），即 Quarto 自身 typst 格式所用的链路。

两次相同输入得到逐字节相同的 HTML 与 PDF；所有输出先写临时文件再原子替换。
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html as html_lib
import io
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

import typst
from fontTools import subset as ft_subset
from fontTools.ttLib import TTFont

from pipeline.io_utils import atomic_path
from pipeline.render.fonts import (
    BOLD_FILENAME,
    FONT_FAMILY,
    REGULAR_FILENAME,
    ensure_fonts,
)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
HTML_TEMPLATE = TEMPLATE_DIR / "report.html"
HTML_CSS = TEMPLATE_DIR / "report.css"
TYPST_TEMPLATE = TEMPLATE_DIR / "report.typst"

BACKENDS = ("auto", "pandoc", "quarto")
HTML_LANG = "zh-Hans"
# SOURCE_DATE_EPOCH 未设置时 PDF 使用的固定时间戳：2024-01-01T00:00:00Z。
DEFAULT_TIMESTAMP = 1704067200
_STDERR_TAIL_CHARS = 2000
_FONT_WEIGHTS: tuple[tuple[str, int], ...] = ((REGULAR_FILENAME, 400), (BOLD_FILENAME, 700))


class RenderError(Exception):
    """渲染失败（信息为中文）。"""


@dataclass(frozen=True)
class RenderResult:
    """一次渲染的输出文件与实际使用的后端。"""

    html: Path
    pdf: Path
    backend: str


# ---------------------------------------------------------------------------
# 公共入口
# ---------------------------------------------------------------------------


def render_markdown(
    md_path: Path,
    out_dir: Path,
    *,
    stem: str = "report",
    backend: str = "auto",
) -> RenderResult:
    """把 pandoc markdown 渲染为 out_dir/<stem>.html 与 out_dir/<stem>.pdf。

    图片路径相对于 md_path 所在目录；图表请用 SVG（HTML 中内联、PDF 中保留矢量）。
    """
    md_path = Path(md_path)
    out_dir = Path(out_dir)
    if not md_path.is_file():
        raise RenderError(f"找不到 markdown 文件：{md_path.name}")
    chosen = resolve_backend(backend)
    out_dir.mkdir(parents=True, exist_ok=True)
    font_dir = ensure_fonts()
    if chosen == "quarto":
        return _render_quarto(md_path, out_dir, stem, font_dir)
    return _render_pandoc(md_path, out_dir, stem, font_dir)


def resolve_backend(backend: str) -> str:
    """auto → 有 quarto 用 quarto，否则 pandoc。"""
    if backend not in BACKENDS:
        raise RenderError(f"未知的渲染后端：{backend}（可选：{'、'.join(BACKENDS)}）")
    if backend == "auto":
        return "quarto" if shutil.which("quarto") else "pandoc"
    if backend == "quarto" and not shutil.which("quarto"):
        raise RenderError("未找到 quarto 可执行文件：请安装 Quarto，或改用 pandoc 后端。")
    return backend


def pdf_timestamp() -> int:
    """PDF 内嵌的创建时间：环境变量 SOURCE_DATE_EPOCH，否则固定值。"""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return DEFAULT_TIMESTAMP
    try:
        return int(raw)
    except ValueError as exc:
        raise RenderError(f"环境变量 SOURCE_DATE_EPOCH 不是整数：{raw}") from exc


# ---------------------------------------------------------------------------
# pandoc 后端
# ---------------------------------------------------------------------------


def _render_pandoc(md_path: Path, out_dir: Path, stem: str, font_dir: Path) -> RenderResult:
    src_dir = md_path.resolve().parent
    ast = read_ast(md_path)
    images = check_images(ast, src_dir)
    html_text = finalize_html(_pandoc_html(ast, src_dir), font_dir)
    root = _project_root(src_dir, images)
    typst_source = _pandoc_typst(_rebase_images(ast, src_dir, root))
    pdf_bytes = compile_typst(typst_source, root, font_dir)
    html_path = out_dir / f"{stem}.html"
    pdf_path = out_dir / f"{stem}.pdf"
    atomic_write(html_path, html_text.encode("utf-8"))
    atomic_write(pdf_path, pdf_bytes)
    return RenderResult(html=html_path, pdf=pdf_path, backend="pandoc")


def pandoc_binary() -> str:
    """pypandoc-binary 自带的 pandoc，其次 PATH 上的 pandoc。"""
    try:
        import pypandoc

        path = pypandoc.get_pandoc_path()
        if path and Path(path).is_file():
            return str(path)
    except (ImportError, OSError):
        pass
    found = shutil.which("pandoc")
    if found:
        return found
    raise RenderError("未找到 pandoc 可执行文件：请安装 pypandoc-binary，或把 pandoc 加入 PATH。")


def run_pandoc(args: list[str], stdin: bytes | None = None) -> bytes:
    """运行 pandoc，失败时抛出带 stderr 的 RenderError。"""
    cmd = [pandoc_binary(), *args]
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    except OSError as exc:
        raise RenderError(f"无法启动 pandoc：{exc}") from exc
    if proc.returncode != 0:
        tail = _tail(proc.stderr.decode("utf-8", "replace"))
        raise RenderError(f"pandoc 运行失败（退出码 {proc.returncode}）：{tail}")
    return proc.stdout


def read_ast(md_path: Path) -> dict[str, Any]:
    """把 pandoc markdown 解析为 pandoc JSON AST。"""
    raw = run_pandoc(["--from=markdown", "--to=json", str(md_path)])
    ast: dict[str, Any] = json.loads(raw)
    return ast


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """深度优先遍历 AST 中所有带 't' 的节点。"""
    if isinstance(node, dict):
        if "t" in node:
            yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _image_nodes(ast: dict[str, Any]) -> list[dict[str, Any]]:
    # Image 节点：{"t": "Image", "c": [attr, inlines, [target, title]]}
    return [node for node in _walk(ast) if node.get("t") == "Image"]


def check_images(ast: dict[str, Any], src_dir: Path) -> list[Path]:
    """确认所有图片都是存在的本地文件，返回其绝对路径；外部 URL 或缺失即报错。"""
    found: list[Path] = []
    for node in _image_nodes(ast):
        target = str(node["c"][2][0])
        parsed = urlparse(target)
        if parsed.scheme or target.startswith("//"):
            raise RenderError(f"报告不允许引用外部或内嵌图片，请改用本地文件：{target}")
        rel = unquote(parsed.path)
        if not rel or Path(rel).is_absolute():
            raise RenderError(f"图片路径须为相对于 markdown 文件的相对路径：{target}")
        path = (src_dir / rel).resolve()
        if not path.is_file():
            raise RenderError(f"找不到图片文件：{rel}（相对于 markdown 文件所在目录）")
        found.append(path)
    return found


def _pandoc_html(ast: dict[str, Any], src_dir: Path) -> str:
    args = [
        "--from=json",
        "--to=html5",
        "--standalone",
        "--embed-resources",
        f"--template={HTML_TEMPLATE}",
        f"--css={HTML_CSS}",
        f"--metadata=lang:{HTML_LANG}",
        f"--resource-path={src_dir}",
        "--wrap=none",
    ]
    return run_pandoc(args, json.dumps(ast).encode("utf-8")).decode("utf-8")


def _pandoc_typst(ast: dict[str, Any]) -> str:
    args = [
        "--from=json",
        "--to=typst",
        "--standalone",
        f"--template={TYPST_TEMPLATE}",
        "--wrap=none",
    ]
    return keep_titles_with_tables(run_pandoc(args, json.dumps(ast).encode("utf-8")).decode("utf-8"))


# A table title paragraph ("表3　……") directly before a table figure.
_TABLE_TITLE = re.compile(r"^(表\d+\u3000[^\n]*)\n(?=\n#figure\()", re.MULTILINE)


def keep_titles_with_tables(typst_source: str) -> str:
    """A table's title must not end a page while its table starts the next: make the title sticky."""
    return _TABLE_TITLE.sub(r"#block(sticky: true)[\1]\n", typst_source)


def _project_root(src_dir: Path, images: list[Path]) -> Path:
    """typst 的项目根：markdown 目录与所有图片的公共上级目录。"""
    return Path(os.path.commonpath([str(src_dir), *(str(p.parent) for p in images)]))


def _rebase_images(ast: dict[str, Any], src_dir: Path, root: Path) -> dict[str, Any]:
    """把图片路径改写为相对 typst 项目根的绝对路径（以 / 开头）。"""
    rebased: dict[str, Any] = json.loads(json.dumps(ast))
    for node in _image_nodes(rebased):
        target = node["c"][2][0]
        path = (src_dir / unquote(urlparse(target).path)).resolve()
        node["c"][2][0] = "/" + PurePosixPath(*path.relative_to(root).parts).as_posix()
    return rebased


# ---------------------------------------------------------------------------
# typst 编译
# ---------------------------------------------------------------------------


def _describe_warning(warning: Any) -> str:
    """typst 诊断的消息与提示。"""
    message = str(getattr(warning, "message", "") or warning)
    hints = [str(h) for h in (getattr(warning, "hints", None) or [])]
    return message + (f"（提示：{'；'.join(hints)}）" if hints else "")


def _diagnostics(items: list[Any]) -> str:
    """typst 给出的源码位置片段（便于定位生成的 .typ 中的问题）。"""
    parts = [str(getattr(item, "diagnostic", "") or "").strip() for item in items]
    text = "\n".join(p for p in parts if p)
    return f"\n{text}" if text else ""


def compile_typst(source: str, root: Path, font_dir: Path) -> bytes:
    """用 typst 编译 PDF；任何警告都视为错误（缺字体等问题 typst 只给警告）。"""
    try:
        # 类型存根把 input 与 font_paths 绑到同一个类型变量，这里 bytes 与 str 混用是合法的。
        pdf, warnings = typst.compile_with_warnings(  # type: ignore[misc]
            source.encode("utf-8"),
            root=str(root),
            font_paths=[str(font_dir)],
            ignore_system_fonts=True,
            timestamp=pdf_timestamp(),
        )
    except typst.TypstError as exc:
        detail = _describe_warning(exc) + _diagnostics([exc])
        raise RenderError(f"typst 编译失败：{detail}") from exc
    except RuntimeError as exc:
        raise RenderError(f"typst 编译失败：{exc}") from exc
    if warnings:
        quoted = "；".join(f"“{_describe_warning(w)}”" for w in warnings)
        raise RenderError(f"typst 编译产生警告（按错误处理）：{quoted}{_diagnostics(warnings)}")
    if not isinstance(pdf, bytes):
        raise RenderError("typst 编译没有返回 PDF 数据。")
    return pdf


# ---------------------------------------------------------------------------
# HTML 后处理：内联 SVG、检查字形、嵌入字体子集
# ---------------------------------------------------------------------------

_IMG_SVG_RE = re.compile(
    r'<img\b(?P<attrs>[^>]*?)\bsrc="data:image/svg\+xml;base64,(?P<data>[A-Za-z0-9+/=\s]+)"'
    r"(?P<rest>[^>]*)>",
)
_ATTR_RE = re.compile(r'([\w:-]+)="([^"]*)"')
_SVG_OPEN_RE = re.compile(r"<svg\b[^>]*>")
_XMLNS_RE = re.compile(r'\s+xmlns(?::[\w-]+)?="[^"]*"')
_ID_RE = re.compile(r'\bid="([^"]+)"')


def finalize_html(html_text: str, font_dir: Path) -> str:
    """把 SVG 图片改为内联 <svg>，检查字形覆盖，并在 </head> 前嵌入字体子集。"""
    html_text = inline_svg_images(html_text)
    chars = document_chars(html_text)
    check_glyph_coverage(chars, font_dir / REGULAR_FILENAME)
    style = font_face_css(chars, font_dir)
    if "</head>" not in html_text:
        raise RenderError("HTML 中没有 </head>，无法嵌入字体。")
    return html_text.replace("</head>", f"{style}\n</head>", 1)


def inline_svg_images(html_text: str) -> str:
    """pandoc --embed-resources 把 SVG 写成 <img src="data:image/svg+xml;base64,...">：
    改为内联 <svg>，使图中文字使用页面嵌入的字体。"""
    counter = itertools.count(1)

    def replace(match: re.Match[str]) -> str:
        attrs = dict(_ATTR_RE.findall(match.group("attrs") + match.group("rest")))
        svg = base64.b64decode("".join(match.group("data").split())).decode("utf-8")
        return _prepare_svg(svg, f"fig{next(counter)}", attrs)

    return _IMG_SVG_RE.sub(replace, html_text)


def _svg_extra_attrs(img_attrs: dict[str, str]) -> str:
    """从原 <img> 继承无障碍标签与尺寸（如 markdown 中的 {width=80%}）。"""
    extra = ' role="img"'
    label = img_attrs.get("aria-label") or img_attrs.get("alt") or ""
    if label:
        extra += f' aria-label="{html_lib.escape(html_lib.unescape(label), quote=True)}"'
    if "style" in img_attrs:
        extra += f' style="{img_attrs["style"]}"'
    return extra


def _set_size(tag: str, img_attrs: dict[str, str]) -> str:
    for name in ("width", "height"):
        if name in img_attrs:
            tag = re.sub(rf'\s{name}="[^"]*"', "", tag)
            tag = tag[:4] + f' {name}="{img_attrs[name]}"' + tag[4:]
    if "width" in img_attrs and "height" not in img_attrs:
        tag = re.sub(r'\sheight="[^"]*"', "", tag)
    return tag


def _prepare_svg(svg: str, prefix: str, img_attrs: dict[str, str]) -> str:
    """去掉 XML 声明与命名空间属性，给 id 加前缀避免多图冲突，补充无障碍标签与尺寸。"""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.IGNORECASE)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL).strip()
    svg = _prefix_ids(svg, prefix)

    def open_tag(match: re.Match[str]) -> str:
        tag = _set_size(_XMLNS_RE.sub("", match.group(0)), img_attrs)
        closing = " />" if tag.endswith("/>") else ">"
        return tag[:-1].rstrip("/").rstrip() + _svg_extra_attrs(img_attrs) + closing

    return _SVG_OPEN_RE.sub(open_tag, svg, count=1)


def _prefix_ids(svg: str, prefix: str) -> str:
    ids = sorted(set(_ID_RE.findall(svg)), key=len, reverse=True)
    for old in ids:
        new = f"{prefix}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"')
        svg = svg.replace(f"url(#{old})", f"url(#{new})")
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
    return svg


VISIBLE_SPACES = frozenset({" ", "\u00a0", "\u3000"})


class _TextCollector(HTMLParser):
    """收集 HTML（含内联 SVG）中所有可见文字，跳过 style/script。"""

    _SKIP = {"style", "script"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._depth = 0
        self.chars: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._depth:
            self.chars.update(data)


def document_chars(html_text: str) -> set[str]:
    """文档中出现的字符（不含控制字符；含空格、不换行空格和全角空格——表格缩进用全角空格，
    子集里缺了它浏览器会显示方框）。"""
    collector = _TextCollector()
    collector.feed(html_text)
    collector.close()
    return {c for c in collector.chars if c.isprintable() or c in VISIBLE_SPACES}


@functools.lru_cache(maxsize=8)
def _cmap(font_path: Path, mtime_ns: int) -> frozenset[int]:
    """The code points a font covers (read once per font file and process)."""
    with TTFont(font_path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def check_glyph_coverage(chars: set[str], font_path: Path) -> None:
    """字体缺字时报错（typst 与浏览器都只会静默显示方框）。"""
    cmap = _cmap(font_path, font_path.stat().st_mtime_ns)
    missing = sorted(c for c in chars if ord(c) not in cmap)
    if missing:
        listed = "、".join(f"“{c}”(U+{ord(c):04X})" for c in missing)
        raise RenderError(f"字体 {FONT_FAMILY} 缺少以下字符的字形，请改写文字：{listed}")


def subset_woff2(font_path: Path, chars: set[str]) -> bytes:
    """把字体子集化为只含给定字符的 woff2（确定性输出），按（字体文件、字符集）缓存在字体旁的 subsets/ 中：
    重新生成的文档（县市区版、发布页面）字符大多不变，子集化一次约 0.5 秒。缓存只影响速度，不影响字节。"""
    stat = font_path.stat()
    key = hashlib.sha256(f"{font_path.name}|{stat.st_size}|{stat.st_mtime_ns}|{''.join(sorted(chars))}".encode())
    cache = font_path.parent / "subsets" / f"{key.hexdigest()}.woff2"
    if cache.is_file():
        return cache.read_bytes()
    data = _subset_woff2(font_path, chars)
    try:
        with atomic_path(cache) as tmp:
            tmp.write_bytes(data)
    except OSError:
        pass  # a read-only font folder: no cache, same bytes
    return data


def _subset_woff2(font_path: Path, chars: set[str]) -> bytes:
    options = ft_subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    with TTFont(font_path, recalcTimestamp=False) as font:
        subsetter = ft_subset.Subsetter(options=options)
        subsetter.populate(unicodes=sorted(ord(c) for c in chars))
        subsetter.subset(font)
        font["head"].modified = font["head"].created
        font.flavor = "woff2"
        buffer = io.BytesIO()
        font.save(buffer, reorderTables=True)
    return buffer.getvalue()


def font_face_css(chars: set[str], font_dir: Path) -> str:
    """两个字重的 base64 woff2 @font-face 样式块。"""
    rules = []
    for filename, weight in _FONT_WEIGHTS:
        data = base64.b64encode(subset_woff2(font_dir / filename, chars)).decode("ascii")
        rules.append(
            "@font-face {"
            f' font-family: "{FONT_FAMILY}"; font-style: normal; font-weight: {weight};'
            f' font-display: block; src: url(data:font/woff2;base64,{data}) format("woff2");'
            " }"
        )
    return '<style id="embedded-fonts">\n' + "\n".join(rules) + "\n</style>"


# ---------------------------------------------------------------------------
# quarto 后端
# ---------------------------------------------------------------------------


def _quarto_config(font_dir: Path) -> str:
    """_quarto.yml：HTML 单文件 + typst，使用同一套模板与字体。"""
    config = {
        "lang": HTML_LANG,
        "format": {
            "html": {
                "embed-resources": True,
                "minimal": True,
                "template": HTML_TEMPLATE.name,
                "css": [HTML_CSS.name],
                "html-math-method": "plain",
            },
            "typst": {
                "template": TYPST_TEMPLATE.name,
                "font-paths": [str(font_dir)],
                "keep-typ": False,
            },
        },
    }
    return json.dumps(config, ensure_ascii=False, indent=2)


def _stage_quarto_sources(md_path: Path, work: Path, font_dir: Path) -> Path:
    """把 markdown、图片和模板复制到临时目录（quarto 从不在原处渲染）。"""
    src_dir = md_path.resolve().parent
    images = check_images(read_ast(md_path), src_dir)
    root = _project_root(src_dir, images)
    for path in [md_path.resolve(), *images]:
        dest = work / path.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    doc_dir = work / src_dir.relative_to(root)
    for template in (HTML_TEMPLATE, HTML_CSS, TYPST_TEMPLATE):
        shutil.copy2(template, doc_dir / template.name)
    (doc_dir / "_quarto.yml").write_text(_quarto_config(font_dir), encoding="utf-8")
    return doc_dir / md_path.name


def _run_quarto(doc: Path, fmt: str) -> None:
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("未找到 quarto 可执行文件：请安装 Quarto，或改用 pandoc 后端。")
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(pdf_timestamp())}
    proc = subprocess.run(
        [quarto, "render", doc.name, "--to", fmt, "--no-execute"],
        cwd=doc.parent,
        env=env,
        capture_output=True,
        check=False,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RenderError(f"quarto 渲染 {fmt} 失败（退出码 {proc.returncode}）：{_tail(stderr)}")
    if fmt == "typst" and re.search(r"^\s*warning:", stderr, flags=re.MULTILINE):
        raise RenderError(f"quarto/typst 编译产生警告（按错误处理）：{_tail(stderr)}")


def _render_quarto(md_path: Path, out_dir: Path, stem: str, font_dir: Path) -> RenderResult:
    with tempfile.TemporaryDirectory(prefix="healthstats-quarto-") as tmp:
        doc = _stage_quarto_sources(md_path, Path(tmp), font_dir)
        _run_quarto(doc, "html")
        _run_quarto(doc, "typst")
        html_out = doc.with_suffix(".html")
        pdf_out = doc.with_suffix(".pdf")
        for produced in (html_out, pdf_out):
            if not produced.is_file():
                raise RenderError(f"quarto 没有生成预期的文件：{produced.name}")
        html_text = finalize_html(html_out.read_text(encoding="utf-8"), font_dir)
        html_path = out_dir / f"{stem}.html"
        pdf_path = out_dir / f"{stem}.pdf"
        atomic_write(html_path, html_text.encode("utf-8"))
        atomic_write(pdf_path, pdf_out.read_bytes())
    return RenderResult(html=html_path, pdf=pdf_path, backend="quarto")


# ---------------------------------------------------------------------------
# 工具函数
# ---------------------------------------------------------------------------


def atomic_write(path: Path, data: bytes) -> None:
    """先写同目录临时文件再 os.replace，不留下半截输出。"""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _tail(text: str) -> str:
    text = text.strip()
    return text[-_STDERR_TAIL_CHARS:] if text else "（无错误输出）"
