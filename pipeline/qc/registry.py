"""Registry checks: who must file (应报), filing status, 漏报, 迟报, 重报, 一码多机构 and 非应报机构报送."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import catalogues
from pipeline.errors import UserError
from pipeline.period import Month
from pipeline.qc.common import (
    FILING_SCHEMA,
    REGISTRY_REQUIRED,
    RESULT_SCHEMA,
    TRUE_TEXTS,
    _empty,
    _month_label,
    _time_text,
    normalised_name,
    values_json,
)
from pipeline.qc.rule_catalogue import RegistryCheck

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
    # in county and code order within each month: the filing status's order, when the months are in order
    monthly = registry.filter(pl.col("files_monthly") & ~pl.col("is_branch")).sort("region_code", "org_code")
    for m in months:
        open_in = ((pl.col("opened").is_null() | (pl.col("opened") <= m.last_day))
                   & (pl.col("closed").is_null() | (pl.col("closed") >= m.first_day)))
        frames.append(
            monthly.filter(open_in)
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
    kept = _kept_names(clean.filter(pl.col("org_code").is_in(replaced["org_code"].unique().implode())))  # the few
    return replaced.join(kept, on=["org_code", "period"], how="left").with_columns(
        same_name=pl.col("kept_name").is_null() | (normalised_name("name") == normalised_name("kept_name")))


def resubmissions(clean: pl.DataFrame, replaced: pl.DataFrame) -> pl.DataFrame:
    """重报: replaced submissions of the same institution (same name as the kept one)."""
    cols = ["org_code", "period", "name", "region_code", "type_code", "type_group", "type_sub"]
    r = _replaced_with_kept(clean, replaced).filter(pl.col("same_name"))
    return r.select(*cols, replaced_at="submitted_at", kept_at="kept_at").sort(
        ["period", "org_code", "replaced_at"], nulls_last=False)


def _filed_rows(clean: pl.DataFrame, replaced: pl.DataFrame, held: pl.DataFrame | None) -> pl.DataFrame:
    """Every submission (org_code, period, submitted_at, submissions = 1, or the count of a held group)."""
    kept = clean.select("org_code", "period", "submitted_at", submissions=pl.lit(1, pl.Int64))
    earlier = resubmissions(clean, replaced).select("org_code", "period", submitted_at="replaced_at",
                                                    submissions=pl.lit(1, pl.Int64))
    parts = [kept, earlier] if held is None else [kept, earlier, held.select(list(kept.columns)).cast(kept.schema)]
    return pl.concat(parts)


def submissions(clean: pl.DataFrame, replaced: pl.DataFrame, held: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per (org_code, period) filed: the first submission time and the number of submissions. ``held``: the
    submissions ingest held back as conflicting (org_code, period, submitted_at, submissions): filed all the same."""
    return _filed_rows(clean, replaced, held).group_by("org_code", "period").agg(
        first_at=pl.col("submitted_at").min(), submissions=pl.col("submissions").sum().cast(pl.Int64))


def text_codes(*columns: pl.Series) -> pl.Enum:
    """The distinct texts of the columns as one Enum in sorted order: cast to it, equal texts get equal integers
    and the integers sort as the texts do, so a join, grouping or sort over a country's rows compares integers,
    each text hashed once."""
    texts = pl.concat([c.cast(pl.Utf8).rename("text") for c in columns]).drop_nulls().unique().sort()
    return pl.Enum(texts)


def as_integer(column: str, codes: pl.Enum) -> pl.Expr:
    return pl.col(column).cast(codes).to_physical()


def filing_status(due: pl.DataFrame, clean: pl.DataFrame, replaced: pl.DataFrame,
                  held: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per 应报 institution-month: filed, first submission time, on time, days late (``held``: see
    ``submissions``). Keyed by integers: (institution, month) as one number, the same in the 应报 rows and the
    submissions."""
    filed = _filed_rows(clean, replaced, held)
    orgs, periods = (text_codes(due[c], filed[c]) for c in ("org_code", "period"))
    key = (as_integer("org_code", orgs).cast(pl.UInt64) * pl.lit(1 << 32, pl.UInt64)
           + as_integer("period", periods).cast(pl.UInt64)).alias("_key")
    subs = filed.group_by(key).agg(first_at=pl.col("submitted_at").min(),
                                   submissions=pl.col("submissions").sum().cast(pl.Int64)).with_columns(filed=pl.lit(True))
    status = due.with_columns(key).join(subs, on="_key", how="left", maintain_order="left").with_columns(
        filed=pl.col("filed").fill_null(False), submissions=pl.col("submissions").fill_null(0))
    late_days = (pl.col("first_at").dt.date() - pl.col("due_date")).dt.total_days()
    status = status.with_columns(
        on_time=pl.col("filed") & pl.col("first_at").is_not_null() & (late_days <= 0).fill_null(False),
        days_late=pl.when(late_days > 0).then(late_days).otherwise(None).cast(pl.Int64),
    ).rename({"first_at": "submitted_at"})
    status = status.select(list(FILING_SCHEMA)).cast(FILING_SCHEMA)
    keys = sort_key(status, ["period", "region_code", "org_code"], {"period": periods, "org_code": orgs})
    if len(keys) == 1 and status.select(keys[0])[:, 0].is_sorted():  # the 应报 rows of due_list are in order
        return status
    return status.sort(*keys)


def sort_key(frame: pl.DataFrame, columns: Sequence[str], codes: Mapping[str, pl.Enum] | None = None) -> list[pl.Expr]:
    """Keys that sort as the text columns do one after the other (nulls first, as a sort of the texts): each column's
    position among its sorted distinct texts (``codes``: Enums already made for some of them), packed into the bits
    of one integer when they fit in 64, so a sort on several text columns is a sort on one number."""
    known = {} if codes is None else codes
    enums = [known[c] if c in known else text_codes(frame[c]) for c in columns]
    widths = [(len(e.categories) + 1).bit_length() for e in enums]  # + 1: a null sorts first, as 0
    if sum(widths) > 64:
        return [as_integer(c, e) for c, e in zip(columns, enums)]
    key: pl.Expr = pl.lit(0, pl.UInt64)
    for column, enum, width in zip(columns, enums, widths):
        position = (as_integer(column, enum).cast(pl.UInt64) + pl.lit(1, pl.UInt64)).fill_null(pl.lit(0, pl.UInt64))
        key = key * pl.lit(1 << width, pl.UInt64) + position
    return [key]


def code_conflicts(clean: pl.DataFrame, replaced: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """一码多机构: a code filed under two names in one period, or under a name other than the registry's."""
    cols = ["org_code", "period", "name", "region_code", "type_code", "type_group", "type_sub"]
    within = _replaced_with_kept(clean, replaced).filter(~pl.col("same_name")).select(
        *cols, other_name="kept_name", where=pl.lit("同一报告期内两次报送的机构名称不同"))
    reg = registry.select("org_code", registry_name="name")
    same_text = (pl.col("name") == pl.col("registry_name")).fill_null(False)  # equal text, equal when normalised:
    vs_registry = clean.select(cols).join(reg, on="org_code", how="inner").filter(~same_text).filter(  # normalise only the rest
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
    columns = ("org_code", "period", "name", "region_code", "type_code", "type_group", "type_sub")
    extra = clean.select(columns).join(due.select("org_code", "period"), on=["org_code", "period"], how="anti")
    by_code = {r["org_code"]: r for r in registry.filter(pl.col("org_code").is_in(extra["org_code"].unique().to_list()))
               .iter_rows(named=True)}
    reasons = [_unexpected_reason(by_code.get(code), Month.parse(period))
               for code, period in extra.select("org_code", "period").iter_rows()]
    return extra.with_columns(reason=pl.Series(reasons, dtype=pl.Utf8))


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


