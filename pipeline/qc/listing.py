"""Tables of the QC 通报 (the report table model: header words never split, 续表N, notes under the table), and a
titled listing of rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from pipeline.render import table_model

NONE_TEXT = "本季度无此类问题。"


def text_table(title: str, header: Sequence[str], align: str, rows: Sequence[Sequence[str]], *,
               wrap: Sequence[int] = (), unit: str = "", notes: Sequence[str] = ()) -> str:
    """A 通报 table as markdown (typst and HTML raw blocks): `title` "表N　…", the first column is the stub,
    `align` one letter (l/r/c) per further column, `wrap` the columns of running text (names, messages)."""
    table = table_model.text_table(title, header, rows, align=align, wrap=wrap, unit=unit, notes=notes)
    return table_model.to_markdown(table)


Column = tuple[str, str, bool]  # header (with "|" break marks), alignment (l/r/c), running text that may wrap


def _listing(frame: pl.DataFrame, title: str, columns: Sequence[Column],
             cells: Callable[[dict[str, Any]], list[str]]) -> str:
    """A titled table of the frame's rows, or one line saying there are none."""
    if frame.height == 0:
        return f"{title}：{NONE_TEXT}"
    rows = [cells(r) for r in frame.iter_rows(named=True)]
    header, align, wrap = zip(*columns)
    return text_table(title, header, "".join(align[1:]), rows, wrap=[i for i, w in enumerate(wrap) if w])


REGION_COL: Column = ("县市区", "l", False)
PERIOD_COL: Column = ("报告期", "l", False)
NAME_COL: Column = ("机构名称", "l", True)
CODE_COL: Column = ("机构代码", "l", False)
