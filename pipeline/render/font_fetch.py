"""The fallback font for rare characters (CJK Extension B–F, e.g. 𠮷 U+20BB7 in a legal name): HanaMinB from the
Debian package fonts-hanazono, downloaded once per machine as a pinned file (fixed SHA-256) and unpacked with the
standard library (a .deb is an ``ar`` archive holding ``data.tar.xz``). No PyPI package carries such a font.

An intranet PC never downloads: the offline kit carries the unpacked HanaMinB.ttf in its ``fonts/`` folder
(``run.py`` copies it into the font folder before ``setup-fonts``). Where the download is blocked, the user may put
the .deb itself (any Debian mirror has it) or HanaMinB.ttf into the font folder.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from pipeline.io_utils import atomic_path

FALLBACK_FILENAME = "HanaMinB.ttf"
DEB_NAME = "fonts-hanazono_20170904-2.1_all.deb"
DEB_SHA256 = "a6943366b4f5a6cec34221f8b4eb22555a628f0ee6ef4e3d3401cabe9363aeae"
DEB_SIZE = 22_250_332
DEB_MEMBER = "./usr/share/fonts/truetype/hanazono/HanaMinB.ttf"
TTF_SHA256 = "829543436cdf7b4c6730e2af5806fa406f8ddf0d4b656e0cd49c58d4db1c8d3c"
TTF_SIZE = 30_739_236
DEB_URLS: tuple[str, ...] = (f"https://deb.debian.org/debian/pool/main/f/fonts-hanazono/{DEB_NAME}",)
# Another place to fetch the same .deb from (an intranet mirror, a file:// URL); the SHA-256 is checked all the same.
URL_ENV = "HEALTHSTATS_FALLBACK_FONT_URL"
DOWNLOAD_TIMEOUT_S = 120

_AR_MAGIC = b"!<arch>\n"
_AR_HEADER = 60


class FetchError(RuntimeError):
    """The fallback font could not be obtained (message in Chinese, says what to do)."""


def is_valid(path: Path) -> bool:
    """The unpacked fallback font is there with its pinned size (its SHA-256 was checked when it was written)."""
    return path.is_file() and path.stat().st_size == TTF_SIZE


def _what_to_do(font_dir: Path) -> str:
    return (f"请在能上网的电脑上运行 python run.py setup（会下载 Debian 软件包 {DEB_NAME}，约 22 MB），"
            f"或从任一 Debian 镜像的 pool/main/f/fonts-hanazono/ 下载该文件放入 {font_dir} 后重新运行；"
            f"内网机请用离线安装包（其 fonts/ 中带有 {FALLBACK_FILENAME}）")


def ensure_fallback(font_dir: Path) -> Path:
    """font_dir/HanaMinB.ttf, fetched and unpacked when missing. Raises FetchError (Chinese) when it cannot be had."""
    target = font_dir / FALLBACK_FILENAME
    if is_valid(target):
        return target
    local = font_dir / DEB_NAME
    deb = local.read_bytes() if local.is_file() else _download(font_dir)
    if _sha256(deb) != DEB_SHA256:
        where = str(local) if local.is_file() else "下载的文件"
        raise FetchError(f"补充字体软件包 {DEB_NAME} 校验失败（SHA-256 不符，{where}不完整或不是该版本）。"
                         + _what_to_do(font_dir))
    ttf = extract_deb_member(deb, DEB_MEMBER)
    if _sha256(ttf) != TTF_SHA256:
        raise FetchError(f"从 {DEB_NAME} 解出的 {FALLBACK_FILENAME} 校验失败（SHA-256 不符）。" + _what_to_do(font_dir))
    font_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        tmp.write_bytes(ttf)
    print(f"已准备补充字体 {FALLBACK_FILENAME}（花园明朝 B，CJK 扩展 B—F 区）", file=sys.stderr, flush=True)
    return target


def _download(font_dir: Path) -> bytes:
    urls = [u for u in (os.environ.get(URL_ENV, "").strip(),) if u] + list(DEB_URLS)
    errors = []
    for url in urls:
        print(f"正在下载补充字体软件包 {DEB_NAME}（约 22 MB，只需一次）……", file=sys.stderr, flush=True)
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:  # noqa: S310 (pinned URL)
                data: bytes = response.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            errors.append(f"{url}：{getattr(exc, 'reason', exc)}")
            continue
        if _sha256(data) == DEB_SHA256:
            return data
        errors.append(f"{url}：内容校验失败（SHA-256 不符）")
    raise FetchError("下载补充字体（花园明朝 B，用于生僻字）失败：" + "；".join(errors) + "。" + _what_to_do(font_dir))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ar_members(data: bytes) -> dict[str, bytes]:
    """The members of a Unix ``ar`` archive (a .deb): {name: content}."""
    if not data.startswith(_AR_MAGIC):
        raise FetchError(f"{DEB_NAME} 不是 Debian 软件包（ar 文件头不符）。")
    members: dict[str, bytes] = {}
    pos = len(_AR_MAGIC)
    while pos + _AR_HEADER <= len(data):
        header = data[pos:pos + _AR_HEADER]
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        try:
            size = int(header[48:58].decode("ascii").strip())
        except ValueError as exc:
            raise FetchError(f"{DEB_NAME} 已损坏（ar 成员 {name} 的长度不可读）。") from exc
        start = pos + _AR_HEADER
        members[name] = data[start:start + size]
        pos = start + size + (size % 2)  # members are padded to an even offset
    return members


def extract_deb_member(deb: bytes, member: str) -> bytes:
    """One file of a .deb's data.tar.xz (or .gz/.bz2), read with the standard library."""
    archives = {name: body for name, body in ar_members(deb).items() if name.startswith("data.tar")}
    if not archives:
        raise FetchError(f"{DEB_NAME} 中没有 data.tar 成员。")
    name, body = next(iter(archives.items()))
    try:
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:*") as tar:
            handle = tar.extractfile(member)
            if handle is None:
                raise KeyError(member)
            return handle.read()
    except (tarfile.TarError, KeyError, EOFError, OSError) as exc:
        raise FetchError(f"无法从 {DEB_NAME} 的 {name} 中解出 {member}：{exc}") from exc
