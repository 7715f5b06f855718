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
