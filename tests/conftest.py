"""Shared fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator

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
def _no_masthead_from_an_earlier_test() -> Iterator[None]:
    """An in-process CLI call publishes the masthead in the environment (pipeline.render.apparatus.ENV); each test
    starts without it, and it is removed again afterwards (not restored, as monkeypatch would: a module-scoped
    fixture set up before the next module's first test would then render with the previous test's masthead), so a
    renderer's identity does not depend on which test ran before."""
    from pipeline.render import apparatus

    os.environ.pop(apparatus.ENV, None)
    yield
    os.environ.pop(apparatus.ENV, None)
