"""Indicators: canonical table → tidy indicator table, driven by the catalogues.

One engine computes every catalogued indicator for every breakdown (institution-type group),
every region (the city and each county-level unit) and every month in the data, for two
period types: 本月 and 1–N月累计, with the same period last year and the change.

Ratios are always computed from summed numerators and denominators. Flows are summed over
the months of a period; stocks (month-end values) are averaged over them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from datetime import date
from pathlib import Path

import polars as pl

from pipeline import catalogues
from pipeline.catalogues import Breakdown, Indicator
from pipeline.errors import UserError
from pipeline.io_utils import write_parquet, write_parquet_chunks
from pipeline.period import Month
from pipeline.workdays import CALENDAR, NATIONAL_WORKING_DAYS, require_years, working_days

MONTH = "本月"
CUMULATIVE = "累计"
PERIOD_TYPES = (MONTH, CUMULATIVE)
CITY_LEVEL = "全市"


@dataclass(frozen=True)
class Regions:
    city_code: str
    city_name: str
    table: pl.DataFrame  # region_code, region_name, region_kind (county-level units only), in report order

    @property
    def codes(self) -> list[str]:
        """The city first, then the county-level units in code order."""
        return [self.city_code, *self.unit_codes]

    @property
    def unit_codes(self) -> list[str]:
        """The county-level units (districts, counties, county-level cities, zones), in code order."""
        return self.table["region_code"].to_list()

    @cached_property
    def _names(self) -> dict[str, str]:
        return dict(zip(self.table["region_code"].to_list(), self.table["region_name"].to_list()))

    def name(self, code: str) -> str:
        """The region's name; an unknown code is shown as itself."""
        if code == self.city_code:
            return self.city_name
        return self._names.get(code, code)


def load_regions(path: Path) -> Regions:
    """data/reference/regions.csv: exactly one row of region_kind 市 (the city), the others are its units."""
    if not path.is_file():
        raise UserError(f"找不到地区表 {path.as_posix()}", hint="请放入 data/reference/regions.csv"
                        "（示例城市：python -m pipeline sample-data）")
    try:
        df = pl.read_csv(path, schema_overrides={"region_code": pl.Utf8})
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise UserError(f"地区表 {path} 无法读取：{exc}", hint="请检查 data/reference/regions.csv") from exc
    city = df.filter(pl.col("region_kind") == "市")
    if city.height != 1:
        raise UserError(f"地区表 {path.name} 中应当恰有一行 region_kind 为“市”，实际 {city.height} 行")
    units = df.filter(pl.col("region_kind") != "市").sort("region_code")
    if units.height == 0:
        raise UserError(f"地区表 {path.name} 中没有县级单位（region_kind 不为“市”的行）")
    return Regions(city_code=city["region_code"][0], city_name=city["region_name"][0],
                   table=units.select("region_code", "region_name", "region_kind"))


def breakdown_filter(b: Breakdown) -> pl.Expr:
    expr = pl.lit(True)
    for field, values in b.where.items():
        expr = expr & pl.col(field).is_in(list(values))
    return expr


def read_canonical(path: Path) -> pl.DataFrame:
    """The columns of the canonical table the indicators use (items, region, period, breakdown fields): at a
    country's 2.88M rows the other columns (names, codes, times) are a third of the memory."""
    fields = {"region_code", "period", *catalogues.items().item_ids,
              *(field for b in catalogues.breakdowns() for field in b.where)}
    return pl.read_parquet(path, columns=[c for c in pl.read_parquet_schema(path) if c in fields])


COMPLETE_UNITS_MAX = 100  # up to this many county-level units, every unit gets the complete table


def monthly_aggregates(clean: pl.DataFrame, regions: Regions,
                       breakdowns: tuple[Breakdown, ...] | None = None,
                       calendar: dict[date, bool] | None = None,
                       complete_units_max: int = COMPLETE_UNITS_MAX) -> pl.DataFrame:
    """Sum of every item per breakdown × region × month, zeros where no institution reported.

    The grid is complete (every breakdown × region × month) for the city, and for the county-level units when
    there are at most `complete_units_max` of them (a city's editions print every catalogue row). With more
    units (a province or the country) a unit has rows only for the breakdowns it has institutions of in some
    month of the data, so the table grows with the data, not with breakdowns × regions × months.
    Each breakdown is filtered and summed on its own (one filtered copy at a time, in row order)."""
    breakdowns = catalogues.breakdowns() if breakdowns is None else breakdowns
    item_ids = list(catalogues.items().item_ids)
    unknown = sorted(set(clean["region_code"].unique().to_list()) - set(regions.codes))
    if unknown:
        print(f"注意：以下行政区划代码不在地区表中，只计入全市合计：{'、'.join(unknown)}", file=sys.stderr)
    # An item some institution's file lacked (null = 不详) makes its group sum 不详, never a sum over a made-up 0.
    sums = [pl.when(pl.col(i).null_count() == 0).then(pl.col(i).sum()).otherwise(None).alias(i) for i in item_ids]
    sums += [pl.len().cast(pl.Int64).alias("n_reports")]
    by_region_parts, city_parts = [], []
    for b in breakdowns:
        part = clean.filter(breakdown_filter(b))
        by_region_parts.append(part.group_by(["region_code", "period"]).agg(sums)
                               .with_columns(breakdown_id=pl.lit(b.id)))
        city_parts.append(part.group_by("period").agg(sums).with_columns(breakdown_id=pl.lit(b.id)))
    by_region = pl.concat(by_region_parts, how="vertical")
    by_region = by_region.select("breakdown_id", "region_code", "period", *item_ids, "n_reports")
    city = pl.concat(city_parts, how="vertical").with_columns(region_code=pl.lit(regions.city_code))
    agg = pl.concat([by_region, city.select(by_region.columns)], how="vertical")
    periods = pl.DataFrame({"period": sorted(clean["period"].unique().to_list())})
    bd_frame = pl.DataFrame({"breakdown_id": [b.id for b in breakdowns]})
    if len(regions.unit_codes) <= complete_units_max:
        pairs = bd_frame.join(pl.DataFrame({"region_code": regions.codes}), how="cross")
    else:
        present = by_region.filter(pl.col("region_code").is_in(regions.unit_codes)).select(
            "breakdown_id", "region_code").unique()
        city_pairs = bd_frame.with_columns(region_code=pl.lit(regions.city_code))
        order = pl.DataFrame({"region_code": regions.codes, "_rg": list(range(len(regions.codes)))})
        pairs = (bd_frame.with_columns(_bd=pl.int_range(pl.len()))
                 .join(pl.concat([city_pairs, present], how="vertical"), on="breakdown_id")
                 .join(order, on="region_code").sort("_bd", "_rg").drop("_bd", "_rg"))
    grid = pairs.join(periods, how="cross")
    out = grid.join(agg, on=["breakdown_id", "region_code", "period"], how="left").with_columns(
        [pl.when(pl.col("n_reports").is_null()).then(0.0).otherwise(pl.col(i)).alias(i) for i in item_ids]
        + [pl.col("n_reports").fill_null(0)]
    )
    months = [Month.parse(p) for p in periods["period"].to_list()]  # once per month, not per row
    calendar_of_months = periods.with_columns(
        year=pl.Series([m.year for m in months], dtype=pl.Int32),
        month=pl.Series([m.month for m in months], dtype=pl.Int32),
        days=pl.Series([m.days for m in months], dtype=pl.Float64),
        working_days=pl.Series([working_days(m, calendar) for m in months], dtype=pl.Float64),
    )
    return out.join(calendar_of_months, on="period", how="left", maintain_order="left")


def period_aggregates(monthly: pl.DataFrame, averaged: tuple[str, ...] = (),
                      annual_working_days: int | str = NATIONAL_WORKING_DAYS) -> pl.DataFrame:
    """本月 rows as they are, plus 1–N月累计 rows: flows summed, stocks averaged over months 1..N.

    A cumulative value exists only when every month 1..N of that year is in the data. For the stocks in
    `averaged`, a column `<item>__avg` holds (期初 + 期末) / 2: 本月 (上月末 + 本月末) / 2, 1–N月累计
    (上年末 + N月末) / 2; null when the opening stock is not in the data. 1–12月累计 counts the year's working
    days by the convention (an integer: that many; 'calendar': the months' own).
    """
    cat = catalogues.items()
    stocks = set(cat.stock_ids)
    keys = ["breakdown_id", "region_code", "year"]
    starts = pl.any_horizontal([pl.col(k) != pl.col(k).shift(1) for k in keys]).fill_null(True)
    row = pl.int_range(pl.len())
    ordered = monthly.sort([*keys, "month"]).with_columns(_p=row - pl.when(starts).then(row).forward_fill())
    count = pl.col("_p") + 1  # rows of the group so far (months 1..N of the year when complete)
    cum_exprs = []
    for item_id in cat.item_ids:
        cum = _running(pl.col(item_id))
        cum = pl.when(_running(pl.col(item_id).is_null().cast(pl.Int64)) == 0).then(cum).otherwise(None)
        if item_id in stocks:
            cum = cum / count
        cum_exprs.append(cum.alias(item_id))
    cumulative = ordered.with_columns(
        cum_exprs
        + [
            _running(pl.col("days")).alias("days"),
            _running(pl.col("working_days")).alias("working_days"),
            _running(pl.col("n_reports")).alias("n_reports"),
            (count == pl.col("month")).alias("_complete"),
        ]
    ).filter(pl.col("_complete")).drop("_complete", "_p")
    if annual_working_days != CALENDAR:
        cumulative = cumulative.with_columns(
            working_days=pl.when(pl.col("month") == 12).then(pl.lit(float(annual_working_days)))  # type: ignore[arg-type]
            .otherwise(pl.col("working_days")))
    month_rows = monthly.with_columns(period_type=pl.lit(MONTH))
    cum_rows = cumulative.with_columns(period_type=pl.lit(CUMULATIVE))
    if averaged:
        month_rows, cum_rows = _with_period_average(monthly, month_rows, cum_rows, averaged)
    return pl.concat([month_rows, cum_rows], how="vertical")


def _running(value: pl.Expr, longest: int = 12) -> pl.Expr:
    """Σ of `value` over its group's rows up to this one (column `_p`: the row's place in its group, rows of a
    group consecutive), summed left to right one row at a time like cum_sum().over(group), so the same floats; a
    group is one year (≤ 12 months). No window over the groups: with a country's ~10^4 breakdown × region × year
    groups each window costs ~0.2 s, and the 1–N月累计 rows need ~70 of them."""
    total = value
    for _ in range(longest - 1):
        total = pl.when(pl.col("_p") >= 1).then(total.shift(1) + value).otherwise(value)
    return total


def _with_period_average(monthly: pl.DataFrame, month_rows: pl.DataFrame, cum_rows: pl.DataFrame,
                         averaged: tuple[str, ...]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add `<item>__avg` = (opening + closing stock) / 2 to the 本月 and 累计 rows (see period_aggregates)."""
    keys = ["breakdown_id", "region_code"]
    ends = monthly.select(*keys, "year", "month", *averaged)
    after = ends.with_columns(  # a month-end is the opening stock of the next month
        year=pl.when(pl.col("month") == 12).then(pl.col("year") + 1).otherwise(pl.col("year")),
        month=pl.when(pl.col("month") == 12).then(1).otherwise(pl.col("month") + 1).cast(pl.Int32),
    ).rename({i: f"{i}__open" for i in averaged})
    december = (ends.filter(pl.col("month") == 12).with_columns(pl.col("year") + 1).drop("month")
                .rename({i: f"{i}__open" for i in averaged}))
    closing = ends.rename({i: f"{i}__close" for i in averaged})

    def average(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(
            [((pl.col(f"{i}__open") + pl.col(f"{i}__close")) / 2).alias(f"{i}__avg") for i in averaged]
        ).drop([f"{i}__{w}" for i in averaged for w in ("open", "close")])

    month_rows = average(month_rows.join(after, on=[*keys, "year", "month"], how="left")
                         .join(closing, on=[*keys, "year", "month"], how="left"))
    cum_rows = average(cum_rows.join(december, on=[*keys, "year"], how="left")
                       .join(closing, on=[*keys, "year", "month"], how="left"))
    return month_rows, cum_rows.select(month_rows.columns)


def averaged_items(inds: tuple[Indicator, ...]) -> tuple[str, ...]:
    """The stocks some indicator uses as an opening/closing average denominator."""
    return tuple(dict.fromkeys(i for ind in inds if ind.average_denominator for i in ind.denominator))


def indicator_expr(ind: Indicator) -> pl.Expr:
    """value = scale × Σnum / Σden (× D or ÷ D); a zero denominator gives null, never inf/NaN.

    A null input (an item not in the export, 不详) gives a null value; :func:`unknown_expr` tells the two apart."""
    num = pl.sum_horizontal([pl.col(i) for i in ind.numerator], ignore_nulls=False)
    value = num * ind.scale
    if ind.denominator:
        den = pl.sum_horizontal([pl.col(f"{i}__avg" if ind.average_denominator else i) for i in ind.denominator],
                                ignore_nulls=False)  # null = 不详 (an item not in the export) or no opening stock
        value = pl.when(den != 0).then(value / den).otherwise(pl.lit(None, pl.Float64))
    if ind.multiply_by_days:
        value = value * pl.col("days")
    if ind.divide_by_days:
        value = value / pl.col("days")
    if ind.divide_by_working_days:
        value = pl.when(pl.col("working_days") > 0).then(value / pl.col("working_days")).otherwise(None)
    if ind.per_population:
        value = pl.when(pl.col("population") > 0).then(value / pl.col("population")).otherwise(None)
    return value.cast(pl.Float64)


def change_expr(ind: Indicator, value: str = "value", base: str = "base_value") -> pl.Expr:
    v, b = pl.col(value), pl.col(base)
    if ind.change == "pct":
        return pl.when(b.is_not_null() & (b != 0) & v.is_not_null()).then((v - b) / b * 100).otherwise(None)
    return pl.when(b.is_not_null() & v.is_not_null()).then(v - b).otherwise(None)


def load_population(path: Path) -> pl.DataFrame:
    """常住人口 (year-end) by region and year: region_code, year, population."""
    try:
        return pl.read_csv(path, schema_overrides={"region_code": pl.Utf8, "year": pl.Int32, "population": pl.Float64})
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise UserError(f"人口表 {path} 无法读取：{exc}", hint="请检查 data/reference/population.csv") from exc


def population_for(periods: pl.DataFrame, population: pl.DataFrame | None) -> pl.DataFrame:
    """Attach the resident population of each region for the period's year, or the latest earlier year
    (the yearbook appears with a lag); null where none is known."""
    if population is None:
        return periods.with_columns(population=pl.lit(None, pl.Float64), population_year=pl.lit(None, pl.Int32))
    pop = population.sort("year").rename({"year": "population_year"})
    keys = periods.select("region_code", "year").unique().sort("region_code", "year")
    matched = keys.join_asof(pop, left_on="year", right_on="population_year", by="region_code", strategy="backward",
                            check_sortedness=False)  # sorted above, per region
    return periods.join(matched, on=["region_code", "year"], how="left")


def compute(clean: pl.DataFrame, regions: Regions, population: pl.DataFrame | None = None,
            calendar: dict[date, bool] | None = None,
            annual_working_days: int | str = NATIONAL_WORKING_DAYS,
            complete_units_max: int = COMPLETE_UNITS_MAX) -> pl.DataFrame:
    """The tidy indicator table for every month in the data (see module docstring).

    `calendar` (from data/reference/holidays.csv) gives the working days for 医师日均担负诊疗人次 and must
    cover every year in the data (else a UserError names the missing years); `calendar=None` (unit tests
    only) counts Monday to Friday. 1–12月累计 uses `annual_working_days` (pipeline.workdays).
    `complete_units_max`: see :func:`monthly_aggregates` (complete tables for a city, sparse for a country)."""
    return _long_rows(compute_wide(clean, regions, population, calendar, annual_working_days, complete_units_max),
                      catalogues.indicators())


def compute_wide(clean: pl.DataFrame, regions: Regions, population: pl.DataFrame | None = None,
                 calendar: dict[date, bool] | None = None,
                 annual_working_days: int | str = NATIONAL_WORKING_DAYS,
                 complete_units_max: int = COMPLETE_UNITS_MAX) -> pl.DataFrame:
    """The indicator table before it is made long: one row per period row (breakdown × region × period type ×
    month) with every indicator's value, base and change as columns v<k>, b<k>, c<k>, in report order."""
    inds = catalogues.indicators()
    bds = catalogues.breakdowns()
    if calendar is not None:
        require_years(calendar, {int(p[:4]) for p in clean["period"].unique().to_list()})
    monthly = monthly_aggregates(clean, regions, bds, calendar, complete_units_max)
    periods = population_for(period_aggregates(monthly, averaged_items(inds), annual_working_days), population)
    base_cols = ["breakdown_id", "region_code", "period_type", "year", "month", "days", "n_reports", "population_year"]
    # every indicator as a column of the period table, then the same period last year by one join of that
    # (small) table with itself, labels on it, and only then one long row per indicator
    wide = periods.select(*base_cols, *[indicator_expr(ind).alias(f"v{k}") for k, ind in enumerate(inds)])
    keys = ["breakdown_id", "region_code", "period_type", "year", "month"]
    last_year = wide.select(*keys[:3], (pl.col("year") + 1).alias("year"), "month",
                            *[pl.col(f"v{k}").alias(f"b{k}") for k in range(len(inds))])
    wide = _with_labels(wide.join(last_year, on=keys, how="left"), bds, regions).with_columns(
        [change_expr(ind, f"v{k}", f"b{k}").cast(pl.Float64).alias(f"c{k}") for k, ind in enumerate(inds)])
    return wide.sort(["year", "month", "_pt_order", "_bd_order", "_rg_order"])


COLUMNS = ("period", "year", "month", "period_type", "period_label", "indicator_id", "indicator", "unit",
           "breakdown_id", "breakdown", "depth", "region_code", "region", "region_level", "value", "base_value",
           "change", "change_unit", "decimals", "n_reports", "population_year")


def _long_rows(wide: pl.DataFrame, inds: tuple[Indicator, ...]) -> pl.DataFrame:
    """One long row per period row × indicator, in report order: year, month, period type, indicator, breakdown,
    region (`wide` is sorted by all but the indicator). Built by one gather per column from a plan of (row of
    `wide`, indicator number), never by sorting or concatenating long pieces: the long table of a country
    (tens of millions of rows) is written once, in one chunk, with the same bytes as a city's always had."""
    row, k = _plan(wide, inds)
    return _gather_long(wide, inds, row, k, _stacked(wide, len(inds)))


def _blocks(wide: pl.DataFrame) -> pl.DataFrame:
    """The (year, month, period type) blocks of `wide`, in order: _start (first row), _len (rows)."""
    return wide.group_by(["year", "month", "_pt_order"], maintain_order=True).agg(_len=pl.len()).with_columns(
        _start=pl.col("_len").cum_sum() - pl.col("_len"))


def _plan(wide: pl.DataFrame, inds: tuple[Indicator, ...]) -> tuple[pl.Series, pl.Series]:
    """(row of `wide`, indicator number) of every long row: block by block, in a block indicator by indicator."""
    blocks = _blocks(wide).with_columns(_b=pl.int_range(pl.len()))
    plan = blocks.join(pl.DataFrame({"_k": list(range(len(inds)))}, schema={"_k": pl.Int64}), how="cross").sort(
        "_b", "_k").select(_row=pl.int_ranges("_start", pl.col("_start") + pl.col("_len"), dtype=pl.Int64),
                           _k=pl.col("_k").repeat_by("_len")).explode("_row", "_k", empty_as_null=False)
    return plan["_row"], plan["_k"]


def _stacked(wide: pl.DataFrame, n_inds: int) -> dict[str, pl.Series]:
    """Columns v, b, c of every indicator stacked: column `prefix`k of row r sits at k × height + r."""
    return {prefix: pl.concat([wide[f"{prefix}{j}"] for j in range(n_inds)], rechunk=True) if n_inds
            else pl.Series([], dtype=pl.Float64) for prefix in ("v", "b", "c")}


def _gather_long(wide: pl.DataFrame, inds: tuple[Indicator, ...], row: pl.Series, k: pl.Series,
                 stacked: dict[str, pl.Series]) -> pl.DataFrame:
    """The long rows of the plan entries (row, k), in their order."""
    at = k * wide.height + row
    meta = pl.DataFrame({"indicator_id": [i.id for i in inds], "indicator": [i.name for i in inds],
                         "unit": [i.unit for i in inds], "change_unit": [i.change_label for i in inds],
                         "decimals": [i.decimals for i in inds]},
                        schema={"indicator_id": pl.Utf8, "indicator": pl.Utf8, "unit": pl.Utf8,
                                "change_unit": pl.Utf8, "decimals": pl.Int64})
    per_row = wide.select(pl.col("period", "year", "month", "period_type", "period_label", "breakdown_id",
                                 "breakdown", "depth", "region_code", "region", "region_level", "n_reports",
                                 "population_year").gather(row))
    per_indicator = meta.select(pl.all().gather(k))
    values = {name: stacked[prefix].gather(at) if len(inds) else stacked[prefix]
              for name, prefix in (("value", "v"), ("base_value", "b"), ("change", "c"))}
    return per_row.hstack(per_indicator.get_columns()).with_columns(**values).select(COLUMNS)


STREAM_ROWS = 1 << 22  # a long table above this many rows is written chunk by chunk (write_table)
CHUNK_ROWS = 1 << 18


def long_height(wide: pl.DataFrame) -> int:
    return wide.height * len(catalogues.indicators())


def long_chunks(wide: pl.DataFrame, chunk_rows: int = CHUNK_ROWS) -> Iterator[pl.DataFrame]:
    """The long table of `wide` (:func:`_long_rows`) in consecutive pieces of at most `chunk_rows` rows, each
    made when asked for: the whole long table of a country is never in memory at once."""
    inds = catalogues.indicators()
    stacked = _stacked(wide, len(inds))
    for start, length in _blocks(wide).select("_start", "_len").iter_rows():
        for j0 in range(0, length * len(inds), chunk_rows):  # block position j: indicator j // len, row j % len
            j = pl.int_range(j0, min(j0 + chunk_rows, length * len(inds)), dtype=pl.Int64, eager=True)
            yield _gather_long(wide, inds, (j % length + start).alias("_row"), (j // length).alias("_k"), stacked)


def write_table(wide: pl.DataFrame, out: Path, stream_rows: int = STREAM_ROWS, chunk_rows: int = CHUNK_ROWS) -> int:
    """Write the long indicator table of `wide` to `out` (parquet, atomically); returns its number of rows.
    Up to `stream_rows` rows (a city, a province) it is built whole and written as it always was; above (a
    country's region table) it is streamed chunk by chunk into fixed row groups, so the peak memory is the
    wide table plus one chunk instead of about twice the long table. Either way the bytes depend only on the
    rows."""
    height = long_height(wide)
    if height <= stream_rows:
        write_parquet(_long_rows(wide, catalogues.indicators()), out)
    else:
        schema = _gather_long(wide.head(0), catalogues.indicators(), pl.Series([], dtype=pl.Int64),
                              pl.Series([], dtype=pl.Int64), _stacked(wide.head(0), len(catalogues.indicators())))
        write_parquet_chunks(lambda: long_chunks(wide, chunk_rows), schema.schema, out)
    return height


def _with_labels(wide: pl.DataFrame, bds: tuple[Breakdown, ...], regions: Regions) -> pl.DataFrame:
    """Names, levels, period labels and the report order of breakdowns and regions, once per period row."""
    meta_bd = pl.DataFrame(
        {"breakdown_id": [b.id for b in bds], "breakdown": [b.label for b in bds], "depth": [b.depth for b in bds],
         "_bd_order": list(range(len(bds)))}
    )
    meta_rg = pl.DataFrame(
        {"region_code": regions.codes, "region": [regions.name(c) for c in regions.codes],
         "region_level": [CITY_LEVEL, *regions.table["region_kind"].to_list()],
         "_rg_order": list(range(len(regions.codes)))}
    )
    return wide.join(meta_bd, on="breakdown_id").join(meta_rg, on="region_code").with_columns(
        period=pl.format("{}-{}", pl.col("year"), pl.col("month").cast(pl.Utf8).str.zfill(2)),
        period_label=pl.when(pl.col("period_type") == MONTH)
        .then(pl.format("{}年{}月", pl.col("year"), pl.col("month")))
        .when(pl.col("month") == 1)
        .then(pl.format("{}年1月", pl.col("year")))
        .otherwise(pl.format("{}年1—{}月", pl.col("year"), pl.col("month"))),
        _pt_order=pl.when(pl.col("period_type") == MONTH).then(0).otherwise(1),
    )


def city_code(table: pl.DataFrame) -> str:
    return table.filter(pl.col("region_level") == CITY_LEVEL)["region_code"][0]


def for_period(table: pl.DataFrame, month: Month) -> pl.DataFrame:
    """Rows of one report month (本月 and 1–N月累计)."""
    rows = table.filter((pl.col("year") == month.year) & (pl.col("month") == month.month))
    if rows.height == 0:
        available = sorted(table["period"].unique().to_list())
        raise UserError(
            f"指标表中没有 {month} 的数据（现有月份：{available[0]} 至 {available[-1]}）" if available
            else f"指标表中没有 {month} 的数据",
            hint=f"请把 {month} 的导出文件放入 data/raw/{month}/，或在 params.yaml 中改正 period",
        )
    return rows


def value(table: pl.DataFrame, indicator_id: str, region_code: str, *, period_type: str = MONTH,
          breakdown_id: str = "total", column: str = "value") -> float | None:
    """Look up one cell of a one-period tidy table (None if absent or null)."""
    hit = table.filter(
        (pl.col("indicator_id") == indicator_id) & (pl.col("period_type") == period_type)
        & (pl.col("breakdown_id") == breakdown_id) & (pl.col("region_code") == region_code)
    )
    if hit.height == 0:
        return None
    if hit.height > 1:
        raise ValueError(f"{indicator_id}/{breakdown_id}/{region_code}/{period_type}: 多于一行，请先按报告期筛选")
    result = hit[column][0]
    return None if result is None else float(result)
