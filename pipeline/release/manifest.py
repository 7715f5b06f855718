"""发布版本目录的清单与校验：manifest.json、SHA256SUMS，以及 verify（重新计算哈希、找出不符）。

SHA256SUMS 是 GNU coreutils 格式（“<sha256>  <文件>”），解压或复制后也可以用 ``sha256sum -c SHA256SUMS`` 核对。
它列出版本目录中除自身以外的全部文件（含 manifest.json）；manifest.json 再列出每个文件的大小和 SHA-256，
两者互相印证：改动任何一个文件（包括这两个清单本身）都会被 verify 发现。
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
BUNDLE_INFO = "bundle.json"
_CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entry(path: Path, name: str) -> dict[str, Any]:
    return {"path": name, "size": path.stat().st_size, "sha256": sha256_file(path)}


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """Canonical JSON: sorted keys, two-space indent, UTF-8, trailing newline — same data, same bytes."""
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def sums_text(entries: Iterable[tuple[str, str]]) -> str:
    """SHA256SUMS lines for (relative posix path, sha256), sorted by path."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(entries))


def parse_sums(text: str) -> tuple[dict[str, str], list[str]]:
    """{path: sha256} and the lines that could not be read."""
    out: dict[str, str] = {}
    bad: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        name = name.removeprefix("*")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest) or not name:
            bad.append(f"第 {number} 行：{line[:80]}")
            continue
        out[name] = digest
    return out, bad


def tree_files(folder: Path) -> dict[str, Path]:
    """Every regular file below `folder`, keyed by its posix path relative to it."""
    return {PurePosixPath(*p.relative_to(folder).parts).as_posix(): p
            for p in sorted(folder.rglob("*")) if p.is_file() or p.is_symlink()}


# ---------------------------------------------------------------------------
# verify
# ---------------------------------------------------------------------------


@dataclass
class VerifyReport:
    checked_dirs: int = 0
    checked_files: int = 0
    checked_zips: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def merge(self, other: VerifyReport) -> None:
        self.checked_dirs += other.checked_dirs
        self.checked_files += other.checked_files
        self.checked_zips += other.checked_zips
        self.problems.extend(other.problems)


def _check_listing(where: str, listed: dict[str, str], actual: dict[str, bytes | Path],
                   report: VerifyReport) -> dict[str, str]:
    """Compare a SHA256SUMS listing with what is really there; return the actual hashes of listed files."""
    hashes: dict[str, str] = {}
    for name in sorted(listed):
        if name not in actual:
            report.problems.append(f"{where}：缺少文件 {name}")
            continue
        item = actual[name]
        digest = sha256_bytes(item) if isinstance(item, bytes) else sha256_file(item)
        hashes[name] = digest
        report.checked_files += 1
        if digest != listed[name]:
            report.problems.append(f"{where}：文件 {name} 的 SHA-256 不符（清单为 {listed[name][:16]}…，实际为 {digest[:16]}…），"
                                   "文件已被改动或损坏")
    for name in sorted(set(actual) - set(listed) - {SUMS}):
        report.problems.append(f"{where}：多出文件 {name}（不在 SHA256SUMS 中）")
    return hashes


def _check_manifest(where: str, data: bytes | None, hashes: dict[str, str], sizes: dict[str, int],
                    report: VerifyReport) -> None:
    if data is None:
        report.problems.append(f"{where}：缺少 {MANIFEST}")
        return
    try:
        manifest = json.loads(data.decode("utf-8"))
        files = {f["path"]: f for f in manifest["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"{where}：{MANIFEST} 无法读取（{exc}）")
        return
    for name, entry in sorted(files.items()):
        if name not in hashes:
            if name not in sizes:
                report.problems.append(f"{where}：{MANIFEST} 列出的文件 {name} 不存在")
            continue
        if entry.get("sha256") != hashes[name]:
            report.problems.append(f"{where}：文件 {name} 与 {MANIFEST} 记录的 SHA-256 不符")
        if entry.get("size") != sizes.get(name):
            report.problems.append(f"{where}：文件 {name} 的大小（{sizes.get(name)} 字节）与 {MANIFEST} 记录的"
                                   f"（{entry.get('size')} 字节）不符")
    for name in sorted(set(hashes) - set(files) - {MANIFEST}):
        report.problems.append(f"{where}：文件 {name} 不在 {MANIFEST} 中")


def verify_version_dir(folder: Path, label: str | None = None) -> VerifyReport:
    """One release version folder: SHA256SUMS against the files, then manifest.json against both."""
    report = VerifyReport(checked_dirs=1)
    where = label or str(folder)
    sums_path = folder / SUMS
    actual: dict[str, bytes | Path] = dict(tree_files(folder))
    if not sums_path.is_file():
        report.problems.append(f"{where}：缺少 {SUMS}")
        return report
    listed, bad = parse_sums(sums_path.read_text(encoding="utf-8", errors="replace"))
    report.problems.extend(f"{where}：{SUMS} 无法识别的行 {b}" for b in bad)
    hashes = _check_listing(where, listed, actual, report)
    if MANIFEST in listed or (folder / MANIFEST).is_file():
        sizes = {name: p.stat().st_size for name, p in tree_files(folder).items()}
        data = (folder / MANIFEST).read_bytes() if (folder / MANIFEST).is_file() else None
        _check_manifest(where, data, hashes, sizes, report)
    return report


def verify_zip(path: Path, label: str | None = None) -> VerifyReport:
    """A recipient bundle: its top-level SHA256SUMS and every version folder's SHA256SUMS inside it."""
    report = VerifyReport(checked_zips=1)
    where = label or str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            entries = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    except (zipfile.BadZipFile, OSError) as exc:
        report.problems.append(f"{where}：不是有效的 zip 文件（{exc}）")
        return report
    if SUMS not in entries:
        report.problems.append(f"{where}：zip 中缺少 {SUMS}")
        return report
    listed, bad = parse_sums(entries[SUMS].decode("utf-8", errors="replace"))
    report.problems.extend(f"{where}：{SUMS} 无法识别的行 {b}" for b in bad)
    _check_listing(where, listed, dict(entries), report)
    # each edition version inside the bundle carries its own SHA256SUMS and manifest
    for sums_name in sorted(n for n in entries if n.endswith("/" + SUMS)):
        prefix = sums_name[: -len(SUMS)]
        inner = {n[len(prefix):]: entries[n] for n in entries if n.startswith(prefix)}
        sub = VerifyReport(checked_dirs=1)
        sub_where = f"{where}!{prefix.rstrip('/')}"
        sub_listed, sub_bad = parse_sums(entries[sums_name].decode("utf-8", errors="replace"))
        sub.problems.extend(f"{sub_where}：{SUMS} 无法识别的行 {b}" for b in sub_bad)
        hashes = _check_listing(sub_where, sub_listed, dict(inner), sub)
        _check_manifest(sub_where, inner.get(MANIFEST), hashes, {n: len(b) for n, b in inner.items()}, sub)
        sub.checked_files = sub.checked_dirs = 0  # counted with the bundle
        report.merge(sub)
    return report


def verify_path(path: Path) -> VerifyReport:
    """A version folder, a bundle zip, or any folder above them (every release below it is checked)."""
    report = VerifyReport()
    if not path.exists():
        report.problems.append(f"找不到 {path}")
        return report
    if path.is_file():
        if path.suffix.lower() == ".zip":
            return verify_zip(path)
        report.problems.append(f"{path} 不是发布目录或收件包（zip）")
        return report
    if (path / SUMS).is_file():
        report.merge(verify_version_dir(path))
        for zip_path in sorted(path.glob("*.zip")):  # a bundles folder lists its zips in SHA256SUMS
            report.merge(verify_zip(zip_path))
        return report
    found = sorted({p.parent for p in path.rglob(SUMS) if not any(part.startswith(".") for part in
                                                                 p.relative_to(path).parts)})
    if not found:
        report.problems.append(f"{path} 下没有任何发布目录（找不到 {SUMS}）")
        return report
    for folder in found:
        report.merge(verify_version_dir(folder))
        for zip_path in sorted(folder.glob("*.zip")):
            report.merge(verify_zip(zip_path))
    return report


def read_manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return data


def zip_member(path: Path, name: str) -> bytes | None:
    with zipfile.ZipFile(path) as zf:
        try:
            return zf.read(name)
        except KeyError:
            return None


def zip_text(path: Path, name: str) -> str | None:
    data = zip_member(path, name)
    return None if data is None else io.TextIOWrapper(io.BytesIO(data), encoding="utf-8").read()
