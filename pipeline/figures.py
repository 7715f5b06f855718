"""Printed figures, recorded for the release-time consistency check (figures.json beside each report).

Every report builder records each figure it prints: indicator id and breakdown, scope (口径), region, period,
measure (value / change), the full-precision value, the printed precision and the displayed text. The release
(pipeline/release/consistency.py) fails when one (indicator, breakdown, scope, region, period, measure) carries
two different values at the printed precision anywhere in the release.

Periods are written one way in every report: a month "2025-12", months 1..N "2025-01~2025-12", a stock at a
month's end "2025-12末" (a year-end stock is "2025-12末" in the annual report too), the mean of month-end stocks
over months 1..N "2025-01~2025-12平均".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pipeline import fmt
from pipeline.io_utils import write_text

FILE_NAME = "figures.json"


def flow_period(year: int, first_month: int, last_month: int) -> str:
    if first_month == last_month:
        return f"{year}-{last_month:02d}"
    return f"{year}-{first_month:02d}~{year}-{last_month:02d}"


def stock_period(year: int, month: int, *, mean_from: int | None = None) -> str:
    if mean_from is not None and mean_from != month:
        return f"{year}-{mean_from:02d}~{year}-{month:02d}平均"
    return f"{year}-{month:02d}末"


def period_words(period: str) -> str:
    """'2025年1-12月' / '2025年12月' / '2025年12月末' for a period key (Chinese list of differences)."""
    mean = period.endswith("平均")
    end = period.endswith("末")
    core = period.removesuffix("平均").removesuffix("末")
    if "~" in core:
        a, b = core.split("~")
        text = f"{a[:4]}年{int(a[5:7])}-{int(b[5:7])}月"
    else:
        text = f"{core[:4]}年{int(core[5:7])}月"
    return text + ("末" if end else "") + ("（月末平均）" if mean else "")


@dataclass(frozen=True)
class Figure:
    indicator: str
    breakdown: str
    scope: str
    region: str
    period: str
    measure: str  # value | change
    value: float | None
    decimals: int  # places printed, in units of `unit_scale` (1761.7 万 → decimals 1, unit_scale 10000)
    text: str
    unit_scale: float = 1.0
    where: str = ""  # 表1 / 正文 …

    @property
    def key(self) -> tuple[str, str, str, str, str, str]:
        return (self.indicator, self.breakdown, self.scope, self.region, self.period, self.measure)

    def exponent(self) -> int:
        """Printed precision as a power of ten of the indicator's unit (万 with 1 decimal → 3)."""
        scale_exp = len(str(int(self.unit_scale))) - 1 if self.unit_scale >= 1 else 0
        return scale_exp - self.decimals

    def at(self, exponent: int) -> str:
        """The value rounded half-up at 10**exponent (what a table with that precision would print)."""
        if self.value is None or fmt.is_missing(self.value):
            return fmt.DASH
        return format(fmt.round_half_up(self.value, -exponent), "f")


# 上报率 / 及时率 (the qc stage's filing status) as printed by the monthly report and the QC 通报: one scope, so the
# release compares them wherever their periods coincide (the quarter to date of the 通报 is the month in a
# quarter's first month, and months 1..N in the first quarter)
RATE_SCOPE = "应报月报机构（机构名录）"
RATE_INDICATORS = {"report_rate": "月报上报率", "timely_rate": "月报及时率"}


def record_rate(log: "FigureLog", indicator: str, region: str, period: str, value: float | None, text: str,
                where: str) -> None:
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    log.add(indicator=indicator, breakdown="total", scope=RATE_SCOPE, region=region, period=period, measure="value",
            value=value, decimals=decimals, text=text, where=where)


class FigureLog:
    """The figures one document prints, in the order printed."""

    def __init__(self, document: str) -> None:
        self.document = document
        self.figures: list[Figure] = []

    def add(self, **fields: Any) -> None:
        value = fields.get("value")
        fields["value"] = None if value is None or fmt.is_missing(value) else float(value)
        self.figures.append(Figure(**fields))

    def write(self, out_dir: Path) -> Path:
        rows = [asdict(f) for f in self.figures]
        unique = {json.dumps(r, ensure_ascii=False, sort_keys=True): r for r in rows}
        payload = {"document": self.document, "figures": [unique[k] for k in sorted(unique)]}
        path = out_dir / FILE_NAME
        write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", path)
        return path


def read(path: Path) -> tuple[str, list[Figure]]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return str(raw["document"]), [Figure(**f) for f in raw["figures"]]
