"""The QC rule kinds (nonneg, le, ge, zero_if_zero, band, change, unit_jump, annual_sum) and the engine that runs
the catalogue's rules over the canonical rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import catalogues, fmt
from pipeline.errors import UserError
from pipeline.ingest import annual_reports
from pipeline.period import Month
from pipeline.qc.common import (
    EPS,
    IDENTITY_COLUMNS,
    RESULT_SCHEMA,
    RULE_CHECK,
    SCOPE_FIELDS,
    VIOLATION_SCHEMA,
    _empty,
    _month_label,
    index_period,
    item_label,
    items_label,
    num,
    period_index,
    values_json,
    where_expr,
)
from pipeline.qc.rule_catalogue import ANNUAL_FILE, ANNUAL_KINDS, CHANGE_BASES, Rule, RuleCatalogue, _parse_scope

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
    items = rule.items("items")  # only the rows with a negative item are made long (all of them: ~50× the rows)
    bad = _long(df.filter(pl.any_horizontal([pl.col(i) < 0 for i in items])), items).filter(pl.col("value") < 0)
    bad = bad.with_columns(observed=pl.col("value"), limit_low=pl.lit(0.0))
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
    when, items = rule.items("when")[0], rule.items("items")
    rows = df.filter((pl.col(when) == 0) & pl.any_horizontal([pl.col(i) != 0 for i in items]))
    bad = _long(rows, items).filter(pl.col("value") != 0).with_columns(
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
    scope = [c for c in SCOPE_FIELDS if c in df.columns]  # the bands' `where` fields: only these columns are carried
    d = df.select("org_code", "period", *scope, *dict.fromkeys(num_items + den_items)).with_columns(
        num_value=pl.sum_horizontal(num_items), den_value=pl.sum_horizontal(den_items))
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


def _org_number() -> pl.Expr:
    """The institution code as an integer (its categorical index: one hash lookup per row, no text sort), for
    groupings and sorts that need each institution's rows together but not in code order."""
    return pl.col("org_code").cast(pl.Categorical).to_physical()


def _histories(df: pl.DataFrame, items: Sequence[str]) -> pl.DataFrame:
    """The wide rows of the items in histories: one row per institution × month, each history in month order,
    `idx` the month number, `_g` the history's (institution's) id, so a history rule works on consecutive rows keyed
    by integers, linear in rows (a self-join on the institution would pair every month with every other). The rows
    are put in order by integer keys (the institution code as a categorical's index: one pass over the text, not a
    text sort), once for all the items of a rule; each item's long rows are made only for its violations."""
    wide = df.select("org_code", "period", *items).with_columns(
        idx=period_index(), _key=_org_number())
    wide = wide.sort("_key", "idx", maintain_order=True)
    starts = (pl.col("_key") != pl.col("_key").shift(1)).fill_null(True)  # a null code: a history of its own row
    return wide.with_columns(_g=starts.cum_sum()).drop("_key")


def _long_rows(wide: pl.DataFrame, item: str, **columns: pl.Expr | str) -> pl.DataFrame:
    """One item's rows of `_histories` in the long form the messages use (item, value) with further columns."""
    return wide.select("org_code", "period", "idx", "_g", item=pl.lit(item), value=pl.col(item), **columns)


def _rows_back(months: int) -> pl.Expr:
    """Over `_histories` rows: how many rows back the same history's month `months` months before is (the nearest
    such row), null when it was not filed (one row per month, so that row is at most `months` rows back)."""
    return pl.coalesce([pl.when(_months_back_at(rows, months)).then(pl.lit(rows, pl.Int64))
                        for rows in range(1, months + 1)])


def _months_back_at(rows: int, months: int) -> pl.Expr:
    """Over `_histories` rows: the row `rows` rows before is the same history's month `months` months before."""
    return (pl.col("_g") == pl.col("_g").shift(rows)) & (pl.col("idx") - pl.col("idx").shift(rows) == months)


def _month_before(item: str, months: int, back: pl.Expr) -> pl.Expr:
    """The item's value in the same history `months` months before (``back``: `_rows_back`), for an item without
    null values (with them: `_month_before_with_nulls`)."""
    if months == 1:
        return pl.when(back.is_not_null()).then(pl.col(item).shift(1))
    return pl.col(item).gather(pl.int_range(pl.len(), dtype=pl.Int64) - back)


def _month_before_with_nulls(item: str, months: int) -> pl.Expr:
    """As `_month_before` for an item with null values: the nearest earlier row of that month with a value."""
    return pl.coalesce([pl.when(_months_back_at(rows, months)).then(pl.col(item).shift(rows))
                        for rows in range(1, months + 1)])


def check_change(df: pl.DataFrame, rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """|this − base| / base × 100 ≤ max_pct, base = the institution's own previous month or same month last year."""
    items = rule.items("items")
    shift = CHANGE_BASES[rule.params["base"]]
    max_pct, min_base = rule.number("max_pct"), rule.number("min_base", 0.0)
    wide = _histories(df, items).with_columns(_back=_rows_back(-shift))  # the base month's row: once for all items
    bases = {item: (_month_before_with_nulls(item, -shift) if wide[item].null_count()
                    else _month_before(item, -shift, pl.col("_back"))) for item in items}
    wide = wide.with_columns(**{f"_base_{i}": base for i, base in enumerate(bases.values())})

    def violations(i: int, item: str) -> pl.DataFrame:  # one item: only its violations are made long
        d = _long_rows(wide, item, base=pl.col(f"_base_{i}"))
        d = d.filter(pl.col("base").is_not_null() & (pl.col("base") > 0) & (pl.col("base") >= min_base))
        d = d.with_columns(observed=(pl.col("value") - pl.col("base")) / pl.col("base") * 100).filter(
            pl.col("observed").abs() > max_pct + EPS)
        return d.with_columns(base_period=index_period(pl.col("idx") + shift), limit_low=pl.lit(-max_pct),
                              limit_high=pl.lit(max_pct))

    bad = pl.concat([violations(i, item) for i, item in enumerate(items)], how="vertical")

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
    # The window of each row is the institution's own previous `window` months, [idx − window, idx − 1]: rolling
    # windows by a time that keeps histories apart (history id × 10^6 + month number: two histories are always
    # more than a window apart), over the rows already in history order, integers only, linear in rows, all the
    # items in one pass; two rows of one history in the same month share their window. Each item's long rows are
    # made only for its findings.
    items = rule.items("items")
    wide = _histories(df, items).with_columns(_t=pl.col("_g").cast(pl.Int64) * 1_000_000 + pl.col("idx"))
    span = {"window_size": f"{window}i", "closed": "left"}
    stats = []
    for i, item in enumerate(items):
        positive = (pl.col(item) > 0).fill_null(False)
        stats += [pl.when(positive).then(pl.col(item)).rolling_median_by("_t", **span).alias(f"_median_{i}"),
                  positive.cast(pl.UInt32).rolling_sum_by("_t", **span).cast(pl.UInt32).alias(f"_months_{i}")]
    d = wide.with_columns(stats)
    low, high = rule.number("low_ratio"), rule.number("high_ratio")

    def jumps(i: int, item: str) -> pl.DataFrame:
        this = _long_rows(d, item, median=pl.col(f"_median_{i}"), months=pl.col(f"_months_{i}"))
        this = this.filter((pl.col("months") >= min_history) & (pl.col("median") > 0))
        this = this.with_columns(observed=pl.col("value") / pl.col("median"), limit_low=pl.lit(low),
                                 limit_high=pl.lit(high))
        return this.filter((pl.col("observed") >= pl.col("limit_low")) & (pl.col("observed") <= pl.col("limit_high")))

    bad = pl.concat([jumps(i, item) for i, item in enumerate(items)], how="vertical")

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
    # grouped by the institution as an integer (a categorical's index) and the year: only the columns summed
    monthly = df.select("org_code", "period", *dict.fromkeys(pairs)).with_columns(
        year=pl.col("period").str.slice(0, 4).cast(pl.Int64), _org=_org_number())
    sums = monthly.group_by("_org", "year").agg(pl.col("org_code").first(), pl.col("period").n_unique().alias("_months"),
                                                *[pl.col(m).sum() for m in pairs]).drop("_org")
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
    violations = pl.concat(found, how="diagonal_relaxed")
    # the identity of the institutions with findings only (a country's rows are not made unique for a few of them)
    rows = df.filter(pl.col("org_code").is_in(violations["org_code"].unique().implode()))
    identity = rows.select("org_code", "period", *[c for c in IDENTITY_COLUMNS if c in df.columns]).unique(
        ["org_code", "period"], keep="last")
    out = violations.join(identity, on=["org_code", "period"], how="left")
    for column in IDENTITY_COLUMNS:
        if column not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Utf8).alias(column))
    return out.select(list(RESULT_SCHEMA)).cast(RESULT_SCHEMA)


