#!/usr/bin/env python3
"""一个入口，Windows 和 Linux 通用，不需要 make（只用 Python 标准库）。

    python run.py report                 安装（首次）并对示例城市运行整条流水线（dvc repro），打印报告所在目录
    python run.py test [pytest 参数]      安装（首次）并运行全部测试
    python run.py setup                  只安装：.venv、固定版本的依赖（constraints.txt）、中文字体、笔记本内核
    python run.py offline-kit [--out 目录] [--zip]   （能上网的机器）制作内网离线安装包
    python run.py install --from 离线安装包          （内网机）不联网安装，并对示例城市运行流水线
    python run.py lock                   （维护者）由当前 .venv 重新生成 constraints.txt

Every install is ``pip install -c constraints.txt -e .[dev]``: the lock pins the full transitive set, so a normal
install and a kit install get the same versions. The venv is re-installed when pyproject.toml or constraints.txt
change (their hash is kept in .venv/.installed).
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
IS_WINDOWS = os.name == "nt"
CONSTRAINTS = ROOT / "constraints.txt"
FONT_DIR = ROOT / ".cache" / "fonts"
STAMP = VENV / ".installed"
DEFAULT_KIT = ROOT / "dist" / "yueyang-offline-kit"
SUPPORTED_PYTHONS = ((3, 11), (3, 12))
# What `python -m pipeline setup-fonts` prepares in .cache/fonts (pipeline.render.fonts.FONT_FILENAMES; run.py is
# stdlib-only and cannot import it): sans Regular/Bold, the serif body face, the fallback for rare characters.
KIT_FONT_FILES = ("NotoSansSC-Regular.ttf", "NotoSansSC-Bold.ttf", "NotoSerifSC-Regular.otf", "HanaMinB.ttf")


class Failure(Exception):
    """A step failed; the message (Chinese) says what to do."""


def say(msg: str) -> None:
    print(msg, flush=True)


def venv_bin() -> Path:
    return VENV / ("Scripts" if IS_WINDOWS else "bin")


def venv_python() -> Path:
    return venv_bin() / ("python.exe" if IS_WINDOWS else "python")


def child_env(kit: Path | None = None) -> dict[str, str]:
    """The environment of every step: the venv first on PATH (dvc's stages call `python -m pipeline`),
    UTF-8 for files and pipes whatever the console's code page, Jupyter kernels looked up in the venv first."""
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = str(venv_bin()) + os.pathsep + env.get("PATH", "")
    env["PYTHONUTF8"] = "1"
    env["PYTHONIOENCODING"] = "utf-8:replace"
    env["JUPYTER_PREFER_ENV_PATH"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    if kit is not None:
        # Only the kit: no pip.conf of this machine (an intranet mirror, extra find-links), no cache, no index.
        for key in [k for k in env if k.upper().startswith("PIP_")]:
            del env[key]
        env["PIP_CONFIG_FILE"] = os.devnull
        env["PIP_NO_CACHE_DIR"] = "1"
        env["PIP_NO_INDEX"] = "1"
        env["PIP_FIND_LINKS"] = str(kit / "wheels")
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(args: list[str | Path], what: str, hint: str, *, kit: Path | None = None, quiet: bool = False) -> None:
    cmd = [str(a) for a in args]
    proc = subprocess.run(cmd, cwd=ROOT, env=child_env(kit), capture_output=quiet, text=True, encoding="utf-8",
                          errors="replace")
    if proc.returncode != 0:
        output = f"\n{proc.stdout}{proc.stderr}" if quiet else ""
        raise Failure(f"{what}失败（退出码 {proc.returncode}）。{hint}{output}")


def check_python() -> None:
    if sys.version_info[:2] not in SUPPORTED_PYTHONS:
        have = ".".join(map(str, sys.version_info[:3]))
        raise Failure(f"需要 Python 3.11 或 3.12（64 位），当前是 {have}。请安装 Python 3.12 后用它运行："
                      + ("py -3.12 run.py ..." if IS_WINDOWS else "python3.12 run.py ..."))
    if sys.maxsize <= 2**32:
        raise Failure("需要 64 位的 Python（当前是 32 位）。请从 python.org 安装 64 位的 Python 3.12。")


def _install_hash() -> str:
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", CONSTRAINTS):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _pin(name: str) -> str:
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        if line.lower().startswith(f"{name}=="):
            return line.strip()
    raise Failure(f"constraints.txt 中没有 {name} 的固定版本：请运行 python run.py lock")


def _kit_fonts(kit: Path) -> list[Path]:
    """The fonts the kit carries: those its kit.json lists under "fonts" (every file there is checked by SHA-256 before
    install), or, for a kit made before that list existed, every .ttf/.otf in its fonts/ folder."""
    manifest_path = kit / "kit.json"
    listed = json.loads(manifest_path.read_text(encoding="utf-8")).get("fonts") if manifest_path.is_file() else None
    if listed:
        return [kit / "fonts" / name for name in sorted(listed)]
    return sorted(p for p in (kit / "fonts").glob("*") if p.suffix.lower() in (".ttf", ".otf"))


def _copy_kit_fonts(kit: Path) -> None:
    """Put the kit's prepared fonts into .cache/fonts, so that setup-fonts finds them and an intranet PC never
    generates or downloads one (the fallback font for rare characters is downloaded otherwise)."""
    FONT_DIR.mkdir(parents=True, exist_ok=True)
    for font in _kit_fonts(kit):
        if not font.is_file():
            raise Failure(f"离线安装包中缺少字体 fonts/{font.name}：请重新拷贝整个离线安装包。")
        target = FONT_DIR / font.name
        if not target.is_file() or target.stat().st_size != font.stat().st_size:
            shutil.copyfile(font, target)


def _ensure_dvc_without_git() -> None:
    """dvc refuses to run outside a git repository unless told so; a kit install (often no git on the PC) is not
    one. The setting goes into .dvc/config.local, which git ignores."""
    if (ROOT / ".git").exists():
        return
    local = ROOT / ".dvc" / "config.local"
    if not local.is_file() or "no_scm" not in local.read_text(encoding="utf-8"):
        with local.open("a", encoding="utf-8") as fh:
            fh.write("[core]\n    no_scm = true\n")


def setup(kit: Path | None = None) -> None:
    """Create .venv, install the pinned set, register the kernel, prepare the fonts. Idempotent, quick when done."""
    check_python()
    _ensure_dvc_without_git()
    if not venv_python().is_file():
        say(f"==> 创建虚拟环境 {VENV.name}")
        run([sys.executable, "-m", "venv", VENV], "创建虚拟环境",
            "请确认 Python 安装完整（Windows 上安装时勾选 pip 和 venv；Debian/Ubuntu 上 apt-get install python3-venv）。")
    want = _install_hash()
    if not STAMP.is_file() or STAMP.read_text(encoding="utf-8").strip() != want:
        source = f"离线安装包 {kit}" if kit else "PyPI"
        say(f"==> 安装固定版本的依赖（constraints.txt，来源：{source}；首次约 1–2 分钟）")
        hint = ("请确认离线安装包完整，并且它包含本机的平台和 Python 版本（见 kit.json）。" if kit else
                "请检查能否访问 PyPI（或 pip 配置的镜像）；网络不通时请用离线安装包：python run.py install --from <离线安装包>。")
        pip = [venv_python(), "-m", "pip"]
        run([*pip, "install", "--quiet", _pin("pip")], "升级 pip", hint, kit=kit, quiet=True)
        run([*pip, "install", "--quiet", "-c", CONSTRAINTS, "-e", f"{ROOT}[dev]"], "安装依赖", hint, kit=kit,
            quiet=True)
        # The notebooks run on the kernel "python3": register it inside the venv, with the venv's own python,
        # so that a python3 kernel registered elsewhere on the PC (another Python, Anaconda) is not picked up.
        run([venv_python(), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3",
             "--display-name", "Python 3 (ipykernel)"], "注册笔记本内核", "请删除 .venv 目录后重试。", quiet=True)
        STAMP.write_text(want + "\n", encoding="utf-8")
    if kit is not None:
        _copy_kit_fonts(kit)
    if not all((FONT_DIR / name).is_file() for name in KIT_FONT_FILES):
        say("==> 准备中文字体（首次：生成黑体静态字体，下载生僻字补充字体约 22 MB；约 1 分钟）")
    run([venv_python(), "-m", "pipeline", "setup-fonts"], "准备中文字体",
        "请看下面的提示；字体文件损坏时删除 .cache/fonts 目录后重试。离线安装时请确认离线安装包的 fonts/ 中有"
        "四个字体文件（NotoSansSC-Regular.ttf、NotoSansSC-Bold.ttf、NotoSerifSC-Regular.otf、HanaMinB.ttf）。",
        quiet=True)


def _param(section: str | None, key: str) -> str:
    """A scalar of params.yaml (top level, or one level down), read without yaml: run.py is stdlib-only."""
    current = None
    for line in (ROOT / "params.yaml").read_text(encoding="utf-8").splitlines():
        match = re.match(r'^(\s*)([A-Za-z_]+):\s*"?([^"#\s]*)"?', line)
        if not match:
            continue
        indent, name, value = match.groups()
        if not indent:
            current = name
            if section is None and name == key:
                return value
        elif current == section and name == key:
            return value
    return ""


def report(kit: Path | None = None) -> None:
    setup(kit)
    say("==> 运行流水线（dvc repro）")
    run([venv_python(), "-m", "dvc", "repro"], "运行流水线（dvc repro）",
        "请看上面的中文提示（文件、工作表、行、列和处理办法）；改正输入后重新运行 python run.py report。")
    period, year = _param(None, "period"), _param("annual", "year")
    candidates = [("全市月报", Path("reports", "monthly", period)),
                  ("各县市区月报", Path("reports", "county", period)),
                  ("数据质量通报", Path("reports", "qc", period)),
                  ("人均预期寿命测算", Path("reports", "life_expectancy", _param("life_expectancy", "year"))),
                  ("统计报告及提要", Path("reports", "annual", year)),
                  ("发布目录", Path("releases", "index.html"))]
    say("==> 完成。报告在：")
    for label, rel in candidates:
        if (ROOT / rel).exists():
            say(f"    {label}：{ROOT / rel}")


def test(pytest_args: list[str]) -> int:
    setup()
    say("==> 运行测试（pytest）")
    return subprocess.call([str(venv_python()), "-m", "pytest", *pytest_args], cwd=ROOT, env=child_env())


def _read_kit(kit: Path) -> dict:
    manifest_path = kit / "kit.json"
    if not manifest_path.is_file():
        raise Failure(f"{kit} 不是离线安装包（没有 kit.json）。请指向解压后的离线安装包文件夹。")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    say("==> 核对离线安装包（SHA-256）")
    bad = []
    for rel, want in manifest["files"].items():
        path = kit / Path(*rel.split("/"))
        if not path.is_file():
            bad.append(f"缺少 {rel}")
            continue
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != want:
            bad.append(f"已损坏 {rel}")
    if bad:
        raise Failure("离线安装包不完整，请重新拷贝整个文件夹（或重新解压 zip）：\n  " + "\n  ".join(bad[:20]))
    here = f"{'win_amd64' if IS_WINDOWS else 'manylinux_x86_64'}-cp{sys.version_info[0]}{sys.version_info[1]}"
    if here not in manifest["targets"]:
        raise Failure(f"这个离线安装包不包含本机（{here}）的依赖，只有：{'、'.join(manifest['targets'])}。"
                      "请用其中列出的 Python 版本运行，或在能上网的机器上重新制作（python run.py offline-kit）。")
    return manifest


def install(kit: Path) -> None:
    kit = kit.resolve()
    check_python()
    _read_kit(kit)
    report(kit)


def offline_kit(out: Path, zip_too: bool, platforms: list[str], pythons: list[str]) -> None:
    setup()
    fonts = FONT_DIR
    args: list[str | Path] = [venv_python(), ROOT / "tools" / "offline_kit.py", "build", "--out", out.resolve(),
                              "--fonts", fonts]
    for p in platforms:
        args += ["--platform", p]
    for v in pythons:
        args += ["--python", v]
    if zip_too:
        args.append("--zip")
    run(args, "制作离线安装包", "请检查能否访问 PyPI；看上面 pip 的提示。")


def lock() -> None:
    setup()
    run([venv_python(), ROOT / "tools" / "offline_kit.py", "lock", "--wheels", ROOT / ".cache" / "lock-wheels"],
        "生成 constraints.txt", "请检查能否访问 PyPI；看上面 pip 的提示。")


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a GBK console cannot show every character: replace, never crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = argparse.ArgumentParser(prog="python run.py", description="岳阳市卫生健康统计流水线：安装、运行、测试、离线安装包")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")
    sub.add_parser("setup", help="只安装（.venv、依赖、字体、笔记本内核）")
    sub.add_parser("report", help="安装并运行整条流水线（dvc repro），打印报告所在目录")
    t = sub.add_parser("test", help="安装并运行全部测试（其余参数交给 pytest）")
    t.add_argument("pytest_args", nargs=argparse.REMAINDER)
    k = sub.add_parser("offline-kit", help="制作内网离线安装包（需要能访问 PyPI）")
    k.add_argument("--out", type=Path, default=DEFAULT_KIT, help=f"输出目录（默认 {DEFAULT_KIT.relative_to(ROOT)}）")
    k.add_argument("--zip", action="store_true", help="另外生成同名 .zip")
    k.add_argument("--platform", action="append", default=[], choices=["win_amd64", "manylinux_x86_64"],
                   help="只做某个平台（可重复；默认全部）")
    k.add_argument("--python", action="append", default=[], choices=["3.11", "3.12"],
                   help="只做某个 Python 版本（可重复；默认全部）")
    i = sub.add_parser("install", help="从离线安装包安装（不联网），并运行示例城市")
    i.add_argument("--from", dest="kit", type=Path, required=True, help="离线安装包文件夹")
    sub.add_parser("lock", help="由当前 .venv 重新生成 constraints.txt（需要能访问 PyPI）")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["test"]:  # everything after "test" goes to pytest as is, options (-x, -k) included
        args = argparse.Namespace(command="test", pytest_args=argv[1:])
    else:
        args = parser.parse_args(argv)
    try:
        if args.command == "setup":
            setup()
        elif args.command == "report":
            report()
        elif args.command == "test":
            return test(args.pytest_args)
        elif args.command == "offline-kit":
            offline_kit(args.out, args.zip, args.platform, args.python)
        elif args.command == "install":
            install(args.kit)
        elif args.command == "lock":
            lock()
    except Failure as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
