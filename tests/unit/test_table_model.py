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
    assert tables.layout_options("t.yaml", "a", {}) == {"fit": "shrink", "notes": ()}
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
