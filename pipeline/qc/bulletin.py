"""质控通报 (quarterly data-quality bulletin) and the per-county issue workbooks.

Inputs are the qc stage's tables (``data/qc/results.parquet``, ``data/qc/filing.parquet``) and
the region table. The notebook ``notebooks/qc_report.py`` calls ``load``, ``build_bulletin``,
``render_bulletin`` and ``write_county_workbooks``; all logic lives here.

Confidentiality: institution-level lists appear only in the bulletin (internal to the
commission, hence its file name ``bulletin_internal.*``) and in the county workbooks, each of
which holds only that county's institutions.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import fmt
from pipeline.figures import FigureLog, flow_period, record_rate
from pipeline.io_utils import atomic_dir, write_json, write_text
from pipeline.monthly.indicators import Regions, load_regions
from pipeline.period import Month, Quarter
from pipeline.qc import findings_text, notice
from pipeline.qc.county_overview import overview_by_county
from pipeline.qc.pairing import DATA_LINK, data_link, pair_problem  # noqa: F401 (re-exported)
from pipeline.qc.listing import (  # noqa: F401 (re-exported)
    CODE_COL, NAME_COL, NONE_TEXT, PERIOD_COL, REGION_COL, Column, _listing, text_table,
)
from pipeline.render.tables import change_text
from pipeline.qc.checks import (
    REGISTRY_CHECK_NAMES,
    RULE_CHECK,
    SEVERITY_LABELS,
    QuarterSummary,
    issue_counts,
    num,
    quarter_of,
    rates,
    summarise,
)

BULLETIN_STEM = "bulletin_internal"
COUNTY_DIR = "counties"
NOTEBOOK = "qc_report.py"
COUNT_KEYS = (*REGISTRY_CHECK_NAMES, "FAIL", "WARN")
COUNT_LABELS = {"漏报": "漏报", "迟报": "迟报", "重报": "重报", "一码多机构": "一码多机构",
                "非应报机构报送": "非应报报送", "FAIL": "审核错误", "WARN": "审核警告"}
TYPE_GROUP_ORDER = ("医院", "基层医疗卫生机构", "专业公共卫生机构", "其他机构")
TOP_RULES = 10


# ============================================================================ data


@dataclass(frozen=True)
class QcData:
    quarter: Quarter
    period: Month
    regions: Regions
    results: pl.DataFrame  # all months (qc.RESULT_SCHEMA)
    filing: pl.DataFrame  # all months with data (qc.FILING_SCHEMA)
    summary: QuarterSummary
    previous: QuarterSummary

    @property
    def months(self) -> tuple[Month, ...]:
        return self.summary.months

    def in_quarter(self, frame: pl.DataFrame, previous: bool = False) -> pl.DataFrame:
        months = self.previous.months if previous else self.summary.months
        return frame.filter(pl.col("period").is_in([str(m) for m in months]))


def load(*, period: str, results_path: Path, filing_path: Path, regions_path: Path) -> QcData:
    q, month = quarter_of(period)
    results = pl.read_parquet(results_path)
    filing = pl.read_parquet(filing_path)
    prev = q.previous
    return QcData(
        quarter=q, period=month, regions=load_regions(regions_path), results=results, filing=filing,
        summary=summarise(results, filing, q, month),
        previous=summarise(results, filing, prev, prev.months[-1]),
    )


def county_table(data: QcData, previous: bool = False) -> pl.DataFrame:
    """One row per county-level unit (all of them, in code order): rates, issue counts and rank."""
    status = data.in_quarter(data.filing, previous)
    results = data.in_quarter(data.results, previous)
    frame = data.regions.table.select("region_code", "region_name")
    frame = frame.join(rates(status, ["region_code"]), on="region_code", how="left")
    frame = frame.join(issue_matrix(results, ["region_code"]), on="region_code", how="left")
    frame = frame.with_columns(pl.col("expected", "filed", "on_time", *COUNT_KEYS).fill_null(0))
    return with_rank(frame)


def issue_matrix(results: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Counts per group: one column per registry check and FAIL/WARN for rule results."""
    key = pl.when(pl.col("check") == RULE_CHECK).then(pl.col("severity")).otherwise(pl.col("check"))
    counts = results.with_columns(key=key).group_by([*by, "key"]).agg(n=pl.len().cast(pl.Int64))
    skeleton = results.select(by).unique()
    for name in COUNT_KEYS:
        part = counts.filter(pl.col("key") == name).select(*by, pl.col("n").alias(name))
        skeleton = skeleton.join(part, on=list(by), how="left")
    return skeleton.with_columns(pl.col(COUNT_KEYS).fill_null(0))


def rank_key(row: Mapping[str, Any]) -> tuple[float, float, int, int]:
    """Higher 上报率, higher 及时率, fewer errors, fewer 重报 rank first; no 应报 ranks last."""
    report = row["report_rate"] if row["report_rate"] is not None else -1.0
    timely = row["timely_rate"] if row["timely_rate"] is not None else -1.0
    return (-round(report, 9), -round(timely, 9), int(row["FAIL"]), int(row["重报"]))


def with_rank(frame: pl.DataFrame) -> pl.DataFrame:
    """Competition ranking (1, 2, 2, 4) on rank_key; ties keep region-code order."""
    rows = sorted(frame.to_dicts(), key=lambda r: (rank_key(r), r["region_code"]))
    ranks: list[int] = []
    for i, row in enumerate(rows):
        same = i > 0 and rank_key(row) == rank_key(rows[i - 1])
        ranks.append(ranks[-1] if same else i + 1)
    order = {r["region_code"]: rank for r, rank in zip(rows, ranks)}
    return frame.with_columns(rank=pl.col("region_code").replace_strict(order, return_dtype=pl.Int64)).sort(
        ["rank", "region_code"])


# ============================================================================ markdown helpers


def pct(value: float | None) -> str:
    return fmt.percent(value, 1)  # 99.98, never 100.0 while one is missing


def count(value: int | None) -> str:
    return fmt.DASH if value is None else fmt.number(float(value), 0, thousands=True)


def pp_change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return fmt.DASH
    return change_text(now - before, 1)


def change_words(now: float | None, before: float | None, unit: str = "个百分点") -> str:
    """'提高0.3个百分点' / '降低…' / '持平' / '无可比数据'."""
    if now is None or before is None:
        return "无可比数据"
    diff = now - before
    text = fmt.number(abs(diff), 1)
    if set(text) <= {"0", "."}:
        return "持平"
    return f"{'提高' if diff > 0 else '降低'}{text}{unit}"


def month_list(months: Sequence[Month]) -> str:
    return "、".join(f"{m.month}月" for m in months)


def _quarter_span(s: QuarterSummary) -> str:
    if not s.months:
        return s.quarter.label
    first, last = s.months[0], s.months[-1]
    span = f"{first.month}月" if first == last else f"{first.month}—{last.month}月"
    return f"{s.quarter.label}（{span}）"


# ============================================================================ bulletin sections


def overview(data: QcData) -> list[str]:
    s, p = data.summary, data.previous
    c = s.counts
    paras = []
    if not s.months_with_data:
        return [f"{_quarter_span(s)}没有任何月报数据（{month_list(s.months)}均无数据），本期不计算上报率和及时率。"]
    paras.append(
        f"{_quarter_span(s)}，全市应报医疗卫生机构月报 {count(s.expected)} 份，实报 {count(s.filed)} 份，"
        f"上报率 {pct(s.report_rate)}%；按时上报 {count(s.on_time)} 份，及时率 {pct(s.timely_rate)}%。"
        f"漏报 {c['漏报']} 份，迟报 {c['迟报']} 份，重报（同一机构同一报告期重复上报）{c['重报']} 份，"
        f"一码多机构 {c['一码多机构']} 起，非应报机构报送 {c['非应报机构报送']} 份。"
        f"审核规则发现错误 {c['FAIL']} 条、警告 {c['WARN']} 条。"
    )
    held = findings_text.conflict_count(data.in_quarter(data.results))
    if held:
        paras.append(f"另有 {held} 份月报同一机构同一报告期的几次报送上报时间相同而数值不同，无法判断以哪一次为准，"
                     "暂未入库，已计为已报（不列漏报），须向机构核实（名单见“二、存在问题”）。")
    fixed = findings_text.corrections_paragraph(data.in_quarter(data.results))
    if fixed:
        paras.append(fixed)
    if s.months_without_data:
        paras.append(f"本季度 {month_list(s.months_without_data)} 没有任何数据（尚未导入或尚未上报），"
                     "未计入上报率和及时率，也不列漏报。")
    if p.months_with_data:
        paras.append(
            f"与上季度（{p.quarter.label}）相比，上报率{change_words(s.report_rate, p.report_rate)}，"
            f"及时率{change_words(s.timely_rate, p.timely_rate)}；审核错误 {c['FAIL']} 条（上季度 {p.counts['FAIL']} 条），"
            f"警告 {c['WARN']} 条（上季度 {p.counts['WARN']} 条）。"
        )
    else:
        paras.append(f"上季度（{p.quarter.label}）没有数据，无法比较。")
    return paras


def county_rows(table: pl.DataFrame) -> list[list[str]]:
    return [
        [r["region_name"], count(r["expected"]), count(r["filed"]), pct(r["report_rate"]),
         pct(r["timely_rate"]), *(count(r[k]) for k in ("漏报", "迟报", "重报", "FAIL", "WARN")), str(r["rank"])]
        for r in table.iter_rows(named=True)
    ]


def county_section(data: QcData, numbers: Iterator[int]) -> str:
    table = county_table(data)
    s = data.summary
    total = ["全市", count(s.expected), count(s.filed), pct(s.report_rate), pct(s.timely_rate),
             *(count(s.counts[k]) for k in ("漏报", "迟报", "重报", "FAIL", "WARN")), ""]
    header = ["县市区", "应报", "已报", "上报率(%)", "及时率(%)", "漏报", "迟报", "重报", "错误", "警告", "排名"]
    return text_table(
        f"表{next(numbers)}　各县市区月报上报率、及时率和问题数（{s.quarter.label}）", header, "r" * 9 + "c",
        [total, *county_rows(table)], unit="份、条",
        notes=["注：错误、警告为审核规则发现的问题条数。排名依次比较上报率（高者在前）、及时率（高者在前）、"
               "审核错误条数（少者在前）和重报份数（少者在前），完全相同者并列。"])


def type_section(data: QcData, numbers: Iterator[int]) -> str:
    status = data.in_quarter(data.filing)
    by_type = rates(status, ["type_group"])
    order = {g: i for i, g in enumerate(TYPE_GROUP_ORDER)}
    rows = sorted(by_type.iter_rows(named=True), key=lambda r: (order.get(r["type_group"], 99), r["type_group"]))
    body = [[r["type_group"], count(r["expected"]), count(r["filed"]), pct(r["report_rate"]), count(r["on_time"]),
             pct(r["timely_rate"])] for r in rows]
    if not body:
        return "本季度没有应报数据。"
    return text_table(f"表{next(numbers)}　分机构类别月报上报率和及时率（{data.quarter.label}）",
                      ["机构类别", "应报", "已报", "上报率(%)", "按时", "及时率(%)"], "rrrrr", body, unit="份")


def _region_name(data: QcData, code: str) -> str:
    return data.regions.name(code)


def late_missing_section(data: QcData, numbers: Iterator[int]) -> str:
    status = data.in_quarter(data.filing).sort(["region_code", "period", "org_code"])
    missing = status.filter(~pl.col("filed"))
    late = status.filter(pl.col("filed") & ~pl.col("on_time"))
    return "\n\n".join([
        _listing(missing, f"表{next(numbers)}　漏报机构名单（{data.quarter.label}）",
                 [REGION_COL, PERIOD_COL, NAME_COL, CODE_COL, ("机构类别", "l", True), ("截止日期", "l", False)],
                 lambda r: [_region_name(data, r["region_code"]), r["period"], r["name"], r["org_code"], r["type_sub"],
                            r["due_date"].isoformat()]),
        _listing(late, f"表{next(numbers)}　迟报机构名单（{data.quarter.label}）",
                 [REGION_COL, PERIOD_COL, NAME_COL, CODE_COL, ("首次|上报时间", "l", False), ("截止日期", "l", False),
                  ("逾期|天数", "r", False)],
                 lambda r: [_region_name(data, r["region_code"]), r["period"], r["name"], r["org_code"],
                            _time(r["submitted_at"]), r["due_date"].isoformat(),
                            fmt.DASH if r["days_late"] is None else str(r["days_late"])]),
    ])


def duplicate_section(data: QcData, numbers: Iterator[int]) -> str:
    results = data.in_quarter(data.results).sort(["region_code", "period", "org_code", "message"])
    resub = results.filter(pl.col("check") == "重报")
    other = results.filter(pl.col("check").is_in(findings_text.CODE_PROBLEM_CHECKS))
    columns = [REGION_COL, PERIOD_COL, NAME_COL, CODE_COL, ("情况", "l", True)]

    def cells(r: dict[str, Any]) -> list[str]:
        return [_region_name(data, r["region_code"]), r["period"], r["name"], r["org_code"], r["message"]]

    parts = [
        _listing(resub, f"表{next(numbers)}　重报名单（{data.quarter.label}）", columns, cells),
        _listing(other, f"表{next(numbers)}　机构代码问题（一码多机构、校验码错误、非应报机构报送）（{data.quarter.label}）",
                 columns, cells),
    ]
    held = findings_text.conflicts_listing(results, lambda c: _region_name(data, c),
                                           f"（{data.quarter.label}）", numbers)
    return "\n\n".join(parts if held is None else [*parts, held])


def top_rules(results: pl.DataFrame, limit: int = TOP_RULES) -> pl.DataFrame:
    rules = results.filter(pl.col("check") == RULE_CHECK)
    return rules.group_by("rule_id", "title", "severity").agg(
        n=pl.len().cast(pl.Int64), institutions=pl.col("org_code").n_unique().cast(pl.Int64),
        regions=pl.col("region_code").n_unique().cast(pl.Int64),
    ).sort(["n", "rule_id"], descending=[True, False]).head(limit)


def rules_section(data: QcData, numbers: Iterator[int]) -> str:
    results = data.in_quarter(data.results)
    parts = [_listing(
        top_rules(results), f"表{next(numbers)}　出现最多的审核问题（{data.quarter.label}，前 {TOP_RULES} 条规则）",
        [("规则编号", "l", False), ("规则", "l", True), ("严重|程度", "l", False), ("条数", "r", False),
         ("涉及|机构", "r", False), ("涉及|县市区", "r", False)],
        lambda r: [r["rule_id"], r["title"], SEVERITY_LABELS[r["severity"]], count(r["n"]), count(r["institutions"]),
                   count(r["regions"])])]
    errors = results.filter((pl.col("check") == RULE_CHECK) & (pl.col("severity") == "FAIL")).sort(
        ["region_code", "period", "org_code", "rule_id", "message"])
    parts.append(_listing(
        errors, f"表{next(numbers)}　审核错误明细（{data.quarter.label}）",
        [REGION_COL, PERIOD_COL, NAME_COL, ("规则编号", "l", False), ("问题说明", "l", True)],
        lambda r: [_region_name(data, r["region_code"]), r["period"], r["name"], r["rule_id"], r["message"]]))
    parts.append("审核警告的明细列在已分送各县市区的问题清单中，由县市区逐条核实。")
    return "\n\n".join(parts)


def comparison_section(data: QcData, numbers: Iterator[int]) -> str:
    s, p = data.summary, data.previous
    has_prev = bool(p.months_with_data)

    def prev(value: Any) -> Any:
        return value if has_prev else None

    rows = [
        ["应报（份）", count(s.expected), count(prev(p.expected)), count(None if not has_prev else s.expected - p.expected)],
        ["已报（份）", count(s.filed), count(prev(p.filed)), count(None if not has_prev else s.filed - p.filed)],
        ["上报率（%）", pct(s.report_rate), pct(prev(p.report_rate)), pp_change(s.report_rate, prev(p.report_rate))],
        ["及时率（%）", pct(s.timely_rate), pct(prev(p.timely_rate)), pp_change(s.timely_rate, prev(p.timely_rate))],
    ]
    for key in ("漏报", "迟报", "重报", "FAIL", "WARN"):
        now, before = s.counts[key], prev(p.counts[key])
        rows.append([f"{COUNT_LABELS[key]}（{'条' if key in ('FAIL', 'WARN') else '份'}）", count(now), count(before),
                     fmt.DASH if before is None else change_text(float(now - before), 0)])
    city = text_table(f"表{next(numbers)}　全市质控指标与上季度比较（{s.quarter.label}与{p.quarter.label}）",
                      ["指标", "本季度", "上季度", "增减"], "rrr", rows, notes=["注：上报率、及时率的增减单位为百分点。"])
    now_t = county_table(data).sort("region_code")
    before_t = county_table(data, previous=True).select(
        "region_code", prev_report="report_rate", prev_timely="timely_rate", prev_fail="FAIL", prev_warn="WARN")
    joined = now_t.join(before_t, on="region_code", how="left")
    body = [
        [r["region_name"],
         pct(r["report_rate"]), pct(prev(r["prev_report"])), pp_change(r["report_rate"], prev(r["prev_report"])),
         pct(r["timely_rate"]), pct(prev(r["prev_timely"])), pp_change(r["timely_rate"], prev(r["prev_timely"])),
         count(r["FAIL"] + r["WARN"]), count(prev(r["prev_fail"] + r["prev_warn"]))]
        for r in joined.iter_rows(named=True)
    ]
    header = ["县市区", "本季|上报率(%)", "上季|上报率(%)", "增减", "本季|及时率(%)", "上季|及时率(%)", "增减",
              "本季|审核问题", "上季|审核问题"]
    counties = text_table(f"表{next(numbers)}　各县市区上报率、及时率和审核问题条数与上季度比较", header, "r" * 8, body,
                          notes=["注：增减为百分点。"])
    return "\n\n".join([city, counties])


def notes(data: QcData, due_day: int) -> list[str]:
    return [
        "1. 应报：机构名录中当月处于开业状态（开业日期不晚于月末，且未注销或注销日期不早于月初）、不是分支机构、"
        "且所属机构类别报送月报的机构，按“机构 × 月”计份。诊所、医务室、村卫生室等只报年报，不计入。",
        f"2. 上报率 = 已报 ÷ 应报 × 100%；及时率 = 按时上报 ÷ 应报 × 100%。按时上报指当月报表首次上报时间不晚于次月 "
        f"{due_day} 日；同一机构同一报告期重复上报时保留最晚一次的数据，以首次上报时间判断是否及时。",
        "3. 重报：同一机构同一报告期上报两次及以上（更正上报）；一码多机构：同一机构代码对应不同机构名称"
        "（同一报告期内或与机构名录不一致），须查明更正。",
        "4. 审核规则分为两类：“错误”为硬规则，须查询并在直报系统中更正；"
        "“警告”为软规则，须核实，数据无误的说明原因。",
        "5. 各县市区问题清单已分送各县市区（每个县市区一份，只含本县市区的机构），用于逐条核实和反馈。",
        "6. 本通报含机构名单，为委内资料，不得对外公开；对外发布只用汇总数据。",
    ]


# ============================================================================ the bulletin


@dataclass(frozen=True)
class Bulletin:
    out_dir: Path
    markdown_path: Path
    markdown: str

    @property
    def body(self) -> str:
        """The markdown without its YAML metadata block (for display in the notebook)."""
        return self.markdown.split("---", 2)[2]


def bulletin_markdown(data: QcData, *, org_name: str, due_day: int) -> str:
    city = data.regions.city_name
    meta = [
        "---",
        f'title: "{city}医疗卫生机构月报数据质量通报"',
        f'subtitle: "{_quarter_span(data.summary)}"',
        f'author: "{org_name}"',
        f'date: "数据截至{data.period.label}　内部资料　注意保密"',
        "lang: zh-Hans",
        "---",
    ]
    c = data.summary.counts
    has_problems = any(c[k] for k in ("漏报", "迟报", "重报", "一码多机构", "非应报机构报送", "重复报送待核实", "FAIL"))
    n = itertools.count(1)  # tables are numbered in the order the sections are built: the order they are printed
    sections = [
        ("一、基本情况", [("总体情况", "\n\n".join(overview(data))), ("各县市区上报情况和排名", county_section(data, n)),
                      ("分机构类别上报情况", type_section(data, n)), ("与上季度比较", comparison_section(data, n))]),
        ("二、存在问题", [("漏报和迟报", late_missing_section(data, n)), ("重报和机构代码问题", duplicate_section(data, n)),
                      ("审核规则问题", rules_section(data, n))]),
        ("三、工作要求", notice.requirements(data.period, due_day, has_problems)),
    ]
    body = notice.document(sections)
    tail = [notice.signature(org_name), "## 附：指标说明", "\n\n".join(notes(data, due_day))]
    return "\n".join(meta) + "\n\n" + body + "\n\n" + "\n\n".join(tail) + "\n"


def printed_rates(data: QcData) -> FigureLog:
    """The quarter's 上报率/及时率 of the city and each county (表1, 总体情况) for the release's consistency check:
    period = the months of the quarter up to the report month, as the monthly report writes its periods."""
    s = data.summary
    log = FigureLog(f"数据质量控制情况通报 {s.quarter.label}")
    if not s.months_with_data:
        return log
    period = flow_period(s.quarter.year, s.months[0].month, s.months[-1].month)
    rows = [(data.regions.city_code, s.report_rate, s.timely_rate)]
    rows += [(r["region_code"], r["report_rate"], r["timely_rate"]) for r in county_table(data).iter_rows(named=True)]
    for code, report_rate, timely_rate in rows:
        for indicator, value in (("report_rate", report_rate), ("timely_rate", timely_rate)):
            record_rate(log, indicator, code, period, value, pct(value), "表1")
    return log


def build_bulletin(data: QcData, *, out_dir: Path, org_name: str, due_day: int) -> Bulletin:
    md = bulletin_markdown(data, org_name=org_name, due_day=due_day)
    md_path = out_dir / "source" / f"{BULLETIN_STEM}.md"
    write_text(md, md_path)
    printed_rates(data).write(out_dir)
    return Bulletin(out_dir=out_dir, markdown_path=md_path, markdown=md)


def render_bulletin(doc: Bulletin, backend: str = "auto"):  # -> render.RenderResult
    from pipeline.render import documents as render

    return render.render_markdown(doc.markdown_path, doc.out_dir, stem=BULLETIN_STEM, backend=backend)


# ============================================================================ county workbooks


@dataclass(frozen=True)
class Sheet:
    title: str
    header: tuple[str, ...]
    widths: tuple[int, ...]
    rows: list[list[Any]]


def values_text(values: str) -> str:
    """'门急诊人次数=1200；总诊疗人次数=1000' from the JSON of values involved."""
    parsed = json.loads(values) if values else {}
    return "；".join(f"{k}={num(v) if isinstance(v, (int, float)) else v}" for k, v in parsed.items())


def _time(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "未填"


County = tuple[pl.DataFrame, pl.DataFrame]  # one county's quarter rows: filing status, results (table order)


def county_frames(data: QcData) -> dict[str, County]:
    """Every county's quarter rows split off in one pass (a filter per county scans the whole table once per
    county: quadratic with a country's ~2,800 units); the rows keep the order of the whole tables."""
    status, results = (data.in_quarter(f).partition_by("region_code", as_dict=True, maintain_order=True)
                       for f in (data.filing, data.results))
    return {c: (status.get((c,), data.filing.clear()), results.get((c,), data.results.clear()))
            for c in data.regions.unit_codes}


def overview_rows(data: QcData, county: County) -> list[list[Any]]:
    """Per month of the quarter and for the quarter: 应报, 已报, 上报率, 按时, 及时率 and issue counts."""
    status, results = county
    rows: list[list[Any]] = []
    for m in data.months:
        if m not in data.summary.months_with_data:
            rows.append([m.label, "无数据", *([None] * 9)])
            continue
        in_month = pl.col("period") == str(m)
        rows.append(_overview_row(m.label, status.filter(in_month), results.filter(in_month)))
    rows.append(_overview_row("本季度合计", status, results))
    return rows


def _overview_row(label: str, status: pl.DataFrame, results: pl.DataFrame) -> list[Any]:
    r = rates(status).row(0, named=True)
    counts = issue_counts(results)

    def rate(key: str) -> float | None:
        return None if r[key] is None else float(fmt.round_half_up(r[key], 1))

    return [label, int(r["expected"] or 0), int(r["filed"] or 0), rate("report_rate"), int(r["on_time"] or 0),
            rate("timely_rate"), *(counts[k] for k in ("漏报", "迟报", "重报", "FAIL", "WARN"))]


def _sorted(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    return frame if frame.height < 2 else frame.sort(by)


def county_sheets(data: QcData, county: County, overview: list[list[Any]] | None = None) -> list[Sheet]:
    # A county's few rows are split in Python (a polars query costs ~0.3 ms, most counties have no findings);
    # `is True`/`is False` keep the rows a filter keeps (a null 'filed' or 'on_time' is in neither list).
    status = list(_sorted(county[0], ["period", "org_code"]).iter_rows(named=True))
    ordered = _sorted(county[1], ["period", "org_code", "rule_id", "message"])
    results = list(ordered.iter_rows(named=True))
    missing = [r for r in status if r["filed"] is False]
    late = [r for r in status if r["filed"] is True and r["on_time"] is False]
    resub = [r for r in results if r["check"] == "重报"]
    codes = [r for r in results if r["check"] in (*findings_text.CODE_PROBLEM_CHECKS, "重复报送待核实")]
    rules = [r for r in results if r["check"] == RULE_CHECK]
    return [
        Sheet("概况", ("月份", "应报", "已报", "上报率(%)", "按时", "及时率(%)", "漏报", "迟报", "重报", "审核错误", "审核警告"),
              (14, 8, 8, 10, 8, 10, 8, 8, 8, 10, 10), overview_rows(data, county) if overview is None else overview),
        Sheet("漏报", ("报告期", "机构代码", "机构名称", "机构类别", "截止日期"), (10, 22, 36, 18, 12),
              [[r["period"], r["org_code"], r["name"], r["type_sub"], r["due_date"].isoformat()]
               for r in missing]),
        Sheet("迟报", ("报告期", "机构代码", "机构名称", "机构类别", "截止日期", "首次上报时间", "逾期天数"),
              (10, 22, 36, 18, 12, 18, 10),
              [[r["period"], r["org_code"], r["name"], r["type_sub"], r["due_date"].isoformat(), _time(r["submitted_at"]),
                r["days_late"]] for r in late]),
        Sheet("重报", ("报告期", "机构代码", "机构名称", "情况"), (10, 22, 36, 70),
              [[r["period"], r["org_code"], r["name"], r["message"]] for r in resub]),
        Sheet("机构代码问题", ("报告期", "机构代码", "机构名称", "问题", "说明"), (10, 22, 36, 16, 70),
              [[r["period"], r["org_code"], r["name"], r["check"], r["message"]] for r in codes]),
        Sheet("审核问题", ("报告期", "机构代码", "机构名称", "机构类别", "规则编号", "严重程度", "规则", "问题说明", "涉及数值",
                       "核实情况（请填写）"), (10, 22, 36, 16, 10, 10, 30, 60, 50, 30),
              [[r["period"], r["org_code"], r["name"], r["type_sub"], r["rule_id"], SEVERITY_LABELS[r["severity"]],
                r["title"], r["message"], values_text(r["values"]), None] for r in rules]),
        Sheet("数据更正", findings_text.CORRECTION_HEADER, findings_text.CORRECTION_WIDTHS,
              findings_text.correction_rows(ordered) if results else []),
    ]


INSTRUCTIONS = (
    "请逐条核实：漏报、迟报请督促机构补报并说明原因；重报、机构代码问题请核实机构代码和名称；",
    "审核“错误”须在直报系统中更正后重新上报；“警告”请核实，数据无误的在“核实情况”栏说明原因。",
)


def county_workbook(data: QcData, code: str, org_name: str, county: County | None = None,
                    overview: list[list[Any]] | None = None) -> Any:
    from openpyxl import Workbook

    from pipeline.render.xlsx import CellStyles, write_table_sheet

    name = data.regions.name(code)
    wb = Workbook()
    wb.remove(wb.active)
    head = [f"{name}（{code}）医疗卫生机构月报质控问题清单", f"{_quarter_span(data.summary)}　{org_name}"]
    styles = CellStyles()
    for i, sheet in enumerate(county_sheets(data, county_frames(data)[code] if county is None else county, overview)):
        extra = list(INSTRUCTIONS) if i == 0 else []
        write_table_sheet(wb.create_sheet(), sheet.title, sheet.header, sheet.widths, sheet.rows, head + extra,
                          NONE_TEXT, styles)  # one CellStyles for the workbook's sheets
    wb.properties.creator = org_name
    wb.properties.title = head[0]
    return wb


def write_county_workbooks(data: QcData, out_dir: Path, *, org_name: str) -> list[Path]:
    """One workbook per county-level unit: <out_dir>/<region_code>.xlsx, only that county's issues."""
    from pipeline.render.xlsx import save_workbook

    paths = []
    overview = overview_by_county(data.in_quarter(data.filing), data.in_quarter(data.results), data.months,
                                  data.summary.months_with_data, data.regions.unit_codes)  # all counties at once
    for code, county in county_frames(data).items():
        path = out_dir / f"{code}.xlsx"
        save_workbook(county_workbook(data, code, org_name, county, overview[code]), path)
        paths.append(path)
    return paths


# ============================================================================ notebook


def run_qc_report(*, period: Month, results_path: Path, filing_path: Path, regions_path: Path,
                  out_dir: Path, org_name: str, due_day: int, backend: str,
                  data_dir: tuple[Path, Path] | None = None) -> None:
    """Execute notebooks/qc_report.py with papermill (bulletin HTML/PDF and county workbooks). ``data_dir``:
    (temporary folder the results are read from, the folder they will be swapped into), so the saved notebook
    names the final one."""
    from pipeline.render.notebook import NOTEBOOK_DIR, execute

    cwd = Path.cwd()

    def rel(path: Path) -> str:
        return os.path.relpath(path.resolve(), cwd)

    aliases = {} if data_dir is None else {rel(data_dir[0]): rel(data_dir[1])}
    with atomic_dir(out_dir) as work:  # the whole 通报 set appears at once, or the previous one stays
        execute(
            NOTEBOOK_DIR / NOTEBOOK,
            work / "qc_report.ipynb",
            parameters={"period": str(period), "results_path": rel(results_path),
                        "filing_path": rel(filing_path), "regions_path": rel(regions_path), "out_dir": rel(work),
                        "org_name": org_name, "due_day": due_day, "backend": backend},
            cwd=cwd, aliases={rel(work): rel(out_dir), **aliases},
        )
        write_json(data_link(results_path.parent), work / DATA_LINK)
