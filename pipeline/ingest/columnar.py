"""Columnar reading of one sheet's data rows: cells → typed columns, with the quarantine reasons as columns.

The data rows of a sheet are turned into columns once; numbers are parsed by polars expressions over whole
columns (blank and '-' mean zero, thousands separators dropped, the money factor applied); the identity cells
(机构代码、区划、类别、登记注册类型、主办单位、医院等级、报告期、上报时间) go through the same per-cell readers
as before (identity.py, values.py), called once per distinct value and joined back. Each check gives a reason
column (null when the cell is fine); a row's reasons are those columns joined in a fixed order, so the messages
(file, sheet, row, column, value) are the ones the row-by-row reader wrote. Cells that are not plain ASCII
numbers (full-width digits, '１２３', '(12)', Excel numbers and dates) are read by ``values.parse_number`` itself.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Any, Callable, Sequence

import polars as pl

from pipeline.catalogues import ItemCatalogue
from pipeline.ingest import identity
from pipeline.ingest.values import parse_code, parse_number, parse_text, parse_time
from pipeline.period import Month

_PLAIN = r"^[0-9+\-., eE]*$"  # ASCII only: NFKC and Python's strip() change nothing but the spaces
_FLOAT = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"  # what Python's float() accepts of those
_SIMPLE = r"^[0-9]+(\.[0-9]+)?$"  # plain, a float by _FLOAT, no ',' or ' ' to clean, not a zero marker
_ZERO = ("", "-", "--")  # the values.ZERO_MARKERS that are plain ASCII without '/'
SUMMARY_PATTERN = "合计|小计|总计"
Cache = dict[Any, Any]


def strings(values: Sequence[Any]) -> pl.Series | None:
    """The column as a polars String series when every cell is text or empty (CSV); None otherwise (Excel)."""
    try:
        return pl.Series(values, dtype=pl.String, strict=True)
    except (TypeError, pl.exceptions.PolarsError):
        return None


def per_value(values: Sequence[Any], fn: Callable[[Any], tuple[Any, ...]], schema: dict[str, Any],
              cache: Cache) -> pl.DataFrame:
    """``fn`` (one cell → a tuple of results) over a column, called once per distinct value (cached across
    sheets in ``cache``); one result row per cell, in order. Text cells: the readings so far are a table in the
    cache (key column ``_key``), so a sheet is one join against it and ``fn`` runs only for values not seen yet
    (the cells the join did not find: a second join once they are read)."""
    series = strings(values)
    if series is None:  # typed cells: keyed by type too (True == 1, but a bool is not a number)
        keys: list[Any] = [(type(v), v) for v in values]
        for key in dict.fromkeys(keys):
            if key not in cache:
                cache[key] = fn(key[1])
        return pl.DataFrame([cache[k] for k in keys], schema=schema, orient="row")
    known: pl.DataFrame | None = cache.get(_TEXT_READINGS)
    cells = pl.DataFrame({"_key": series})
    if known is not None:  # the common case once a sheet or two are read: every value is in the table
        got = cells.join(known, on="_key", how="left", nulls_equal=True, maintain_order="left")
        if got["_known"].null_count() == 0:
            return got.drop("_key", "_known")
        distinct = got.filter(pl.col("_known").is_null()).select(pl.col("_key").unique(maintain_order=True))
    else:
        distinct = cells.select(pl.col("_key").unique(maintain_order=True))
    new = distinct["_key"]
    table = pl.DataFrame([fn(key) for key in new.to_list()], schema=schema, orient="row").with_columns(
        new, _known=pl.lit(True))
    known = table if known is None else pl.concat([known, table], how="vertical")
    cache[_TEXT_READINGS] = known
    return cells.join(known, on="_key", how="left", nulls_equal=True, maintain_order="left").drop("_key", "_known")


_TEXT_READINGS = ("columnar.per_value", "text readings")  # the cache entry of per_value's table (not a cell key)


def _python_number(value: Any) -> float | None:
    try:
        return parse_number(value)
    except ValueError:
        return None


def _fast_numbers(stacked: pl.DataFrame) -> pl.DataFrame:
    """Column s (text cells) → fast: the number, null when it is none or Python must read it; retry: whether
    Python must read it. Most cells are digits with perhaps a point (_SIMPLE): for them the steps of
    _general_numbers come to polars' cast of the cell itself, so only the other cells go through those steps."""
    simple = stacked["s"].str.contains(_SIMPLE).fill_null(False)
    frame = stacked.with_columns(_simple=simple).with_columns(
        fast=pl.when(pl.col("_simple")).then(pl.col("s").cast(pl.Float64, strict=False)))
    fast = frame.select(pl.when(pl.col("fast").is_finite()).then(pl.col("fast"))).to_series()  # '1' * 400: inf
    retry = simple & fast.is_null()
    if not simple.all():
        others = (~simple).arg_true()
        rest = _general_numbers(stacked[others])
        fast = fast.scatter(others, rest["fast"])
        retry = retry.scatter(others, rest["retry"])
    return pl.DataFrame({"fast": fast, "retry": retry})


def _general_numbers(stacked: pl.DataFrame) -> pl.DataFrame:
    """_fast_numbers for any text cells, step by step, so that each regex runs once per cell."""
    cell = pl.col("s")
    frame = stacked.with_columns(plain=cell.str.contains(_PLAIN), cleaned=cell.str.replace_all("[, ]", ""))
    frame = frame.with_columns(form=pl.col("plain") & pl.col("cleaned").str.contains(_FLOAT),
                               zero=cell.is_null() | (pl.col("plain") & cell.str.strip_chars(" ").is_in(_ZERO)))
    frame = frame.with_columns(fast=pl.when(pl.col("zero")).then(pl.lit(0.0))
                               .when(pl.col("form")).then(pl.col("cleaned").cast(pl.Float64, strict=False)))
    fast = pl.col("fast")
    frame = frame.with_columns(fast=pl.when(fast.is_finite()).then(fast))  # 'inf', '1e400': never a figure to add up
    # not plain ASCII (full-width digits, odd spellings), or a plain number polars did not take: Python reads it;
    # a plain cell that is no number ('1-2', 'e5') stays null
    return frame.select("fast", retry=fast.is_null() & cell.is_not_null() & (pl.col("plain").not_() | pl.col("form")))


def numbers(columns: dict[str, Sequence[Any]], cache: Cache) -> dict[str, tuple[pl.Series, pl.Series]]:
    """item id → (its cells as Float64 numbers, null where a cell is not a number; the cells as text for messages)."""
    out: dict[str, tuple[pl.Series, pl.Series]] = {}
    texts: dict[str, pl.Series] = {}
    for item_id, values in columns.items():
        series = strings(values)
        if series is None:  # typed cells (Excel): values.parse_number itself, once per distinct value
            got = per_value(values, lambda v: (_python_number(v), str(v)), {"v": pl.Float64, "t": pl.String}, cache)
            out[item_id] = got["v"], got["t"]
        else:
            texts[item_id] = series.alias(item_id)
    if not texts:
        return out
    # all text cells of the sheet in one column: each expression (and its regex) runs once per sheet
    stacked = pl.DataFrame({"s": pl.concat(list(texts.values()))})
    fast = _fast_numbers(stacked)
    value, retry = fast["fast"], fast["retry"]
    if retry.any():
        redo = stacked["s"].filter(retry).unique()
        slow = pl.DataFrame({"s": redo, "slow": [_python_number(v) for v in redo.to_list()]},
                            schema={"s": pl.String, "slow": pl.Float64})
        value = (stacked.with_columns(fast=value).join(slow, on="s", how="left", maintain_order="left")
                 .select(pl.coalesce("fast", "slow"))).to_series()
    n = len(next(iter(texts.values())))
    for k, (name, series) in enumerate(texts.items()):
        out[name] = value.slice(k * n, n), series
    return out


def summary_candidates(code: pl.Series, name: pl.Series) -> pl.Series:
    """Rows that may be 合计/小计/总计 rows (rows.is_summary_row decides): a marker in the code, or no code and
    '计' in the name."""
    return (code.str.contains(SUMMARY_PATTERN) | ((code == "") & name.str.contains("计"))).fill_null(False)


def transpose(rows: list[tuple[int, tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
    """Row tuples → column tuples; a short row's missing cells are None (as rows.cell() gave)."""
    return list(zip_longest(*(values for _, values in rows)))


def identity_frame(column: Callable[[str], Sequence[Any]], where: Callable[[str], str], month: Month,
                   counties: dict[str, str] | None, caches: dict[Any, Cache]) -> pl.DataFrame:
    """The identity columns of the data rows with their reason, note and warning columns (null when none).

    Columns: org_code, region_code, type_code, reg_type, sponsor, hospital_level, period, submitted_at; the
    reasons r_<field> and notes n_<field> in the order the row-by-row reader collected them; w_org_code; other
    (the month a row's 报告期 names when it is not the folder's)."""
    def cache(*key: Any) -> Cache:
        return caches.setdefault(key, {})

    def reading(name: str) -> dict[str, Any]:
        return {name: pl.String, f"r_{name}": pl.String, f"n_{name}": pl.String, f"w_{name}": pl.String}

    def fields(r: identity.FieldReading) -> tuple[Any, ...]:
        return r.value, r.reason or None, r.note or None, r.warning or None

    region_key = tuple(sorted(counties.items())) if counties is not None else None
    parts = [
        per_value(column("org_code"), lambda v: fields(identity.read_org(v, where("org_code"))),
                  reading("org_code"), cache("org", where("org_code"))),
        per_value(column("region_code"), lambda v: fields(identity.read_region(v, where("region_code"), counties)),
                  reading("region_code"), cache("region", where("region_code"), region_key)),
        per_value(column("type_code"), lambda v: _with_extra(identity.read_type(v, where("type_code")), fields),
                  {**reading("type_code"), "hospital": pl.Boolean}, cache("type", where("type_code"))),
    ]
    for f in identity.CLASSIFIED:
        parts.append(per_value(column(f), lambda v, f=f: fields(identity.read_coded(f, v, where(f))), reading(f),
                               cache("coded", f, where(f))))
    levels = [per_value(column("hospital_level"),
                        lambda v, h=h: fields(identity.read_level(v, h, where("hospital_level"))),
                        reading("hospital_level") if h else {f"{k}_x": t for k, t in reading("hospital_level").items()},
                        cache("level", h, where("hospital_level"))) for h in (True, False)]
    parts.append(per_value(column("period"), lambda v: _with_extra(identity.read_row_period(v, where("period"), month),
                                                                   fields, _text),
                           {**reading("period"), "other": pl.String}, cache("period", where("period"), str(month))))
    parts.append(per_value(column("submitted_at"), lambda v: _time(v, where("submitted_at")),
                           {"submitted_at": pl.Datetime("us"), "r_submitted_at": pl.String},
                           cache("time", where("submitted_at"))))
    frame = side_by_side(parts + levels)
    hospital = pl.col("hospital")
    return frame.with_columns(
        **{k: pl.when(hospital).then(pl.col(k)).otherwise(pl.col(f"{k}_x"))
           for k in ("hospital_level", "r_hospital_level", "n_hospital_level", "w_hospital_level")}
    ).drop([c for c in frame.columns if c.endswith("_x")] + ["hospital"])


def _with_extra(got: tuple[identity.FieldReading, Any], fields: Callable[[identity.FieldReading], tuple[Any, ...]],
                show: Callable[[Any], Any] = lambda x: x) -> tuple[Any, ...]:
    return (*fields(got[0]), show(got[1]))


def _text(month: Month | None) -> str | None:
    return None if month is None else str(month)


def _time(value: Any, where: str) -> tuple[Any, str | None]:
    try:
        return parse_time(value), None
    except ValueError:
        return None, f"{where}的值“{value}”不是日期时间"


def item_frame(column: Callable[[str], Sequence[Any]], by_id: dict[str, int], cat: ItemCatalogue,
               factors: dict[str, float], where: Callable[[str], str], n: int, cache: Cache) -> pl.DataFrame:
    """The item columns (千元 after the money factor; null for an item the sheet has no column for: 不详) and a
    reason column r_<item> for each cell that is not a number."""
    parsed = numbers({item_id: column(item_id) for item_id in cat.item_ids if item_id in by_id}, cache)
    out: list[pl.Series] = []
    reasons: list[pl.Expr] = []
    for item_id in cat.item_ids:
        if item_id not in by_id:
            out.append(pl.Series(item_id, [None] * n, dtype=pl.Float64))
            reasons.append(pl.lit(None, pl.String).alias(f"r_{item_id}"))
            continue
        value, text = parsed[item_id]
        out.append((value * factors.get(item_id, 1.0)).alias(item_id))
        out.append(text.alias(f"t_{item_id}"))
        reasons.append(pl.when(pl.col(item_id).is_null())
                       .then(pl.format(f"{where(item_id)}的值“{{}}”不是数字", pl.col(f"t_{item_id}")))
                       .alias(f"r_{item_id}"))
    frame = pl.DataFrame(out)
    return frame.with_columns(reasons).select(*cat.item_ids, *(f"r_{i}" for i in cat.item_ids))


def code_and_name(column: Callable[[str], Sequence[Any]], caches: dict[Any, Cache]) -> pl.DataFrame:
    """The row's key cells as the row-by-row reader named them in messages (parse_code / parse_text)."""
    return side_by_side([
        per_value(column("org_code"), lambda v: (parse_code(v),), {"code": pl.String}, caches.setdefault("code", {})),
        per_value(column("name"), lambda v: (parse_text(v),), {"name": pl.String}, caches.setdefault("name", {})),
    ])


def side_by_side(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Frames of the same rows, their columns put together."""
    return pl.DataFrame([s for f in frames for s in f.get_columns()])
