"""A report table's printed form: header tree (spanners over their columns), stub and continuation, rendered the
same way to typst (PDF) and HTML; `tables.write_xlsx` lays out its header from the same tree.

Header text breaks only between words. The catalogues mark break points with "|" (never printed) and a space
(printed); a trailing unit in brackets, "床位(张)", is a word of its own. Each word is an unbreakable piece: a
typst box, an HTML nowrap span. The typst side (`stat-table` in templates/report.typst) measures every piece,
label and value with the report font at each allowed size and takes the largest size at which the table fits the
text width, the stub as wide as its longest label (hanging indent if a label must wrap), the number columns as
wide as their widest value or header word; the rest of the width is shared out among the number columns. A table
that continues on the next page repeats its header under "续表N". A catalogue may put a long table on a landscape
page (fit: landscape). Notes ("注：…") follow the table.

The tables reach the documents as raw blocks (```{=typst}``` and ```{=html}```) that pandoc and Quarto pass on
unchanged, so both backends print the same table.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pipeline.escaping import document_controls


class BuiltTable(Protocol):
    """What the table model reads of a built table (pipeline.render.tables.BuiltTable)."""

    spec: Any
    number: int
    title: str
    columns: Sequence[Any]
    rows: Sequence[Any]

    def cell_text(self, row: Any, i: int) -> str: ...

BREAK = "|"
FITS = ("shrink", "landscape")
FIRST_COLUMN = {"breakdown": "机构类别", "region": "地区", "indicator": "指标"}
# a trailing unit in brackets: "(%)", "(人)", "(千元)", "(百分点)" — not "(助理)" or "(站)"
_UNIT_TAIL = re.compile(r"^(?P<word>.+?)(?P<unit>[(（][%‰个张人次元日岁千万百分点床]+[)）])$")


@dataclass(frozen=True)
class HeaderCell:
    text: str  # with the catalogue's break marks
    row: int
    col: int  # 0 = the stub
    rowspan: int = 1
    colspan: int = 1


def plain(text: str) -> str:
    """Header text as printed in one line (the break marks removed)."""
    return text.replace(BREAK, "")


def pieces(text: str) -> tuple[tuple[str, str], ...]:
    """The unbreakable words of a header and what follows each: (word, " ") where a space is printed, (word, "")
    where the line may break without one. "同比|增长(%)" → ("同比", ""), ("增长", ""), ("(%)", "")."""
    out: list[tuple[str, str]] = []
    for chunk in text.split(BREAK):
        words = [w for w in chunk.split(" ") if w]
        for k, word in enumerate(words):
            sep = " " if k < len(words) - 1 else ""
            match = _UNIT_TAIL.match(word)
            if match:
                out += [(match["word"], ""), (match["unit"], sep)]
            else:
                out.append((word, sep))
    return tuple(out)


def header_rows(table: BuiltTable) -> tuple[int, tuple[HeaderCell, ...]]:
    """The header tree as cells of a grid: (number of header rows, cells). A column group with a name spans its
    columns in the first row, the columns' own headers under it; a column without a group, and the stub, span
    both rows. A table without groups has one header row."""
    columns = table.columns
    two = any(c.group for c in columns)
    nrows = 2 if two else 1
    cells = [HeaderCell(FIRST_COLUMN.get(table.spec.row_by, table.spec.row_by), 0, 0, rowspan=nrows)]
    i = 0
    while i < len(columns):
        j = i
        while j < len(columns) and columns[j].group == columns[i].group:
            j += 1
        if two and columns[i].group:
            cells.append(HeaderCell(columns[i].group, 0, i + 1, colspan=j - i))
            cells += [HeaderCell(columns[k].header, 1, k + 1) for k in range(i, j)]
        else:
            cells += [HeaderCell(columns[k].header, 0, k + 1, rowspan=nrows) for k in range(i, j)]
        i = j
    return nrows, tuple(cells)


def title_and_unit(table: BuiltTable) -> tuple[str, str]:
    unit = table.spec.unit
    return table.title, (f"单位：{unit}" if unit else "")


def notes(table: BuiltTable) -> tuple[str, ...]:
    return tuple(getattr(table.spec, "notes", ()) or ())


def fit(table: BuiltTable) -> str:
    return str(getattr(table.spec, "fit", "shrink") or "shrink")


def aligns(table: BuiltTable) -> tuple[str, ...]:
    """Each column's alignment: "r" (numbers, the default), "l" (names, codes, dates) or "c"."""
    return tuple(getattr(c, "align", "r") for c in table.columns)


def wraps(table: BuiltTable) -> tuple[bool, ...]:
    """Columns of running text (names, messages) that may wrap inside the column when the table is too wide."""
    return tuple(bool(getattr(c, "wrap", False)) for c in table.columns)


# ---------------------------------------------------------------------------- typst


def _typ(text: str) -> str:
    """A typst string literal."""
    clean = document_controls(str(text)).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\r\n\t\u2028\u2029]+", " ", clean) + '"'


def _typ_array(items: list[str]) -> str:
    return "(" + "".join(f"{item}, " for item in items) + ")"


def to_typst(table: BuiltTable) -> str:
    """A call of the template's `stat-table` with the header tree, the rows as printed text and the notes."""
    nrows, cells = header_rows(table)
    title, unit = title_and_unit(table)
    head = [
        f"(row: {c.row}, col: {c.col}, rowspan: {c.rowspan}, colspan: {c.colspan}, pieces: "
        + _typ_array([f"({_typ(w)}, {_typ(s)})" for w, s in pieces(c.text)]) + ")"
        for c in cells
    ]
    rows = [
        f"(label: {_typ(row.label)}, depth: {row.depth}, cells: "
        + _typ_array([_typ(table.cell_text(row, i)) for i in range(len(table.columns))]) + ")"
        for row in table.rows
    ]
    call = (f"#stat-table(number: {table.number}, title: {_typ(title)}, unit: {_typ(unit)}, "
            f"columns: {len(table.columns) + 1}, header-rows: {nrows},\n"
            f"  header: {_typ_array(head)},\n"
            "  rows: (\n" + "".join(f"    {r},\n" for r in rows) + "  ),\n"
            f"  notes: {_typ_array([_typ(n) for n in notes(table)])},\n"
            + (f"  aligns: {_typ_array([_typ(a) for a in aligns(table)])},\n" if set(aligns(table)) - {"r"} else "")
            + (f"  wrap: {_typ_array(['true' if w else 'false' for w in wraps(table)])},\n" if any(wraps(table)) else "")
            + ")")
    if fit(table) == "landscape":
        return f"#page(flipped: true)[\n{call}\n]"
    return call


# ---------------------------------------------------------------------------- HTML


def _flat(text: str) -> str:
    """Cell text for the HTML raw block: controls made visible, line breaks as spaces (a data value must not end
    the raw block or a line of it)."""
    return re.sub(r"[\r\n\u2028\u2029]+", " ", document_controls(str(text)))


def _html_head(text: str) -> str:
    parts = []
    for word, sep in pieces(text):
        parts.append(f'<span class="w">{html.escape(document_controls(word))}</span>' + (" " if sep else "<wbr>"))
    return "".join(parts).removesuffix("<wbr>")


def to_html(table: BuiltTable) -> str:
    """<table> with <caption>, a <thead> of spanners (colspan/rowspan) and a <tbody> whose stub cells are row
    headers; header words never wrap inside (nowrap pieces, breaks only between them); notes under the table."""
    nrows, cells = header_rows(table)
    title, unit = title_and_unit(table)
    esc = html.escape
    caption = '<span class="cap">' + esc(document_controls(title)) + (
        f'<span class="unit">{esc(unit)}</span>' if unit else "") + "</span>"  # .cap stays in view when scrolled
    lines = [f'<div class="stat-wrap" role="region" tabindex="0" aria-label="{esc(document_controls(title))}">',
             '<table class="stat" data-quarto-disable-processing="true">', f"<caption>{caption}</caption>", "<thead>"]
    for r in range(nrows):
        row_cells = []
        for c in (c for c in cells if c.row == r):
            span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (
                f' colspan="{c.colspan}"' if c.colspan > 1 else "")
            scope = "colgroup" if c.colspan > 1 else "col"
            cls = ' class="stub"' if c.col == 0 else ""
            row_cells.append(f'<th scope="{scope}"{span}{cls}>{_html_head(c.text)}</th>')
        lines.append("<tr>" + "".join(row_cells) + "</tr>")
    lines += ["</thead>", "<tbody>"]
    per_column = [[a] * (a != "r") + ["wrap"] * w for a, w in zip(aligns(table), wraps(table))]
    marked = dict(getattr(table, "text_classes", ()))  # e.g. a status word → its colour class

    def td(i: int, text: str) -> str:
        c = per_column[i] + ([marked[text]] if text in marked else [])
        return (f'<td class="{" ".join(c)}">' if c else "<td>") + f"{esc(_flat(text))}</td>"

    for row in table.rows:
        depth = f" ind{row.depth}" if row.depth else ""
        tds = "".join(td(i, table.cell_text(row, i)) for i in range(len(table.columns)))
        lines.append(f'<tr><th scope="row" class="stub{depth}">{esc(_flat(row.label))}</th>{tds}</tr>')
    lines += ["</tbody>", "</table>", "</div>"]
    lines += [f'<div class="table-note">{esc(document_controls(n))}</div>' for n in notes(table)]
    return "\n".join(lines)


def to_markdown(table: BuiltTable) -> str:
    """The table for a pandoc markdown document: one raw block per output format."""
    return "```{=typst}\n" + to_typst(table) + "\n```\n\n```{=html}\n" + to_html(table) + "\n```"


# ---------------------------------------------------------------------------- tables that are not indicator tables


@dataclass(frozen=True)
class TextSpec:
    row_by: str
    unit: str = ""
    notes: tuple[str, ...] = ()
    fit: str = "shrink"


@dataclass(frozen=True)
class TextColumn:
    header: str  # with break marks
    group: str = ""
    align: str = "r"  # r | l | c
    wrap: bool = False  # running text that may wrap inside the column


@dataclass(frozen=True)
class TextRow:
    label: str
    cells: tuple[str, ...]
    depth: int = 0


@dataclass(frozen=True)
class TextTable:
    """A table whose cells are already printed text (a life table, a QC list): the same header tree, widths,
    continuation and notes as the indicator tables. `stub` names the first column (FIRST_COLUMN keys, or any text
    through `stub_header`)."""

    number: int
    title: str
    columns: tuple[TextColumn, ...]
    rows: tuple[TextRow, ...]
    unit: str = ""
    stub_header: str = ""
    notes: tuple[str, ...] = ()
    fit: str = "shrink"
    text_classes: tuple[tuple[str, str], ...] = ()  # (cell text, HTML class) pairs: a status word's colour

    @property
    def spec(self) -> TextSpec:
        return TextSpec(row_by=self.stub_header, unit=self.unit, notes=self.notes, fit=self.fit)

    def cell_text(self, row: TextRow, i: int) -> str:
        return row.cells[i]


_NUMBER = re.compile(r"^表(\d+)\u3000")


def text_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]], *, align: str = "",
               wrap: Sequence[int] = (), unit: str = "", notes: Sequence[str] = (), fit: str = "shrink",
               depths: Sequence[int] = ()) -> TextTable:
    """A TextTable from a header line and rows of printed text, the first column being the stub. `title` starts
    "表N\u3000" (N is the 续表 number); `align` has one letter (l/r/c) per column after the stub (default r);
    `wrap` lists the indexes (into `header`) of running-text columns; `depths` indents stub labels."""
    match = _NUMBER.match(title)
    if match is None:
        raise ValueError(f"table title without its number: {title!r}")
    align = align or "r" * (len(header) - 1)
    if len(align) != len(header) - 1 or any(len(r) != len(header) for r in rows):
        raise ValueError(f"{title}: {len(header)} headers, {len(align)} alignments, rows of {[len(r) for r in rows]}")
    columns = tuple(TextColumn(h, align=a, wrap=i + 1 in wrap) for i, (h, a) in enumerate(zip(header[1:], align)))
    body = tuple(TextRow(str(r[0]), tuple(str(c) for c in r[1:]), depths[k] if k < len(depths) else 0)
                 for k, r in enumerate(rows))
    return TextTable(number=int(match[1]), title=title, columns=columns, rows=body, unit=unit,
                     stub_header=header[0], notes=tuple(notes), fit=fit)
