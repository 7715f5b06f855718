"""Reading export files: discovery of the month folders, xlsx/xls/xlsb/ods/csv readers, true row numbers."""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import UserError, location
from pipeline.ingest import biff, csvtable
from pipeline.period import Month, PeriodError

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et", ".ett")  # .et/.ett: WPS, BIFF or OOXML inside
TEXT_SUFFIXES = (".csv", ".tsv")
SUPPORTED_SUFFIXES = (*EXCEL_SUFFIXES, *TEXT_SUFFIXES)
ZIP_MAGIC = b"PK\x03\x04"
DELIMITERS = (",", "\t", ";")  # in order of preference when two fit equally well
DELIMITER_NAMES = {",": "逗号", "\t": "制表符", ";": "分号"}
SNIFF_LINES = 30
HEAD_ROWS = 32  # rows of a columnar CSV kept as tuples for the header scan (header.HEADER_SCAN_ROWS + the row below)
# control characters other than tab/newline (NUL included): stripped from every cell, with a note
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or an encrypted (password) workbook
SYSTEM_FILES = ("readme.md", "thumbs.db", "desktop.ini")  # written by Windows into any folder; never data
NON_MONTHLY_FOLDERS = ("annual",)  # data/raw/annual/<year>/ holds the annual inputs, read by other stages


@dataclass(frozen=True)
class Limits:
    """Bounds checked before a file is parsed, so that a hostile or broken export cannot exhaust memory."""

    max_file_mb: float = 100.0  # size of the file on disk
    max_unpacked_mb: float = 300.0  # xlsx/ods: sum of the uncompressed sizes of the parts in the zip
    max_cells: int = 5_000_000  # cells of one sheet (rows × columns)
    max_string_chars: int = 10_000  # characters of one cell


@dataclass(frozen=True)
class SheetData:
    file: str
    sheet: str
    rows: list[tuple[int, tuple[Any, ...]]]  # (1-based row number, cell values)
    text: bool = False  # read from a CSV: a row shorter than the header was cut off (a truncated file)
    hidden: bool = False  # a hidden sheet of a workbook: read as usual, and reported
    notes: tuple[str, ...] = field(default=())  # what was cleaned on reading (control characters)
    delimiter: str = ""  # a CSV's field delimiter (decimals.py: a decimal comma is possible when it is not ',')
    # a CSV read into columns (csvtable.py): every record is in the table, ``rows`` holds only the first HEAD_ROWS
    table: csvtable.TextTable | None = None


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
        if not path.is_file() or path.name.startswith((".", "~$")) or path.name.lower() in SYSTEM_FILES:
            continue
        rel = path.relative_to(raw_dir)
        if rel.parts[0] in NON_MONTHLY_FOLDERS:
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            if len(rel.parts) == 1:
                continue  # a note beside the month folders
            raise UserError(f"文件 {display_path(path, raw_dir)} 不是可读取的导出文件（只读 Excel、WPS 表格和 CSV）",
                            hint="请把它移出月份文件夹；如果它是导出的数据，请在 Excel 中另存为 .xlsx 后放回")
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


def _clean_rows(raw: list[list[Any]] | list[tuple[Any, ...]], display: str, sheet: str,
                limits: Limits) -> tuple[list[tuple[int, tuple[Any, ...]]], tuple[str, ...]]:
    """Number the rows from 1, '' → None, strip control characters (noted), refuse an over-long cell."""
    rows = []
    stripped: list[str] = []
    for i, values in enumerate(raw, start=1):
        cells = []
        for col, value in enumerate(values):
            if isinstance(value, str):
                if len(value) > limits.max_string_chars:
                    raise UserError(
                        f"{location(display, sheet, i)}：第 {col + 1} 列的内容长达 {len(value)} 个字符，"
                        f"超过上限 {limits.max_string_chars}，文件可能已损坏",
                        hint="请在 Excel 中检查该单元格，或重新从直报系统导出；确需更长时修改 params.yaml 的 ingest.max_string_chars")
                cleaned = _CONTROL.sub("", value)
                if cleaned != value:
                    stripped.append(f"第 {i} 行第 {col + 1} 列")
                    value = cleaned
            cells.append(_cell(value))
        rows.append((i, tuple(cells)))
    notes = ()
    if stripped:
        shown = "、".join(stripped[:5]) + (f" 等 {len(stripped)} 处" if len(stripped) > 5 else "")
        notes = (f"{display}：工作表“{sheet}”{shown}含有控制字符（如 NUL），已去掉",)
    return rows, notes


def _clean_text_rows(raw: list[list[str]], text: str, display: str,
                     limits: Limits) -> tuple[list[tuple[int, tuple[Any, ...]]], tuple[str, ...]]:
    """_clean_rows for a CSV's text cells, without a step per cell when nothing needs cleaning (no control
    character in the file, no cell over the length limit): '' → None only."""
    if _CONTROL.search(text) or max(map(len, itertools.chain.from_iterable(raw)), default=0) > limits.max_string_chars:
        return _clean_rows(raw, display, "CSV", limits)
    return [(i, tuple([v or None for v in values]) if "" in values else tuple(values))
            for i, values in enumerate(raw, start=1)], ()


def _check_size(path: Path, display: str, head: bytes, limits: Limits) -> None:
    """Refuse a file whose size on disk, (zip) whose unpacked size or (BIFF) whose sheet area is beyond the limits,
    or (BIFF) that is cut short — before parsing."""
    size_mb = path.stat().st_size / 2**20
    if size_mb > limits.max_file_mb:
        raise UserError(f"文件 {display} 有 {size_mb:.0f} MB，超过上限 {limits.max_file_mb:g} MB，未读取",
                        hint="请确认导出的是月报数据；确需读取时修改 params.yaml 的 ingest.max_file_mb")
    if head == OLE_MAGIC:
        _check_biff(path, display, limits)
    if head[:4] != ZIP_MAGIC:
        return
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"文件 {display} 不是有效的 Excel 工作簿（可能已损坏）：{exc}",
                        hint="请在 Excel 中打开确认文件完整后另存为 .xlsx，或重新从直报系统导出") from exc
    if unpacked / 2**20 > limits.max_unpacked_mb:
        raise UserError(f"文件 {display} 解压后有 {unpacked / 2**20:.0f} MB，超过上限 {limits.max_unpacked_mb:g} MB，"
                        "未读取（文件可能已损坏或被篡改）",
                        hint="请重新从直报系统导出；确需读取时修改 params.yaml 的 ingest.max_unpacked_mb")
    for sheet, cells in _zip_sheet_cells(path):
        if cells > limits.max_cells:
            raise UserError(f"文件 {display} 的工作表（{sheet}）的数据区域有 {cells} 个单元格，超过上限 {limits.max_cells}，"
                            "未读取（表中可能有远离数据的零星单元格）",
                            hint="请删去多余的行列后另存；确需读取时修改 params.yaml 的 ingest.max_cells")


def _check_biff(path: Path, display: str, limits: Limits) -> None:
    """Old Excel (BIFF): refuse a file cut short, or a sheet whose used area is beyond the cell bound, before
    the reader loads it (the area from A1 to the last used cell, from the sheet's DIMENSIONS record)."""
    try:
        areas = biff.sheet_areas(path)
    except biff.Truncated as exc:
        raise UserError(f"文件 {display} 不完整（只有 {exc.size} 字节，工作簿的数据在文件末尾之前中断），"
                        "可能下载未完成或已损坏，未读取",
                        hint="请重新从直报系统导出；或在 Excel/WPS 中打开确认内容完整后另存为 .xlsx") from exc
    for sheet, cells in areas or ():
        if cells > limits.max_cells:
            raise UserError(f"文件 {display} 的工作表“{sheet}”的数据区域有 {cells} 个单元格，超过上限 {limits.max_cells}，"
                            "未读取（表中可能有远离数据的零星单元格）",
                            hint="请删去多余的行列后另存；确需读取时修改 params.yaml 的 ingest.max_cells")


# '<c r=' or '<x:c r=' (a literal prefix keeps the scan fast; a stray match only makes the area larger)
_CELL_COL = re.compile(rb'c r="([A-Z]{1,3})[0-9]')
_ROW_REF = re.compile(rb'row r="([0-9]{1,7})"')


def _zip_sheet_cells(path: Path) -> list[tuple[str, int]]:
    """(part name, rows × columns of the area the sheet's cells span) for every worksheet of an xlsx, by streaming
    its XML (the unpacked size is already bounded): a reader would allocate that whole area. Cell and row
    references are optional in the format; without them the reader's own size is checked after loading."""
    out = []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            cols: set[bytes] = set()
            max_row = 0
            tail = b""
            with zf.open(info) as fh:
                while chunk := fh.read(1 << 20):
                    data = tail + chunk
                    cols.update(_CELL_COL.findall(data))
                    rows = _ROW_REF.findall(data)
                    if rows:
                        max_row = max(max_row, max(map(int, rows)))
                    tail = data[-32:]
            max_col = max((_col_number(c) for c in cols), default=0)
            out.append((info.filename.rsplit("/", 1)[-1], max_row * max_col))
    return out


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _is_panic(exc: BaseException) -> bool:
    """calamine's Rust panic (pyo3 PanicException, a BaseException python_calamine does not export) on a damaged file."""
    return type(exc).__name__ == "PanicException"


def _open_workbook(path: Path, display: str, head: bytes) -> Any:
    import python_calamine as pc  # local import

    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods") and not (
                head == OLE_MAGIC and path.suffix.lower() != ".xls"):
            return pc.CalamineWorkbook.from_path(str(path))
        with path.open("rb") as fh:  # .et/.ett, or an .xls saved under another name: read it by its content
            return pc.CalamineWorkbook.from_filelike(fh)
    except pc.PasswordError as exc:
        raise UserError(f"文件 {display} 设置了打开密码，无法读取",
                        hint="请在 Excel 中输入密码打开，取消密码（文件→信息→保护工作簿）后另存") from exc
    except (pc.CalamineError, pc.ZipError, pc.XmlError, ValueError, OSError) as exc:
        if head == OLE_MAGIC:
            raise UserError(f"文件 {display} 设置了打开密码（加密的工作簿）或已损坏，无法读取",
                            hint="请在 Excel 中打开，取消密码后另存为 .xlsx") from exc
        raise UserError(f"文件 {display} 不是有效的 Excel 工作簿（可能已损坏）：{exc}",
                        hint="请在 Excel 中打开确认文件完整后另存为 .xlsx，或重新从直报系统导出") from exc
    except BaseException as exc:
        if not _is_panic(exc):
            raise
        raise UserError(f"文件 {display} 已损坏（读取程序无法解析其内容），未读取",
                        hint="请在 Excel 中打开确认文件完整后另存为 .xlsx，或重新从直报系统导出") from None


def _read_excel(path: Path, display: str, limits: Limits) -> list[SheetData]:
    """Every sheet of an .xlsx/.xls/.xlsb/.ods/.et workbook, with true Excel row numbers (calamine)."""
    import python_calamine as pc  # local import

    with path.open("rb") as fh:
        head = fh.read(8)
    if path.suffix.lower() in (".et", ".ett") and head != OLE_MAGIC and head[:4] != ZIP_MAGIC:
        raise UserError(f"WPS 表格文件 {display} 的格式无法识别（既不是 .xls 也不是 .xlsx 格式）",
                        hint="请在 WPS 中打开，另存为 Excel 工作簿（.xlsx）后放回")
    _check_size(path, display, head, limits)
    wb = _open_workbook(path, display, head)
    sheets = []
    try:
        hidden = {m.name for m in wb.sheets_metadata if m.visible != pc.SheetVisibleEnum.Visible}
        for name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(name)
            if sheet.total_height * sheet.total_width > limits.max_cells:
                raise UserError(f"{location(display, name)}：有 {sheet.total_height} 行 × {sheet.total_width} 列，"
                                f"超过单元格数上限 {limits.max_cells}，未读取",
                                hint="请删去多余的行列后另存；确需读取时修改 params.yaml 的 ingest.max_cells")
            rows, notes = _clean_rows(sheet.to_python(skip_empty_area=False), display, name, limits)
            sheets.append(SheetData(display, name, rows, hidden=name in hidden, notes=notes))
    except (pc.CalamineError, ValueError) as exc:
        raise UserError(f"文件 {display} 的工作表无法读取：{exc}", hint="请在 Excel 中打开确认后另存为 .xlsx") from exc
    except BaseException as exc:
        if not _is_panic(exc):
            raise
        raise UserError(f"文件 {display} 的工作表已损坏（读取程序无法解析其内容），未读取",
                        hint="请在 Excel 中打开确认文件完整后另存为 .xlsx，或重新从直报系统导出") from None
    finally:
        wb.close()
    return sheets


def _cell(value: Any) -> Any:
    """calamine gives '' for an empty cell: make it None like the CSV reader's empty fields."""
    return None if value == "" else value


def decode_text(data: bytes, display: str) -> str:
    """UTF-16 (by its BOM, or by its NUL pattern), UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encodings: tuple[str, ...] = ("utf-16",)
    elif (order := _utf16_without_bom(data[:4096])) is not None:
        encodings = (order,)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserError(f"文件 {display} 的编码无法识别（不是 UTF-8、GBK/GB18030 或 UTF-16）",
                    hint="请在 Excel 中打开后另存为“CSV UTF-8（逗号分隔）”")


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII characters (digits, commas, line ends) leave a NUL in every other byte."""
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = max(len(head) // 2, 1)
    if odd / half > 0.1 and even < odd / 10:  # (a CJK character such as 一 U+4E00 has a NUL byte of its own)
        return "utf-16-le"
    if even / half > 0.1 and odd < even / 10:
        return "utf-16-be"
    return None


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most columns, consistently (ties: comma, tab, semicolon)."""
    end = -1
    for _ in range(SNIFF_LINES):  # the text up to its SNIFF_LINES-th '\n' holds the first SNIFF_LINES lines
        end = text.find("\n", end + 1)
        if end < 0:
            break
    head = text if end < 0 else text[:end + 1]
    lines = [ln for ln in head.splitlines()[:SNIFF_LINES] if ln.strip()]
    best, best_score = ",", (0, 0)
    for delim in DELIMITERS:
        widths = [len(r) for r in csv.reader(lines, delimiter=delim)]
        if not widths:
            continue
        common = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (common if common > 1 else 0, widths.count(common))
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(path: Path, display: str, limits: Limits) -> list[SheetData]:
    size_mb = path.stat().st_size / 2**20
    if size_mb > limits.max_file_mb:
        raise UserError(f"文件 {display} 有 {size_mb:.0f} MB，超过上限 {limits.max_file_mb:g} MB，未读取",
                        hint="请确认导出的是月报数据；确需读取时修改 params.yaml 的 ingest.max_file_mb")
    data = path.read_bytes()
    text = decode_text(data, display)
    if not text.strip("\ufeff\x00 \t\r\n"):
        raise UserError(f"文件 {display} 是空文件", hint="请重新从直报系统导出")
    delim = sniff_delimiter(text)
    table = csvtable.read(text, delim, limits.max_string_chars)
    if table is not None:  # the common case; anything csvtable cannot read as csv.reader would goes on below
        return [SheetData(display, "CSV", table.rows(0, HEAD_ROWS), text=True, delimiter=delim, table=table)]
    csv.field_size_limit(max(limits.max_string_chars + 1, 131072))
    try:
        raw = list(csv.reader(io.StringIO(text), delimiter=delim))
    except csv.Error as exc:
        raise UserError(f"文件 {display} 不是有效的 CSV 文件：{exc}", hint="请在 Excel 中打开后另存为 CSV") from exc
    rows, notes = _clean_text_rows(raw, text, display, limits)
    if delim != ",":
        notes = (f"{display}：按{DELIMITER_NAMES[delim]}分隔读取", *notes)
    return [SheetData(display, "CSV", rows, text=True, notes=notes, delimiter=delim)]


def read_sheets(path: Path, display: str, limits: Limits | None = None) -> list[SheetData]:
    limits = limits or Limits()
    if path.stat().st_size == 0:
        raise UserError(f"文件 {display} 是空文件", hint="请重新从直报系统导出")
    if path.suffix.lower() in TEXT_SUFFIXES:
        return _read_csv(path, display, limits)
    return _read_excel(path, display, limits)
