"""The county editions and the annual report folder are written as a set: a failure (or kill) while the notebook
writes leaves the previous set byte for byte; the county stage still starts from its previous editions (so
unchanged editions are kept, not re-rendered) and what it removes stays removed.

The notebook is replaced by a stand-in that writes into the folder the stage hands it and then fails: the code
under test is the stage's own folder handling (pipeline.render.notebook / pipeline.annual.report)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipeline.annual import indicators as annual_indicators
from pipeline.annual import report as annual_report
from pipeline.period import Month
from pipeline.render import notebook


class _Failed(RuntimeError):
    pass


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _old_county_set(root: Path) -> Path:
    out = root / "reports" / "county" / "2025-10"
    for code in ("430602", "430621", "430699"):
        (out / code).mkdir(parents=True)
        (out / code / "report.html").write_text(f"old {code}", encoding="utf-8")
        (out / code / "stamp").write_text("fingerprint", encoding="utf-8")
    return out


def _county(root: Path) -> None:
    indicators = root / "indicators.parquet"
    indicators.write_bytes(b"not read by the stand-in")
    notebook.run_county_reports(month=Month(2025, 10), indicators_path=indicators, out_root=root / "reports" / "county"
                                / "2025-10", org_name="岳阳市卫生健康委员会", backend="pandoc")


def test_county_failure_mid_write_leaves_the_old_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = _old_county_set(tmp_path)
    before = _snapshot(out)
    seen: dict[str, object] = {}

    def half_written(source, output, parameters, cwd, aliases=None):
        folder = cwd / parameters["out_root"]
        seen["folder"], seen["start"] = folder, _snapshot(folder)
        (folder / "430602" / "report.html").write_text("new, half written", encoding="utf-8")
        raise _Failed("the renderer died")

    monkeypatch.setattr(notebook, "execute", half_written)
    with pytest.raises(_Failed):
        _county(tmp_path)
    assert seen["folder"] != out and seen["start"] == before  # it wrote elsewhere, starting from the old editions
    assert _snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["2025-10"]  # no temporary folder left


def test_county_success_swaps_in_kept_changed_and_removed_editions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = _old_county_set(tmp_path)

    def one_changed_one_gone(source, output, parameters, cwd, aliases=None):
        import shutil

        folder = cwd / parameters["out_root"]
        (folder / "430621" / "report.html").write_text("new 430621", encoding="utf-8")
        shutil.rmtree(folder / "430699")  # a unit no longer in the region table
        output.write_text(parameters["out_root"], encoding="utf-8")

    monkeypatch.setattr(notebook, "execute", one_changed_one_gone)
    _county(tmp_path)
    files = {k: (out / k).read_text(encoding="utf-8") for k in _snapshot(out)}
    assert files == {"430602/report.html": "old 430602", "430602/stamp": "fingerprint",
                     "430621/report.html": "new 430621", "430621/stamp": "fingerprint",
                     "county_reports.ipynb": files["county_reports.ipynb"]}
    assert sorted(p.name for p in out.parent.iterdir()) == ["2025-10"]


def test_annual_failure_mid_write_leaves_the_old_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "reports" / "annual" / "2025"
    out.mkdir(parents=True)
    (out / "report.html").write_text("old report", encoding="utf-8")
    (out / "tables.xlsx").write_bytes(b"old tables")
    before = _snapshot(out)
    monkeypatch.setattr(annual_indicators, "check_inputs", lambda paths, settings: None)

    def half_written(source, output, parameters, cwd, aliases=None):
        folder = cwd / parameters["out_dir"]
        assert folder != out and folder.parent == out.parent
        (folder / "report.html").write_text("new, half written", encoding="utf-8")
        raise _Failed("the kernel died")

    monkeypatch.setattr(notebook, "execute", half_written)
    settings = annual_indicators.AnnualSettings(year=2025)
    with pytest.raises(_Failed):
        annual_report.run_annual_report(paths=annual_indicators.AnnualPaths(), settings=settings, out_dir=out,
                                        org_name="岳阳市卫生健康委员会", backend="pandoc")
    assert _snapshot(out) == before and sorted(p.name for p in out.parent.iterdir()) == ["2025"]

    def complete(source, output, parameters, cwd, aliases=None):
        folder = cwd / parameters["out_dir"]
        (folder / "report.html").write_text("new report", encoding="utf-8")
        output.write_text("notebook", encoding="utf-8")

    monkeypatch.setattr(notebook, "execute", complete)
    annual_report.run_annual_report(paths=annual_indicators.AnnualPaths(), settings=settings, out_dir=out,
                                    org_name="岳阳市卫生健康委员会", backend="pandoc")
    # the new set; tables.xlsx, not written by this run, is carried over as atomic_dir does for every stage
    assert {k: (out / k).read_bytes() for k in _snapshot(out)} == {
        "report.html": "new report".encode(), "annual_report.ipynb": b"notebook", "tables.xlsx": b"old tables"}
