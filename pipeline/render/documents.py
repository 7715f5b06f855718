"""报告渲染：pandoc markdown → HTML（单文件、内嵌字体子集与内联 SVG）与 PDF（typst）。

一个接口、两个后端：
- ``quarto``：PATH 上有受支持版本（见 quarto_backend.MIN_QUARTO_VERSION）的 quarto 时使用，在临时目录的
  副本上运行 ``quarto render``（pipeline/render/quarto_backend.py）；
- ``pandoc``：pandoc（pypandoc-binary）+ typst（PyPI），即 Quarto 自身 typst 格式所用的链路。

两次相同输入得到逐字节相同的 HTML 与 PDF；所有输出先写临时文件再原子替换。
"""

from __future__ import annotations

import base64
import html as html_lib
import importlib.metadata
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

import typst

from pipeline.render import apparatus, html_access, quarto_backend, render_info
from pipeline.io_utils import atomic_path
from pipeline.render.fonts import MissingGlyphError, ensure_fonts
from pipeline.render.html_fonts import (  # noqa: F401 (document_chars, missing_glyphs: used through this module)
    check_glyph_coverage,
    document_chars,
    font_face_css,
    missing_glyphs,
)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
HTML_TEMPLATE = TEMPLATE_DIR / "report.html"
HTML_CSS = TEMPLATE_DIR / "report.css"
TYPST_TEMPLATE = TEMPLATE_DIR / "report.typst"
PARITY_FILTER = TEMPLATE_DIR / quarto_backend.PARITY_FILTER

BACKENDS = ("auto", "pandoc", "quarto")
HTML_LANG = "zh-Hans"
# SOURCE_DATE_EPOCH 未设置时 PDF 使用的固定时间戳：2024-01-01T00:00:00Z。
DEFAULT_TIMESTAMP = 1704067200
_STDERR_TAIL_CHARS = 2000


class RenderError(Exception):
    """渲染失败（信息为中文）。"""


@dataclass(frozen=True)
class RenderResult:
    """一次渲染的输出文件、实际使用的后端及其版本（如 “Quarto 1.10.18”）。"""

    html: Path
    pdf: Path
    backend: str
    renderer: str = ""


@dataclass(frozen=True)
class BackendChoice:
    """选定的后端；note 说明 auto 为什么没有用 Quarto（空串表示无需说明）。"""

    name: str
    quarto: quarto_backend.QuartoInstall | None = None
    note: str = ""


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
    另写 out_dir/<stem>.render.json，记录由哪个后端及版本排版（发布的 manifest.json 引用它）。
    """
    md_path = Path(md_path)
    out_dir = Path(out_dir)
    if not md_path.is_file():
        raise RenderError(f"找不到 markdown 文件：{md_path.name}")
    choice = choose_backend(backend)
    if choice.note:
        print(choice.note, file=sys.stderr)
    out_dir.mkdir(parents=True, exist_ok=True)
    font_dir = ensure_fonts()
    if choice.name == "quarto" and choice.quarto is not None:
        result = _render_quarto(md_path, out_dir, stem, font_dir, choice.quarto)
    else:
        result = _render_pandoc(md_path, out_dir, stem, font_dir, note=choice.note)
    print(render_info.log_line(result.html.name, result.pdf.name, result.backend, result.renderer), file=sys.stderr)
    return result


def choose_backend(backend: str) -> BackendChoice:
    """auto：PATH 上有受支持版本的 Quarto 时用 Quarto，否则 pandoc+typst（Quarto 版本过低时说明原因）；
    quarto：必须有受支持版本的 Quarto，否则报错（不会开始渲染）。"""
    if backend not in BACKENDS:
        raise RenderError(f"未知的渲染后端：{backend}（可选：{'、'.join(BACKENDS)}）")
    if backend == "pandoc":
        return BackendChoice("pandoc")
    quarto = quarto_backend.find_quarto()
    if backend == "auto":
        if quarto is None:
            return BackendChoice("pandoc")
        if not quarto.supported:
            return BackendChoice("pandoc", note=f"提示：{quarto.unsupported_reason()}；本次改用 pandoc+typst 排版"
                                 "（数字和内容不变）。如需用 Quarto 排版，请从 quarto.org 安装新版本。")
        return BackendChoice("quarto", quarto)
    if quarto is None:
        raise RenderError("未找到 quarto 可执行文件：请安装 Quarto，或把 params.yaml 中 report.backend 改为 auto 或 pandoc。")
    if not quarto.supported:
        raise RenderError(f"{quarto.unsupported_reason()}：请从 quarto.org 安装新版本，"
                          "或把 params.yaml 中 report.backend 改为 auto 或 pandoc。")
    return BackendChoice("quarto", quarto)


def backend_identity(backend: str) -> str:
    """所选后端及其版本（如 “quarto 1.10.18”“pandoc”）：复用旧输出前据此判断排版程序是否变了。"""
    choice = choose_backend(backend)
    name = f"quarto {choice.quarto.version_text}" if choice.quarto is not None else choice.name
    app = apparatus.current()  # a new 编印日期 or 版次 re-renders kept editions too
    return name if app is None else f"{name} | {app.release_date} {sorted(app.revisions.items())}"


def resolve_backend(backend: str) -> str:
    """实际使用的后端名称（见 choose_backend）。"""
    return choose_backend(backend).name


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


def _render_pandoc(md_path: Path, out_dir: Path, stem: str, font_dir: Path, *, note: str = "") -> RenderResult:
    src_dir = md_path.resolve().parent
    ast = apparatus_to_meta(move_date_to_dateline(read_ast(md_path)), md_path)
    images = check_images(ast, src_dir)
    # The PDF is made in a second thread while this one embeds the HTML's fonts: pandoc runs as a subprocess and
    # typst's compile releases the GIL, so one document uses both cores (fontTools' subsetting holds the GIL). The
    # two only read the AST. An HTML error is raised first, as before; the PDF's next.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="typst") as pool:
        pdf = pool.submit(_pandoc_pdf, ast, src_dir, images, font_dir)
        try:
            html_text = finalize_html(_pandoc_html(ast, src_dir), font_dir)
        except BaseException:
            pdf.cancel()
            raise
        pdf_bytes = pdf.result()
    return _write_outputs(out_dir, stem, html_text, pdf_bytes, "pandoc", pandoc_renderer(), note)


def _pandoc_pdf(ast: dict[str, Any], src_dir: Path, images: list[Path], font_dir: Path) -> bytes:
    """The PDF of a document: pandoc's typst output (images relative to the project root), compiled by typst."""
    root = _project_root(src_dir, images)
    return compile_typst(_pandoc_typst(_rebase_images(ast, src_dir, root)), root, font_dir)


def _write_outputs(out_dir: Path, stem: str, html_text: str, pdf_bytes: bytes, backend: str,
                   renderer: str, note: str = "") -> RenderResult:
    """写 HTML、PDF 与排版记录（各自原子替换）。"""
    html_path = out_dir / f"{stem}.html"
    pdf_path = out_dir / f"{stem}.pdf"
    atomic_write(html_path, html_text.encode("utf-8"))
    atomic_write(pdf_path, pdf_bytes)
    app = apparatus.current()
    version = app.version(apparatus.region_of(out_dir / stem)) if app is not None else None
    record = render_info.record_bytes(backend, renderer, [html_path.name, pdf_path.name], note, version)
    atomic_write(render_info.record_path(out_dir, stem), record)
    return RenderResult(html=html_path, pdf=pdf_path, backend=backend, renderer=renderer)


def pandoc_renderer() -> str:
    """“pandoc 3.9 + typst 0.15.2”：pandoc 后端所用的两个程序的版本。"""
    return f"pandoc {_pandoc_version(pandoc_binary())} + typst {importlib.metadata.version('typst')}"


@lru_cache(maxsize=4)
def _pandoc_version(binary: str) -> str:
    first = run_pandoc(["--version"]).decode("utf-8", "replace").splitlines()[0]
    return first.split()[-1] if first.split() else "?"


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


def move_date_to_dateline(ast: dict[str, Any]) -> dict[str, Any]:
    """元数据 date 是一行文字（“2025年12月”“数据截至……　内部资料　注意保密”），不是日期：两个后端的模板都从
    dateline 读它（Quarto 会把 date 解析成日期，认不出时印出 “Invalid Date”）。"""
    meta = ast.get("meta", {})
    if "date" in meta:
        if quarto_backend.DATELINE_KEY in meta:
            raise RenderError(f"报告元数据中同时有 date 与 {quarto_backend.DATELINE_KEY}，无法确定日期行。")
        meta[quarto_backend.DATELINE_KEY] = meta.pop("date")
    return ast


def apparatus_to_meta(ast: dict[str, Any], md_path: Path) -> dict[str, Any]:
    """刊头、页眉和版次（apparatus.meta_for）写进元数据，两个模板据此排印。"""
    meta = ast.setdefault("meta", {})
    title = "".join(n["c"] if n.get("t") == "Str" else " " for n in _walk(meta.get("title", {}))
                    if n.get("t") in ("Str", "Space"))
    for key, value in apparatus.meta_for(md_path, title).items():
        meta[key] = {"t": "MetaString", "c": value}
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


def _font_files_state(font_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and mtime of each file in the font folder: a replaced font gets a new typst compiler."""
    if not font_dir.is_dir():
        return ()
    return tuple(sorted((p.name, st.st_size, st.st_mtime_ns) for p in font_dir.iterdir() if p.is_file()
                        for st in (p.stat(),)))


@lru_cache(maxsize=2)
def _typst_compiler(font_dir: str, _state: tuple[tuple[str, int, int], ...]) -> typst.Compiler:
    """One typst compiler per font folder and process. Like a fresh `typst.compile` it has the folder's fonts and
    typst's embedded ones, no system fonts, and reads the document's files (images) anew at each compile; unlike
    it, it keeps what it worked out for one document (parsed fonts, the template, layouts) for the next: a county
    edition compiles in about 0.09 CPU s instead of 0.14, to the same bytes, and the process grows less."""
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=[font_dir])
    return typst.Compiler(font_paths=fonts, ignore_system_fonts=True)


def compile_typst(source: str, root: Path, font_dir: Path) -> bytes:
    """用 typst 编译 PDF；任何警告都视为错误（缺字体等问题 typst 只给警告）。"""
    compiler = _typst_compiler(str(font_dir), _font_files_state(font_dir))
    try:
        pdf, warnings = compiler.compile_with_warnings(
            input=source.encode("utf-8"),
            root=str(root),
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
    html_text = html_access.improve(inline_svg_images(html_text))
    chars = document_chars(html_text)
    try:
        check_glyph_coverage(chars, font_dir)
    except MissingGlyphError as exc:
        raise RenderError(str(exc)) from exc
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


# ---------------------------------------------------------------------------
# quarto 后端（实现见 pipeline/render/quarto_backend.py）
# ---------------------------------------------------------------------------


def _render_quarto(md_path: Path, out_dir: Path, stem: str, font_dir: Path,
                   quarto: quarto_backend.QuartoInstall) -> RenderResult:
    src_dir = md_path.resolve().parent
    images = check_images(read_ast(md_path), src_dir)
    root = _project_root(src_dir, images)
    try:
        html_raw, pdf_bytes = quarto_backend.render_in_copy(
            quarto, md_path, images, root, font_dir, [HTML_TEMPLATE, HTML_CSS, TYPST_TEMPLATE, PARITY_FILTER],
            HTML_LANG, pdf_timestamp(),
        )
    except quarto_backend.QuartoError as exc:
        raise RenderError(str(exc)) from exc
    html_text = finalize_html(html_raw, font_dir)
    return _write_outputs(out_dir, stem, html_text, pdf_bytes, "quarto", f"Quarto {quarto.version_text}")


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
