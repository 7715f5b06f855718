"""Rows of one sheet: identity, 报告期, numbers, summary rows and their check against the detail rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import polars as pl

from pipeline.catalogues import ItemCatalogue
from pipeline.errors import UserError, location
from pipeline.ingest import columnar, decimals
from pipeline.ingest.files import HEAD_ROWS, SheetData
from pipeline.ingest.header import Header, check_duplicate_columns, column_letter, check_required, locate_header, missing_items, money_factors
from pipeline.ingest.values import _is_blank, _raw_json, parse_number
from pipeline.period import Month

SUMMARY_MARKERS = ("合计", "小计", "总计")
IDENTITY_CHECKS = ("org_code", "region_code", "type_code", "reg_type", "sponsor", "hospital_level", "period",
                   "submitted_at")  # the order a row's reasons are listed in


@dataclass
class _Accumulator:
    frames: list[pl.DataFrame] = field(default_factory=list)  # the accepted rows, one frame per sheet
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    blank: int = 0
    read: int = 0
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)
    missing_items: dict[str, list[str]] = field(default_factory=dict)
    skipped_sheets: list[str] = field(default_factory=list)
    conversions: list[str] = field(default_factory=list)
    summary_checks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # cleaning done on reading (control characters, delimiter)
    hidden_sheets: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # identical duplicate rows dropped
    conflicts: list[str] = field(default_factory=list)  # same 上报时间, different values: the office must ask
    conflict_groups: list[dict[str, Any]] = field(default_factory=list)  # the same, one per group, for QC
    counties: dict[str, str] | None = None  # county-level codes of regions.csv (None: form of the code only)
    value_notes: list[str] = field(default_factory=list)  # identity values restored or assumed (identity.py)
    code_warnings: list[str] = field(default_factory=list)  # institution codes whose check character is wrong
    code_checks: list[dict[str, Any]] = field(default_factory=list)  # the same, per row, for the QC 通报
    corrections: list[Any] = field(default_factory=list)  # the office's corrections to apply (corrections.py)
    corrections_applied: list[dict[str, Any]] = field(default_factory=list)
    caches: dict[Any, dict[Any, Any]] = field(default_factory=dict)  # per-value readings (columnar.per_value)



@dataclass
class _SheetTally:
    data_rows: int = 0  # non-blank, non-summary
    wrong_month: int = 0
    months_seen: set[str] = field(default_factory=set)
    detail_sums: dict[str, float] = field(default_factory=dict)
    summaries: list[dict[str, Any]] = field(default_factory=list)


def is_summary_row(code: str, name: str) -> bool:
    """A 合计/小计/总计 row: the marker is in the code column (codes never hold Chinese words), or the code is
    empty and the marker is the whole name cell. A real institution named 'xx合计服务中心' is not one."""
    if code:
        return any(marker in code for marker in SUMMARY_MARKERS)
    return re.sub(r"[\s:：]", "", name) in SUMMARY_MARKERS


def _summary_record(base: dict[str, Any], cell: Callable[[str], Any], by_id: dict[str, int], cat: ItemCatalogue,
                    factors: dict[str, float]) -> dict[str, Any]:
    summary = dict(base)
    for item_id in cat.item_ids:
        try:
            summary[item_id] = (parse_number(cell(item_id)) * factors.get(item_id, 1.0)
                                if item_id in by_id else None)
        except ValueError:
            summary[item_id] = None
    return summary


def _filled_width(values: tuple[Any, ...]) -> int:
    """Columns up to the last non-empty cell."""
    for i in range(len(values), 0, -1):
        if values[i - 1] is not None and str(values[i - 1]).strip():
            return i
    return 0


def _width_reasons(sheet: SheetData, rows: list[tuple[int, tuple[Any, ...]]], width: int, labelled: int) -> pl.Series:
    """A CSV row shorter than the header (a truncated file) or wider than its labels (an unquoted delimiter)."""
    reasons: list[str | None] = [None] * len(rows)
    if sheet.text:
        for i, (_, values) in enumerate(rows):
            if len(values) < width:
                reasons[i] = _SHORT.format(len(values), width)
            elif _filled_width(values) > labelled:
                reasons[i] = _LONG.format(_filled_width(values), labelled)
    return pl.Series("r_width", reasons, dtype=pl.String)


_SHORT = "该行只有 {} 列，少于表头的 {} 列（文件可能被截断），缺的值不能当作 0"
_LONG = "该行有 {} 列，多于表头的 {} 列（可能某一格中有未加引号的分隔符），各列的值可能错位"


@dataclass(frozen=True)
class _Block:
    """The non-blank data rows of a sheet: their row numbers, their cells column by column, the cells of chosen
    rows (positions in the block) and the reasons of the rows whose width does not fit the header."""

    numbers: Sequence[int]
    columns: list[Sequence[Any]]
    read: int  # data rows, blank ones included
    values: Callable[[list[int]], list[tuple[Any, ...]]]
    width_reasons: Callable[[int, int], pl.Series]  # (header width, labelled width) → r_width


def _filled_widths(frame: pl.DataFrame) -> pl.Series:
    """Each row's filled width (columns up to its last cell that is not empty or blank; 0 for a blank row, as
    values._is_blank). A row whose last cell is filled has the full width: the other cells are looked at only
    for the rows whose last cell is empty (most rows of an export fill the last column)."""
    def filled(i: int, c: str) -> pl.Expr:
        # (arithmetic, not when/then: polars 1.44 gives a when/then whose condition is all true as one value)
        return (pl.col(c).str.strip_chars() != "").fill_null(False).cast(pl.Int64) * (i + 1)

    full = frame.select(filled(frame.width - 1, frame.columns[-1]).alias("filled")).to_series()
    short = (full == 0).arg_true()
    if short.len():
        rest = frame[short].select(pl.max_horizontal([filled(i, c) for i, c in enumerate(frame.columns)]))
        full = full.scatter(short, rest.to_series())
    return full.alias("filled")


def _data_block(sheet: SheetData, start: int) -> _Block:
    """The rows after the header (position ``start`` on), from the row tuples or (a columnar CSV) the table."""
    if sheet.table is None:
        data = sheet.rows[start:]
        rows = [(row_no, values) for row_no, values in data if not _is_blank(values)]
        return _Block([n for n, _ in rows], columnar.transpose(rows), len(data),
                      lambda positions: [rows[i][1] for i in positions],
                      lambda width, labelled: _width_reasons(sheet, rows, width, labelled))
    table = sheet.table
    frame = pl.DataFrame(list(table.cells)).slice(start)
    meta = pl.DataFrame({"filled": _filled_widths(frame)}).with_columns(
        width=table.widths.slice(start), pos=pl.int_range(start, start + frame.height, dtype=pl.Int64))
    keep = meta["filled"] > 0
    every = bool(keep.all())  # (no blank row: nothing to filter out)
    meta = meta if every else meta.filter(keep)
    positions = meta["pos"]

    def width_reasons(width: int, labelled: int) -> pl.Series:
        w, f = pl.col("width"), pl.col("filled")
        return meta.select(pl.when(w < width).then(pl.format(_SHORT.format("{}", width), w))
                           .when(f > labelled).then(pl.format(_LONG.format("{}", labelled), f))
                           .otherwise(pl.lit(None, pl.String)).alias("r_width")).to_series()

    return _Block(positions + 1, (frame if every else frame.filter(keep)).get_columns(), frame.height,
                  lambda chosen: table.pick(positions.gather(chosen).to_list()), width_reasons)


def _parse_rows(sheet: SheetData, header: Header, month: Month, cat: ItemCatalogue, acc: _Accumulator,
                factors: dict[str, float]) -> _SheetTally:
    """The data rows of a sheet, column by column (columnar.py): accepted rows to acc.frames, the others to
    acc.quarantine with every reason, 合计/小计 rows to the summaries."""
    by_id = {item_id: col for col, item_id in header.columns.items()}
    width = max(header.columns) + 1
    labelled = max(_filled_width(sheet.rows[r][1]) for r in range(header.labels_row, header.row_index + 1))
    tally = _SheetTally(detail_sums={i: 0.0 for i in cat.item_ids})
    block = _data_block(sheet, header.row_index + 1)
    n = len(block.numbers)
    acc.read += block.read
    acc.blank += block.read - n
    if not n:
        return tally
    columns = block.columns
    empty = (None,) * n

    def column(item_id: str) -> Sequence[Any]:
        col = by_id.get(item_id)
        return columns[col] if col is not None and col < len(columns) else empty

    keys = columnar.code_and_name(column, acc.caches)
    summary = [False] * n
    for i in columnar.summary_candidates(keys["code"], keys["name"]).arg_true().to_list():
        summary[i] = is_summary_row(keys["code"][i], keys["name"][i])
    chosen = [i for i, s in enumerate(summary) if s]
    for i, values in zip(chosen, block.values(chosen)):
        base = {"file": sheet.file, "sheet": sheet.sheet, "row": int(block.numbers[i]), "org_code": keys["code"][i],
                "name": keys["name"][i]}
        record = _summary_record(base, lambda item_id, v=values: _cell(v, by_id, item_id), by_id, cat, factors)
        acc.summaries.append(record)
        tally.summaries.append(record)
    frame = _row_frame(sheet, block.numbers, column, by_id, month, cat, acc, factors)
    frame = frame.hstack(keys).with_columns(r_width=block.width_reasons(width, labelled),
                                            _summary=pl.Series(summary, dtype=pl.Boolean), _i=pl.int_range(pl.len()))
    if any(summary):
        frame = frame.filter(~pl.col("_summary"))
    tally.data_rows = frame.height
    other = frame["other"].drop_nulls()
    tally.wrong_month = other.len()
    tally.months_seen.update(other.to_list())
    _collect_notes(frame, sheet, acc)
    reasons = ["r_width", *(f"r_{f}" for f in IDENTITY_CHECKS), *(f"r_{i}" for i in cat.item_ids)]
    # (lazy: the reasons are joined for the quarantined rows only, and only the columns used are filtered)
    frame = frame.with_columns(_bad=pl.any_horizontal(pl.col(reasons).is_not_null()))
    bad = frame.lazy().filter(pl.col("_bad")).select(
        "row", "code", "name", pl.concat_str(reasons, separator="；", ignore_nulls=True).alias("_reason"), "_i").collect()
    for r, values in zip(bad.iter_rows(), block.values(bad["_i"].to_list())):
        acc.quarantine.append({"file": sheet.file, "sheet": sheet.sheet, "row": r[0], "org_code": r[1], "name": r[2],
                               "period": str(month), "reason": r[3], "raw": _raw_json(values)})
    accepted = frame.select(*record_columns(cat), "_bad").filter(~pl.col("_bad")).drop("_bad")
    acc.frames.append(accepted)
    if any("小计" not in f"{s['org_code']}{s['name']}" for s in tally.summaries):
        for item_id in cat.item_ids:  # in row order, as the checks always added them up
            total = 0.0
            for v in accepted[item_id].drop_nulls().to_list():
                total += v
            tally.detail_sums[item_id] = total
    return tally


def record_columns(cat: ItemCatalogue) -> list[str]:
    return ["file", "sheet", "row", *(it.id for it in cat.identity), *cat.item_ids]


def _cell(values: tuple[Any, ...], by_id: dict[str, int], item_id: str) -> Any:
    col = by_id.get(item_id)
    return values[col] if col is not None and col < len(values) else None


def _row_frame(sheet: SheetData, numbers: Sequence[int], column: Callable[[str], Sequence[Any]],
               by_id: dict[str, int], month: Month, cat: ItemCatalogue, acc: _Accumulator,
               factors: dict[str, float]) -> pl.DataFrame:
    """file, sheet, row, the identity columns and the items, each check's reason column beside them."""
    def where(item_id: str) -> str:
        return f"列“{cat.item(item_id).label}”（{column_letter(by_id[item_id])}列）"

    def named(item_id: str) -> str:
        return where(item_id) if item_id in by_id else f"列“{cat.item(item_id).label}”"

    ident = columnar.identity_frame(column, named, month, acc.counties, acc.caches)
    n = len(numbers)
    items = columnar.item_frame(column, by_id, cat, factors, named, n, acc.caches.setdefault("number", {}))
    base = pl.DataFrame({"file": [sheet.file] * n, "sheet": [sheet.sheet] * n, "row": numbers},
                        schema={"file": pl.String, "sheet": pl.String, "row": pl.Int64})
    return columnar.side_by_side([base, ident, items])


def _collect_notes(frame: pl.DataFrame, sheet: SheetData, acc: _Accumulator) -> None:
    """What was restored or assumed, and the check-character warnings, row by row (only rows that have one)."""
    notes = [f"n_{f}" for f in IDENTITY_CHECKS if f"n_{f}" in frame.columns]
    flagged = frame.lazy().filter(pl.any_horizontal(pl.col([*notes, "w_org_code"]).is_not_null())).select(
        "row", "name", "org_code", "period", "region_code", *notes, "w_org_code").collect()
    for r in flagged.iter_rows(named=True):
        spot = f"{sheet.file} 工作表“{sheet.sheet}”第 {r['row']} 行"
        acc.value_notes.extend(f"{spot}：{r[n]}" for n in notes if r[n] is not None)
        if r["w_org_code"] is not None:
            acc.code_warnings.append(f"{spot}（{r['name']}）：{r['w_org_code']}")
            acc.code_checks.append({"org_code": r["org_code"], "name": r["name"], "period": r["period"],
                                    "region_code": r["region_code"], "where": spot, "warning": r["w_org_code"]})


def check_summary_rows(sheet: SheetData, tally: _SheetTally, cat: ItemCatalogue) -> list[dict[str, Any]]:
    """Each 合计/总计 row against the sum of the accepted detail rows of its sheet (小计 rows are kept, not
    checked: their grouping is not known). A difference beyond rounding is reported, not silently accepted."""
    problems = []
    for summary in tally.summaries:
        label = f"{summary['org_code']}{summary['name']}"
        if "小计" in label:
            continue
        for item_id in cat.item_ids:
            total = summary.get(item_id)
            detail = tally.detail_sums[item_id]
            if total is None or abs(total - detail) <= 0.5 + 1e-9 * abs(detail):
                continue
            problems.append({"file": sheet.file, "sheet": sheet.sheet, "row": summary["row"],
                             "item": cat.item(item_id).label, "summary_value": total, "detail_sum": detail,
                             "difference": total - detail})
    return problems


def _all_blank(sheet: SheetData) -> bool:
    if sheet.table is None:
        return all(_is_blank(vals) for _, vals in sheet.rows)
    def any_filled(frame: pl.DataFrame) -> bool:
        return bool(frame.select(pl.any_horizontal(pl.all().str.strip_chars() != "").any()).item())

    frame = pl.DataFrame(list(sheet.table.cells))
    # the first rows (the header, as a rule) decide almost every sheet without a pass over the whole table
    return not any_filled(frame.head(HEAD_ROWS)) and not any_filled(frame)


def _ingest_sheet(sheet: SheetData, month: Month, cat: ItemCatalogue, acc: _Accumulator) -> bool:
    """Read one sheet into acc; False when it holds no monthly table (reported as skipped)."""
    acc.notes.extend(sheet.notes)
    if sheet.hidden:
        acc.hidden_sheets.append(f"{sheet.file}：工作表“{sheet.sheet}”是隐藏的，已照常读取，请确认其中的数据应当上报")
    if _all_blank(sheet):
        acc.skipped_sheets.append(f"{sheet.file}：工作表“{sheet.sheet}”为空，已跳过")
        return False
    header = locate_header(sheet, cat)
    if header is None:
        acc.skipped_sheets.append(f"{sheet.file}：工作表“{sheet.sheet}”中没有找到月报表头，已跳过")
        return False
    check_duplicate_columns(header, sheet, cat)
    check_required(header, sheet, cat)
    lacking = missing_items(header, cat)
    if lacking:
        acc.missing_items[f"{sheet.file}#{sheet.sheet}"] = lacking
    if header.unknown:
        acc.unknown_columns[f"{sheet.file}#{sheet.sheet}"] = header.unknown
    sheet, decimal_note = decimals.normalise(sheet, header, cat)
    if decimal_note:
        acc.notes.append(decimal_note)
    factors = money_factors(header, cat, sheet)
    converted = sorted({f for f in factors.values() if f != 1.0})
    if converted:
        acc.conversions.append(f"{sheet.file}：工作表“{sheet.sheet}”金额单位不是千元，已按 items.yaml 的 money_units"
                               f"换算为千元（系数 {'、'.join(repr(f) for f in converted)}）")
    tally = _parse_rows(sheet, header, month, cat, acc, factors)
    if tally.data_rows and tally.wrong_month == tally.data_rows:
        raise UserError(
            f"{location(sheet.file, sheet.sheet)}：全部 {tally.data_rows} 行的报告期都是 "
            f"{'、'.join(sorted(tally.months_seen))}，但文件放在 {month} 文件夹中",
            hint=f"请确认文件：应放到 data/raw/{'、'.join(sorted(tally.months_seen))}/ 下，或重新导出 {month} 的数据",
        )
    acc.summary_checks.extend(check_summary_rows(sheet, tally, cat))
    return True

