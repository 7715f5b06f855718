"""The 提要 item of the public-health chapters (chapters.summary_items): one sentence per chapter whose data were
supplied, from the chapter's own computed values; nothing for a chapter whose data are 资料暂缺.

The fixture is a tiny city (population 400,000 both years) whose indicator values are worked out here by hand
from raw counts; the expected sentences are written out by hand, not copied from output."""

from __future__ import annotations

import polars as pl

from pipeline.annual import chapters
from pipeline.annual.indicators import AnnualResult, AnnualSettings, _finish, load_catalogue
from pipeline.annual.texts import Facts, summary_paragraphs
from pipeline.monthly.indicators import Regions

CITY = "430600"
POP = 400_000
REGIONS = Regions(city_code=CITY, city_name="岳阳市",
                  table=pl.DataFrame({"region_code": ["430602"], "region_name": ["岳阳楼区"], "region_kind": ["区"]}))
# indicator → (2024 value, 2025 value), each from the counts of the raw files
VALUES = {
    "notifiable_cases": (1_000 + 250, 1_000 + 300),  # 甲乙类 + 丙类 cases
    "notifiable_incidence": ((1_000 + 250) / POP * 1e5, (1_000 + 300) / POP * 1e5),  # 312.50, 325.00 /10万
    "nip_coverage": (9_600 / 10_000 * 100, 9_650 / 10_000 * 100),  # 实种 ÷ 应种: 96.00%, 96.50%
    "elderly_mgmt_rate": (29_000 / 40_000 * 100, 30_000 / 40_000 * 100),  # 72.50%, 75.00%
    "htn_standard_rate": (17_000 / 25_000 * 100, 18_000 / 25_000 * 100),  # 68.00%, 72.00%
    "dm_standard_rate": (6_000 / 9_000 * 100, 6_300 / 9_000 * 100),  # 66.67%, 70.00%
    "integrated_institutions": (10, 12),
    "integrated_beds": (1_400, 1_560),
    "inspections": (8_000, 8_765),
    "penalty_cases": (100, 123),
}
EXPECTED = {
    "infectious_diseases": "全年全市报告法定传染病1,300例，报告发病率325.00/10万，比上年上升4.0%。",  # 325/312.5 = 1.040
    "immunization": "国家免疫规划疫苗接种率96.50%，比上年提高0.50个百分点。",  # 96.50 − 96.00
    "basic_public_health": "65岁及以上老年人健康管理率75.00%，高血压、2型糖尿病患者规范管理率分别为72.00%、70.00%。",
    "elderly_care": "2025年末全市医养结合机构12个，床位1,560张。",
    "health_supervision": "全年卫生健康监督检查8,765户次，查处行政处罚案件123件。",
}


def result(sources: set[str]) -> AnnualResult:
    """The tiny city with only the given optional sources supplied."""
    cat = load_catalogue()
    order = {a.id: i for i, a in enumerate(cat.indicators)}
    rows = [{"indicator_id": ind, "breakdown_id": cat.indicator(ind).breakdown, "region_code": CITY, "year": year,
             "value": float(v), "_ind_order": order[ind]}
            for ind, pair in VALUES.items() if cat.indicator(ind).source in sources
            for year, v in zip((2024, 2025), pair)]
    long = pl.DataFrame(rows, schema={"indicator_id": pl.Utf8, "breakdown_id": pl.Utf8, "region_code": pl.Utf8,
                                      "year": pl.Int32, "value": pl.Float64, "_ind_order": pl.Int64})
    return AnnualResult(settings=AnnualSettings(year=2025), catalogue=cat, regions=REGIONS, years=(2024, 2025),
                        table=_finish(long, cat, REGIONS))


def test_one_sentence_per_supplied_chapter_in_chapter_order():
    everything = set(EXPECTED)
    f = Facts(result(everything))
    assert chapters.summary_items(result(everything), f) == [chapters.SUMMARY_HEADING + "".join(EXPECTED.values())]
    # the figures are recorded as printed (figures.json), under the chapter's own indicator
    printed = {(x.indicator, x.measure): x.text for x in f.log.figures}
    assert printed[("notifiable_incidence", "value")] == "325.00"
    assert printed[("notifiable_incidence", "change")] == "上升4.0%"
    assert printed[("dm_standard_rate", "value")] == "70.00"


def test_absent_chapters_add_nothing():
    some = {"infectious_diseases", "elderly_care"}
    r = result(some)
    assert chapters.summary_items(r, Facts(r)) == [chapters.SUMMARY_HEADING + EXPECTED["infectious_diseases"]
                                                   + EXPECTED["elderly_care"]]
    none = result(set())
    assert chapters.summary_items(none, Facts(none)) == []


def test_the_item_is_numbered_after_the_four_headline_items():
    r = result(set(EXPECTED))
    f = Facts(r)
    items = summary_paragraphs(r, [], f, chapters.summary_items(r, f))
    assert [i[:3] for i in items] == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    assert items[4] == "（五）" + chapters.SUMMARY_HEADING + "".join(EXPECTED.values())
