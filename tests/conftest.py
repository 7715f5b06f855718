"""Shared fixtures."""

from __future__ import annotations

import polars as pl
import pytest

from pipeline.monthly.indicators import Regions


@pytest.fixture
def regions() -> Regions:
    table = pl.DataFrame(
        {"region_code": ["430602", "430621"], "region_name": ["岳阳楼区", "岳阳县"], "region_kind": ["区", "县"]}
    )
    return Regions(city_code="430600", city_name="岳阳市", table=table)


@pytest.fixture(autouse=True)
def _no_masthead_from_an_earlier_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """An in-process CLI call publishes the masthead in the environment (pipeline.render.apparatus.ENV); each test
    starts without it, so a renderer's identity does not depend on which test ran before."""
    from pipeline.render import apparatus

    monkeypatch.delenv(apparatus.ENV, raising=False)
