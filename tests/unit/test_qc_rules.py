"""The QC rule catalogue: every rule has a passing and a failing fixture, every kind is implemented and used."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline import catalogues
from pipeline.ingest import annual_reports as annual
from pipeline.qc import checks as qc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "qc"
CATALOGUE = qc.load_rules()
ENABLED = [r for r in CATALOGUE.rules if r.enabled]


def _rows(path: Path, form: str) -> pl.DataFrame:
    """The fixture's rows of one form (`form` column: monthly, the default, or annual)."""
    raw = pl.read_csv(path, infer_schema=False)
    if "form" not in raw.columns:
        return raw if form == "monthly" else raw.clear()
    forms = raw["form"].fill_null("monthly")
    assert set(forms.unique().to_list()) <= {"monthly", "annual"}, f"{path.name}: form is monthly or annual"
    return raw.filter(forms == form).drop("form")


def load_context(path: Path) -> qc.RuleContext:
    """The fixture's annual rows (form = annual, period = the year) → the rule context's annual reports, every
    annual item (0 unless given) and the derived ones, as QC reads data/raw/annual/<year>/annual_report.csv."""
    raw = _rows(path, "annual")
    if raw.is_empty():
        return qc.RuleContext()
    cat = annual.load_items()
    raw = raw.with_columns(pl.lit("0").alias(i) for i in cat.items if i not in raw.columns)
    frame = annual.report_items(raw, cat, path.name).with_columns(year=raw["period"].cast(pl.Int64))
    return qc.RuleContext(annual=frame)


def load_fixture(path: Path) -> pl.DataFrame:
    """A fixture CSV → canonical-like rows: every item (0 unless given) and the type classification."""
    raw = _rows(path, "monthly")
    items = catalogues.items().item_ids
    cls = catalogues.classification()
    types = {code: catalogues.lookup_type(code) for code in raw["type_code"].unique().to_list()}
    assert all(types.values()), f"{path.name}: unknown type code in {types}"
    level = raw["hospital_level"] if "hospital_level" in raw.columns else pl.Series([""] * raw.height)
    level_class = [next((p for p in cls.level_prefixes if (lv or "").startswith(p)), cls.unrated_label) for lv in level]
    df = raw.with_columns(
        [pl.col(i).cast(pl.Float64) if i in raw.columns else pl.lit(0.0).alias(i) for i in items],
        name=pl.col("org_code"),
        region_code=pl.lit("430602"),
        type_group=pl.col("type_code").replace_strict({c: t.type_group for c, t in types.items()}),
        type_sub=pl.col("type_code").replace_strict({c: t.type_sub for c, t in types.items()}),
        level_class=pl.Series(level_class, dtype=pl.Utf8),
    )
    df = df.with_columns(level_class=pl.when(pl.col("type_group") == "医院").then(pl.col("level_class")))
    if "expect" not in df.columns:
        df = df.with_columns(expect=pl.lit(None, pl.Utf8))
    return df


def violations(rule: qc.Rule, frame: pl.DataFrame, context: qc.RuleContext | None = None) -> pl.DataFrame:
    return qc.run_rule(qc.prepare(frame), rule, context)


def _keys(frame: pl.DataFrame) -> set[tuple[str, str]]:
    return set(frame.select("org_code", "period").iter_rows())


@pytest.mark.parametrize("rule", ENABLED, ids=[r.id for r in ENABLED])
def test_passing_fixture_passes(rule):
    path = FIXTURES / "pass" / f"{rule.id}.csv"
    found = violations(rule, load_fixture(path), load_context(path))
    assert found.height == 0, found.select("org_code", "period", "message").to_dicts()


@pytest.mark.parametrize("rule", ENABLED, ids=[r.id for r in ENABLED])
def test_failing_fixture_fails_exactly_where_expected(rule):
    path = FIXTURES / "fail" / f"{rule.id}.csv"
    frame = load_fixture(path)
    expected = _keys(frame.filter(pl.col("expect") == "fail"))
    assert expected, "a failing fixture must mark at least one row expect=fail"
    found = violations(rule, frame, load_context(path))
    assert _keys(found) == expected
    assert found["severity"].unique().to_list() == [rule.severity]
    assert found["rule_id"].unique().to_list() == [rule.id]
    # a Chinese message with the values filled in, and the values involved as JSON
    for message, values in found.select("message", "values").iter_rows():
        assert "{" not in message and message.strip()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
        assert values.startswith("{") and len(values) > 2


def test_catalogue_fixtures_and_kinds_are_complete():
    folders = {kind: {p.stem for p in (FIXTURES / kind).glob("*.csv")} for kind in ("pass", "fail")}
    enabled_ids = {r.id for r in ENABLED}
    for kind, stems in folders.items():
        assert enabled_ids - stems == set(), f"rules without a {kind} fixture: {sorted(enabled_ids - stems)}"
        assert stems - enabled_ids == set(), f"{kind} fixtures without an enabled rule: {sorted(stems - enabled_ids)}"
    used = {r.kind for r in ENABLED}
    assert used - set(qc.KINDS) == set(), "enabled rules whose kind has no function"
    assert set(qc.KINDS) - used == set(), "rule kinds that no catalogue rule uses"
    assert set(qc.KIND_PARAMS) == set(qc.KINDS)


def test_catalogue_covers_domain_rules():
    """domain.md §7: every hard and soft rule is in the catalogue, the annual comparison (W008) included."""
    ids = {r.id for r in CATALOGUE.rules}
    assert {f"E{i:03d}" for i in range(1, 14)} <= ids
    assert {f"W{i:03d}" for i in range(1, 9)} <= ids
    w008 = CATALOGUE.rule("W008")
    assert w008.enabled and w008.kind == "annual_sum" and w008.number("tolerance") == 0.03
    assert {c.id for c in CATALOGUE.checks.values()} == {f"R{i:03d}" for i in range(1, 9)}
    for rule in CATALOGUE.rules:
        assert rule.id[0] == {"FAIL": "E", "WARN": "W"}[rule.severity]
