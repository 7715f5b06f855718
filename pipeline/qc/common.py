"""QC constants, result schemas and the small helpers every check family uses (labels, numbers, periods)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl

from pipeline import CATALOGUE_DIR, catalogues, fmt
from pipeline.period import Month

RULES_PATH = CATALOGUE_DIR / "qc_rules.yaml"
SEVERITIES = ("FAIL", "WARN")
SEVERITY_LABELS = {"FAIL": "错误", "WARN": "警告", "INFO": "说明"}
SCOPE_FIELDS = ("type_group", "type_sub", "type_code", "level_class", "ownership")
RULE_CHECK = "审核规则"
# the last three come from what ingest found (qc/ingest_findings.py)
REGISTRY_CHECK_NAMES = ("漏报", "迟报", "重报", "一码多机构", "非应报机构报送", "重复报送待核实", "机构代码校验码", "数据更正")
IDENTITY_COLUMNS = ("name", "region_code", "type_code", "type_group", "type_sub")
NO_TIME = "（未填上报时间）"

RESULT_SCHEMA: dict[str, Any] = {
    "rule_id": pl.Utf8, "check": pl.Utf8, "title": pl.Utf8, "severity": pl.Utf8, "period": pl.Utf8,
    "org_code": pl.Utf8, "name": pl.Utf8, "region_code": pl.Utf8, "type_code": pl.Utf8, "type_group": pl.Utf8,
    "type_sub": pl.Utf8, "observed": pl.Float64, "limit_low": pl.Float64, "limit_high": pl.Float64,
    "values": pl.Utf8, "message": pl.Utf8,
}
VIOLATION_SCHEMA: dict[str, Any] = {
    "org_code": pl.Utf8, "period": pl.Utf8, "observed": pl.Float64, "limit_low": pl.Float64,
    "limit_high": pl.Float64, "values": pl.Utf8, "message": pl.Utf8,
}
FILING_SCHEMA: dict[str, Any] = {
    "period": pl.Utf8, "org_code": pl.Utf8, "name": pl.Utf8, "region_code": pl.Utf8, "type_code": pl.Utf8,
    "type_group": pl.Utf8, "type_sub": pl.Utf8, "due_date": pl.Date, "filed": pl.Boolean,
    "submitted_at": pl.Datetime("us"), "submissions": pl.Int64, "on_time": pl.Boolean, "days_late": pl.Int64,
}
REGISTRY_REQUIRED = ("org_code", "name", "region_code", "type_code", "is_branch", "opened", "closed")
TRUE_TEXTS = {"true", "1", "是", "yes", "y", "t"}
EPS = 1e-9  # comparisons at a bound are not violations because of float noise (0.1 + 0.2 > 0.3)



# ============================================================================ small helpers


def item_label(item_id: str) -> str:
    """The item's Chinese label without the '其中：' prefix, for messages."""
    label = next(it.label for it in catalogues.items().items if it.id == item_id)
    return label.removeprefix("其中：").removeprefix("其中:")


def items_label(item_ids: Sequence[str]) -> str:
    return "与".join(item_label(i) for i in item_ids)


def num(value: float | None, decimals: int = 1) -> str:
    """A number for a message: '1234', '85.3'; '—' when missing."""
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return fmt.DASH
    text = fmt.number(value, decimals)
    return text.removesuffix(".0")


def values_json(values: Mapping[str, Any]) -> str:
    """The values involved, as JSON text in a fixed order (labels in Chinese)."""
    clean = {k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else v) for k, v in values.items()}
    return json.dumps(clean, ensure_ascii=False, separators=(",", ":"))


def where_expr(scope: Sequence[tuple[str, Sequence[str]]]) -> pl.Expr:
    """AND over fields of 'column is one of the values'; nulls never match."""
    expr = pl.lit(True)
    for column, allowed in scope:
        expr = expr & pl.col(column).is_in(list(allowed)).fill_null(False)
    return expr


def period_index(column: str = "period") -> pl.Expr:
    """'YYYY-MM' → months since year 0 (for shifting and windows)."""
    year = pl.col(column).str.slice(0, 4).cast(pl.Int64)
    month = pl.col(column).str.slice(5, 2).cast(pl.Int64)
    return year * 12 + month - 1


def index_period(expr: pl.Expr) -> pl.Expr:
    """Inverse of period_index."""
    return pl.format("{}-{}", (expr // 12).cast(pl.Utf8).str.zfill(4), (expr % 12 + 1).cast(pl.Utf8).str.zfill(2))


def normalised_name(column: str) -> pl.Expr:
    """Names compared without width or whitespace differences."""
    return pl.col(column).fill_null("").str.normalize("NFKC").str.replace_all(r"\s+", "")


def _empty(schema: Mapping[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(schema))


def _month_label(period: str) -> str:
    return Month.parse(period).label


def _time_text(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else NO_TIME


