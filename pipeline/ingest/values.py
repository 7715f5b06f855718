"""Cell values: numbers, codes, text, times (one cell in, one typed value out, ValueError when it is not one)."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from datetime import date, datetime
from typing import Any

ZERO_MARKERS = {"", "-", "—", "–", "--", "/", "－"}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")

_NUM_CLEAN = re.compile(r"[,\s]")
_FLOAT_CODE = re.compile(r"^(\d+)\.0+$")


def parse_number(value: Any) -> float:
    """A cell → float. Blank and '-' mean zero; '1,234', '１２３' and '(12)' style text are accepted.

    Raises ValueError for anything that is not a number.
    """
    if value is None:
        return 0.0
    if isinstance(value, bool):
        raise ValueError("布尔值")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if text in ZERO_MARKERS:
            return 0.0
        number = float(_NUM_CLEAN.sub("", text))
    if not math.isfinite(number):  # 'inf', 'nan', '1e400': never a figure to add up
        raise ValueError("非有限数")
    return number


def parse_code(value: Any) -> str:
    """Codes read as numbers lose nothing but the '.0'; strip spaces, upper-case letters."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    return _FLOAT_CODE.sub(r"\1", text)  # '430602.0' (a number saved as text) → '430602'


def parse_text(value: Any) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = parse_text(value)
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(text)


def _is_blank(values: tuple[Any, ...]) -> bool:
    return all(v is None or str(v).strip() == "" for v in values)


def _raw_json(values: tuple[Any, ...]) -> str:
    return json.dumps(["" if v is None else str(v) for v in values], ensure_ascii=False)

