"""合成样例城市数据（岳阳市模型城市）。Synthetic sample data for the model city.

``generate(root)`` writes, deterministically (byte-identical on every run):

* ``data/reference/regions.csv``     — 行政区划（10 个县级单位 + 2 个功能区 + 全市）
* ``data/reference/population.csv``  — 常住人口 2020–2025
* ``data/reference/registry.csv``    — 机构名录（约 4100 家，统一社会信用代码校验位有效）
* ``data/raw/<YYYY-MM>/月报_医疗卫生机构_<YYYY>年<M>月.xlsx`` — 2024-01 … 2025-12 直报导出
* ``data/README.md``                 — 说明与预置缺陷清单

All institutions, codes and values are synthetic. Only ``random.Random`` is used
(no numpy, no wall clock): registry randomness comes from ``random.Random(seed)``,
each institution's monthly series from ``random.Random(f"{seed}:{org_code}")`` so a
month's file does not depend on which other months are written.

The institution type table (WS 218) is hand-written reference data in
``pipeline/catalogues/institution_types.csv`` and is read, not generated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pipeline.render.xlsx import workbook_bytes
from pipeline.sample.codes import is_valid_uscc, org_code_check_char, uscc_check_char  # noqa: F401 (public names)
from pipeline.sample.constants import (
    ALL_MONTHS,
    CITY_CODE,
    CITY_NAME,
    DEFAULT_SEED,
    DUE_DAY,
    DUPLICATE_PERIOD,
    FILLING_UNIT,
    GROUP_ORDER,
    LATE_PERIOD,
    MISSING_PERIOD,
    MONEY_UNIT,
    POP_YEARS,
    SHEET_NAME,
)
from pipeline.sample.places import REGIONS
from pipeline.sample.readme import readme_text
from pipeline.sample.registry import (
    _build_registry,
    _Inst,
    _load_items,
    _load_types,
    _Plan,
    _TypeInfo,
    _weighted,  # noqa: F401 (used by pipeline.sample.annual)
)
from pipeline.sample.values import (
    MONEY_ITEMS,
    _check_row,
    _clip,
    _month_bounds,
    _simulate,
)

__all__ = [
    "ALL_MONTHS",
    "PlantedDefect",
    "SampleSummary",
    "generate",
    "main_summary_text",
    "month_file_relpath",
    "uscc_check_char",
    "org_code_check_char",
    "is_valid_uscc",
]


# --------------------------------------------------------------------------------------
# 预置缺陷、上报时间
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlantedDefect:
    kind: str  # "duplicate" | "late" | "missing"
    period: str
    org_code: str
    name: str
    region_code: str
    description: str  # 中文说明
    submitted_at: tuple[str, ...] = ()  # 涉及的上报时间
    values: tuple[tuple[str, str], ...] = ()  # (item id, "错误值→正确值") for the duplicate


_RESUBMIT_FACTOR = 0.85  # 首次上报漏录月末数据：流量项约为正确值的 85%
_RESUBMIT_ITEMS = ("visits", "oe_visits", "appointment_visits", "discharges", "deaths", "discharged_bed_days",
                   "health_checks") + MONEY_ITEMS


def _submission_time(inst: _Inst, seed: int, period: str) -> dt.datetime:
    y, m = int(period[:4]), int(period[5:])
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    r0 = random.Random(f"{seed}:submit:{inst.org_code}")
    habit = r0.randint(3, 8) if inst.group == "医院" else r0.randint(4, 14)
    r = random.Random(f"{seed}:submit:{inst.org_code}:{period}")
    day = int(_clip(habit + r.randint(-2, 3), 1, 18))
    hour = r.choice((8, 9, 9, 10, 10, 10, 11, 14, 15, 15, 16, 16, 17, 19, 21))
    return dt.datetime(ny, nm, day, hour, r.randrange(60), r.randrange(60))


def _fmt_ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def _reporters(registry: list[_Inst], period: str) -> list[_Inst]:
    first, last, _ = _month_bounds(period)
    return [i for i in registry if i.files_monthly and not i.is_branch and i.open_in(first, last)]


def _plan(seed: int, types: dict[str, _TypeInfo]) -> _Plan:
    registry = _build_registry(seed, types)
    expected = {p: _reporters(registry, p) for p in ALL_MONTHS}
    monthly = sorted({i.org_code: i for p in ALL_MONTHS for i in expected[p]}.values(), key=lambda i: i.org_code)
    series = {i.org_code: _simulate(i, seed) for i in monthly}
    rng = random.Random(f"{seed}:defects")
    every = set.intersection(*({i.org_code for i in expected[p]} for p in ALL_MONTHS))
    always = [i for i in monthly if i.org_code in every]
    dup = rng.choice([i for i in always if i.group == "医院" and i.hospital_level == "二级甲等"])
    late = rng.choice([i for i in always if i.type_code == "B100"])
    missing = rng.choice([i for i in always if i.type_code in ("C210", "C220")])
    first = _submission_time(dup, seed, DUPLICATE_PERIOD)
    first = first.replace(day=min(first.day, 9))
    second = (first + dt.timedelta(days=rng.randint(3, 6))).replace(hour=rng.randint(9, 16),
                                                                      minute=rng.randrange(60),
                                                                      second=rng.randrange(60))
    late_time = dt.datetime(2025, 11, 27, 16, 42, 8)
    return _Plan(registry, series, expected, dup, late, missing, late_time, (first, second))


def _defects(plan: _Plan) -> tuple[PlantedDefect, ...]:
    d = plan.duplicate
    good = plan.series[d.org_code][DUPLICATE_PERIOD]
    bad = _resubmission_first(good)
    changed = tuple(
        (k, f"{_fmt_value(k, bad[k])}→{_fmt_value(k, good[k])}") for k in _RESUBMIT_ITEMS if bad[k] != good[k]
    )
    t1, t2 = plan.dup_times
    return (
        PlantedDefect(
            "duplicate", DUPLICATE_PERIOD, d.org_code, d.name, d.region_code,
            f"同一机构同一报告期出现两行（重复上报/更正上报）。第一行上报时间 {_fmt_ts(t1)}，流量项漏录月末数据"
            f"（约为正确值的 85%）；第二行上报时间 {_fmt_ts(t2)} 为更正后的正确数据，应保留第二行。",
            (_fmt_ts(t1), _fmt_ts(t2)), changed,
        ),
        PlantedDefect(
            "late", LATE_PERIOD, plan.late.org_code, plan.late.name, plan.late.region_code,
            f"迟报：{LATE_PERIOD} 报表的上报时间为 {_fmt_ts(plan.late_time)}，晚于次月 {DUE_DAY} 日截止日；数值本身正确。",
            (_fmt_ts(plan.late_time),),
        ),
        PlantedDefect(
            "missing", MISSING_PERIOD, plan.missing.org_code, plan.missing.name, plan.missing.region_code,
            f"漏报：该乡镇卫生院在 {MISSING_PERIOD} 正常开业、非分支机构、应报月报，但导出文件中没有该机构的行"
            f"（{DUPLICATE_PERIOD} 及以前各月均有）。",
        ),
    )


def _resubmission_first(good: dict[str, int]) -> dict[str, int]:
    bad = dict(good)
    for k in _RESUBMIT_ITEMS:
        bad[k] = math.floor(good[k] * _RESUBMIT_FACTOR)
    return bad


def _fmt_value(item: str, v: int) -> str:
    return f"{v / 10:.1f}" if item in MONEY_ITEMS else str(v)


# --------------------------------------------------------------------------------------
# 写文件
# --------------------------------------------------------------------------------------
def month_file_relpath(period: str) -> str:
    y, m = int(period[:4]), int(period[5:])
    return f"data/raw/{period}/月报_医疗卫生机构_{y}年{m}月.xlsx"


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["true" if v is True else "false" if v is False else "" if v is None else v for v in row])
    return buf.getvalue()


def _population_rows(seed: int) -> list[tuple[str, int, int]]:
    rng = random.Random(f"{seed}:population")
    rows: list[tuple[str, int, int]] = []
    by_year: dict[int, int] = {y: 0 for y in POP_YEARS}
    unit_rows = []
    for reg in REGIONS:
        base = reg.pop2020 + rng.randint(-900, 900)
        for y in POP_YEARS:
            v = round(base * (1 + reg.growth) ** (y - 2020) * (1 + rng.uniform(-0.0008, 0.0008)))
            unit_rows.append((reg.code, y, v))
            by_year[y] += v
    rows.extend((CITY_CODE, y, by_year[y]) for y in POP_YEARS)
    rows.extend(unit_rows)
    return rows


def _export_time(period: str) -> dt.datetime:
    y, m = int(period[:4]), int(period[5:])
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    return dt.datetime(ny, nm, 21, 9, 0, 0)


def _month_rows(plan: _Plan, period: str, seed: int) -> list[tuple[_Inst, dt.datetime, dict[str, int]]]:
    rows = []
    for inst in plan.expected[period]:
        if period == MISSING_PERIOD and inst is plan.missing:
            continue
        values = plan.series[inst.org_code][period]
        ts = _submission_time(inst, seed, period)
        if period == LATE_PERIOD and inst is plan.late:
            ts = plan.late_time
        if period == DUPLICATE_PERIOD and inst is plan.duplicate:
            rows.append((inst, plan.dup_times[0], _resubmission_first(values)))
            ts = plan.dup_times[1]
        rows.append((inst, ts, values))
    rows.sort(key=lambda x: (x[0].region_code, x[0].org_code, x[1]))
    return rows


def _xlsx_bytes(period: str, ident: list[tuple[str, str]], items: list[tuple[str, str]],
                rows: list[tuple[_Inst, dt.datetime, dict[str, int]]]) -> bytes:
    y, m = int(period[:4]), int(period[5:])
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    ncol = len(ident) + len(items)
    last_col = get_column_letter(ncol)
    ws.cell(row=1, column=1, value=f"医疗卫生机构月报表（{y}年{m}月）")
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 24
    ws.cell(row=2, column=1, value=FILLING_UNIT)
    ws.merge_cells("A2:D2")
    ws.cell(row=2, column=ncol, value=MONEY_UNIT).alignment = Alignment(horizontal="right")
    labels = [lab for _, lab in ident] + [lab for _, lab in items]
    for c, lab in enumerate(labels, start=1):
        cell = ws.cell(row=3, column=c, value=lab)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[3].height = 30
    for inst, ts, v in rows:
        identity = {
            "org_code": inst.org_code, "name": inst.name, "region_code": inst.region_code,
            "type_code": inst.type_code, "reg_type": inst.reg_type, "sponsor": inst.sponsor,
            "hospital_level": inst.hospital_level or None, "period": period, "submitted_at": _fmt_ts(ts),
        }
        out: list[object] = []
        for key, _ in ident:
            if key not in identity:
                raise KeyError(f"items.yaml identity column {key!r} is not generated by sample_data")
            out.append(identity[key])
        for key, _ in items:
            if key not in v:
                raise KeyError(f"items.yaml item {key!r} is not generated by sample_data")
            out.append(v[key] / 10 if key in MONEY_ITEMS else v[key])
        ws.append(out)
    widths = {"org_code": 22, "name": 34, "submitted_at": 20, "region_code": 10}
    for c, (key, _) in enumerate(ident + items, start=1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(key, 12)
    ws.freeze_panes = "C4"
    export = _export_time(period)
    wb.properties.creator = "国家卫生统计网络直报系统"
    wb.properties.lastModifiedBy = "岳阳市卫生健康委员会"
    wb.properties.created = export
    wb.properties.modified = export
    wb.properties.title = f"医疗卫生机构月报表（{y}年{m}月）"
    return workbook_bytes(wb, export)


def _write_if_changed(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_bytes() == data:
        return
    path.write_bytes(data)


# --------------------------------------------------------------------------------------
# 汇总与说明
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleSummary:
    root: str
    seed: int
    institutions: int
    by_group: tuple[tuple[str, int], ...]
    reporters_per_month: tuple[tuple[str, int], ...]  # 应报机构数（全部 24 个月）
    rows_per_month: tuple[tuple[str, int], ...]  # 本次写出的文件的数据行数
    monthly_files: tuple[str, ...]  # 相对 root 的路径
    reference_files: tuple[str, ...]
    defects: tuple[PlantedDefect, ...] = field(default=())

    def __str__(self) -> str:
        return main_summary_text(self)

    @property
    def by_group_dict(self) -> dict[str, int]:
        return dict(self.by_group)

    @property
    def rows_dict(self) -> dict[str, int]:
        return dict(self.rows_per_month)


def main_summary_text(summary: SampleSummary) -> str:
    g = summary.by_group_dict
    lines = [
        f"样例数据已生成（岳阳市模型城市，合成数据，随机种子 {summary.seed}）：{summary.root}",
        f"  机构名录 {summary.institutions} 家：" + "，".join(f"{k} {g.get(k, 0)}" for k in GROUP_ORDER),
    ]
    rep = [n for _, n in summary.reporters_per_month]
    if rep:
        lines.append(f"  月报应报机构 {min(rep)}–{max(rep)} 家/月（2024-01 至 2025-12）")
    if summary.monthly_files:
        rows = [n for _, n in summary.rows_per_month]
        months = [p for p, _ in summary.rows_per_month]
        lines.append(
            f"  写出月报文件 {len(summary.monthly_files)} 个（{months[0]} 至 {months[-1]}），每个 {min(rows)}–{max(rows)} 行"
        )
    else:
        lines.append("  未写出月报文件")
    kinds = {"duplicate": "重复上报", "late": "迟报", "missing": "漏报"}
    for d in summary.defects:
        lines.append(f"  预置缺陷·{kinds[d.kind]}：{d.period} {d.name}（{d.org_code}）")
    lines.append("  参考数据：" + "、".join(summary.reference_files))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# 入口
# --------------------------------------------------------------------------------------
def generate(root: Path, seed: int = DEFAULT_SEED, months: Sequence[str] | None = None,
             progress: bool = True) -> SampleSummary:
    """Write the sample city's reference data, monthly exports and README under ``root``.

    ``months`` limits which monthly xlsx files are written (default: all 24, 2024-01 … 2025-12);
    the reference CSVs and README are always written and do not depend on ``months``.
    """
    root = Path(root)
    if months is None:
        months = ALL_MONTHS
    bad = [p for p in months if p not in ALL_MONTHS]
    if bad:
        raise ValueError(f"months outside 2024-01…2025-12: {bad}")
    months = [p for p in ALL_MONTHS if p in set(months)]
    types = _load_types()
    ident, items = _load_items()
    plan = _plan(seed, types)
    defects = _defects(plan)

    ref = root / "data" / "reference"
    _write_text(ref / "regions.csv", _csv_text(
        ("region_code", "region_name", "region_kind", "national_code"),
        [(CITY_CODE, CITY_NAME, "市", True)] + [(r.code, r.name, r.kind, r.national) for r in REGIONS]))
    _write_text(ref / "population.csv", _csv_text(("region_code", "year", "population"), _population_rows(seed)))
    _write_text(ref / "registry.csv", _csv_text(
        ("org_code", "name", "region_code", "type_code", "reg_type", "sponsor", "hospital_level", "is_branch",
         "opened", "closed"),
        [(i.org_code, i.name, i.region_code, i.type_code, i.reg_type, i.sponsor, i.hospital_level, i.is_branch,
          i.opened.isoformat(), i.closed.isoformat() if i.closed else "") for i in plan.registry]))
    _write_text(root / "data" / "README.md", readme_text(plan, types, ident, items, defects, seed))

    files: list[str] = []
    rows_per_month: list[tuple[str, int]] = []
    for period in months:
        rows = _month_rows(plan, period, seed)
        days = _month_bounds(period)[2]
        for inst, _, v in rows:
            errs = _check_row(v, days)
            if errs:  # pragma: no cover - generator bug
                raise AssertionError(f"{period} {inst.org_code} {inst.name}: {errs}")
        rel = month_file_relpath(period)
        _write_if_changed(root / rel, _xlsx_bytes(period, ident, items, rows))
        files.append(rel)
        rows_per_month.append((period, len(rows)))
        if progress:
            print(f"月报 {period}：{len(rows)} 行 → {rel}", file=sys.stderr)

    by_group = {k: 0 for k in GROUP_ORDER}
    for i in plan.registry:
        by_group[i.group] += 1
    return SampleSummary(
        root=str(root),
        seed=seed,
        institutions=len(plan.registry),
        by_group=tuple(by_group.items()),
        reporters_per_month=tuple((p, len(plan.expected[p])) for p in ALL_MONTHS),
        rows_per_month=tuple(rows_per_month),
        monthly_files=tuple(files),
        reference_files=("data/reference/regions.csv", "data/reference/population.csv",
                         "data/reference/registry.csv", "data/README.md"),
        defects=defects,
    )


if __name__ == "__main__":  # pragma: no cover
    print(main_summary_text(generate(Path.cwd())))
