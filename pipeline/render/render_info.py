"""排版记录：每次渲染在报告目录写 ``<stem>.render.json``，说明 HTML/PDF 由哪个后端、哪个版本排版。

命令行在阶段结束时据此打印一行（dvc repro 的日志里看得到），发布时写进 manifest.json 的 ``rendered_by``。
记录不发布（不在 editions.yaml 的 files 中），内容只取决于所用程序的版本，重复运行逐字节相同。
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SUFFIX = ".render.json"
BACKEND_NAMES = {"pandoc": "pandoc+typst", "quarto": "Quarto"}


def record_path(out_dir: Path, stem: str) -> Path:
    return out_dir / f"{stem}{SUFFIX}"


def record_bytes(backend: str, renderer: str, files: list[str], note: str = "", edition_version: int | None = None
                 ) -> bytes:
    """edition_version: the 版次 printed in the masthead (the release checks it against the version it assigns)."""
    record: dict[str, Any] = {"backend": backend, "renderer": renderer, "files": sorted(files)}
    if note:
        record["note"] = note
    if edition_version is not None:
        record["edition_version"] = edition_version
    return (json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def log_line(html_name: str, pdf_name: str, backend: str, renderer: str) -> str:
    return f"排版：{html_name}、{pdf_name} 由 {BACKEND_NAMES.get(backend, backend)} 后端（{renderer}）生成"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), list) else None


def read_records(folder: Path) -> list[dict[str, Any]]:
    """folder 中（不含子目录）全部排版记录，按文件名排序；读不了的记录跳过。"""
    return [r for path in sorted(folder.glob(f"*{SUFFIX}")) if (r := _read(path)) is not None]


def rendered_by(folder: Path, published: list[str] | tuple[str, ...]) -> dict[str, dict[str, str]]:
    """{发布的文件: {backend, renderer}}：只含 folder 中有排版记录的已发布文件。"""
    wanted = set(published)
    out: dict[str, dict[str, str]] = {}
    for record in read_records(folder):
        for name in record["files"]:
            if name in wanted:
                out[str(name)] = {"backend": str(record.get("backend", "")), "renderer": str(record.get("renderer", ""))}
    return dict(sorted(out.items()))


def printed_versions(folder: Path, published: list[str] | tuple[str, ...]) -> set[int]:
    """The 版次 printed in folder's published documents (empty when they carry no masthead)."""
    wanted = set(published)
    return {int(r["edition_version"]) for r in read_records(folder)
            if "edition_version" in r and wanted.intersection(r["files"])}


def summary_lines(folder: Path, *, recursive: bool = False) -> list[str]:
    """每份文档一行“排版：… 由 … 生成”（及 auto 未用 Quarto 的原因），供命令行在阶段结束时打印。"""
    paths = sorted(folder.rglob(f"*{SUFFIX}")) if recursive else sorted(folder.glob(f"*{SUFFIX}"))
    lines: list[str] = []
    for path in paths:
        record = _read(path)
        if record is None:
            continue
        where = path.parent.relative_to(folder).as_posix()
        prefix = f"{where}/" if recursive and where != "." else ""
        files = [str(f) for f in record["files"]]
        html = next((f for f in files if f.endswith(".html")), "")
        pdf = next((f for f in files if f.endswith(".pdf")), "")
        lines.append(log_line(prefix + html, prefix + pdf, str(record.get("backend", "")),
                              str(record.get("renderer", ""))))
        if record.get("note"):
            lines.append(str(record["note"]))
    return lines
