"""Shared test helpers: tiny canonical tables built by hand."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import catalogues

REPO = Path(__file__).resolve().parent.parent


def clean_row(org_code: str, period: str, region_code: str = "430602", *, type_group: str = "医院",
              type_sub: str = "综合医院", ownership: str = "公立", govt_run: bool = True,
              level_class: str | None = "三级", **values: float) -> dict[str, Any]:
    """One canonical row: classification columns plus every item (0 unless given)."""
    row: dict[str, Any] = {
        "org_code": org_code, "name": org_code, "period": period, "region_code": region_code,
        "type_group": type_group, "type_sub": type_sub, "ownership": ownership, "govt_run": govt_run,
        "level_class": level_class if type_group == "医院" else None, "tcm": False,
    }
    for item_id in catalogues.items().item_ids:
        row[item_id] = float(values.pop(item_id, 0.0))
    assert not values, f"unknown items {values}"
    return row


def clean_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, infer_schema_length=None)


def copy_project(src: Path, dest: Path) -> None:
    """A copy of the tracked (and new, not ignored) files of the project, as a fresh git repo without dvc.lock:
    what a user has after cloning, without the outputs of earlier runs."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=src, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        if (src / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / rel, dest / rel)
    (dest / "dvc.lock").unlink(missing_ok=True)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)


_DATA_URI = re.compile(r"data:[\w/+.-]+(?:;[\w=.-]+)*;base64,[A-Za-z0-9+/=]+")


def without_data_uris(html: str) -> str:
    """The HTML with each embedded base64 payload cut to "data:": a font's base64 text can contain any four
    letters, "http" among them (one document in fifty or so), which is not a link to anything."""
    return _DATA_URI.sub("data:", html)

