"""SIGKILL at random points during ingest and QC: each output folder always holds one whole set, the old one or the
new one (checked by the files' SHA-256 against complete runs), and the next run leaves no temporary folder."""

from __future__ import annotations

import csv
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.test_ingest import HEADER, _row

REPO = Path(__file__).resolve().parents[2]
SEED = 20261202


def _snapshot(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _temp_folders(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".tmp-" in p.name) if parent.exists() else []


def _write_month(raw: Path, rows: list[list]) -> None:
    shutil.rmtree(raw, ignore_errors=True)
    month = raw / "2025-10"
    month.mkdir(parents=True)
    with (month / "月报.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])


INPUTS = {
    "A": [_row("12430600A", "甲医院", visits=10), _row("12430600B", "乙医院", visits="abc")],
    "B": [_row("12430600A", "甲医院", visits=20), _row("12430600B", "乙医院", visits=5),
          _row("12430600C", "=1+1", visits="x")],
}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=_env(), capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    return proc


def _kill_after(args: list[str], cwd: Path, delay: float) -> None:
    """Start the command in its own process group and SIGKILL the whole group (the notebook kernel too) after
    `delay` seconds, as a power cut or a killed job would."""
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it had finished
    proc.wait()


INGEST = ["ingest", "--raw", "raw", "--out", "data/interim"]


def _project_files(root: Path) -> None:
    """What ingest reads from the project root: dvc.yaml and params.yaml (limits), and the region table."""
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy2(REPO / name, root / name)
    (root / "data" / "reference").mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "data" / "reference" / "regions.csv", root / "data" / "reference" / "regions.csv")


def test_killed_ingest_leaves_the_old_set_or_the_new_one(tmp_path):
    _project_files(tmp_path)
    refs, durations = {}, []
    for key in ("A", "B"):
        _write_month(tmp_path / "raw", INPUTS[key])
        start = time.monotonic()
        _run(INGEST, tmp_path)
        durations.append(time.monotonic() - start)
        refs[key] = _snapshot(tmp_path / "data" / "interim")
    assert refs["A"] != refs["B"] and "quarantine.csv" in refs["A"]
    rng = random.Random(SEED)
    seen = set()
    for i in range(20):
        _write_month(tmp_path / "raw", INPUTS["AB"[i % 2]])
        _kill_after(INGEST, tmp_path, rng.uniform(0.3, 1.8) * max(durations))
        state = _snapshot(tmp_path / "data" / "interim")
        match = [k for k, ref in refs.items() if ref == state]
        assert match, f"kill {i}: a mixed or partial set {sorted(state)}"
        seen.add(match[0])
    assert temp_is_cleaned(tmp_path / "data", lambda: _run(INGEST, tmp_path))
    assert seen == {"A", "B"}  # the kills hit both before and after the swap


def temp_is_cleaned(parent: Path, run) -> bool:
    """After a complete run nothing temporary is left beside the outputs."""
    run()
    return _temp_folders(parent) == []


def _qc_project(root: Path) -> None:
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy2(REPO / name, root / name)
    ref = root / "data" / "reference"
    ref.mkdir(parents=True)
    (ref / "regions.csv").write_text("region_code,region_name,region_kind,national_code\n"
                                     "430600,岳阳市,市,430600\n430602,岳阳楼区,区,430602\n", encoding="utf-8")
    (ref / "registry.csv").write_text("org_code,name,region_code,type_code,is_branch,opened,closed\n"
                                      "12430600A,甲医院,430602,A100,false,2000-01-01,\n"
                                      "12430600B,乙医院,430602,A100,false,2000-01-01,\n", encoding="utf-8")


QC = ["qc", "--backend", "pandoc"]
QC_KILLS = 20


def _qc_state(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    return _snapshot(root / "data" / "qc"), _snapshot(root / "reports" / "qc" / "2025-12")


def _use_interim(root: Path, interim: Path) -> None:
    shutil.rmtree(root / "data" / "interim")
    shutil.copytree(interim, root / "data" / "interim")


def _kill_points(duration: float, rng: random.Random) -> list[float]:
    """QC_KILLS delays in random order: all but two spread over the whole run (one in each equal slice of its
    duration), so every phase is hit — reading, checks, the data/qc tables, the notebook, the render, the two swaps;
    the last two at 2× and 4× the warm run's duration, so that some runs finish even when the machine is slower
    than when the warm run was timed (then they leave the new set)."""
    during = QC_KILLS - 2
    points = [(i + rng.random()) / during * duration for i in range(during)] + [2.0 * duration, 4.0 * duration]
    rng.shuffle(points)
    return points


@pytest.mark.skipif(not (REPO / ".cache" / "fonts").is_dir(), reason="fonts not prepared (python -m pipeline setup-fonts)")
def test_killed_qc_leaves_data_and_bulletin_as_one_pair(tmp_path):
    """≥ 20 kills: data/qc and the 通报 folder are each whole and belong together (the same run's, old or new)."""
    from pipeline.qc.pairing import pair_problem

    _qc_project(tmp_path)
    interims, refs = {}, {}
    for key in ("A", "B"):
        _write_month(tmp_path / "raw", INPUTS[key])
        _run(INGEST, tmp_path)
        interims[key] = tmp_path / f"interim-{key}"
        shutil.copytree(tmp_path / "data" / "interim", interims[key])
        _run(QC, tmp_path)  # the first runs also fill the font-subset cache the later ones use
        refs[key] = _qc_state(tmp_path)
    assert refs["A"][0] != refs["B"][0] and refs["A"][1] != refs["B"][1]
    _use_interim(tmp_path, interims["A"])
    start = time.monotonic()
    _run(QC, tmp_path)  # a warm run: its duration sets the kill points
    duration = time.monotonic() - start
    assert _qc_state(tmp_path) == refs["A"]
    rng = random.Random(SEED + 1)
    seen, before = set(), "A"
    for i, delay in enumerate(_kill_points(duration, rng)):
        key = "BA"[i % 2]
        _use_interim(tmp_path, interims[key])
        _kill_after(QC, tmp_path, delay)
        state = _qc_state(tmp_path)
        match = [k for k, ref in refs.items() if ref == state]
        if not match:  # only a kill in the instant between the two swaps; the 通报 then names other data
            assert pair_problem(tmp_path / "data" / "qc", tmp_path / "reports" / "qc" / "2025-12"), \
                f"kill {i} at {delay:.1f}s: a mixed set that is not recognised"
            assert state[0] in (refs["A"][0], refs["B"][0]) and state[1] in (refs["A"][1], refs["B"][1])
            seen.add("between")
            before = "?"
            continue
        if before != key:
            seen.add("new" if match[0] == key else "old")
        before = match[0]
    assert {"old", "new"} <= seen, "the kills hit both before and after the swaps"
    assert temp_is_cleaned(tmp_path / "data", lambda: _run(QC, tmp_path))
    assert _temp_folders(tmp_path / "reports" / "qc") == []
    assert _qc_state(tmp_path) == refs["BA"[(QC_KILLS - 1) % 2]]


class _Killed(BaseException):
    """Stands for SIGKILL inside the process: not an Exception, so nothing catches it."""


def test_a_kill_between_the_two_swaps_is_recognised_and_repaired(tmp_path, monkeypatch):
    """The 通报 folder is swapped in first, data/qc right after; stopped exactly between the two, the pair is
    mismatched: the record of the data the 通报 was built from says so, and the next run rebuilds both."""
    from typer.testing import CliRunner

    from pipeline import io_utils
    from pipeline.cli import app
    from pipeline.qc.pairing import pair_problem

    _qc_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    for key in ("A", "B"):
        _write_month(tmp_path / "raw", INPUTS[key])
        _run(INGEST, tmp_path)
        shutil.copytree(tmp_path / "data" / "interim", tmp_path / f"interim-{key}")
    _use_interim(tmp_path, tmp_path / "interim-A")
    assert CliRunner().invoke(app, QC).exit_code == 0
    old = _qc_state(tmp_path)
    data, report = tmp_path / "data" / "qc", tmp_path / "reports" / "qc" / "2025-12"
    assert pair_problem(data, report) is None
    real_swap = io_utils._swap_in

    def swap_then_die_before_data(tmp: Path, target: Path, carry: bool = True) -> None:
        if target.resolve() == data.resolve():
            raise _Killed
        real_swap(tmp, target, carry)

    _use_interim(tmp_path, tmp_path / "interim-B")
    monkeypatch.setattr(io_utils, "_swap_in", swap_then_die_before_data)
    with pytest.raises(_Killed):
        CliRunner().invoke(app, QC, catch_exceptions=False)
    monkeypatch.setattr(io_utils, "_swap_in", real_swap)
    mixed = _qc_state(tmp_path)
    assert mixed[0] == old[0] and mixed[1] != old[1]  # new 通报, old data: the mismatch a kill there leaves
    assert "不是同一次运行的结果" in pair_problem(data, report)
    rerun = CliRunner().invoke(app, QC)
    assert rerun.exit_code == 0 and "不是同一次运行的结果" in rerun.output
    assert pair_problem(data, report) is None and _qc_state(tmp_path)[1] == mixed[1]
