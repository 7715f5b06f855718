"""Statistical scopes (口径) as data: which institutions or survey a figure covers, and how a report says so.

Every indicator carries a scope (pipeline/catalogues/scopes.yaml): 月报机构口径 (monthly reporters, no clinics or
village clinics), 年报全口径 (every institution, year-end), 监测口径 (surveillance and surveys). A figure is identified
by (indicator, breakdown, scope, region, period): two figures of different scopes are two numbers, and each report
names the scope of its headline figures (the monthly edition the NHC way, "X万人次（不含诊所、医务室、村卫生室）").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline import CATALOGUE_DIR
from pipeline.errors import UserError
from pipeline.io_utils import read_yaml

SCOPES_PATH = CATALOGUE_DIR / "scopes.yaml"
MONTHLY = "月报机构口径"
ANNUAL = "年报全口径"
SURVEILLANCE = "监测口径"


@dataclass(frozen=True)
class Scope:
    label: str
    coverage: str
    qualifier: str = ""
    note: str = ""


@lru_cache(maxsize=None)
def scopes(path: Path = SCOPES_PATH) -> dict[str, Scope]:
    raw = read_yaml(path, "口径目录") or {}
    out: dict[str, Scope] = {}
    for label, entry in (raw.get("scopes") or {}).items():
        if not isinstance(entry, dict) or not entry.get("coverage"):
            raise UserError(f"口径目录 {path.name}：口径“{label}”缺少 coverage（统计范围）")
        out[str(label)] = Scope(label=str(label), coverage=str(entry["coverage"]),
                                qualifier=str(entry.get("qualifier") or ""), note=str(entry.get("note") or ""))
    for needed in (MONTHLY, ANNUAL, SURVEILLANCE):
        if needed not in out:
            raise UserError(f"口径目录 {path.name} 缺少口径“{needed}”")
    return out


def scope(label: str, *, where: str = "指标目录") -> Scope:
    """The scope called `label`; a clear error naming the catalogue when it is unknown."""
    known = scopes()
    if label not in known:
        raise UserError(f"{where}：口径“{label}”不在口径目录 scopes.yaml 中（可用：{'、'.join(known)}）",
                        hint="在 pipeline/catalogues/scopes.yaml 中追加这个口径，或改用已有的口径名称")
    return known[label]


def qualifier(label: str) -> str:
    """What follows a headline figure of this scope, e.g. '（不含诊所、医务室、村卫生室）'; '' for a full scope."""
    return scope(label).qualifier
