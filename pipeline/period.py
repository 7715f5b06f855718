"""One typed reporting period, parsed once, from which every other date is derived."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_MONTH_RE = re.compile(r"^\s*(\d{4})\s*[-年/.]\s*(\d{1,2})\s*月?\s*$")


class PeriodError(ValueError):
    """A period string that cannot be understood."""


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, e.g. Month(2025, 10)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise PeriodError(f"月份必须在 1–12 之间，收到 {self.month}")
        if not 1900 <= self.year <= 9999:
            raise PeriodError(f"年份不合理：{self.year}")

    @classmethod
    def parse(cls, text: str | int | date) -> "Month":
        """Parse '2025-10', '2025-1', '2025年10月', '2025/10' or a date."""
        if isinstance(text, date):
            return cls(text.year, text.month)
        match = _MONTH_RE.match(str(text))
        if not match:
            raise PeriodError(
                f"无法识别的报告期“{text}”：请写成 YYYY-MM 格式，例如 2025-10"
            )
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """Chinese label, e.g. '2025年10月'."""
        return f"{self.year}年{self.month}月"

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, self.days)

    def shift(self, months: int) -> "Month":
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    @property
    def previous(self) -> "Month":
        return self.shift(-1)

    @property
    def same_month_last_year(self) -> "Month":
        return Month(self.year - 1, self.month)

    def months_to_date(self) -> tuple["Month", ...]:
        """Months 1..N of this month's year (1–N月累计)."""
        return tuple(Month(self.year, m) for m in range(1, self.month + 1))

    @property
    def cumulative_label(self) -> str:
        """'2025年1—10月', or '2025年1月' for January."""
        if self.month == 1:
            return self.label
        return f"{self.year}年1—{self.month}月"

    def due_date(self, due_day: int) -> date:
        """Due date for this month's report: `due_day` of the following month (capped at month end)."""
        nxt = self.shift(1)
        return date(nxt.year, nxt.month, min(due_day, nxt.days))


def days_in(months: tuple[Month, ...] | list[Month]) -> int:
    """Calendar days D of a period made of whole months."""
    return sum(m.days for m in months)


_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*[-年]?\s*[Qq]\s*([1-4])\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, e.g. Quarter(2025, 4) ('2025Q4')."""

    year: int
    quarter: int

    def __post_init__(self) -> None:
        if not 1 <= self.quarter <= 4:
            raise PeriodError(f"季度必须在 1–4 之间，收到 {self.quarter}")
        if not 1900 <= self.year <= 9999:
            raise PeriodError(f"年份不合理：{self.year}")

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """Parse '2025Q4', '2025-Q4' or '2025q4'."""
        match = _QUARTER_RE.match(str(text))
        if not match:
            raise PeriodError(f"无法识别的季度“{text}”：请写成 YYYYQn 格式，例如 2025Q4")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, month: Month) -> "Quarter":
        return cls(month.year, (month.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}Q{self.quarter}"

    @property
    def label(self) -> str:
        """Chinese label, e.g. '2025年第四季度'."""
        return f"{self.year}年第{'一二三四'[self.quarter - 1]}季度"

    @property
    def months(self) -> tuple[Month, ...]:
        first = 3 * (self.quarter - 1) + 1
        return tuple(Month(self.year, m) for m in range(first, first + 3))

    def contains(self, month: Month) -> bool:
        return month in self.months

    @property
    def previous(self) -> "Quarter":
        index = self.year * 4 + (self.quarter - 1) - 1
        return Quarter(index // 4, index % 4 + 1)


def period_label(period: str | None) -> str:
    if not period:
        return ""
    if re.fullmatch(r"\d{4}-\d{2}", period):
        return f"{int(period[:4])}年{int(period[5:])}月"
    if re.fullmatch(r"\d{4}", period):
        return f"{period}年"
    return period
