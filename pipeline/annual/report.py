"""统计报告及提要（年度）：年度指标 → 提要与各章文字、表格、五年趋势图、“十四五”监测表、县市区附表 → Markdown、
XLSX、CSV，再由 :mod:`pipeline.render` 排版为 HTML 与 PDF。

Order of the national 卫生健康事业发展统计公报: 提要 first (generated text with the headline numbers
and their changes), then 卫生资源, 医疗服务, 基层卫生, 中医药, 疾病控制与公共卫生, 妇幼卫生与健康水平,
the 十四五 monitoring table (status marks coloured in HTML and PDF) and a county annex with ranks.
Tables come from ``catalogues/annual_tables.yaml``; every number printed in the text is read from the
same tidy table as the tables, formatted with the catalogue's decimals (half-up, at presentation only).
The notebook ``notebooks/annual_report.py`` only calls :func:`build_annual` and :func:`render_annual`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipeline import CATALOGUE_DIR, fmt
from pipeline.annual import targets as tg
from pipeline.annual.indicators import (
    AnnualCatalogue,
    AnnualIndicator,
    AnnualPaths,
    AnnualResult,
    AnnualSettings,
    compute,
    monitoring,
    monitoring_frame,
)
from pipeline.errors import UserError
from pipeline.io_utils import write_csv, write_text
from pipeline.monthly.indicators import CITY_LEVEL
from pipeline.monthly.report import change_phrase
from pipeline.render import tables
from pipeline.render.xlsx import save_workbook, set_text
from pipeline.workdays import NATIONAL_WORKING_DAYS, convention_text, parse_convention

TABLES_PATH = CATALOGUE_DIR / "annual_tables.yaml"
NOTEBOOK = "annual_report.py"
TABLE_FIELDS = ("value", "base_value", "change", "rank", "province")
CSV_COLUMNS = ("year", "indicator_id", "indicator", "unit", "breakdown_id", "breakdown", "region_code", "region",
               "value", "base_value", "change", "change_unit")

# Status marks: a shape and a word read in colour, in grey print and in plain text alike.
STATUS_MARK = {tg.ACHIEVED: "●", tg.ON_TRACK: "◆", tg.BEHIND: "▲", tg.NO_DATA: "○"}
STATUS_CLASS = {tg.ACHIEVED: "st-achieved", tg.ON_TRACK: "st-ontrack", tg.BEHIND: "st-behind", tg.NO_DATA: "st-nodata"}
STATUS_COLOUR = {tg.ACHIEVED: "2e7d32", tg.ON_TRACK: "1f4e79", tg.BEHIND: "c00000", tg.NO_DATA: "7f7f7f"}
STATUS_FILL = {tg.ACHIEVED: "e2f0d9", tg.ON_TRACK: "ddebf7", tg.BEHIND: "fbe2e2", tg.NO_DATA: "ededed"}


# ---------------------------------------------------------------------------- table catalogue


@dataclass(frozen=True)
class ColumnSpec:
    group: str
    indicator: str
    fields: tuple[str, ...]
    breakdown: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AnnualTableSpec:
    id: str
    title: str
    unit: str
    row_by: str  # breakdown | region | indicator
    row_ids: tuple[str, ...] | None
    breakdown: str
    columns: tuple[ColumnSpec, ...]  # breakdown / region tables
    fields: tuple[str, ...]  # indicator tables
    annex: bool = False


@cache
def table_specs(path: Path = TABLES_PATH) -> dict[str, AnnualTableSpec]:
    from pipeline.annual.indicators import load_catalogue

    cat = load_catalogue()
    known = {a.id for a in cat.indicators}
    bds = {b.id for b in cat.breakdowns}
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["tables"]
    out: dict[str, AnnualTableSpec] = {}
    for tid, e in raw.items():
        rows = e["rows"]
        by = rows["by"]
        if by not in ("breakdown", "region", "indicator"):
            raise UserError(f"{path.name}：表 {tid} 的 rows.by“{by}”无效")
        ids = tuple(rows["ids"]) if rows.get("ids") else None
        if by == "breakdown" and ids and set(ids) - bds:
            raise UserError(f"{path.name}：表 {tid} 引用了未知分组 {sorted(set(ids) - bds)}")
        if by == "indicator" and (not ids or set(ids) - known):
            raise UserError(f"{path.name}：表 {tid} 引用了未知指标 {sorted(set(ids or ()) - known)}")
        cols: list[ColumnSpec] = []
        fields: tuple[str, ...] = ()
        if by == "indicator":
            fields = tuple(e["columns"])
        else:
            for c in e["columns"]:
                if c["indicator"] not in known:
                    raise UserError(f"{path.name}：表 {tid} 引用了未知指标 {c['indicator']}")
                cols.append(ColumnSpec(group=c["group"], indicator=c["indicator"], fields=tuple(c["fields"]),
                                       breakdown=c.get("breakdown"), headers=tuple((c.get("headers") or {}).items())))
            fields = tuple(f for c in cols for f in c.fields)
        if set(fields) - set(TABLE_FIELDS):
            raise UserError(f"{path.name}：表 {tid} 的列只能是 {TABLE_FIELDS}")
        out[tid] = AnnualTableSpec(id=tid, title=e["title"], unit=e.get("unit", ""), row_by=by, row_ids=ids,
                                   breakdown=rows.get("breakdown", "total"), columns=tuple(cols), fields=fields,
                                   annex=bool(e.get("annex", False)))
    return out


# ---------------------------------------------------------------------------- built tables


@dataclass(frozen=True)
class AnnualColumn(tables.Column):
    change_decimals: int = 1


@dataclass(frozen=True)
class AnnualRow(tables.Row):
    change_decimals: int | None = None
    change_suffix: str = ""  # "%" where a row's change is a growth rate in a mixed-indicator table


@dataclass(frozen=True)
class AnnualTable(tables.BuiltTable):
    """A BuiltTable whose change columns keep the indicator's precision (per-1000 differences: 2 decimals)."""

    def decimals(self, row: tables.Row, i: int) -> int:
        col = self.columns[i]
        if col.field == "change":
            own = getattr(row, "change_decimals", None)
            return own if own is not None else getattr(col, "change_decimals", 1)
        if col.field == "rank":
            return 0
        if row.decimals is not None:
            return row.decimals
        return col.decimals

    def cell_text(self, row: tables.Row, i: int) -> str:
        value = row.cells[i]
        if self.columns[i].field == "change":
            text = tables.change_text(value, self.decimals(row, i))
            return text + getattr(row, "change_suffix", "") if value is not None else text
        return fmt.number(value, self.decimals(row, i), thousands=True)


def change_decimals(ai: AnnualIndicator) -> int:
    """Growth rates to 1 decimal; differences in the indicator's own precision (百分点 at least 1)."""
    if ai.ind.change == "pct":
        return 1
    if ai.ind.change == "pp":
        return max(1, ai.decimals)
    return ai.decimals


def change_header(ai: AnnualIndicator) -> str:
    label = ai.ind.change_label
    if ai.ind.change == "pct":
        return "比上年增长(%)"
    return f"比上年增减({label})" if label else "比上年增减"


def ranks(result: AnnualResult, indicator_id: str, breakdown: str, year: int | None = None) -> dict[str, int]:
    """Competition rank of each county-level unit (1 = best in the indicator's `better` direction)."""
    ai = result.catalogue.indicator(indicator_id)
    if ai.better is None:
        return {}
    rows = result.for_year(year).filter(
        (pl.col("indicator_id") == indicator_id) & (pl.col("breakdown_id") == breakdown)
        & (pl.col("region_level") != CITY_LEVEL) & pl.col("value").is_not_null()
    ).select("region_code", "value").rows()
    out = {}
    for code, v in rows:
        better = sum(1 for _, w in rows if (w > v if ai.better == "higher" else w < v))
        out[code] = better + 1
    return out


def build_table(spec: AnnualTableSpec, result: AnnualResult, number: int) -> AnnualTable:
    cat = result.catalogue
    t = result.for_year()
    lookup = {(r["indicator_id"], r["breakdown_id"], r["region_code"]): r for r in t.iter_rows(named=True)}
    city = result.city
    year = result.year

    def header(field: str, ai: AnnualIndicator, overrides: dict[str, str]) -> str:
        if field in overrides:
            return overrides[field]
        return {"value": f"{year}年", "base_value": f"{year - 1}年", "change": change_header(ai), "rank": "位次",
                "province": "全省"}[field]

    rows: list[tables.Row] = []
    if spec.row_by == "indicator":
        columns = tuple(
            AnnualColumn(group="", header={"value": f"{year}年", "base_value": f"{year - 1}年", "change": "比上年增减",
                                           "rank": "位次", "province": "全省"}[f],
                         indicator="", period_type="", field=f, decimals=1)
            for f in spec.fields
        )
        for ind in spec.row_ids or ():
            ai = cat.indicator(ind)
            rec = lookup.get((ind, ai.breakdown, city))
            cells = []
            for f in spec.fields:
                if f == "province":
                    target = next((x for x in result.targets if x.indicator_id == ind), None)
                    key = (target.province_key if target else ind, year)
                    cells.append(result.province.get(key))
                elif f == "rank":
                    cells.append(None)
                else:
                    cells.append(None if rec is None else rec[f])
            label = f"{ai.name}({ai.unit})" if ai.unit else ai.name
            rows.append(AnnualRow(label=label, depth=0, cells=tuple(cells), decimals=ai.decimals,
                                  change_decimals=change_decimals(ai),
                                  change_suffix="%" if ai.ind.change == "pct" else ""))
        spec_t = tables.TableSpec(id=spec.id, title=spec.title, unit=spec.unit, row_by="indicator", row_ids=None,
                                  breakdown="total", columns=())
        return AnnualTable(spec=spec_t, number=number, title=f"表{number}　{spec.title}（{year}年）",
                           columns=columns, rows=tuple(rows))

    cols: list[AnnualColumn] = []
    sources: list[tuple[str, str | None]] = []  # (indicator, breakdown override) per column
    for c in spec.columns:
        ai = cat.indicator(c.indicator)
        overrides = dict(c.headers)
        for f in c.fields:
            cols.append(AnnualColumn(group=c.group, header=header(f, ai, overrides), indicator=c.indicator,
                                     period_type="", field=f, decimals=ai.decimals, change_decimals=change_decimals(ai)))
            sources.append((c.indicator, c.breakdown))
    if spec.row_by == "breakdown":
        bds = [cat.breakdown(b) for b in spec.row_ids] if spec.row_ids else [b for b in cat.breakdowns if not b.extra]
        keys = [(b.id, city, b.label, b.depth) for b in bds]
    else:
        keys = [(spec.breakdown, code, result.regions.name(code), 0 if code == city else 1)
                for code in result.regions.codes]
    rank_cache: dict[tuple[str, str], dict[str, int]] = {}
    for bd, rg, label, depth in keys:
        cells: list[float | None] = []
        for col, (ind, bd_override) in zip(cols, sources):
            use_bd = bd_override or bd
            if col.field == "rank":
                key = (ind, use_bd)
                if key not in rank_cache:
                    rank_cache[key] = ranks(result, ind, use_bd)
                r = rank_cache[key].get(rg)
                cells.append(None if r is None else float(r))
                continue
            rec = lookup.get((ind, use_bd, rg))
            cells.append(None if rec is None else rec[col.field])
        rows.append(tables.Row(label=label, depth=depth, cells=tuple(cells)))
    spec_t = tables.TableSpec(id=spec.id, title=spec.title, unit=spec.unit, row_by=spec.row_by, row_ids=None,
                              breakdown=spec.breakdown, columns=())
    return AnnualTable(spec=spec_t, number=number, title=f"表{number}　{spec.title}（{year}年）", columns=tuple(cols),
                       rows=tuple(rows))


# ---------------------------------------------------------------------------- 十四五 monitoring table


@dataclass(frozen=True)
class MonitoringTable:
    number: int
    title: str
    year: int
    rows: tuple[tg.MonitoringRow, ...]

    @property
    def years(self) -> list[int]:
        first = min(r.target.baseline_year for r in self.rows)
        return list(range(first + 1, self.year + 1))


def _num(value: float | None, decimals: int) -> str:
    return "…" if value is None or fmt.is_missing(value) else fmt.number(value, decimals, thousands=True)


def _line_text(r: tg.MonitoringRow) -> str:
    a = r.assessment
    if r.target.form == "better_than_province":
        return f"全省{_num(a.comparison, r.decimals)}" if a.comparison is not None else "全省待公布"
    if a.line is None:
        return "—"
    return fmt.number(a.line, r.decimals, thousands=True)


def status_text(status: str) -> str:
    return f"{STATUS_MARK[status]} {status}"


def monitoring_markdown(mt: MonitoringTable) -> str:
    header = ["指标", "属性", "基期值", *(f"{y}年" for y in mt.years), "规划目标", "序时进度", "状态"]
    # pandoc sizes the columns by these dashes: a wide name, room for 约束性, the target words and the status
    lines = [f"{mt.title}", "", "| " + " | ".join(header) + " |",
             "| :" + "-" * 11 + " | :" + "-" * 4 + ": | " + " | ".join("-" * 4 + ":" for _ in header[2:-3])
             + " | " + "-" * 6 + ": | " + "-" * 5 + ": | :" + "-" * 11 + " |"]
    for r in mt.rows:
        t, a = r.target, r.assessment
        name = f"{t.name}({t.unit})" if t.unit else t.name
        cells = [name, t.kind, _num(t.baseline, r.decimals), *(_num(r.values.get(y), r.decimals) for y in mt.years),
                 t.target_text(), _line_text(r), f"[{status_text(a.status)}]{{.{STATUS_CLASS[a.status]}}}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _monitoring_sheet(ws: Any, mt: MonitoringTable, org_name: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    header = ["指标", "单位", "属性", "基期值", *(f"{y}年" for y in mt.years), "规划目标", f"{mt.year}年序时进度",
              "全省对比值", "状态", "说明"]
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
        t, a = r.target, r.assessment
        fmt_code = tables.number_format(r.decimals)
        values: list[Any] = [t.name, t.unit, t.kind, t.baseline, *(r.values.get(y) for y in mt.years), t.target_text(),
                             a.line if t.form != "better_than_province" else None, a.comparison, status_text(a.status),
                             a.note]
        for i, v in enumerate(values, start=1):
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
        status_cell = ws.cell(row=rno, column=ncols - 1)
        status_cell.font = Font(bold=True, color="FF" + STATUS_COLOUR[a.status].upper())
        status_cell.fill = PatternFill("solid", fgColor="FF" + STATUS_FILL[a.status].upper())
    last = 3 + len(mt.rows)
    for i in range(1, ncols + 1):
        ws.cell(row=last, column=i).border = Border(bottom=thin)
    ws.column_dimensions["A"].width = 34
    for i in range(2, ncols + 1):
        ws.column_dimensions[get_column_letter(i)].width = 11
    ws.column_dimensions[get_column_letter(ncols - 1)].width = 16
    ws.column_dimensions[get_column_letter(ncols)].width = 22
    ws.freeze_panes = "B4"


def write_xlsx(built: Sequence[AnnualTable], mt: MonitoringTable, path: Path, org_name: str) -> None:
    """All tables in the published layout (tables.write_xlsx), plus the monitoring sheet in its place."""
    from openpyxl import load_workbook

    tables.write_xlsx(list(built), path, org_name=org_name)
    wb = load_workbook(path)
    index = sum(1 for b in built if b.number < mt.number)
    ws = wb.create_sheet(f"表{mt.number}", index)
    _monitoring_sheet(ws, mt, org_name)
    save_workbook(wb, path)


# ---------------------------------------------------------------------------- wording


CHANGE_SUFFIX = {"%": "%", "百分点": "个百分点", "1/10万": "/10万"}


class Facts:
    """Numbers for the text, read from the report year's tidy table and formatted as in the tables."""

    def __init__(self, result: AnnualResult):
        self.r = result
        self.cat: AnnualCatalogue = result.catalogue
        self.records: list[dict[str, Any]] = []

    def raw(self, ind: str, bd: str | None = None, field: str = "value", region: str | None = None,
            year: int | None = None) -> float | None:
        return self.r.value(ind, year=year, region=region, breakdown=bd, column=field)

    def num(self, ind: str, bd: str | None = None, field: str = "value", key: str | None = None,
            region: str | None = None) -> str:
        ai = self.cat.indicator(ind)
        v = self.raw(ind, bd, field, region)
        text = fmt.number(v, ai.decimals, thousands=True) if v is not None else "…"
        self._record(key, ind, bd or ai.breakdown, field, v, text)
        return text

    def wan(self, ind: str, bd: str | None = None, key: str | None = None) -> str:
        v = self.raw(ind, bd)
        text = fmt.wan(v) if v is not None else "…"
        self._record(key, ind, bd or self.cat.indicator(ind).breakdown, "value_wan", v, text)
        return text

    def change(self, ind: str, bd: str | None = None, key: str | None = None) -> str:
        ai = self.cat.indicator(ind)
        c = self.raw(ind, bd, "change")
        if c is not None and ai.change_words is not None:
            text = fmt.number(abs(c), change_decimals(ai))
            if set(text) <= {"0", "."}:
                phrase = "持平"
            else:
                word = ai.change_words[0] if c > 0 else ai.change_words[1]
                suffix = CHANGE_SUFFIX.get(ai.ind.change_label, ai.ind.change_label)
                phrase = f"{word}{text}{suffix}"
        else:
            phrase = change_phrase(c, ai.ind.change_label, change_decimals(ai))
        self._record(key, ind, bd or ai.breakdown, "change", c, phrase)
        return phrase

    def _record(self, key: str | None, ind: str, bd: str, field: str, value: float | None, text: str) -> None:
        if key:
            self.records.append({"key": key, "indicator_id": ind, "breakdown_id": bd, "field": field,
                                 "value": value, "text": text})


def _list(items: Sequence[str]) -> str:
    return "、".join(items) if items else "无"


def summary_paragraphs(result: AnnualResult, rows: Sequence[tg.MonitoringRow], f: Facts) -> list[str]:
    """The 提要: headline numbers and their changes, in the bulletin's style."""
    y = result.year
    p1 = (f"（一）卫生资源。{y}年末，全市医疗卫生机构总数{f.num('institutions', 'total', key='机构总数')}个，"
          f"比上年{f.change('institutions', 'total')}。其中：医院{f.num('institutions', 'hosp', key='医院数')}个，"
          f"基层医疗卫生机构{f.num('institutions', 'primary', key='基层机构数')}个，"
          f"专业公共卫生机构{f.num('institutions', 'public_health', key='专业公卫机构数')}个。"
          f"全市医疗卫生机构实有床位{f.num('beds', key='床位')}张，比上年{f.change('beds')}；"
          f"卫生技术人员{f.num('health_techs', key='卫技人员')}人，比上年{f.change('health_techs')}，"
          f"其中执业(助理)医师{f.num('doctors', key='医师')}人、注册护士{f.num('nurses', key='护士')}人。"
          f"每千常住人口医疗卫生机构床位{f.num('beds_per_1000', key='每千人口床位')}张、"
          f"执业(助理)医师{f.num('doctors_per_1000', key='每千人口医师')}人、"
          f"注册护士{f.num('nurses_per_1000', key='每千人口护士')}人，"
          f"每万常住人口全科医生{f.num('gps_per_10000', key='每万人口全科医生')}人，"
          f"医护比1:{f.num('nurse_doctor_ratio', key='医护比')}。")
    p2 = (f"（二）医疗服务。全年全市医疗卫生机构总诊疗人次{f.wan('visits', key='总诊疗')}万人次，"
          f"比上年{f.change('visits', key='总诊疗增长')}。其中：医院{f.wan('visits', 'hosp', key='医院诊疗')}万人次，"
          f"基层医疗卫生机构{f.wan('visits', 'primary', key='基层诊疗')}万人次。"
          f"出院人数{f.wan('discharges', key='出院')}万人，比上年{f.change('discharges', key='出院增长')}。"
          f"医院病床使用率{f.num('bed_use_rate', 'hosp', key='医院病床使用率')}%，"
          f"比上年{f.change('bed_use_rate', 'hosp')}；医院出院者平均住院日"
          f"{f.num('avg_stay', 'hosp', key='医院平均住院日')}日，比上年{f.change('avg_stay', 'hosp')}。")
    p3 = (f"（三）医药费用。医院次均门诊费用{f.num('outpatient_cost', 'hosp', key='医院次均门诊费用')}元，"
          f"按当年价格比上年{f.change('outpatient_cost', 'hosp', key='次均门诊费用当年价格增长')}，"
          f"按可比价格{f.change('outpatient_cost_comparable', 'hosp', key='次均门诊费用可比价格增长')}；"
          f"医院人均住院费用{f.num('inpatient_cost', 'hosp', key='医院人均住院费用')}元，"
          f"按当年价格比上年{f.change('inpatient_cost', 'hosp', key='人均住院费用当年价格增长')}，"
          f"按可比价格{f.change('inpatient_cost_comparable', 'hosp', key='人均住院费用可比价格增长')}。")
    e0 = f.raw("life_expectancy")
    e0_text = (f"全市人均预期寿命{f.num('life_expectancy', key='人均预期寿命')}岁，比上年{f.change('life_expectancy')}。"
               if e0 is not None else "人均预期寿命测算结果尚未提供。")
    p4 = (f"（四）健康水平。{e0_text}孕产妇死亡率{f.num('mmr', key='孕产妇死亡率')}/10万"
          f"（上年{f.num('mmr', field='base_value')}/10万），婴儿死亡率{f.num('imr', key='婴儿死亡率')}‰"
          f"（上年{f.num('imr', field='base_value')}‰），5岁以下儿童死亡率{f.num('u5mr', key='5岁以下儿童死亡率')}‰"
          f"（上年{f.num('u5mr', field='base_value')}‰）。重大慢性病过早死亡率"
          f"{f.num('premature_ncd_mortality', key='重大慢性病过早死亡率')}%，比上年{f.change('premature_ncd_mortality')}；"
          f"居民健康素养水平{f.num('health_literacy', key='居民健康素养水平')}%，比上年{f.change('health_literacy')}。")
    return [p1, p2, p3, p4, monitoring_paragraph(result, rows, "（五）“十四五”规划指标监测。")]


def monitoring_paragraph(result: AnnualResult, rows: Sequence[tg.MonitoringRow], lead: str = "") -> str:
    counts = tg.status_counts(rows)
    kinds = {k: sum(1 for r in rows if r.target.kind == k) for k in tg.KINDS}
    behind = [f"{r.target.name}（{r.target.kind}）" if r.target.kind == "约束性" else r.target.name
              for r in rows if r.assessment.status == tg.BEHIND]
    nodata = [f"{r.target.name}（{r.assessment.note}）" for r in rows if r.assessment.status == tg.NO_DATA]
    binding = [r for r in rows if r.target.kind == "约束性"]
    binding_text = "；".join(f"约束性指标{r.target.name}{r.assessment.status}" for r in binding)
    return (f"{lead}规划确定的{len(rows)}项主要指标中（约束性{kinds['约束性']}项、预期性{kinds['预期性']}项），"
            f"{result.year}年已达标{counts[tg.ACHIEVED]}项，达到序时进度{counts[tg.ON_TRACK]}项，"
            f"未达序时进度{counts[tg.BEHIND]}项，无数据{counts[tg.NO_DATA]}项。"
            f"未达序时进度的指标：{_list(behind)}。无数据的指标：{_list(nodata)}。{binding_text}。")


def section_texts(result: AnnualResult, f: Facts) -> dict[str, list[str]]:
    y = result.year
    yi = "亿元"

    def yi_yuan(ind: str, bd: str = "total") -> str:  # 千元 → 亿元 for the text
        v = f.raw(ind, bd)
        return fmt.number(None if v is None else v / 1e5, 2) + yi

    resources = [
        f"{y}年末，全市医疗卫生机构{f.num('institutions')}个。其中：医院{f.num('institutions', 'hosp')}个"
        f"（公立医院{f.num('institutions', 'hosp_public')}个，民营医院{f.num('institutions', 'hosp_private')}个；"
        f"三级医院{f.num('institutions', 'hosp_l3')}个，二级医院{f.num('institutions', 'hosp_l2')}个，"
        f"一级医院{f.num('institutions', 'hosp_l1')}个），基层医疗卫生机构{f.num('institutions', 'primary')}个"
        f"（社区卫生服务中心(站){f.num('institutions', 'chc')}个，乡镇卫生院{f.num('institutions', 'thc')}个，"
        f"门诊部、诊所、卫生所(医务室){f.num('institutions', 'opd_clinic')}个，村卫生室{f.num('institutions', 'village')}个），"
        f"专业公共卫生机构{f.num('institutions', 'public_health')}个。",
        f"全市医疗卫生机构实有床位{f.num('beds')}张，其中医院{f.num('beds', 'hosp')}张，"
        f"基层医疗卫生机构{f.num('beds', 'primary')}张，专业公共卫生机构{f.num('beds', 'public_health')}张；"
        f"编制床位{f.num('authorized_beds')}张。每千常住人口医疗卫生机构床位{f.num('beds_per_1000')}张，"
        f"比上年{f.change('beds_per_1000')}。",
        f"全市卫生技术人员{f.num('health_techs')}人，其中执业(助理)医师{f.num('doctors')}人（中医类别"
        f"{f.num('tcm_doctors')}人，全科医生{f.num('gps')}人），注册护士{f.num('nurses')}人，药师(士)"
        f"{f.num('pharmacists')}人；公共卫生人员{f.num('public_health_staff')}人。每千常住人口卫生技术人员"
        f"{f.num('techs_per_1000')}人、中医类别执业(助理)医师{f.num('tcm_doctors_per_1000')}人、药师(士)"
        f"{f.num('pharmacists_per_1000')}人、公共卫生人员{f.num('public_health_staff_per_1000')}人（表2）。",
        f"全市医疗卫生机构总收入{yi_yuan('total_revenue')}，比上年{f.change('total_revenue')}，其中医疗收入"
        f"{yi_yuan('medical_revenue')}；总支出{yi_yuan('total_expense')}，比上年{f.change('total_expense')}。",
    ]
    services = [
        f"全年全市医疗卫生机构总诊疗人次{f.wan('visits')}万人次，比上年{f.change('visits')}。其中：医院"
        f"{f.wan('visits', 'hosp')}万人次，比上年{f.change('visits', 'hosp')}；基层医疗卫生机构"
        f"{f.wan('visits', 'primary')}万人次，比上年{f.change('visits', 'primary')}；专业公共卫生机构"
        f"{f.wan('visits', 'public_health')}万人次。门急诊人次{f.wan('oe_visits')}万人次，其中急诊"
        f"{f.wan('emergency_visits')}万人次。医院医师日均担负诊疗{f.num('doctor_daily_visits', 'hosp')}人次。",
        f"全年全市医疗卫生机构入院{f.wan('admissions')}万人，出院{f.wan('discharges')}万人，比上年"
        f"{f.change('discharges')}；其中医院出院{f.wan('discharges', 'hosp')}万人，基层医疗卫生机构出院"
        f"{f.wan('discharges', 'primary')}万人。住院病人手术{f.wan('surgeries')}万人次，比上年{f.change('surgeries')}。",
        f"医院病床使用率{f.num('bed_use_rate', 'hosp')}%，比上年{f.change('bed_use_rate', 'hosp')}；其中公立医院"
        f"{f.num('bed_use_rate', 'hosp_public')}%，民营医院{f.num('bed_use_rate', 'hosp_private')}%。乡镇卫生院病床使用率"
        f"{f.num('bed_use_rate', 'thc')}%。医院出院者平均住院日{f.num('avg_stay', 'hosp')}日，比上年"
        f"{f.change('avg_stay', 'hosp')}；病床周转{f.num('bed_turnover', 'hosp')}次；医师日均担负住院"
        f"{f.num('doctor_daily_bed_days', 'hosp')}床日。",
        f"医院次均门诊费用{f.num('outpatient_cost', 'hosp')}元，按当年价格比上年{f.change('outpatient_cost', 'hosp')}，"
        f"按可比价格{f.change('outpatient_cost_comparable', 'hosp')}；人均住院费用{f.num('inpatient_cost', 'hosp')}元，"
        f"按当年价格比上年{f.change('inpatient_cost', 'hosp')}，按可比价格"
        f"{f.change('inpatient_cost_comparable', 'hosp')}。二级及以上公立医院次均门诊费用"
        f"{f.num('outpatient_cost', 'hosp_public_l2plus')}元，人均住院费用{f.num('inpatient_cost', 'hosp_public_l2plus')}元。"
        f"医院门诊药占比{f.num('op_drug_share', 'hosp')}%，比上年{f.change('op_drug_share', 'hosp')}；住院药占比"
        f"{f.num('ip_drug_share', 'hosp')}%，比上年{f.change('ip_drug_share', 'hosp')}。",
    ]
    primary = [
        f"{y}年末，全市基层医疗卫生机构{f.num('institutions', 'primary')}个，床位{f.num('beds', 'primary')}张，"
        f"卫生技术人员{f.num('health_techs', 'primary')}人。全年基层医疗卫生机构总诊疗人次"
        f"{f.wan('visits', 'primary')}万人次，占全市医疗卫生机构总诊疗人次的{f.num('visits_share', 'primary')}%，"
        f"比上年{f.change('visits_share', 'primary')}；出院{f.wan('discharges', 'primary')}万人。",
        f"社区卫生服务中心(站){f.num('institutions', 'chc')}个，诊疗{f.wan('visits', 'chc')}万人次；乡镇卫生院"
        f"{f.num('institutions', 'thc')}个，床位{f.num('beds', 'thc')}张，诊疗{f.wan('visits', 'thc')}万人次，出院"
        f"{f.wan('discharges', 'thc')}万人；村卫生室{f.num('institutions', 'village')}个，诊疗"
        f"{f.wan('visits', 'village')}万人次。",
    ]
    tcm = [
        f"{y}年末，全市中医类医院{f.num('institutions', 'hosp_tcm')}个，床位{f.num('beds', 'hosp_tcm')}张；"
        f"中医类门诊部、诊所{f.num('institutions', 'tcm_opd_clinic')}个。全市中医类别执业(助理)医师{f.num('tcm_doctors')}人，"
        f"每千常住人口{f.num('tcm_doctors_per_1000')}人，比上年{f.change('tcm_doctors_per_1000')}。",
        f"全年中医类医院总诊疗人次{f.wan('visits', 'hosp_tcm')}万人次，比上年{f.change('visits', 'hosp_tcm')}，"
        f"占全市医疗卫生机构总诊疗人次的{f.num('visits_share', 'hosp_tcm')}%；出院{f.wan('discharges', 'hosp_tcm')}万人，"
        f"比上年{f.change('discharges', 'hosp_tcm')}。",
    ]
    public = [
        f"{y}年末，全市专业公共卫生机构{f.num('institutions', 'public_health')}个，各类医疗卫生机构公共卫生人员"
        f"{f.num('public_health_staff')}人，每千常住人口{f.num('public_health_staff_per_1000')}人。全年健康检查"
        f"{f.wan('health_checks')}万人次，比上年{f.change('health_checks')}。",
        f"居民健康素养水平{f.num('health_literacy')}%，比上年{f.change('health_literacy')}。重大慢性病过早死亡率"
        f"{f.num('premature_ncd_mortality')}%，比上年{f.change('premature_ncd_mortality')}（按世界卫生组织方法，"
        "由30～69岁五岁组心脑血管疾病、恶性肿瘤、糖尿病和慢性呼吸系统疾病死亡率计算）。",
        f"全市3岁以下婴幼儿托位{f.num('childcare_places')}个，每千人口拥有托位{f.num('childcare_per_1000')}个，"
        f"比上年{f.change('childcare_per_1000')}。"
        + (f"个人卫生支出占卫生总费用的比重为{f.num('oop_share')}%。" if f.raw("oop_share") is not None else
           f"{y}年卫生总费用核算结果待省公布，个人卫生支出占卫生总费用的比重暂缺（上年"
           f"{f.num('oop_share', field='base_value')}%）。"),
    ]
    e0 = f.raw("life_expectancy")
    mch = [
        (f"全市人均预期寿命{f.num('life_expectancy')}岁，比上年{f.change('life_expectancy')}（人均预期寿命测算报告）。"
         if e0 is not None else "人均预期寿命测算结果尚未提供。")
        + f"全年活产数{f.num('live_births')}人。",
        f"孕产妇死亡率{f.num('mmr')}/10万，比上年{f.change('mmr')}；婴儿死亡率{f.num('imr')}‰，比上年"
        f"{f.change('imr')}；5岁以下儿童死亡率{f.num('u5mr')}‰，比上年{f.change('u5mr')}。"
        + _province_sentence(result),
    ]
    return {"resources": resources, "services": services, "primary": primary, "tcm": tcm, "public": public, "mch": mch}


def _province_sentence(result: AnnualResult) -> str:
    parts = []
    for t in result.targets:
        if t.form != "better_than_province":
            continue
        p = result.province.get((t.province_key, result.year))
        decimals = result.catalogue.indicator(t.indicator_id).decimals
        unit = t.unit if t.unit != "%" else "%"
        parts.append(f"{t.name}全省{fmt.number(p, decimals)}{unit}" if p is not None else f"{t.name}全省数据待公布")
    return ("全省同期：" + "，".join(parts) + "。") if parts else ""


# ---------------------------------------------------------------------------- charts


def year_chart(data: pl.DataFrame, title: str, y_title: str, label_format: str = ",.2~f") -> Any:
    """Five-year trend: one line per series over the years; the latest year's values are labelled."""
    import altair as alt

    from pipeline.render import charts

    rows = data.select(pl.format("{}年", pl.col("year")).alias("year"), pl.col("series"),
                       pl.col("value").cast(pl.Float64)).to_dicts()
    years = list(dict.fromkeys(r["year"] for r in rows))
    series = list(dict.fromkeys(r["series"] for r in rows))
    colors = [charts.PALETTE[i % len(charts.PALETTE)] for i in range(len(series))]
    base = alt.Chart(alt.InlineData(values=rows), title=title).encode(
        x=alt.X("year:O", title=None, scale=alt.Scale(domain=years), axis=alt.Axis(labelAngle=0, grid=False)),
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False, nice=True),
                axis=alt.Axis(format=",~f", grid=True, tickCount=6)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=series, range=colors),
                        legend=alt.Legend(orient="top", direction="horizontal", symbolType="stroke")),
    )
    lines = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=36), strokeWidth=2)
    last = years[-1] if years else ""
    labels = base.transform_filter(alt.datum.year == last).mark_text(align="left", dx=7, fontSize=10).encode(
        text=alt.Text("value:Q", format=label_format))
    return charts.configure(alt.LayerChart(layer=[lines, labels]).properties(width=charts.DEFAULT_WIDTH,
                                                                            height=charts.DEFAULT_HEIGHT))


def _series(result: AnnualResult, items: Sequence[tuple[str, str, str | None, float]]) -> pl.DataFrame:
    """(label, indicator, breakdown, divisor) → year, series, value for every year with a value."""
    rows = []
    for label, ind, bd, div in items:
        for y in result.years:
            v = result.value(ind, y, breakdown=bd)
            if v is not None:
                rows.append({"year": y, "series": label, "value": v / div})
    return pl.DataFrame(rows, schema={"year": pl.Int64, "series": pl.Utf8, "value": pl.Float64})


def write_charts(result: AnnualResult, chart_dir: Path) -> dict[str, str]:
    """The five-year trend charts (SVG); returns {file name: caption}."""
    from pipeline.render import charts

    y0, y1 = result.years[0], result.year
    span = f"{y0}—{y1}年"
    specs: list[tuple[str, str, str, str, list[tuple[str, str, str | None, float]]]] = [
        ("resources.svg", f"{span}每千常住人口床位、执业(助理)医师和注册护士数", "张、人", ",.2f",
         [("床位(张)", "beds_per_1000", None, 1), ("执业(助理)医师(人)", "doctors_per_1000", None, 1),
          ("注册护士(人)", "nurses_per_1000", None, 1)]),
        ("visits.svg", f"{span}医疗卫生机构总诊疗人次数", "万人次", ",.1f",
         [("医疗卫生机构", "visits", None, 1e4), ("医院", "visits", "hosp", 1e4),
          ("基层医疗卫生机构", "visits", "primary", 1e4)]),
        ("discharges.svg", f"{span}医疗卫生机构出院人数", "万人", ",.1f",
         [("医疗卫生机构", "discharges", None, 1e4), ("医院", "discharges", "hosp", 1e4)]),
        ("costs.svg", f"{span}医院人均住院费用（当年价格与{result.settings.price_base_year}年可比价格）", "元", ",.1f",
         [("当年价格", "inpatient_cost", "hosp", 1), ("可比价格", "inpatient_cost_comparable", "hosp", 1)]),
        ("child_mortality.svg", f"{span}婴儿死亡率和5岁以下儿童死亡率", "‰", ",.2f",
         [("婴儿死亡率", "imr", None, 1), ("5岁以下儿童死亡率", "u5mr", None, 1)]),
        ("ncd.svg", f"{span}重大慢性病过早死亡率", "%", ",.2f",
         [("重大慢性病过早死亡率", "premature_ncd_mortality", None, 1)]),
    ]
    out: dict[str, str] = {}
    for name, caption, y_title, label_format, items in specs:
        data = _series(result, items)
        if data.is_empty():
            continue
        write_text(charts.to_svg(year_chart(data, caption, y_title, label_format)), chart_dir / name)
        out[name] = caption
    return out


# ---------------------------------------------------------------------------- document

SECTIONS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    # (heading, text key, tables, charts)
    ("一、卫生资源", "resources", ("resources_by_type", "resources_per_capita", "finance_by_type"), ("resources.svg",)),
    ("二、医疗服务", "services", ("services_by_type", "efficiency_by_type", "costs_by_type"),
     ("visits.svg", "discharges.svg", "costs.svg")),
    ("三、基层卫生", "primary", ("primary_care",), ()),
    ("四、中医药", "tcm", ("tcm",), ()),
    ("五、疾病控制与公共卫生", "public", ("public_health",), ("ncd.svg",)),
    ("六、妇幼卫生与健康水平", "mch", ("maternal_child",), ("child_mortality.svg",)),
)
ANNEX_TABLES = ("annex_resources", "annex_services", "annex_health")

STYLE_HTML = ("```{=html}\n<style>\n"
              + "\n".join(f".{STATUS_CLASS[s]} {{ color: #{STATUS_COLOUR[s]}; font-weight: 700; }}" for s in tg.STATUSES)
              + "\n</style>\n```")
STYLE_TYPST = ("```{=typst}\n"
               + "\n".join(f'#show "{STATUS_MARK[s]} {s}": set text(fill: rgb("#{STATUS_COLOUR[s]}"), weight: "bold")'
                           for s in tg.STATUSES)
               + "\n```")


def notes(result: AnnualResult) -> list[str]:
    s = result.settings
    pop_year = result.population_year.get(result.year)
    missing = "；".join(f"{y}年缺少{'、'.join(m)}" for y, m in sorted(result.missing.items()))
    out = [
        "1. 资料来源：医疗卫生机构年报（国家卫生统计网络直报系统，含诊所、医务室和村卫生室；分支机构不单独统计），"
        "妇幼卫生监测、死因监测、居民健康素养监测、托育服务统计和卫生总费用核算结果；常住人口为统计部门公布的年末数"
        + (f"（{pop_year}年）" if pop_year else "") + "。",
        "2. 指标口径与月报一致：比率均由分子、分母分别汇总后计算；床位、人员为年末数；病床使用率 = 实际占用总床日数 ÷ "
        "实际开放总床日数 × 100%，病床周转次数按全年日历天数计算；医师日均担负诊疗人次 = 总诊疗人次数 ÷ 平均执业(助理)医师数 ÷ "
        f"全年工作日数（{convention_text(result.year, result.working_days, s.working_days)}），医师日均担负住院床日 = "
        "实际占用总床日数 ÷ 平均执业(助理)医师数 ÷ 全年日历天数，平均执业(助理)医师数 = (年初数 + 年末数) ÷ 2"
        "；次均门诊费用 = 门诊收入 ÷ 总诊疗人次数，人均住院费用 = 住院收入 ÷ 出院人数。",
        f"3. 可比价格以{s.price_base_year}年为基期，按医疗保健类居民消费价格指数（上年=100）逐年链接折算；“按可比价格”"
        "的增长为扣除价格因素后的实际增长。",
        "4. 重大慢性病过早死亡率按世界卫生组织方法计算：5q(x) = 5M(x) ÷ (1 + 2.5M(x))，x = 30、35、…、65，"
        "M(x) 为该年龄组心脑血管疾病、恶性肿瘤、糖尿病和慢性呼吸系统疾病死亡数之和 ÷ 该组人口；过早死亡率 = 1 − Π(1 − 5q(x))。",
        "5. 序时进度 = 基期值 + (目标值 − 基期值) × (已过年数 ÷ 规划期年数)。状态：● 已达标（达到或优于规划目标，"
        "“左右”的目标含允许的偏差）；◆ 达到序时进度；▲ 未达序时进度；○ 无数据（当年数据或全省对比值尚未公布）。"
        "“优于全省平均”的目标与全省同年数值比较；约束性指标排在前面。比较按公布的小数位数（四舍五入）进行。",
        "6. 人均预期寿命取自人均预期寿命测算报告" +
        ("。" if result.life_expectancy_source else "；本次未提供测算结果。"),
        "7. 表中“—”表示无数据或无可比数据，监测表中“…”表示该年数据暂缺；“#”为“其中”项；县市区位次按未修约数值排列，"
        "费用、平均住院日、死亡率等越低位次越前。" + (f"历年数据：{missing}。" if missing else ""),
    ]
    return out


@dataclass(frozen=True)
class AnnualDocument:
    result: AnnualResult
    out_dir: Path
    source_dir: Path
    markdown_path: Path
    markdown: str
    tables_xlsx: Path
    indicators_csv: Path
    monitoring_csv: Path
    summary_csv: Path
    monitoring_rows: tuple[tg.MonitoringRow, ...]


def _figure(n: int, name: str, caption: str) -> str:
    return f"![图{n}　{caption}](charts/{name})"


def build_document(result: AnnualResult, out_dir: Path, org_name: str) -> AnnualDocument:
    """Write indicators.csv, monitoring.csv, summary.csv, tables.xlsx, the charts and source/report.md."""
    out_dir = Path(out_dir)
    source = out_dir / "source"
    (source / "charts").mkdir(parents=True, exist_ok=True)
    specs = table_specs()
    rows = monitoring(result)
    facts = Facts(result)
    summary = summary_paragraphs(result, rows, facts)
    texts = section_texts(result, facts)
    figures = write_charts(result, source / "charts")

    number = 1
    built: dict[str, AnnualTable] = {}
    for _, _, tids, _ in SECTIONS:
        for tid in tids:
            built[tid] = build_table(specs[tid], result, number)
            number += 1
    y = result.year
    base_year = min((r.target.baseline_year for r in rows), default=y - 1)
    mt = MonitoringTable(number=number, title=f"表{number}　“十四五”规划主要指标监测（{y}年；基期{base_year}年，"
                         f"序时进度为{y}年）", year=y, rows=tuple(rows))
    number += 1
    for tid in ANNEX_TABLES:
        built[tid] = build_table(specs[tid], result, number)
        number += 1

    city_name = result.regions.city_name
    md: list[str] = ["---", f'title: "{city_name}{y}年卫生健康统计报告及提要"', f'author: "{org_name}"',
                     f'date: "{y}年度"', "lang: zh-Hans", "---", "", STYLE_HTML, "", STYLE_TYPST, "", "## 提要", ""]
    for p in summary:
        md += [p, ""]
    fig_no = 1
    for heading, key, tids, charts_ in SECTIONS:
        md += [f"## {heading}", ""]
        for p in texts[key]:
            md += [p, ""]
        for tid in tids:
            md += [tables.to_markdown(built[tid]), ""]
        for name in charts_:
            if name in figures:
                md += [_figure(fig_no, name, figures[name]), ""]
                fig_no += 1
    md += ["## 七、“十四五”规划主要指标监测", "", monitoring_paragraph(result, rows), "", monitoring_markdown(mt), ""]
    md += ["## 附录　各县市区主要指标", "",
           "各县级单位（含功能区）主要指标并列如下，位次在县级单位之间排列（全市不参加排位）。", ""]
    for tid in ANNEX_TABLES:
        md += [tables.to_markdown(built[tid]), ""]
    md += ["## 说明", "", *notes(result), ""]
    markdown = "\n".join(md).replace("比上年持平", "与上年持平")  # 持平 takes 与, not 比 (bulletin usage)

    md_path = source / "report.md"
    write_text(markdown, md_path)
    xlsx = out_dir / "tables.xlsx"
    ordered = [built[tid] for _, _, tids, _ in SECTIONS for tid in tids] + [built[t] for t in ANNEX_TABLES]
    write_xlsx(ordered, mt, xlsx, org_name)
    ind_csv = out_dir / "indicators.csv"
    write_csv(result.for_year().select(CSV_COLUMNS), ind_csv)
    mon_csv = out_dir / "monitoring.csv"
    write_csv(monitoring_frame(rows, y), mon_csv)
    sum_csv = out_dir / "summary.csv"
    write_csv(pl.DataFrame(facts.records, schema={"key": pl.Utf8, "indicator_id": pl.Utf8, "breakdown_id": pl.Utf8,
                                                  "field": pl.Utf8, "value": pl.Float64, "text": pl.Utf8})
              .unique(subset=["key"], keep="first", maintain_order=True), sum_csv)
    return AnnualDocument(result=result, out_dir=out_dir, source_dir=source, markdown_path=md_path, markdown=markdown,
                          tables_xlsx=xlsx, indicators_csv=ind_csv, monitoring_csv=mon_csv, summary_csv=sum_csv,
                          monitoring_rows=tuple(rows))


def build_annual(*, year: int, raw_dir: Path, reference_dir: Path, life_expectancy_dir: Path | None, out_dir: Path,
                 org_name: str, price_base_year: int, working_days: int | str = NATIONAL_WORKING_DAYS) -> AnnualDocument:
    paths = AnnualPaths(raw=Path(raw_dir), reference=Path(reference_dir),
                        life_expectancy=Path(life_expectancy_dir) if life_expectancy_dir else None)
    settings = AnnualSettings(year=year, price_base_year=price_base_year, working_days=parse_convention(working_days))
    return build_document(compute(paths, settings), Path(out_dir), org_name)


def render_annual(doc: AnnualDocument, backend: str = "auto") -> Any:  # -> render.RenderResult
    from pipeline.render import documents as render

    try:
        return render.render_markdown(doc.markdown_path, doc.out_dir, stem="report", backend=backend)
    except render.RenderError as exc:
        raise UserError(f"统计报告排版失败：{exc}") from exc


def run_annual_report(*, paths: AnnualPaths, settings: AnnualSettings, out_dir: Path, org_name: str,
                      backend: str) -> None:
    """The stage's entry point: check the inputs, then execute notebooks/annual_report.py with papermill."""
    from pipeline.annual.indicators import check_inputs
    from pipeline.render.notebook import NOTEBOOK_DIR, execute

    check_inputs(paths, settings)  # fail before starting a kernel, with the list of missing inputs
    cwd = Path.cwd()

    def rel(p: Path | None) -> str | None:
        return None if p is None else os.path.relpath(Path(p).resolve(), cwd)

    execute(
        NOTEBOOK_DIR / NOTEBOOK,
        out_dir / "annual_report.ipynb",
        parameters={
            "year": settings.year, "price_base_year": settings.price_base_year, "working_days": settings.working_days,
            "raw_dir": rel(paths.raw), "reference_dir": rel(paths.reference),
            "life_expectancy_dir": rel(paths.life_expectancy), "out_dir": rel(out_dir), "org_name": org_name,
            "backend": backend,
        },
        cwd=cwd,
    )
