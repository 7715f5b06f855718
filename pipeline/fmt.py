"""Presentation formatting: half-up rounding for display only, '—' for no value."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

DASH = "—"


def round_half_up(value: float, decimals: int) -> Decimal:
    """Round half-up on the decimal value as printed (2.25 → 2.3, not banker's 2.2).

    The float is first turned into its shortest decimal representation (repr), so
    2.675 (stored as 2.67499999…) rounds to 2.68 as a statistician expects.
    """
    quantum = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def number(value: float | None, decimals: int = 0, *, thousands: bool = False) -> str:
    """Format a number for a table cell; missing, NaN and inf give '—'."""
    if is_missing(value):
        return DASH
    rounded = round_half_up(value, decimals)  # type: ignore[arg-type]
    if rounded == 0:
        rounded = abs(rounded)  # never print -0.0
    text = f"{rounded:,.{decimals}f}" if thousands else f"{rounded:.{decimals}f}"
    return text


def wan(value: float | None, decimals: int = 1) -> str:
    """A count in 万 (ten thousands), e.g. 1234567 → '123.5'."""
    if is_missing(value):
        return DASH
    return number(value / 10000.0, decimals)  # type: ignore[operator]


def signed(value: float | None, decimals: int = 1) -> str:
    """A change with its sign, '+3.2' / '-1.0' / '0.0'; '—' when missing."""
    if is_missing(value):
        return DASH
    text = number(value, decimals)
    if text.startswith("-") or set(text) <= {"0", "."}:
        return text
    return "+" + text
