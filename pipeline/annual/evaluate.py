"""Evaluating the annual indicator catalogue on one year's source frames (split out of
:mod:`pipeline.annual.indicators`, whose :func:`~pipeline.annual.indicators.compute` drives it).

A plain indicator's value is a row-wise expression on its source frame, so all of a source's plain indicators are
evaluated side by side in one query (:func:`evaluate_many`); a ``share_of`` indicator joins its whole
(:func:`evaluate`) and the WHO premature-mortality ``method`` has its own path (:func:`premature_ncd`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import polars as pl

from pipeline.catalogues import Indicator
from pipeline.life import mortality
from pipeline.monthly.indicators import Regions, indicator_expr


class AnnualIndicator(Protocol):
    """What evaluation reads of a :class:`pipeline.annual.indicators.AnnualIndicator` (that module imports this
    one, so the class itself is not imported here)."""

    @property
    def id(self) -> str: ...
    @property
    def ind(self) -> Indicator: ...
    @property
    def deflate(self) -> bool: ...
    @property
    def share_of(self) -> str | None: ...
    @property
    def causes(self) -> tuple[str, ...]: ...


def _value_expr(ai: AnnualIndicator) -> pl.Expr:
    """The value of an indicator without share_of or method: a row-wise expression on its source frame."""
    value = indicator_expr(ai.ind)
    # a blank input (e.g. 待省公布) stays blank: sum_horizontal would otherwise read it as 0
    present = pl.all_horizontal([pl.col(c).is_not_null() for c in ai.ind.numerator])
    value = pl.when(present).then(value).otherwise(None)
    if ai.deflate:
        value = pl.when(pl.col("price_level") > 0).then(value / pl.col("price_level") * 100).otherwise(None)
    return value.cast(pl.Float64)


KEYS = ("breakdown_id", "region_code", "year")


def evaluate_many(indicators: Sequence[tuple[int, AnnualIndicator]], frame: pl.DataFrame) -> pl.DataFrame:
    """breakdown_id, region_code, year, value, indicator_id, _ind_order of (catalogue order, indicator) pairs on one
    source frame, in one query: each value is row-wise, so computing them side by side gives what one select per
    indicator gave (86 indicators × 6 years were as many queries, plus one more each to label the rows)."""
    wide = frame.select(*KEYS, *[_value_expr(ai).alias(ai.id) for _, ai in indicators])
    order = pl.DataFrame({"indicator_id": [ai.id for _, ai in indicators], "_ind_order": [i for i, _ in indicators]},
                         schema={"indicator_id": pl.Utf8, "_ind_order": pl.Int32})
    return wide.unpivot(index=list(KEYS), variable_name="indicator_id", value_name="value").join(
        order, on="indicator_id", how="left").select(*KEYS, "value", "indicator_id", "_ind_order")


def evaluate(ai: AnnualIndicator, frame: pl.DataFrame) -> pl.DataFrame:
    """breakdown_id, region_code, year, value of one catalogue indicator on one source frame."""
    if ai.share_of is None:
        return frame.select(*KEYS, _value_expr(ai).alias("value"))
    num = pl.sum_horizontal([pl.col(i) for i in ai.ind.numerator])
    whole = frame.filter(pl.col("breakdown_id") == ai.share_of).select("region_code", "year", num.alias("_whole"))
    frame = frame.join(whole, on=["region_code", "year"], how="left")
    value = pl.when(pl.col("_whole") > 0).then(num * ai.ind.scale / pl.col("_whole")).otherwise(None)
    if ai.deflate:
        value = pl.when(pl.col("price_level") > 0).then(value / pl.col("price_level") * 100).otherwise(None)
    return frame.select(*KEYS, value.cast(pl.Float64).alias("value"))


def premature_ncd(ai: AnnualIndicator, frame: pl.DataFrame, regions: Regions, year: int) -> pl.DataFrame:
    """The WHO premature-mortality probability of each county-level unit and of the city (Σ of the counties)."""
    counties = frame.filter(pl.col("region_code") != regions.city_code)
    city = counties.with_columns(region_code=pl.lit(regions.city_code))
    result = mortality.premature_mortality(pl.concat([counties, city], how="vertical"), ai.causes, ["region_code"])
    out = pl.DataFrame({"region_code": regions.codes}).join(result, on="region_code", how="left")
    return out.select(pl.lit("total").alias("breakdown_id"), "region_code", pl.lit(year, pl.Int32).alias("year"),
                      (pl.col("value") * ai.ind.scale).alias("value"))
