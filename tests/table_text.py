"""The report tables of a markdown source read back from their HTML raw blocks (the table model writes one typst
and one HTML block per table): each table's caption text, header words and body rows as the reader sees them."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_TABLE = re.compile(r'<table class="stat".*?</table>', re.S)
_CELL = re.compile(r"<t([hd])[^>]*>(.*?)</t[hd]>", re.S)
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Table:
    caption: str
    header: list[list[str]]  # header rows, each a list of cell texts (break marks gone)
    rows: list[list[str]]  # body rows: stub label first
    columns: list[str]  # the header of each column after the stub, "spanner header" under a spanner
    notes: list[str]  # 注 lines under the table


def _text(fragment: str) -> str:
    return html.unescape(_TAGS.sub("", fragment.replace("<wbr>", "")))


def tables(markdown: str) -> list[Table]:
    out = []
    for block in _TABLE.findall(markdown):
        caption = _text(re.search(r"<caption>(.*?)</caption>", block, re.S)[1])
        head, body = block.split("</thead>")
        rows_of = lambda part: [[_text(c) for _, c in _CELL.findall(tr)] for tr in re.findall(r"<tr>(.*?)</tr>", part, re.S)]
        notes = [_text(n) for n in re.findall(r'<div class="table-note">(.*?)</div>',
                                              markdown.split(block, 1)[1].split("```", 1)[0], re.S)]
        out.append(Table(caption, rows_of(head), rows_of(body), _columns(head), notes))
    return out


def _columns(head: str) -> list[str]:
    """Leaf column headers (after the stub): a spanner's text joined to each column under it by a space."""
    trs = re.findall(r"<tr>(.*?)</tr>", head, re.S)
    first = re.findall(r"<th([^>]*)>(.*?)</th>", trs[0], re.S)[1:]
    under = iter(_text(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", trs[1], re.S)) if len(trs) > 1 else iter(())
    out = []
    for attrs, text in first:
        span = re.search(r'colspan="(\d+)"', attrs)
        if span:
            out += [f"{_text(text)} {next(under)}" for _ in range(int(span[1]))]
        else:
            out.append(_text(text))
    return out


def table(markdown: str, title_part: str) -> Table:
    """The one table whose caption contains `title_part`."""
    found = [t for t in tables(markdown) if title_part in t.caption]
    assert len(found) == 1, (title_part, [t.caption for t in tables(markdown)])
    return found[0]
