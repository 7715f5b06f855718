"""Indicator engine against values worked out by hand from domain.md §4–5."""

from __future__ import annotations

import polars as pl
import pytest

from pipeline.catalogues import indicators as catalogue
from pipeline.monthly import indicators as ind
from tests.helpers import clean_frame, clean_row


def _two_hospitals(period: str, scale: float = 1.0, beds: float = 150.0):
    """H1: 100 beds, 31 days; H2: 50 beds. Values for January (31 days)."""
    return [
        clean_row("H1", period, occupied_bed_days=2480 * scale, open_bed_days=3100, discharged_bed_days=900 * scale,
                  discharges=100 * scale, visits=5000 * scale, oe_visits=4800 * scale,
                  outpatient_revenue=1500 * scale, outpatient_drug_revenue=450 * scale, inpatient_revenue=1000,
                  inpatient_drug_revenue=250, beds=beds - 50, health_techs=300),
        clean_row("H2", period, region_code="430621", level_class="二级", occupied_bed_days=1000 * scale,
                  open_bed_days=1550, discharged_bed_days=450 * scale, discharges=50 * scale, visits=3000 * scale,
                  oe_visits=2900 * scale, outpatient_revenue=900 * scale, outpatient_drug_revenue=300 * scale,
                  inpatient_revenue=500, inpatient_drug_revenue=100, beds=50, health_techs=100),
    ]


@pytest.fixture
def table(regions):
    rows = _two_hospitals("2024-01") + _two_hospitals("2025-01", scale=1.1) + _two_hospitals("2025-02", beds=170)
    # February 2025 has 28 days: open bed days shrink accordingly
    for r in rows:
        if r["period"] == "2025-02":
            r["open_bed_days"] = r["open_bed_days"] / 31 * 28
    return ind.compute(clean_frame(rows), regions)


def v(table, indicator_id, period="2025-01", region="430600", period_type="本月", breakdown="total", column="value"):
    t = table.filter(table["period"] == period)
    return ind.value(t, indicator_id, region, period_type=period_type, breakdown_id=breakdown, column=column)


def test_bed_use_rate_from_summed_parts(table):
    # (2480 + 1000) × 1.1 / (3100 + 1550) × 100 = 3828 / 4650 × 100 = 82.32258…
    assert v(table, "bed_use_rate") == pytest.approx(3828 / 4650 * 100)
    # not the mean of the two hospitals' rates (88.0 and 70.97)
    assert v(table, "bed_use_rate") != pytest.approx((2728 / 3100 + 1100 / 1550) / 2 * 100)
    # change in 百分点: 2024-01 rate = 3480 / 4650 × 100 = 74.83871
    assert v(table, "bed_use_rate", column="change") == pytest.approx(3828 / 4650 * 100 - 3480 / 4650 * 100)
    units = table.filter(table["period"] == "2025-01").group_by("indicator_id").agg(pl.col("change_unit").first())
    unit_of = dict(units.iter_rows())
    assert unit_of["bed_use_rate"] == "百分点" and unit_of["visits"] == "%" and unit_of["avg_stay"] == "日"


def test_avg_stay_turnover_open_beds(table):
    # 出院者平均住院日 = 1350 / 150 = 9.0 日 (2024-01)
    assert v(table, "avg_stay", period="2024-01") == pytest.approx(9.0)
    # 平均开放病床 = 4650 / 31 = 150; 周转次数 = 150 / 150 = 1.0
    assert v(table, "avg_open_beds", period="2024-01") == pytest.approx(150.0)
    assert v(table, "bed_turnover", period="2024-01") == pytest.approx(1.0)


def test_costs_and_drug_share(table):
    # 次均门诊费用 = (1500 + 900) × 1000 / 8000 = 300 元
    assert v(table, "outpatient_cost", period="2024-01") == pytest.approx(300.0)
    # variant over 门急诊: 2,400,000 / 7700 = 311.688…
    assert v(table, "outpatient_cost_oe", period="2024-01") == pytest.approx(2_400_000 / 7700)
    # 人均住院费用 = 1500 × 1000 / 150 = 10,000 元
    assert v(table, "inpatient_cost", period="2024-01") == pytest.approx(10_000.0)
    # 门诊药占比 = 750 / 2400 × 100 = 31.25 %; 住院 = 350 / 1500 × 100
    assert v(table, "op_drug_share", period="2024-01") == pytest.approx(31.25)
    assert v(table, "ip_drug_share", period="2024-01") == pytest.approx(350 / 1500 * 100)


def test_growth_percent(table):
    # visits 2025-01 = 8800, 2024-01 = 8000 → +10.0 %
    assert v(table, "visits") == pytest.approx(8800)
    assert v(table, "visits", column="base_value") == pytest.approx(8000)
    assert v(table, "visits", column="change") == pytest.approx(10.0)


def test_cumulative_flows_sum_and_stocks_average(table):
    # 1-2月 visits = 8800 + 8000; beds = mean(150, 220) = 185 (Feb: H1 120 + H2 50 = 170 + … see fixture)
    feb_beds = (170 - 50) + 50
    assert v(table, "visits", period="2025-02", period_type="累计") == pytest.approx(8800 + 8000)
    assert v(table, "beds", period="2025-02", period_type="累计") == pytest.approx((150 + feb_beds) / 2)
    # cumulative 使用率 = (3828 + 3480) / (4650 + 4650/31*28) × 100
    expected = (3828 + 3480) / (4650 + 4650 / 31 * 28) * 100
    assert v(table, "bed_use_rate", period="2025-02", period_type="累计") == pytest.approx(expected)
    # cumulative 平均开放病床 = Σ open bed days / (31 + 28)
    assert v(table, "avg_open_beds", period="2025-02", period_type="累计") == pytest.approx(
        (4650 + 4650 / 31 * 28) / 59
    )
    # 2024-02 is not in the data: no 同期 for 2025-02, change is None (not inf)
    assert v(table, "visits", period="2025-02", column="base_value") is None
    assert v(table, "visits", period="2025-02", column="change") is None


def test_region_and_breakdown_cells(table):
    assert v(table, "visits", period="2024-01", region="430602") == pytest.approx(5000)
    assert v(table, "visits", period="2024-01", region="430621") == pytest.approx(3000)
    assert v(table, "visits", period="2024-01", breakdown="hosp_l2") == pytest.approx(3000)
    # a breakdown with no institution is present: counts 0, ratios None ('—'), never NaN
    assert v(table, "visits", period="2024-01", breakdown="primary") == 0
    assert v(table, "bed_use_rate", period="2024-01", breakdown="primary") is None


def test_every_catalogue_cell_present(table, regions):
    one = table.filter(table["period"] == "2025-01")
    from pipeline.catalogues import breakdowns

    expected = len(catalogue()) * len(breakdowns()) * len(regions.codes) * 2
    assert one.height == expected
    assert one["value"].is_nan().sum() == 0


def test_many_units_keep_only_the_breakdowns_they_have(regions):
    """Beyond complete_units_max units (a province, the country) a unit lists only the breakdowns it has
    institutions of; the city stays complete, and every value that is listed equals the complete table's."""
    rows = _two_hospitals("2024-01") + _two_hospitals("2025-01", scale=1.1)
    dense = ind.compute(clean_frame(rows), regions)
    sparse = ind.compute(clean_frame(rows), regions, complete_units_max=1)  # 2 units > 1
    keys = ["indicator_id", "breakdown_id", "region_code", "period", "period_type"]
    # H1 (430602) is a 三级 hospital, H2 (430621) a 二级 one: each county has hosp_l3 or hosp_l2, not both
    pairs = set(sparse.select("breakdown_id", "region_code").unique().iter_rows())
    assert ("hosp_l3", "430602") in pairs and ("hosp_l2", "430602") not in pairs
    assert ("hosp_l2", "430621") in pairs and ("hosp_l3", "430621") not in pairs
    assert ("primary", "430602") not in pairs and ("primary", "430600") in pairs  # the city is complete
    city = sparse.filter(pl.col("region_code") == "430600")
    assert city.height == dense.filter(pl.col("region_code") == "430600").height
    # a listed pair has every month and period type, with the complete table's values
    joined = sparse.join(dense, on=keys, how="left", suffix="_dense")
    assert joined.height == sparse.height
    for col in ("value", "base_value", "change", "n_reports"):
        assert joined.filter(~pl.col(col).eq_missing(pl.col(f"{col}_dense"))).height == 0
    assert sparse.filter((pl.col("breakdown_id") == "hosp_l3") & (pl.col("region_code") == "430602")).height == \
        len(catalogue()) * 2 * 2  # indicators × 2 months × 2 period types


def test_zero_base_gives_no_growth(regions):
    rows = [clean_row("H1", "2024-01", visits=0), clean_row("H1", "2025-01", visits=100)]
    t = ind.compute(clean_frame(rows), regions)
    assert v(t, "visits", column="change") is None


def test_per_population_uses_same_or_latest_earlier_year(regions):
    rows = [clean_row("H1", "2024-12", beds=7620, doctors=2710, gps=254),
            clean_row("H1", "2025-12", beds=8000, doctors=2800, gps=393)]
    pop = pl.DataFrame({"region_code": ["430600", "430600", "430602"], "year": [2023, 2024, 2024],
                        "population": [1_010_000.0, 1_000_000.0, 1_000_000.0]})
    t = ind.compute(clean_frame(rows), regions, pop)
    # 2024: 7620 / 1,000,000 × 1000 = 7.62 张; 每万全科 = 254 / 1e6 × 1e4 = 2.54
    assert v(t, "beds_per_1000", period="2024-12") == pytest.approx(7.62)
    assert v(t, "gps_per_10000", period="2024-12") == pytest.approx(2.54)
    # 2025 has no population yet: the 2024 figure is used (yearbook lag), and recorded
    assert v(t, "beds_per_1000", period="2025-12") == pytest.approx(8.0)
    assert t.filter((pl.col("period") == "2025-12") & (pl.col("region_code") == "430600"))["population_year"].unique().to_list() == [2024]
    # change in 张: 8.00 − 7.62
    assert v(t, "beds_per_1000", period="2025-12", column="change") == pytest.approx(0.38)
    # 医护比 has no population; a region without population gives None, not inf
    assert v(t, "beds_per_1000", period="2024-12", region="430621") is None


def _calendar():
    from pipeline.workdays import load_calendar
    from tests.helpers import REPO

    return load_calendar(REPO / "data" / "reference" / "holidays.csv")


def test_workload_indicators(regions):
    """National definition: 平均执业(助理)医师数 = (期初 + 期末) / 2. Jan and Feb 2025 have 19 working days each
    (holidays.csv); doctors 8 at the end of 2024-12, 10 at 2025-01, 12 at 2025-02."""
    rows = [clean_row("H1", "2024-12", visits=7000, doctors=8, occupied_bed_days=2480, open_bed_days=3100),
            clean_row("H1", "2025-01", visits=9500, doctors=10, occupied_bed_days=3100, open_bed_days=3100),
            clean_row("H1", "2025-02", visits=8800, doctors=12, occupied_bed_days=2800, open_bed_days=2800)]
    t = ind.compute(clean_frame(rows), regions, calendar=_calendar())
    assert v(t, "doctor_daily_visits") == pytest.approx(9500 / 9 / 19)  # (8 + 10) / 2 = 9 doctors: 55.6 人次
    assert v(t, "doctor_daily_bed_days") == pytest.approx(3100 / 9 / 31)  # 11.11 床日
    assert v(t, "doctor_daily_visits", period="2025-02") == pytest.approx(8800 / 11 / 19)  # (10 + 12) / 2
    # 1-2月累计: (上年末 8 + 2月末 12) / 2 = 10 doctors; 38 working days; 59 calendar days
    assert v(t, "doctor_daily_visits", period="2025-02", period_type="累计") == pytest.approx(18300 / 10 / 38)
    assert v(t, "doctor_daily_bed_days", period="2025-02", period_type="累计") == pytest.approx(5900 / 10 / 59)
    # no opening stock (2024-11 is not in the data): no value, not the month-end count
    assert v(t, "doctor_daily_visits", period="2024-12") is None
    assert v(t, "bed_work_days") == pytest.approx(31.0)  # 3100 / (3100 / 31)


def test_missing_item_makes_indicator_unknown_not_zero(regions):
    """H2's export had no 总诊疗人次数 column (null): the city and 岳阳县 totals that need it are 不详 (null),
    岳阳楼区 (H1 only) keeps its value; an indicator not needing it is unaffected."""
    rows = _two_hospitals("2025-01")
    rows[1]["visits"] = None
    t = ind.compute(clean_frame(rows), regions)
    assert v(t, "visits", region="430600") is None
    assert v(t, "visits", region="430621") is None
    assert v(t, "visits", region="430602") == pytest.approx(5000)
    assert v(t, "visits", region="430600", period_type="累计") is None
    # 病床使用率 needs no visits: (2480 + 1000) / (3100 + 1550) × 100
    assert v(t, "bed_use_rate") == pytest.approx(3480 / 4650 * 100)


def test_full_year_uses_the_working_day_convention(regions):
    """1–12月累计 divides by the national 251 days by default; 'calendar' counts 2025's 248 (holidays.csv)."""
    rows = [clean_row("H1", "2024-12", visits=1000, doctors=10)]
    rows += [clean_row("H1", f"2025-{m:02d}", visits=1000, doctors=10) for m in range(1, 13)]
    national = ind.compute(clean_frame(rows), regions, calendar=_calendar())
    assert v(national, "doctor_daily_visits", period="2025-12", period_type="累计") == pytest.approx(12000 / 10 / 251)
    by_calendar = ind.compute(clean_frame(rows), regions, calendar=_calendar(), annual_working_days="calendar")
    assert v(by_calendar, "doctor_daily_visits", period="2025-12", period_type="累计") == pytest.approx(12000 / 10 / 248)


def test_missing_holiday_year_is_an_error(regions):
    from pipeline.errors import UserError

    rows = [clean_row("H1", "2023-05", visits=1000, doctors=10)]
    with pytest.raises(UserError) as err:
        ind.compute(clean_frame(rows), regions, calendar=_calendar())
    assert "2023年" in str(err.value) and "data/reference/holidays.csv" in err.value.hint


def _wide(regions):
    rows = _two_hospitals("2024-01") + _two_hospitals("2025-01", scale=1.1) + _two_hospitals("2025-02", beds=170)
    return ind.compute_wide(clean_frame(rows), regions)


@pytest.mark.parametrize("chunk_rows", [1, 7, 1000, 10**7])
def test_long_chunks_are_the_long_table_in_pieces(regions, chunk_rows):
    """The chunked long table (a country's, written as it is made) is the whole one cut in order: same rows,
    same order, no piece longer than asked; 7 and 1000 do not divide a block (indicators × period rows)."""
    wide = _wide(regions)
    whole = ind._long_rows(wide, catalogue())
    pieces = list(ind.long_chunks(wide, chunk_rows))
    assert max(p.height for p in pieces) <= chunk_rows
    assert whole.height == ind.long_height(wide) == len(catalogue()) * wide.height
    assert pl.concat(pieces).equals(whole)


def test_streamed_table_reads_back_whole_and_bytes_do_not_depend_on_chunks(regions, tmp_path):
    wide = _wide(regions)
    for chunk_rows in (13, 500):
        assert ind.write_table(wide, tmp_path / f"{chunk_rows}.parquet", stream_rows=0, chunk_rows=chunk_rows) == \
            ind.long_height(wide)
    assert (tmp_path / "13.parquet").read_bytes() == (tmp_path / "500.parquet").read_bytes()
    assert pl.read_parquet(tmp_path / "13.parquet").equals(ind._long_rows(wide, catalogue()))
    ind.write_table(wide, tmp_path / "whole.parquet")  # small: built whole, the writer a city always had
    assert pl.read_parquet(tmp_path / "whole.parquet").equals(pl.read_parquet(tmp_path / "13.parquet"))
