"""Tests for pipeline.lifetable (Chiang II abridged life table, Chiang/Silcocks CI)."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.life.lifetable import (
    OUTPUT_COLUMNS,
    LifeTableInputError,
    LifeTableOptions,
    coale_demeny_a0,
    life_expectancy_summary,
    life_table,
    life_tables,
    read_life_table_input,
    write_life_table,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lifetable"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _close(actual: float, expected: float, tol: float) -> bool:
    return abs(actual - expected) <= tol


def _half_unit(text: str) -> float:
    """Half a unit in the last printed decimal place of a published number."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-decimals)


# ---------------------------------------------------------------------------
# Published example 1: PHEindicatormethods (PHE/UKHSA), tests/testthat/testLifeExpectancy.R
# ---------------------------------------------------------------------------
#
# Source: GitHub ukhsa-collaboration/PHEindicatormethods, file
# tests/testthat/testLifeExpectancy.R: input `df1` (startage 0,1,5,...,90; pops;
# deaths) and expected output `answer1` (value, lowercl, uppercl), also the worked
# example of `phe_life_expectancy` in R/LifeExpectancy.R.  Method: Chiang II with
# a0 = 0.1, 90+ open interval, Silcocks et al. open-interval variance, as in PHE's
# Life Expectancy Calculator.  Our defaults match (a0 = 0.1, a = 0.5, radix 1e5).
# The published limits were computed with z = 1.96 exactly (see fixture README).


def _read_published_phe() -> list[dict[str, str]]:
    with (FIXTURES / "phe_indicatormethods_example.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_published_phe_indicatormethods_ex_to_published_precision() -> None:
    published = _read_published_phe()
    table = life_table(read_life_table_input(FIXTURES / "phe_indicatormethods_example.csv"))
    assert table.get_column("age").to_list() == [float(r["age"]) for r in published]
    for row, ex in zip(published, table.get_column("ex").to_list()):
        # printed with 10 significant digits, e.g. 80.16960813
        assert _close(ex, float(row["published_ex"]), _half_unit(row["published_ex"])), row


def test_published_phe_indicatormethods_ci_to_published_precision() -> None:
    published = _read_published_phe()
    table = life_table(read_life_table_input(FIXTURES / "phe_indicatormethods_example.csv"))
    for row, ex, var in zip(published, table.get_column("ex").to_list(), table.get_column("ex_var").to_list()):
        se = math.sqrt(var)
        # with the publication's z = 1.96 every limit agrees to the printed precision
        assert _close(ex - 1.96 * se, float(row["published_lower"]), _half_unit(row["published_lower"])), row
        assert _close(ex + 1.96 * se, float(row["published_upper"]), _half_unit(row["published_upper"])), row
    # with confidence = 0.95 (z = 1.959964) the limits agree to 4 dp, the precision
    # at which PHEindicatormethods itself checks `answer1`.
    for row, lower, upper in zip(
        published, table.get_column("ex_lower").to_list(), table.get_column("ex_upper").to_list()
    ):
        assert round(lower, 4) == round(float(row["published_lower"]), 4), row
        assert round(upper, 4) == round(float(row["published_upper"]), 4), row


def test_published_phe_open_interval_ci() -> None:
    # 90+: e = 11936/1937 = 6.16210635 and, with the Silcocks term only,
    # SE = (1/M)/sqrt(D) = 6.16210635/sqrt(1937); published limits 5.887683386, 6.436529314.
    table = life_table(read_life_table_input(FIXTURES / "phe_indicatormethods_example.csv"))
    last = table.row(-1, named=True)
    assert last["ex"] == pytest.approx(11936 / 1937, rel=1e-15)
    assert last["ex_var"] == pytest.approx((11936 / 1937) ** 2 / 1937, rel=1e-12)
    assert _close(last["ex"] - 1.96 * math.sqrt(last["ex_var"]), 5.887683386, 5e-10)


# ---------------------------------------------------------------------------
# Published example 2: ONS Data Science Campus, synthesising-census2011-mortality
# ---------------------------------------------------------------------------
#
# Source: GitHub datasciencecampus/synthesising-census2011-mortality, file
# tests/test_life_expectancy.py, test_estimate_with_uncertainty ("Example dataset
# adapted from the HSLE template file"): bands <1, 1-4, ..., 85-89, 90+.
# Published (6 dp): e0 = 79.626661 [79.597640, 79.655682];
#                   e90 = 4.269630 [4.244093, 4.295167]; limits = e -/+ 1.96 SE.
# Their var(q) is Chiang's 1984 form n^2 M (1 - a n M) / (P (1 + (1-a) n M)^3), which
# equals q^2 (1-q) / D; open interval 4/(D M^2) (l/2)^2; a0 = 0.1 -- our defaults.

ONS_PUBLISHED = {
    0.0: ("79.626661", "79.597640", "79.655682"),
    90.0: ("4.269630", "4.244093", "4.295167"),
}


def test_published_ons_hsle_template_example() -> None:
    table = life_table(read_life_table_input(FIXTURES / "ons_hsle_template_example.csv"))
    assert table.height == 20
    rows = {r["age"]: r for r in table.iter_rows(named=True)}
    for age, (ex, lower, upper) in ONS_PUBLISHED.items():
        row = rows[age]
        se = math.sqrt(row["ex_var"])
        assert _close(row["ex"], float(ex), _half_unit(ex)), (age, row["ex"])
        assert _close(row["ex"] - 1.96 * se, float(lower), _half_unit(lower)), age
        assert _close(row["ex"] + 1.96 * se, float(upper), _half_unit(upper)), age
        # and with confidence = 0.95 (z = 1.959964) still to the published 6 dp
        assert _close(row["ex_lower"], float(lower), 1e-6), age
        assert _close(row["ex_upper"], float(upper), 1e-6), age


# ---------------------------------------------------------------------------
# Hand-worked three-interval table
# ---------------------------------------------------------------------------
#
# ages 0, 1, 5+ ; population 991, 998, 1000 ; deaths 10, 1, 50 ; a0 = 0.1, a1 = 0.5.
#
#   n:   1, 4, null
#   mx:  10/991 = 0.010090817356205853 ; 1/998 = 0.001002004008016032 ; 50/1000 = 0.05
#   qx:  q0 = 1*M0/(1 + 1*0.9*M0) = 10/(991 + 9)     = 0.01
#        q1 = 4*M1/(1 + 4*0.5*M1) = 4/(998 + 2)      = 0.004
#        q5 = 1 (open)
#   lx:  100000 ; 100000*0.99 = 99000 ; 99000*0.996 = 98604
#   dx:  1000 ; 396 ; 98604
#   Lx:  L0 = 1*(99000 + 0.1*1000)  = 99100
#        L1 = 4*(98604 + 0.5*396)   = 395208
#        L5 = 98604/0.05            = 1972080
#   Tx:  T0 = 2466388 ; T1 = 2367288 ; T5 = 1972080
#   ex:  e0 = 24.66388 ; e1 = 2367288/99000 = 23.912 ; e5 = 20 (= 1/M5)
#   var(q): v0 = 0.01^2*0.99/10 = 9.9e-6 ; v1 = 0.004^2*0.996/1 = 1.5936e-5
#   S^2 terms:
#        s0 = 100000^2 * (0.9*1 + 23.912)^2 * 9.9e-6 = 60947899.056
#        s1 = 99000^2  * (0.5*4 + 20)^2     * 1.5936e-5 = 75595348.224
#        s5 = 98604^2 / (50 * 0.05^2)   = 98604^2 * 8 = 77781990528
#   ex_var: e5: s5/98604^2 = 8
#           e1: (s1 + s5)/99000^2 = 7.943841024
#           e0: (s0 + s1 + s5)/100000^2 = 7.791853377528
#   z(0.95) = 1.959963984540054 ; ex_lower/upper = ex -/+ z*sqrt(ex_var)

HAND = pl.DataFrame({"age": [0, 1, 5], "population": [991, 998, 1000], "deaths": [10, 1, 50]})
Z95 = 1.959963984540054


def test_hand_worked_columns() -> None:
    t = life_table(HAND)
    assert t.columns == list(OUTPUT_COLUMNS)
    assert all(dtype == (pl.String if name == "ax_source" else pl.Float64) for name, dtype in t.schema.items())
    c = {name: t.get_column(name).to_list() for name in t.columns}
    assert c["age"] == [0.0, 1.0, 5.0]
    assert c["n"] == [1.0, 4.0, None]
    assert c["population"] == [991.0, 998.0, 1000.0]
    assert c["deaths"] == [10.0, 1.0, 50.0]
    assert c["mx"] == pytest.approx([0.010090817356205853, 0.001002004008016032, 0.05], rel=1e-15)
    assert c["qx"] == pytest.approx([0.01, 0.004, 1.0], rel=1e-13)
    assert c["ax"] == [0.1, 0.5, None]
    assert c["ax_years"] == [0.1, 2.0, None]  # a x n: 0.1 x 1, 0.5 x 4
    assert c["ax_source"] == ["a0：固定值", "默认 n/2", "开放组 L=l/M"]
    assert c["lx"] == pytest.approx([100000.0, 99000.0, 98604.0], rel=1e-13)
    assert c["dx"] == pytest.approx([1000.0, 396.0, 98604.0], rel=1e-10)
    assert c["Lx"] == pytest.approx([99100.0, 395208.0, 1972080.0], rel=1e-12)
    assert c["Tx"] == pytest.approx([2466388.0, 2367288.0, 1972080.0], rel=1e-12)
    assert c["ex"] == pytest.approx([24.66388, 23.912, 20.0], rel=1e-12)
    assert c["ex_var"] == pytest.approx([7.791853377528, 7.943841024, 8.0], rel=1e-10)
    for lo, hi, e, v in zip(c["ex_lower"], c["ex_upper"], c["ex"], c["ex_var"]):
        assert lo == pytest.approx(e - Z95 * math.sqrt(v), rel=1e-13)
        assert hi == pytest.approx(e + Z95 * math.sqrt(v), rel=1e-13)
    # e0 = 24.66388 -/+ 1.959964 * 2.791389863 = [19.19283..., 30.13492...]
    assert c["ex_lower"][0] == pytest.approx(24.66388 - Z95 * math.sqrt(7.791853377528), rel=1e-12)


def test_hand_worked_confidence_and_radix() -> None:
    # 90% interval: z = 1.6448536269514722 ; radix only rescales lx, dx, Lx, Tx.
    t = life_table(HAND, LifeTableOptions(confidence=0.90, radix=1000.0))
    assert t.get_column("lx").to_list() == pytest.approx([1000.0, 990.0, 986.04], rel=1e-13)
    assert t.get_column("ex").to_list() == pytest.approx([24.66388, 23.912, 20.0], rel=1e-12)
    assert t.get_column("ex_var").to_list() == pytest.approx([7.791853377528, 7.943841024, 8.0], rel=1e-10)
    assert t.item(0, "ex_upper") == pytest.approx(24.66388 + 1.6448536269514722 * math.sqrt(7.791853377528))


def test_hand_worked_zero_deaths_interval_has_zero_variance() -> None:
    # deaths 0 at age 1: q1 = 0, var(q1) = 0 -> contributes nothing.
    # l = 100000, 99000, 99000 ; e5 = 20 ; var(e5) = 8 ; var(e1) = 99000^2*8/99000^2 = 8
    t = life_table(pl.DataFrame({"age": [0, 1, 5], "population": [991, 998, 1000], "deaths": [10, 0, 50]}))
    assert t.get_column("qx").to_list()[1] == 0.0
    assert t.get_column("ex_var").to_list()[1:] == pytest.approx([8.0, 8.0], rel=1e-12)


def test_qx_capped_at_one_and_later_rows_undefined() -> None:
    # age 1-4: M = 0.5, n*a*M = 4*0.5*0.5 = 1 -> q = 2/(1+1) = 1 exactly; nobody reaches 5.
    t = life_table(pl.DataFrame({"age": [0, 1, 5], "population": [991, 100, 10], "deaths": [10, 50, 5]}))
    assert t.get_column("qx").to_list() == [pytest.approx(0.01), 1.0, 1.0]
    assert t.get_column("lx").to_list()[2] == 0.0
    assert t.get_column("ex").to_list()[2] is None
    assert t.get_column("ex_lower").to_list()[2] is None
    # e1 = L1/l1 = 4*(0 + 0.5*99000)/99000 = 2 ; its variance is 0 (q = 1)
    assert t.get_column("ex").to_list()[1] == pytest.approx(2.0)
    assert t.get_column("ex_var").to_list()[1] == 0.0


def test_single_open_interval() -> None:
    t = life_table(pl.DataFrame({"age": [0], "population": [1000], "deaths": [20]}))
    assert t.get_column("ex").to_list() == [50.0]
    # var = 1/(D M^2) = 1/(20*0.0004) = 125
    assert t.get_column("ex_var").to_list() == [pytest.approx(125.0)]


# ---------------------------------------------------------------------------
# Adjustments
# ---------------------------------------------------------------------------


def test_underreporting_adjusts_deaths() -> None:
    # 20% under-reporting at age 1-4: deaths 1/(1-0.2) = 1.25 ; M1 = 1.25/998 ;
    # q1 = 4*1.25/(998 + 2*1.25) = 5/1000.5 = 0.004997501249375312
    opts = LifeTableOptions(underreporting={1: 0.2})
    t = life_table(HAND, opts)
    assert t.get_column("deaths").to_list() == [10.0, 1.25, 50.0]
    assert t.get_column("mx").to_list()[1] == pytest.approx(1.25 / 998, rel=1e-15)
    assert t.get_column("qx").to_list()[1] == pytest.approx(5 / 1000.5, rel=1e-13)
    summary = life_expectancy_summary(HAND, opts).row(0, named=True)
    assert summary["deaths_reported"] == 61.0
    assert summary["deaths_used"] == 61.25
    assert summary["underreporting"] == "1岁:0.2"


def test_imr_replaces_q0_and_makes_m0_consistent() -> None:
    # IMR 5 per 1000: q0 = 0.005 ; with a0 = 0.1: M0 = q0/(1 - 0.9*q0) = 0.005/0.9955
    # deaths used at age 0 = M0 * 991 = 4.977398292315419
    t = life_table(HAND, LifeTableOptions(imr_per_1000=5.0))
    m0 = 0.005 / 0.9955
    assert t.item(0, "qx") == 0.005
    assert t.item(0, "mx") == pytest.approx(m0, rel=1e-15)
    assert t.item(0, "deaths") == pytest.approx(m0 * 991, rel=1e-15)
    # Chiang formula applied to the adjusted M0 gives back q0
    assert m0 / (1 + 0.9 * m0) == pytest.approx(0.005, rel=1e-14)
    assert t.item(1, "lx") == pytest.approx(99500.0, rel=1e-14)
    # var(q0) uses the implied deaths: 0.005^2 * 0.995 / (M0*991)
    e1 = t.item(1, "ex")
    s0 = 1e10 * (0.9 + e1) ** 2 * (0.005**2 * 0.995 / (m0 * 991))
    s_rest = t.item(1, "ex_var") * t.item(1, "lx") ** 2
    assert t.item(0, "ex_var") == pytest.approx((s0 + s_rest) / 1e10, rel=1e-12)


def test_a0_from_imr_by_coale_demeny() -> None:
    # q0 = 0.005: male 0.0425 + 2.875*0.005 = 0.056875 ; female 0.050 + 3*0.005 = 0.065 ;
    # both sexes: mean = 0.0609375
    assert coale_demeny_a0(0.005, basis="q0", sex="男") == pytest.approx(0.056875)
    assert coale_demeny_a0(0.005, basis="q0", sex="女") == pytest.approx(0.065)
    assert coale_demeny_a0(0.005, basis="q0") == pytest.approx(0.0609375)
    assert coale_demeny_a0(0.15, basis="q0", sex="1") == 0.330
    assert coale_demeny_a0(0.15, basis="q0", sex="F") == 0.350
    # m0 = 0.01: male 0.045 + 0.02684 = 0.07184 ; female 0.053 + 0.028 = 0.081
    assert coale_demeny_a0(0.01, basis="m0", sex="male") == pytest.approx(0.07184)
    assert coale_demeny_a0(0.01, basis="m0", sex="女性") == pytest.approx(0.081)
    assert coale_demeny_a0(0.107, basis="m0", sex="男") == 0.330

    df = HAND.with_columns(sex=pl.lit("女"))
    t = life_table(df, LifeTableOptions(a0=None, imr_per_1000=5.0))
    assert t.item(0, "ax") == pytest.approx(0.065)
    assert t.item(0, "mx") == pytest.approx(0.005 / (1 - 0.935 * 0.005), rel=1e-14)
    s = life_expectancy_summary(df, LifeTableOptions(a0=None, imr_per_1000=5.0)).row(0, named=True)
    assert s["a0"] == pytest.approx(0.065)
    assert "q0" in s["a0_rule"]
    assert s["imr_per_1000"] == 5.0


def test_a0_from_registration_m0() -> None:
    # no IMR: m0 = 10/991 ; male a0 = 0.045 + 2.684*10/991
    df = HAND.with_columns(sex=pl.lit("男"))
    t = life_table(df, LifeTableOptions(a0=None))
    assert t.item(0, "ax") == pytest.approx(0.045 + 2.684 * 10 / 991, rel=1e-14)


def test_stability_flag() -> None:
    # total person-years 991 + 998 + 1000 = 2989 < 5000 -> unstable ; threshold 2000 -> stable
    s = life_expectancy_summary(HAND).row(0, named=True)
    assert s["total_person_years"] == 2989.0
    assert s["unstable"] is True
    assert s["e0"] == pytest.approx(24.66388)
    assert life_expectancy_summary(HAND, LifeTableOptions(min_person_years=2000)).item(0, "unstable") is False
    assert life_expectancy_summary(HAND, LifeTableOptions(min_person_years=2989)).item(0, "unstable") is False


# ---------------------------------------------------------------------------
# Grouping
# ---------------------------------------------------------------------------


def _group(sex: str, region: str, scale: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "region_code": [region] * 3,
            "sex": [sex] * 3,
            "age": [0, 1, 5],
            "population": [991 * scale, 998 * scale, 1000 * scale],
            "deaths": [10 * scale, 1 * scale, 50 * scale],
        }
    )


def test_life_tables_grouped_sorted_and_deterministic() -> None:
    df = pl.concat([_group("男", "430602", 3), _group("女", "430621", 1), _group("女", "430602", 2)])
    out = life_tables(df)
    assert out.columns == ["sex", "region_code", *OUTPUT_COLUMNS]
    keys = out.select("sex", "region_code").unique(maintain_order=True).rows()
    assert keys == sorted(keys)
    assert out.height == 9
    # every group reproduces the hand-worked e0 (scaling does not change ex)
    assert out.filter(pl.col("age") == 0).get_column("ex").to_list() == pytest.approx([24.66388] * 3)
    shuffled = df.sample(fraction=1.0, shuffle=True, seed=7).sort("age", maintain_order=True)
    assert life_tables(shuffled).equals(out)
    summary = life_expectancy_summary(df)
    assert summary.select("sex", "region_code").rows() == keys
    # CI narrows with population size
    widths = {
        (r["sex"], r["region_code"]): r["e0_upper"] - r["e0_lower"] for r in summary.iter_rows(named=True)
    }
    assert widths[("男", "430602")] < widths[("女", "430602")] < widths[("女", "430621")]


def test_life_tables_without_group_columns_equals_life_table() -> None:
    assert life_tables(HAND).equals(life_table(HAND))


def test_life_table_rejects_several_groups() -> None:
    df = pl.concat([_group("男", "430602", 1), _group("女", "430602", 1)])
    with pytest.raises(LifeTableInputError, match="多个分组"):
        life_table(df)


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn, max_closed_rate: float = 0.15) -> pl.DataFrame:
    k = draw(st.integers(min_value=1, max_value=8))
    widths = draw(st.lists(st.integers(min_value=1, max_value=10), min_size=k - 1, max_size=k - 1))
    ages = [0]
    for w in widths:
        ages.append(ages[-1] + w)
    pops = draw(st.lists(st.integers(min_value=1, max_value=10**6), min_size=k, max_size=k))
    deaths = [draw(st.integers(min_value=0, max_value=int(max_closed_rate * p))) for p in pops[:-1]]
    deaths.append(draw(st.integers(min_value=1, max_value=pops[-1])))
    return pl.DataFrame({"age": ages, "population": pops, "deaths": deaths})


PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(tables())
def test_property_open_interval_ex_is_inverse_mx(df: pl.DataFrame) -> None:
    t = life_table(df)
    last = t.row(-1, named=True)
    assert last["ex"] == pytest.approx(last["population"] / last["deaths"], rel=1e-12)
    assert last["ex"] == pytest.approx(1.0 / last["mx"], rel=1e-12)


@PROPERTY_SETTINGS
@given(tables(max_closed_rate=1.0))
def test_property_lx_non_increasing_and_tx_is_tail_sum(df: pl.DataFrame) -> None:
    t = life_table(df)
    lx = t.get_column("lx").to_list()
    assert all(b <= a for a, b in zip(lx, lx[1:]))
    assert all(0.0 <= q <= 1.0 for q in t.get_column("qx").to_list())
    Lx = t.get_column("Lx").to_list()
    Tx = t.get_column("Tx").to_list()
    for i, T in enumerate(Tx):
        assert T == pytest.approx(math.fsum(Lx[i:]), rel=1e-12, abs=1e-9)
    assert math.fsum(t.get_column("dx").to_list()) == pytest.approx(100000.0, rel=1e-12)
    # ex is undefined exactly where nobody survives to the age
    assert [e is None for e in t.get_column("ex").to_list()] == [v == 0.0 for v in lx]


@PROPERTY_SETTINGS
@given(tables(), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_property_ci_contains_estimate(df: pl.DataFrame, confidence: float) -> None:
    t = life_table(df, LifeTableOptions(confidence=confidence))
    for row in t.iter_rows(named=True):
        assert row["ex_var"] >= 0.0
        assert row["ex_lower"] <= row["ex"] <= row["ex_upper"]


@PROPERTY_SETTINGS
@given(tables(), st.floats(min_value=1.5, max_value=1000.0, allow_nan=False))
def test_property_scaling_keeps_ex_and_narrows_ci(df: pl.DataFrame, k: float) -> None:
    base = life_table(df)
    scaled = life_table(df.with_columns(pl.col("population") * k, pl.col("deaths") * k))
    for a, b in zip(base.iter_rows(named=True), scaled.iter_rows(named=True)):
        assert math.isclose(a["ex"], b["ex"], rel_tol=1e-9, abs_tol=1e-9)
        assert b["ex_upper"] - b["ex_lower"] < a["ex_upper"] - a["ex_lower"]
        # the variance scales exactly as 1/k
        assert b["ex_var"] == pytest.approx(a["ex_var"] / k, rel=1e-9)


# ---------------------------------------------------------------------------
# Validation errors (all LifeTableInputError with Chinese messages)
# ---------------------------------------------------------------------------

GOOD = {"age": [0, 1, 5], "population": [991, 998, 1000], "deaths": [10, 1, 50]}


def _frame(**changes: list) -> pl.DataFrame:
    data = {**GOOD, **changes}
    return pl.DataFrame(data, schema={"age": pl.Float64, "population": pl.Float64, "deaths": pl.Float64})


@pytest.mark.parametrize(
    ("df", "fragments"),
    [
        (pl.DataFrame({"age": [0, 1], "population": [1, 2]}), ["缺少必需的列", "deaths"]),
        (_frame(age=[0, 5, 1]), ["升序", "第3行", "年龄 1"]),
        (_frame(age=[1, 5, 10]), ["起始年龄必须为0", "第1行"]),
        (_frame(deaths=[10, -1, 50]), ["死亡数", "负数", "第2行", "年龄 1"]),
        (_frame(population=[991, -998, 1000]), ["人口数", "负数", "第2行"]),
        (_frame(population=[991, None, 1000]), ["人口数", "缺失", "第2行", "年龄 1"]),
        (_frame(age=[0, None, 5]), ["年龄", "缺失", "第2行"]),
        (_frame(deaths=[10.0, float("nan"), 50.0]), ["死亡数", "缺失", "第2行"]),
        (_frame(deaths=[10.0, float("inf"), 50.0]), ["死亡数", "有限数值", "第2行"]),
        (_frame(deaths=[10, 999, 50]), ["大于人口数", "第2行", "年龄 1"]),
        (_frame(population=[991, 0, 1000], deaths=[10, 0, 50]), ["人口数为0", "第2行", "年龄 1"]),
        (_frame(age=[0, 1, 1]), ["重复", "第3行", "第2行", "年龄 1"]),
        (_frame(deaths=[10, 1, 0]), ["开放", "死亡数为0", "年龄 5"]),
        (_frame(age=[], population=[], deaths=[]), ["为空"]),
        (pl.DataFrame({"age": ["0", "1"], "population": [1, 2], "deaths": [0, 1]}), ["数值类型", "age"]),
    ],
)
def test_validation_errors(df: pl.DataFrame, fragments: list[str]) -> None:
    with pytest.raises(LifeTableInputError) as info:
        life_table(df)
    message = str(info.value)
    assert CJK.search(message)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_validation_error_names_group_row_and_age() -> None:
    df = pl.concat([_group("女", "430602", 1), _group("男", "430621", 1)]).with_columns(
        deaths=pl.when((pl.col("sex") == "男") & (pl.col("age") == 5)).then(2000).otherwise(pl.col("deaths"))
    )
    with pytest.raises(LifeTableInputError) as info:
        life_tables(df)
    message = str(info.value)
    for fragment in ["性别=男", "地区代码=430621", "第6行", "年龄 5", "大于人口数"]:
        assert fragment in message, (fragment, message)
    assert info.value.group == {"sex": "男", "region_code": "430621"}
    assert info.value.row == 6
    assert info.value.age == 5.0


def test_missing_group_key_is_an_error() -> None:
    df = _group("女", "430602", 1).with_columns(sex=pl.Series([None, "女", "女"], dtype=pl.String))
    with pytest.raises(LifeTableInputError, match="性别.*缺失"):
        life_tables(df)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"confidence": 1.0}, "置信水平"),
        ({"confidence": 0.0}, "置信水平"),
        ({"a0": 1.5}, "a0"),
        ({"radix": 0.0}, "基数"),
        ({"imr_per_1000": 1000.0}, "婴儿死亡率"),
        ({"imr_per_1000": -1.0}, "婴儿死亡率"),
        ({"underreporting": {1: 1.0}}, "漏报率"),
        ({"underreporting": {1: -0.1}}, "漏报率"),
        ({"min_person_years": -1.0}, "人年数"),
    ],
)
def test_invalid_options(kwargs: dict, fragment: str) -> None:
    with pytest.raises(LifeTableInputError, match=fragment):
        LifeTableOptions(**kwargs)


def test_underreporting_age_not_in_table() -> None:
    with pytest.raises(LifeTableInputError, match="漏报率.*年龄组 2 不是本寿命表的年龄组起点"):
        life_table(HAND, LifeTableOptions(underreporting={2: 0.1}))


def test_imr_needs_infant_interval() -> None:
    df = pl.DataFrame({"age": [0, 5, 10], "population": [5000, 5000, 5000], "deaths": [20, 5, 100]})
    with pytest.raises(LifeTableInputError, match="0–1 岁"):
        life_table(df, LifeTableOptions(imr_per_1000=5.0))
    with pytest.raises(LifeTableInputError, match="0–1 岁"):
        life_table(df, LifeTableOptions(a0=None))


# ---------------------------------------------------------------------------
# CSV input and output
# ---------------------------------------------------------------------------


def test_read_csv_with_bom_aliases_and_age_labels(tmp_path: Path) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(
        "\ufeff性别,行政区划代码,年龄组,平均人口数,死亡人数,备注\n"
        "女,430602,0,991,10,\n"
        "女,430602,1-4,998,1,\n"
        "女,430602,5岁及以上,\"1,000\",50,x\n".encode("utf-8")
    )
    df = read_life_table_input(path)
    assert df.columns == ["sex", "region_code", "age", "population", "deaths"]
    assert df.get_column("age").to_list() == [0.0, 1.0, 5.0]
    assert df.get_column("population").to_list() == [991.0, 998.0, 1000.0]
    out = life_tables(df)
    assert out.columns[:2] == ["sex", "region_code"]
    assert out.item(0, "ex") == pytest.approx(24.66388)


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("age,population\n0,1\n", ["缺少必需的列", "deaths"]),
        ("age,population,deaths\n0,991,10\n1,abc,1\n5,1000,50\n", ["不是有效数字", "文件第3行", "年龄 1"]),
        ("age,population,deaths\n0,991,10\n1,,1\n5,1000,50\n", ["缺失", "文件第3行"]),
        ("age,population,deaths\n0,991,10\nx,998,1\n5,1000,50\n", ["无法识别", "文件第3行"]),
        ("age,population,deaths\n0,991,10\n5,1000,50\n1,998,1\n", ["升序", "文件第4行"]),
        ("sex,age,population,deaths\n男,0,991,10\n男,1,998,1000\n男,5,1000,50\n", ["性别=男", "大于人口数", "文件第3行"]),
        ("age,年龄,population,deaths\n0,0,991,10\n", ["多列", "age"]),
        ("", ["为空"]),
    ],
)
def test_read_csv_errors(tmp_path: Path, content: str, fragments: list[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LifeTableInputError) as info:
        read_life_table_input(path)
    message = str(info.value)
    assert "bad.csv" in message or "为空" in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_read_csv_gbk_is_rejected_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("年龄,人口数,死亡数\n0,991,10\n".encode("gbk"))
    with pytest.raises(LifeTableInputError, match="UTF-8"):
        read_life_table_input(path)


def test_write_life_table_round_trip_and_deterministic(tmp_path: Path) -> None:
    df = pl.concat([_group("女", "430602", 1), _group("男", "430602", 7)])
    result = life_tables(df, LifeTableOptions(underreporting={1: 0.3}))
    out = tmp_path / "sub" / "le.csv"
    write_life_table(result, out)
    first = out.read_bytes()
    write_life_table(result, out)
    assert out.read_bytes() == first
    assert [p.name for p in out.parent.iterdir()] == ["le.csv"]  # no temp files left
    text = first.decode("utf-8")
    assert text.splitlines()[0] == ",".join(result.columns)
    back = pl.read_csv(out, schema=result.schema)
    assert back.equals(result)  # bit-exact floats, nulls preserved
    # full precision: repr() of every float appears verbatim
    assert repr(result.item(1, "mx")) in text


def test_write_life_table_failure_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "x.csv"
    out.write_text("old", encoding="utf-8")

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pl.DataFrame, "iter_rows", explode)
    with pytest.raises(RuntimeError):
        write_life_table(pl.DataFrame({"a": [1.0]}), out)
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]
