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

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipeline import CATALOGUE_DIR, catalogues, fmt
from pipeline.errors import UserError
from pipeline.ingest import annual_reports
from pipeline.io_utils import write_parquet
from pipeline.period import Month, PeriodError, Quarter

RULES_PATH = CATALOGUE_DIR / "qc_rules.yaml"
SEVERITIES = ("FAIL", "WARN")
SEVERITY_LABELS = {"FAIL": "错误", "WARN": "警告"}
SCOPE_FIELDS = ("type_group", "type_sub", "type_code", "level_class", "ownership")
RULE_CHECK = "审核规则"
REGISTRY_CHECK_NAMES = ("漏报", "迟报", "重报", "一码多机构", "非应报机构报送")
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


# ============================================================================ catalogue


@dataclass(frozen=True)
class RegistryCheck:
    id: str
    check: str
    severity: str
    message: str


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    kind: str
    message: str
    scope: tuple[tuple[str, tuple[str, ...]], ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    note: str = ""

    def items(self, key: str) -> tuple[str, ...]:
        value = self.params[key]
        return (value,) if isinstance(value, str) else tuple(value)

    def number(self, key: str, default: float | None = None) -> float:
        value = self.params.get(key, default)
        if value is None:
            raise KeyError(key)
        return float(value)


@dataclass(frozen=True)
class RuleCatalogue:
    rules: tuple[Rule, ...]
    checks: Mapping[str, RegistryCheck]  # by check name (漏报, 迟报, …)

    @property
    def enabled(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.enabled)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


COMMON_KEYS = {"id", "title", "severity", "kind", "message", "scope", "enabled", "note"}
# kind → (required parameters, optional parameters)
KIND_PARAMS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "nonneg": (frozenset({"items"}), frozenset()),
    "le": (frozenset({"left", "right"}), frozenset({"factor", "tolerance", "times_days"})),
    "ge": (frozenset({"left", "right"}), frozenset({"factor", "tolerance", "times_days"})),
    "zero_if_zero": (frozenset({"when", "items"}), frozenset()),
    "band": (frozenset({"numerator", "denominator", "bands"}), frozenset({"scale", "min_denominator"})),
    "change": (frozenset({"items", "base", "max_pct"}), frozenset({"min_base"})),
    "unit_jump": (frozenset({"items", "factor", "low_ratio", "high_ratio"}),
                  frozenset({"history_months", "min_history"})),
    "annual_sum": (frozenset({"pairs", "tolerance"}), frozenset({"min_diff"})),
}
ANNUAL_KINDS = frozenset({"annual_sum"})  # kinds that need the institution annual reports (RuleContext.annual)
ANNUAL_FILE = "annual_report.csv"
ITEM_PARAMS = ("items", "left", "right", "when", "numerator", "denominator")
CHANGE_BASES = {"previous_month": -1, "same_month_last_year": -12}


def _catalogue_error(rule_id: str, text: str) -> UserError:
    return UserError(f"qc_rules.yaml：规则 {rule_id} {text}", hint="请对照 qc_rules.yaml 开头的说明修改该条规则")


def _parse_scope(rule_id: str, raw: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise _catalogue_error(rule_id, "的 scope/where 应为“字段: [取值, …]”")
    unknown = set(raw) - set(SCOPE_FIELDS)
    if unknown:
        raise _catalogue_error(rule_id, f"的 scope/where 使用了未知字段 {sorted(unknown)}（可用：{'、'.join(SCOPE_FIELDS)}）")
    return tuple((k, tuple(str(v) for v in (raw[k] if isinstance(raw[k], list) else [raw[k]]))) for k in sorted(raw))


def _validate_items(rule_id: str, params: Mapping[str, Any]) -> None:
    known = set(catalogues.items().item_ids)
    for key in ITEM_PARAMS:
        if key not in params:
            continue
        names = [params[key]] if isinstance(params[key], str) else list(params[key])
        unknown = [n for n in names if n not in known]
        if unknown or not names:
            raise _catalogue_error(rule_id, f"的 {key} 引用了未知项目 {unknown}（项目 id 见 items.yaml）")


def _validate_pairs(rule_id: str, pairs: Any) -> None:
    """pairs: monthly item id (items.yaml, a flow) → annual item id (annual_items.yaml)."""
    if not isinstance(pairs, dict) or not pairs:
        raise _catalogue_error(rule_id, "的 pairs 应为非空的“月报项目 id: 年报项目 id”")
    monthly = {it.id: it for it in catalogues.items().items}
    annual_ids = set(annual_reports.load_items().columns)
    bad_monthly = [m for m in pairs if m not in monthly or monthly[m].kind != "flow"]
    if bad_monthly:
        raise _catalogue_error(rule_id, f"的 pairs 引用了未知或非累计（flow）的月报项目 {bad_monthly}（见 items.yaml）")
    bad_annual = [str(a) for a in pairs.values() if a not in annual_ids]
    if bad_annual:
        raise _catalogue_error(rule_id, f"的 pairs 引用了未知的年报项目 {bad_annual}（见 annual_items.yaml）")


def _validate_bands(rule_id: str, bands: Any) -> None:
    if not isinstance(bands, list) or not bands:
        raise _catalogue_error(rule_id, "的 bands 应为非空列表")
    for band in bands:
        if not {"low", "high", "label"} <= set(band) or float(band["low"]) > float(band["high"]):
            raise _catalogue_error(rule_id, f"的区间 {band} 须有 label、low、high 且 low ≤ high")
        _parse_scope(rule_id, band.get("where"))


def _validate_params(rule: Rule) -> None:
    if rule.kind not in KIND_PARAMS:
        if rule.enabled:
            raise _catalogue_error(rule.id, f"的类型“{rule.kind}”没有实现（可用：{'、'.join(sorted(KIND_PARAMS))}）")
        return  # a disabled rule may wait for its kind (e.g. the annual-report comparison)
    required, optional = KIND_PARAMS[rule.kind]
    missing = required - set(rule.params)
    extra = set(rule.params) - required - optional
    if missing:
        raise _catalogue_error(rule.id, f"缺少参数 {sorted(missing)}")
    if extra:
        raise _catalogue_error(rule.id, f"有未知参数 {sorted(extra)}")
    _validate_items(rule.id, rule.params)
    if rule.kind == "band":
        _validate_bands(rule.id, rule.params["bands"])
    if rule.kind == "annual_sum":
        _validate_pairs(rule.id, rule.params["pairs"])
    if rule.kind == "change" and rule.params["base"] not in CHANGE_BASES:
        raise _catalogue_error(rule.id, f"的 base 应为 {'、'.join(CHANGE_BASES)}")


def _parse_rule(raw: Mapping[str, Any]) -> Rule:
    rule_id = str(raw.get("id", "?"))
    missing = [k for k in ("id", "title", "severity", "kind", "message") if not raw.get(k)]
    if missing:
        raise _catalogue_error(rule_id, f"缺少 {missing}")
    severity = str(raw["severity"])
    if severity not in SEVERITIES or rule_id[:1] != {"FAIL": "E", "WARN": "W"}[severity]:
        raise _catalogue_error(rule_id, "的 severity 应为 FAIL（编号以 E 开头）或 WARN（编号以 W 开头）")
    enabled = bool(raw.get("enabled", True))
    if not enabled and not raw.get("note"):
        raise _catalogue_error(rule_id, "已停用（enabled: false），须在 note 中说明原因")
    rule = Rule(
        id=rule_id, title=str(raw["title"]), severity=severity, kind=str(raw["kind"]), message=str(raw["message"]),
        scope=_parse_scope(rule_id, raw.get("scope")), enabled=enabled, note=str(raw.get("note", "")),
        params={k: v for k, v in raw.items() if k not in COMMON_KEYS},
    )
    _validate_params(rule)
    return rule


def _parse_checks(raw: Any) -> dict[str, RegistryCheck]:
    checks = {}
    for entry in raw or []:
        check = RegistryCheck(id=str(entry["id"]), check=str(entry["check"]), severity=str(entry["severity"]),
                              message=str(entry["message"]))
        checks[check.check] = check
    missing = set(REGISTRY_CHECK_NAMES) - set(checks)
    if missing:
        raise UserError(f"qc_rules.yaml：registry_checks 缺少 {sorted(missing)}")
    return checks


@lru_cache(maxsize=None)
def load_rules(path: Path = RULES_PATH) -> RuleCatalogue:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"质控规则目录 {path.name} 无法读取：{exc}") from exc
    rules = tuple(_parse_rule(entry) for entry in raw.get("rules") or [])
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise UserError(f"qc_rules.yaml：规则编号重复 {dupes}")
    return RuleCatalogue(rules=rules, checks=_parse_checks(raw.get("registry_checks")))


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


# ============================================================================ rule context


@dataclass
class RuleContext:
    """Data besides the monthly rows that some rule kinds need; the engine passes it to every kind.

    ``annual``: institution annual reports (年报), one row per org_code × year, the annual item ids of
    ``annual_items.yaml`` as columns (None: not loaded). ``annual_missing``: year → why that year's annual report
    is not there (Chinese, for the note). ``notes``: Chinese notes added by the kinds (e.g. a year not compared
    because its annual report is missing), printed by the CLI."""

    annual: pl.DataFrame | None = None
    annual_missing: Mapping[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def full_years(clean: pl.DataFrame) -> list[int]:
    """Years all 12 months of which have data (the years a 12-months-vs-annual comparison can cover)."""
    months = clean.select(pl.col("period").unique()).with_columns(year=pl.col("period").str.slice(0, 4).cast(pl.Int64))
    counts = months.group_by("year").agg(n=pl.len())
    return sorted(counts.filter(pl.col("n") == 12)["year"].to_list())


def load_annual(root: Path, years: Sequence[int]) -> RuleContext:
    """The institution annual reports <root>/<year>/annual_report.csv of the given years. A missing folder or file,
    or a file that cannot be read, is recorded in ``annual_missing`` (the rules skip that year with a note):
    never an error, the monthly QC does not wait for the annual report."""
    frames, missing = [], {}
    for year in years:
        path = root / str(year) / ANNUAL_FILE
        if not root.is_dir():
            missing[year] = f"年报目录 {root.as_posix()} 不存在"
            continue
        if not path.is_file():
            missing[year] = f"未找到 {year} 年机构年报 {path.as_posix()}"
            continue
        try:
            frames.append(annual_reports.read_report_items(path).with_columns(year=pl.lit(year, pl.Int64)))
        except UserError as exc:
            missing[year] = f"{year} 年机构年报无法使用（{exc.message}）"
    annual = pl.concat(frames, how="diagonal_relaxed") if frames else None
    return RuleContext(annual=annual, annual_missing=missing)


def load_context(clean: pl.DataFrame, catalogue: RuleCatalogue, *, annual_dir: Path) -> RuleContext:
    """The context for the enabled rules: the annual reports are read only when a rule needs them."""
    if not any(r.enabled and r.kind in ANNUAL_KINDS for r in catalogue.rules):
        return RuleContext()
    return load_annual(annual_dir, full_years(clean))


# ============================================================================ rule kinds


RowText = Callable[[dict[str, Any]], tuple[dict[str, str], dict[str, Any]]]


def emit(candidates: pl.DataFrame, rule: Rule, row_text: RowText) -> pl.DataFrame:
    """Violations → the standard frame; `row_text(row)` gives (message fields, values involved)."""
    rows = []
    for row in candidates.iter_rows(named=True):
        fields, values = row_text(row)
        rows.append({
            "org_code": row["org_code"], "period": row["period"], "observed": row.get("observed"),
            "limit_low": row.get("limit_low"), "limit_high": row.get("limit_high"),
            "values": values_json(values), "message": rule.message.format(**fields),
        })
    return pl.DataFrame(rows, schema=VIOLATION_SCHEMA, orient="row") if rows else _empty(VIOLATION_SCHEMA)


def _long(df: pl.DataFrame, items: Sequence[str]) -> pl.DataFrame:
    return df.select("org_code", "period", *items).unpivot(
        index=["org_code", "period"], on=list(items), variable_name="item", value_name="value")


def check_nonneg(df: pl.DataFrame, rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """Each listed item ≥ 0."""
    bad = _long(df, rule.items("items")).filter(pl.col("value") < 0).with_columns(
        observed=pl.col("value"), limit_low=pl.lit(0.0))
    return emit(bad, rule, lambda r: ({"item": item_label(r["item"]), "value": num(r["value"])},
                                      {item_label(r["item"]): r["value"]}))


def _compare(df: pl.DataFrame, rule: Rule, sign: int) -> pl.DataFrame:
    """sign = +1: sum(left) ≤ limit; sign = −1: sum(left) ≥ limit; limit = sum(right) × factor [× days] × (1 ± tol)."""
    left, right = rule.items("left"), rule.items("right")
    factor = rule.number("factor", 1.0)
    tolerance = rule.number("tolerance", 0.0)
    days = pl.col("days") if rule.params.get("times_days") else pl.lit(1)
    d = df.select("org_code", "period", "days", *dict.fromkeys(left + right)).with_columns(
        left_value=pl.sum_horizontal(left), right_value=pl.sum_horizontal(right))
    d = d.with_columns(limit=pl.col("right_value") * factor * days * (1 + sign * tolerance))
    slack = pl.col("limit").abs() * EPS + EPS  # float noise from summing decimals
    bad_expr = (pl.col("left_value") > pl.col("limit") + slack) if sign > 0 else (
        pl.col("left_value") < pl.col("limit") - slack)
    bad = d.filter(bad_expr).with_columns(
        observed=pl.col("left_value"),
        limit_low=pl.col("limit") if sign < 0 else pl.lit(None, pl.Float64),
        limit_high=pl.col("limit") if sign > 0 else pl.lit(None, pl.Float64),
    )

    def text(r: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
        fields = {"left": items_label(left), "left_value": num(r["left_value"]), "right": items_label(right),
                  "right_value": num(r["right_value"]), "limit": num(r["limit"]), "factor": num(factor, 2),
                  "days": str(r["days"])}
        return fields, {item_label(i): r[i] for i in dict.fromkeys(left + right)}

    return emit(bad, rule, text)


def check_le(df: pl.DataFrame, rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """sum(left) ≤ sum(right) × factor [× days in month] × (1 + tolerance)."""
    return _compare(df, rule, +1)


def check_ge(df: pl.DataFrame, rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """sum(left) ≥ sum(right) × factor [× days in month] × (1 − tolerance)."""
    return _compare(df, rule, -1)


def check_zero_if_zero(df: pl.DataFrame, rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """When item `when` is 0, each listed item must be 0 too (a hospital without beds has no bed-days)."""
    when = rule.items("when")[0]
    bad = _long(df.filter(pl.col(when) == 0), rule.items("items")).filter(pl.col("value") != 0).with_columns(
        observed=pl.col("value"), limit_low=pl.lit(0.0), limit_high=pl.lit(0.0))
    return emit(bad, rule, lambda r: (
        {"when": item_label(when), "item": item_label(r["item"]), "value": num(r["value"])},
        {item_label(when): 0.0, item_label(r["item"]): r["value"]}))


def _band_columns(bands: Sequence[Mapping[str, Any]], rule_id: str) -> list[pl.Expr]:
    """label/low/high of the first band whose `where` matches (null when none does)."""
    label: pl.Expr = pl.lit(None, pl.Utf8)
    low: pl.Expr = pl.lit(None, pl.Float64)
    high: pl.Expr = pl.lit(None, pl.Float64)
    for band in reversed(bands):
        cond = where_expr(_parse_scope(rule_id, band.get("where")))
        label = pl.when(cond).then(pl.lit(str(band["label"]))).otherwise(label)
        low = pl.when(cond).then(pl.lit(float(band["low"]))).otherwise(low)
        high = pl.when(cond).then(pl.lit(float(band["high"]))).otherwise(high)
    return [label.alias("band"), low.alias("limit_low"), high.alias("limit_high")]


def check_band(df: pl.DataFrame, rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """numerator / denominator × scale within the band of the institution's type (first matching band)."""
    num_items, den_items = rule.items("numerator"), rule.items("denominator")
    d = df.with_columns(num_value=pl.sum_horizontal(num_items), den_value=pl.sum_horizontal(den_items))
    d = d.filter((pl.col("den_value") > 0) & (pl.col("den_value") >= rule.number("min_denominator", 0.0)))
    d = d.with_columns(*_band_columns(rule.params["bands"], rule.id),
                       observed=pl.col("num_value") / pl.col("den_value") * rule.number("scale", 1.0))
    outside = (pl.col("observed") < pl.col("limit_low") - EPS) | (pl.col("observed") > pl.col("limit_high") + EPS)
    bad = d.filter(pl.col("band").is_not_null() & outside)

    def text(r: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
        fields = {"ratio": num(r["observed"]), "low": num(r["limit_low"]), "high": num(r["limit_high"]),
                  "band": r["band"], "numerator_value": num(r["num_value"]), "denominator_value": num(r["den_value"])}
        return fields, {item_label(i): r[i] for i in dict.fromkeys(num_items + den_items)}

    return emit(bad.select("org_code", "period", "observed", "limit_low", "limit_high", "band", "num_value",
                           "den_value", *dict.fromkeys(num_items + den_items)), rule, text)


def check_change(df: pl.DataFrame, rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """|this − base| / base × 100 ≤ max_pct, base = the institution's own previous month or same month last year."""
    items = rule.items("items")
    shift = CHANGE_BASES[rule.params["base"]]
    max_pct, min_base = rule.number("max_pct"), rule.number("min_base", 0.0)
    this = _long(df, items).with_columns(base_period=index_period(period_index() + shift))
    base = _long(df, items).rename({"period": "base_period", "value": "base"})
    d = this.join(base, on=["org_code", "base_period", "item"], how="inner")
    d = d.filter((pl.col("base") > 0) & (pl.col("base") >= min_base)).with_columns(
        observed=(pl.col("value") - pl.col("base")) / pl.col("base") * 100,
        limit_low=pl.lit(-max_pct), limit_high=pl.lit(max_pct))
    bad = d.filter(pl.col("observed").abs() > max_pct + EPS)

    def text(r: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
        label = item_label(r["item"])
        fields = {"item": label, "value": num(r["value"]), "base": num(r["base"]), "pct": fmt.signed(r["observed"], 1),
                  "max_pct": num(max_pct), "base_period": _month_label(r["base_period"])}
        return fields, {label: r["value"], f"{label}（{r['base_period']}）": r["base"]}

    return emit(bad, rule, text)


def check_unit_jump(df: pl.DataFrame, rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """value / median(own previous months) within [low_ratio, high_ratio] (≈ factor): 元 filed as 千元."""
    window = int(rule.number("history_months", 12))
    min_history = int(rule.number("min_history", 3))
    this = _long(df, rule.items("items")).with_columns(idx=period_index()).sort("org_code", "item", "idx")
    # The window of each row is the institution's own previous `window` months, [idx − window, idx − 1]: a rolling
    # aggregation per (institution, item), linear in rows (a self-join would pair every month with every other).
    positive = pl.col("value").filter(pl.col("value") > 0)
    stats = this.rolling(index_column="idx", period=f"{window}i", offset=f"-{window + 1}i", closed="right",
                         group_by=["org_code", "item"]).agg(median=positive.median(),
                                                            months=positive.len().cast(pl.UInt32)).unique(
        ["org_code", "item", "idx"], keep="first")
    d = this.join(stats, on=["org_code", "item", "idx"], how="inner").filter(
        (pl.col("months") >= min_history) & (pl.col("median") > 0))
    d = d.with_columns(observed=pl.col("value") / pl.col("median"), limit_low=pl.lit(rule.number("low_ratio")),
                       limit_high=pl.lit(rule.number("high_ratio")))
    bad = d.filter((pl.col("observed") >= pl.col("limit_low")) & (pl.col("observed") <= pl.col("limit_high")))

    def text(r: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
        label = item_label(r["item"])
        fields = {"item": label, "value": num(r["value"]), "median": num(r["median"]), "ratio": num(r["observed"], 0),
                  "months": str(r["months"])}
        return fields, {label: r["value"], f"{label}（此前{r['months']}个月中位数）": r["median"]}

    return emit(bad, rule, text)


def check_annual_sum(df: pl.DataFrame, rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """Σ of an institution's 12 monthly reports of a year vs its annual report, per pair (monthly id → annual id):
    |annual − Σ12| ÷ Σ12 > tolerance (and |annual − Σ12| > min_diff) is a violation, filed under December of the
    year. Only institutions with all 12 monthly reports of the year and an annual report are compared (fewer
    months is R001's 漏报); a year without annual report is skipped with a note in ``ctx``."""
    pairs = {str(m): str(a) for m, a in rule.params["pairs"].items()}
    tolerance, min_diff = rule.number("tolerance"), rule.number("min_diff", 0.0)
    monthly = df.with_columns(year=pl.col("period").str.slice(0, 4).cast(pl.Int64))
    sums = monthly.group_by("org_code", "year").agg(pl.col("period").n_unique().alias("_months"),
                                                    *[pl.col(m).sum() for m in pairs])
    full = sums.filter(pl.col("_months") == 12).drop("_months")
    annual = ctx.annual
    have = set() if annual is None else set(annual["year"].unique().to_list())
    for year in sorted(set(full["year"].unique().to_list()) - have):
        reason = ctx.annual_missing.get(year, f"没有 {year} 年的机构年报")
        ctx.note(f"{rule.id}（{rule.title}）：{reason}，{year} 年未核对")
    if annual is None or full.is_empty():
        return _empty(VIOLATION_SCHEMA)
    usable: dict[str, str] = {}
    for m, a in pairs.items():
        if a in annual.columns:
            usable[m] = a
            continue
        ctx.note(f"{rule.id}（{rule.title}）：年报中没有“{annual_reports.load_items().labels[a]}”（{a}）列，"
                 f"{item_label(m)}未核对")
    if not usable:
        return _empty(VIOLATION_SCHEMA)
    index = ["org_code", "year"]
    totals = full.unpivot(index=index, on=list(usable), variable_name="item", value_name="total")
    reported = annual.select(*index, *[pl.col(a).cast(pl.Float64).alias(m) for m, a in usable.items()]).unpivot(
        index=index, on=list(usable), variable_name="item", value_name="annual")
    d = totals.join(reported, on=[*index, "item"], how="inner").filter(pl.col("annual").is_not_null())
    d = d.with_columns(diff=pl.col("annual") - pl.col("total")).with_columns(
        observed=pl.when(pl.col("total") != 0).then(pl.col("diff") / pl.col("total").abs() * 100),
        limit_low=pl.lit(-tolerance * 100), limit_high=pl.lit(tolerance * 100),
        period=pl.format("{}-12", pl.col("year")))
    allowed = pl.col("total").abs() * tolerance
    bad = d.filter((pl.col("diff").abs() > min_diff + EPS)
                   & (pl.col("diff").abs() > allowed + allowed * EPS + EPS)).sort(["org_code", "year", "item"])

    def text(r: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
        label, year = item_label(r["item"]), str(r["year"])
        pct = "月报合计为 0" if r["observed"] is None else f"{fmt.signed(r['observed'], 1)}%"
        fields = {"item": label, "year": year, "annual": num(r["annual"]), "total": num(r["total"]),
                  "diff": fmt.signed(r["diff"], 1).removesuffix(".0"), "pct": pct, "tolerance": num(tolerance * 100)}
        return fields, {f"{label}（{year}年年报）": r["annual"], f"{label}（{year}年1–12月月报合计）": r["total"]}

    return emit(bad, rule, text)


KindFn = Callable[[pl.DataFrame, Rule, RuleContext], pl.DataFrame]
KINDS: dict[str, KindFn] = {
    "nonneg": check_nonneg,
    "le": check_le,
    "ge": check_ge,
    "zero_if_zero": check_zero_if_zero,
    "band": check_band,
    "change": check_change,
    "unit_jump": check_unit_jump,
    "annual_sum": check_annual_sum,
}


# ============================================================================ rule engine


def prepare(clean: pl.DataFrame) -> pl.DataFrame:
    """Canonical rows ready for the rules: items without nulls and the days of the month."""
    item_ids = [i for i in catalogues.items().item_ids if i in clean.columns]
    days = {p: Month.parse(p).days for p in clean["period"].unique().to_list()}
    out = clean.with_columns(pl.col(item_ids).cast(pl.Float64).fill_null(0.0),
                             days=pl.col("period").replace_strict(days, default=None, return_dtype=pl.Int64))
    for column in SCOPE_FIELDS:
        if column not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Utf8).alias(column))
    return out


def run_rule(df: pl.DataFrame, rule: Rule, context: RuleContext | None = None) -> pl.DataFrame:
    """One rule on prepared rows → violations (standard frame) with the rule's id, title and severity."""
    scoped = df.filter(where_expr(rule.scope)) if rule.scope else df
    found = KINDS[rule.kind](scoped, rule, RuleContext() if context is None else context)
    return found.with_columns(rule_id=pl.lit(rule.id), check=pl.lit(RULE_CHECK), title=pl.lit(rule.title),
                              severity=pl.lit(rule.severity))


def run_rules(clean: pl.DataFrame, rules: Sequence[Rule], context: RuleContext | None = None) -> pl.DataFrame:
    """Every enabled rule on every row → RESULT_SCHEMA rows (institution identity from the row itself)."""
    df = prepare(clean)
    ctx = RuleContext() if context is None else context
    found = [run_rule(df, rule, ctx) for rule in rules if rule.enabled]
    if not found:
        return _empty(RESULT_SCHEMA)
    identity = df.select("org_code", "period", *[c for c in IDENTITY_COLUMNS if c in df.columns]).unique(
        ["org_code", "period"], keep="last")
    out = pl.concat(found, how="diagonal_relaxed").join(identity, on=["org_code", "period"], how="left")
    for column in IDENTITY_COLUMNS:
        if column not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Utf8).alias(column))
    return out.select(list(RESULT_SCHEMA)).cast(RESULT_SCHEMA)


# ============================================================================ registry and 应报


def _parse_bool(column: str) -> pl.Expr:
    return pl.col(column).fill_null("").str.strip_chars().str.to_lowercase().is_in(list(TRUE_TEXTS))


def _parse_date(frame: pl.DataFrame, column: str, path_name: str) -> pl.Series:
    text = frame[column].fill_null("").str.strip_chars()
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    bad = frame.filter((text != "") & parsed.is_null())
    if bad.height:
        examples = "、".join(f"{c}（{v}）" for c, v in bad.select("org_code", column).head(3).iter_rows())
        raise UserError(f"机构名录 {path_name} 的 {column} 列有 {bad.height} 个日期无法识别，例如 {examples}",
                        hint="日期请写成 YYYY-MM-DD，未注销的机构 closed 留空")
    return parsed.alias(column)


def classify_registry(registry: pl.DataFrame) -> pl.DataFrame:
    """Add type_group, type_sub, type_name and files_monthly from the institution-type catalogue."""
    codes = registry["type_code"].unique().sort().to_list()
    types = {code: catalogues.lookup_type(code) for code in codes}
    unknown = [c for c, t in types.items() if t is None]
    if unknown:
        raise UserError(f"机构名录中有 {len(unknown)} 个机构类别代码不在机构类别目录中：{'、'.join(unknown[:10])}",
                        hint="请在 pipeline/catalogues/institution_types.csv 中补上这些代码")
    lookup = pl.DataFrame({
        "type_code": codes,
        "type_name": [types[c].type_name for c in codes],  # type: ignore[union-attr]
        "type_group": [types[c].type_group for c in codes],  # type: ignore[union-attr]
        "type_sub": [types[c].type_sub for c in codes],  # type: ignore[union-attr]
        "files_monthly": [types[c].files_monthly for c in codes],  # type: ignore[union-attr]
    }, schema={"type_code": pl.Utf8, "type_name": pl.Utf8, "type_group": pl.Utf8, "type_sub": pl.Utf8,
               "files_monthly": pl.Boolean})
    return registry.join(lookup, on="type_code", how="left")


def load_registry(path: Path) -> pl.DataFrame:
    """The facility registry (机构名录), typed and classified; one row per org_code."""
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise UserError(f"机构名录 {path} 无法读取：{exc}", hint="请检查 data/reference/registry.csv") from exc
    missing = [c for c in REGISTRY_REQUIRED if c not in raw.columns]
    if missing:
        raise UserError(f"机构名录 {path.name} 缺少列 {missing}", hint="名录应有列：" + "、".join(REGISTRY_REQUIRED))
    return registry_frame(raw, path.name)


def registry_frame(raw: pl.DataFrame, source: str = "registry.csv") -> pl.DataFrame:
    """Type a registry given as text columns (used by load_registry and the tests)."""
    df = raw.with_columns(
        org_code=pl.col("org_code").fill_null("").str.normalize("NFKC").str.strip_chars().str.to_uppercase(),
        name=pl.col("name").fill_null("").str.normalize("NFKC").str.strip_chars(),
        region_code=pl.col("region_code").cast(pl.Utf8).str.strip_chars(),
        type_code=pl.col("type_code").fill_null("").str.strip_chars().str.to_uppercase(),
        is_branch=_parse_bool("is_branch"),
    )
    df = df.with_columns(opened=_parse_date(df, "opened", source), closed=_parse_date(df, "closed", source))
    dupes = df.filter(pl.col("org_code").is_duplicated())["org_code"].unique().sort().to_list()
    if dupes:
        raise UserError(f"机构名录 {source} 中有 {len(dupes)} 个机构代码重复：{'、'.join(dupes[:5])}",
                        hint="一个机构代码只能对应一个机构，请先更正名录")
    return classify_registry(df)


def due_list(registry: pl.DataFrame, months: Sequence[Month], due_day: int) -> pl.DataFrame:
    """应报: institution × month for institutions open in the month, not branches, of a monthly-filing type."""
    frames = []
    for m in months:
        open_in = ((pl.col("opened").is_null() | (pl.col("opened") <= m.last_day))
                   & (pl.col("closed").is_null() | (pl.col("closed") >= m.first_day)))
        frames.append(
            registry.filter(pl.col("files_monthly") & ~pl.col("is_branch") & open_in)
            .select("org_code", "name", "region_code", "type_code", "type_group", "type_sub")
            .with_columns(period=pl.lit(str(m)), due_date=pl.lit(m.due_date(due_day), pl.Date))
        )
    if not frames:
        return pl.DataFrame(schema={k: FILING_SCHEMA[k] for k in ("org_code", "name", "region_code", "type_code",
                                                                  "type_group", "type_sub", "period", "due_date")})
    return pl.concat(frames)


def months_with_data(clean: pl.DataFrame) -> tuple[Month, ...]:
    return tuple(Month.parse(p) for p in sorted(clean["period"].unique().to_list()))


# ============================================================================ submissions, duplicates


def _kept_names(clean: pl.DataFrame) -> pl.DataFrame:
    return clean.select("org_code", "period", kept_name="name", kept_at="submitted_at")


def _replaced_with_kept(clean: pl.DataFrame, replaced: pl.DataFrame) -> pl.DataFrame:
    return replaced.join(_kept_names(clean), on=["org_code", "period"], how="left").with_columns(
        same_name=pl.col("kept_name").is_null() | (normalised_name("name") == normalised_name("kept_name")))


def resubmissions(clean: pl.DataFrame, replaced: pl.DataFrame) -> pl.DataFrame:
    """重报: replaced submissions of the same institution (same name as the kept one)."""
    cols = ["org_code", "period", "name", "region_code", "type_code", "type_group", "type_sub"]
    r = _replaced_with_kept(clean, replaced).filter(pl.col("same_name"))
    return r.select(*cols, replaced_at="submitted_at", kept_at="kept_at").sort(
        ["period", "org_code", "replaced_at"], nulls_last=False)


def submissions(clean: pl.DataFrame, replaced: pl.DataFrame) -> pl.DataFrame:
    """Per (org_code, period) filed: the first submission time and the number of submissions."""
    kept = clean.select("org_code", "period", "submitted_at")
    earlier = resubmissions(clean, replaced).select("org_code", "period", submitted_at="replaced_at")
    return pl.concat([kept, earlier]).group_by("org_code", "period").agg(
        first_at=pl.col("submitted_at").min(), submissions=pl.len().cast(pl.Int64))


def filing_status(due: pl.DataFrame, clean: pl.DataFrame, replaced: pl.DataFrame) -> pl.DataFrame:
    """One row per 应报 institution-month: filed, first submission time, on time, days late."""
    subs = submissions(clean, replaced).with_columns(filed=pl.lit(True))
    status = due.join(subs, on=["org_code", "period"], how="left").with_columns(
        filed=pl.col("filed").fill_null(False), submissions=pl.col("submissions").fill_null(0))
    late_days = (pl.col("first_at").dt.date() - pl.col("due_date")).dt.total_days()
    status = status.with_columns(
        on_time=pl.col("filed") & pl.col("first_at").is_not_null() & (late_days <= 0).fill_null(False),
        days_late=pl.when(late_days > 0).then(late_days).otherwise(None).cast(pl.Int64),
    ).rename({"first_at": "submitted_at"})
    return status.select(list(FILING_SCHEMA)).cast(FILING_SCHEMA).sort(["period", "region_code", "org_code"])


def code_conflicts(clean: pl.DataFrame, replaced: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """一码多机构: a code filed under two names in one period, or under a name other than the registry's."""
    cols = ["org_code", "period", "name", "region_code", "type_code", "type_group", "type_sub"]
    within = _replaced_with_kept(clean, replaced).filter(~pl.col("same_name")).select(
        *cols, other_name="kept_name", where=pl.lit("同一报告期内两次报送的机构名称不同"))
    reg = registry.select("org_code", registry_name="name")
    vs_registry = clean.join(reg, on="org_code", how="inner").filter(
        normalised_name("name") != normalised_name("registry_name")).select(
        *cols, other_name="registry_name", where=pl.lit("报送的机构名称与机构名录不一致"))
    return pl.concat([within, vs_registry]).sort(["period", "org_code", "name"])


def _unexpected_reason(registry_row: dict[str, Any] | None, month: Month) -> str:
    if registry_row is None:
        return "机构名录中没有该机构代码"
    if registry_row["is_branch"]:
        return "名录中为分支机构（分支机构不单独报送）"
    if not registry_row["files_monthly"]:
        return f"该类机构（{registry_row['type_name']}）只报年报，不报月报"
    opened = registry_row["opened"].isoformat() if registry_row["opened"] else "—"
    closed = registry_row["closed"].isoformat() if registry_row["closed"] else "—"
    return f"名录中该机构在 {month.label} 不在开业期内（开业 {opened}，注销 {closed}）"


def unexpected_filers(clean: pl.DataFrame, due: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """Rows filed by institutions that are not 应报 in that month, with the reason."""
    extra = clean.join(due.select("org_code", "period"), on=["org_code", "period"], how="anti")
    by_code = {r["org_code"]: r for r in registry.filter(pl.col("org_code").is_in(extra["org_code"].unique().to_list()))
               .iter_rows(named=True)}
    reasons = [_unexpected_reason(by_code.get(code), Month.parse(period))
               for code, period in extra.select("org_code", "period").iter_rows()]
    columns = ("org_code", "period", "name", "region_code", "type_code", "type_group", "type_sub")
    return extra.select(columns).with_columns(reason=pl.Series(reasons, dtype=pl.Utf8))


# ============================================================================ registry-check issues


def _issue_rows(frame: pl.DataFrame, check: RegistryCheck,
                row_text: Callable[[dict[str, Any]], tuple[dict[str, str], dict[str, Any], float | None]]
                ) -> pl.DataFrame:
    rows = []
    for row in frame.iter_rows(named=True):
        fields, values, observed = row_text(row)
        rows.append({
            "rule_id": check.id, "check": check.check, "title": check.check, "severity": check.severity,
            "period": row["period"], "org_code": row["org_code"], "name": row["name"],
            "region_code": row["region_code"], "type_code": row["type_code"], "type_group": row["type_group"],
            "type_sub": row["type_sub"], "observed": observed, "limit_low": None, "limit_high": None,
            "values": values_json(values),
            "message": check.message.format(period_label=_month_label(row["period"]), **fields),
        })
    return pl.DataFrame(rows, schema=RESULT_SCHEMA, orient="row") if rows else _empty(RESULT_SCHEMA)


def missing_issues(status: pl.DataFrame, check: RegistryCheck) -> pl.DataFrame:
    return _issue_rows(status.filter(~pl.col("filed")), check, lambda r: (
        {"due_date": r["due_date"].isoformat()}, {"截止日期": r["due_date"].isoformat()}, None))


def late_issues(status: pl.DataFrame, check: RegistryCheck) -> pl.DataFrame:
    def text(r: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any], float | None]:
        days = r["days_late"]
        fields = {"due_date": r["due_date"].isoformat(), "submitted_at": _time_text(r["submitted_at"]),
                  "days_late": "—" if days is None else str(days)}
        values = {"截止日期": fields["due_date"], "首次上报时间": fields["submitted_at"], "逾期天数": days}
        return fields, values, None if days is None else float(days)

    return _issue_rows(status.filter(pl.col("filed") & ~pl.col("on_time")), check, text)


def resubmission_issues(resubs: pl.DataFrame, check: RegistryCheck) -> pl.DataFrame:
    def text(r: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any], float | None]:
        fields = {"replaced_at": _time_text(r["replaced_at"]), "kept_at": _time_text(r["kept_at"])}
        return fields, {"被替换的报送时间": fields["replaced_at"], "保留的报送时间": fields["kept_at"]}, None

    return _issue_rows(resubs, check, text)


def conflict_issues(conflicts: pl.DataFrame, check: RegistryCheck) -> pl.DataFrame:
    return _issue_rows(conflicts, check, lambda r: (
        {"org_code": r["org_code"], "name": r["name"], "other_name": r["other_name"], "where": r["where"]},
        {"报送名称": r["name"], "另一名称": r["other_name"]}, None))


def unexpected_issues(extra: pl.DataFrame, check: RegistryCheck) -> pl.DataFrame:
    return _issue_rows(extra, check, lambda r: ({"reason": r["reason"]}, {"原因": r["reason"]}, None))


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
        catalogue: RuleCatalogue | None = None, context: RuleContext | None = None) -> QcResult:
    """All checks over all months that have data (``context``: data for the rules beyond the monthly rows)."""
    cat = load_rules() if catalogue is None else catalogue
    ctx = RuleContext() if context is None else context
    months = months_with_data(clean)
    due = due_list(registry, months, due_day)
    status = filing_status(due, clean, replaced)
    checks = cat.checks
    parts = [
        missing_issues(status, checks["漏报"]),
        late_issues(status, checks["迟报"]),
        resubmission_issues(resubmissions(clean, replaced), checks["重报"]),
        conflict_issues(code_conflicts(clean, replaced, registry), checks["一码多机构"]),
        unexpected_issues(unexpected_filers(clean, due, registry), checks["非应报机构报送"]),
        run_rules(clean, cat.rules, ctx),
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
    if s.months_without_data:
        lines.append(f"  注意：{'、'.join(m.label for m in s.months_without_data)} 没有任何数据，未计入上报率和及时率")
    return "\n".join(lines)


def load_inputs(canonical: Path, replaced: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    for path in (canonical, replaced):
        if not path.is_file():
            raise UserError(f"找不到 {path}", hint="请先运行 python -m pipeline ingest（或 dvc repro）")
    return pl.read_parquet(canonical), pl.read_parquet(replaced)

