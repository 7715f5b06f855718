"""One writer of an indicator's rule in words, for the annual 主要指标解释 and the data dictionary."""

from pipeline import formulas
from pipeline.catalogues import Indicator


def _ind(**kw) -> Indicator:
    base = dict(id="x", name="某指标", unit="次", numerator=("a",), decimals=1, change="diff")
    base.update(kw)
    return Indicator(**base)  # type: ignore[arg-type]


def test_each_rule_flag_is_written_in_the_order_of_the_computation():
    ind = _ind(denominator=("b",), average_denominator=True, divide_by_working_days=True)
    assert formulas.rule(ind, "甲", "乙", formulas.PERIOD) == "甲÷平均乙÷时期工作日数"
    assert formulas.rule(ind, "甲", "乙", formulas.ANNUAL) == "甲÷平均乙÷全年工作日数"
    per_pop = _ind(per_population=True, scale=100000)
    assert formulas.rule(per_pop, "甲", None, formulas.ANNUAL) == "甲÷年末常住人口×100000"
    assert formulas.rule(per_pop, "甲", None, formulas.PERIOD) == "甲÷常住人口×100000"


def test_percent_and_money_scales():
    share = _ind(unit="%", denominator=("b",), scale=100)
    assert formulas.rule(share, "甲", "乙", formulas.PERIOD) == "甲÷乙×100%"
    money = _ind(unit="元", denominator=("b",), scale=1000)  # items in 千元, the indicator in 元
    assert formulas.rule(money, "收入", "人次", formulas.PERIOD) == "收入÷人次×1000"
    assert formulas.rule(money, "收入", "人次", formulas.ANNUAL) == "收入÷人次"


def test_plain_totals_and_sums():
    assert formulas.is_plain_total(_ind())
    assert not formulas.is_plain_total(_ind(divide_by_days=True))
    assert formulas.sum_text(["甲"]) == "甲"
    assert formulas.sum_text(["甲", "乙"]) == "（甲＋乙）"
