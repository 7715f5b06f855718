"""规划主要指标监测与终期评估：监测行、监测表（Markdown、XLSX 工作表、CSV）和报告中的监测文字。

The plan is the one of ``catalogues/plans.yaml`` that covers the report year (:mod:`pipeline.annual.plans`):

* a year inside the plan: 序时进度 monitoring (已达标 / 达到序时进度 / 未达序时进度 / 无数据 / 待定);
* the plan's first year also states the base-year values and lists the targets still 待定;
* the plan's last year: 终期评估 — 已实现规划目标N项，未实现M项（其中约束性k项）, with the gap of each missed target.

Every word naming the plan comes from the catalogue; nothing here knows a plan's name or years.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import fmt
from pipeline.annual import plans as pl_mod
from pipeline.annual import targets as tg
from pipeline.annual.indicators import AnnualResult
from pipeline.errors import UserError
from pipeline.render import table_model, tables
from pipeline.render.xlsx import save_workbook, set_text

# Status marks: a shape and a word read in colour, in grey print and in plain text alike.
STATUS_MARK = {tg.ACHIEVED: "●", tg.ON_TRACK: "◆", tg.BEHIND: "▲", tg.NO_DATA: "○", tg.TBD: "◇",
               tg.MET: "●", tg.MISSED: "▲"}
STATUS_CLASS = {tg.ACHIEVED: "st-achieved", tg.ON_TRACK: "st-ontrack", tg.BEHIND: "st-behind", tg.NO_DATA: "st-nodata",
                tg.TBD: "st-tbd", tg.MET: "st-met", tg.MISSED: "st-missed"}
STATUS_COLOUR = {tg.ACHIEVED: "2e7d32", tg.ON_TRACK: "1f4e79", tg.BEHIND: "c00000", tg.NO_DATA: "7f7f7f",
                 tg.TBD: "7f7f7f", tg.MET: "2e7d32", tg.MISSED: "c00000"}
STATUS_FILL = {tg.ACHIEVED: "e2f0d9", tg.ON_TRACK: "ddebf7", tg.BEHIND: "fbe2e2", tg.NO_DATA: "ededed",
               tg.TBD: "ededed", tg.MET: "e2f0d9", tg.MISSED: "fbe2e2"}


# ---------------------------------------------------------------------------- rows


def is_final(result: AnnualResult) -> bool:
    return result.plan is not None and result.plan.phase(result.year) == pl_mod.FINAL


def monitoring(result: AnnualResult) -> list[tg.MonitoringRow]:
    """The plan's rows for the report year: values since the baseline, the 序时进度 line (or the 终期评估)
    and the status; no rows when no plan covers the year."""
    cat = result.catalogue
    known = {a.id for a in cat.indicators}
    unknown = [t.indicator_id for t in result.targets if t.indicator_id not in known]
    if unknown:
        raise UserError(f"目标表中的指标不在年度指标目录中：{'、'.join(unknown)}",
                        hint="请在 pipeline/catalogues/annual_indicators.yaml 中定义这些指标，或改正目标表的 indicator_id")

    def value_of(ind: str, year: int) -> float | None:
        return result.value(ind, year) if year in result.years else None

    return tg.monitor(result.targets, result.year, value_of, lambda i: cat.indicator(i).decimals,
                      result.province, final=is_final(result))


def monitoring_frame(rows: Sequence[tg.MonitoringRow], year: int) -> pl.DataFrame:
    """The monitoring table as tidy rows (CSV): one row per target and year."""
    records = []
    for r in rows:
        t, a = r.target, r.assessment
        for y, v in sorted(r.values.items()):
            now = y == year
            records.append({
                "indicator_id": t.indicator_id, "indicator": t.name, "unit": t.unit, "kind": t.kind,
                "year": y, "value": v, "baseline_year": t.baseline_year, "baseline": t.baseline,
                "target_year": t.target_year, "target_form": t.form, "target": a.target if now else None,
                "target_wording": t.wording, "schedule_line": a.line if now else None,
                "province_value": a.comparison if now else None,
                "status": a.status if now else None, "note": a.note if now else None,
                "gap": a.gap if now else None,
            })
    schema: dict[str, Any] = {
        "indicator_id": pl.Utf8, "indicator": pl.Utf8, "unit": pl.Utf8, "kind": pl.Utf8, "year": pl.Int32,
        "value": pl.Float64, "baseline_year": pl.Int32, "baseline": pl.Float64, "target_year": pl.Int32,
        "target_form": pl.Utf8, "target": pl.Float64, "target_wording": pl.Utf8, "schedule_line": pl.Float64,
        "province_value": pl.Float64, "status": pl.Utf8, "note": pl.Utf8, "gap": pl.Float64,
    }
    return pl.DataFrame(records, schema=schema)


# ---------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class MonitoringTable:
    number: int
    plan: pl_mod.Plan
    year: int
    rows: tuple[tg.MonitoringRow, ...]

    @property
    def final(self) -> bool:
        return self.plan.phase(self.year) == pl_mod.FINAL

    @property
    def title(self) -> str:
        base = min((r.target.baseline_year for r in self.rows), default=self.plan.base_year)
        if self.final:
            return f"表{self.number}　{self.plan.title}主要指标终期评估（{self.year}年；基期{base}年）"
        return f"表{self.number}　{self.plan.title}主要指标监测（{self.year}年；基期{base}年，序时进度为{self.year}年）"

    @property
    def years(self) -> list[int]:
        first = min((r.target.baseline_year for r in self.rows), default=self.year - 1)
        return list(range(first + 1, self.year + 1))

    @property
    def line_heading(self) -> str:
        return "与目标差距" if self.final else "序时进度"


def _num(value: float | None, decimals: int) -> str:
    return "…" if value is None or fmt.is_missing(value) else fmt.number(value, decimals, thousands=True)


def _line_text(r: tg.MonitoringRow, final: bool) -> str:
    a = r.assessment
    if r.target.form == "better_than_province":
        compared = f"全省{_num(a.comparison, r.decimals)}" if a.comparison is not None else "全省待公布"
        return f"{compared}，{tg.gap_text(r)}" if final and a.gap is not None else compared
    if final:
        return tg.gap_text(r) or "—"
    if a.line is None:
        return "—"
    return fmt.number(a.line, r.decimals, thousands=True)


def status_text(status: str) -> str:
    return f"{STATUS_MARK[status]} {status}"


def monitoring_markdown(mt: MonitoringTable) -> str:
    """The monitoring / 终期评估 table through the report table model (header words never split, 续表N); the
    target, the line and the status are text: left-aligned, and the target and the line may wrap."""
    header = ["指标", "属性", "基期值", *(f"{y}年" for y in mt.years), "规划目标",
              "与目标|差距" if mt.final else mt.line_heading, "状态"]
    rows = []
    for r in mt.rows:
        t, a = r.target, r.assessment
        name = f"{t.name}({t.unit})" if t.unit else t.name
        rows.append([name, t.kind, _num(t.baseline, r.decimals), *(_num(r.values.get(y), r.decimals) for y in mt.years),
                     t.target_text(), _line_text(r, mt.final), status_text(a.status)])
    n = len(header)
    table = table_model.text_table(mt.title, header, rows, align="c" + "r" * (n - 5) + "lrl", wrap=[n - 3, n - 2],
                                   fit="landscape")  # eleven columns and long indicator names
    colours = tuple((status_text(s), STATUS_CLASS[s]) for s in tg.STATUSES)  # report.STYLE_HTML colours them
    return table_model.to_markdown(replace(table, text_classes=colours))


def _sheet_values(r: tg.MonitoringRow, mt: MonitoringTable) -> list[Any]:
    t, a = r.target, r.assessment
    if mt.final:
        line: Any = tg.gap_text(r) or None
    else:
        line = a.line if t.form != "better_than_province" else None
    return [t.name, t.unit, t.kind, t.baseline, *(r.values.get(y) for y in mt.years), t.target_text(), line,
            a.comparison, status_text(a.status), a.note]


def _monitoring_sheet(ws: Any, mt: MonitoringTable, org_name: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    header = ["指标", "单位", "属性", "基期值", *(f"{y}年" for y in mt.years), "规划目标",
              mt.line_heading if mt.final else f"{mt.year}年序时进度", "全省对比值", "状态", "说明"]
    ncols = len(header)
    ws.cell(row=1, column=1, value=mt.title).font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.cell(row=2, column=1, value=f"编制单位：{org_name}")
    thin = Side(style="thin")
    for i, h in enumerate(header, start=1):
        c = ws.cell(row=3, column=i, value=h)
        c.font, c.alignment = Font(bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = Border(top=thin, bottom=thin)
    for rno, r in enumerate(mt.rows, start=4):
        fmt_code = tables.number_format(r.decimals)
        for i, v in enumerate(_sheet_values(r, mt), start=1):
            cell = ws.cell(row=rno, column=i)
            if isinstance(v, str):
                set_text(cell, v)
            elif v is None:
                set_text(cell, "…" if 5 <= i < 5 + len(mt.years) else fmt.DASH)
                cell.alignment = Alignment(horizontal="right")
            else:
                cell.value = fmt.display_value(v, r.decimals)
                cell.number_format = fmt_code
                cell.alignment = Alignment(horizontal="right")
        status = r.assessment.status
        status_cell = ws.cell(row=rno, column=ncols - 1)
        status_cell.font = Font(bold=True, color="FF" + STATUS_COLOUR[status].upper())
        status_cell.fill = PatternFill("solid", fgColor="FF" + STATUS_FILL[status].upper())
    last = 3 + len(mt.rows)
    for i in range(1, ncols + 1):
        ws.cell(row=last, column=i).border = Border(bottom=thin)
    ws.column_dimensions["A"].width = 34
    for i in range(2, ncols + 1):
        ws.column_dimensions[get_column_letter(i)].width = 11
    ws.column_dimensions[get_column_letter(ncols - 1)].width = 16
    ws.column_dimensions[get_column_letter(ncols)].width = 22
    ws.freeze_panes = "B4"


def write_xlsx(built: Sequence[tables.Table], mt: MonitoringTable | None, path: Path, org_name: str) -> None:
    """All tables in the published layout (tables.write_xlsx), plus the monitoring sheet in its place."""
    from openpyxl import load_workbook

    tables.write_xlsx(list(built), path, org_name=org_name)
    if mt is None:
        return
    wb = load_workbook(path)
    index = sum(1 for b in built if b.number < mt.number)
    ws = wb.create_sheet(f"表{mt.number}", index)
    _monitoring_sheet(ws, mt, org_name)
    save_workbook(wb, path)


# ---------------------------------------------------------------------------- wording


def _list(items: Sequence[str]) -> str:
    return "、".join(items) if items else "无"


def heading(plan: pl_mod.Plan, year: int) -> str:
    """'“十四五”规划主要指标监测' or '…终期评估' (the chapter heading, without its number)."""
    return f"{plan.title}主要指标{'终期评估' if plan.phase(year) == pl_mod.FINAL else '监测'}"


def summary_lead(plan: pl_mod.Plan, year: int) -> str:
    return f"{plan.title}指标{'终期评估' if plan.phase(year) == pl_mod.FINAL else '监测'}。"


UNIT_AFTER_NUMBER = {"1/10万": "/10万"}  # 7.90/10万, not 7.901/10万


def _with_unit(value: float | None, r: tg.MonitoringRow) -> str:
    return _num(value, r.decimals) + UNIT_AFTER_NUMBER.get(r.target.unit, r.target.unit)


def _base_year_sentence(plan: pl_mod.Plan, year: int, rows: Sequence[tg.MonitoringRow], values: bool) -> str:
    """The first year of a plan: the base year (and, in the chapter, its values) and the targets still 待定."""
    text = f"{year}年是{plan.title}实施的第一年，以{plan.base_year}年为基期。"
    if values:
        listed = [f"{r.target.name}{_with_unit(r.target.baseline, r)}" for r in rows if r.target.baseline is not None]
        text += f"基期值：{_list(listed)}。"
    tbd = [r.target.name for r in rows if r.assessment.status == tg.TBD]
    return text + (f"规划目标待定的指标：{_list(tbd)}，待目标确定后监测。" if tbd else "")


def _final_paragraph(plan: pl_mod.Plan, year: int, rows: Sequence[tg.MonitoringRow], lead: str) -> str:
    counts = tg.status_counts(rows)
    kinds = {k: sum(1 for r in rows if r.target.kind == k) for k in tg.KINDS}
    missed = [r for r in rows if r.assessment.status == tg.MISSED]
    missed_binding = sum(1 for r in missed if r.target.kind == "约束性")
    missed_text = [f"{r.target.name}（{_with_unit(r.values.get(year), r)}，规划目标"
                   f"{r.target.target_text()}，{tg.gap_text(r)}）" for r in missed]
    nodata = [f"{r.target.name}（{r.assessment.note}）" for r in rows if r.assessment.status in (tg.NO_DATA, tg.TBD)]
    return (f"{lead}{year}年是{plan.title}的末年。规划确定的{len(rows)}项主要指标中（约束性{kinds['约束性']}项、"
            f"预期性{kinds['预期性']}项），已实现规划目标{counts[tg.MET]}项，未实现{counts[tg.MISSED]}项"
            f"（其中约束性{missed_binding}项），无数据{counts[tg.NO_DATA] + counts[tg.TBD]}项。"
            f"未实现的指标：{_list(missed_text)}。无数据的指标：{_list(nodata)}。")


def monitoring_paragraph(result: AnnualResult, rows: Sequence[tg.MonitoringRow], lead: str = "") -> str:
    """The chapter's paragraph, or with a ``lead`` the 提要 item (there without the list of base-year values)."""
    plan = result.plan
    if plan is None:
        return f"{lead}{result.year}年不在已印发规划的规划期内，不作规划指标监测。"
    if plan.phase(result.year) == pl_mod.FINAL:
        return _final_paragraph(plan, result.year, rows, lead)
    counts = tg.status_counts(rows)
    kinds = {k: sum(1 for r in rows if r.target.kind == k) for k in tg.KINDS}
    behind = [f"{r.target.name}（{r.target.kind}）" if r.target.kind == "约束性" else r.target.name
              for r in rows if r.assessment.status == tg.BEHIND]
    nodata = [f"{r.target.name}（{r.assessment.note}）" for r in rows if r.assessment.status == tg.NO_DATA]
    binding = [r for r in rows if r.target.kind == "约束性"]
    binding_text = "；".join(f"约束性指标{r.target.name}{r.assessment.status}" for r in binding)
    first = _base_year_sentence(plan, result.year, rows, not lead) if plan.is_first_year(result.year) else ""
    tbd = f"，目标待定{counts[tg.TBD]}项" if counts[tg.TBD] else ""
    return (f"{lead}{first}规划确定的{len(rows)}项主要指标中（约束性{kinds['约束性']}项、预期性{kinds['预期性']}项），"
            f"{result.year}年已达标{counts[tg.ACHIEVED]}项，达到序时进度{counts[tg.ON_TRACK]}项，"
            f"未达序时进度{counts[tg.BEHIND]}项，无数据{counts[tg.NO_DATA]}项{tbd}。"
            f"未达序时进度的指标：{_list(behind)}。无数据的指标：{_list(nodata)}。{binding_text}。")


def note(result: AnnualResult) -> str:
    """The 说明 item on the monitoring: the rule of the year's phase, the rounding rule and the plan's source."""
    plan = result.plan
    if plan is None:
        return "规划指标监测：本年不在已印发规划的规划期内。"
    rounding = ("是否达到规划目标按未经修约的统计值判断，表中数值按规定的小数位数四舍五入显示，"
                "因此可能出现显示值与目标值相同而未达到的情况（说明栏注明）。")
    source = f"规划目标来源：{plan.document}" + ("（目标值为示例数据）" if plan.sample else "") + "。"
    if plan.phase(result.year) == pl_mod.FINAL:
        return (f"终期评估以规划末年（{plan.last_year}年）的统计值与规划目标比较。状态：● 已实现（达到或优于规划目标，"
                "“左右”的目标含允许的偏差）；▲ 未实现（列出与目标的差距）；○ 无数据（当年数据或全省对比值尚未公布）。"
                "“优于全省平均”的目标与全省同年数值比较；约束性指标排在前面。" + rounding + source)
    return ("序时进度 = 基期值 + (目标值 − 基期值) × (已过年数 ÷ 规划期年数)。状态：● 已达标（达到或优于规划目标，"
            "“左右”的目标含允许的偏差）；◆ 达到序时进度；▲ 未达序时进度；○ 无数据（当年数据或全省对比值尚未公布）"
            "；◇ 待定（规划目标尚未确定）。“优于全省平均”的目标与全省同年数值比较；约束性指标排在前面。" + rounding + source)
