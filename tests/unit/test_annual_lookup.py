"""The annual result's indexed look-ups (value, for_year, lookup) answer what a filter on the whole table answers;
_finish's change column is the indicator's own kind of change; parse_numbers' check names the first bad column.

Values are worked out by hand from a tiny table; the reference answers come from the table itself by a filter."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline.annual.indicators import AnnualResult, AnnualSettings, _finish, load_catalogue
from pipeline.errors import UserError
from pipeline.ingest.annual_reports import parse_numbers
from pipeline.monthly.indicators import Regions

CITY = "430600"
COUNTY = "430602"
REGIONS = Regions(city_code=CITY, city_name="岳阳市",
                  table=pl.DataFrame({"region_code": [COUNTY], "region_name": ["岳阳楼区"], "region_kind": ["区"]}))


def _result() -> AnnualResult:
    cat = load_catalogue()
    order = {a.id: i for i, a in enumerate(cat.indicators)}
    # beds: 1,000 → 1,100 (a growth rate, +10%); bed_use_rate (change in 百分点): 80 → 85.5 (+5.5); avg_stay (日): 9.5 → 9.0
    rows = [("beds", "total", CITY, 2024, 1_000.0), ("beds", "total", CITY, 2025, 1_100.0),
            ("beds", "total", COUNTY, 2025, 300.0), ("beds", "hosp", CITY, 2025, 900.0),
            ("bed_use_rate", "total", CITY, 2024, 80.0), ("bed_use_rate", "total", CITY, 2025, 85.5),
            ("bed_use_rate", "total", COUNTY, 2025, None),
            ("avg_stay", "total", CITY, 2024, 9.5), ("avg_stay", "total", CITY, 2025, 9.0)]
    long = pl.DataFrame([dict(zip(("indicator_id", "breakdown_id", "region_code", "year", "value"), r),
                              _ind_order=order[r[0]]) for r in rows],
                        schema={"indicator_id": pl.Utf8, "breakdown_id": pl.Utf8, "region_code": pl.Utf8,
                                "year": pl.Int32, "value": pl.Float64, "_ind_order": pl.Int64})
    return AnnualResult(settings=AnnualSettings(year=2025), catalogue=cat, regions=REGIONS, years=(2024, 2025),
                        table=_finish(long, cat, REGIONS))


def _filtered(r: AnnualResult, ind: str, year: int, region: str, bd: str, column: str) -> float | None:
    hit = r.table.filter((pl.col("indicator_id") == ind) & (pl.col("year") == year) & (pl.col("region_code") == region)
                         & (pl.col("breakdown_id") == bd))
    return None if hit.height == 0 or hit[column][0] is None else float(hit[column][0])


def test_value_is_what_a_filter_gives() -> None:
    r = _result()
    assert r.catalogue.indicator("beds").ind.change == "pct"
    assert r.value("beds") == 1_100.0
    assert r.value("beds", 2024) == 1_000.0
    assert r.value("beds", region=COUNTY) == 300.0
    assert r.value("beds", breakdown="hosp") == 900.0
    assert r.value("beds", column="base_value") == 1_000.0
    assert r.value("beds", column="change") == pytest.approx(10.0)  # (1100 − 1000) ÷ 1000 × 100
    assert r.value("bed_use_rate", column="change") == pytest.approx(5.5)  # 百分点: 85.5 − 80
    assert r.value("avg_stay", column="change") == pytest.approx(-0.5)  # 日: 9.0 − 9.5
    assert r.value("bed_use_rate", region=COUNTY) is None  # a null value
    assert r.value("beds", 2023) is None and r.value("beds", region="999999") is None  # no such row
    for ind in ("beds", "bed_use_rate", "avg_stay"):
        for year in (2024, 2025):
            for region in (CITY, COUNTY):
                for bd in ("total", "hosp"):
                    for column in ("value", "base_value", "change"):
                        assert r.value(ind, year, region, bd, column) == _filtered(r, ind, year, region, bd, column)
    with pytest.raises(KeyError):
        r.value("no_such_indicator")


def test_change_unit_and_kind_per_indicator() -> None:
    t = _result().table.filter(pl.col("region_code") == CITY, pl.col("year") == 2025, pl.col("breakdown_id") == "total")
    units = dict(zip(t["indicator_id"], t["change_unit"]))
    assert units == {"beds": "%", "bed_use_rate": "百分点", "avg_stay": "日"}


def test_for_year_and_lookup_follow_a_new_table() -> None:
    r = _result()
    assert r.for_year().equals(r.table.filter(pl.col("year") == 2025))
    assert r.lookup()[("beds", "total", COUNTY)]["value"] == 300.0
    assert ("beds", "total", CITY) in r.lookup(2024)
    r.value("beds")  # the index is built
    r.table = r.table.with_columns(value=pl.col("value") * 2)  # a new table: nothing worked out from the old one stays
    assert r.value("beds") == 2_200.0
    assert r.lookup()[("beds", "total", COUNTY)]["value"] == 600.0
    assert r.for_year()["value"].sum() == 2 * (1_100.0 + 300.0 + 900.0 + 85.5 + 9.0)


def test_parse_numbers_blanks_commas_and_the_first_bad_column() -> None:
    df = pl.DataFrame({"a": [" 1,234.5 ", "", "-", "—", None, "7"], "b": ["1", "2", "3", "4", "5", "6"]})
    zero = parse_numbers(df, ["a", "b"], Path("x.csv"), blank_is_zero=True)
    assert zero["a"].to_list() == [1234.5, 0.0, 0.0, 0.0, None, 7.0]
    assert zero["b"].to_list() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    null = parse_numbers(df, ["a"], Path("x.csv"), blank_is_zero=False)
    assert null["a"].to_list() == [1234.5, None, None, None, None, 7.0]
    bad = pl.DataFrame({"a": ["1", "2"], "b": ["3", "三"], "c": ["x", "4"]})
    with pytest.raises(UserError, match="列“b”有非数字的值：“三”"):  # b before c, in the order given
        parse_numbers(bad, ["a", "b", "c"], Path("x.csv"), blank_is_zero=True)
    with pytest.raises(UserError, match="列“c”有非数字的值：“x”"):
        parse_numbers(bad, ["c", "b"], Path("x.csv"), blank_is_zero=False)
    with pytest.raises(UserError, match="列“a”有非数字的值：“,”"):  # a lone comma is not a blank
        parse_numbers(pl.DataFrame({"a": [","]}), ["a"], Path("x.csv"), blank_is_zero=False)


def test_evaluate_many_gives_each_indicators_own_values() -> None:
    from pipeline.annual.evaluate import evaluate, evaluate_many

    cat = load_catalogue()
    # two counties of a by-region file (population 400,000 and 250,000); the second has 丙类 cases blank (待公布)
    frame = pl.DataFrame({"breakdown_id": ["total", "total"], "region_code": [COUNTY, "430603"],
                          "year": pl.Series([2025, 2025], dtype=pl.Int32), "ab_cases": [1_000.0, 500.0],
                          "c_cases": [250.0, None], "ab_deaths": [2.0, 0.0], "c_deaths": [0.0, None],
                          "population": [400_000.0, 250_000.0], "days": [365.0, 365.0], "working_days": [251.0, 251.0],
                          "price_level": [None, None]}, schema_overrides={"price_level": pl.Float64})
    items = [(i, ai) for i, ai in enumerate(cat.indicators) if ai.source == "infectious_diseases"]
    many = evaluate_many(items, frame)
    assert many.columns == ["breakdown_id", "region_code", "year", "value", "indicator_id", "_ind_order"]
    got = {(r["indicator_id"], r["region_code"]): r["value"] for r in many.iter_rows(named=True)}
    assert got[("notifiable_incidence", COUNTY)] == pytest.approx(312.5)  # (1000 + 250) ÷ 400,000 × 10万
    assert got[("ab_incidence", "430603")] == pytest.approx(200.0)  # 500 ÷ 250,000 × 10万
    assert got[("notifiable_cases", "430603")] is None  # a blank input stays blank, not 500
    assert {r["indicator_id"]: r["_ind_order"] for r in many.iter_rows(named=True)} == {ai.id: i for i, ai in items}
    for _, ai in items:  # each value is what evaluating the indicator alone gives
        alone = evaluate(ai, frame)
        assert [got[(ai.id, code)] for code in alone["region_code"]] == alone["value"].to_list()


def _parse_numbers_by_expressions(df: pl.DataFrame, columns: list[str], *, blank_is_zero: bool) -> pl.DataFrame:
    """The earlier implementation, kept here as the reference: strip, drop commas, blank → 0 or null, cast."""
    exprs = []
    for c in columns:
        text = pl.col(c).cast(pl.Utf8).str.strip_chars().str.replace_all(",", "")
        text = pl.when(text.is_in(["", "-", "—"])).then(pl.lit("0" if blank_is_zero else None)).otherwise(text)
        exprs.append(text.cast(pl.Float64, strict=False).alias(c))
    return df.with_columns(exprs)


def test_parse_numbers_fast_path_matches_the_full_path() -> None:
    import random

    rnd = random.Random(20261206)
    numbers = ["1", "12.5", "-3", "+4", "1e3", ".5", "5.", "-0", "1234567.891", "0"]
    messy = [" 7 ", "1,234", "1,234.5", "\u30008", "", "-", "—", "  ", None]
    # clean columns (the fast path), messy ones (the full path) and all-null / empty ones
    cols = {f"clean{i}": [rnd.choice(numbers + [None]) for _ in range(50)] for i in range(4)}
    cols |= {f"messy{i}": [rnd.choice(numbers + messy) for _ in range(50)] for i in range(4)}
    cols["nulls"] = [None] * 50
    df = pl.DataFrame(cols, schema={c: pl.Utf8 for c in cols})
    for blank_is_zero in (True, False):
        got = parse_numbers(df, list(cols), Path("x.csv"), blank_is_zero=blank_is_zero)
        want = _parse_numbers_by_expressions(df, list(cols), blank_is_zero=blank_is_zero)
        assert got.equals(want) and got.schema == want.schema
    empty = df.head(0)
    assert parse_numbers(empty, list(cols), Path("x.csv"), blank_is_zero=True).schema == \
        _parse_numbers_by_expressions(empty, list(cols), blank_is_zero=True).schema
