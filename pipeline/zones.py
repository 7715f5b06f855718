"""Functional zones (功能区) and other region kinds as data (pipeline/catalogues/region_kinds.yaml).

A functional zone's resident population is a local statistical division while its institutions (large hospitals
serving the whole city) serve far more people, so its per-capita figures (每千常住人口床位、人员) are not comparable:
the zone is shown with a note on the population denominator and is never ranked on a per-capita indicator.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from pipeline import CATALOGUE_DIR
from pipeline.errors import UserError
from pipeline.io_utils import read_yaml

KINDS_PATH = CATALOGUE_DIR / "region_kinds.yaml"


@dataclass(frozen=True)
class RegionKind:
    kind: str
    per_capita_ranked: bool = True
    population_note: str = ""


@lru_cache(maxsize=None)
def kinds(path: Path = KINDS_PATH) -> dict[str, RegionKind]:
    raw = read_yaml(path, "县级单位类别目录") or {}
    out = {}
    for kind, e in (raw.get("kinds") or {}).items():
        flag = e.get("per_capita_ranked", True)
        if not isinstance(flag, bool):
            raise UserError(f"{path.name}：类别“{kind}”的 per_capita_ranked 应为 true 或 false，当前为 {flag!r}")
        out[str(kind)] = RegionKind(str(kind), flag, str(e.get("population_note") or ""))
    return out


def unranked_kinds() -> tuple[str, ...]:
    """Region kinds that take no part in per-capita rankings (功能区)."""
    return tuple(k for k, v in kinds().items() if not v.per_capita_ranked)


def population_notes(regions: Iterable[tuple[str, str]]) -> list[str]:
    """The note on the population denominator for each kind present among (name, kind) pairs, with their names."""
    present: dict[str, list[str]] = {}
    for name, kind in regions:
        if kind in kinds() and kinds()[kind].population_note:
            present.setdefault(kind, []).append(name)
    return [kinds()[k].population_note.format(names="、".join(names)) for k, names in present.items()]
