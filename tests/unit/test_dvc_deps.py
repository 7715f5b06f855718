"""Every stage of dvc.yaml depends on the code it runs: editing a module reruns the stages that import it.

The code a stage runs is found the way Python would find it: the CLI command named in the stage's ``cmd``
(``python -m pipeline <command>``), the notebooks the stage lists, and every ``pipeline`` module those import,
followed transitively. Each such file must be covered by one of the stage's ``deps`` (the file itself or a folder
above it). The CLI module itself and the package face are left out: every command lives in ``cli.py``, and
listing it would rerun every stage on any edit of any command's help text.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pipeline"
SKIP = {"pipeline", "pipeline.cli", "pipeline.__main__"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imported(nodes: list[ast.AST]) -> set[str]:
    """The pipeline modules named by the import statements among ``nodes`` (and inside them)."""
    found: set[str] = set()
    for top in nodes:
        for node in ast.walk(top):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if name in MODULES:
                    found.add(name)
                    # importing pipeline.a.b runs pipeline/a/__init__.py too
                    parts = name.split(".")
                    found.update(".".join(parts[:i]) for i in range(2, len(parts)) if ".".join(parts[:i]) in MODULES)
    return found


def _closure(start: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = sorted(start)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
        todo.extend(sorted(_imported([tree]) - seen))
    return seen - SKIP


def _command_imports(command: str) -> set[str]:
    """The modules the CLI function for ``command`` imports (in its body, plus the CLI module's own imports)."""
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            if (isinstance(deco, ast.Call) and deco.args and isinstance(deco.args[0], ast.Constant)
                    and deco.args[0].value == command):
                helpers = _local_helpers(tree, node)
                return _imported([node, *helpers, *top_level])
    raise AssertionError(f"dvc.yaml names a command the CLI does not have: {command}")


def _local_helpers(tree: ast.Module, function: ast.FunctionDef) -> list[ast.FunctionDef]:
    """Module-level functions of cli.py that ``function`` calls (one level: ``_export_apparatus`` and the like)."""
    defined = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    called = {n.func.id for n in ast.walk(function) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return [defined[name] for name in sorted(called) if name in defined and name != function.name]


def _stages() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


def _covered(path: Path, deps: list[str]) -> bool:
    rel = path.relative_to(ROOT).as_posix()
    return any(rel == d or rel.startswith(d.rstrip("/") + "/") for d in deps)


def _stage_code(stage: str) -> tuple[set[str], list[str]]:
    """The pipeline modules a stage runs, and its deps."""
    spec = _stages()[stage]
    words = spec["cmd"].split()
    assert words[:3] == ["python", "-m", "pipeline"], f"{stage}: the command is not `python -m pipeline …`"
    deps = [str(d) for d in spec.get("deps", [])]
    start = _command_imports(words[3])
    for dep in deps:
        if dep.startswith("notebooks/") and dep.endswith(".py"):
            start |= _imported([ast.parse((ROOT / dep).read_text(encoding="utf-8"))])
    return _closure(start), deps


@pytest.mark.parametrize("stage", sorted(_stages()))
def test_stage_depends_on_the_code_it_runs(stage: str) -> None:
    code, deps = _stage_code(stage)
    assert code, f"{stage}: found no code (the test would pass vacuously)"
    missing = sorted(MODULES[name].relative_to(ROOT).as_posix() for name in code if not _covered(MODULES[name], deps))
    assert missing == [], f"{stage}: dvc.yaml deps lack code the stage runs"


def test_the_finder_sees_a_real_stage_s_code() -> None:
    """The monthly report runs the indicator formatting and the renderer: the finder must see both."""
    code, deps = _stage_code("monthly_report")
    assert {"pipeline.monthly.report", "pipeline.fmt", "pipeline.render", "pipeline.qc.checks"} <= code
    assert not _covered(MODULES["pipeline.release.publish"], deps)  # and it is not everything
