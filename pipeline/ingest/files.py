"""Reading export files: discovery of the month folders, xlsx/xls/xlsb/ods/csv readers, true row numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import UserError
from pipeline.period import Month, PeriodError

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
SUPPORTED_SUFFIXES = (*EXCEL_SUFFIXES, ".csv")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or an encrypted (password) workbook
NON_MONTHLY_FOLDERS = ("annual",)  # data/raw/annual/<year>/ holds the annual inputs, read by other stages


@dataclass(frozen=True)
class SheetData:
    file: str
    sheet: str
    rows: list[tuple[int, tuple[Any, ...]]]  # (1-based row number, cell values)



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

