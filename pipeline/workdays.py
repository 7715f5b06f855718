"""Working days of a month from the official holiday calendar (reference data: 休 = day off, 班 = make-up
working day), for 医师日均担负诊疗人次. Without a calendar entry a weekday is a working day."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from pipeline.errors import UserError
from pipeline.period import Month

KINDS = {"休": False, "班": True}


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


def working_days(month: Month, calendar: dict[date, bool] | None = None) -> int:
    calendar = calendar or {}
    day, count = month.first_day, 0
    while day <= month.last_day:
        count += calendar.get(day, day.weekday() < 5)
        day += timedelta(days=1)
    return count


def covered_years(calendar: dict[date, bool]) -> set[int]:
    return {d.year for d in calendar}
