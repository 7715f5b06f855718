"""Release-time consistency check: one figure, one value across every document of a release.

Each report builder writes figures.json beside its report (pipeline/figures.py): every figure it prints with
its indicator, breakdown, scope (口径), region, period and measure. Before anything is published, the figures of
all documents in the release are grouped by (indicator, breakdown, scope, region, period, measure); within a
group every figure must give the same value when rounded half-up at the coarsest precision printed in that group
(1761.7万 and 17,616,792 agree; 2.69 and 3.25 do not). A group that disagrees fails the release with a Chinese
list of the cells: which documents print which text where. Figures of different scopes are different numbers
and are not compared (each report says its scope).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from pipeline import figures
from pipeline.figures import Figure

BREAKDOWN_WORDS = {"total": "总计"}


@dataclass(frozen=True)
class Printed:
    document: str
    figure: Figure


def read_documents(folders: Iterable[tuple[str, Path]]) -> tuple[list[Printed], list[str]]:
    """(figures of every document that has a figures.json, titles of those that have none)."""
    found: list[Printed] = []
    missing: list[str] = []
    for title, folder in folders:
        path = folder / figures.FILE_NAME
        if not path.is_file():
            missing.append(title)
            continue
        _, figs = figures.read(path)
        found.extend(Printed(title, f) for f in figs)
    return found, missing


def _names() -> dict[str, str]:
    from pipeline import catalogues

    names = {i.id: i.name for i in catalogues.indicators()}
    names.update(figures.RATE_INDICATORS)
    try:
        from pipeline.annual.indicators import load_catalogue

        names.update({ai.id: ai.name for ai in load_catalogue().indicators})
    except Exception:  # noqa: BLE001  (names are only for the message; ids still identify the figure)
        pass
    return names


def _label(key: tuple[str, ...], names: dict[str, str], regions: dict[str, str]) -> str:
    ind, bd, scope, region, period, measure = key
    what = names.get(ind, ind) + ("增减" if measure == "change" else "")
    return (f"{what}（{BREAKDOWN_WORDS.get(bd, bd)}，{scope}，{regions.get(region, region)}，"
            f"{figures.period_words(period)}）")


def disagreements(printed: Sequence[Printed], regions: dict[str, str] | None = None) -> list[str]:
    """One Chinese line per (indicator, breakdown, scope, region, period, measure) printed with two values."""
    groups: dict[tuple[str, ...], list[Printed]] = defaultdict(list)
    for p in printed:
        groups[p.figure.key].append(p)
    problems: list[str] = []
    names: dict[str, str] | None = None
    for key in sorted(groups):
        group = groups[key]
        shown = [p for p in group if p.figure.value is not None]
        if not shown:
            continue
        exponent = max(p.figure.exponent() for p in shown)
        values = {p.figure.at(exponent) for p in group}
        if len(values) <= 1:
            continue
        names = names if names is not None else _names()
        cells = sorted({f"{p.document}{p.figure.where}印“{p.figure.text}”" for p in group})
        problems.append(f"{_label(key, names, regions or {})}：" + "；".join(cells))
    return problems
