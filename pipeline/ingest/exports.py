"""Ingest: raw direct-report exports → one canonical table + quarantine, every row accounted for.

Layout expected: ``data/raw/<YYYY-MM>/*.xlsx|*.csv`` (one folder per report month).
Each sheet may have title and unit rows above the header; the header row is found by
matching labels against the alias catalogue (``catalogues/items.yaml``).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

import polars as pl

from pipeline import catalogues
from pipeline.catalogues import ItemCatalogue, normalise_label, split_unit
from pipeline.errors import UserError, location
from pipeline.io_utils import write_csv, write_json, write_parquet
from pipeline.period import Month, PeriodError

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
SUPPORTED_SUFFIXES = (*EXCEL_SUFFIXES, ".csv")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or an encrypted (password) workbook
NON_MONTHLY_FOLDERS = ("annual",)  # data/raw/annual/<year>/ holds the annual inputs, read by other stages
SUMMARY_MARKERS = ("合计", "小计", "总计")
ZERO_MARKERS = {"", "-", "—", "–", "--", "/", "－"}
HEADER_SCAN_ROWS = 20
MIN_HEADER_MATCHES = 4
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")

QUARANTINE_SCHEMA = {
    "file": pl.Utf8, "sheet": pl.Utf8, "row": pl.Int64, "org_code": pl.Utf8, "name": pl.Utf8,
    "period": pl.Utf8, "reason": pl.Utf8, "raw": pl.Utf8,
}


@dataclass(frozen=True)
class SheetData:
    file: str
    sheet: str
    rows: list[tuple[int, tuple[Any, ...]]]  # (1-based row number, cell values)


@dataclass
class IngestResult:
    clean: pl.DataFrame
    quarantine: pl.DataFrame
    replaced: pl.DataFrame
    summary_rows: pl.DataFrame
    report: dict[str, Any]


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


# ---------------------------------------------------------------------------- reading files


def display_path(path: Path, raw_dir: Path) -> str:
    """A short, machine-independent name for messages and outputs (never an absolute path)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return f"{raw_dir.name}/{path.relative_to(raw_dir).as_posix()}"


def discover_files(raw_dir: Path) -> list[tuple[Month, Path]]:
    """All export files under raw_dir/<YYYY-MM>/, sorted by month then name."""
    if not raw_dir.is_dir():
        raise UserError(f"原始数据目录 {raw_dir} 不存在", hint="请把直报系统导出的文件放在 data/raw/<YYYY-MM>/ 下")
    found: list[tuple[Month, Path]] = []
    for path in sorted(raw_dir.rglob("*")):
        if not path.is_file() or path.name.startswith((".", "~$")) or path.name.lower() == "readme.md":
            continue
        rel = path.relative_to(raw_dir)
        if rel.parts[0] in NON_MONTHLY_FOLDERS:
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        if len(rel.parts) != 2:
            raise UserError(
                f"文件 {rel} 不在“月份文件夹”中",
                hint="请放到 data/raw/<YYYY-MM>/ 下，例如 data/raw/2025-10/",
            )
        try:
            month = Month.parse(rel.parts[0])
        except PeriodError as exc:
            raise UserError(f"文件夹名“{rel.parts[0]}”不是月份：{exc}", hint="文件夹请命名为 YYYY-MM，例如 2025-10") from exc
        found.append((month, path))
    if not found:
        raise UserError(f"在 {raw_dir} 下没有找到任何 Excel（.xlsx/.xls）或 .csv 导出文件", hint="请把直报系统导出的文件放在 data/raw/<YYYY-MM>/ 下")
    return sorted(found, key=lambda mp: (mp[0], mp[1].name))


def _read_excel(path: Path, display: str) -> list[SheetData]:
    """Every sheet of an .xlsx/.xls/.xlsb/.ods workbook, with true Excel row numbers (calamine)."""
    import python_calamine as pc  # local import

    head = path.read_bytes()[:8]
    try:
        if head == OLE_MAGIC and path.suffix.lower() != ".xls":
            with path.open("rb") as fh:  # an .xls saved under another name: read it by its content
                wb = pc.CalamineWorkbook.from_filelike(fh)
        else:
            wb = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError as exc:
        raise UserError(f"文件 {display} 设置了打开密码，无法读取",
                        hint="请在 Excel 中输入密码打开，取消密码（文件→信息→保护工作簿）后另存") from exc
    except (pc.CalamineError, pc.ZipError, pc.XmlError, ValueError, OSError) as exc:
        if head == OLE_MAGIC:
            raise UserError(f"文件 {display} 设置了打开密码（加密的工作簿）或已损坏，无法读取",
                            hint="请在 Excel 中打开，取消密码后另存为 .xlsx") from exc
        raise UserError(f"文件 {display} 不是有效的 Excel 工作簿（可能已损坏）：{exc}",
                        hint="请在 Excel 中打开确认文件完整后另存为 .xlsx，或重新从直报系统导出") from exc
    sheets = []
    try:
        for name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            sheets.append(SheetData(display, name, [(i, tuple(_cell(v) for v in r)) for i, r in enumerate(rows, start=1)]))
    except (pc.CalamineError, ValueError) as exc:
        raise UserError(f"文件 {display} 的工作表无法读取：{exc}", hint="请在 Excel 中打开确认后另存为 .xlsx") from exc
    finally:
        wb.close()
    return sheets


def _cell(value: Any) -> Any:
    """calamine gives '' for an empty cell: make it None like the CSV reader's empty fields."""
    return None if value == "" else value


def _read_csv(path: Path, display: str) -> list[SheetData]:
    data = path.read_bytes()
    if not data.strip():
        raise UserError(f"文件 {display} 是空文件", hint="请重新从直报系统导出")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise UserError(f"文件 {display} 的编码无法识别", hint="请另存为 UTF-8 或 GBK 编码的 CSV")
    rows = [(i, tuple(_cell(v) for v in r)) for i, r in enumerate(csv.reader(io.StringIO(text)), start=1)]
    return [SheetData(display, "CSV", rows)]


def read_sheets(path: Path, display: str) -> list[SheetData]:
    if path.stat().st_size == 0:
        raise UserError(f"文件 {display} 是空文件", hint="请重新从直报系统导出")
    if path.suffix.lower() == ".csv":
        return _read_csv(path, display)
    return _read_excel(path, display)


# ---------------------------------------------------------------------------- header


@dataclass(frozen=True)
class Header:
    row_index: int  # position in SheetData.rows of the (last) header row; data follows it
    columns: dict[int, str]  # column position → item id
    unknown: list[str]
    unit_text: str  # the title/unit rows above the header, joined
    col_units: dict[int, str] = field(default_factory=dict)  # column → unit written in its label, e.g. '元'
    rows: int = 1  # 1 or 2 (a two-row merged header)

    @property
    def labels_row(self) -> int:
        return self.row_index - self.rows + 1


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _looks_numeric(value: Any) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    try:
        parse_number(value)
        return _text(value) not in ZERO_MARKERS
    except ValueError:
        return False


def _match_row(labels: list[str], cat: ItemCatalogue) -> tuple[dict[int, str], list[str], dict[int, str]]:
    columns: dict[int, str] = {}
    unknown: list[str] = []
    units: dict[int, str] = {}
    for col, label in enumerate(labels):
        if not label:
            continue
        item_id = cat.match(label)
        if item_id is None:
            unknown.append(label.replace("\n", ""))
        elif item_id not in columns.values():
            columns[col] = item_id
            unit = split_unit(label)[1]
            if unit:
                units[col] = unit
    return columns, unknown, units


def two_row_labels(top: tuple[Any, ...], bottom: tuple[Any, ...], cat: ItemCatalogue) -> list[str]:
    """Labels of a two-row header: '门诊收入' over '合计' and '其中：药品收入' → '门诊收入', '门诊收入-其中:药品收入'.

    A merged parent cell is only filled in its first column: it is carried right over the columns whose
    own top cell is empty and that have a sub-label below."""
    width = max(len(top), len(bottom))
    labels = []
    parent = ""
    for col in range(width):
        t = _text(top[col]) if col < len(top) else ""
        b = _text(bottom[col]) if col < len(bottom) else ""
        if t:
            parent = t
        elif not b:
            parent = ""
        p = t or parent
        if not b:
            labels.append(p)
        elif normalise_label(b) in cat.total_words:
            labels.append(p)
        elif p and cat.match(f"{p}-{b}") is not None:
            labels.append(f"{p}-{b}")
        elif cat.match(b) is not None or not p:
            labels.append(b)
        else:
            labels.append(f"{p}-{b}")
    return labels


def locate_header(sheet: SheetData, cat: ItemCatalogue) -> Header | None:
    """The first row (within the first rows) whose labels match enough catalogue items; if the row below it
    holds sub-labels rather than data, the two rows are read together as one merged header."""
    rows = sheet.rows[:HEADER_SCAN_ROWS]
    for pos, (_, values) in enumerate(rows):
        single = _match_row([_text(v) for v in values], cat)
        if len(single[0]) < MIN_HEADER_MATCHES:
            continue
        above = " ".join(_text(v) for _, vals in sheet.rows[:pos] for v in vals if v is not None)
        if pos + 1 < len(sheet.rows):
            below = sheet.rows[pos + 1][1]
            texts = [v for v in below if _text(v)]
            if texts and not any(_looks_numeric(v) for v in texts):
                double = _match_row(two_row_labels(values, below, cat), cat)
                if len(double[0]) > len(single[0]):
                    return Header(pos + 1, double[0], double[1], above, double[2], rows=2)
        return Header(pos, single[0], single[1], above, single[2])
    return None


_MONEY_UNIT = re.compile(r"金额单位\s*[:：]\s*(千元|万元|元)")


def money_factors(header: Header, cat: ItemCatalogue, sheet: SheetData) -> dict[str, float]:
    """Conversion factor to 千元 for every money column: from the column's own label '(元)', else from
    '金额单位：元' above the header, else 1. Units not in the catalogue's money_units stop the run."""
    found = _MONEY_UNIT.search(header.unit_text.replace(" ", ""))
    sheet_unit = found.group(1) if found else "千元"
    factors: dict[str, float] = {}
    for col, item_id in header.columns.items():
        item = cat.item(item_id)
        if item.unit != "千元":
            continue
        unit = header.col_units.get(col, sheet_unit)
        if unit not in cat.money_units:
            raise UserError(f"{location(sheet.file, sheet.sheet)}：列“{item.label}”的金额单位“{unit}”无法换算",
                            hint="请在 items.yaml 的 money_units 中写明换算系数，或改为千元后再导入")
        factors[item_id] = cat.money_units[unit]
    return factors


def missing_items(header: Header, cat: ItemCatalogue) -> list[str]:
    """Labels of the optional items this sheet has no column for (stored as null, not 0)."""
    present = set(header.columns.values())
    return [cat.item(i).label for i in cat.item_ids if i not in present]


def check_required(header: Header, sheet: SheetData, cat: ItemCatalogue) -> None:
    present = set(header.columns.values())
    missing = [it for it in cat.all if it.required and it.id not in present]
    if not missing:
        return
    labels = [str(v).strip() for r in range(header.labels_row, header.row_index + 1)
              for v in sheet.rows[r][1] if v is not None]
    lines = []
    for it in missing:
        close = difflib.get_close_matches(it.label, labels, n=2, cutoff=0.3)
        lines.append(f"“{it.label}”" + (f"（表中相近的列：{'、'.join(close)}）" if close else ""))
    raise UserError(
        f"{location(sheet.file, sheet.sheet, sheet.rows[header.row_index][0])}：缺少必需的列 " + "；".join(lines),
        hint="如果表中该列只是写法不同，请把它的写法加入 pipeline/catalogues/items.yaml 的 aliases",
    )


# ---------------------------------------------------------------------------- values

_NUM_CLEAN = re.compile(r"[,\s]")
_FLOAT_CODE = re.compile(r"^(\d+)\.0+$")


def parse_number(value: Any) -> float:
    """A cell → float. Blank and '-' mean zero; '1,234', '１２３' and '(12)' style text are accepted.

    Raises ValueError for anything that is not a number.
    """
    if value is None:
        return 0.0
    if isinstance(value, bool):
        raise ValueError("布尔值")
    if isinstance(value, (int, float)):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text in ZERO_MARKERS:
        return 0.0
    text = _NUM_CLEAN.sub("", text)
    return float(text)


def parse_code(value: Any) -> str:
    """Codes read as numbers lose nothing but the '.0'; strip spaces, upper-case letters."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    return _FLOAT_CODE.sub(r"\1", text)  # '430602.0' (a number saved as text) → '430602'


def parse_text(value: Any) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = parse_text(value)
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(text)


def _is_blank(values: tuple[Any, ...]) -> bool:
    return all(v is None or str(v).strip() == "" for v in values)


def _raw_json(values: tuple[Any, ...]) -> str:
    import json

    return json.dumps(["" if v is None else str(v) for v in values], ensure_ascii=False)


# ---------------------------------------------------------------------------- rows


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


# ---------------------------------------------------------------------------- table building


def _classify(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add type_group/type_sub/ownership/govt_run/level_class/tcm; rows of unknown type go to quarantine."""
    cls = catalogues.classification()
    types = {code: catalogues.lookup_type(code) for code in df["type_code"].unique().to_list()}
    lookup = pl.DataFrame(
        {
            "type_code": list(types),
            "type_group": [t.type_group if t else None for t in types.values()],
            "type_sub": [t.type_sub if t else None for t in types.values()],
        },
        schema={"type_code": pl.Utf8, "type_group": pl.Utf8, "type_sub": pl.Utf8},
    )
    df = df.join(lookup, on="type_code", how="left")
    unknown = df.filter(pl.col("type_group").is_null())
    df = df.filter(pl.col("type_group").is_not_null())
    level_expr = pl.lit(cls.unrated_label)
    for prefix in reversed(cls.level_prefixes):
        level_expr = pl.when(pl.col("hospital_level").str.starts_with(prefix)).then(pl.lit(prefix)).otherwise(level_expr)
    df = df.with_columns(
        ownership=pl.when(pl.col("reg_type").is_in(list(cls.public_reg_types)))
        .then(pl.lit(cls.public_label))
        .otherwise(pl.lit(cls.private_label)),
        govt_run=pl.col("sponsor").is_in(list(cls.government_sponsors)),
        level_class=pl.when(pl.col("type_group") == "医院").then(level_expr).otherwise(pl.lit(None, pl.Utf8)),
        tcm=pl.col("type_sub").is_in(list(cls.tcm_subtypes)),
    )
    return df, unknown


def _records_frame(records: list[dict[str, Any]], cat: ItemCatalogue) -> pl.DataFrame:
    schema: dict[str, Any] = {"file": pl.Utf8, "sheet": pl.Utf8, "row": pl.Int64}
    for it in cat.identity:
        schema[it.id] = pl.Datetime("us") if it.id == "submitted_at" else pl.Utf8
    for item_id in cat.item_ids:
        schema[item_id] = pl.Float64
    return pl.DataFrame(records, schema=schema, orient="row") if records else pl.DataFrame(schema=schema)


def deduplicate(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the latest submission per (org_code, period); return (kept, replaced)."""
    ordered = df.sort(["org_code", "period", "submitted_at", "file", "row"], nulls_last=False)
    is_last = pl.col("row").cum_count().over(["org_code", "period"]) == pl.len().over(["org_code", "period"])
    ordered = ordered.with_columns(_last=is_last)
    kept = ordered.filter(pl.col("_last")).drop("_last")
    replaced = ordered.filter(~pl.col("_last")).drop("_last")
    return kept, replaced


def ingest(raw_dir: Path, *, progress: bool = True) -> IngestResult:
    cat = catalogues.items()
    acc = _Accumulator()
    files = discover_files(raw_dir)
    file_list = []
    for i, (month, path) in enumerate(files, start=1):
        display = display_path(path, raw_dir)
        if progress:
            print(f"[{i}/{len(files)}] 读取 {display}", file=sys.stderr)
        before = acc.read
        for sheet in read_sheets(path, display):
            _ingest_sheet(sheet, month, cat, acc)
        file_list.append({"file": display, "month": str(month), "data_rows": acc.read - before})

    frame = _records_frame(acc.records, cat)
    classified, unknown_type = _classify(frame)
    for row in unknown_type.iter_rows(named=True):
        acc.quarantine.append(
            {"file": row["file"], "sheet": row["sheet"], "row": row["row"], "org_code": row["org_code"],
             "name": row["name"], "period": row["period"],
             "reason": f"机构类别代码“{row['type_code']}”不在机构类别目录（institution_types.csv）中", "raw": ""}
        )
    clean, replaced = deduplicate(classified)
    replaced = replaced.with_columns(
        reason=pl.lit("同一机构同一报告期重复报送，已保留上报时间最晚的一条")
    )
    quarantine = (
        pl.DataFrame(acc.quarantine, schema=QUARANTINE_SCHEMA, orient="row")
        if acc.quarantine else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    ).sort(["file", "sheet", "row"])
    summary_schema = {"file": pl.Utf8, "sheet": pl.Utf8, "row": pl.Int64, "org_code": pl.Utf8, "name": pl.Utf8}
    summary_schema.update({item_id: pl.Float64 for item_id in cat.item_ids})
    summaries = pl.DataFrame(acc.summaries, schema=summary_schema, orient="row") if acc.summaries else pl.DataFrame(schema=summary_schema)
    clean = clean.sort(["period", "org_code"])

    reconciliation = {
        "rows_read": acc.read,
        "accepted": clean.height,
        "replaced_by_resubmission": replaced.height,
        "quarantined": quarantine.height,
        "summary_rows": summaries.height,
        "blank_rows": acc.blank,
    }
    accounted = sum(v for k, v in reconciliation.items() if k != "rows_read")
    reconciliation["balanced"] = accounted == acc.read
    if accounted != acc.read:
        raise UserError(
            f"行数核对不平：读取 {acc.read} 行，但入库 {clean.height} + 替换 {replaced.height} + 隔离 {quarantine.height}"
            f" + 合计 {summaries.height} + 空行 {acc.blank} = {accounted}",
            hint="这是程序错误，请把原始文件和本信息反馈给开发人员",
        )
    report = {
        "files": file_list,
        "reconciliation": reconciliation,
        "unknown_columns": acc.unknown_columns,
        "missing_items": acc.missing_items,
        "skipped_sheets": acc.skipped_sheets,
        "unit_conversions": acc.conversions,
        "summary_row_checks": acc.summary_checks,
        "months": sorted({str(m) for m, _ in files}),
    }
    return IngestResult(clean=clean, quarantine=quarantine, replaced=replaced, summary_rows=summaries, report=report)


def write_outputs(result: IngestResult, out_dir: Path) -> None:
    write_parquet(result.clean, out_dir / "canonical.parquet")
    write_parquet(result.quarantine, out_dir / "quarantine.parquet")
    write_csv(result.quarantine, out_dir / "quarantine.csv")
    write_parquet(result.replaced, out_dir / "replaced.parquet")
    write_parquet(result.summary_rows, out_dir / "summary_rows.parquet")
    write_json(result.report, out_dir / "ingest_report.json")


def reconciliation_text(report: dict[str, Any]) -> str:
    r = report["reconciliation"]
    lines = [
        "数据导入核对：",
        f"  读取数据行 {r['rows_read']}",
        f"  入库 {r['accepted']}",
        f"  被更正报送替换 {r['replaced_by_resubmission']}",
        f"  隔离（有问题，见 quarantine.csv）{r['quarantined']}",
        f"  合计/小计行 {r['summary_rows']}",
        f"  空行 {r['blank_rows']}",
        "  核对结果：" + ("平衡" if r["balanced"] else "不平衡"),
    ]
    for where, cols in sorted(report["unknown_columns"].items()):
        lines.append(f"  注意：{where} 有未识别的列：{'、'.join(cols)}（未导入，如需要请加入 items.yaml）")
    for where, labels in sorted(report.get("missing_items", {}).items()):
        lines.append(f"  注意：{where} 没有这些项目的列：{'、'.join(labels)}（记为“不详”，不是 0；"
                     "用到它们的合计和指标也是“不详”）")
    for msg in report["skipped_sheets"]:
        lines.append(f"  注意：{msg}")
    for msg in report.get("unit_conversions", []):
        lines.append(f"  注意：{msg}")
    for chk in report.get("summary_row_checks", []):
        lines.append(f"  注意：{chk['file']} 工作表“{chk['sheet']}”第 {chk['row']} 行合计的“{chk['item']}”为 "
                     f"{chk['summary_value']:g}，明细行之和为 {chk['detail_sum']:g}（相差 {chk['difference']:g}），请核对")
    return "\n".join(lines)


def iter_months(clean: pl.DataFrame) -> Iterator[Month]:
    for text in sorted(clean["period"].unique().to_list()):
        yield Month.parse(text)


__all__: Iterable[str] = (
    "ingest", "write_outputs", "reconciliation_text", "parse_number", "parse_code", "deduplicate", "discover_files",
)
