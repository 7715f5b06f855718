import math

from pipeline import fmt


def test_round_half_up_not_bankers():
    assert fmt.number(2.25, 1) == "2.3"  # banker's rounding would give 2.2
    assert fmt.number(2.675, 2) == "2.68"  # float 2.67499999... still rounds as printed
    assert fmt.number(0.5, 0) == "1"
    assert fmt.number(-0.04, 1) == "0.0"  # never '-0.0'


def test_missing_values_are_dash():
    assert fmt.number(None) == "—"
    assert fmt.number(math.nan) == "—"
    assert fmt.number(math.inf) == "—"
    assert fmt.signed(None) == "—"


def test_wan_and_thousands():
    assert fmt.wan(1234567) == "123.5"
    assert fmt.number(1234567, 0, thousands=True) == "1,234,567"
    assert fmt.signed(3.25, 1) == "+3.3"
    assert fmt.signed(-1.0, 1) == "-1.0"
    assert fmt.signed(0.04, 1) == "0.0"
