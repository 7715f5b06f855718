"""The QC rule catalogue: every rule has a passing and a failing fixture, every kind is implemented and used."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline import catalogues, qc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "qc"
CATALOGUE = qc.load_rules()
ENABLED = [r for r in CATALOGUE.rules if r.enabled]


def load_fixture(path: Path) -> pl.DataFrame:
    """A fixture CSV → canonical-like rows: every item (0 unless given) and the type classification."""
    raw = pl.read_csv(path, infer_schema=False)
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


def violations(rule: qc.Rule, frame: pl.DataFrame) -> pl.DataFrame:
    return qc.run_rule(qc.prepare(frame), rule)


def _keys(frame: pl.DataFrame) -> set[tuple[str, str]]:
    return set(frame.select("org_code", "period").iter_rows())


@pytest.mark.parametrize("rule", ENABLED, ids=[r.id for r in ENABLED])
def test_passing_fixture_passes(rule):
    frame = load_fixture(FIXTURES / "pass" / f"{rule.id}.csv")
    found = violations(rule, frame)
    assert found.height == 0, found.select("org_code", "period", "message").to_dicts()


@pytest.mark.parametrize("rule", ENABLED, ids=[r.id for r in ENABLED])
def test_failing_fixture_fails_exactly_where_expected(rule):
    frame = load_fixture(FIXTURES / "fail" / f"{rule.id}.csv")
    expected = _keys(frame.filter(pl.col("expect") == "fail"))
    assert expected, "a failing fixture must mark at least one row expect=fail"
    found = violations(rule, frame)
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
    """domain.md §7: every hard and soft rule is in the catalogue (the annual comparison waits, disabled)."""
    ids = {r.id for r in CATALOGUE.rules}
    assert {f"E{i:03d}" for i in range(1, 14)} <= ids
    assert {f"W{i:03d}" for i in range(1, 9)} <= ids
    annual = CATALOGUE.rule("W008")
    assert not annual.enabled and "年报" in annual.note
    assert {c.id for c in CATALOGUE.checks.values()} == {"R001", "R002", "R003", "R004", "R005"}
    for rule in CATALOGUE.rules:
        assert rule.id[0] == {"FAIL": "E", "WARN": "W"}[rule.severity]
