from datetime import date

import pytest

from pipeline.period import Month, PeriodError, days_in


def test_parse_forms():
    assert Month.parse("2025-10") == Month(2025, 10)
    assert Month.parse("2025-1") == Month(2025, 1)
    assert Month.parse("2025年3月") == Month(2025, 3)
    assert Month.parse(date(2024, 2, 29)) == Month(2024, 2)
    assert str(Month(2025, 3)) == "2025-03"


@pytest.mark.parametrize("bad", ["2025-13", "2025", "abc", "2025-00"])
def test_parse_rejects(bad):
    with pytest.raises(PeriodError):
        Month.parse(bad)


def test_derived_dates():
    m = Month(2025, 1)
    assert m.previous == Month(2024, 12)
    assert m.same_month_last_year == Month(2024, 1)
    assert Month(2024, 2).days == 29 and Month(2025, 2).days == 28
    assert Month(2025, 3).months_to_date() == (Month(2025, 1), Month(2025, 2), Month(2025, 3))
    assert Month(2025, 10).cumulative_label == "2025年1—10月"
    assert Month(2025, 1).cumulative_label == "2025年1月"
    assert Month(2025, 12).due_date(20) == date(2026, 1, 20)
    assert Month(2025, 1).due_date(31) == date(2025, 2, 28)  # capped at month end
    # D for 1-3月 2025 = 31 + 28 + 31
    assert days_in(Month(2025, 3).months_to_date()) == 90
