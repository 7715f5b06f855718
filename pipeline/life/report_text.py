"""The text of the life-expectancy report: the headline and county sentences, the tables (city, counties,
life table, adjustment and its effect), the data sources and methods, the notes and the 样稿 mark."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from pipeline import fmt
from pipeline.life.compute import LifeExpectancyResult
from pipeline.life.inputs import A0_RULES, COUNTY_LEVEL, SEXES, Target
from pipeline.life.reference import SAMPLE_MARK, Comparison
from pipeline.render import table_model
from pipeline.render.tables import change_text



def _e0(value: float | None) -> str:
    return fmt.number(value, 2)


def _ci(row: Mapping[str, Any]) -> str:
    if fmt.is_missing(row.get("e0_lower")) or fmt.is_missing(row.get("e0_upper")):
        return fmt.DASH
    return f"{_e0(row['e0_lower'])}～{_e0(row['e0_upper'])}"


def _shown(row: Mapping[str, Any] | None) -> bool:
    return row is not None and row.get("e0") is not None and not row.get("unstable")


def change_phrase(change: float | None) -> str:
    """'比上年提高0.31岁' / '比上年降低0.05岁' / '与上年持平'."""
    if fmt.is_missing(change):
        return ""
    text = fmt.number(abs(change), 2)  # type: ignore[arg-type]
    if set(text) <= {"0", "."}:
        return "与上年持平"
    return f"比上年{'提高' if change > 0 else '降低'}{text}岁"  # type: ignore[operator]


def target_phrase(e0: float, target: Target) -> str:
    """'已达到“十四五”规划目标（2025年78岁左右）' or '距…尚差0.12岁'."""
    year = f"{target.target_year}年"
    what = f"{target.name}（{'' if year in target.name else year}{target.wording}）"
    gap = target.e0 - e0
    if fmt.round_half_up(gap, 2) <= 0:
        return f"已达到{what}，高出{fmt.number(-gap, 2)}岁" if fmt.round_half_up(-gap, 2) > 0 else f"已达到{what}"
    return f"距{what}尚差{fmt.number(gap, 2)}岁"


def headline(result: LifeExpectancyResult) -> str:
    """The first paragraph of 一、测算结果."""
    p = result.params
    city = result.regions.city_code
    total, men, women = (result.row(city, s) for s in SEXES)
    if not _shown(total):
        return f"{p.year}年全市人口或死亡数据不足，未能得到稳定的人均预期寿命估计。"
    assert total is not None
    conf = p.confidence_label
    text = f"{p.year}年全市人均预期寿命为{_e0(total['e0'])}岁（{conf}置信区间：{_ci(total)}岁）"
    change = change_phrase(total.get("e0_change"))
    text += f"，{change}" if change else f"（{result.previous_note}）"
    parts = []
    for label, row in (("男性", men), ("女性", women)):
        if _shown(row):
            assert row is not None
            piece = f"{label}{_e0(row['e0'])}岁（{_ci(row)}岁）"
            ch = change_phrase(row.get("e0_change"))
            parts.append(piece + (f"，{ch}" if ch else ""))
    if parts:
        text += "；其中" + "，".join(parts)
        if _shown(men) and _shown(women):
            assert men is not None and women is not None
            text += f"，女性比男性高{fmt.number(women['e0'] - men['e0'], 2)}岁"
    text += "。"
    relevant = [t for t in result.targets if t.target_year >= p.year] or list(result.targets[-1:])
    if relevant:
        text += "与规划目标相比，" + "；".join(target_phrase(total["e0"], t) for t in relevant) + "。"
    return text


def _difference_phrase(city_e0: float, comparison: Comparison) -> str:
    """'比全国（2025年，79.25岁）低1.03岁' / '与全省（…）持平' / '全省暂无…', saying which year stands in."""
    ref = comparison.reference
    if ref is None:
        return f"{comparison.level}暂无{comparison.year}年及以前的人均预期寿命公布数据，未作比较"
    sample = f"，{SAMPLE_MARK}" if ref.is_sample else ""
    if comparison.same_year:
        what = f"{comparison.level}（{ref.year}年，{ref.text}岁{sample}）"
    else:
        what = f"{comparison.level}（{comparison.year}年数据尚未公布，取最近公布的{ref.year}年，{ref.text}岁{sample}）"
    gap = fmt.number(abs(city_e0 - ref.value), 2)
    if set(gap) <= {"0", "."}:
        return f"与{what}持平"
    return f"比{what}{'高' if city_e0 > ref.value else '低'}{gap}岁"


def reference_sentence(result: LifeExpectancyResult) -> str:
    """The city e0 against 全省 and 全国 (the same year or the latest published earlier one), sources in words."""
    p = result.params
    if not result.comparisons:
        return "未提供全省、全国人均预期寿命的公布数据，未与全省、全国比较。"
    total = result.row(result.regions.city_code, "合计")
    if not _shown(total):
        return ""
    assert total is not None
    phrases = [_difference_phrase(total["e0"], c) for c in result.comparisons]
    text = f"与全省、全国比较，{p.year}年全市人均预期寿命" + "，".join(phrases) + "。"
    sources = [f"{c.level}为{c.reference.source}" for c in result.comparisons if c.reference is not None]
    if sources:
        text += "资料来源：" + "；".join(sources) + "。"
    return text


def county_sentence(result: LifeExpectancyResult) -> str:
    rows = result.summary.filter(
        (pl.col("level") == COUNTY_LEVEL) & (pl.col("sex") == "合计") & pl.col("e0").is_not_null()
        & ~pl.col("unstable")
    ).sort("rank")
    if rows.height == 0:
        return ""
    top, bottom = rows.row(0, named=True), rows.row(rows.height - 1, named=True)
    text = (f"分县市区看，人均预期寿命最高的是{top['region_name']}（{_e0(top['e0'])}岁），"
            f"最低的是{bottom['region_name']}（{_e0(bottom['e0'])}岁），相差{fmt.number(top['e0'] - bottom['e0'], 2)}岁")
    above = rows.filter(pl.col("e0") >= 78.0).height
    text += f"；{rows.height}个县级单位中有{above}个达到78岁。"
    flagged = _flagged_names(result)
    if flagged:
        text += f"{'、'.join(flagged)}总人年数不足{fmt.number(result.params.min_person_years, 0, thousands=True)}，结果不稳定，不给出点估计。"
    return text


def _flagged_names(result: LifeExpectancyResult) -> list[str]:
    rows = result.summary.filter(
        (pl.col("level") == COUNTY_LEVEL) & (pl.col("sex") == "合计") & pl.col("unstable")
    )
    return rows.get_column("region_name").to_list()


def _markdown_table(header: Sequence[str], align: Sequence[str], rows: Sequence[Sequence[str]], caption: str,
                    notes: Sequence[str] = (), wrap: Sequence[int] = ()) -> str:
    """A report table (table model: header words never split, 续表N, notes under it); the first column is the
    stub, `align` one letter (l/r/c) per column including the stub, "|" in a header marks where it may break."""
    table = table_model.text_table(caption, header, rows, align="".join(align[1:]), notes=notes, wrap=wrap)
    return table_model.to_markdown(table)


def _cell_e0(row: Mapping[str, Any] | None) -> str:
    return _e0(row["e0"]) if _shown(row) else fmt.DASH  # type: ignore[index]


def city_table(result: LifeExpectancyResult) -> str:
    p = result.params
    header = ["性别", "预期寿命(岁)", f"{p.confidence_label}|置信区间(岁)", f"{p.year - 1}年(岁)", "增减(岁)"]
    rows = []
    for sex in SEXES:
        row = result.row(result.regions.city_code, sex)
        shown = _shown(row)
        rows.append([
            sex, _cell_e0(row), _ci(row) if shown else fmt.DASH,  # type: ignore[arg-type]
            _e0(row.get("e0_previous")) if row else fmt.DASH,
            change_text(row.get("e0_change"), 2) if row else fmt.DASH,
        ])
    return _markdown_table(header, ["l", "r", "c", "r", "r"], rows,
                           f"表1　{result.regions.city_name}{p.year}年人均预期寿命")


def county_table(result: LifeExpectancyResult) -> str:
    p = result.params
    header = ["地区", "合计(岁)", f"{p.confidence_label}|置信区间(岁)", "男(岁)", "女(岁)",
              f"{p.year - 1}年(岁)", "增减(岁)", "位次"]
    rows = []
    for code in result.regions.unit_codes:
        total, men, women = (result.row(code, s) for s in SEXES)
        assert total is not None
        name = total["region_name"]
        if not _shown(total) and total["status"]:
            name += "*" if total["status"] != "无数据" else "（无数据）"
        rows.append([
            name, _cell_e0(total), _ci(total) if _shown(total) else fmt.DASH, _cell_e0(men), _cell_e0(women),
            _e0(total.get("e0_previous")), change_text(total.get("e0_change"), 2),
            fmt.number(total.get("rank"), 0),
        ])
    notes = [f"注：标“*”的地区总人年数不足{fmt.number(p.min_person_years, 0, thousands=True)}，结果不稳定，以“—”表示，"
             "不给出点估计，也不参加排位。"] if _flagged_names(result) else []
    return _markdown_table(header, ["l", "r", "c", "r", "r", "r", "r", "r"], rows,
                           f"表2　各县市区{p.year}年人均预期寿命", notes)


def life_table_markdown(result: LifeExpectancyResult, caption: str) -> str:
    t = result.current.tables.filter(
        (pl.col("region_code") == result.regions.city_code) & (pl.col("sex") == "合计")
    ).sort("age")
    header = ["年龄组", "人口数", "死亡数", "死亡率 mx", "死亡概率 qx", "尚存人数 lx", "死亡人数 dx",
              "生存|人年数 Lx", "累计生存|人年数 Tx", "预期寿命 ex"]
    rows = []
    for r in t.iter_rows(named=True):
        rows.append([
            r["age_label"], fmt.number(r["population"], 0, thousands=True), fmt.number(r["deaths"], 0, thousands=True),
            fmt.number(r["mx"], 6), fmt.number(r["qx"], 6), fmt.number(r["lx"], 0, thousands=True),
            fmt.number(r["dx"], 0, thousands=True), fmt.number(r["Lx"], 0, thousands=True),
            fmt.number(r["Tx"], 0, thousands=True), fmt.number(r["ex"], 2),
        ])
    return _markdown_table(header, ["l"] + ["r"] * 9, rows, caption)


def adjustment_table(result: LifeExpectancyResult) -> str:
    """Registered vs adjusted deaths of the city (both sexes) by under-reporting band / infant row."""
    t = result.current.tables.filter(
        (pl.col("region_code") == result.regions.city_code) & (pl.col("sex") == "合计")
    ).sort("age")
    rows = []
    if result.bands is not None:
        for band in result.bands:
            upper = math.inf if band.age_to is None else band.age_to
            part = t.filter((pl.col("age") >= band.age_from) & (pl.col("age") <= upper))
            if part.height == 0:
                continue
            reg = math.fsum(part.get_column("deaths_registered").to_list())
            used = math.fsum(part.get_column("deaths").to_list())
            by_imr = band.age_from == 0 and result.current.imr_per_1000 is not None
            note = ("按监测婴儿死亡率推算" if band.age_to == 0 else "0岁按监测婴儿死亡率推算，其余按漏报率") if by_imr else ""
            rows.append([band.label, fmt.DASH if by_imr and band.age_to == 0 else fmt.number(band.rate * 100, 1), fmt.number(reg, 0, thousands=True),
                         fmt.number(used, 0, thousands=True), fmt.number(used - reg, 0, thousands=True), note])
    else:
        infant = t.filter(pl.col("age") == 0)
        if infant.height and result.current.imr_per_1000 is not None:
            reg, used = infant.get_column("deaths_registered")[0], infant.get_column("deaths")[0]
            rows.append(["0岁", fmt.DASH, fmt.number(reg, 0, thousands=True), fmt.number(used, 0, thousands=True),
                         fmt.number(used - reg, 0, thousands=True), "按监测婴儿死亡率推算"])
    reg_all = math.fsum(t.get_column("deaths_registered").to_list())
    used_all = math.fsum(t.get_column("deaths").to_list())
    rows.append(["合计", fmt.DASH, fmt.number(reg_all, 0, thousands=True), fmt.number(used_all, 0, thousands=True),
                 fmt.number(used_all - reg_all, 0, thousands=True), ""])
    return _markdown_table(
        ["年龄段", "漏报率(%)", "登记|死亡数", "调整后|死亡数", "增加", "说明"], ["l", "r", "r", "r", "r", "l"], rows,
        f"表3　{result.regions.city_name}{result.params.year}年死亡数调整前后对比（合计）", wrap=[5],
    )


def effect_table(result: LifeExpectancyResult) -> str:
    rows = []
    for sex in SEXES:
        row = result.row(result.regions.city_code, sex)
        if row is None:
            continue
        diff = None if not _shown(row) or row["e0_unadjusted"] is None else row["e0"] - row["e0_unadjusted"]
        rows.append([sex, _e0(row["e0_unadjusted"]), _cell_e0(row), change_text(diff, 2)])
    return _markdown_table(["性别", "按登记|数据(岁)", "调整后(岁)", "差值(岁)"], ["l", "r", "r", "r"], rows,
                           f"表4　调整对全市人均预期寿命的影响（{result.params.year}年）")


def input_sources(result: LifeExpectancyResult) -> list[str]:
    """The data sources in words (no file names): population, death registration, the under-reporting survey
    and the infant mortality surveillance, each as its input says."""
    out = ["人口为统计部门提供的分年龄、性别年平均人口", "死亡为死亡信息登记报告的登记死亡数"]
    if result.bands is not None:
        out.append("死亡漏报率：" + "、".join(dict.fromkeys(b.source for b in result.bands if b.source) or ["死亡漏报调查"]))
    if result.current.imr_source:
        out.append("婴儿死亡率：" + result.current.imr_source)
    return out


def placeholder_inputs(result: LifeExpectancyResult) -> list[str]:
    """The inputs whose source says they are sample data (示例数据), in words, in report order."""
    out = []
    if result.bands is not None and any(SAMPLE_MARK in b.source for b in result.bands):
        out.append("死亡漏报率")
    if result.current.imr_source and SAMPLE_MARK in result.current.imr_source:
        out.append("婴儿死亡率")
    out += [f"{c.level}人均预期寿命" for c in result.comparisons if c.reference is not None and c.reference.is_sample]
    return out


def placeholder_text(result: LifeExpectancyResult) -> str:
    """The 样稿 sentence naming the placeholder inputs ('' when every input is real)."""
    names = placeholder_inputs(result)
    if not names:
        return ""
    return (f"样稿：本报告的部分输入（{'、'.join(names)}）为示例数据，不是正式调查或公布的结果，仅供演示，"
            "不得作为正式测算结果引用。")


def placeholder_mark(result: LifeExpectancyResult) -> list[str]:
    """A visible 样稿 mark at the top of the report when an input says it is sample data (示例数据)."""
    text = placeholder_text(result)
    return [f"**{text}**", ""] if text else []


def a0_text(result: LifeExpectancyResult) -> str:
    """How a0 (the 0岁组 ax) was taken, in words: '0岁组 a0 = 0.1', or by Coale–Demeny with the city's values."""
    choice = result.params.a0
    if not isinstance(choice, str):
        return f"0岁组 a0 = {choice:g}"
    city = {s: result.row(result.regions.city_code, s) for s in SEXES}
    value = {s: fmt.number(r["a0"], 3) if r and not fmt.is_missing(r.get("a0")) else fmt.DASH for s, r in city.items()}
    basis = A0_RULES[choice]
    local = "本地区的婴儿死亡率" if choice == "cd_imr" else "本地区登记的0岁组死亡率"
    return (f"0岁组 a0 按 Coale–Demeny 公式{basis}推算，为{value['合计']}（全市合计，取男、女公式的平均；"
            f"男{value['男']}，女{value['女']}；各县市区按{local}推算，见 summary.csv 的 a0 列）")


def methods_text(result: LifeExpectancyResult) -> list[str]:
    p = result.params
    cur = result.current
    city_total = result.row(result.regions.city_code, "合计")
    assert city_total is not None
    pop = city_total["total_person_years"]
    reg = city_total["deaths_registered"]
    sources = "；".join(input_sources(result))
    paragraphs = [
        "### （一）数据来源",
        f"人口数据为各县市区分性别、分年龄组（0岁，1～4岁，5～9岁至{p.open_age - 5}～{p.open_age - 1}岁每5岁一组，"
        f"{p.open_age}岁及以上）的年平均人口；死亡数据为同口径的死亡登记报告数。{p.year}年全市年平均人口"
        f"{fmt.number(pop, 0, thousands=True)}人，登记死亡{fmt.number(reg, 0, thousands=True)}人，"
        f"粗死亡率{fmt.number(reg / pop * 1000, 2)}‰。全市结果由各县市区数据相加后计算。资料来源：{sources}。",
        "### （二）测算方法",
        "采用 Chiang II 法编制简略寿命表：年龄组死亡率 mx = 死亡数 / 平均人口数；"
        f"死亡概率 qx = n·mx / [1 + n·(1 − ax)·mx]，n 为组距；{a0_text(result)}，其余闭区间 ax = 0.5；"
        "最高年龄组为开放组，qx = 1，生存人年数 Lx = lx / mx；Tx 为 Lx 自该年龄组起的累计，预期寿命 ex = Tx / lx。"
        "出生时预期寿命 e0 即人均预期寿命。",
        f"预期寿命的{p.confidence_label}置信区间按 Chiang 方差法计算：闭区间 var(qx) = qx²·(1 − qx) / Dx，"
        "开放组按 Silcocks 等（2001）取 1 / (Dx·mx²)，置信区间为 e0 ± z·√var(e0)。"
        f"总人年数不足{fmt.number(p.min_person_years, 0, thousands=True)}的组结果不稳定，报告中以“—”表示，不给出点估计。",
        "### （三）数据调整",
    ]
    adjustments = []
    if result.bands is not None:
        infant_by_imr = cur.imr_per_1000 is not None
        rates = "，".join(f"{b.label}{fmt.number(b.rate * 100, 1)}%" for b in result.bands
                         if not (infant_by_imr and b.age_to == 0))
        adjustments.append(
            f"死亡漏报调整：按死亡漏报调查的分年龄段漏报率 r，调整后死亡数 = 登记死亡数 / (1 − r)。所用漏报率为：{rates}"
            + ("；0岁组不按漏报率调整，按监测婴儿死亡率推算（见下）。" if infant_by_imr else "。")
        )
    if cur.imr_per_1000 is not None:
        adjustments.append(
            f"婴儿死亡率：采用{cur.imr_source}，全市婴儿死亡率{fmt.number(cur.imr_per_1000, 2)}‰"
            f"（按登记死亡计算为{fmt.number(cur.registered_q0, 2)}‰），与统计报告及提要所用数据相同。"
            "有监测数据的县市区，0岁死亡概率 q0 取本县市区的监测婴儿死亡率（登记婴儿死亡为 0 的县市区也不例外）；"
            f"没有监测数据的县市区借用全市的校准系数，q0 = 登记 q0 × {fmt.number(cur.imr_factor, 4)}"
            "（全市监测值与登记值之比）；男、女按本地区登记的性别比例分配。据此反推 0岁组死亡率和死亡数，"
            "0岁组不再另作漏报调整。"
        )
    if not adjustments:
        adjustments.append("本次测算未作任何调整，直接采用登记死亡数。")
    paragraphs += adjustments
    if result.bands is not None or cur.imr_per_1000 is not None:
        paragraphs += ["调整前后的死亡数和人均预期寿命见表3、表4。", adjustment_table(result), effect_table(result)]
    return paragraphs


def notes(result: LifeExpectancyResult) -> list[str]:
    p = result.params
    items = [
        f"“—”表示无数据或结果不稳定（总人年数不足{fmt.number(p.min_person_years, 0, thousands=True)}）"
        + ("；标“*”的地区结果不稳定，不给出点估计。" if _flagged_names(result) else "。"),
        "位次按各县级单位合计人均预期寿命由高到低排列，不含结果不稳定的单位。",
        "表中数据按四舍五入修约，增减按未修约数据计算。",
        "全部寿命表（全市及各县市区，合计、男、女）和预期寿命汇总另附数据表（Excel、CSV）。",
    ]
    if result.previous_note:
        items.append(result.previous_note + "。")
    if result.missing_counties:
        names = "、".join(result.regions.name(c) for c in result.missing_counties)
        items.append(f"{names}无数据，全市合计不含这些地区。")
    return [f"{i}. {text}" for i, text in enumerate(items, start=1)]


