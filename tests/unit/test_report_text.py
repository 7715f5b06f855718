from pipeline import tables
from pipeline.report import change_phrase
from pipeline.indicators import compute
from pipeline.period import Month
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
    built = tables.build(tables.table_specs()["visits_by_type"], t, Month(2025, 3), "430600", 1)
    lines = tables.to_markdown(built).splitlines()
    assert lines[0] == "表1　医疗卫生机构诊疗人次数（2025年1-3月）　单位：人次"
    assert lines[2].startswith("| 机构类别 | 3月 本期 | 上年同期 | 同比增长(%) | 1-3月累计 本期 |")
    total = next(line for line in lines if line.startswith("| 总计"))
    # 本月 1,100 vs 1,000 → +10.0; 累计 2,100 and no complete 2024 1-3月 → '—'
    assert total == "| 总计 | 1,100 | 1,000 | +10.0 | 2,100 | — | — |"
    assert any(line.startswith("| \u3000\u3000#政府办") for line in lines)  # 其中 rows indented
