"""The style checker reads reader text out of HTML and PDF and fails on program words, "+3.2", mixed dashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.render import style_check

CLEAN = ("<html><head><title>岳阳市卫生健康统计月报　2025年第12期</title><style>.a{b:c}</style></head><body>"
         "<p>1—12月，全市医疗卫生机构总诊疗人次1,765.4万人次，同比增长4.2%，病床使用率降低1.3个百分点。</p>"
         "<table><caption>表1　医疗卫生机构诊疗人次数</caption><tr><td>−1.0</td><td>3.2</td></tr></table>"
         "<p>全部寿命表另附数据表（Excel），计算用 Chiang II 法。</p>"
         "<details><summary>核对信息</summary><code>monthly/2025-12/v1/report.pdf 0f3a</code></details></body></html>")


def _rules(html: str, tmp_path: Path) -> set[str]:
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    return {f.rule for f in style_check.check_file(path)}


def test_clean_bulletin_text_passes(tmp_path):
    # code blocks (the folded 核对信息) and styles are not reader text
    assert _rules(CLEAN, tmp_path) == set()


@pytest.mark.parametrize(("planted", "rule"), [
    ("<p>所用文件：data/raw/annual/2025/life_deaths.csv。</p>", "路径"),
    ("<p>审核规则见 qc_rules.yaml。</p>", "文件名或程序用语"),
    ("<p>总诊疗人次同比+3.2%。</p>", "增长数字前有“+”"),
    ("<td>+3.2</td>", "增长数字前有“+”"),
    ("<p>2025年1-12月累计</p>", "范围号用了连字符"),
    ("<p>床位数比上年持平。</p>", "应为“与上年持平”"),
    ("<p>Release index of the commission</p>", "英文词"),
    ('<svg role="img" aria-label="Y-axis titled visits"></svg>', "英文词"),
])
def test_each_planted_fault_fails(tmp_path, planted, rule):
    assert rule in _rules(CLEAN.replace("</body>", planted + "</body>"), tmp_path)


def test_a_paragraph_repeated_verbatim_fails(tmp_path):
    para = "<p>全市医疗卫生机构总诊疗人次1,765.4万人次，同比增长4.2%，其中医院945.2万人次。</p>"
    assert "段落逐字重复" in _rules(CLEAN.replace("</body>", para + para + "</body>"), tmp_path)


def test_pdf_text_is_read_and_a_planted_path_fails(tmp_path):
    from pipeline.render import documents
    from pipeline.render.fonts import ensure_fonts

    def pdf(body: str) -> Path:
        source = f'#set text(font: "Noto Sans SC")\n{body}\n'
        path = tmp_path / "report.pdf"
        path.write_bytes(documents.compile_typst(source, tmp_path, ensure_fonts()))
        return path

    assert style_check.check_file(pdf("全市总诊疗人次同比增长4.2%。")) == []
    found = style_check.check_file(pdf("所用文件：data/reference/regions.csv；同比 +3.2%。"))
    assert {f.rule for f in found} >= {"路径", "增长数字前有“+”"}


HEADED = ('<html><body><table class="stat"><caption>表1　医疗卫生机构诊疗人次数</caption><thead><tr>'
          '<th><span class="w">机构类别</span></th><th><span class="w">本期</span></th>'
          '<th><span class="w">上年</span><wbr><span class="w">同期</span></th></tr></thead>'
          "<tbody><tr><th>总计</th><td>1,100</td><td>1,000</td></tr></tbody></table></body></html>")


def test_a_header_word_broken_across_lines_in_the_pdf_fails(tmp_path):
    from pipeline.render import documents
    from pipeline.render.fonts import ensure_fonts

    (tmp_path / "report.html").write_text(HEADED, encoding="utf-8")

    def pdf(first_width: str) -> Path:
        source = (f'#set text(font: "Noto Sans SC")\n#table(columns: ({first_width}, auto, auto), '
                  "[机构类别], [本期], [上年 同期], [总计], [1,100], [1,000])\n")
        path = tmp_path / "report.pdf"
        path.write_bytes(documents.compile_typst(source, tmp_path, ensure_fonts()))
        return path

    assert style_check.check_file(pdf("auto")) == []
    # a first column one character wide: typst breaks 机构类别 after every character (planted mid-word break)
    found = style_check.check_file(pdf("1.2em"))
    assert [(f.rule, f.excerpt) for f in found] == [("表头在词中换行", "机构类别")]


def test_report_table_header_text_outside_a_word_fails(tmp_path):
    assert _rules(HEADED, tmp_path) == set()
    loose = HEADED.replace('<th><span class="w">本期</span></th>', "<th>本期</th>")
    assert _rules(loose, tmp_path) == {"表头文字不在词内（可在任意处换行）"}


def test_a_table_cited_in_the_text_must_be_a_table_title_of_the_document(tmp_path):
    cited = "<p>全市医疗卫生机构4,108个（见表1）；每千常住人口床位8.19张（见表2）。</p>"
    assert "引用的表号没有对应的表" in _rules(CLEAN.replace("</body>", cited + "</body>"), tmp_path)
    titled = cited + "<table><caption>表2　每千常住人口卫生资源</caption><tr><td>8.19</td></tr></table>"
    assert "引用的表号没有对应的表" not in _rules(CLEAN.replace("</body>", titled + "</body>"), tmp_path)
    # a caption's own number and "续表2" are titles, not citations
    assert _rules(CLEAN.replace("</body>", "<p>续表1</p></body>"), tmp_path) == set()
