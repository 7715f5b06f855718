"""What the monthly editions print, recorded for the release's consistency check (pipeline/figures.py)."""

from __future__ import annotations

from functools import lru_cache

from pipeline import catalogues
from pipeline.figures import FigureLog, flow_period, stock_period
from pipeline.monthly.indicators import CUMULATIVE
from pipeline.period import Month
from pipeline.render import tables


@lru_cache(maxsize=None)
def is_stock(indicator_id: str) -> bool:
    """A stock indicator (床位, 人员, 每千人口, 医护比): every numerator and denominator item is a month-end stock."""
    ind = catalogues.indicator(indicator_id)
    kinds = {catalogues.items().item(i).kind for i in ind.numerator + ind.denominator}
    return kinds == {"stock"} and not (ind.divide_by_days or ind.multiply_by_days or ind.divide_by_working_days)


def period_key(indicator_id: str, period_type: str, month: Month, *, base: bool = False) -> str:
    """The period of a figure as written in every figures.json (the base value is the same period a year earlier)."""
    year = month.year - 1 if base else month.year
    first = 1 if period_type == CUMULATIVE else month.month
    if is_stock(indicator_id):
        return stock_period(year, month.month, mean_from=first)
    return flow_period(year, first, month.month)


def record(log: FigureLog | None, indicator_id: str, breakdown: str, region: str, period_type: str, month: Month,
           field: str, value: float | None, decimals: int, text: str, *, unit_scale: float = 1.0, where: str = "正文",
           scope: str | None = None, period: str | None = None) -> None:
    """One printed figure; field is value / base_value / change."""
    if log is None:
        return
    log.add(indicator=indicator_id, breakdown=breakdown, region=region,
            scope=scope or catalogues.indicator(indicator_id).scope,
            period=period or period_key(indicator_id, period_type, month, base=field == "base_value"),
            measure="change" if field == "change" else "value", value=value, decimals=decimals, text=text,
            unit_scale=unit_scale, where=where)


def record_table(log: FigureLog, table: tables.BuiltTable, month: Month) -> None:
    """Every cell of a built report table (rows built by tables.build carry their breakdown and region)."""
    where = table.title.split("　")[0]
    for row in table.rows:
        if row.key is None:
            continue
        breakdown, region = row.key
        for i, col in enumerate(table.columns):
            record(log, col.indicator, breakdown, region, col.period_type, month, col.field, row.cells[i],
                   table.decimals(row, i), table.cell_text(row, i), unit_scale=table.unit_scale(i), where=where)
