"""规划目录：五年规划（名称、规划期、基期、目标表、来源文件）和报告年份所处的阶段。

Plans are data (``pipeline/catalogues/plans.yaml``); no plan name, year or file name lives in code.
The report year picks the plan whose period (first_year … last_year) covers it, and its phase:

* ``monitor``  a year inside the plan: 序时进度 as in :mod:`pipeline.annual.targets`;
* ``final``    the plan's last year: 终期评估 (已实现 / 未实现 the plan target, with the gap);
* the first year is a ``monitor`` year that also states the base-year values (:attr:`Phase.first`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import CATALOGUE_DIR
from pipeline.errors import UserError
from pipeline.io_utils import read_yaml

PLANS_PATH = CATALOGUE_DIR / "plans.yaml"
MONITOR = "monitor"
FINAL = "final"
FIELDS = ("id", "name", "first_year", "last_year", "base_year", "targets", "document")


@dataclass(frozen=True)
class Plan:
    id: str
    name: str  # 十四五
    first_year: int
    last_year: int
    base_year: int
    targets: str  # file name under data/reference/
    document: str
    sample: bool = False

    def __post_init__(self) -> None:
        if not self.base_year < self.first_year <= self.last_year:
            raise UserError(f"规划目录 {PLANS_PATH.name}：规划 {self.id} 的年份应满足 基期年 < 首年 ≤ 末年"
                            f"（现为 {self.base_year}、{self.first_year}、{self.last_year}）")

    @property
    def title(self) -> str:
        return f"“{self.name}”规划"

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def phase(self, year: int) -> str:
        return FINAL if year == self.last_year else MONITOR

    def is_first_year(self, year: int) -> bool:
        return year == self.first_year


def _plan(entry: Any, index: int) -> Plan:
    where = f"规划目录 {PLANS_PATH.name} 第 {index} 条"
    if not isinstance(entry, dict):
        raise UserError(f"{where} 应为键值对")
    missing = [k for k in FIELDS if k not in entry]
    if missing:
        raise UserError(f"{where} 缺少：{'、'.join(missing)}", hint="每个规划须写 " + "、".join(FIELDS))
    try:
        years = {k: int(entry[k]) for k in ("first_year", "last_year", "base_year")}
    except (TypeError, ValueError) as exc:
        raise UserError(f"{where}：first_year、last_year、base_year 应为整数年份") from exc
    return Plan(id=str(entry["id"]), name=str(entry["name"]), targets=str(entry["targets"]),
                document=str(entry["document"]), sample=bool(entry.get("sample", False)), **years)


def load_plans(path: Path = PLANS_PATH) -> tuple[Plan, ...]:
    """Every plan of the catalogue, checked: unique ids and periods that do not overlap."""
    data = read_yaml(path, "规划目录") or {}
    plans = tuple(_plan(e, i) for i, e in enumerate(data.get("plans") or [], start=1))
    ids = [p.id for p in plans]
    if len(set(ids)) != len(ids):
        raise UserError(f"规划目录 {path.name} 中规划 id 重复：{'、'.join(sorted({i for i in ids if ids.count(i) > 1}))}")
    ordered = sorted(plans, key=lambda p: p.first_year)
    for a, b in zip(ordered, ordered[1:]):
        if b.first_year <= a.last_year:
            raise UserError(f"规划目录 {path.name}：{a.title}（{a.first_year}–{a.last_year}年）与{b.title}"
                            f"（{b.first_year}–{b.last_year}年）的规划期重叠", hint="请改正其中一个规划的年份")
    return tuple(ordered)


def plan_for(plans: tuple[Plan, ...], year: int) -> Plan | None:
    """The plan whose period covers the year (None when no plan does)."""
    return next((p for p in plans if p.covers(year)), None)


def history_start(plans: tuple[Plan, ...], year: int, span: int = 5) -> int:
    """The first year to compute: the base year of every plan touching the last ``span`` years, at least year − 1."""
    touching = [p.base_year for p in plans if p.first_year <= year and p.last_year >= year - span + 1]
    return min([year - 1, *touching])
