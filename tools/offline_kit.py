"""Build the offline install kit and the lock (constraints.txt), for every target the kit serves.

Runs inside the project's venv (``python run.py offline-kit`` / ``python run.py lock`` start it there), on a
machine that reaches PyPI. Why not just ``pip download --platform win_amd64 ...``: pip evaluates environment
markers against the machine it runs on, not the target, so a kit made that way on Linux lacks ``pywin32``
(dvc-task) and ``tzdata`` (tzlocal, kombu) for Windows. Here the dependency closure is walked per target with the
target's own markers, from the wheels' METADATA, and every wheel is fetched with ``--no-deps`` for that target.
A dependency published only as an sdist (antlr4-python3-runtime, needed by hydra-core ← dvc) is built into a
wheel once; it must come out pure Python (``none-any``), otherwise the build stops and names it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"
PROJECT_NAME = "yueyang-health-stats"
KIT_FORMAT = 1

# Oldest glibc the Linux wheels may need: 2.28 (Debian 10, RHEL/CentOS 8, Kylin V10, UOS 20).
_MANYLINUX = [f"manylinux_2_{minor}_x86_64" for minor in range(28, 4, -1)] + [
    "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]
_PLATFORMS = {
    "win_amd64": {"pip": ["win_amd64"], "markers": {
        "os_name": "nt", "sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64"}},
    "manylinux_x86_64": {"pip": _MANYLINUX, "markers": {
        "os_name": "posix", "sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64"}},
}
PYTHONS = ("3.11", "3.12")


@dataclass(frozen=True)
class Target:
    platform: str  # a key of _PLATFORMS
    python: str    # "3.11"

    @property
    def name(self) -> str:
        return f"{self.platform}-cp{self.python.replace('.', '')}"

    def markers(self) -> dict[str, str]:
        return {**_PLATFORMS[self.platform]["markers"], "implementation_name": "cpython",
                "platform_python_implementation": "CPython", "python_version": self.python,
                "python_full_version": f"{self.python}.0", "platform_release": "", "platform_version": "",
                "extra": ""}

    def tags(self) -> list[Tag]:
        """Wheel tags this target accepts, best first (as pip orders them)."""
        major, minor = (int(p) for p in self.python.split("."))
        platforms = _PLATFORMS[self.platform]["pip"]
        return [*cpython_tags((major, minor), platforms=platforms),
                *compatible_tags((major, minor), interpreter=f"cp{major}{minor}", platforms=platforms)]

    def pip_args(self) -> list[str]:
        args = ["--only-binary=:all:", "--implementation", "cp", "--python-version", self.python]
        for plat in _PLATFORMS[self.platform]["pip"]:
            args += ["--platform", plat]
        return args


ALL_TARGETS = tuple(Target(p, v) for p in _PLATFORMS for v in PYTHONS)


class KitError(RuntimeError):
    """A user-facing failure (message in Chinese)."""


def _say(msg: str) -> None:
    print(msg, flush=True)


def _pip(*args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(cmd, text=True, capture_output=capture, encoding="utf-8", errors="replace")


# ---------------------------------------------------------------- the project's requirements and the lock

def project_requirements() -> list[Requirement]:
    """What the kit must install: the project's dependencies with its dev extra, pip, and the build backend
    (the project is installed editable from its folder, so setuptools and wheel must be in the kit too)."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = [*meta["project"]["dependencies"], *meta["project"]["optional-dependencies"]["dev"],
            *meta["build-system"]["requires"], "pip"]
    return [Requirement(r) for r in reqs]


def read_pins(path: Path = CONSTRAINTS) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def _freeze() -> dict[str, str]:
    """The venv's installed set (without the project itself): the versions the tests ran with."""
    out = _pip("list", "--format=json", "--exclude-editable", capture=True)
    if out.returncode != 0:
        raise KitError(f"pip list 失败：{out.stderr}")
    # setuptools and wheel in a venv are whatever ensurepip brought; the build backend's pins (pyproject.toml) rule.
    return {canonicalize_name(d["name"]): d["version"] for d in json.loads(out.stdout)
            if canonicalize_name(d["name"]) not in {PROJECT_NAME, "setuptools", "wheel"}}


# ---------------------------------------------------------------- wheels on disk

def _wheel_index(wheels: Path) -> dict[str, list[tuple[Version, frozenset[Tag], Path]]]:
    index: dict[str, list[tuple[Version, frozenset[Tag], Path]]] = {}
    for path in sorted(wheels.glob("*.whl")):
        name, version, _build, tags = parse_wheel_filename(path.name)
        index.setdefault(name, []).append((version, tags, path))
    return index


def _pick(index, name: str, version: str, target: Target) -> Path | None:
    """The wheel pip would take on the target: the best-ranked tag among files of that name and version."""
    wanted = Version(version)
    ranked = {tag: rank for rank, tag in enumerate(target.tags())}
    best: tuple[int, Path] | None = None
    for ver, tags, path in index.get(name, []):
        if ver != wanted:
            continue
        ranks = [ranked[t] for t in tags if t in ranked]
        if ranks and (best is None or min(ranks) < best[0]):
            best = (min(ranks), path)
    return best[1] if best else None


def _wheel_requires(path: Path) -> list[Requirement]:
    with zipfile.ZipFile(path) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        meta = Parser().parsestr(zf.read(meta_name).decode("utf-8"))
    return [Requirement(r) for r in meta.get_all("Requires-Dist") or []]


_NO_MATCH = re.compile(r"No matching distribution found for ([A-Za-z0-9._-]+)==([^\s]+)")


def _build_pure_wheel(name: str, version: str, wheels: Path) -> Path:
    """An sdist-only dependency: build its wheel (no deps) and insist that it is pure Python."""
    _say(f"  {name}=={version} 只有源码包：构建为 wheel")
    with tempfile.TemporaryDirectory(prefix="kit-wheel-") as tmp:
        proc = _pip("wheel", "--no-deps", "--no-binary", name, "-w", tmp, f"{name}=={version}", capture=True)
        if proc.returncode != 0:
            raise KitError(f"无法构建 {name}=={version} 的 wheel：\n{proc.stdout}\n{proc.stderr}")
        (built,) = Path(tmp).glob("*.whl")
        _, _, _, tags = parse_wheel_filename(built.name)
        if not all(t.abi == "none" and t.platform == "any" for t in tags):
            raise KitError(f"{name}=={version} 不是纯 Python 包（{built.name}），无法为 Windows 准备：请替换该依赖或改为可选。")
        dest = wheels / built.name
        shutil.copy2(built, dest)
        return dest


def _download(pins: list[tuple[str, str]], target: Target, wheels: Path) -> None:
    """Fetch the target's wheels of exactly these versions; sdist-only ones are built once (pure Python)."""
    pending = [f"{n}=={v}" for n, v in pins]
    while pending:
        proc = _pip("download", "--no-deps", *target.pip_args(), "--find-links", str(wheels), "-d", str(wheels),
                    *pending, capture=True)
        if proc.returncode == 0:
            return
        miss = _NO_MATCH.search(proc.stdout + proc.stderr)
        if not miss:
            raise KitError(f"pip download 失败（{target.name}）：\n{proc.stdout}\n{proc.stderr}")
        name, version = miss.group(1), miss.group(2)
        index = _wheel_index(wheels)
        if _pick(index, canonicalize_name(name), version, target):
            raise KitError(f"{target.name}：pip 找不到已下载的 {name}=={version}：\n{proc.stderr}")
        _build_pure_wheel(name, version, wheels)


def closure(target: Target, pins: dict[str, str], wheels: Path, *, resolve_new: bool) -> dict[str, Path]:
    """Every distribution the project needs on the target, {name: wheel}, with the target's own markers.

    A name missing from ``pins`` fails, unless ``resolve_new`` (lock generation): then the newest wheel for the
    target that satisfies what asked for it is taken and pinned.
    """
    env = target.markers()
    chosen: dict[str, Path] = {}
    wanted: dict[str, list[Requirement]] = {}
    frontier: list[tuple[Requirement, frozenset[str]]] = [(r, frozenset({""})) for r in project_requirements()]
    extras_of: dict[str, set[str]] = {}
    while frontier:
        new_names: list[str] = []
        for req, parent_extras in frontier:
            if req.marker and not any(req.marker.evaluate({**env, "extra": e}) for e in parent_extras):
                continue
            name = canonicalize_name(req.name)
            wanted.setdefault(name, []).append(req)
            extras = extras_of.setdefault(name, set())
            grew = not set(req.extras) <= extras
            extras.update(req.extras)
            if name not in chosen or grew:
                new_names.append(name)
        frontier = []
        new_names = list(dict.fromkeys(new_names))
        for name in new_names:
            if name not in pins:
                if not resolve_new:
                    raise KitError(f"{target.name} 需要 {name}，但 constraints.txt 没有固定它的版本："
                                   "请在能上网的机器上运行 python run.py lock 重新生成。")
                pins[name] = _resolve_newest(name, wanted[name], target)
                _say(f"  {target.name}：新固定 {name}=={pins[name]}")
        index = _wheel_index(wheels)
        missing = [(n, pins[n]) for n in new_names if _pick(index, n, pins[n], target) is None]
        if missing:
            _download(missing, target, wheels)
            index = _wheel_index(wheels)
        for name in new_names:
            path = _pick(index, name, pins[name], target)
            if path is None:
                raise KitError(f"{target.name}：没有 {name}=={pins[name]} 的 wheel")
            for req in wanted[name]:
                if not req.specifier.contains(pins[name], prereleases=True):
                    raise KitError(f"{target.name}：{req} 与固定版本 {name}=={pins[name]} 冲突：请运行 python run.py lock")
            chosen[name] = path
            extras = frozenset({""} | extras_of[name])
            frontier += [(r, extras) for r in _wheel_requires(path)]
    return chosen


def _resolve_newest(name: str, reqs: list[Requirement], target: Target) -> str:
    spec = ",".join(str(r.specifier) for r in reqs if str(r.specifier))
    with tempfile.TemporaryDirectory(prefix="kit-resolve-") as tmp:
        proc = _pip("download", "--no-deps", *target.pip_args(), "-d", tmp, f"{name}{spec}", capture=True)
        if proc.returncode != 0:
            raise KitError(f"{target.name}：找不到满足 {name}{spec} 的 wheel：\n{proc.stderr}")
        (path,) = Path(tmp).glob("*.whl")
        return str(parse_wheel_filename(path.name)[1])


def _check_pip_resolution(target: Target, wheels: Path) -> None:
    """pip's own resolver, exactly as the issue states the check: binary wheels only, for the target, with the
    lock as constraints. (pip judges markers by this machine; the marker-correct set is ``closure``.)"""
    with tempfile.TemporaryDirectory(prefix="kit-check-") as tmp:
        proc = _pip("download", *target.pip_args(), "-c", str(CONSTRAINTS), "--find-links", str(wheels),
                    "-d", tmp, f"{ROOT}[dev]", capture=True)
    if proc.returncode != 0:
        raise KitError(f"pip 无法为 {target.name} 解析固定的依赖集：\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


# ---------------------------------------------------------------- lock

def write_lock(wheels: Path) -> None:
    pins = _freeze()
    needed: dict[str, str] = {}
    for target in ALL_TARGETS:
        _say(f"==> 解析 {target.name}")
        for name in closure(target, pins, wheels, resolve_new=True):
            needed[name] = pins[name]
    lines = [
        "# The full pinned set, for every target of the offline kit (win_amd64 and manylinux x86_64, CPython 3.11/3.12).",
        "# Used as pip constraints by every install (python run.py setup/report/test/install) and by the kit.",
        "# Generated by `python run.py lock` from this venv's installed versions (pip list, without the project),",
        "# plus what only another target needs (its newest wheel then). Regenerate after changing pyproject.toml:",
        "#   python run.py setup && python run.py lock",
        "# Do not edit by hand.",
        *(f"{name}=={version}" for name, version in sorted(needed.items())),
    ]
    CONSTRAINTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _say(f"已写入 {CONSTRAINTS.name}：{len(needed)} 个包")


# ---------------------------------------------------------------- the kit

def _project_files() -> list[str]:
    proc = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True)
    if proc.returncode != 0:
        raise KitError("需要在 git 仓库中制作离线安装包（用 git ls-files 列出项目文件）")
    return [f for f in proc.stdout.decode("utf-8").split("\0") if f and (ROOT / f).is_file()]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _git_describe() -> str:
    proc = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return proc.stdout.strip() or "unknown"


def build_kit(out: Path, targets: list[Target], font_dir: Path, make_zip: bool) -> Path:
    out = out.resolve()
    wheels = out / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    pins = read_pins()
    used: set[Path] = set()
    per_target: dict[str, list[str]] = {}
    for target in targets:
        _say(f"==> {target.name}：按目标平台的环境标记收集 wheel")
        chosen = closure(target, pins, wheels, resolve_new=False)
        _check_pip_resolution(target, wheels)
        used.update(chosen.values())
        per_target[target.name] = sorted(p.name for p in chosen.values())
        _say(f"    {len(chosen)} 个包，pip 解析通过")
    for stale in set(wheels.glob("*.whl")) - used:  # left from an earlier build with other pins
        stale.unlink()

    project = out / "project"
    if project.exists():
        shutil.rmtree(project)
    for rel in _project_files():
        dest = project / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest)

    from pipeline.render.fonts import FONT_SOURCES  # the venv's project: which fonts setup-fonts prepares

    fonts = out / "fonts"
    if fonts.exists():
        shutil.rmtree(fonts)
    fonts.mkdir()
    for name in FONT_SOURCES:
        if not (font_dir / name).is_file():
            raise KitError(f"{font_dir} 中没有准备好的字体 {name}：请先运行 python run.py setup")
        shutil.copy2(font_dir / name, fonts / name)
    shutil.copy2(ROOT / "tools" / "kit_install.py", out / "install.py")
    shutil.copy2(ROOT / "tools" / "kit_README.txt", out / "README.txt")

    files = {p.relative_to(out).as_posix(): p for p in sorted(out.rglob("*"))
             if p.is_file() and p.name != "kit.json"}
    manifest = {
        "format": KIT_FORMAT,
        "project": PROJECT_NAME,
        "source": _git_describe(),
        "targets": {name: {"wheels": names} for name, names in per_target.items()},
        "fonts": dict(FONT_SOURCES),
        "size_bytes": sum(p.stat().st_size for p in files.values()),
        "files": {rel: _sha256(p) for rel, p in files.items() if not rel.startswith("project/")},
    }
    (out / "kit.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    size_mb = manifest["size_bytes"] / 1e6
    _say(f"离线安装包：{out}（{len(used)} 个 wheel，{size_mb:.0f} MB，目标 {', '.join(per_target)}）")
    if make_zip:
        archive = out.with_suffix(".zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:  # wheels are already compressed
            for path in sorted(out.rglob("*")):
                if path.is_file():
                    zf.write(path, Path(out.name) / path.relative_to(out))
        _say(f"压缩包：{archive}（{archive.stat().st_size / 1e6:.0f} MB）")
    return out


def _parse_targets(platforms: list[str] | None, pythons: list[str] | None) -> list[Target]:
    plats = platforms or list(_PLATFORMS)
    pys = pythons or list(PYTHONS)
    for p in plats:
        if p not in _PLATFORMS:
            raise KitError(f"未知平台 {p}（可选：{', '.join(_PLATFORMS)}）")
    for v in pys:
        if v not in PYTHONS:
            raise KitError(f"未知 Python 版本 {v}（可选：{', '.join(PYTHONS)}）")
    return [Target(p, v) for p in plats for v in pys]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="offline_kit")
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--fonts", type=Path, required=True)
    b.add_argument("--platform", action="append", choices=sorted(_PLATFORMS))
    b.add_argument("--python", action="append", choices=PYTHONS)
    b.add_argument("--zip", action="store_true")
    lk = sub.add_parser("lock")
    lk.add_argument("--wheels", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "build":
            build_kit(args.out, _parse_targets(args.platform, args.python), args.fonts, args.zip)
        else:
            args.wheels.mkdir(parents=True, exist_ok=True)
            write_lock(args.wheels)
    except KitError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    sys.exit(main())
