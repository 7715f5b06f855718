"""q0 from the maternal–child surveillance: a county with 0 registered infant deaths takes its surveillance rate."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from pipeline.life import surveillance
from pipeline.life.compute import _registration_q0


def _group(code: str, sex: str, pop0: float, deaths0: float) -> SimpleNamespace:
    data = pl.DataFrame({"age": [0.0, 1.0], "population": [float(pop0), 4.0 * pop0], "deaths": [float(deaths0), 1.0]})
    return SimpleNamespace(region_code=code, sex=sex, data=data)


def test_annual_file_gives_county_and_city_rates(tmp_path: Path) -> None:
    path = tmp_path / "data/raw/annual/2025/maternal_child.csv"
    path.parent.mkdir(parents=True)
    path.write_text("region_code,live_births,maternal_deaths,infant_deaths,under5_deaths\n"
                    "430602,1000,0,2,3\n430692,952,0,3,4\n", encoding="utf-8")
    imr = surveillance.load(tmp_path, 2025)
    assert imr is not None
    assert imr.by_region["430692"] == pytest.approx(3000 / 952)  # 3.15‰, worked out by hand
    assert imr.city == pytest.approx(5000 / 1952)  # Σ deaths ÷ Σ births, not the mean of the rates
    assert "妇幼卫生监测" in imr.source


def test_county_with_no_registered_infant_death_gets_q0_from_surveillance() -> None:
    # city = 430602 (4 registered infant deaths) + 430692 (none registered, 3.15‰ in the surveillance)
    groups = [_group("430600", "合计", 2000, 4), _group("430602", "合计", 1000, 4), _group("430602", "男", 520, 3),
              _group("430692", "合计", 1000, 0), _group("430692", "男", 510, 0), _group("430692", "女", 490, 0)]
    imr = surveillance.InfantMortality(2025, 2.6, {"430602": 2.0, "430692": 3.15})
    q0, factor = surveillance.group_q0(imr, groups, "430600", _registration_q0)
    assert q0[0] == pytest.approx(2.6)  # the city takes the city rate
    assert q0[1] == pytest.approx(2.0)  # a county its own rate
    assert q0[3:] == [pytest.approx(3.15)] * 3  # not 0: the surveillance recorded infant deaths there
    # 男 of 430602 keeps the registered sex ratio q0(男)/q0(合计) within the county
    assert q0[2] == pytest.approx(2.0 * _registration_q0(groups[2].data) / _registration_q0(groups[1].data))
    assert factor == pytest.approx(2.6 / 1000 / _registration_q0(groups[0].data))


def test_county_without_surveillance_borrows_the_city_calibration() -> None:
    groups = [_group("430600", "合计", 2000, 4), _group("430602", "合计", 1000, 4), _group("430692", "合计", 1000, 0)]
    imr = surveillance.InfantMortality(2025, 2.6, {})
    q0, factor = surveillance.group_q0(imr, groups, "430600", _registration_q0)
    assert q0[1] == pytest.approx(1000 * factor * _registration_q0(groups[1].data))
    assert q0[2] == pytest.approx(2.6)  # nothing registered, nothing observed: the city rate, never 0
