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


@pytest.mark.skipif(not (REPO / ".cache" / "fonts").is_dir(), reason="fonts not prepared (python -m pipeline setup-fonts)")
def test_killed_qc_leaves_each_folder_whole(tmp_path):
    _qc_project(tmp_path)
    interims, refs, durations = {}, {}, []
    for key in ("A", "B"):
        _write_month(tmp_path / "raw", INPUTS[key])
        _run(INGEST, tmp_path)
        interims[key] = tmp_path / f"interim-{key}"
        shutil.copytree(tmp_path / "data" / "interim", interims[key])
        start = time.monotonic()
        _run(QC, tmp_path)
        durations.append(time.monotonic() - start)
        refs[key] = (_snapshot(tmp_path / "data" / "qc"), _snapshot(tmp_path / "reports" / "qc" / "2025-12"))
    assert refs["A"][0] != refs["B"][0]
    rng = random.Random(SEED + 1)
    for i in range(8):
        key = "AB"[i % 2]
        shutil.rmtree(tmp_path / "data" / "interim")
        shutil.copytree(interims[key], tmp_path / "data" / "interim")
        _kill_after(QC, tmp_path, rng.uniform(0.3, 1.6) * max(durations))
        data_state, report_state = _snapshot(tmp_path / "data" / "qc"), _snapshot(tmp_path / "reports" / "qc" / "2025-12")
        assert data_state in (refs["A"][0], refs["B"][0]), f"kill {i}: data/qc mixed"
        assert report_state in (refs["A"][1], refs["B"][1]), f"kill {i}: the 通报 folder mixed"
    assert temp_is_cleaned(tmp_path / "data", lambda: _run(QC, tmp_path))
    assert _temp_folders(tmp_path / "reports" / "qc") == []
