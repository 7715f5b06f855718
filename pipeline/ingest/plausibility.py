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
from statistics import median
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


def _peer_reasons(rows: list[dict[str, Any]], r: Rules) -> dict[int, list[str]]:
    """Row index → reasons from the comparison with institutions of the same type in the same month."""
    out: dict[int, list[str]] = {}
    for check in r.peer_checks:
        ratios: dict[int, float] = {}
        for i, row in enumerate(rows):
            num, den = row.get(check.numerator), row.get(check.denominator)
            if num is not None and den is not None and den > 0 and num > 0:
                ratios[i] = num / den
        groups: dict[tuple[str, str, str], list[float]] = {}
        for i, ratio in ratios.items():
            for level in ("type_sub", "type_group"):
                groups.setdefault((rows[i]["period"], level, rows[i][level] or ""), []).append(ratio)
        for i, ratio in ratios.items():
            for level in ("type_sub", "type_group"):
                peers = groups[(rows[i]["period"], level, rows[i][level] or "")]
                if len(peers) >= r.min_peers:
                    mid = median(peers)
                    if mid > 0 and ratio >= r.hold_ratio * mid:
                        out.setdefault(i, []).append(
                            f"{check.label} {_fmt(ratio)} 千元，是同月{rows[i][level]}（{len(peers)} 家）中位数 "
                            f"{_fmt(mid)} 千元的 {ratio / mid:.0f} 倍")
                    break
    return out


def _history_reasons(rows: list[dict[str, Any]], r: Rules) -> dict[int, list[str]]:
    """Row index → reasons from the comparison with the same institution's other months."""
    out: dict[int, list[str]] = {}
    labels = {it.id: it.label for it in catalogues.items().items}
    by_org: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_org.setdefault(row["org_code"], []).append(i)
    for members in by_org.values():
        if len(members) <= r.min_history:
            continue
        for item in r.history_items:
            for i in members:
                value = rows[i].get(item)
                others = [rows[j][item] for j in members if j != i and (rows[j].get(item) or 0) > 0]
                if value is None or value <= 0 or len(others) < r.min_history:
                    continue
                mid = median(others)
                if value >= r.hold_ratio * mid:
                    out.setdefault(i, []).append(
                        f"{labels[item]} {_fmt(value)} 千元，是本机构其他 {len(others)} 个月中位数 {_fmt(mid)} 千元的 "
                        f"{value / mid:.0f} 倍")
    return out


def screen(clean: pl.DataFrame, path: Path = RULES) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """(rows kept, quarantine entries of the rows held back as money filed ~1000× too large)."""
    if clean.is_empty():
        return clean, []
    r = rules(path)
    rows = clean.to_dicts()
    found = _peer_reasons(rows, r)
    for i, reasons in _history_reasons(rows, r).items():
        found.setdefault(i, []).extend(reasons)
    if not found:
        return clean, []
    held = [{"file": rows[i]["file"], "sheet": rows[i]["sheet"], "row": rows[i]["row"],
             "org_code": rows[i]["org_code"], "name": rows[i]["name"], "period": rows[i]["period"],
             "reason": "疑似金额按“元”而不是“千元”填报，未导入，请向机构核实：" + "；".join(found[i]), "raw": ""}
            for i in sorted(found)]
    keep = pl.Series([i not in found for i in range(len(rows))])
    return clean.filter(keep), held
