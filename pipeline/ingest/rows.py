"""Rows of one sheet: identity, 报告期, numbers, summary rows and their check against the detail rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.catalogues import ItemCatalogue
from pipeline.errors import UserError, location
from pipeline.ingest.files import SheetData
from pipeline.ingest.header import Header, check_required, locate_header, missing_items, money_factors
from pipeline.ingest.values import _is_blank, _raw_json, parse_code, parse_number, parse_text, parse_time
from pipeline.period import Month, PeriodError

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



def column_letter(col: int) -> str:
    """0 → 'A', 27 → 'AB' (Excel column names, for messages)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class _SheetTally:
    data_rows: int = 0  # non-blank, non-summary
    wrong_month: int = 0
    months_seen: set[str] = field(default_factory=set)
    detail_sums: dict[str, float] = field(default_factory=dict)
    summaries: list[dict[str, Any]] = field(default_factory=list)


def _parse_rows(sheet: SheetData, header: Header, month: Month, cat: ItemCatalogue, acc: _Accumulator,
                factors: dict[str, float]) -> _SheetTally:
    by_id = {item_id: col for col, item_id in header.columns.items()}
    tally = _SheetTally(detail_sums={i: 0.0 for i in cat.item_ids})

    def where(item_id: str) -> str:
        col = by_id[item_id]
        return f"列“{cat.item(item_id).label}”（{column_letter(col)}列）"

    for row_no, values in sheet.rows[header.row_index + 1 :]:
        acc.read += 1
        if _is_blank(values):
            acc.blank += 1
            continue

        def cell(item_id: str) -> Any:
            col = by_id.get(item_id)
            return values[col] if col is not None and col < len(values) else None

        code = parse_code(cell("org_code"))
        name = parse_text(cell("name"))
        base = {"file": sheet.file, "sheet": sheet.sheet, "row": row_no, "org_code": code, "name": name}
        if any(marker in name or marker in code for marker in SUMMARY_MARKERS):
            summary = dict(base)
            for item_id in cat.item_ids:
                try:
                    summary[item_id] = (parse_number(cell(item_id)) * factors.get(item_id, 1.0)
                                        if item_id in by_id else None)
                except ValueError:
                    summary[item_id] = None
            acc.summaries.append(summary)
            tally.summaries.append(summary)
            continue

        tally.data_rows += 1
        reasons: list[str] = []
        record: dict[str, Any] = dict(base)
        if not code:
            reasons.append("机构代码为空")
        for it in cat.identity:
            if it.id in ("org_code", "name"):
                continue
            record[it.id] = parse_text(cell(it.id)) if it.id != "region_code" else parse_code(cell(it.id))
        if not record.get("region_code"):
            reasons.append("行政区划代码为空")
        period_text = record.get("period") or ""
        if period_text:
            try:
                row_month = Month.parse(period_text)
                if row_month != month:
                    reasons.append(f"报告期“{period_text}”与文件夹月份 {month} 不符")
                    tally.wrong_month += 1
                    tally.months_seen.add(str(row_month))
            except PeriodError:
                reasons.append(f"报告期“{period_text}”无法识别")
        record["period"] = str(month)
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


def _ingest_sheet(sheet: SheetData, month: Month, cat: ItemCatalogue, acc: _Accumulator) -> None:
    if _is_blank(tuple(v for _, vals in sheet.rows for v in vals)):
        acc.skipped_sheets.append(f"{sheet.file}：工作表“{sheet.sheet}”为空，已跳过")
        return
    header = locate_header(sheet, cat)
    if header is None:
        acc.skipped_sheets.append(f"{sheet.file}：工作表“{sheet.sheet}”中没有找到月报表头，已跳过")
        return
    check_required(header, sheet, cat)
    lacking = missing_items(header, cat)
    if lacking:
        acc.missing_items[f"{sheet.file}#{sheet.sheet}"] = lacking
    if header.unknown:
        acc.unknown_columns[f"{sheet.file}#{sheet.sheet}"] = header.unknown
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

