"""Money filed in 元 instead of 千元, caught without history and held back from the canonical table.

金额按“元”填报时比应有的大约 1000 倍。读入时每一行都与同月同类机构比较（每名卫生技术人员的医疗收入、
每诊疗人次的门诊收入、每占用床日的住院收入等，与同类机构的中位数比较），有历史数据时也与本机构其他月份
比较；达到 plausibility.yaml 中 hold_ratio 倍（默认 300 倍）的行不进入规范表，也就不进入任何合计和指标，
而是进入隔离表，原因中写明比值、中位数和倍数。向机构核实后，改正导出文件重新导出，或在更正表
（data/corrections/）中写明更正值。
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipeline import CATALOGUE_DIR, catalogues
from pipeline.errors import UserError

RULES = CATALOGUE_DIR / "plausibility.yaml"


@dataclass(frozen=True)
class PeerCheck:
    numerator: str
    denominator: str
    label: str


@dataclass(frozen=True)
class Rules:
    hold_ratio: float
    min_peers: int
    min_history: int
    peer_checks: tuple[PeerCheck, ...]
    history_items: tuple[str, ...]


@lru_cache(maxsize=None)
def rules(path: Path = RULES) -> Rules:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        out = Rules(float(raw["hold_ratio"]), int(raw["min_peers"]), int(raw["min_history"]),
                    tuple(PeerCheck(str(c["numerator"]), str(c["denominator"]), str(c["label"]))
                          for c in raw["peer_checks"]),
                    tuple(str(i) for i in raw["history_items"]))
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise UserError(f"目录文件 {path.name} 无法读取：{exc}", hint="请对照文件开头的说明改正") from exc
    known = set(catalogues.items().item_ids)
    used = {c.numerator for c in out.peer_checks} | {c.denominator for c in out.peer_checks} | set(out.history_items)
    if used - known or out.hold_ratio <= 1:
        raise UserError(f"{path.name}：项目 {'、'.join(sorted(used - known)) or '—'} 不在 items.yaml 中，"
                        "或 hold_ratio 不大于 1", hint="项目写 items.yaml 中的 id；hold_ratio 一般为 300")
    return out


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _median(col: str) -> pl.Expr:
    """statistics.median of a group, with the same float operations: the middle value, or the mean of the two."""
    ordered = pl.col(col).sort()
    return (ordered.get((pl.len() - 1) // 2) + ordered.get(pl.len() // 2)) / 2


def _peer_reasons(df: pl.DataFrame, r: Rules) -> list[tuple[int, int, str]]:
    """(row index, order, reason) from the comparison with institutions of the same type in the same month: the
    institution's sub-type when it has min_peers peers with a ratio, else its group."""
    out: list[tuple[int, int, str]] = []
    for n_check, check in enumerate(r.peer_checks):
        ratios = df.lazy().filter((pl.col(check.numerator) > 0) & (pl.col(check.denominator) > 0)).select(
            "_i", "period", "type_sub", "type_group", ratio=pl.col(check.numerator) / pl.col(check.denominator)
        ).collect()  # (lazy: only these columns are filtered, not the whole table)
        # each group's count and median beside its rows (windows, not a join of every row with its group); a row is
        # compared within its sub-type when that has min_peers rows with a ratio, else within its group
        ratios = ratios.with_columns(**{
            name: expr.over("period", pl.col(level).fill_null(""))
            for level in ("type_sub", "type_group")
            for name, expr in ((f"_n_{level}", pl.len()), (f"_mid_{level}", _median("ratio")))})
        enough = pl.col("_n_type_sub") >= r.min_peers
        chosen = pl.concat([
            ratios.filter(enough).select("_i", "ratio", _n="_n_type_sub", _mid="_mid_type_sub", _shown="type_sub"),
            ratios.filter(~enough & (pl.col("_n_type_group") >= r.min_peers)).select(
                "_i", "ratio", _n="_n_type_group", _mid="_mid_type_group", _shown="type_group")])
        held = chosen.filter((pl.col("_mid") > 0) & (pl.col("ratio") >= r.hold_ratio * pl.col("_mid")))
        for i, ratio, mid, n, shown in held.select("_i", "ratio", "_mid", "_n", "_shown").iter_rows():
            out.append((i, n_check, f"{check.label} {_fmt(ratio)} 千元，是同月{shown}（{n} 家）中位数 "
                                    f"{_fmt(mid)} 千元的 {ratio / mid:.0f} 倍"))
    return out


def _history_reasons(df: pl.DataFrame, r: Rules) -> list[tuple[int, int, str]]:
    """(row index, order, reason) from the comparison with the median of the same institution's other months
    (their values above 0), for institutions with more than min_history rows."""
    out: list[tuple[int, int, str]] = []
    labels = {it.id: it.label for it in catalogues.items().items}
    # institutions by a number (_o), so that the sorts and windows below are on numbers. Any one number per code
    # will do (the reasons do not depend on the order of the institutions): the categorical id is a hash lookup,
    # where rank("dense") sorted the codes (at 120k reporters × 24 months, 0.2 s against 3 s)
    sized = (df.lazy().select("_i", _o=pl.col("org_code").cast(pl.Categorical).to_physical(),
                              *dict.fromkeys(r.history_items))
             .filter(pl.len().over("_o") > r.min_history).collect()
             .sort("_o"))  # once: each institution's rows together, for every item below
    for n_item, item in enumerate(r.history_items, start=len(r.peer_checks)):
        # the positive values of each institution, sorted (within its rows: no two-key sort of the whole column; rows
        # with equal values get the same reason, whichever comes first); a row's "others" are its group without one
        # copy of its value
        pos = sized.filter(pl.col(item) > 0).select(
            "_o", _i=pl.col("_i").sort_by(pl.col(item)).over("_o"), v=pl.col(item).sort().over("_o"))
        pos = pos.filter(pl.len().over("_o") - 1 >= r.min_history)
        pos = pos.with_columns(_k=pl.int_range(pl.len()).over("_o"), _m=pl.len().over("_o") - 1,
                               _g=pl.int_range(pl.len()))

        def at(p: pl.Expr) -> pl.Expr:  # position p of the others → position in the sorted column
            return pl.col("_g") - pl.col("_k") + pl.when(p < pl.col("_k")).then(p).otherwise(p + 1)

        where = pos.select(lo=at((pl.col("_m") - 1) // 2), hi=at(pl.col("_m") // 2))
        pos = pos.with_columns(_mid=(pos["v"].gather(where["lo"]) + pos["v"].gather(where["hi"])) / 2)
        held = pos.filter(pl.col("v") >= r.hold_ratio * pl.col("_mid"))
        for i, value, mid, m in held.select("_i", "v", "_mid", "_m").iter_rows():
            out.append((i, n_item, f"{labels[item]} {_fmt(value)} 千元，是本机构其他 {m} 个月中位数 {_fmt(mid)} 千元的 "
                                   f"{value / mid:.0f} 倍"))
    return out


def screen(clean: pl.DataFrame, path: Path = RULES) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """(rows kept, quarantine entries of the rows held back as money filed ~1000× too large)."""
    if clean.is_empty():
        return clean, []
    r = rules(path)
    df = clean.with_row_index("_i").with_columns(pl.col("_i").cast(pl.Int64))
    found: dict[int, list[str]] = {}
    for i, _, reason in sorted(_peer_reasons(df, r) + _history_reasons(df, r), key=lambda t: (t[0], t[1])):
        found.setdefault(i, []).append(reason)
    if not found:
        return clean, []
    rows = df.filter(pl.col("_i").is_in(list(found))).select("_i", "file", "sheet", "row", "org_code", "name", "period")
    held = [{"file": f, "sheet": s, "row": row, "org_code": o, "name": n, "period": p,
             "reason": "疑似金额按“元”而不是“千元”填报，未导入，请向机构核实：" + "；".join(found[i]), "raw": ""}
            for i, f, s, row, o, n, p in rows.sort("_i").iter_rows()]
    return clean.filter(~df["_i"].is_in(list(found))), held
