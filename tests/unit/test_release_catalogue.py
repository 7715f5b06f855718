"""The edition and recipient catalogues: the real ones load; mistakes give Chinese errors naming the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.errors import UserError
from pipeline.release import catalogue as release_catalogue
from tests.helpers import REPO

REGIONS = REPO / "data/reference/regions.csv"
CATALOGUES = REPO / "pipeline/catalogues"


def _load(tmp_path: Path, editions: dict | None = None, recipients: dict | None = None):
    e = yaml.safe_load((CATALOGUES / "editions.yaml").read_text(encoding="utf-8")) if editions is None else editions
    r = yaml.safe_load((CATALOGUES / "recipients.yaml").read_text(encoding="utf-8")) if recipients is None else recipients
    (tmp_path / "e.yaml").write_text(yaml.safe_dump(e, allow_unicode=True), encoding="utf-8")
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(r, allow_unicode=True), encoding="utf-8")
    return release_catalogue.load(tmp_path / "e.yaml", tmp_path / "r.yaml", regions_path=REGIONS)


def _raw(name: str) -> dict:
    return yaml.safe_load((CATALOGUES / name).read_text(encoding="utf-8"))


def test_real_catalogues_load_and_cover_every_county():
    cat = release_catalogue.load(regions_path=REGIONS)
    assert not cat.warnings
    counties = {r.region_code for r in cat.recipients if r.kind == "county"}
    assert counties == set(release_catalogue.read_region_codes(REGIONS))
    for r in cat.recipients:
        if r.kind == "county":
            assert {"monthly", "county", "qc_county"} <= set(r.editions)
            assert "qc_internal" not in r.editions
        if r.kind in ("leadership", "department"):
            assert {"monthly", "qc_internal", "life_expectancy"} <= set(r.editions)
        if r.kind == "affiliated":
            assert {"monthly", "life_expectancy"} <= set(r.editions) and "qc_internal" not in r.editions
    assert {r.kind for r in cat.recipients} == {"county", "affiliated", "department", "leadership"}


def test_unknown_edition_is_refused(tmp_path):
    r = _raw("recipients.yaml")
    r["recipients"][0]["editions"].append("weekly")
    with pytest.raises(UserError, match="未知的出版物“weekly”"):
        _load(tmp_path, recipients=r)


def test_county_code_not_in_regions_is_refused(tmp_path):
    r = _raw("recipients.yaml")
    r["recipients"][0]["region_code"] = "430699"
    with pytest.raises(UserError, match="区划代码 430699 不在地区表"):
        _load(tmp_path, recipients=r)


def test_internal_bulletin_cannot_go_to_a_county_or_an_affiliated_unit(tmp_path):
    r = _raw("recipients.yaml")
    county = next(x for x in r["recipients"] if x["kind"] == "county")
    county["editions"].append("qc_internal")
    unit = next(x for x in r["recipients"] if x["kind"] == "affiliated")
    unit["editions"].append("qc_internal")
    with pytest.raises(UserError) as err:
        _load(tmp_path, recipients=r)
    text = str(err.value)
    assert "密级为“委内”，不能发给县市区卫健委" in text and "不能发给委属单位" in text


def test_a_county_list_needs_a_region(tmp_path):
    r = _raw("recipients.yaml")
    leaders = next(x for x in r["recipients"] if x["kind"] == "leadership")
    leaders["editions"].append("qc_county")
    with pytest.raises(UserError, match="按县市区分，收件单位须有 region_code"):
        _load(tmp_path, recipients=r)


def test_duplicate_ids_unknown_kind_and_bad_edition_entries_are_all_reported(tmp_path):
    r = _raw("recipients.yaml")
    r["recipients"][1]["id"] = r["recipients"][0]["id"]
    r["recipients"][2]["kind"] = "mayor"
    e = _raw("editions.yaml")
    e["editions"]["monthly"]["classification"] = "绝密"
    e["editions"]["county"]["institutions"] = "some"
    with pytest.raises(UserError) as err:
        _load(tmp_path, editions=e, recipients=r)
    text = str(err.value)
    for expected in ("id 重复", "类别“mayor”无效", "密级“绝密”不在 classifications 中", "institutions“some”无效"):
        assert expected in text, expected


def test_missing_county_recipient_is_a_warning(tmp_path):
    r = _raw("recipients.yaml")
    r["recipients"] = [x for x in r["recipients"] if x.get("region_code") != "430692"]
    cat = _load(tmp_path, recipients=r)
    assert any("430692" in w for w in cat.warnings)
