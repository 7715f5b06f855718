"""Scopes as data: every indicator of both catalogues carries a known scope and a source."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import catalogues, scopes
from pipeline.annual.indicators import load_catalogue
from pipeline.errors import UserError


def test_every_indicator_carries_a_known_scope_and_a_source() -> None:
    known = scopes.scopes()
    monthly = catalogues.indicators()
    annual = load_catalogue().indicators
    assert monthly and annual
    for ind in monthly:
        assert ind.scope == scopes.MONTHLY and ind.data_source, ind.id
    for ai in annual:
        assert ai.ind.scope in known and ai.ind.data_source, ai.id
    by_id = {ai.id: ai.ind.scope for ai in annual}
    # the same formula on the annual report's data is the full scope; surveillance figures their own
    assert by_id["doctors_per_1000"] == scopes.ANNUAL and by_id["visits"] == scopes.ANNUAL
    assert by_id["imr"] == scopes.SURVEILLANCE and by_id["life_expectancy"] == scopes.SURVEILLANCE


def test_monthly_scope_is_said_the_nhc_way() -> None:
    assert scopes.qualifier(scopes.MONTHLY) == "（不含诊所、医务室、村卫生室）"
    assert scopes.scope(scopes.MONTHLY).note == "月报为快报数，全年数据以年报为准。"
    assert scopes.qualifier(scopes.ANNUAL) == ""


def test_an_unknown_scope_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text("indicators:\n  - {id: x, name: 某指标, numerator: [visits], scope: 快报口径}\n", encoding="utf-8")
    with pytest.raises(UserError, match="口径“快报口径”不在口径目录"):
        catalogues.indicators(path)
