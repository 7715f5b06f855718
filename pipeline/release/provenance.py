"""Provenance of a release: the git commit and the dvc.yaml/dvc.lock dependency graph (which stage produced an
output, its upstream stages, their real inputs and the params they ran with), recorded in each manifest.json."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.io_utils import load_yaml
from pipeline.release.manifest import sha256_bytes

_VAR_RE = re.compile(r"\$\{([^}]+)\}")



def git_info(root: Path) -> dict[str, str]:
    def git(*args: str) -> str | None:
        try:
            proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        except OSError:
            return None
        return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": "unknown"}
    info = {"commit": commit}
    when = git("log", "-1", "--format=%cI", "HEAD")
    if when:
        info["commit_time"] = when
    return info


@dataclass
class Stage:
    name: str
    deps: list[str]
    outs: list[str]
    params: list[str]


class DvcGraph:
    """The stages of dvc.yaml with `${...}` resolved from params.yaml (only to know where outs are)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.stages: dict[str, Stage] = {}
        self.lock: dict[str, Any] = {}
        self.lock_sha256: str | None = None
        self._producers: dict[str, str | None] = {}
        self._lock_without: dict[str | None, str] = {}
        dvc_yaml, params_yaml, lock = root / "dvc.yaml", root / "params.yaml", root / "dvc.lock"
        tree = load_yaml(params_yaml.read_text(encoding="utf-8")) if params_yaml.is_file() else {}
        self.params_tree: dict[str, Any] = tree or {}
        raw = load_yaml(dvc_yaml.read_text(encoding="utf-8")) if dvc_yaml.is_file() else {}
        for name, spec in ((raw or {}).get("stages") or {}).items():
            if not isinstance(spec, dict) or "foreach" in spec or "matrix" in spec:
                continue
            outs = [self._resolve(next(iter(o)) if isinstance(o, dict) else str(o)) for o in spec.get("outs") or []]
            params: list[str] = []
            for entry in spec.get("params") or []:
                if isinstance(entry, str):
                    params.append(entry)
                elif isinstance(entry, dict):
                    for keys in entry.values():
                        params.extend(keys or [])
            self.stages[name] = Stage(name, [self._resolve(str(d)) for d in spec.get("deps") or []], outs, params)
        if lock.is_file():
            data = lock.read_bytes()
            self.lock_sha256 = sha256_bytes(data)
            self.lock = (load_yaml(data) or {}).get("stages") or {}

    def param(self, dotted: str) -> Any:
        node: Any = self.params_tree
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def _resolve(self, text: str) -> str:
        return _VAR_RE.sub(lambda m: str(self.param(m.group(1).strip())), text).rstrip("/")

    def producer(self, path: str) -> str | None:
        # memoised: each of the 29 manifests walks the same upstream stages and asks about the same deps
        if path not in self._producers:
            self._producers[path] = next((stage.name for stage in self.stages.values() for out in stage.outs
                                          if path == out or path.startswith(out + "/")), None)
        return self._producers[path]

    def upstream(self, stage: str) -> list[str]:
        """The stage and every stage it depends on (through deps that are other stages' outs)."""
        seen: list[str] = []
        todo = [stage]
        while todo:
            name = todo.pop()
            if name in seen or name not in self.stages:
                continue
            seen.append(name)
            for dep in self.stages[name].deps:
                producer = self.producer(dep)
                if producer and producer != name:
                    todo.append(producer)
        return sorted(seen)

    def source_deps(self, stage: str) -> list[str]:
        """Deps of the stage and its upstream stages that no stage produces: the real inputs."""
        out: set[str] = set()
        for name in self.upstream(stage):
            out.update(dep for dep in self.stages[name].deps if self.producer(dep) is None)
        return sorted(out)

    def params_of(self, stage: str) -> dict[str, Any]:
        """The params the stage and its upstream stages declare, with the values DVC recorded in dvc.lock when it
        ran them (the values actually used); from params.yaml for a stage that has no lock entry yet."""
        out: dict[str, Any] = {}
        for name in self.upstream(stage):
            locked: dict[str, Any] = {}
            for values in ((self.lock.get(name) or {}).get("params") or {}).values():
                locked.update(values or {})
            for key in self.stages[name].params:
                out[key] = locked[key] if key in locked else self.param(key)
        return dict(sorted(out.items()))

    def lock_sha256_without(self, stage: str | None) -> str | None:
        """SHA-256 of dvc.lock's stage entries other than `stage` (canonical JSON). The release stage records this,
        not the file's hash: the file holds the release stage's own entry (the md5 of the index it wrote last
        time), so hashing the whole file would make each fresh release depend on the one before it."""
        if self.lock_sha256 is None:
            return None
        if stage not in self._lock_without:  # the same for every manifest of a release: computed once
            kept = {name: entry for name, entry in self.lock.items() if name != stage}
            self._lock_without[stage] = sha256_bytes(
                json.dumps(kept, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
        return self._lock_without[stage]

    def lock_entry_sha256(self, stage: str) -> str | None:
        entry = self.lock.get(stage)
        if entry is None:
            return None
        return sha256_bytes(json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))


def expand_dep(root: Path, rel: str) -> list[str]:
    path = root / rel
    if path.is_file():
        return [rel]
    if path.is_dir():
        files = []
        for p in sorted(path.rglob("*")):
            parts = p.relative_to(root).parts
            if p.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in parts):
                files.append(PurePosixPath(*parts).as_posix())
        return files
    return []
