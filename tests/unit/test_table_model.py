"""The table model: header words and break points, the header tree, and the same tree in typst, HTML and XLSX."""

import openpyxl
import pytest

from pipeline.errors import UserError
from pipeline.render import table_model as tm
from pipeline.render import tables


def _table(groups=("12月", "1—12月|累计"), fit="shrink", notes=()):
    cols = tuple(tables.Column(group=g, header=h, indicator="", period_type="", field=f, decimals=0)
                 for g in groups for h, f in (("本期", "value"), ("上年|同期", "base_value"), ("同比|增长(%)", "change")))
    spec = tables.TableSpec(id="x", title="t", unit="人次", row_by="breakdown", row_ids=None, breakdown="total",
                            columns=(), notes=notes, fit=fit)
    rows = (tables.Row(label="总计", depth=0, cells=(1100.0, 1000.0, 10.0, 2100.0, None, None)),
            tables.Row(label='#政府办"\\', depth=2, cells=(5.0, 4.0, 25.0, 9.0, 8.0, 12.5)))
    return tables.BuiltTable(spec=spec, number=3, title="表3　医疗卫生机构诊疗人次数（2025年）", columns=cols, rows=rows)


def test_header_words_break_only_at_marks_spaces_and_before_a_unit():
    assert tm.pieces("同比|增长(%)") == (("同比", ""), ("增长", ""), ("(%)", ""))
    assert tm.pieces("执业(助理)|医师(人)") == (("执业(助理)", ""), ("医师", ""), ("(人)", ""))
    assert tm.pieces("病床使用率(%) 12月") == (("病床使用率", ""), ("(%)", " "), ("12月", ""))
    assert tm.pieces("2025年") == (("2025年", ""),)  # a year is one word
    assert tm.plain("每千常住人口|床位(张)") == "每千常住人口床位(张)"


def test_header_tree_spanners_and_stub():
    nrows, cells = tm.header_rows(_table())
    assert nrows == 2
    assert cells[0] == tm.HeaderCell("机构类别", 0, 0, rowspan=2)
    assert tm.HeaderCell("12月", 0, 1, colspan=3) in cells
    assert tm.HeaderCell("1—12月|累计", 0, 4, colspan=3) in cells
    assert [c.col for c in cells if c.row == 1] == [1, 2, 3, 4, 5, 6]
    # no groups: one header row, every cell spans it
    flat = _table(groups=("", ""))
    nrows, cells = tm.header_rows(flat)
    assert nrows == 1 and all(c.row == 0 and c.rowspan == 1 for c in cells) and len(cells) == 7


def test_typst_call_escapes_text_and_carries_the_tree():
    src = tm.to_typst(_table(notes=("注：测试。",)))
    assert src.startswith("#stat-table(number: 3, ")
    assert 'columns: 7, header-rows: 2' in src
    assert '(row: 0, col: 1, rowspan: 1, colspan: 3, pieces: (("12月", ""), ))' in src
    assert '(label: "#政府办\\"\\\\", depth: 2' in src  # quote and backslash escaped in the typst string
    assert '"1,100", "1,000", "10.0", "2,100", "—", "—", ' in src
    assert 'notes: ("注：测试。", )' in src
    assert tm.to_typst(_table(fit="landscape")).startswith("#page(flipped: true)[\n#stat-table(")


def test_html_escapes_labels():
    html = tm.to_html(_table())
    assert 'class="stub ind2">#政府办&quot;\\</th>' in html
    assert html.count("<tr>") == 4  # two header rows, two body rows


def test_xlsx_header_from_the_same_tree(tmp_path):
    path = tmp_path / "t.xlsx"
    tables.write_xlsx([_table(), _table(groups=("", ""))], path, org_name="X")
    wb = openpyxl.load_workbook(path)
    ws = wb["表3"]
    merged = {str(r) for r in wb["表3"].merged_cells.ranges}
    assert {"A3:A4", "B3:D3", "E3:G3"} <= merged
    assert (ws["E3"].value, ws["C4"].value, ws["D4"].value) == ("1—12月累计", "上年同期", "同比增长(%)")
    flat = wb["表3"] if len(wb.sheetnames) == 1 else wb.worksheets[1]
    # a table without groups keeps the published layout: headers in row 4 under an empty row 3
    assert (flat["A3"].value, flat["B3"].value, flat["B4"].value, flat["G4"].value) == (
        "机构类别", None, "本期", "同比增长(%)")


def test_catalogue_layout_options_are_checked():
    assert tables.layout_options("t.yaml", "a", {}) == {"fit": "shrink", "notes": (), "county_omit_empty": False}
    with pytest.raises(UserError, match="county_omit_empty 只能是 true 或 false"):
        tables.layout_options("t.yaml", "a", {"county_omit_empty": "yes"})
    with pytest.raises(UserError, match="fit 只能是 shrink、landscape"):
        tables.layout_options("t.yaml", "a", {"fit": "sideways"})
    with pytest.raises(UserError, match="notes 应是一列文字"):
        tables.layout_options("t.yaml", "a", {"notes": "注：一条"})


def test_a_text_table_goes_through_the_same_model():
    t = tm.TextTable(number=5, title="表5　简略寿命表", stub_header="年龄组",
                     columns=(tm.TextColumn("尚存|人数 lx"), tm.TextColumn("预期|寿命 ex")),
                     rows=(tm.TextRow("0岁", ("100,000", "78.22")),), notes=("注：测试。",))
    nrows, cells = tm.header_rows(t)
    assert nrows == 1 and cells[0] == tm.HeaderCell("年龄组", 0, 0)
    html = tm.to_html(t)
    assert '<span class="w">尚存</span><wbr><span class="w">人数</span> <span class="w">lx</span>' in html
    assert "<td>100,000</td><td>78.22</td>" in html and "表5　简略寿命表" in tm.to_typst(t)


def test_text_table_columns_align_and_wrap():
    t = tm.text_table("表4\u3000迟报机构名单", ["县市区", "机构名称", "机构代码", "逾期|天数"],
                      [["岳阳县", "甲卫生院", "A4", "3"]], align="llr", wrap=[1])
    assert t.number == 4 and t.stub_header == "县市区" and t.rows[0].label == "岳阳县"
    src = tm.to_typst(t)
    assert 'aligns: ("l", "l", "r", ),' in src and "wrap: (true, false, false, )," in src
    html = tm.to_html(t)
    assert '<td class="l wrap">甲卫生院</td><td class="l">A4</td><td>3</td>' in html
    # a plain numeric table passes neither (the template's defaults: right-aligned, no wrapping)
    plain = tm.to_typst(tm.text_table("表1\u3000甲", ["性别", "预期寿命(岁)"], [["男", "76.10"]]))
    assert "aligns" not in plain and "wrap" not in plain
    with pytest.raises(ValueError, match="without its number"):
        tm.text_table("简略寿命表", ["a", "b"], [])
    with pytest.raises(ValueError, match="2 headers"):
        tm.text_table("表1\u3000甲", ["a", "b"], [["x", "1", "2"]])


def test_county_editions_leave_out_rows_that_are_all_zero_or_absent():
    spec = tables.TableSpec(id="x", title="t", unit="人次", row_by="breakdown", row_ids=None, breakdown="total",
                            columns=(), notes=("注：“#”为“其中”项。",), county_omit_empty=True)
    cols = _table().columns[:3]
    rows = (tables.Row(label="医院", depth=0, cells=(5.0, 4.0, 25.0)),
            tables.Row(label="#三级医院", depth=1, cells=(0.0, 0.0, None)),
            tables.Row(label="社区卫生服务中心(站)", depth=1, cells=(None, None, None)),
            tables.Row(label="乡镇卫生院", depth=1, cells=(0.0, 3.0, -100.0)))  # had some last year: kept
    built = tables.BuiltTable(spec=spec, number=2, title="表2　诊疗人次数", columns=cols, rows=rows)
    out = tables.omit_empty_rows(built, "岳阳县")
    assert [r.label for r in out.rows] == ["医院", "乡镇卫生院"]
    assert out.spec.notes == ("注：“#”为“其中”项。", "注：岳阳县无三级医院、社区卫生服务中心(站)，表中不列出。")
    # not flagged in the catalogue: unchanged
    plain = tables.BuiltTable(spec=_table().spec, number=2, title="t", columns=cols, rows=rows)
    assert tables.omit_empty_rows(plain, "岳阳县") is plain


def test_marked_cell_texts_get_their_html_class():
    from dataclasses import replace

    t = tm.text_table("表17\u3000监测", ["指标", "状态"], [["床位", "● 已实现"], ["医师", "▲ 未实现"]], align="l")
    html = tm.to_html(replace(t, text_classes=(("● 已实现", "st-met"),)))
    assert '<td class="l st-met">● 已实现</td>' in html and '<td class="l">▲ 未实现</td>' in html
