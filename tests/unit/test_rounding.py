"""Exact display rounding: ties computed from integer counts, negative ties, never -0.0/+0.0 — in text, in
report tables (Markdown → HTML/PDF) and in XLSX cells read back and formatted the way Excel formats them."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from pipeline import fmt
from pipeline.render import tables

# (1287 − 1200) / 1200 × 100 = 7.25 exactly; in floating point it is 7.249999999999999.
GROWTH = (1287 - 1200) / 1200 * 100
DROP = (1113 - 1200) / 1200 * 100  # exactly -7.25, float -7.249999999999999


def test_float_really_lands_below_the_tie() -> None:
    assert GROWTH < 7.25 and DROP > -7.25  # the trap the rounding must survive


def test_exact_ties_on_counts_round_half_up() -> None:
    assert fmt.number(GROWTH, 1) == "7.3"
    assert fmt.signed(GROWTH, 1) == "+7.3"
    assert fmt.ratio(1287 - 1200, 1200, 1, scale=100) == "7.3"
    assert fmt.number(Fraction(87, 12), 1) == "7.3"
    # a bed-use rate from bed-days: 29 / 40 × 100 = 72.5 exactly
    assert fmt.number(29 / 40 * 100, 0) == "73"
    # 0.145 × 100 is 14.499999999999998 in floating point
    assert fmt.number(0.145 * 100, 0) == "15"


def test_negative_ties_round_away_from_zero() -> None:
    assert fmt.number(DROP, 1) == "-7.3"
    assert fmt.signed(DROP, 1) == "-7.3"
    assert fmt.ratio(1113 - 1200, 1200, 1, scale=100) == "-7.3"
    assert fmt.number(-2.25, 1) == "-2.3"


def test_not_a_tie_is_not_moved() -> None:
    assert fmt.number(7.2499, 1) == "7.2"
    assert fmt.number(7.24999, 2) == "7.25"
    assert fmt.number(1 / 3 * 100, 1) == "33.3"


@pytest.mark.parametrize("value", [-0.04, -0.0, 0.0, -1e-12, -0.049999])
def test_never_minus_zero_in_text(value: float) -> None:
    assert fmt.number(value, 1) == "0.0"
    assert fmt.signed(value, 1) == "0.0"
    assert fmt.signed(-value, 1) == "0.0"  # no '+0.0' either


def test_rates_below_100_never_print_100() -> None:
    assert fmt.percent_near_full(4999, 5000) == "99.98"
    assert fmt.percent_near_full(99999, 100000) == "99.999"
    assert fmt.percent_near_full(5000, 5000) == "100.0"
    assert fmt.percent(4999 / 5000 * 100) == "99.98"
    assert fmt.percent(87.5) == "87.5"


# ------------------------------------------------------------------ XLSX: format as Excel would

def excel_display(value: float, number_format: str) -> str:
    """What Excel shows for `value` under `number_format` (the subset our formats use: '#,##0.0', '0.00',
    '+0.0;-0.0;0.0'). Excel picks the section by the sign of the stored value, before rounding (that is how
    -0.04 shows as '-0.0'); it rounds the stored double to 15 significant digits, then half-up to the format's
    decimals; a single-section format prints a '-' for negatives."""
    sections = number_format.split(";")
    if value > 0 or len(sections) == 1:
        section = sections[0]
    elif value < 0:
        section = sections[1]
    else:
        section = sections[2] if len(sections) > 2 else sections[0]
    body = re.search(r"[#0,.]+", section).group(0)
    prefix, suffix = section.split(body, 1)
    decimals = len(body.split(".")[1]) if "." in body else 0
    magnitude = Decimal(f"{abs(value):.15g}").quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    digits = f"{magnitude:,.{decimals}f}" if "," in body else f"{magnitude:.{decimals}f}"
    sign = "-" if value < 0 and len(sections) == 1 else ""
    return f"{sign}{prefix}{digits}{suffix}"


def test_excel_display_model_shows_the_problem() -> None:
    """The model reproduces Excel's known behaviour, so the XLSX test below can fail."""
    assert excel_display(-0.04, "+0.0;-0.0;0.0") == "-0.0"
    assert excel_display(0.04, "+0.0;-0.0;0.0") == "+0.0"
    assert excel_display(-0.04, "#,##0.0") == "-0.0"
    assert excel_display(1234.5, "#,##0.0") == "1,234.5"


def _table() -> tables.BuiltTable:
    spec = tables.TableSpec(id="t", title="测试表", unit="", row_by="indicator", row_ids=None, breakdown="total",
                            columns=())
    columns = (
        tables.Column(group="本期", header="本期", indicator="visits", period_type="", field="value", decimals=1),
        tables.Column(group="本期", header="同比增长(%)", indicator="visits", period_type="", field="change",
                      decimals=1, change_decimals=1),
        tables.Column(group="周转", header="同比增减(次)", indicator="bed_turnover", period_type="",
                      field="change", decimals=2, change_decimals=2),
    )
    rows = (
        tables.Row(label="增长", depth=0, cells=(GROWTH, GROWTH, 0.125)),
        tables.Row(label="下降", depth=0, cells=(DROP, DROP, -0.125)),
        tables.Row(label="持平偏低", depth=0, cells=(-0.04, -0.04, -0.004)),
        tables.Row(label="持平偏高", depth=0, cells=(0.04, 0.04, 0.004)),
    )
    return tables.BuiltTable(spec=spec, number=1, title="表1　测试表", columns=columns, rows=rows)


EXPECTED = {
    "增长": ["7.3", "7.3", "0.13"],  # printed changes carry no "+"
    "下降": ["-7.3", "-7.3", "-0.13"],
    "持平偏低": ["0.0", "0.0", "0.00"],
    "持平偏高": ["0.0", "0.0", "0.00"],
}


def test_table_text_cells() -> None:
    table = _table()
    for row in table.rows:
        assert [table.cell_text(row, i) for i in range(3)] == EXPECTED[row.label]


def test_xlsx_cells_display_like_the_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    tables.write_xlsx([_table()], path, org_name="测试")
    ws = load_workbook(path)["表1"]
    seen = {}
    for r in range(5, 9):
        label = ws.cell(row=r, column=1).value
        seen[label] = [excel_display(ws.cell(row=r, column=c).value, ws.cell(row=r, column=c).number_format)
                       for c in range(2, 5)]
    assert seen == EXPECTED
    # full precision is kept where the display is not zero
    assert ws.cell(row=5, column=4).value == 0.125


def test_large_values_are_not_pulled_onto_a_tie() -> None:
    # 17,616,792 at 2 decimals is 1,761,679,200 hundredths: a purely relative tolerance would reach 1.76 hundredths
    assert fmt.number(17616792.0, 2) == "17616792.00"
    assert fmt.number(1761679200.0, 0) == "1761679200"
    assert fmt.number(17616792.005, 2) == "17616792.01"  # a true tie still rounds half-up
