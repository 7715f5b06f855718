"""Infant mortality (q0) from the maternal–child surveillance (妇幼卫生监测), one source for every report.

The source is the annual report's own file, data/raw/annual/<year>/maternal_child.csv (live births and infant
deaths by county-level unit): the life-expectancy report and the 统计报告及提要 therefore print the same
婴儿死亡率. Only when that file is absent is the city figure of data/reference/maternal_child.csv used.

q0 of a life-table group:
* a county with its own surveillance rate takes it (so a county with 0 registered infant deaths does not keep
  q0 = 0 when the surveillance recorded infant deaths there);
* a county without one (option `fallback`: "city") borrows the city's calibration k = IMR(city) / q0(city,
  registration), as q0 = k × its registered q0 — or, if it registered no infant death either, the city IMR;
* 男/女 keep the registered sex ratio of q0 within their unit when the unit registered infant deaths.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from pipeline.errors import UserError

RAW_FILE = Path("data/raw/annual/{year}/maternal_child.csv")
REFERENCE_FILE = Path("data/reference/maternal_child.csv")


@dataclass(frozen=True)
class InfantMortality:
    """Surveillance IMR (‰) of a year: the city's and, where known, each county-level unit's."""

    year: int
    city: float
    by_region: dict[str, float] = field(default_factory=dict)
    source: str = ""  # in words, for the report


def _rows(path: Path, rel: str, columns: Sequence[str]) -> list[dict[str, str]]:
    try:
        reader = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""))
    except UnicodeDecodeError as exc:
        raise UserError(f"文件 {rel} 不是 UTF-8 编码", hint="请另存为 UTF-8 后重试") from exc
    header = [h.strip() for h in reader.fieldnames or []]
    absent = [c for c in columns if c not in header]
    if absent:
        raise UserError(f"文件 {rel} 缺少列：{'、'.join(absent)}（现有列：{'、'.join(header)}）")
    return [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in reader]


def _int(text: str, rel: str, line: int, column: str) -> int:
    try:
        value = int(float(text))
    except ValueError:
        raise UserError(f"文件 {rel} 第 {line} 行 {column} 列不是数字：“{text}”",
                        hint="填写非负整数") from None
    if value < 0:
        raise UserError(f"文件 {rel} 第 {line} 行 {column} 列为负数：{value}", hint="填写非负整数")
    return value


def from_annual_file(root: Path, year: int) -> InfantMortality | None:
    """Per-unit and city IMR (Σ infant deaths ÷ Σ live births × 1000) from the annual surveillance file."""
    rel = RAW_FILE.as_posix().format(year=year)
    path = root / rel
    if not path.is_file():
        return None
    births_total = deaths_total = 0
    by_region: dict[str, float] = {}
    for line, r in enumerate(_rows(path, rel, ("region_code", "live_births", "infant_deaths")), start=2):
        if not r["live_births"] or not r["infant_deaths"]:
            continue
        births = _int(r["live_births"], rel, line, "live_births")
        deaths = _int(r["infant_deaths"], rel, line, "infant_deaths")
        births_total += births
        deaths_total += deaths
        if births > 0:
            by_region[r["region_code"]] = 1000.0 * deaths / births
    if births_total == 0:
        return None
    return InfantMortality(year, 1000.0 * deaths_total / births_total, by_region,
                           f"妇幼卫生监测{year}年各县市区活产数与婴儿死亡数")


def from_reference(root: Path, year: int) -> InfantMortality | None:
    """The city IMR of data/reference/maternal_child.csv (no county figures)."""
    rel = REFERENCE_FILE.as_posix()
    if not (root / rel).is_file():
        return None
    hits = [r for r in _rows(root / rel, rel, ("year", "imr_per_1000")) if r["year"] == str(year)]
    if len(hits) > 1:
        raise UserError(f"文件 {rel} 中 {year} 年出现了 {len(hits)} 次")
    if not hits or hits[0]["imr_per_1000"] == "":
        return None
    try:
        value = float(hits[0]["imr_per_1000"])
    except ValueError:
        raise UserError(f"文件 {rel} 中 {year} 年的婴儿死亡率不是数字：“{hits[0]['imr_per_1000']}”") from None
    if not 0.0 < value < 1000.0:
        raise UserError(f"文件 {rel} 中 {year} 年的婴儿死亡率（‰）应大于 0 且小于 1000，当前为 {value}")
    sample = "（示例数据）" if "示例数据" in hits[0].get("source", "") else ""  # the report then carries the 样稿 mark
    return InfantMortality(year, value, {}, f"妇幼卫生监测{year}年全市婴儿死亡率{sample}")


def load(root: Path, year: int) -> InfantMortality | None:
    """The year's surveillance IMR: the annual file when present, else the reference table; None if neither."""
    return from_annual_file(root, year) or from_reference(root, year)


def group_q0(imr: InfantMortality, groups: Sequence[Any], city_code: str,
             registration_q0: Any) -> tuple[list[float], float]:
    """IMR (‰) to apply to each life-table group (Group of expectancy.py: region_code, sex, data), and the city
    calibration factor k = IMR(city) / q0(city, both sexes, registration)."""
    both = {g.region_code: registration_q0(g.data) for g in groups if g.sex == "合计"}
    city_q0 = both.get(city_code, 0.0)
    if city_q0 <= 0:
        raise UserError(f"{imr.year}年全市登记的婴儿（0岁）死亡数为 0，无法按监测婴儿死亡率校准",
                        hint="请核对死亡数据，或把 life_expectancy.use_surveillance_imr 设为 false")
    factor = imr.city / 1000.0 / city_q0
    out: list[float] = []
    for g in groups:
        unit_both = both[g.region_code]
        own = imr.city if g.region_code == city_code else imr.by_region.get(g.region_code)
        if own is None:  # borrowed from the city: k × registered q0, or the city IMR when none was registered
            own = 1000.0 * factor * unit_both if unit_both > 0 else imr.city
        ratio = registration_q0(g.data) / unit_both if g.sex != "合计" and unit_both > 0 else 1.0
        out.append(min(999.0, own * ratio))
    return out, factor
