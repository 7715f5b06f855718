"""The QC rule catalogue (``catalogues/qc_rules.yaml``): rules, registry checks, parameter validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipeline import catalogues
from pipeline.errors import UserError
from pipeline.ingest import annual_reports
from pipeline.io_utils import load_yaml
from pipeline.qc.common import REGISTRY_CHECK_NAMES, RULES_PATH, SCOPE_FIELDS, SEVERITIES

# ============================================================================ catalogue


@dataclass(frozen=True)
class RegistryCheck:
    id: str
    check: str
    severity: str
    message: str


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    kind: str
    message: str
    scope: tuple[tuple[str, tuple[str, ...]], ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    note: str = ""

    def items(self, key: str) -> tuple[str, ...]:
        value = self.params[key]
        return (value,) if isinstance(value, str) else tuple(value)

    def number(self, key: str, default: float | None = None) -> float:
        value = self.params.get(key, default)
        if value is None:
            raise KeyError(key)
        return float(value)


@dataclass(frozen=True)
class RuleCatalogue:
    rules: tuple[Rule, ...]
    checks: Mapping[str, RegistryCheck]  # by check name (漏报, 迟报, …)

    @property
    def enabled(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.enabled)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


COMMON_KEYS = {"id", "title", "severity", "kind", "message", "scope", "enabled", "note"}
# kind → (required parameters, optional parameters)
KIND_PARAMS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "nonneg": (frozenset({"items"}), frozenset()),
    "le": (frozenset({"left", "right"}), frozenset({"factor", "tolerance", "times_days"})),
    "ge": (frozenset({"left", "right"}), frozenset({"factor", "tolerance", "times_days"})),
    "zero_if_zero": (frozenset({"when", "items"}), frozenset()),
    "band": (frozenset({"numerator", "denominator", "bands"}), frozenset({"scale", "min_denominator"})),
    "change": (frozenset({"items", "base", "max_pct"}), frozenset({"min_base"})),
    "unit_jump": (frozenset({"items", "factor", "low_ratio", "high_ratio"}),
                  frozenset({"history_months", "min_history"})),
    "annual_sum": (frozenset({"pairs", "tolerance"}), frozenset({"min_diff"})),
}
ANNUAL_KINDS = frozenset({"annual_sum"})  # kinds that need the institution annual reports (RuleContext.annual)
ANNUAL_FILE = "annual_report.csv"
ITEM_PARAMS = ("items", "left", "right", "when", "numerator", "denominator")
CHANGE_BASES = {"previous_month": -1, "same_month_last_year": -12}


def _catalogue_error(rule_id: str, text: str) -> UserError:
    return UserError(f"qc_rules.yaml：规则 {rule_id} {text}", hint="请对照 qc_rules.yaml 开头的说明修改该条规则")


def _parse_scope(rule_id: str, raw: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise _catalogue_error(rule_id, "的 scope/where 应为“字段: [取值, …]”")
    unknown = set(raw) - set(SCOPE_FIELDS)
    if unknown:
        raise _catalogue_error(rule_id, f"的 scope/where 使用了未知字段 {sorted(unknown)}（可用：{'、'.join(SCOPE_FIELDS)}）")
    return tuple((k, tuple(str(v) for v in (raw[k] if isinstance(raw[k], list) else [raw[k]]))) for k in sorted(raw))


def _validate_items(rule_id: str, params: Mapping[str, Any]) -> None:
    known = set(catalogues.items().item_ids)
    for key in ITEM_PARAMS:
        if key not in params:
            continue
        names = [params[key]] if isinstance(params[key], str) else list(params[key])
        unknown = [n for n in names if n not in known]
        if unknown or not names:
            raise _catalogue_error(rule_id, f"的 {key} 引用了未知项目 {unknown}（项目 id 见 items.yaml）")


def _validate_pairs(rule_id: str, pairs: Any) -> None:
    """pairs: monthly item id (items.yaml, a flow) → annual item id (annual_items.yaml)."""
    if not isinstance(pairs, dict) or not pairs:
        raise _catalogue_error(rule_id, "的 pairs 应为非空的“月报项目 id: 年报项目 id”")
    monthly = {it.id: it for it in catalogues.items().items}
    annual_ids = set(annual_reports.load_items().columns)
    bad_monthly = [m for m in pairs if m not in monthly or monthly[m].kind != "flow"]
    if bad_monthly:
        raise _catalogue_error(rule_id, f"的 pairs 引用了未知或非累计（flow）的月报项目 {bad_monthly}（见 items.yaml）")
    bad_annual = [str(a) for a in pairs.values() if a not in annual_ids]
    if bad_annual:
        raise _catalogue_error(rule_id, f"的 pairs 引用了未知的年报项目 {bad_annual}（见 annual_items.yaml）")


def _validate_bands(rule_id: str, bands: Any) -> None:
    if not isinstance(bands, list) or not bands:
        raise _catalogue_error(rule_id, "的 bands 应为非空列表")
    for band in bands:
        if not {"low", "high", "label"} <= set(band) or float(band["low"]) > float(band["high"]):
            raise _catalogue_error(rule_id, f"的区间 {band} 须有 label、low、high 且 low ≤ high")
        _parse_scope(rule_id, band.get("where"))


def _validate_params(rule: Rule) -> None:
    if rule.kind not in KIND_PARAMS:
        if rule.enabled:
            raise _catalogue_error(rule.id, f"的类型“{rule.kind}”没有实现（可用：{'、'.join(sorted(KIND_PARAMS))}）")
        return  # a disabled rule may wait for its kind (e.g. the annual-report comparison)
    required, optional = KIND_PARAMS[rule.kind]
    missing = required - set(rule.params)
    extra = set(rule.params) - required - optional
    if missing:
        raise _catalogue_error(rule.id, f"缺少参数 {sorted(missing)}")
    if extra:
        raise _catalogue_error(rule.id, f"有未知参数 {sorted(extra)}")
    _validate_items(rule.id, rule.params)
    if rule.kind == "band":
        _validate_bands(rule.id, rule.params["bands"])
    if rule.kind == "annual_sum":
        _validate_pairs(rule.id, rule.params["pairs"])
    if rule.kind == "change" and rule.params["base"] not in CHANGE_BASES:
        raise _catalogue_error(rule.id, f"的 base 应为 {'、'.join(CHANGE_BASES)}")


def _parse_rule(raw: Mapping[str, Any]) -> Rule:
    rule_id = str(raw.get("id", "?"))
    missing = [k for k in ("id", "title", "severity", "kind", "message") if not raw.get(k)]
    if missing:
        raise _catalogue_error(rule_id, f"缺少 {missing}")
    severity = str(raw["severity"])
    if severity not in SEVERITIES or rule_id[:1] != {"FAIL": "E", "WARN": "W"}[severity]:
        raise _catalogue_error(rule_id, "的 severity 应为 FAIL（编号以 E 开头）或 WARN（编号以 W 开头）")
    enabled = bool(raw.get("enabled", True))
    if not enabled and not raw.get("note"):
        raise _catalogue_error(rule_id, "已停用（enabled: false），须在 note 中说明原因")
    rule = Rule(
        id=rule_id, title=str(raw["title"]), severity=severity, kind=str(raw["kind"]), message=str(raw["message"]),
        scope=_parse_scope(rule_id, raw.get("scope")), enabled=enabled, note=str(raw.get("note", "")),
        params={k: v for k, v in raw.items() if k not in COMMON_KEYS},
    )
    _validate_params(rule)
    return rule


def _parse_checks(raw: Any) -> dict[str, RegistryCheck]:
    checks = {}
    for entry in raw or []:
        check = RegistryCheck(id=str(entry["id"]), check=str(entry["check"]), severity=str(entry["severity"]),
                              message=str(entry["message"]))
        checks[check.check] = check
    missing = set(REGISTRY_CHECK_NAMES) - set(checks)
    if missing:
        raise UserError(f"qc_rules.yaml：registry_checks 缺少 {sorted(missing)}")
    return checks


@lru_cache(maxsize=None)
def load_rules(path: Path = RULES_PATH) -> RuleCatalogue:
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"质控规则目录 {path.name} 无法读取：{exc}") from exc
    rules = tuple(_parse_rule(entry) for entry in raw.get("rules") or [])
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise UserError(f"qc_rules.yaml：规则编号重复 {dupes}")
    return RuleCatalogue(rules=rules, checks=_parse_checks(raw.get("registry_checks")))


