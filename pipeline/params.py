"""Read the parameters a stage declares in dvc.yaml, and only those (params.yaml is the only knob)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import UserError
from pipeline.io_utils import load_yaml


def _load(path: Path) -> Any:
    if not path.is_file():
        raise UserError(f"找不到 {path.name}", hint="请在项目根目录（含 dvc.yaml 和 params.yaml 的目录）下运行")
    try:
        return load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"{path.name} 格式有误：{exc}", hint="请检查缩进和冒号（YAML 格式）") from exc


def declared_params(stage: str, root: Path = Path(".")) -> list[str]:
    """Dotted keys listed under `params:` of `stage` in dvc.yaml (foreach stages: their base name)."""
    stages = _load(root / "dvc.yaml").get("stages", {})
    if stage not in stages:
        raise UserError(f"dvc.yaml 中没有名为 {stage} 的阶段")
    keys: list[str] = []
    for entry in stages[stage].get("params", []) or []:
        if isinstance(entry, str):
            keys.append(entry)
        elif isinstance(entry, dict):  # {params_file: [keys]}
            for values in entry.values():
                keys.extend(values or [])
    return keys


def _get(tree: dict[str, Any], dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise UserError(f"params.yaml 中缺少参数 {dotted}", hint="请对照 README 补上该参数")
        node = node[part]
    return node


def read_params(stage: str, root: Path = Path(".")) -> dict[str, Any]:
    """{dotted key: value} for exactly the params `stage` declares — an undeclared key cannot sneak in."""
    tree = _load(root / "params.yaml")
    return {key: _get(tree, key) for key in declared_params(stage, root)}
