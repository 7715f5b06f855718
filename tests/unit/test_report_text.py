from pipeline.monthly.indicators import compute
from pipeline.monthly.report import change_phrase
from pipeline.period import Month
from pipeline.render import tables
from tests.helpers import clean_frame, clean_row


def test_change_phrase_wording():
    assert change_phrase(3.25, "%") == "增长3.3%"
    assert change_phrase(-0.04, "%") == "持平"  # rounds to 0.0
    assert change_phrase(-1.26, "百分点") == "降低1.3个百分点"
    assert change_phrase(0.35, "日") == "延长0.4日"
    assert change_phrase(-0.35, "日") == "缩短0.4日"
    assert change_phrase(None, "%") == "无可比数据"


def test_count_table_rows_and_dashes(regions):
    rows = [clean_row("H1", "2024-03", visits=1000), clean_row("H1", "2025-03", visits=1100)]
    rows += [clean_row("H1", f"2025-0{m}", visits=500) for m in (1, 2)]
    t = compute(clean_frame(rows), regions)
    t = t.filter(t["period"] == "2025-03")
    built = tables.build(tables.table_specs()["visits_by_type"], t, Month(2025, 3), "430600", 1, edition="county")
    html = tables.to_markdown(built).split("```{=html}\n", 1)[1]
    assert ('<caption><span class="cap">表1　医疗卫生机构诊疗人次数（2025年1—3月）<span class="unit">单位：人次</span>'
            "</span></caption>") in html
    # the spanners: 3月 and 1—3月累计 over 本期 / 上年同期 / 同比增长(%), the stub over both header rows
    assert '<th scope="col" rowspan="2" class="stub"><span class="w">机构类别</span></th>' in html
    assert '<th scope="colgroup" colspan="3"><span class="w">3月</span></th>' in html
    assert '<th scope="colgroup" colspan="3"><span class="w">1—3月</span><wbr><span class="w">累计</span></th>' in html
    total = next(line for line in html.splitlines() if ">总计<" in line)
    # 本月 1,100 vs 1,000 → 10.0; 累计 2,100 and no complete 2024 1-3月 → '—'
    assert total == ('<tr><th scope="row" class="stub">总计</th><td>1,100</td><td>1,000</td><td>10.0</td>'
                     "<td>2,100</td><td>—</td><td>—</td></tr>")
    assert 'class="stub ind2">#政府办' in html  # 其中 rows indented by class, no U+3000
    # the city edition: the same counts in 万人次 (1,100 → 0.11 → 0.1; 2,100 → 0.21 → 0.2), growth unchanged
    city = tables.to_markdown(tables.build(tables.table_specs()["visits_by_type"], t, Month(2025, 3), "430600", 1))
    assert '<span class="unit">单位：万人次</span>' in city and '"单位：万人次"' in city.split("```{=html}", 1)[0]
    assert ('<tr><th scope="row" class="stub">总计</th><td>0.1</td><td>0.1</td><td>10.0</td>'
            "<td>0.2</td><td>—</td><td>—</td></tr>") in city
    assert '<div class="table-note">注：“#”为“其中”项' in html


def test_groups_without_institutions_are_left_out_of_the_text(regions):
    from pipeline.monthly import indicators, report

    rows = [clean_row("H1", p, occupied_bed_days=80, open_bed_days=100, discharges=10, discharged_bed_days=90,
                      visits=1000) for p in ("2024-01", "2025-01")]
    t = indicators.for_period(compute(clean_frame(rows), regions), Month(2025, 1))
    texts = report.summary_paragraphs(t, Month(2025, 1), "430600", "全市", county=False)
    # only a public 三级 hospital: 80 / 100 = 80.0 %, no 二级/民营 clause, no '—%'
    assert texts["beds"].startswith("1月，全市医院病床使用率80.0%，同比持平。其中：公立医院80.0%")
    assert "二级医院" not in texts["beds"] and "民营医院" not in texts["beds"] and "—" not in texts["beds"]
    assert "基层医疗卫生机构" not in texts["visits_cum"]  # no 基层 institution: nothing to say
