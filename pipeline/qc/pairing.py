"""The qc stage writes two folders, ``data/qc`` and ``reports/qc/<period>``; they cannot be swapped in one step.
The 通报 folder records the SHA-256 of the data/qc tables it was built from (``source/qc_data.json``), so a pair
left mismatched by a run killed between the two swaps is recognised (and the next run rebuilds both)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

DATA_LINK = "source/qc_data.json"  # SHA-256 of the data/qc tables the 通报 was built from
DATA_FILES = ("results.parquet", "filing.parquet")


def data_link(data_dir: Path) -> dict[str, str]:
    return {name: hashlib.sha256((data_dir / name).read_bytes()).hexdigest() for name in DATA_FILES
            if (data_dir / name).is_file()}


def pair_problem(data_dir: Path, report_dir: Path) -> str | None:
    """Why data/qc and the 通报 folder are not one pair (a run killed between the two swaps), or None."""
    link = report_dir / DATA_LINK
    if not link.is_file() or not data_dir.is_dir():
        return None
    try:
        recorded = json.loads(link.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    if recorded == data_link(data_dir):
        return None
    return f"{data_dir.as_posix()} 与 {report_dir.as_posix()} 的质控通报不是同一次运行的结果（上次运行可能在中途被终止）"
