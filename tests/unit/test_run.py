"""run.py (the cross-platform entry point) and tools/offline_kit.py: the pieces that need no install or network."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


run = _load("run_entry", REPO / "run.py")
kit = _load("offline_kit", REPO / "tools" / "offline_kit.py")


def test_params_read_without_yaml_match_yaml() -> None:
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    assert run._param(None, "period") == str(params["period"])
    assert run._param("annual", "year") == str(params["annual"]["year"])
    assert run._param("life_expectancy", "year") == str(params["life_expectancy"]["year"])


def test_venv_layout_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "IS_WINDOWS", True)
    assert run.venv_python() == REPO / ".venv" / "Scripts" / "python.exe"
    monkeypatch.setattr(run, "IS_WINDOWS", False)
    assert run.venv_python() == REPO / ".venv" / "bin" / "python"


def test_kit_environment_uses_only_the_kit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PIP_FIND_LINKS", "/somewhere/else")
    monkeypatch.setenv("PIP_INDEX_URL", "http://mirror.invalid/simple")
    env = run.child_env(tmp_path)
    assert env["PIP_NO_INDEX"] == "1" and env["PIP_FIND_LINKS"] == str(tmp_path / "wheels")
    assert "PIP_INDEX_URL" not in env and env["PIP_CONFIG_FILE"] == run.os.devnull
    assert env["PATH"].startswith(str(run.venv_bin())) and env["PYTHONUTF8"] == "1"
    assert run.child_env()["PIP_INDEX_URL"] == "http://mirror.invalid/simple"  # a normal install keeps the mirror


def test_test_command_passes_options_to_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    monkeypatch.setattr(run, "test", lambda args: seen.append(args) or 0)
    assert run.main(["test", "-x", "-k", "fonts", "tests/unit"]) == 0
    assert seen == [["-x", "-k", "fonts", "tests/unit"]]


def test_markers_are_the_targets_not_this_machines() -> None:
    win, linux = kit.Target("win_amd64", "3.11"), kit.Target("manylinux_x86_64", "3.12")
    pywin32 = Requirement('pywin32>=225 ; sys_platform == "win32"').marker
    pexpect = Requirement('pexpect>4.6; sys_platform != "win32" and sys_platform != "emscripten"').marker
    aiohttp = Requirement('aiohttp>=3.9; python_version == "3.12"').marker
    assert pywin32.evaluate(win.markers()) and not pywin32.evaluate(linux.markers())
    assert pexpect.evaluate(linux.markers()) and not pexpect.evaluate(win.markers())
    assert aiohttp.evaluate(linux.markers()) and not aiohttp.evaluate(win.markers())


def test_pick_takes_the_targets_wheel(tmp_path: Path) -> None:
    names = ["duckdb-2.0.0-cp311-cp311-win_amd64.whl", "duckdb-2.0.0-cp312-cp312-win_amd64.whl",
             "duckdb-2.0.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
             "duckdb-1.9.0-cp311-cp311-win_amd64.whl", "xlwt-1.3.0-py2.py3-none-any.whl"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    index = kit._wheel_index(tmp_path)
    assert kit._pick(index, "duckdb", "2.0.0", kit.Target("win_amd64", "3.12")).name == names[1]
    assert kit._pick(index, "duckdb", "2.0.0", kit.Target("manylinux_x86_64", "3.11")).name == names[2]
    assert kit._pick(index, "duckdb", "2.0.0", kit.Target("manylinux_x86_64", "3.12")) is None
    assert kit._pick(index, "xlwt", "1.3.0", kit.Target("win_amd64", "3.11")).name == names[4]


def test_lock_pins_every_package_once() -> None:
    pins = kit.read_pins()
    assert {"antlr4-python3-runtime", "pywin32", "tzdata", "setuptools", "wheel", "pip"} <= set(pins)
    lines = [ln for ln in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert len(lines) == len(pins)


def test_run_py_prepares_the_fonts_the_pipeline_names() -> None:
    from pipeline.render.fonts import FONT_FILENAMES

    assert run.KIT_FONT_FILES == FONT_FILENAMES


def test_kit_fonts_are_copied_from_the_kit_json_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    kit_dir, cache = tmp_path / "kit", tmp_path / "cache"
    (kit_dir / "fonts").mkdir(parents=True)
    for name in ("A.ttf", "B.otf", "stray.ttf"):
        (kit_dir / "fonts" / name).write_bytes(name.encode())
    (kit_dir / "kit.json").write_text(json.dumps({"fonts": {"A.ttf": "…", "B.otf": "…"}}), encoding="utf-8")
    monkeypatch.setattr(run, "FONT_DIR", cache)
    run._copy_kit_fonts(kit_dir)
    assert sorted(p.name for p in cache.iterdir()) == ["A.ttf", "B.otf"]
    assert (cache / "B.otf").read_bytes() == b"B.otf"
    (kit_dir / "fonts" / "B.otf").unlink()
    with pytest.raises(run.Failure, match="离线安装包中缺少字体 fonts/B.otf"):
        run._copy_kit_fonts(kit_dir)
    (kit_dir / "kit.json").write_text("{}", encoding="utf-8")  # a kit made before the list: every .ttf/.otf
    assert [p.name for p in run._kit_fonts(kit_dir)] == ["A.ttf", "stray.ttf"]
