"""The annual report's front matter: 主要指标解释 from the catalogues (no "X＝X"), and the 目录."""

import pytest

from pipeline.annual import front
from pipeline.annual.indicators import load_catalogue
from pipeline.errors import UserError


def test_explanations_write_ratio_formulas_and_never_a_tautology():
    paras = front.explanations(load_catalogue())
    by_name = {p.split("**")[1]: p for p in paras}
    # the formulas as the indicator catalogue defines them (indicators.yaml: occupied / open bed days × 100)
    assert "计算公式：病床使用率＝实际占用总床日数÷实际开放总床日数×100%。" in by_name["病床使用率"]
    assert "每千常住人口床位数＝实有床位÷年末常住人口×1000" in by_name["每千常住人口床位数"]
    assert "婴儿死亡率＝婴儿死亡数÷活产数×1000" in by_name["婴儿死亡率"]
    # a plain total has its meaning, no formula restating its name
    assert "计算公式" not in by_name["总诊疗人次数"] and "总诊疗人次数＝总诊疗人次数" not in "".join(paras)
    for p in paras:
        name = p.split("**")[1]
        assert f"{name}＝{name}" not in p


def test_a_total_without_text_is_refused():
    cat = load_catalogue()
    bare = front.FrontCatalogue(intro=(), terms={}, indicators=(front.Explanation("visits", ""),))
    with pytest.raises(UserError, match="visits（总诊疗人次数）是合计数，需要写出含义"):
        front.explanations(cat, bare)


def test_contents_link_every_section_and_go_before_the_first_front_section():
    md = "---\ntitle: x\n---\n\n## 说明\n\n正文\n\n## 一、卫生资源\n\n正文\n"
    out = front.with_contents(md, "说明")
    assert "## 说明 {#part-1}" in out and "## 一、卫生资源 {#part-2}" in out
    assert out.index("#outline(") < out.index("## 说明")
    assert '<li><a href="#part-2">一、卫生资源</a></li>' in out
