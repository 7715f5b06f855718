"""Presentation formatting: half-up rounding for display only, '—' for no value.

Exact ties. A ratio of integer counts computed in floating point can land a hair below an exact decimal tie
((1287 − 1200) / 1200 × 100 = 7.249999999999999 for an exact 7.25), and plain half-up would then print 7.2.
Every rounding here therefore first snaps a value that lies within a relative distance of TIE_TOLERANCE
(1e-9) of a tie at the printed precision onto the tie, then rounds half-up (away from zero, so -7.25 → -7.3).
Floating-point error on the ratios we publish is ~1e-15 relative, six orders below the tolerance; a true value
that close to a tie without being one cannot arise from counts of the sizes we handle. Where the integer
numerator and denominator are at hand, `ratio` rounds the exact fraction (no tolerance needed).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

DASH = "—"
TIE_TOLERANCE = Decimal("1e-9")
MAX_TIE_DISTANCE = Decimal("1e-3")  # in units of the last printed digit


def _snap_tie(value: Decimal, decimals: int) -> Decimal:
    """The exact tie at `decimals` places if `value` is within TIE_TOLERANCE (relative) of one, else `value`."""
    scaled = value.scaleb(decimals)
    tie = scaled.to_integral_value(rounding="ROUND_FLOOR") + Decimal("0.5")
    # relative tolerance, but never more than a thousandth of the last printed digit: at 1e9 units a purely
    # relative 1e-9 would reach half a digit and move every value onto a tie (17616792 → 17616792.01)
    if abs(scaled - tie) <= min(TIE_TOLERANCE * max(Decimal(1), abs(scaled)), MAX_TIE_DISTANCE):
        return tie.scaleb(-decimals)
    return value


def round_half_up(value: float | Decimal | Fraction, decimals: int) -> Decimal:
    """Round half-up on the decimal value as printed (2.25 → 2.3, not banker's 2.2; 7.2499999… from a ratio
    that is exactly 7.25 → 7.3; -7.25 → -7.3). A zero result is always +0 (never prints '-0.0').

    A float is first turned into its shortest decimal representation (repr), so 2.675 (stored as 2.67499999…)
    rounds to 2.68 as a statistician expects. A Fraction is rounded exactly."""
    quantum = Decimal(1).scaleb(-decimals)
    if isinstance(value, Fraction):
        scaled = value * 10**decimals
        whole = math.floor(abs(scaled) + Fraction(1, 2))
        result = Decimal(whole if scaled >= 0 else -whole).scaleb(-decimals).quantize(quantum)
    else:
        exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
        result = _snap_tie(exact, decimals).quantize(quantum, rounding=ROUND_HALF_UP)
    return abs(result) if result == 0 else result


def is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def number(value: float | Fraction | None, decimals: int = 0, *, thousands: bool = False) -> str:
    """Format a number for a table cell; missing, NaN and inf give '—'."""
    if is_missing(value):  # type: ignore[arg-type]
        return DASH
    rounded = round_half_up(value, decimals)  # type: ignore[arg-type]
    return f"{rounded:,.{decimals}f}" if thousands else f"{rounded:.{decimals}f}"


def ratio(numerator: int, denominator: int, decimals: int, *, scale: int = 1) -> str:
    """scale × numerator / denominator from integer counts, rounded exactly (rational arithmetic); '—' if the
    denominator is 0."""
    if denominator == 0:
        return DASH
    return number(Fraction(numerator * scale, denominator), decimals)


def display_value(value: float | None, decimals: int) -> float | None:
    """The value to store in a spreadsheet cell shown with `decimals` places: full precision, except that a value
    which displays as zero is stored as 0 (a number format would show '-0.0' or '+0.0') and a value within the
    tie tolerance of an exact tie is stored as the tie (so the spreadsheet's own rounding gives the printed digit)."""
    if is_missing(value):
        return None
    exact = Decimal(repr(float(value)))  # type: ignore[arg-type]
    if round_half_up(exact, decimals) == 0:
        return 0.0
    snapped = _snap_tie(exact, decimals)
    return float(snapped) if snapped != exact else float(value)  # type: ignore[arg-type]


WAN = 10000  # 万: the scale of a count printed in 万人次 / 万人


def in_wan(value: float) -> Decimal:
    """value ÷ 10000 exactly (the decimal value of the float, moved four places: 11500 → 1.15, not the binary
    1.1499…), so a tie at the printed precision rounds half-up as printed."""
    return Decimal(repr(float(value))).scaleb(-4)


def wan(value: float | None, decimals: int = 1, *, thousands: bool = False) -> str:
    """A count in 万 (ten thousands), half-up on the exact quotient: 1234567 → '123.5', 11500 → '1.2',
    12500 → '1.3'; missing → '—'."""
    if is_missing(value):
        return DASH
    rounded = round_half_up(in_wan(value), decimals)  # type: ignore[arg-type]
    return f"{rounded:,.{decimals}f}" if thousands else f"{rounded:.{decimals}f}"


def signed(value: float | None, decimals: int = 1) -> str:
    """A change with its sign, '+3.2' / '-1.0' / '0.0' (a change that rounds to zero has no sign); '—' when
    missing."""
    if is_missing(value):
        return DASH
    text = number(value, decimals)
    if text.startswith("-") or round_half_up(value, decimals) == 0:  # type: ignore[arg-type]
        return text
    return "+" + text


def percent_near_full(numerator: int, denominator: int, decimals: int = 1, *, max_decimals: int = 4) -> str:
    """A rate in % (上报率, 及时率) that never prints 100.0 when below 100: when the rounded value would read 100
    but some are missing, more decimals are shown (99.98) until it no longer does; '—' if the denominator is 0.
    The convention of the national bulletins: a rate is printed as 100% only when nothing is missing."""
    if denominator == 0:
        return DASH
    exact = Fraction(100 * numerator, denominator)
    places = decimals
    while numerator < denominator and round_half_up(exact, places) >= 100 and places < max_decimals:
        places += 1
    if numerator < denominator and round_half_up(exact, places) >= 100:  # truncate rather than print 100
        return f"{Decimal(math.floor(exact * 10**places)).scaleb(-places):.{places}f}"
    return number(exact, places)


def percent(value: float | None, decimals: int = 1, *, max_decimals: int = 4) -> str:
    """A rate in % from a float: like `percent_near_full`, a value below 100 never prints as 100.0."""
    if is_missing(value):
        return DASH
    places = decimals
    while value < 100 and round_half_up(value, places) >= 100 and places < max_decimals:  # type: ignore[operator]
        places += 1
    return number(value, places)


# Wording of a change by the catalogue's change unit: (up, down).
CHANGE_WORDS: dict[str, tuple[str, str]] = {"%": ("增长", "下降"), "百分点": ("提高", "降低"), "日": ("延长", "缩短"),
                                            "次": ("增加", "减少"), "张": ("增加", "减少"), "人": ("增加", "减少")}


def change_phrase(change: float | None, unit: str, decimals: int = 1) -> str:
    """'增长3.2%' / '降低0.4个百分点' / '缩短0.3日' / '持平'; '无可比数据' when there is no base."""
    if change is None:
        return "无可比数据"
    text = number(abs(change), decimals)
    if set(text) <= {"0", "."}:
        return "持平"
    up, down = CHANGE_WORDS.get(unit, ("增加", "减少"))
    word = up if change > 0 else down
    suffix = {"%": "%", "百分点": "个百分点"}.get(unit, unit)
    return f"{word}{text}{suffix}"
