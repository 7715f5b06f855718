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
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pipeline.release.manifest import BUNDLE_INFO, SUMS, sha256_bytes, sums_text
from pipeline.render.xlsx import FIXED_TIME

README = "README.txt"
ZIP_TIME = FIXED_TIME.timetuple()[:6]
ZIP_LEVEL = 6
# zipfile's limits: past them it writes ZIP64 records, which the writer below does not; such a zip is left to zipfile.
_ZIP64_LIMIT = (1 << 31) - 1
_ZIP_COUNT_LIMIT = (1 << 16) - 1
_VERSION = 20  # zipfile's DEFAULT_VERSION ("2.0": deflate), both the version made by and the version needed
_UNIX = 3
_FILE_ATTR = 0o100644 << 16
_UTF8_NAME = 1 << 11
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # zipfile.structCentralDir
_END = struct.Struct("<4s4H2LH")  # zipfile.structEndArchive
_DOS_TIME = ZIP_TIME[3] << 11 | ZIP_TIME[4] << 5 | (ZIP_TIME[5] // 2)
_DOS_DATE = (ZIP_TIME[0] - 1980) << 9 | ZIP_TIME[1] << 5 | ZIP_TIME[2]


def raw_deflate(data: bytes) -> bytes:
    """The deflate stream zipfile writes for `data` at ZIP_LEVEL: the same compressobj (raw, wbits -15, default
    memLevel and strategy), fed the whole content in one call as ZipFile.writestr does, so the same bytes."""
    compressor = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


class Deflated:
    """Each distinct member content compressed once (CRC-32 and deflate stream).

    The same file goes into many recipients' bundles (the monthly report into all 17), and the deflate stream of a
    content depends only on the content and the settings, so it is computed once and reused; `prepare` computes
    the missing ones in threads (zlib releases the GIL while it compresses). Keys are the contents themselves:
    equal bytes, equal stream, whatever file they came from."""

    def __init__(self) -> None:
        self._streams: dict[bytes, tuple[int, bytes]] = {}

    def prepare(self, contents: Iterable[bytes], workers: int | None = None) -> None:
        todo = list(dict.fromkeys(c for c in contents if c not in self._streams))
        if not todo:
            return
        workers = workers or min(len(todo), os.cpu_count() or 1)
        if workers <= 1:
            results = [self._compute(c) for c in todo]
        else:
            # largest first, so that one big file does not start last and run alone
            order = sorted(range(len(todo)), key=lambda i: -len(todo[i]))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                done = dict(zip(order, pool.map(lambda i: self._compute(todo[i]), order)))
            results = [done[i] for i in range(len(todo))]
        self._streams.update(zip(todo, results))

    @staticmethod
    def _compute(data: bytes) -> tuple[int, bytes]:
        return zlib.crc32(data), raw_deflate(data)

    def forget(self, data: bytes) -> None:
        """Drop the stream of a content no bundle still to be written carries (memory, not correctness)."""
        self._streams.pop(data, None)

    def get(self, data: bytes) -> tuple[int, bytes]:
        found = self._streams.get(data)
        if found is None:
            found = self._streams[data] = self._compute(data)
        return found


def _check_name(name: str) -> None:
    if not name or name.startswith("/") or ".." in name.split("/"):
        raise ValueError(f"zip 条目名无效：{name}")


def _zipfile_zip(entries: dict[str, bytes]) -> bytes:
    """The reference: what zipfile writes for the entries (used for zips past the ZIP64 limits)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = _UNIX  # unix, so that the permission bits below are honoured
            info.external_attr = _FILE_ATTR
            zf.writestr(info, entries[name], compresslevel=ZIP_LEVEL)
    return buffer.getvalue()


def deterministic_zip(entries: dict[str, bytes], deflated: Deflated | None = None) -> bytes:
    """A zip of {posix path: bytes}: sorted entries, fixed timestamps and attributes.

    Byte for byte what zipfile.ZipFile.writestr writes for these entries (ZIP_DEFLATED, level 6, unix attributes
    0644, fixed time; tests/unit/test_release_pieces.py compares the two), but laid out here so that the deflate
    streams can come from `deflated`, computed once per distinct content instead of once per bundle."""
    names = sorted(entries)
    for name in names:
        _check_name(name)
    if len(names) > _ZIP_COUNT_LIMIT or any(len(entries[n]) * 1.05 > _ZIP64_LIMIT for n in names):
        return _zipfile_zip(entries)
    deflated = deflated or Deflated()
    deflated.prepare(entries[n] for n in names)
    local: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name in names:
        data = entries[name]
        crc, stream = deflated.get(data)
        filename = zipfile.ZipInfo(name).filename  # zipfile's normalisation (a NUL ends the name)
        try:
            encoded, flags = filename.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = filename.encode("utf-8"), _UTF8_NAME
        header = _LOCAL.pack(b"PK\003\004", _VERSION, 0, flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, crc,
                             len(stream), len(data), len(encoded), 0)
        central.append(_CENTRAL.pack(b"PK\001\002", _VERSION, _UNIX, _VERSION, 0, flags, zipfile.ZIP_DEFLATED,
                                     _DOS_TIME, _DOS_DATE, crc, len(stream), len(data), len(encoded), 0, 0, 0, 0,
                                     _FILE_ATTR, offset) + encoded)
        local += (header, encoded, stream)
        offset += len(header) + len(encoded) + len(stream)
    directory = b"".join(central)
    if offset > _ZIP64_LIMIT or len(directory) > _ZIP64_LIMIT:
        return _zipfile_zip(entries)
    end = _END.pack(b"PK\005\006", 0, 0, len(names), len(names), len(directory), offset, 0)
    return b"".join(local) + directory + end


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


def bundle_entries(recipient: dict[str, Any], period: str, items: list[BundleItem], absent: list[str],
                   digest: Callable[[bytes], str] = sha256_bytes) -> dict[str, bytes]:
    """Every file of the bundle; its SHA256SUMS names each other entry with its hash, so two bundles with equal
    SHA256SUMS have equal entries and (the zip being deterministic) equal bytes. `digest`: sha256_bytes, or a
    memo of it when many bundles carry the same files."""
    entries: dict[str, bytes] = {}
    for item in items:
        for name, data in item.files.items():
            entries[f"{item.path}/{name}"] = data
    entries[README] = readme_text(recipient, period, items, absent).encode("utf-8")
    info = bundle_info(recipient, period, items, absent)
    entries[BUNDLE_INFO] = (json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
    entries[SUMS] = sums_text((name, digest(data)) for name, data in entries.items()).encode("utf-8")
    return entries
