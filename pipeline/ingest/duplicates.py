"""Several rows for one institution and month: the latest 上报时间 wins; identical copies are dropped with a
note; two different rows with the same (latest) 上报时间 cannot be resolved here — both are held back and the
office must ask the institution. Nothing is ever decided by file order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

KEY = ["org_code", "period"]
WHERE = ["file", "sheet", "row"]
RESUBMITTED = "同一机构同一报告期重复报送，已保留上报时间最晚的一条"
IDENTICAL = "与另一行内容完全相同（重复行），已去掉一条"


@dataclass(frozen=True)
class Resolved:
    kept: pl.DataFrame
    replaced: pl.DataFrame  # with a `reason` column
    conflicts: pl.DataFrame  # every row of an unresolvable group (same latest 上报时间, different values)


def resolve(df: pl.DataFrame, *, sort_kept: bool = True) -> Resolved:
    """Split the accepted rows into kept / replaced / conflicting. ``kept`` is sorted by (机构, 报告期, 上报时间,
    file, sheet, row); with ``sort_kept=False`` a table without a repeated (机构, 报告期) is kept in its own order
    (for a caller that sorts the rows itself: sorting every column of a country's table costs seconds)."""
    content = [c for c in df.columns if c not in WHERE]
    if not sort_kept and not df.select(KEY).is_duplicated().any():
        none = df.clear()
        return Resolved(df, none.with_columns(reason=pl.lit(RESUBMITTED)), none)
    ordered = df.sort([*KEY, "submitted_at", "file", "sheet", "row"], nulls_last=False)
    repeated = ordered.select(pl.all_horizontal(pl.col(k).eq_missing(pl.col(k).shift(1)) for k in KEY).any()).item()
    if not repeated:  # the common case, every (机构, 报告期) once (sorted: a repeat is next to its key)
        none = ordered.clear()
        return Resolved(ordered, none.with_columns(reason=pl.lit(RESUBMITTED)), none)
    ordered = ordered.with_columns(_copy=~pl.struct(content).is_last_distinct())
    copies = ordered.filter(pl.col("_copy")).drop("_copy").with_columns(reason=pl.lit(IDENTICAL))
    distinct = ordered.filter(~pl.col("_copy")).drop("_copy")
    latest = pl.col("submitted_at").eq_missing(pl.col("submitted_at").last().over(KEY))
    distinct = distinct.with_columns(_latest=latest).with_columns(_n=pl.col("_latest").sum().over(KEY))
    kept = distinct.filter(pl.col("_latest") & (pl.col("_n") == 1)).drop("_latest", "_n")
    conflicts = distinct.filter(pl.col("_latest") & (pl.col("_n") > 1)).drop("_latest", "_n")
    older = distinct.filter(~pl.col("_latest")).drop("_latest", "_n").with_columns(reason=pl.lit(RESUBMITTED))
    replaced = pl.concat([older, copies]).sort([*KEY, "submitted_at", "file", "sheet", "row"], nulls_last=False)
    return Resolved(kept, replaced, conflicts)


def conflict_rows(conflicts: pl.DataFrame, item_labels: dict[str, str]
                  ) -> tuple[list[dict[str, Any]], list[str], list[dict[str, Any]]]:
    """Quarantine entries (one per row, naming the other rows and the differing columns), a note per group and
    the group itself for QC (institution, period, 上报时间, where the rows are, the differing items): QC reports it
    as a FAIL for the office to ask, and counts the institution as filed (it did report)."""
    entries: list[dict[str, Any]] = []
    notes: list[str] = []
    groups: list[dict[str, Any]] = []
    content = [c for c in conflicts.columns if c not in WHERE]
    for (code, period), group in conflicts.group_by(KEY, maintain_order=True):
        rows = group.sort(WHERE).to_dicts()
        differ = [item_labels.get(c, c) for c in content if len({repr(r[c]) for r in rows}) > 1]
        places = "、".join(f"{r['file']} 工作表“{r['sheet']}”第 {r['row']} 行" for r in rows)
        when = rows[0]["submitted_at"]
        when_text = when.strftime("%Y-%m-%d %H:%M:%S") if when is not None else "空"
        reason = (f"同一机构同一报告期有 {len(rows)} 条上报时间相同（{when_text}）但数值不同的记录（{places}），"
                  f"不同的列：{'、'.join(differ)}；无法判断以哪条为准，请向机构核实")
        notes.append(f"{code}（{rows[0]['name']}）{period}：{reason}")
        groups.append({"org_code": code, "name": rows[0]["name"], "period": period,
                       "region_code": rows[0].get("region_code"), "submitted_at": when_text if when else None,
                       "places": [f"{r['file']} 工作表“{r['sheet']}”第 {r['row']} 行" for r in rows], "items": differ})
        entries.extend({"file": r["file"], "sheet": r["sheet"], "row": r["row"], "org_code": code, "name": r["name"],
                        "period": period, "reason": reason, "raw": ""} for r in rows)
    return entries, notes, groups
