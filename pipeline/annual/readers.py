"""年度数据的读取：各类年度文件（机构年报汇总、分地区、分性别年龄、人均预期寿命汇总）和价格指数。

Split out of :mod:`pipeline.annual.indicators` (which drives them from the annual indicator catalogue):
a :class:`Source` says what one input file is; the readers turn it into the tidy frames the engine evaluates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.catalogues import Breakdown
from pipeline.errors import UserError
from pipeline.ingest.annual_reports import parse_numbers, read_text_csv
from pipeline.monthly.indicators import Regions, breakdown_filter


@dataclass(frozen=True)
class Source:
    id: str
    label: str
    kind: str
    file: str | None = None
    city: str = "sum"  # sum | given
    columns: tuple[str, ...] = ()
    required: bool = True
    scope: str = "年报全口径"  # 口径 of every indicator from this source (pipeline/scopes.py)



def institution_aggregates(df: pl.DataFrame, regions: Regions, breakdowns: Sequence[Breakdown],
                           columns: Sequence[str]) -> pl.DataFrame:
    """Σ items per breakdown × region (the city and every county-level unit), on a complete grid."""
    # One lazy query for the whole aggregation (a filter and a label per breakdown were two queries each).
    long = pl.concat([df.lazy().filter(breakdown_filter(b)).with_columns(breakdown_id=pl.lit(b.id))
                      for b in breakdowns], how="vertical")
    sums = [pl.col(c).sum() for c in columns]
    by_region = long.group_by(["breakdown_id", "region_code"]).agg(sums)
    city = long.group_by("breakdown_id").agg(sums).with_columns(region_code=pl.lit(regions.city_code))
    agg = pl.concat([by_region, city.select("breakdown_id", "region_code", *columns)], how="vertical")
    grid = pl.LazyFrame({"breakdown_id": [b.id for b in breakdowns]}).join(
        pl.LazyFrame({"region_code": regions.codes}), how="cross")
    return grid.join(agg, on=["breakdown_id", "region_code"], how="left").with_columns(
        [pl.col(c).fill_null(0.0) for c in columns]).collect()


def read_region_source(path: Path, source: Source, regions: Regions) -> pl.DataFrame:
    """A by-region file: one row per region (city = Σ counties, or the file's city row)."""
    df = read_text_csv(path)
    missing = [c for c in ("region_code", *source.columns) if c not in df.columns]
    if missing:
        raise UserError(f"文件 {path} 缺少列：{'、'.join(missing)}")
    df = parse_numbers(df.with_columns(pl.col("region_code").str.strip_chars()), source.columns, path, blank_is_zero=False)
    def total(c: str) -> pl.Expr:  # a sum that stays null when every value is blank
        return pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).otherwise(None).alias(c)

    parts = df.filter(pl.col("region_code") != regions.city_code)
    counties = parts.group_by("region_code").agg([total(c) for c in source.columns])
    if source.city == "sum":
        city = parts.select([total(c) for c in source.columns]).with_columns(region_code=pl.lit(regions.city_code))
    else:
        city = df.filter(pl.col("region_code") == regions.city_code).select("region_code", *source.columns).head(1)
    both = pl.concat([counties.select("region_code", *source.columns), city.select("region_code", *source.columns)],
                     how="vertical")
    return pl.DataFrame({"region_code": regions.codes}).join(both, on="region_code", how="left").with_columns(
        breakdown_id=pl.lit("total"))


def read_age_sex_source(path: Path, source: Source) -> pl.DataFrame:
    df = read_text_csv(path)
    missing = [c for c in ("region_code", "sex", "age", *source.columns) if c not in df.columns]
    if missing:
        raise UserError(f"文件 {path} 缺少列：{'、'.join(missing)}")
    df = parse_numbers(df.with_columns(pl.col("region_code").str.strip_chars()), ("age", *source.columns), path,
                  blank_is_zero=True)
    return df.with_columns(pl.col("age").cast(pl.Int64))


def read_life_expectancy(path: Path | None, regions: Regions) -> pl.DataFrame:
    """e0 (合计) by region and year from the life-expectancy stage's summary.csv: its year and, when it
    compared with the previous year, e0_previous for that year. Unstable (suppressed) groups are null."""
    schema = {"region_code": pl.Utf8, "year": pl.Int32, "e0": pl.Float64}
    if path is None or not path.is_file():
        return pl.DataFrame(schema=schema)
    df = read_text_csv(path)
    need = ("year", "region_code", "sex", "e0")
    if any(c not in df.columns for c in need):
        raise UserError(f"人均预期寿命汇总 {path} 缺少列：{'、'.join(c for c in need if c not in df.columns)}")
    df = df.filter(pl.col("sex") == "合计")
    unstable = pl.col("unstable").str.to_lowercase().is_in(["true", "1"]) if "unstable" in df.columns else pl.lit(False)
    cur = df.select(pl.col("region_code"), pl.col("year").cast(pl.Int32),
                    pl.when(unstable).then(None).otherwise(pl.col("e0").cast(pl.Float64, strict=False)).alias("e0"))
    frames = [cur]
    if "e0_previous" in df.columns:
        frames.append(df.select(pl.col("region_code"), (pl.col("year").cast(pl.Int32) - 1).alias("year"),
                                pl.col("e0_previous").cast(pl.Float64, strict=False).alias("e0")))
    out = pl.concat(frames, how="vertical").filter(pl.col("region_code").is_in(regions.codes))
    return out.unique(subset=["region_code", "year"], keep="first", maintain_order=True)


# ---------------------------------------------------------------------------- prices


def read_cpi(path: Path) -> dict[int, float]:
    if not path.is_file():
        return {}
    df = read_text_csv(path)
    if "year" not in df.columns or "cpi_prev_year_100" not in df.columns:
        raise UserError(f"价格指数表 {path} 应有列 year、cpi_prev_year_100")
    df = parse_numbers(df, ("cpi_prev_year_100",), path, blank_is_zero=False)
    return {int(y): float(v) for y, v in zip(df["year"].to_list(), df["cpi_prev_year_100"].to_list()) if v is not None}


def price_levels(cpi: Mapping[int, float], base_year: int, years: Sequence[int]) -> dict[int, float | None]:
    """Price level of each year with the base year = 100, chained from the year-on-year indices."""
    out: dict[int, float | None] = {}
    for y in years:
        level: float | None = 100.0
        if y > base_year:
            for k in range(base_year + 1, y + 1):
                level = None if level is None or k not in cpi else level * cpi[k] / 100
        elif y < base_year:
            for k in range(y + 1, base_year + 1):
                level = None if level is None or k not in cpi else level / (cpi[k] / 100)
        out[y] = level
    return out
