"""The intranet install: from the offline kit, with no network at all, into a fresh folder.

The kit is built beforehand by `.ci/run` (`python run.py offline-kit`, which needs PyPI) and named by
HEALTHSTATS_KIT; this test itself needs no network. It runs the kit's install script inside a network namespace
with no interface (`unshare -n`), then compares every report byte for byte with a normal install's run of the
same project (this venv, the same constraints.txt).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.render import fonts
from tests.helpers import copy_project

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e

KIT_ENV = "HEALTHSTATS_KIT"


def _kit() -> Path:
    kit = os.environ.get(KIT_ENV)
    if not kit:
        pytest.skip(f"{KIT_ENV} 未设置：先运行 python run.py offline-kit（.ci/run 会这样做）")
    return Path(kit)


# A namespace of its own with only loopback, up: an intranet PC without any route out still has 127.0.0.1, and
# the notebooks' Jupyter kernel talks to papermill over it.
NO_NETWORK = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"']


def _unshare_works() -> bool:
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    return subprocess.run([*NO_NETWORK, "true"], capture_output=True).returncode == 0


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _base_python() -> str:
    """A Python outside any venv, as on a PC that has only python.org's installer."""
    return getattr(sys, "_base_executable", None) or sys.executable


def test_kit_covers_every_target() -> None:
    manifest = json.loads((_kit() / "kit.json").read_text(encoding="utf-8"))
    here = f"manylinux_x86_64-cp{sys.version_info[0]}{sys.version_info[1]}"
    assert here in manifest["targets"]
    wheels = {w for t in manifest["targets"].values() for w in t["wheels"]}
    assert any(w.startswith("antlr4_python3_runtime-4.9.3-py3-none-any") for w in wheels)
    if "win_amd64-cp311" in manifest["targets"]:
        win = manifest["targets"]["win_amd64-cp311"]["wheels"]
        # pip judges markers by the machine it runs on; these come only from Windows markers
        assert any(w.startswith("pywin32-") and w.endswith("win_amd64.whl") for w in win)
        assert any(w.startswith("tzdata-") for w in win)
        assert not any(w.startswith("pexpect-") for w in win)
    for rel in manifest["files"]:
        assert (_kit() / rel).is_file(), rel


def test_offline_install_matches_normal_install(tmp_path: Path) -> None:
    kit = _kit()
    if not _unshare_works():
        pytest.skip("unshare -n 或 ip 不可用（需要 root 或用户命名空间，以及 iproute2）")

    # the normal install: this venv, on a fresh copy of the project
    normal = tmp_path / "normal"
    copy_project(REPO, normal)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HEALTHSTATS_FONT_DIR"] = str(fonts.ensure_fonts())
    proc = subprocess.run([sys.executable, "-m", "dvc", "repro"], cwd=normal, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # the intranet install: no network, nothing of this venv or of this machine's pip setup
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PIP_", "VIRTUAL_ENV", "PYTHON", "HEALTHSTATS_"))}
    clean["PATH"] = os.pathsep.join(p for p in clean.get("PATH", "").split(os.pathsep)
                                    if Path(sys.executable).parent != Path(p))
    offline = tmp_path / "intranet" / "yueyang-health-stats"
    proc = subprocess.run([*NO_NETWORK, _base_python(), str(kit / "install.py"), str(offline)],
                          cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    assert "报告在" in proc.stdout
    assert (offline / ".venv").is_dir() and not (offline / ".git").exists()
    kernel = json.loads((offline / ".venv" / "share" / "jupyter" / "kernels" / "python3" / "kernel.json")
                        .read_text(encoding="utf-8"))
    assert Path(kernel["argv"][0]).parent.parent == offline / ".venv"

    normal_reports, offline_reports = _tree(normal / "reports"), _tree(offline / "reports")
    assert len(normal_reports) > 20
    assert offline_reports == normal_reports
