"""Report tables from the catalogue `report_tables.yaml`: one model, rendered to Markdown and XLSX."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import polars as pl
import yaml

from pipeline import CATALOGUE_DIR, catalogues, fmt
from pipeline.errors import UserError
from pipeline.period import Month
from pipeline.render import table_model
from pipeline.render.table_model import FIRST_COLUMN
from pipeline.render.xlsx import save_workbook, set_text

INDENT = "\u3000"  # full-width space: survives Markdown table trimming
FIELDS = ("value", "base_value", "change")
COUNT_FIELDS = ("value", "base_value")  # the fields printed in 万 in a column with scale fmt.WAN (not the change)
WAN_DECIMALS = 1  # a count in 万人次 / 万人 is printed with one decimal (the NHC monthly tables, 统计提要)
EDITIONS = ("city", "county")  # the monthly editions a catalogue `wan` can name


@dataclass(frozen=True)
class ColumnGroup:
    group: str
    indicator: str
    period_type: str
    fields: tuple[str, ...]
    header: str | None = None
    wan: tuple[str, ...] = ()  # editions (EDITIONS) that print this group's counts in 万 with WAN_DECIMALS


@dataclass(frozen=True)
class TableSpec:
    id: str
    title: str
    unit: str
    row_by: str  # "breakdown" | "region"
    row_ids: tuple[str, ...] | None
    breakdown: str
    columns: tuple[ColumnGroup, ...]
    month_end: bool = False
    notes: tuple[str, ...] = ()  # 注 lines printed under the table
    fit: str = "shrink"  # shrink: a smaller size until it fits the page width | landscape: a landscape page
    county_omit_empty: bool = False  # county editions leave out rows whose every value is zero or absent


@dataclass(frozen=True)
class Column:
    group: str
    header: str
    indicator: str
    period_type: str
    field: str
    decimals: int
    change_decimals: int = 1
    scale: int = 1  # fmt.WAN: value and base_value printed in 万 (万人次 / 万人), WAN_DECIMALS places


@dataclass(frozen=True)
class Row:
    label: str
    depth: int
    cells: tuple[float | None, ...]
    decimals: int | None = None  # overrides the columns' decimals for this row's values (mixed-indicator tables)
    key: tuple[str, str] | None = None  # (breakdown id, region code) of an indicator table's row (figures.json)



@dataclass(frozen=True)
class BuiltTable:
    spec: TableSpec
    number: int
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    def scaled(self, i: int) -> bool:
        """Whether column i prints its counts in 万 (the change stays a growth rate of the full values)."""
        col = self.columns[i]
        return getattr(col, "scale", 1) == fmt.WAN and col.field in COUNT_FIELDS

    def unit_scale(self, i: int) -> float:
        """The printed unit of column i in units of the indicator's (10000 for 万人次), for figures.json."""
        return float(fmt.WAN) if self.scaled(i) else 1.0

    def decimals(self, row: Row, i: int) -> int:
        col = self.columns[i]
        if col.field == "change":
            return col.change_decimals
        if self.scaled(i):
            return WAN_DECIMALS
        if col.field in ("value", "base_value") and row.decimals is not None:
            return row.decimals
        return col.decimals

    def cell_text(self, row: Row, i: int) -> str:
        value = row.cells[i]
        if self.columns[i].field == "change":
            return change_text(value, self.decimals(row, i))
        if self.scaled(i):
            return fmt.wan(value, WAN_DECIMALS, thousands=True)
        return fmt.number(value, self.decimals(row, i), thousands=True)


def change_text(value: float | None, decimals: int = 1) -> str:
    """A printed change: '3.2' for a rise (no "+"), '-1.0' for a fall (the same minus as every other printed
    figure, fmt.number), '0.0' unchanged, '—' missing."""
    return fmt.signed(value, decimals).removeprefix("+")


@lru_cache(maxsize=None)
def table_specs(path: Path = CATALOGUE_DIR / "report_tables.yaml") -> dict[str, TableSpec]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    layouts = raw.get("layouts", {})
    known_inds = {i.id for i in catalogues.indicators()}
    specs: dict[str, TableSpec] = {}
    for tid, e in raw["tables"].items():
        groups_raw = e.get("columns") or [
            {**g, "indicator": e["indicator"]} for g in layouts[e["layout"]]
        ]
        groups = tuple(
            ColumnGroup(group=g["group"], indicator=g.get("indicator", e.get("indicator")), period_type=g["period_type"],
                        fields=tuple(g["fields"]), header=g.get("header"),
                        wan=wan_editions(path.name, tid, g.get("wan", e.get("wan", False)), EDITIONS))
            for g in groups_raw
        )
        for g in groups:
            if g.indicator not in known_inds:
                raise UserError(f"report_tables.yaml：表 {tid} 引用了未知指标 {g.indicator}")
            if set(g.fields) - set(FIELDS):
                raise UserError(f"report_tables.yaml：表 {tid} 的 fields 只能是 {FIELDS}")
            if g.wan:
                check_wan(path.name, tid, catalogues.indicator(g.indicator))
        rows = e["rows"]
        specs[tid] = TableSpec(id=tid, title=e["title"], unit=e.get("unit", ""), row_by=rows["by"],
                               row_ids=tuple(rows["ids"]) if rows.get("ids") else None,
                               breakdown=rows.get("breakdown", "total"), columns=groups,
                               month_end=e.get("period_label") == "month_end", **layout_options(path.name, tid, e))
    return specs


def layout_options(file: str, tid: str, entry: dict) -> dict:
    """A catalogue entry's `notes` (注 lines), `fit` (shrink | landscape) and `county_omit_empty`, checked."""
    fit = entry.get("fit", "shrink")
    if fit not in table_model.FITS:
        raise UserError(f"{file}：表 {tid} 的 fit 只能是 {'、'.join(table_model.FITS)}，现为“{fit}”")
    notes = entry.get("notes") or []
    if not isinstance(notes, list) or not all(isinstance(n, str) and n.strip() for n in notes):
        raise UserError(f"{file}：表 {tid} 的 notes 应是一列文字（每条一行“注：……”）")
    omit = entry.get("county_omit_empty", False)
    if not isinstance(omit, bool):
        raise UserError(f"{file}：表 {tid} 的 county_omit_empty 只能是 true 或 false，现为“{omit}”")
    return {"fit": fit, "notes": tuple(notes), "county_omit_empty": omit}


def wan_editions(file: str, tid: str, value: object, editions: Sequence[str]) -> tuple[str, ...]:
    """A catalogue `wan` (counts in 万 with one decimal): true (every edition), false, or a list of `editions`."""
    if value is True:
        return tuple(editions)
    if value is False or value is None:
        return ()
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or any(n not in editions for n in names):
        raise UserError(f"{file}：表 {tid} 的 wan 只能是 true、false 或 {'、'.join(editions)} 的列表，现为“{value}”")
    return tuple(n for n in editions if n in names)


def check_wan(file: str, tid: str, ind: catalogues.Indicator) -> None:
    """Only a plain count (人次, 人: no denominator, no decimals, no scale) can be printed in 万."""
    if ind.denominator or ind.scale != 1 or ind.decimals != 0 or not ind.unit or "万" in ind.unit:
        raise UserError(f"{file}：表 {tid} 的指标 {ind.id}（{ind.name}，单位“{ind.unit or '无'}”）不是计数，"
                        "不能以“万”为单位列出（wan 只用于人次、人数等计数）；请从该列去掉 wan。")


def _with_wan(text: str, unit: str) -> str:
    """A heading with its unit in 万: "出院人数" → "出院人数(万人)", "卫生技术|人员(人)" → "卫生技术|人员(万人)"."""
    for left, right in (("(", ")"), ("（", "）")):
        if text.endswith(f"{left}{unit}{right}"):
            return text[: -len(unit) - 2] + f"(万{unit})"
    return f"{text}(万{unit})"


def wan_headings(unit_line: str, columns: Sequence[Column], units: Mapping[str, str]) -> tuple[str, tuple[Column, ...]]:
    """The unit line and headings of a table whose columns with scale fmt.WAN print counts in 万. A unit of the
    unit line ("人次、人") becomes 万人次 when every count column in that unit is in 万; otherwise (other columns
    keep 人, or the line does not name the unit) the heading of each 万 column says it: its group when the group
    holds only that indicator's columns, else its own header. `units` maps indicator id → unit (人次 → 万人次,
    never written per indicator).

    Length: one pass over the unit line, one over the column groups; splitting them would pass the sets around."""
    counts = [c for c in columns if c.field in COUNT_FIELDS]
    scaled_units = {units[c.indicator] for c in counts if c.scale == fmt.WAN}
    plain_units = {units[c.indicator] for c in counts if c.scale != fmt.WAN}
    tokens = unit_line.split("、") if unit_line else []
    in_line = {u for u in scaled_units - plain_units if u in tokens}
    new_line = "、".join(f"万{u}" if u in in_line else u for u in tokens)
    out = list(columns)
    i = 0
    while i < len(out):
        j = i
        while j < len(out) and out[j].group == out[i].group:
            j += 1
        run = out[i:j]
        marked = [k for k in range(i, j) if out[k].scale == fmt.WAN and out[k].field in COUNT_FIELDS
                  and units[out[k].indicator] not in in_line]
        if marked:
            one_indicator = len({c.indicator for c in run}) == 1
            if run[0].group and one_indicator:
                group = _with_wan(run[0].group, units[run[0].indicator])
                out[i:j] = [replace(c, group=group) for c in run]
            else:
                for k in marked:
                    out[k] = replace(out[k], header=_with_wan(out[k].header, units[out[k].indicator]))
        i = j
    return new_line, tuple(out)


def _field_header(field: str, change_unit: str) -> str:
    if field == "value":
        return "本期"
    if field == "base_value":
        return "上年|同期"
    return "同比|增长(%)" if change_unit == "%" else f"同比|增减({change_unit})"


def build(spec: TableSpec, t: pl.DataFrame, month: Month, region_code: str, number: int, *,
          edition: str = "city") -> BuiltTable:
    """Fill a table spec from a one-period tidy indicator table; `edition` (city | county) picks the column groups
    whose counts print in 万 (the catalogue's `wan`)."""
    inds = {i.id: i for i in catalogues.indicators()}
    cum = month.cumulative_label.removeprefix(f"{month.year}年")
    columns = tuple(
        Column(group=g.group.format(month=f"{month.month}月", cum=cum),
               header=g.header or _field_header(f, inds[g.indicator].change_label),
               indicator=g.indicator, period_type=g.period_type, field=f,
               decimals=inds[g.indicator].decimals, change_decimals=inds[g.indicator].change_decimals,
               scale=fmt.WAN if edition in g.wan else 1)
        for g in spec.columns for f in g.fields
    )
    unit_line, columns = wan_headings(spec.unit, columns, {i: inds[i].unit for i in {c.indicator for c in columns}})
    spec = replace(spec, unit=unit_line)
    if spec.row_by == "breakdown":
        bds = [b for b in catalogues.breakdowns() if (b.id in spec.row_ids if spec.row_ids else not b.extra)]
        if spec.row_ids:  # the catalogue's order of the table, not of the breakdowns
            bds.sort(key=lambda b: spec.row_ids.index(b.id))  # type: ignore[union-attr]
        keys = [(b.id, region_code, b.label, b.depth) for b in bds]
    else:
        regions = (t.filter(pl.col("region_level") != "全市").select("region_code", "region").unique()
                   .sort("region_code").rows())
        city = t.filter(pl.col("region_code") == region_code).select("region").row(0)[0]
        keys = [(spec.breakdown, region_code, city, 0)] + [
            (spec.breakdown, code, name, 1) for code, name in regions if spec.row_ids is None or code in spec.row_ids
        ]
    lookup = {
        (r["indicator_id"], r["period_type"], r["breakdown_id"], r["region_code"]): r
        for r in t.filter(pl.col("indicator_id").is_in({c.indicator for c in columns})).iter_rows(named=True)
    }
    rows = []
    for bd, rg, label, depth in keys:
        cells = []
        for c in columns:
            rec = lookup.get((c.indicator, c.period_type, bd, rg))
            cells.append(None if rec is None else rec[c.field])
        rows.append(Row(label=label, depth=depth, cells=tuple(cells), key=(bd, rg)))
    when = f"{month.label}末" if spec.month_end else month.cumulative_label
    return BuiltTable(spec=spec, number=number, title=f"表{number}　{spec.title}（{when}）",
                      columns=columns, rows=tuple(rows))


def omit_empty_rows(table: BuiltTable, place: str) -> BuiltTable:
    """A county edition's table without the rows whose every value is zero or absent (institution types the
    county does not have), when its catalogue entry says county_omit_empty; a 注 line names what was left out."""
    if not table.spec.county_omit_empty:
        return table
    empty = [r for r in table.rows if all(v is None or v == 0 for v in r.cells)]
    if not empty or len(empty) == len(table.rows):
        return table
    names = "、".join(r.label.lstrip("#\u3000 ") for r in empty)  # "#" marks a 其中 row
    note = f"注：{place}无{names}，表中不列出。"
    spec = replace(table.spec, notes=(*table.spec.notes, note))
    return replace(table, spec=spec, rows=tuple(r for r in table.rows if r not in empty))


def to_markdown(table: BuiltTable) -> str:
    """The table for a pandoc markdown document (raw typst and HTML blocks from the table model)."""
    return table_model.to_markdown(table)


def number_format(decimals: int, *, signed: bool = False) -> str:
    """Excel number format with the printed decimals; a signed format has its own zero section (no '+0.0').
    Cells that would display as zero hold 0 (fmt.display_value), so no format shows '-0.0'."""
    body = "0" if decimals == 0 else "0." + "0" * decimals
    if signed:
        return f"{body};-{body};{body}"  # no "+" on rises, as in the printed tables
    return "#,##" + body


def write_xlsx(tables: list[BuiltTable], path: Path, *, org_name: str) -> None:
    """Published-table layout: title, units row, two header rows with merged group cells, '#'/indented 其中 rows,
    numbers right-aligned with the catalogue's decimals, '—' where there is no value."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin")
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for table in tables:
        ws = wb.create_sheet(f"表{table.number}")
        ncols = len(table.columns) + 1
        ws.cell(row=1, column=1, value=table.title).font = Font(bold=True, size=13)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
        ws.cell(row=2, column=1, value=f"编制单位：{org_name}")
        ws.cell(row=2, column=ncols, value=f"单位：{table.spec.unit}" if table.spec.unit else "").alignment = Alignment(
            horizontal="right")
        nrows, head = table_model.header_rows(table)
        for h in head:  # the header tree of the printed tables; a one-row header sits in row 4 (row 3 empty)
            top = 3 + h.row if nrows == 2 or h.col == 0 else 4
            bottom = top + (h.rowspan if nrows == 2 else (2 if h.col == 0 else 1)) - 1
            cell = ws.cell(row=top, column=h.col + 1, value=table_model.plain(h.text))
            cell.font, cell.alignment = bold, centre
            if bottom > top or h.colspan > 1:
                ws.merge_cells(start_row=top, start_column=h.col + 1, end_row=bottom, end_column=h.col + h.colspan)
        for r, row in enumerate(table.rows, start=5):
            label = ws.cell(row=r, column=1)
            set_text(label, INDENT * row.depth + row.label)
            for i, value in enumerate(row.cells):
                c = table.columns[i]
                cell = ws.cell(row=r, column=i + 2)
                if value is None:
                    set_text(cell, fmt.DASH)
                elif table.scaled(i):  # 万: value ÷ 10000 unrounded, shown with one decimal (the header says 万)
                    cell.value = fmt.display_value(float(fmt.in_wan(value)), table.decimals(row, i))
                    cell.number_format = number_format(table.decimals(row, i))
                else:  # full precision in the cell (0 when it shows as zero), the catalogue's decimals in the format
                    cell.value = fmt.display_value(value, table.decimals(row, i))
                    cell.number_format = number_format(table.decimals(row, i), signed=c.field == "change")
                cell.alignment = Alignment(horizontal="right")
        last = 4 + len(table.rows)
        for i in range(1, ncols + 1):
            ws.cell(row=3, column=i).border = Border(top=thin)
            ws.cell(row=4, column=i).border = Border(bottom=thin)
            ws.cell(row=last, column=i).border = Border(bottom=thin)
        ws.column_dimensions["A"].width = 24 if table.spec.row_by == "breakdown" else 18
        for i in range(2, ncols + 1):
            ws.column_dimensions[get_column_letter(i)].width = 14
        ws.freeze_panes = "B5"
    save_workbook(wb, path)
