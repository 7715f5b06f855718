"""The annual figures beside the December 月报's 1—12月 totals (快报数), so the 说明 can reconcile them.

The 月报 covers the institutions that report monthly and is a flash figure; the annual report covers every
institution after year-end verification. Both are official; a reader who meets 296.2 元 in the 月报 and 296.1 元 here
must be told which to use. Which indicators are listed is a catalogue (``catalogues/monthly_vs_annual.yaml``); the
monthly values come from the indicators stage's table (the same numbers the 月报 prints).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import fmt
from pipeline.errors import UserError
from pipeline.figures import FigureLog, flow_period
from pipeline.io_utils import read_yaml

CATALOGUE = Path(__file__).resolve().parents[1] / "catalogues" / "monthly_vs_annual.yaml"
MONTHLY_SCOPE = "月报机构口径"


@dataclass(frozen=True)
class PairSpec:
    indicator: str
    breakdown: str
    name: str
    unit: str
    in_wan: bool


@dataclass(frozen=True)
class Pair:
    spec: PairSpec
    decimals: int
    annual: float | None
    monthly: float | None

    def text(self, value: float | None) -> str:
        return fmt.wan(value, 1) if self.spec.in_wan else fmt.number(value, self.decimals, thousands=True)

    @property
    def differs(self) -> bool:
        return self.text(self.annual) != self.text(self.monthly)


def load_specs(path: Path = CATALOGUE) -> tuple[PairSpec, ...]:
    raw = read_yaml(path, "年报与月报对照目录") or {}
    out = []
    for i, entry in enumerate(raw.get("pairs") or [], start=1):
        try:
            out.append(PairSpec(indicator=str(entry["indicator"]), breakdown=str(entry["breakdown"]),
                                name=str(entry["name"]), unit=str(entry.get("unit", "")),
                                in_wan=bool(entry.get("in_wan", False))))
        except (KeyError, TypeError) as exc:
            raise UserError(f"年报与月报对照目录 {path.name} 第{i}项缺少 indicator、breakdown 或 name：{entry!r}。") from exc
    return tuple(out)


def read_monthly(path: Path | None, year: int, city: str) -> pl.DataFrame | None:
    """The city's 1—12月 cumulative rows of ``year`` from the indicators table; None when the table or December is absent."""
    if path is None or not path.is_file():
        return None
    frame = pl.read_parquet(path, columns=["period", "period_type", "indicator_id", "breakdown_id", "region_code",
                                           "value", "decimals"])
    frame = frame.filter((pl.col("period") == f"{year}-12") & (pl.col("period_type") == "累计")
                         & (pl.col("region_code") == city))
    return frame if frame.height else None


def pairs(monthly: pl.DataFrame, annual_value: Any, specs: tuple[PairSpec, ...]) -> list[Pair]:
    """Each listed indicator: the annual value (``annual_value(indicator, breakdown)``) and the 月报's."""
    out = []
    for spec in specs:
        hit = monthly.filter((pl.col("indicator_id") == spec.indicator) & (pl.col("breakdown_id") == spec.breakdown))
        if hit.height != 1:
            raise UserError(f"年报与月报对照目录列出的 {spec.name}（{spec.indicator}/{spec.breakdown}）在月报指标表中"
                            f"{'没有' if hit.height == 0 else '有多个'}对应的数，请核对目录。")
        out.append(Pair(spec=spec, decimals=int(hit["decimals"][0]), annual=annual_value(spec.indicator, spec.breakdown),
                        monthly=hit["value"][0]))
    return out


def note(found: list[Pair], year: int, city: str, log: FigureLog | None = None) -> str:
    """The 说明 sentence; the 月报 values it prints are recorded under the 月报's scope (checked against the 月报)."""
    head = "月报为快报数，只含按月报送的机构；年报含全部医疗卫生机构并经年终核实，全年数据以年报（本报告）为准。"
    differing = [p for p in found if p.differs]
    if not found:
        return head
    if not differing:
        return head + f"本年{'、'.join(p.spec.name for p in found)}的年报数与12月月报1—12月累计数一致。"
    parts = []
    for p in differing:
        monthly_text = p.text(p.monthly)
        parts.append(f"{p.spec.name}年报{p.text(p.annual)}{p.spec.unit}、月报{monthly_text}{p.spec.unit}")
        if log is not None:
            log.add(indicator=p.spec.indicator, breakdown=p.spec.breakdown, scope=MONTHLY_SCOPE, region=city,
                    period=flow_period(year, 1, 12), measure="value", value=p.monthly,
                    decimals=1 if p.spec.in_wan else p.decimals, text=monthly_text,
                    unit_scale=10000.0 if p.spec.in_wan else 1.0, where="说明")
    same = [p.spec.name for p in found if not p.differs]
    tail = f"；{'、'.join(same)}两者一致" if same else ""
    return head + f"本年与12月月报1—12月累计数不同的有：{'；'.join(parts)}{tail}。"
