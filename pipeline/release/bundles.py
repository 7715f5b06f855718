"""收件包：每个收件单位一个 zip，只放收件单位目录（recipients.yaml）规定它收到的出版物。

zip 是确定的：条目按路径排序、时间戳固定（与 XLSX 相同的 2024-01-01 00:00:00）、属性固定、压缩级别固定（6），
同样的内容得到逐字节相同的 zip。条目名只用 ASCII（出版物编号/区划代码/报告期/v版本/文件名），
避免旧版 Windows 资源管理器按 GBK 解读 UTF-8 文件名造成乱码；中文说明在 README.txt 中。

包内结构：
  README.txt            收件单位、所含出版物及版本、发布范围、核对方法（中文，UTF-8 带 BOM，Windows 记事本可直接打开）
  bundle.json           同样内容的机器可读版本
  SHA256SUMS            包内其他全部文件的 SHA-256（解压后可用 sha256sum -c SHA256SUMS 核对）
  <出版物>/<报告期>/v<N>/…  各出版物版本目录的原样副本（含其 manifest.json 与 SHA256SUMS）
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from pipeline.release.manifest import BUNDLE_INFO, SUMS, sha256_bytes, sums_text
from pipeline.render.xlsx import FIXED_TIME

README = "README.txt"
ZIP_TIME = FIXED_TIME.timetuple()[:6]


def deterministic_zip(entries: dict[str, bytes]) -> bytes:
    """A zip of {posix path: bytes}: sorted entries, fixed timestamps and attributes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(entries):
            if not name or name.startswith("/") or ".." in name.split("/"):
                raise ValueError(f"zip 条目名无效：{name}")
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so that the permission bits below are honoured
            info.external_attr = 0o100644 << 16
            zf.writestr(info, entries[name], compresslevel=6)
    return buffer.getvalue()


@dataclass(frozen=True)
class BundleItem:
    """One edition version inside a bundle."""

    edition: str
    name: str
    title: str
    classification: str
    classification_note: str
    period: str | None
    region_code: str | None
    version: int
    revision: bool
    path: str  # folder inside the zip, e.g. county/430621/2025-12/v1
    files: dict[str, bytes]


def bundle_info(recipient: dict[str, Any], period: str, items: list[BundleItem], absent: list[str]) -> dict[str, Any]:
    return {
        "recipient": recipient,
        "period": period,
        "editions": [
            {"edition": i.edition, "name": i.name, "title": i.title, "classification": i.classification,
             "period": i.period, "region_code": i.region_code, "version": i.version,
             "revision": i.revision, "path": i.path,
             "files": sorted(i.files)}
            for i in items
        ],
        "absent": absent,
    }


def readme_text(recipient: dict[str, Any], period: str, items: list[BundleItem], absent: list[str]) -> str:
    lines = [
        f"收件单位：{recipient['name']}（{recipient['kind_label']}）",
        f"报告期：{period}",
        "",
        "本包所含出版物：",
    ]
    for n, i in enumerate(items, start=1):
        mark = "（修订，R）" if i.revision else ""
        lines.append(f"  {n}. {i.title} 第{i.version}版{mark}——发布范围：{i.classification}（{i.classification_note}）")
        lines.append(f"     文件夹 {i.path}/：{'、'.join(sorted(n for n in i.files if n not in ('manifest.json', SUMS)))}")
    for text in absent:
        lines.append(f"  （{text}）")
    lines += [
        "",
        "说明：",
        "  - 机构的个体数据保密，只能以汇总形式公布；标为“委内”或“仅限本县市区”的资料不得转发。",
        "  - 修订版（R）替代同一报告期的上一版本，修订说明见该文件夹中的 CHANGES.html。",
        "  - 核对完整性：每个文件夹中的 SHA256SUMS 列出各文件的 SHA-256；",
        "    解压后在该文件夹中运行 sha256sum -c SHA256SUMS（Windows：certutil -hashfile 文件名 SHA256）。",
        "    本包根目录的 SHA256SUMS 覆盖包内全部文件。",
        "",
    ]
    return "\ufeff" + "\r\n".join(lines)


def bundle_entries(recipient: dict[str, Any], period: str, items: list[BundleItem], absent: list[str]
                   ) -> dict[str, bytes]:
    """Every file of the bundle; its SHA256SUMS names each other entry with its hash, so two bundles with equal
    SHA256SUMS have equal entries and (the zip being deterministic) equal bytes."""
    entries: dict[str, bytes] = {}
    for item in items:
        for name, data in item.files.items():
            entries[f"{item.path}/{name}"] = data
    entries[README] = readme_text(recipient, period, items, absent).encode("utf-8")
    info = bundle_info(recipient, period, items, absent)
    entries[BUNDLE_INFO] = (json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
    entries[SUMS] = sums_text((name, sha256_bytes(data)) for name, data in entries.items()).encode("utf-8")
    return entries
