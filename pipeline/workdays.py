"""Working days for 医师日均担负诊疗人次, from the official holiday calendar (reference data: 休 = day off,
班 = make-up working day) and the working-day convention.

Convention (params.yaml `annual.working_days`): an integer is the national statistical convention of a fixed
number of working days for a whole year (251, the figure the national 卫生健康统计 definitions use) and applies to
the annual report and to 1–12月累计; `calendar` counts the year's working days from the holiday calendar. A month
(and 1–N月累计, N < 12) always counts its own working days from the calendar. A year the calendar does not cover
is an error naming the year and the file to update — never a silent Monday–Friday count."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path

from pipeline.errors import UserError
from pipeline.period import Month

KINDS = {"休": False, "班": True}
NATIONAL_WORKING_DAYS = 251
CALENDAR = "calendar"
HOLIDAYS_FILE = "data/reference/holidays.csv"


def load_calendar(path: Path) -> dict[date, bool]:
    """{date: is a working day} for the adjusted days of data/reference/holidays.csv."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise UserError(f"节假日表 {path} 无法读取：{exc}", hint="请检查 data/reference/holidays.csv") from exc
    out: dict[date, bool] = {}
    for line, row in enumerate(rows, start=2):
        try:
            day = date.fromisoformat(row["date"].strip())
            out[day] = KINDS[row["kind"].strip()]
        except (KeyError, ValueError) as exc:
            raise UserError(f"节假日表 {path.name} 第 {line} 行有误：{row}",
                            hint="date 写成 YYYY-MM-DD，kind 写“休”（放假）或“班”（调休上班）") from exc
    return out


def working_days(month: Month, calendar: Mapping[date, bool] | None = None) -> int:
    """Working days of a month: weekdays, corrected by the calendar's 休/班 days (`calendar=None` counts
    Monday–Friday; callers with real data pass the calendar and check its years with `require_years`)."""
    calendar = calendar or {}
    day, count = month.first_day, 0
    while day <= month.last_day:
        count += calendar.get(day, day.weekday() < 5)
        day += timedelta(days=1)
    return count


def covered_years(calendar: Mapping[date, bool]) -> set[int]:
    return {d.year for d in calendar}


def require_years(calendar: Mapping[date, bool], years: Iterable[int], path: str = HOLIDAYS_FILE) -> None:
    """Fail, naming the years and the file, when the holiday calendar lacks a year that is needed."""
    missing = sorted(set(years) - covered_years(calendar))
    if missing:
        raise UserError(
            f"节假日表没有 {'、'.join(f'{y}年' for y in missing)}的放假和调休安排，无法计算医师日均担负诊疗人次的工作日数",
            hint=f"请按国务院办公厅公布的该年节假日安排，在 {path} 中补上该年各放假日（休）和调休上班日（班）")


def parse_convention(value: object) -> int | str:
    """`annual.working_days`: a positive integer (251 = the national convention) or 'calendar'."""
    if isinstance(value, str) and value.strip().lower() == CALENDAR:
        return CALENDAR
    try:
        days = int(str(value).strip())
    except ValueError:
        days = 0
    if not 200 <= days <= 366:
        raise UserError(f"params.yaml 中 annual.working_days（{value}）无效",
                        hint=f"写全年工作日数（国家统计口径为 {NATIONAL_WORKING_DAYS}），或写 calendar（按节假日表逐日计算）")
    return days


def year_working_days(year: int, calendar: Mapping[date, bool], convention: int | str = NATIONAL_WORKING_DAYS) -> int:
    """Working days of a whole year under the convention (see module docstring)."""
    if convention != CALENDAR:
        return int(convention)
    require_years(calendar, [year])
    return sum(working_days(Month(year, m), calendar) for m in range(1, 13))


def convention_text(year: int, days: int, convention: int | str) -> str:
    """The 说明 wording: which working days were used."""
    if convention == CALENDAR:
        return f"{year}年{days}天，按国家公布的节假日和调休安排逐日计算"
    return f"按全国卫生健康统计口径全年{days}天计"
