"""Small I/O helpers: atomic writes so no half-written output is ever left behind."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import polars as pl

from pipeline.errors import UserError
from pipeline.escaping import spreadsheet_text


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it onto `target` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_parquet(df: pl.DataFrame, target: Path) -> None:
    with atomic_path(target) as tmp:
        df.write_parquet(tmp, statistics=False, compression="zstd")


STREAM_ROW_GROUP = 512 * 512  # rows per row group of a streamed parquet


def write_parquet_chunks(chunks: Callable[[], Iterator[pl.DataFrame]], schema: Mapping[str, Any],
                         target: Path) -> None:
    """A table too large to hold twice, written as it is produced: `chunks()` yields its pieces in order (each
    made only when the writer asks for it), streamed into row groups of STREAM_ROW_GROUP rows. The bytes depend
    only on the rows, never on how they were cut into chunks (same settings as :func:`write_parquet`)."""
    from polars.io.plugins import register_io_source

    def source(with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None,
               batch_size: int | None) -> Iterator[pl.DataFrame]:
        left = n_rows
        for chunk in chunks():
            if with_columns is not None:
                chunk = chunk.select(with_columns)
            if predicate is not None:
                chunk = chunk.filter(predicate)
            if left is not None:
                chunk, left = chunk.head(left), left - min(left, chunk.height)
            yield chunk
            if left == 0:
                return

    with atomic_path(target) as tmp:
        register_io_source(io_source=source, schema=dict(schema)).sink_parquet(
            tmp, statistics=False, compression="zstd", row_group_size=STREAM_ROW_GROUP)


def spreadsheet_safe(df: pl.DataFrame) -> pl.DataFrame:
    """Text columns made safe for Excel (a leading = + - @ guarded by an apostrophe, controls made visible);
    number columns untouched, so negative numbers stay numbers."""
    text_columns = [c for c, t in df.schema.items() if t == pl.Utf8]
    if not text_columns:
        return df
    return df.with_columns(pl.col(c).map_elements(spreadsheet_text, return_dtype=pl.Utf8, skip_nulls=True)
                           for c in text_columns)


def write_csv(df: pl.DataFrame, target: Path) -> None:
    """CSV with a UTF-8 BOM so that Excel on a Chinese Windows PC opens it correctly; text cells are guarded
    against formula injection (``spreadsheet_safe``)."""
    with atomic_path(target) as tmp:
        with tmp.open("wb") as fh:
            fh.write("\ufeff".encode())
            spreadsheet_safe(df).write_csv(fh)


def write_text(text: str, target: Path) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(data: Any, target: Path) -> None:
    write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", target)


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return True


# ---------------------------------------------------------------------------------------------- output sets

TEMP_MARK = ".tmp-"  # a stage's temporary output folder beside the target: .<name>.tmp-<random>
_DISK_ERRORS = {errno.ENOSPC: "磁盘空间已满", errno.EROFS: "文件夹只读", errno.EACCES: "没有写入权限",
                errno.EPERM: "没有写入权限", errno.EDQUOT: "超出磁盘配额"}


def _temp_dirs(target: Path) -> list[Path]:
    if not target.parent.is_dir():
        return []
    return sorted(p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}{TEMP_MARK}"))


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where the system has no such call."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _carry_over(target: Path, tmp: Path) -> None:
    """Entries of the old folder this run did not write (files of other tools, such as .gitignore, or anything a
    user keeps there) go into the new set too: the swap replaces the stage's outputs, never deletes anything else.
    Hard links, so the old set stays whole until the swap."""
    if not target.is_dir():
        return
    for entry in sorted(target.iterdir()):
        if (tmp / entry.name).exists() or (tmp / entry.name).is_symlink():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, tmp / entry.name, symlinks=True, copy_function=_link_or_copy)
        elif entry.is_symlink():
            os.symlink(os.readlink(entry), tmp / entry.name)
        else:
            _link_or_copy(str(entry), str(tmp / entry.name))


def _swap_in(tmp: Path, target: Path, carry: bool = True) -> None:
    """Put the finished set `tmp` at `target`; the old set (if any) ends in `tmp` and is removed."""
    if carry:
        _carry_over(target, tmp)
    if not target.exists():
        os.rename(tmp, target)
        return
    if not _exchange(tmp, target):  # two renames: a kill between them leaves the old set in .<name>.tmp-old
        old = target.with_name(f".{target.name}{TEMP_MARK}old")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(target, old)
        os.rename(tmp, target)
        tmp = old
    shutil.rmtree(tmp, ignore_errors=True)


def recover_output_set(target: Path) -> None:
    """Clean up after a killed run: temporary folders beside `target` are removed; if the target itself is gone
    (killed between the two renames of a system without an atomic swap) the old set is put back."""
    old = target.with_name(f".{target.name}{TEMP_MARK}old")
    if not target.exists() and old.is_dir():
        os.rename(old, target)
    for stale in _temp_dirs(target):
        shutil.rmtree(stale, ignore_errors=True)


def disk_error(exc: OSError, folder: Path) -> UserError:
    """A write failure as a Chinese message naming the folder (disk full, read-only, no permission)."""
    what = _DISK_ERRORS.get(exc.errno or 0, f"写入失败（{exc.strerror or exc}）")
    return UserError(f"无法写入输出文件夹 {folder.as_posix()}：{what}，原有的输出保持不变",
                     hint="请腾出磁盘空间或改正文件夹的权限（去掉只读）后重新运行")


def _seed(target: Path, tmp: Path) -> None:
    """Copy the old set into the temporary folder (copies, not links: a writer that rewrites a file in place must
    not touch the old set)."""
    if target.is_dir():
        shutil.copytree(target, tmp, symlinks=True, dirs_exist_ok=True)


@contextmanager
def atomic_dir(target: Path, *, seeded: bool = False) -> Iterator[Path]:
    """Write a stage's whole output set into a temporary folder beside `target` and swap it in at the end:
    a kill leaves the old set or the new one, never a mix; leftovers of a killed run are removed at the next
    run. Disk full, read-only and permission errors become a Chinese UserError naming the folder.

    The yielded folder starts empty; what the old folder holds besides the files this run writes is kept.
    ``seeded``: the yielded folder starts as a copy of the old set instead, for a stage that keeps unchanged
    parts and may delete parts (the county editions); what the stage deletes stays deleted."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        recover_output_set(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}{TEMP_MARK}", dir=target.parent))
        os.chmod(tmp, 0o755)  # mkdtemp makes 0700; outputs are meant to be shared
        if seeded:
            _seed(target, tmp)
    except OSError as exc:
        raise disk_error(exc, target.parent) from None
    try:
        yield tmp
        _swap_in(tmp, target, carry=not seeded)
    except OSError as exc:
        if exc.errno not in _DISK_ERRORS:
            raise
        raise disk_error(exc, target) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def load_yaml(text: str | bytes) -> Any:
    """yaml.safe_load, parsed by libyaml when PyYAML was built with it (dvc.lock: 0.10 -> 0.015 s). The C parser
    feeds the same SafeConstructor and resolver, so the same values; a document it rejects is parsed again by the
    pure-Python loader, so that errors (and their messages) are exactly those of yaml.safe_load."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)  # noqa: S506 - CSafeLoader is the safe loader
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def read_yaml(path: Path, what: str = "目录文件") -> Any:
    """A YAML catalogue's content; unreadable or malformed → UserError "<what> <file> 无法读取：…"."""
    import yaml

    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{what} {path.name} 无法读取：{exc}") from exc
