"""What the annual 统计报告及提要 prints, recorded for the release's consistency check (pipeline/figures.py).

Text figures come from `Facts` (report.py) through `record`; table cells through `record_table`, which finds each
cell's (indicator, breakdown, region) the way report.build_table lays the table out.
"""

from __future__ import annotations

from functools import cache
from typing import Any


from pipeline.figures import FigureLog, flow_period, stock_period
from pipeline.ingest.annual_reports import ITEMS_PATH
from pipeline.io_utils import load_yaml

# The annual types (AnnualResult, AnnualIndicator from indicators.py; AnnualTable, AnnualTableSpec from report.py)
# are not imported: report.py imports this module.
AnnualResult = AnnualIndicator = AnnualTable = AnnualTableSpec = Any


@cache
def item_kinds() -> dict[str, str]:
    """stock / flow / flag of each annual item (annual_items.yaml)."""
    raw = load_yaml(ITEMS_PATH.read_text(encoding="utf-8")) or {}
    return {str(e["id"]): str(e.get("kind", "")) for e in raw.get("items") or []}


def is_stock(result: AnnualResult, ai: AnnualIndicator) -> bool:
    """Year-end stocks (机构, 床位, 人员, 每千人口, 医护比): every item is a year-end stock of the annual report."""
    if ai.source != "institutions":
        return False
    known = item_kinds()
    kinds = {known.get(item_id, "") for item_id in ai.ind.numerator + ai.ind.denominator}
    return kinds == {"stock"} and not (ai.ind.divide_by_days or ai.ind.multiply_by_days
                                       or ai.ind.divide_by_working_days)


def period_of(result: AnnualResult, ai: AnnualIndicator, year: int) -> str:
    return stock_period(year, 12) if is_stock(result, ai) else flow_period(year, 1, 12)


def record(log: FigureLog, result: AnnualResult, ai: AnnualIndicator, breakdown: str, region: str | None,
           field: str, value: float | None, decimals: int, text: str, *, unit_scale: float = 1.0,
           where: str = "正文") -> None:
    if field not in ("value", "base_value", "change"):
        return
    year = result.year - 1 if field == "base_value" else result.year
    log.add(indicator=ai.id, breakdown=breakdown, scope=ai.ind.scope, region=region or result.city,
            period=period_of(result, ai, year), measure="change" if field == "change" else "value", value=value,
            decimals=decimals, text=text, unit_scale=unit_scale, where=where)


def _cells(spec: AnnualTableSpec, result: AnnualResult) -> list[list[tuple[str, str, str] | None]]:
    """(indicator, breakdown, region) of every cell, row by row, as report.build_table lays them out."""
    cat = result.catalogue
    if spec.row_by == "indicator":
        return [[(ind, cat.indicator(ind).breakdown, result.city)] * len(spec.fields) for ind in spec.row_ids or ()]
    cols = [(c.indicator, c.breakdown) for c in spec.columns for _ in c.fields]
    if spec.row_by == "breakdown":
        bds = [cat.breakdown(b) for b in spec.row_ids] if spec.row_ids else [b for b in cat.breakdowns if not b.extra]
        keys = [(b.id, result.city) for b in bds]
    else:
        keys = [(spec.breakdown, code) for code in result.regions.codes]
    return [[(ind, bd_override or bd, rg) for ind, bd_override in cols] for bd, rg in keys]


def record_table(log: FigureLog, table: AnnualTable, spec: AnnualTableSpec, result: AnnualResult) -> None:
    where = table.title.split("　")[0]
    for row, cells in zip(table.rows, _cells(spec, result)):
        for i, (col, cell) in enumerate(zip(table.columns, cells)):
            if cell is None or col.field not in ("value", "base_value", "change"):
                continue
            ind, bd, rg = cell
            record(log, result, result.catalogue.indicator(ind), bd, rg, col.field, row.cells[i],
                   table.decimals(row, i), table.cell_text(row, i), unit_scale=table.unit_scale(i), where=where)
