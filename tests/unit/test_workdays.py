"""Working days against the State Council's published holiday arrangements (worked by hand)."""

from pathlib import Path

import pytest

from pipeline.period import Month
from pipeline.workdays import load_calendar, working_days

CAL = load_calendar(Path(__file__).resolve().parents[2] / "data" / "reference" / "holidays.csv")


def test_year_totals():
    # 2024: 262 weekdays − 19 holiday weekdays + 8 make-up days = 251 (the figure domain.md quotes)
    assert sum(working_days(Month(2024, m), CAL) for m in range(1, 13)) == 251
    # 2025: 261 − 18 + 5 = 248
    assert sum(working_days(Month(2025, m), CAL) for m in range(1, 13)) == 248


@pytest.mark.parametrize("month, expected", [
    (Month(2025, 1), 19),  # 23 weekdays − 1.1, 1.28–31 + 1.26 (Sun) worked
    (Month(2025, 2), 19),  # 20 weekdays − 2.3, 2.4 + 2.8 (Sat) worked
    (Month(2024, 10), 19),  # 23 weekdays − 10.1–4, 10.7 + 10.12 (Sat) worked
])
def test_months(month, expected):
    assert working_days(month, CAL) == expected


def test_without_calendar_weekdays_count():
    assert working_days(Month(2025, 2)) == 20
