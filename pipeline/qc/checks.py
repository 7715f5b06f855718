"""QC (质控): registry × submissions → completeness, timeliness, duplicates and catalogue rules.

- 应报 (who must file a month) comes from the facility registry: open in the month, not a branch,
  and of a type that files monthly (``institution_types.csv``).
- 上报率 = 已报 / 应报; 及时率 = 按时 / 应报, where 按时 means the *first* submission of the month
  (a later correction does not make a report late) on or before the due day of the next month.
- Duplicates: ingest keeps the latest submission of (org_code, period) and records the replaced
  ones; here a replaced row with the same name is a resubmission (重报), a different name is two
  institutions sharing one code (一码多机构, an error), as is a name that differs from the registry.
- Rules live in ``catalogues/qc_rules.yaml``; each rule has a ``kind`` and each kind is one
  function in ``KINDS``. Adding a rule of an existing kind is a catalogue entry plus fixtures.
  Every kind gets the monthly rows, its rule and a :class:`RuleContext` with the other data some kinds
  need (the institution annual reports for ``annual_sum``); a kind whose data is missing adds a note and
  finds nothing.

Every check gives rows of one table (``RESULT_SCHEMA``): rule × institution × period with the
values involved, the severity and a Chinese message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.errors import UserError
from pipeline.io_utils import write_parquet
from pipeline.period import Month, PeriodError, Quarter

# The check families live in their own modules; this module runs them as the stage and is the face the CLI,
# the notebooks and the tests import (``from pipeline.qc import checks as qc``).
from pipeline.qc.common import (  # noqa: F401 (re-exported)
    EPS, FILING_SCHEMA, IDENTITY_COLUMNS, NO_TIME, REGISTRY_CHECK_NAMES, REGISTRY_REQUIRED, RESULT_SCHEMA,
    RULE_CHECK, RULES_PATH, SCOPE_FIELDS, SEVERITIES, SEVERITY_LABELS, TRUE_TEXTS, VIOLATION_SCHEMA, index_period,
    item_label, items_label, normalised_name, num, period_index, values_json, where_expr,
)
from pipeline.qc.registry import (  # noqa: F401 (re-exported)
    classify_registry, code_conflicts, conflict_issues, due_list, filing_status, late_issues, load_registry,
    missing_issues, months_with_data, registry_frame, resubmission_issues, resubmissions, submissions,
    unexpected_filers, unexpected_issues,
)
from pipeline.qc.rule_catalogue import (  # noqa: F401 (re-exported)
    ANNUAL_FILE, ANNUAL_KINDS, CHANGE_BASES, COMMON_KEYS, ITEM_PARAMS, KIND_PARAMS, RegistryCheck, Rule,
    RuleCatalogue, load_rules,
)
from pipeline.qc.ingest_findings import IngestFindings, finding_issues, load_findings  # noqa: F401 (re-exported)
from pipeline.qc.rule_kinds import (  # noqa: F401 (re-exported)
    KINDS, RowText, RuleContext, check_annual_sum, check_band, check_change, check_ge, check_le, check_nonneg,
    check_unit_jump, check_zero_if_zero, emit, full_years, load_annual, load_context, prepare, run_rule, run_rules,
)

# ============================================================================ the stage


@dataclass(frozen=True)
class QcResult:
    results: pl.DataFrame  # RESULT_SCHEMA
    filing: pl.DataFrame  # FILING_SCHEMA
    months: tuple[Month, ...]  # months with data
    notes: tuple[str, ...] = ()  # Chinese notes from the rules (e.g. a year not compared with its annual report)


def attach_registry_region(results: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """An issue belongs to the county of the registry (fallback: the region filed in the export)."""
    reg = registry.select("org_code", registry_region="region_code")
    return results.join(reg, on="org_code", how="left").with_columns(
        region_code=pl.coalesce("registry_region", "region_code")).drop("registry_region")


def sort_results(results: pl.DataFrame) -> pl.DataFrame:
    return results.sort(["period", "region_code", "org_code", "rule_id", "values", "message"], nulls_last=True)


def run(clean: pl.DataFrame, replaced: pl.DataFrame, registry: pl.DataFrame, *, due_day: int,
        catalogue: RuleCatalogue | None = None, context: RuleContext | None = None,
        findings: IngestFindings | None = None) -> QcResult:
    """All checks over all months that have data (``context``: data for the rules beyond the monthly rows;
    ``findings``: what ingest found — conflicting duplicates, check characters, applied corrections)."""
    cat = load_rules() if catalogue is None else catalogue
    ctx = RuleContext() if context is None else context
    found = IngestFindings() if findings is None else findings
    months = months_with_data(clean)
    due = due_list(registry, months, due_day)
    status = filing_status(due, clean, replaced, found.held_submissions())
    checks = cat.checks
    parts = [
        missing_issues(status, checks["漏报"]),
        late_issues(status, checks["迟报"]),
        resubmission_issues(resubmissions(clean, replaced), checks["重报"]),
        conflict_issues(code_conflicts(clean, replaced, registry), checks["一码多机构"]),
        unexpected_issues(unexpected_filers(clean, due, registry), checks["非应报机构报送"]),
        run_rules(clean, cat.rules, ctx),
        *finding_issues(found, registry, dict(checks)),
    ]
    results = attach_registry_region(pl.concat(parts, how="vertical_relaxed").cast(RESULT_SCHEMA), registry)
    return QcResult(results=sort_results(results.select(list(RESULT_SCHEMA))), filing=status, months=months,
                    notes=tuple(ctx.notes))


def write_outputs(result: QcResult, out_dir: Path) -> None:
    write_parquet(result.results, out_dir / "results.parquet")
    write_parquet(result.filing, out_dir / "filing.parquet")


# ============================================================================ rates and the quarter


def rates(status: pl.DataFrame, by: Sequence[str] = ()) -> pl.DataFrame:
    """应报 (expected), 已报 (filed), 按时 (on_time), 上报率 and 及时率 (%), by the given columns."""
    aggs = [pl.len().cast(pl.Int64).alias("expected"), pl.col("filed").sum().cast(pl.Int64).alias("filed"),
            pl.col("on_time").sum().cast(pl.Int64).alias("on_time")]
    grouped = status.group_by(list(by)).agg(aggs).sort(list(by)) if by else status.select(aggs)

    def pct(col: str) -> pl.Expr:
        return pl.when(pl.col("expected") > 0).then(pl.col(col) / pl.col("expected") * 100)

    return grouped.with_columns(report_rate=pct("filed"), timely_rate=pct("on_time"))


def quarter_of(period_text: str) -> tuple[Quarter, Month]:
    """The quarter of the 通报 is the one that contains params `period` (quarter to date)."""
    try:
        month = Month.parse(period_text)
    except PeriodError as exc:
        raise UserError(f"params.yaml 参数 period 有误：{exc}") from exc
    return Quarter.of(month), month


def quarter_months(quarter: Quarter, period: Month) -> tuple[Month, ...]:
    """Months of the quarter up to the report period."""
    return tuple(m for m in quarter.months if m <= period)


@dataclass(frozen=True)
class QuarterSummary:
    quarter: Quarter
    months: tuple[Month, ...]  # months of the quarter up to the period
    months_with_data: tuple[Month, ...]
    expected: int
    filed: int
    on_time: int
    report_rate: float | None
    timely_rate: float | None
    counts: Mapping[str, int]  # 漏报, 迟报, 重报, 一码多机构, 非应报机构报送, FAIL, WARN (审核规则)

    @property
    def months_without_data(self) -> tuple[Month, ...]:
        return tuple(m for m in self.months if m not in self.months_with_data)


def issue_counts(results: pl.DataFrame) -> dict[str, int]:
    counts = {name: results.filter(pl.col("check") == name).height for name in REGISTRY_CHECK_NAMES}
    rules = results.filter(pl.col("check") == RULE_CHECK)
    counts.update({sev: rules.filter(pl.col("severity") == sev).height for sev in SEVERITIES})
    return counts


def summarise(results: pl.DataFrame, filing: pl.DataFrame, quarter: Quarter, period: Month) -> QuarterSummary:
    months = quarter_months(quarter, period)
    texts = [str(m) for m in months]
    status = filing.filter(pl.col("period").is_in(texts))
    total = rates(status).row(0, named=True)
    return QuarterSummary(
        quarter=quarter, months=months,
        months_with_data=tuple(Month.parse(p) for p in sorted(status["period"].unique().to_list())),
        expected=int(total["expected"] or 0), filed=int(total["filed"] or 0), on_time=int(total["on_time"] or 0),
        report_rate=total["report_rate"], timely_rate=total["timely_rate"],
        counts=issue_counts(results.filter(pl.col("period").is_in(texts))),
    )


def summary_text(s: QuarterSummary) -> str:
    """The short Chinese summary printed by the CLI."""
    c = s.counts
    lines = [
        f"质控完成：{s.quarter.label}（{'、'.join(str(m) for m in s.months)}）",
        f"  应报 {s.expected} 份，已报 {s.filed} 份，上报率 {num(s.report_rate, 1)}%；"
        f"按时 {s.on_time} 份，及时率 {num(s.timely_rate, 1)}%",
        f"  漏报 {c['漏报']}，迟报 {c['迟报']}，重报 {c['重报']}，一码多机构 {c['一码多机构']}，"
        f"非应报机构报送 {c['非应报机构报送']}",
        f"  审核规则：FAIL（错误）{c['FAIL']} 条，WARN（警告）{c['WARN']} 条",
    ]
    if c["重复报送待核实"] or c["机构代码校验码"] or c["数据更正"]:
        lines.append(f"  读入发现：重复报送待核实 {c['重复报送待核实']}（上报时间相同而数值不同，已计为已报，须向机构核实），"
                     f"机构代码校验码有误 {c['机构代码校验码']}，已应用的数据更正 {c['数据更正']} 处")
    if s.months_without_data:
        lines.append(f"  注意：{'、'.join(m.label for m in s.months_without_data)} 没有任何数据，未计入上报率和及时率")
    return "\n".join(lines)


def load_inputs(canonical: Path, replaced: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    for path in (canonical, replaced):
        if not path.is_file():
            raise UserError(f"找不到 {path}", hint="请先运行 python -m pipeline ingest（或 dvc repro）")
    return pl.read_parquet(canonical), pl.read_parquet(replaced)

