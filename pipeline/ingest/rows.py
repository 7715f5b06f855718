"""Rows of one sheet: identity, 报告期, numbers, summary rows and their check against the detail rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from pipeline.catalogues import ItemCatalogue
from pipeline.errors import UserError, location
from pipeline.ingest import decimals
from pipeline.ingest.files import SheetData
from pipeline.ingest.header import Header, check_duplicate_columns, column_letter, check_required, locate_header, missing_items, money_factors
from pipeline.ingest.identity import read_identity
from pipeline.ingest.values import _is_blank, _raw_json, parse_code, parse_number, parse_text, parse_time
from pipeline.period import Month

SUMMARY_MARKERS = ("合计", "小计", "总计")


@dataclass
class _Accumulator:
    records: list[dict[str, Any]] = field(default_factory=list)
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


def _parse_record(base: dict[str, Any], cell: Callable[[str], Any], by_id: dict[str, int], month: Month,
                  cat: ItemCatalogue, factors: dict[str, float], tally: _SheetTally,
                  acc: _Accumulator) -> tuple[dict[str, Any], list[str]]:
    """One data row → (record, reasons it cannot be accepted)."""
    def where(item_id: str) -> str:
        return f"列“{cat.item(item_id).label}”（{column_letter(by_id[item_id])}列）"

    def named(item_id: str) -> str:
        return where(item_id) if item_id in by_id else f"列“{cat.item(item_id).label}”"

    record: dict[str, Any] = dict(base)
    ident = read_identity(cell, named, month, acc.counties)
    record.update(ident.values)
    reasons = list(ident.reasons)
    spot = f"{base['file']} 工作表“{base['sheet']}”第 {base['row']} 行"
    acc.value_notes.extend(f"{spot}：{note}" for note in ident.notes)
    acc.code_warnings.extend(f"{spot}（{base['name']}）：{w}" for w in ident.warnings)
    acc.code_checks.extend({"org_code": ident.values.get("org_code"), "name": base["name"],
                            "period": ident.values.get("period"), "region_code": ident.values.get("region_code"),
                            "where": spot, "warning": w} for w in ident.warnings)
    if ident.other_month is not None:
        tally.wrong_month += 1
        tally.months_seen.add(str(ident.other_month))
    try:
        record["submitted_at"] = parse_time(cell("submitted_at"))
    except ValueError:
        reasons.append(f"{where('submitted_at')}的值“{cell('submitted_at')}”不是日期时间")
        record["submitted_at"] = None
    for item_id in cat.item_ids:
        if item_id not in by_id:
            record[item_id] = None  # the file has no such column: 不详, never a made-up 0
            continue
        try:
            record[item_id] = parse_number(cell(item_id)) * factors.get(item_id, 1.0)
        except ValueError:
            reasons.append(f"{where(item_id)}的值“{cell(item_id)}”不是数字")
            record[item_id] = None
    return record, reasons


def _filled_width(values: tuple[Any, ...]) -> int:
    """Columns up to the last non-empty cell."""
    for i in range(len(values), 0, -1):
        if values[i - 1] is not None and str(values[i - 1]).strip():
            return i
    return 0


def _parse_rows(sheet: SheetData, header: Header, month: Month, cat: ItemCatalogue, acc: _Accumulator,
                factors: dict[str, float]) -> _SheetTally:
    by_id = {item_id: col for col, item_id in header.columns.items()}
    width = max(header.columns) + 1
    labelled = max(_filled_width(sheet.rows[r][1]) for r in range(header.labels_row, header.row_index + 1))
    tally = _SheetTally(detail_sums={i: 0.0 for i in cat.item_ids})
    for row_no, values in sheet.rows[header.row_index + 1 :]:
        acc.read += 1
        if _is_blank(values):
            acc.blank += 1
            continue

        def cell(item_id: str, values: tuple[Any, ...] = values) -> Any:
            col = by_id.get(item_id)
            return values[col] if col is not None and col < len(values) else None

        code = parse_code(cell("org_code"))
        name = parse_text(cell("name"))
        base = {"file": sheet.file, "sheet": sheet.sheet, "row": row_no, "org_code": code, "name": name}
        if is_summary_row(code, name):
            summary = _summary_record(base, cell, by_id, cat, factors)
            acc.summaries.append(summary)
            tally.summaries.append(summary)
            continue
        tally.data_rows += 1
        record, reasons = _parse_record(base, cell, by_id, month, cat, factors, tally, acc)
        if sheet.text and len(values) < width:
            reasons.insert(0, f"该行只有 {len(values)} 列，少于表头的 {width} 列（文件可能被截断），缺的值不能当作 0")
        elif sheet.text and _filled_width(values) > labelled:
            reasons.insert(0, f"该行有 {_filled_width(values)} 列，多于表头的 {labelled} 列（可能某一格中有未加引号的"
                              "分隔符），各列的值可能错位")
        if reasons:
            acc.quarantine.append({**base, "period": str(month), "reason": "；".join(reasons), "raw": _raw_json(values)})
        else:
            acc.records.append(record)
            for item_id in cat.item_ids:
                if record[item_id] is not None:
                    tally.detail_sums[item_id] += record[item_id]
    return tally


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


def _ingest_sheet(sheet: SheetData, month: Month, cat: ItemCatalogue, acc: _Accumulator) -> bool:
    """Read one sheet into acc; False when it holds no monthly table (reported as skipped)."""
    acc.notes.extend(sheet.notes)
    if sheet.hidden:
        acc.hidden_sheets.append(f"{sheet.file}：工作表“{sheet.sheet}”是隐藏的，已照常读取，请确认其中的数据应当上报")
    if _is_blank(tuple(v for _, vals in sheet.rows for v in vals)):
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

