"""报告期 in every form offices meet, checked against the month folder the file sits in.

报告期可以写成 2023-10、2023年10月、2023/10、2023.10、202310（文本或数字）、2023-10-01，或 Excel 日期。
报告期为空时按文件所在的月份文件夹计，并在行数核对中注明；报告期与文件夹月份不一致的行进入隔离表
（整张表都不一致时整个文件不导入，多半是放错了文件夹）。Excel 把 2023.10 存成数字 2023.1 时分不清是
1 月还是 10 月：与文件夹月份相符的那一个被采用并注明，否则进入隔离表。
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pipeline.period import Month, PeriodError

_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")


@dataclass(frozen=True)
class PeriodReading:
    month: Month | None  # the row's report month; None when it cannot be used
    error: str = ""  # quarantine reason
    note: str = ""  # kept, but something was assumed (blank → folder month)


def _month(year: int, month: int) -> Month | None:
    try:
        return Month(year, month)
    except PeriodError:
        return None


def parse_period_cell(value: Any, folder: Month) -> tuple[Month | None, str]:
    """(month, note) for one cell; month None when it is not a report period in any known form."""
    if isinstance(value, (datetime, date)):
        return Month(value.year, value.month), ""
    if isinstance(value, float) and not value.is_integer():
        year, frac = divmod(round(value * 100), 100)  # 2023.1 (was 2023.10 or 2023.01?) → 2023, 10
        tenth = _month(year, frac // 10) if frac % 10 == 0 else None
        candidates = {m for m in (_month(year, frac), tenth) if m is not None}
        if folder in candidates and len(candidates) > 1:
            return folder, f"报告期“{value}”是被 Excel 存成数字的年.月，按文件夹月份计为 {folder}"
        return (next(iter(candidates)), "") if len(candidates) == 1 else (None, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value))
    text = "".join(unicodedata.normalize("NFKC", str(value)).split())
    for pattern in (_COMPACT, _DATE_TEXT):
        match = pattern.match(text)
        if match:
            return _month(int(match.group(1)), int(match.group(2))), ""
    try:
        return Month.parse(text), ""
    except PeriodError:
        return None, ""


def read_period(value: Any, folder: Month) -> PeriodReading:
    """The row's 报告期 against its folder: blank → folder month with a note; other month → quarantine."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return PeriodReading(folder, note=f"报告期为空，按文件夹月份计为 {folder}")
    month, note = parse_period_cell(value, folder)
    shown = value if not isinstance(value, (datetime, date)) else value.isoformat()
    if month is None:
        return PeriodReading(None, error=f"报告期“{shown}”无法识别（应为 {folder.year}-{folder.month:02d} 这样的年月）")
    if month != folder:
        return PeriodReading(month, error=f"报告期“{shown}”与文件夹月份 {folder} 不符")
    return PeriodReading(month, note=note)
