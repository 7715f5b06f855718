"""Markdown tables of the QC 通报: a pipe table with relative column widths, and a titled listing of rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from pipeline.escaping import markdown_text

NONE_TEXT = "本季度无此类问题。"


def md_table(header: Sequence[str], align: str, rows: Sequence[Sequence[str]],
             widths: Sequence[int] | None = None) -> str:
    """A pipe table; `align` has one letter per column (l/r/c); `widths` are relative column widths.

    pandoc sizes the columns of a wide pipe table by the dashes of the separator line, so the
    widths keep 18-character institution codes and long names from overlapping.
    """
    widths = widths or [3] * len(header)
    def mark(a: str, w: int) -> str:
        dashes = "-" * max(3, w)
        return {"l": ":" + dashes, "r": dashes + ":", "c": ":" + dashes + ":"}[a]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(mark(a, w) for a, w in zip(align, widths)) + " |"]
    lines += ["| " + " | ".join(markdown_text(c) for c in row) + " |" for row in rows]  # cells are data: literal
    return "\n".join(lines)


Column = tuple[str, str, int]  # header, alignment (l/r/c), relative width


def _listing(frame: pl.DataFrame, title: str, columns: Sequence[Column],
             cells: Callable[[dict[str, Any]], list[str]]) -> str:
    """A titled table of the frame's rows, or one line saying there are none."""
    if frame.height == 0:
        return f"{title}：{NONE_TEXT}"
    rows = [cells(r) for r in frame.iter_rows(named=True)]
    header, align, widths = zip(*columns)
    return "\n\n".join([title, md_table(header, "".join(align), rows, widths)])


REGION_COL: Column = ("县市区", "l", 13)
PERIOD_COL: Column = ("报告期", "l", 9)
NAME_COL: Column = ("机构名称", "l", 26)
CODE_COL: Column = ("机构代码", "l", 25)


