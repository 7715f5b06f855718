"""规划主要指标监测与终期评估：带类型的目标、序时进度和达标状态。

A target is typed data (one table per plan, named in ``pipeline/catalogues/plans.yaml``), never free text:

* ``value``  a numeric target (“8”, “78左右”): reached when the value is at or beyond the target in the
  indicator's direction, or within ``tolerance`` of it (“左右”);
* ``ge`` / ``le``  “≥T” / “≤T”;
* ``growth_pct``  “增长30%”: the target is baseline × (1 + 30/100) (a negative number is a reduction);
* ``better_than_province``  “优于全省平均”: compared with the province's value of the same year
  (``data/reference/province.csv``); a year the province has not published yet gives 无数据;
* ``pending``  the target itself is still to be published by the province (待省公布): 无数据;
* ``tbd``  the plan has not set this target yet (待定): status 待定, no schedule line.

A blank ``baseline`` is taken from the computed value of the baseline year (a new plan whose base year is
the previous plan's last year); :func:`monitor` fills it in.

序时进度 (the expected-progress line) for year Y is baseline + (target − baseline) × elapsed, with
elapsed = (Y − baseline year) / (target year − baseline year), clipped to [0, 1] (domain.md §6).
Status, honouring the direction (up: larger is better; down: smaller is better):
已达标 (the target is reached) › 达到序时进度 (on or beyond the line) › 未达序时进度 (behind it);
无数据 when the value, the province's value or the target is not available.
In the plan's final year (``final=True``, 终期评估) the status is 已实现 / 未实现 the plan target, and the
gap (target − value, in the indicator's unit) is given for every missed target.
Comparisons use the unrounded 统计值, not the printed figure: 1.2701 against a target of 1.274 is not reached
although both print as 1.27 (the note says so); the published rounding is for display only.
约束性 (binding) indicators come first in every listing, then 预期性, each in file order.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline import fmt
from pipeline.errors import UserError

FORMS = ("value", "le", "ge", "growth_pct", "better_than_province", "pending", "tbd")
KINDS = ("约束性", "预期性")
DIRECTIONS = ("up", "down")

ACHIEVED = "已达标"
ON_TRACK = "达到序时进度"
BEHIND = "未达序时进度"
NO_DATA = "无数据"
TBD = "待定"
MET = "已实现"
MISSED = "未实现"
STATUSES = (ACHIEVED, ON_TRACK, BEHIND, NO_DATA, TBD, MET, MISSED)
MONITOR_STATUSES = (ACHIEVED, ON_TRACK, BEHIND, NO_DATA, TBD)
FINAL_STATUSES = (MET, MISSED, NO_DATA, TBD)

COLUMNS = ("indicator_id", "name", "unit", "kind", "baseline_year", "baseline", "target_year", "target_form",
           "target_value", "direction", "tolerance", "province_indicator", "wording", "note")


@dataclass(frozen=True)
class Target:
    indicator_id: str
    name: str
    unit: str
    kind: str  # 约束性 / 预期性
    baseline_year: int
    baseline: float | None
    target_year: int
    form: str
    target_value: float | None
    direction: str  # up / down
    tolerance: float = 0.0
    province_indicator: str = ""
    wording: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        where = f"指标 {self.indicator_id}"
        if self.form not in FORMS:
            raise UserError(f"目标表：{where} 的目标形式“{self.form}”无效（可选：{'、'.join(FORMS)}）")
        if self.kind not in KINDS:
            raise UserError(f"目标表：{where} 的指标属性“{self.kind}”无效（应为 约束性 或 预期性）")
        if self.direction not in DIRECTIONS:
            raise UserError(f"目标表：{where} 的方向“{self.direction}”无效（up 越大越好 / down 越小越好）")
        if self.form in ("value", "le", "ge", "growth_pct") and self.target_value is None:
            raise UserError(f"目标表：{where} 的目标形式为 {self.form}，但没有填写 target_value")
        if self.target_year <= self.baseline_year:
            raise UserError(f"目标表：{where} 的目标年份应晚于基期年份")

    @property
    def province_key(self) -> str:
        """The indicator id of the province's comparison value (its own id unless told)."""
        return self.province_indicator or self.indicator_id

    @property
    def up(self) -> bool:
        return self.direction == "up"

    def resolved_target(self) -> float | None:
        """The numeric target: T itself, or baseline × (1 + pct/100) for a growth target; None otherwise."""
        if self.form in ("value", "le", "ge"):
            return self.target_value
        if self.form == "growth_pct" and self.baseline is not None:
            assert self.target_value is not None
            return self.baseline * (1 + self.target_value / 100)
        return None

    def schedule_line(self, year: int) -> float | None:
        """序时进度: baseline + (target − baseline) × elapsed share of the plan period."""
        target = self.resolved_target()
        if target is None or self.baseline is None:
            return None
        elapsed = (year - self.baseline_year) / (self.target_year - self.baseline_year)
        elapsed = min(1.0, max(0.0, elapsed))
        return self.baseline + (target - self.baseline) * elapsed

    def target_text(self) -> str:
        if self.form == "tbd":
            return self.wording or TBD
        return self.wording or (fmt.number(self.resolved_target(), 2) if self.resolved_target() is not None else "—")


@dataclass(frozen=True)
class Assessment:
    status: str
    line: float | None  # 序时进度 of the year (None for 优于全省 / 无数据)
    target: float | None  # the resolved numeric target
    comparison: float | None  # the province's value for 优于全省
    note: str = ""
    gap: float | None = None  # final year, missed: how far the value is from the target (always ≥ 0)


def _close_call(value: float, edge: float, decimals: int, what: str = "规划目标") -> str:
    """The note for a value short of ``edge`` that prints the same as it (judged on the 统计值)."""
    if fmt.round_half_up(value, decimals) != fmt.round_half_up(edge, decimals):
        return ""
    return (f"统计值{value:.{decimals + 2}f}未达到{what}{edge:.{decimals + 2}f}"
            f"（按公布位数均为{fmt.number(value, decimals)}，以统计值为准）")


def _edge(target: Target, goal: float) -> float:
    """The value at which the target counts as reached (the target less the “左右” tolerance)."""
    tol = target.tolerance if target.form == "value" else 0.0
    return goal - tol if target.up else goal + tol


def _reached(target: Target, value: float, goal: float) -> bool:
    edge = _edge(target, goal)
    return value >= edge if target.up else value <= edge


def _gap(target: Target, value: float, goal: float) -> float:
    return abs(_edge(target, goal) - value)


def _province_assessment(target: Target, year: int, value: float, province: float | None, final: bool
                         ) -> Assessment:
    if province is None:
        return Assessment(NO_DATA, None, None, None, f"全省{year}年数据待省公布")
    better = value < province if not target.up else value > province
    yes, no = (MET, MISSED) if final else (ACHIEVED, BEHIND)
    gap = None if better or not final else abs(value - province)
    return Assessment(yes if better else no, None, None, province, "优于全省" if better else "未优于全省", gap)


def assess(target: Target, year: int, value: float | None, *, decimals: int,
           province: float | None = None, final: bool = False) -> Assessment:
    """The status of one indicator in one year (see the module docstring); ``decimals`` is the printed
    precision, used only to say so when a value that prints as the target is short of it."""
    resolved = target.resolved_target()
    if target.form == "tbd":
        return Assessment(TBD, None, None, None, "规划目标待定")
    if target.form == "pending":
        return Assessment(NO_DATA, None, None, None, "目标值待省公布")
    if value is None or fmt.is_missing(value):
        return Assessment(NO_DATA, target.schedule_line(year), resolved, province, f"{year}年数据暂缺")
    if target.form == "better_than_province":
        return _province_assessment(target, year, value, province, final)
    if resolved is None:  # a growth target whose base-year value is not known
        return Assessment(NO_DATA, None, None, None, "基期值暂缺，无法确定目标值")
    line = target.schedule_line(year)
    if _reached(target, value, resolved):
        return Assessment(MET if final else ACHIEVED, line, resolved, None)
    note = _close_call(value, _edge(target, resolved), decimals)
    if final:
        return Assessment(MISSED, line, resolved, None, note, _gap(target, value, resolved))
    if line is None:
        return Assessment(BEHIND, None, resolved, None, note or "无基期值，只能与目标比较")
    on_track = value >= line if target.up else value <= line
    if not on_track and not note:
        note = _close_call(value, line, decimals, "序时进度")
    return Assessment(ON_TRACK if on_track else BEHIND, line, resolved, None, note)


def ordered(targets: Sequence[Target]) -> list[Target]:
    """约束性 first, then 预期性; file order within each kind."""
    return sorted(targets, key=lambda t: KINDS.index(t.kind))


def _float(text: str | None, where: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise UserError(f"{where}：“{text}”不是数字") from exc


def load_targets(path: Path) -> tuple[Target, ...]:
    """Read and validate the target table; every problem names the file and the line."""
    if not path.is_file():
        raise UserError(f"找不到规划目标表 {path}",
                        hint="请按 pipeline/catalogues/plans.yaml 中该规划的 targets 提供目标表（列见 data/README.md 第 6 节）")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise UserError(f"目标表 {path.name} 缺少列：{'、'.join(missing)}")
        out = []
        seen: set[str] = set()
        for line, row in enumerate(reader, start=2):
            where = f"目标表 {path.name} 第 {line} 行"
            ind = row["indicator_id"].strip()
            if ind in seen:
                raise UserError(f"{where}：指标 {ind} 重复")
            seen.add(ind)
            try:
                baseline_year, target_year = int(row["baseline_year"]), int(row["target_year"])
            except ValueError as exc:
                raise UserError(f"{where}：基期年份和目标年份应为整数") from exc
            out.append(Target(
                indicator_id=ind, name=row["name"].strip(), unit=row["unit"].strip(), kind=row["kind"].strip(),
                baseline_year=baseline_year, baseline=_float(row["baseline"], where), target_year=target_year,
                form=row["target_form"].strip(), target_value=_float(row["target_value"], where),
                direction=row["direction"].strip(), tolerance=_float(row["tolerance"], where) or 0.0,
                province_indicator=row["province_indicator"].strip() or ind, wording=row["wording"].strip(),
                note=row["note"].strip(),
            ))
    return tuple(out)


def load_province(path: Path) -> dict[tuple[str, int], float]:
    """Province comparison values: (indicator_id, year) → value. A missing file is an empty table."""
    if not path.is_file():
        return {}
    out: dict[tuple[str, int], float] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            value = _float(row.get("value"), f"全省对比值表 {path.name} 第 {line} 行")
            if value is not None:
                out[(row["indicator_id"].strip(), int(row["year"]))] = value
    return out


@dataclass(frozen=True)
class MonitoringRow:
    target: Target
    values: dict[int, float | None]  # year → value, for every year of the plan up to the report year
    assessment: Assessment
    decimals: int


def monitor(targets: Sequence[Target], year: int, value_of: Callable[[str, int], float | None],
            decimals_of: Callable[[str], int], province: Mapping[tuple[str, int], float], *,
            final: bool = False) -> list[MonitoringRow]:
    """One row per target, 约束性 first: the yearly values since the baseline year and the report year's status
    (终期评估 when ``final``). A blank baseline is the computed value of the baseline year."""
    rows = []
    for t in ordered(targets):
        if t.baseline is None:
            t = dataclasses.replace(t, baseline=value_of(t.indicator_id, t.baseline_year))
        years = range(t.baseline_year, year + 1)
        values = {y: value_of(t.indicator_id, y) for y in years}
        d = decimals_of(t.indicator_id)
        a = assess(t, year, values.get(year), decimals=d, province=province.get((t.province_key, year)), final=final)
        rows.append(MonitoringRow(t, values, a, d))
    return rows


def status_counts(rows: Sequence[MonitoringRow]) -> dict[str, int]:
    return {s: sum(1 for r in rows if r.assessment.status == s) for s in STATUSES}


def gap_text(row: MonitoringRow) -> str:
    """'差0.06' in the indicator's printed precision (the gap of a missed target), else ''."""
    gap = row.assessment.gap
    return "" if gap is None else f"差{fmt.number(gap, row.decimals)}"
