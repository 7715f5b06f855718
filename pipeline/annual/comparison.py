"""全省、全国对比值（统计报告及提要“与全省、全国比较”表）：参考数据的读取与取值。

Two reference files, each row with its source in words:

* ``data/reference/comparison_annual.csv`` — indicator_id, year, area (全省 | 全国), value, source, sample
  (``是`` = 示例数据, printed as such in the report). Kept apart from the life report's 全省/全国 life-expectancy
  reference so the two can be maintained separately.
* ``data/reference/province.csv`` — the 全省 values the plan's “优于全省” targets use; read here too, so one
  report prints one 全省 value (a row whose source says 示例数据 is marked as sample).

A report year without a published value takes the latest earlier year, and the report says which year.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import UserError

COMPARISON_FILE = "comparison_annual.csv"
PROVINCE_FILE = "province.csv"
AREAS = ("全省", "全国")
COLUMNS = ("indicator_id", "year", "area", "value", "source", "sample")
SAMPLE_WORD = "示例数据"


@dataclass(frozen=True)
class Reference:
    indicator_id: str
    year: int
    area: str
    value: float
    source: str
    sample: bool
    decimals: int | None = None  # as published (79 → 0): printed so, not padded to the city's precision


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"对比参考数据 {path} 无法读取：{exc}", hint="请以 UTF-8 CSV 保存") from exc


def _number(path: Path, line: int, column: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UserError(f"{path} 第 {line} 行 {column} 列“{text}”不是数字",
                        hint="填写公报中的数值（不带单位）；尚未公布的年份不写这一行") from None


def _decimals(text: str) -> int:
    text = text.strip()
    return len(text.split(".", 1)[1]) if "." in text else 0


def load_comparison(reference_dir: Path) -> tuple[Reference, ...]:
    """Every 全省/全国 reference value; a missing file is no rows (the table then prints '…')."""
    out: list[Reference] = []
    path = Path(reference_dir) / COMPARISON_FILE
    if path.is_file():
        rows = _rows(path)
        missing = [c for c in COLUMNS if rows and c not in rows[0]]
        if missing:
            raise UserError(f"{path} 缺少列：{'、'.join(missing)}", hint=f"列应为 {', '.join(COLUMNS)}")
        for line, r in enumerate(rows, start=2):
            area = (r["area"] or "").strip()
            if area not in AREAS:
                raise UserError(f"{path} 第 {line} 行 area 列“{area}”无效", hint="只能是 全省 或 全国")
            if not (r["source"] or "").strip():
                raise UserError(f"{path} 第 {line} 行 source 列为空", hint="写明出处（公报全称、发布单位和日期）")
            out.append(Reference(indicator_id=r["indicator_id"].strip(), year=int(_number(path, line, "year", r["year"])),
                                 area=area, value=_number(path, line, "value", r["value"]), source=r["source"].strip(),
                                 sample=(r["sample"] or "").strip() == "是" or SAMPLE_WORD in r["source"],
                                 decimals=_decimals(r["value"])))
    province = Path(reference_dir) / PROVINCE_FILE
    if province.is_file():
        for line, r in enumerate(_rows(province), start=2):
            if not (r.get("value") or "").strip():
                continue
            source = (r.get("source") or "").strip()
            out.append(Reference(indicator_id=r["indicator_id"].strip(), year=int(r["year"]), area="全省",
                                 value=_number(province, line, "value", r["value"]), source=source,
                                 sample=SAMPLE_WORD in source))
    return tuple(out)


def pick(refs: Sequence[Reference], indicator_id: str, area: str, year: int) -> Reference | None:
    """The value for ``year``, else the latest earlier year (comparison_annual.csv before province.csv)."""
    hits = [r for r in refs if r.indicator_id == indicator_id and r.area == area and r.year <= year]
    if not hits:
        return None
    latest = max(r.year for r in hits)
    return next(r for r in hits if r.year == latest)
