"""An indicator's rule in words: one writer for the annual report's 主要指标解释 and the release's data dictionary.

The two documents differ only in words (全年 or 时期 days, 年末 or plain 常住人口) and in whether the 千元 → 元
conversion is written out (the dictionary names its source items with their units, so it shows ×1000; the
annual report's explanations speak in 元 and leave it out). Those differences are a ``FormulaWords`` entry, not a
second writer, so a rule added to the indicator catalogue (say ``divide_by_working_days``) is written the same
way in both.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.catalogues import Indicator


@dataclass(frozen=True)
class FormulaWords:
    days: str  # the calendar days of the period
    working_days: str
    population: str
    money_scale: bool  # write the 千元 → 元 factor (×1000) out


ANNUAL = FormulaWords(days="全年日历天数", working_days="全年工作日数", population="年末常住人口", money_scale=False)
PERIOD = FormulaWords(days="时期日历天数", working_days="时期工作日数", population="常住人口", money_scale=True)


def sum_text(names: list[str]) -> str:
    """Σ of several items in words: “（甲＋乙）”; one item stands alone."""
    return f"（{'＋'.join(names)}）" if len(names) > 1 else names[0]


def rule(ind: Indicator, numerator: str, denominator: str | None, words: FormulaWords) -> str:
    """The right-hand side: Σnum ÷ Σden (平均 for a (期初+期末)/2 denominator) × or ÷ days ÷ population × scale."""
    text = numerator
    if denominator:
        text += "÷" + (f"平均{denominator}" if ind.average_denominator else denominator)
    if ind.multiply_by_days:
        text += "×" + words.days
    if ind.divide_by_days:
        text += "÷" + words.days
    if ind.divide_by_working_days:
        text += "÷" + words.working_days
    if ind.per_population:
        text += "÷" + words.population
    if ind.unit == "%" and ind.scale == 100:
        text += "×100%"
    elif ind.scale == 1000 and ind.unit == "元" and not words.money_scale:
        pass  # 千元 → 元: a unit conversion, not part of the definition
    elif ind.scale != 1:
        text += "×" + (f"{ind.scale:.0f}" if float(ind.scale).is_integer() else f"{ind.scale:g}")
    return text


def is_plain_total(ind: Indicator) -> bool:
    """A plain sum of items: its rule would only restate its name (“总诊疗人次数＝总诊疗人次数”)."""
    return not (ind.denominator or ind.per_population or ind.divide_by_days or ind.multiply_by_days
                or ind.divide_by_working_days or ind.scale != 1)
