"""Classification of the accepted rows: type group, ownership, 政府办, hospital level, 中医 (shared with the annual reports)."""

from __future__ import annotations

import polars as pl

from pipeline import catalogues


def _classify(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add type_group/type_sub/ownership/govt_run/level_class/tcm; rows of unknown type go to quarantine."""
    cls = catalogues.classification()
    types = {code: catalogues.lookup_type(code) for code in df["type_code"].unique().to_list()}
    lookup = pl.DataFrame(
        {
            "type_code": list(types),
            "type_group": [t.type_group if t else None for t in types.values()],
            "type_sub": [t.type_sub if t else None for t in types.values()],
        },
        schema={"type_code": pl.Utf8, "type_group": pl.Utf8, "type_sub": pl.Utf8},
    )
    df = df.join(lookup, on="type_code", how="left")
    unknown = df.filter(pl.col("type_group").is_null())
    df = df.filter(pl.col("type_group").is_not_null())
    level_expr = pl.lit(cls.unrated_label)
    for prefix in reversed(cls.level_prefixes):
        level_expr = pl.when(pl.col("hospital_level").str.starts_with(prefix)).then(pl.lit(prefix)).otherwise(level_expr)
    df = df.with_columns(
        ownership=pl.when(pl.col("reg_type").is_in(list(cls.public_reg_types)))
        .then(pl.lit(cls.public_label))
        .otherwise(pl.lit(cls.private_label)),
        govt_run=pl.col("sponsor").is_in(list(cls.government_sponsors)),
        level_class=pl.when(pl.col("type_group") == "医院").then(level_expr).otherwise(pl.lit(None, pl.Utf8)),
        tcm=pl.col("type_sub").is_in(list(cls.tcm_subtypes)),
    )
    return df, unknown

