"""Load and validate the data catalogues (items, classification, breakdowns, indicators)."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline import CATALOGUE_DIR
from pipeline.errors import UserError
from pipeline.io_utils import read_yaml

ITEM_KINDS = {"stock", "flow"}
CHANGE_KINDS = {"pct", "pp", "diff"}
BREAKDOWN_FIELDS = {"type_group", "type_sub", "ownership", "govt_run", "level_class", "tcm"}


def _load_yaml(path: Path) -> Any:
    return read_yaml(path)


UNIT_SUFFIXES = ("千元", "万元", "元", "人", "张", "人次", "床日", "个", "次", "日")


def split_unit(text: object) -> tuple[str, str | None]:
    """('医疗收入', '元') from '医疗收入（元）': full-width → half-width (NFKC), no spaces, unit taken off."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = "".join(value.split())
    for unit in UNIT_SUFFIXES:
        if value.endswith(f"({unit})"):
            return value[: -len(unit) - 2], unit
    return value, None


def normalise_label(text: object) -> str:
    """Normalise a header label: full-width → half-width (NFKC), no spaces, no unit suffix in brackets."""
    return split_unit(text)[0]


@dataclass(frozen=True)
class Item:
    id: str
    label: str
    aliases: tuple[str, ...]
    kind: str = "flow"
    unit: str = ""
    group: str = ""
    required: bool = True
    identity: bool = False


@dataclass(frozen=True)
class ItemCatalogue:
    identity: tuple[Item, ...]
    items: tuple[Item, ...]
    by_label: dict[str, str] = field(repr=False)
    total_words: tuple[str, ...] = ("合计", "小计")
    money_units: dict[str, float] = field(default_factory=lambda: {"千元": 1.0})

    @property
    def all(self) -> tuple[Item, ...]:
        return self.identity + self.items

    def item(self, item_id: str) -> Item:
        for it in self.all:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    @property
    def stock_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items if i.kind == "stock")

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    def match(self, label: object) -> str | None:
        return self.by_label.get(normalise_label(label))


@lru_cache(maxsize=None)
def items(path: Path = CATALOGUE_DIR / "items.yaml") -> ItemCatalogue:
    raw = _load_yaml(path)
    ident = tuple(
        Item(id=e["id"], label=e["label"], aliases=tuple(e.get("aliases", [])), kind="id",
             required=bool(e.get("required", True)), identity=True)
        for e in raw["identity"]
    )
    its = tuple(
        Item(id=e["id"], label=e["label"], aliases=tuple(e.get("aliases", [])), kind=e["kind"],
             unit=e.get("unit", ""), group=e.get("group", ""), required=bool(e.get("required", False)))
        for e in raw["items"]
    )
    by_label: dict[str, str] = {}
    for it in ident + its:
        if it.kind not in ITEM_KINDS | {"id"}:
            raise UserError(f"items.yaml：项目 {it.id} 的 kind“{it.kind}”无效（应为 stock 或 flow）")
        for label in (it.label, *it.aliases):
            key = normalise_label(label)
            if key in by_label and by_label[key] != it.id:
                raise UserError(f"items.yaml：列名“{label}”同时映射到 {by_label[key]} 和 {it.id}")
            by_label[key] = it.id
    return ItemCatalogue(identity=ident, items=its, by_label=by_label,
                         total_words=tuple(normalise_label(w) for w in raw.get("header_total_words", ["合计"])),
                         money_units={str(k): float(v) for k, v in (raw.get("money_units") or {"千元": 1}).items()})


@dataclass(frozen=True)
class Classification:
    public_label: str
    private_label: str
    public_reg_types: tuple[str, ...]
    government_sponsors: tuple[str, ...]
    level_prefixes: tuple[str, ...]
    unrated_label: str
    tcm_subtypes: tuple[str, ...]


@lru_cache(maxsize=None)
def classification(path: Path = CATALOGUE_DIR / "classification.yaml") -> Classification:
    raw = _load_yaml(path)
    return Classification(
        public_label=raw["ownership"]["public_label"],
        private_label=raw["ownership"]["private_label"],
        public_reg_types=tuple(raw["ownership"]["public_reg_types"]),
        government_sponsors=tuple(raw["government_sponsors"]),
        level_prefixes=tuple(raw["hospital_levels"]["prefixes"]),
        unrated_label=raw["hospital_levels"]["unrated_label"],
        tcm_subtypes=tuple(raw["tcm_subtypes"]),
    )


@dataclass(frozen=True)
class InstitutionType:
    type_code: str
    type_name: str
    type_group: str
    type_sub: str
    files_monthly: bool


@lru_cache(maxsize=None)
def institution_types(path: Path = CATALOGUE_DIR / "institution_types.csv") -> dict[str, InstitutionType]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, InstitutionType] = {}
    for row in rows:
        code = row["type_code"].strip()
        out[code] = InstitutionType(
            type_code=code,
            type_name=row["type_name"].strip(),
            type_group=row["type_group"].strip(),
            type_sub=(row.get("type_sub") or "").strip(),
            files_monthly=(row.get("files_monthly") or "").strip().lower() in {"true", "1", "是", "yes"},
        )
    return out


def lookup_type(code: str, table: dict[str, InstitutionType] | None = None) -> InstitutionType | None:
    """Exact WS 218 code, else the longest catalogued prefix (A519 → A5 if only A5 is listed)."""
    table = institution_types() if table is None else table
    code = code.strip().upper()
    for end in range(len(code), 0, -1):
        hit = table.get(code[:end])
        if hit is not None:
            return hit
    return None


@dataclass(frozen=True)
class Breakdown:
    id: str
    label: str
    depth: int
    where: dict[str, tuple[Any, ...]]
    extra: bool = False  # an extra view (中医类, 综合医院): not in the default type tree


@lru_cache(maxsize=None)
def breakdowns(path: Path = CATALOGUE_DIR / "breakdowns.yaml") -> tuple[Breakdown, ...]:
    raw = _load_yaml(path)["breakdowns"]
    out = []
    seen: set[str] = set()
    for e in raw:
        where = {k: tuple(v) for k, v in (e.get("where") or {}).items()}
        unknown = set(where) - BREAKDOWN_FIELDS
        if unknown:
            raise UserError(f"breakdowns.yaml：分组 {e['id']} 使用了未知字段 {sorted(unknown)}")
        if e["id"] in seen:
            raise UserError(f"breakdowns.yaml：分组 id {e['id']} 重复")
        seen.add(e["id"])
        out.append(Breakdown(id=e["id"], label=e["label"], depth=int(e.get("depth", 0)), where=where,
                             extra=bool(e.get("extra", False))))
    return tuple(out)


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    unit: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    scale: float = 1.0
    divide_by_days: bool = False
    per_population: bool = False
    divide_by_working_days: bool = False
    multiply_by_days: bool = False
    decimals: int = 0
    change: str = "pct"
    change_unit: str = ""
    note: str = ""
    change_decimals_override: int | None = None
    average_denominator: bool = False  # stock denominator as (期初 + 期末) / 2 (平均执业(助理)医师数)
    scope: str = "月报机构口径"
    data_source: str = "国家卫生统计网络直报系统医疗卫生机构月报"

    @property
    def change_decimals(self) -> int:
        """Decimals of the change: growth rates 1; 百分点 the indicator's own (at least 1); differences the
        indicator's own (病床周转次数 2); a catalogue `change_decimals` overrides."""
        if self.change_decimals_override is not None:
            return self.change_decimals_override
        if self.change == "pct":
            return 1
        if self.change == "pp":
            return max(1, self.decimals)
        return self.decimals

    @property
    def change_label(self) -> str:
        return {"pct": "%", "pp": "百分点"}.get(self.change, self.change_unit)


@lru_cache(maxsize=None)
def indicators(path: Path = CATALOGUE_DIR / "indicators.yaml") -> tuple[Indicator, ...]:
    from pipeline import scopes

    doc = _load_yaml(path)
    raw = doc["indicators"]
    defaults = {k: str(v) for k, v in (doc.get("defaults") or {}).items() if k in ("scope", "data_source")}
    known = set(items().item_ids)
    out = []
    for e in raw:
        ind = Indicator(
            id=e["id"], name=e["name"], unit=e.get("unit", ""),
            numerator=tuple(e["numerator"]), denominator=tuple(e.get("denominator") or ()),
            scale=float(e.get("scale", 1)), divide_by_days=bool(e.get("divide_by_days", False)),
            per_population=bool(e.get("per_population", False)),
            divide_by_working_days=bool(e.get("divide_by_working_days", False)),
            multiply_by_days=bool(e.get("multiply_by_days", False)), decimals=int(e.get("decimals", 0)),
            change=e.get("change", "pct"), change_unit=e.get("change_unit", ""), note=e.get("note", ""),
            average_denominator=bool(e.get("average_denominator", False)),
            change_decimals_override=None if e.get("change_decimals") is None else int(e["change_decimals"]),
            **{**defaults, **{k: str(e[k]) for k in ("scope", "data_source") if e.get(k)}},
        )
        scopes.scope(ind.scope, where=f"{path.name}：指标 {ind.id}")
        missing = set(ind.numerator + ind.denominator) - known
        if missing:
            raise UserError(f"indicators.yaml：指标 {ind.id} 引用了未知项目 {sorted(missing)}")
        if ind.change not in CHANGE_KINDS:
            raise UserError(f"indicators.yaml：指标 {ind.id} 的 change“{ind.change}”无效")
        out.append(ind)
    return tuple(out)


def indicator(indicator_id: str) -> Indicator:
    for ind in indicators():
        if ind.id == indicator_id:
            return ind
    raise KeyError(indicator_id)
