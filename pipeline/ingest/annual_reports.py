"""Institution annual reports (卫生资源与医疗服务调查年报) as read from `data/raw/annual/<年份>/`: the annual item
catalogue, the text CSV reader, numbers, the registry attributes and the same classification as the monthly data.
Used by the annual report and by QC rule W008 (the 12 monthly reports against the annual report)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipeline import CATALOGUE_DIR
from pipeline.catalogues import normalise_label
from pipeline.errors import UserError
from pipeline.ingest.codetables import canonical_registry
from pipeline.ingest.classify import (
    _classify,  # the same classification as the monthly data
)
from pipeline.io_utils import load_yaml

ITEMS_PATH = CATALOGUE_DIR / "annual_items.yaml"


def _yaml(path: Path) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"目录文件 {path.name} 无法读取：{exc}") from exc


@dataclass(frozen=True)
class ItemCatalogue:
    identity: tuple[str, ...]
    items: tuple[str, ...]
    labels: dict[str, str]  # id → Chinese label
    by_label: dict[str, str]  # normalised label or alias → id
    derived: tuple[dict[str, Any], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.items + tuple(d["id"] for d in self.derived)


@cache
def load_items(path: Path = ITEMS_PATH) -> ItemCatalogue:
    raw = _yaml(path)
    labels: dict[str, str] = {}
    by_label: dict[str, str] = {}
    for e in [*raw["identity"], *raw["items"], *raw.get("derived", [])]:
        labels[e["id"]] = e["label"]
        for text in (e["id"], e["label"], *e.get("aliases", [])):
            key = normalise_label(text)
            if key in by_label and by_label[key] != e["id"]:
                raise UserError(f"{path.name}：列名“{text}”同时对应 {by_label[key]} 和 {e['id']}")
            by_label[key] = e["id"]
    for e in raw["items"]:
        if e.get("kind") not in ("stock", "flow", "flag"):
            raise UserError(f"{path.name}：项目 {e['id']} 的 kind“{e.get('kind')}”无效（stock/flow/flag）")
    return ItemCatalogue(identity=tuple(e["id"] for e in raw["identity"]), items=tuple(e["id"] for e in raw["items"]),
                         labels=labels, by_label=by_label, derived=tuple(raw.get("derived", [])))


def read_text_csv(path: Path) -> pl.DataFrame:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_bytes().decode("gbk")
    try:
        return pl.read_csv(io.StringIO(text), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise UserError(f"文件 {path} 无法读取：{exc}") from exc


BLANKS = ("", "-", "—")  # an empty cell as the 年报 files write it


def parse_numbers(df: pl.DataFrame, columns: Sequence[str], path: Path, *, blank_is_zero: bool) -> pl.DataFrame:
    """Text columns → Float64: spaces stripped, thousands commas dropped, a blank ("", "-", "—") 0 or null; any other
    text that is not a number is a UserError naming the first such column and its value.

    Column by column on the Series (a DataFrame query per column cost more than the work). Most columns are plain
    numbers: when every non-null text already reads as a number, that reading is the answer (stripping spaces and
    commas cannot change a text that parses; tests/unit/test_annual_lookup.py checks this against the full path)."""
    parsed: list[pl.Series] = []
    for c in columns:
        source = df[c]
        if source.dtype == pl.Utf8:
            direct = source.cast(pl.Float64, strict=False)
            if direct.null_count() == source.null_count():
                parsed.append(direct)
                continue
        text = source.cast(pl.Utf8).str.strip_chars().str.replace_all(",", "", literal=True)
        value = text.cast(pl.Float64, strict=False)  # a blank is null here already
        if blank_is_zero:
            value = value.zip_with(~text.is_in(BLANKS).fill_null(False), pl.repeat(0.0, len(value), eager=True))
        bad = value.is_null() & source.is_not_null() & ~source.str.strip_chars().is_in(BLANKS)
        if bad.any():
            raise UserError(f"文件 {path}，列“{c}”有非数字的值：“{source.filter(bad)[0]}”")
        parsed.append(value.alias(c))
    return df.with_columns(parsed)


def read_registry(path: Path) -> pl.DataFrame:
    df = read_text_csv(path)
    need = ("org_code", "reg_type", "sponsor", "hospital_level")
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise UserError(f"机构名录 {path} 缺少列：{'、'.join(missing)}")
    df = df.select(pl.col("org_code").str.strip_chars().str.to_uppercase(),
                   *[pl.col(c).fill_null("").str.strip_chars() for c in need[1:]])
    return canonical_registry(df, path.name)


def read_institutions(path: Path, items: ItemCatalogue, registry: pl.DataFrame) -> pl.DataFrame:
    """One year's institution annual report: columns by id (or Chinese label), numbers, derived items,
    registry attributes and the classification columns used by the breakdowns."""
    df = read_text_csv(path)
    renames = {}
    for col in df.columns:
        target = items.by_label.get(normalise_label(col))
        if target is not None and target != col:
            renames[col] = target
    df = df.rename(renames)
    missing = [c for c in (*items.identity, *items.items) if c not in df.columns]
    if missing:
        labels = "、".join(f"{c}（{items.labels[c]}）" for c in missing)
        raise UserError(f"年报文件 {path} 缺少列：{labels}", hint="列名可用英文 id 或年报中文项目名，见 data/README.md 第 6.1 节")
    df = df.select(*items.identity, *items.items).with_columns(
        pl.col("org_code").str.strip_chars().str.to_uppercase(), pl.col("region_code").str.strip_chars(),
        pl.col("type_code").str.strip_chars().str.to_uppercase(),
    )
    df = parse_numbers(df, items.items, path, blank_is_zero=True)
    for d in items.derived:
        if "sum" in d:
            df = df.with_columns(pl.sum_horizontal([pl.col(c) for c in d["sum"]]).alias(d["id"]))
        else:
            df = df.with_columns(pl.lit(float(d.get("constant", 0))).alias(d["id"]))
    dupes = df.filter(pl.col("org_code").is_duplicated())["org_code"].unique().sort().to_list()
    if dupes:
        raise UserError(f"年报文件 {path} 中机构代码重复：{'、'.join(dupes[:5])}", hint="每家机构只能有一行年报")
    df = df.join(registry, on="org_code", how="left")
    unknown = df.filter(pl.col("reg_type").is_null())["org_code"].to_list()
    if unknown:
        raise UserError(f"年报文件 {path} 中有 {len(unknown)} 家机构不在机构名录中：{'、'.join(unknown[:5])}",
                        hint="请先把新机构补入 data/reference/registry.csv（登记注册类型、主办单位、医院等级）")
    classified, bad = _classify(df)
    if bad.height:
        raise UserError(f"年报文件 {path} 中有未知的机构类别代码：{'、'.join(sorted(set(bad['type_code'].to_list()))[:5])}",
                        hint="请在 pipeline/catalogues/institution_types.csv 中补充该代码")
    return classified


def read_report_items(path: Path, items: ItemCatalogue | None = None) -> pl.DataFrame:
    """The items of one year's institution annual report as numbers, one row per org_code, without registry
    attributes or classification (used by QC to compare with the monthly reports). Columns by id or Chinese label;
    only org_code is required, items missing from the file are left out, derived items are added when their
    parts are present."""
    cat = items or load_items()
    return report_items(read_text_csv(path), cat, str(path))


def report_items(df: pl.DataFrame, items: ItemCatalogue, source: str) -> pl.DataFrame:
    """Text columns of an annual report (as read from the CSV) → org_code and numeric item columns."""
    df = df.rename({c: items.by_label[normalise_label(c)] for c in df.columns
                    if items.by_label.get(normalise_label(c)) not in (None, c)})
    if "org_code" not in df.columns:
        raise UserError(f"年报文件 {source} 缺少列：org_code（{items.labels['org_code']}）",
                        hint="列名可用英文 id 或年报中文项目名，见 data/README.md 第 6.1 节")
    present = [c for c in items.items if c in df.columns]
    df = df.select("org_code", *present).with_columns(pl.col("org_code").str.strip_chars().str.to_uppercase())
    df = parse_numbers(df, present, Path(source), blank_is_zero=True)
    for d in items.derived:
        if "sum" in d and all(c in df.columns for c in d["sum"]):
            df = df.with_columns(pl.sum_horizontal([pl.col(c) for c in d["sum"]]).alias(d["id"]))
    dupes = df.filter(pl.col("org_code").is_duplicated())["org_code"].unique().sort().to_list()
    if dupes:
        raise UserError(f"年报文件 {source} 中机构代码重复：{'、'.join(dupes[:5])}", hint="每家机构只能有一行年报")
    return df
