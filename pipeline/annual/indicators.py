"""年度指标（annual_report 阶段）：机构年报与其他年度数据 → 全年指标整齐表，由年度指标目录驱动。

* The catalogue ``pipeline/catalogues/annual_indicators.yaml`` is the single place for formulas: an
  annual indicator either names a monthly indicator (``like:``, same formula from ``indicators.yaml``)
  or is written in the same schema; every value goes through :func:`pipeline.indicators.indicator_expr`
  (ratios from summed numerators and denominators; ``D`` = the days of the year; stocks are year-end
  values). Extras are data too: ``per_working_day``, ``deflate`` (可比价格), ``share_of``, and a named
  ``method`` for the WHO premature-mortality probability (:mod:`pipeline.mortality`).
* Institution rows are classified exactly as in ingest (the registry gives 登记注册类型、主办单位、医院等级)
  and summed per breakdown × region on a complete grid (zero where a county has no such institution).
* Every year from the plans' baseline years (``catalogues/plans.yaml``) to the report year is computed, so
  the plan monitoring and the five-year trends come from the same table; only the report year's inputs are
  required (:func:`check_inputs` lists every missing one), earlier years are used when present.
"""

from __future__ import annotations

import calendar
import csv
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipeline import CATALOGUE_DIR, catalogues, scopes
from pipeline.annual import comparison as comparison_mod
from pipeline.annual import plans as plans_mod
from pipeline.annual import targets as targets_mod
from pipeline.annual.evaluate import evaluate, evaluate_many, premature_ncd
from pipeline.annual.readers import (
    Source,
    institution_aggregates,
    price_levels,
    read_age_sex_source,
    read_cpi,
    read_life_expectancy,
    read_region_source,
)
from pipeline.catalogues import Breakdown, Indicator
from pipeline.errors import UserError
from pipeline.ingest.annual_reports import (
    ITEMS_PATH,
    ItemCatalogue,
    load_items,
    read_institutions,
    read_registry,
)
from pipeline.io_utils import load_yaml
from pipeline.monthly.indicators import (
    CITY_LEVEL,
    Regions,
    change_expr,
    load_population,
    load_regions,
    population_for,
)
from pipeline.workdays import NATIONAL_WORKING_DAYS, load_calendar, parse_convention, year_working_days

STAGE = "annual_report"
RAW_DIR = Path("data/raw/annual")
REFERENCE_DIR = Path("data/reference")
CATALOGUE_PATH = CATALOGUE_DIR / "annual_indicators.yaml"
SOURCE_KINDS = ("institutions", "regions", "age_sex", "life_expectancy")
ANNUAL_BREAKDOWN_FIELDS = catalogues.BREAKDOWN_FIELDS | {"type_code"}
INSTITUTIONS = "institutions"
LIFE_SUMMARY = "summary.csv"


# ---------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class AnnualIndicator:
    ind: Indicator
    source: str = INSTITUTIONS
    breakdown: str = "total"
    deflate: bool = False
    share_of: str | None = None
    method: str | None = None
    causes: tuple[str, ...] = ()
    better: str | None = None  # higher | lower
    change_words: tuple[str, str] | None = None
    like: str | None = None

    @property
    def id(self) -> str:
        return self.ind.id

    @property
    def name(self) -> str:
        return self.ind.name

    @property
    def unit(self) -> str:
        return self.ind.unit

    @property
    def decimals(self) -> int:
        return self.ind.decimals


@dataclass(frozen=True)
class AnnualCatalogue:
    sources: dict[str, Source]
    breakdowns: tuple[Breakdown, ...]
    indicators: tuple[AnnualIndicator, ...]
    items: ItemCatalogue

    def indicator(self, indicator_id: str) -> AnnualIndicator:
        for ai in self.indicators:
            if ai.id == indicator_id:
                return ai
        raise KeyError(indicator_id)

    def breakdown(self, breakdown_id: str) -> Breakdown:
        for b in self.breakdowns:
            if b.id == breakdown_id:
                return b
        raise KeyError(breakdown_id)


def _yaml(path: Path) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"目录文件 {path.name} 无法读取：{exc}") from exc


_INDICATOR_FIELDS = {f.name for f in dataclasses.fields(Indicator)}
_EXTRA_FIELDS = {"source", "breakdown", "deflate", "share_of", "method", "causes", "better", "change_words", "like"}
METHODS = ("premature_ncd",)


@cache
def load_catalogue(path: Path = CATALOGUE_PATH, items_path: Path = ITEMS_PATH) -> AnnualCatalogue:
    """Read and validate the annual catalogue (sources, extra breakdowns, indicators)."""
    raw = _yaml(path)
    items = load_items(items_path)
    sources: dict[str, Source] = {}
    for sid, e in raw["sources"].items():
        src = Source(id=sid, label=e.get("label", sid), kind=e["kind"], file=e.get("file"), city=e.get("city", "sum"),
                     columns=tuple(e.get("columns") or (items.columns if e["kind"] == INSTITUTIONS else ())),
                     required=bool(e.get("required", True)), scope=e.get("scope", "年报全口径"))
        if src.kind not in SOURCE_KINDS:
            raise UserError(f"{path.name}：来源 {sid} 的 kind“{src.kind}”无效（可选：{'、'.join(SOURCE_KINDS)}）")
        if src.city not in ("sum", "given"):
            raise UserError(f"{path.name}：来源 {sid} 的 city 只能是 sum 或 given")
        sources[sid] = src
    breakdowns = list(catalogues.breakdowns())
    for e in raw.get("breakdowns") or []:
        where = {k: tuple(v) for k, v in (e.get("where") or {}).items()}
        unknown = set(where) - ANNUAL_BREAKDOWN_FIELDS
        if unknown:
            raise UserError(f"{path.name}：分组 {e['id']} 使用了未知字段 {sorted(unknown)}")
        if any(b.id == e["id"] for b in breakdowns):
            raise UserError(f"{path.name}：分组 id {e['id']} 与已有分组重复")
        breakdowns.append(Breakdown(id=e["id"], label=e["label"], depth=int(e.get("depth", 0)), where=where,
                                    extra=bool(e.get("extra", False))))
    monthly = {i.id: i for i in catalogues.indicators()}
    out: list[AnnualIndicator] = []
    seen: set[str] = set()
    for e in raw["indicators"]:
        unknown = set(e) - _INDICATOR_FIELDS - _EXTRA_FIELDS
        if unknown:
            raise UserError(f"{path.name}：指标 {e.get('id') or e.get('like')} 有未知字段 {sorted(unknown)}")
        like = e.get("like")
        if like is not None:
            if like not in monthly:
                raise UserError(f"{path.name}：like: {like} 不是月报指标目录中的指标")
            overrides = {k: v for k, v in e.items() if k in _INDICATOR_FIELDS}
            ind = dataclasses.replace(monthly[like], **overrides)
        else:
            ind = Indicator(
                id=e["id"], name=e["name"], unit=e.get("unit", ""), numerator=tuple(e["numerator"]),
                denominator=tuple(e.get("denominator") or ()), scale=float(e.get("scale", 1)),
                divide_by_days=bool(e.get("divide_by_days", False)), per_population=bool(e.get("per_population", False)),
                divide_by_working_days=bool(e.get("divide_by_working_days", False)),
                multiply_by_days=bool(e.get("multiply_by_days", False)), decimals=int(e.get("decimals", 0)),
                change=e.get("change", "pct"), change_unit=e.get("change_unit", ""), note=e.get("note", ""),
            )
        src_id = e.get("source", INSTITUTIONS)
        src = sources.get(src_id)
        ind = dataclasses.replace(ind, numerator=tuple(ind.numerator), denominator=tuple(ind.denominator),
                                  scale=float(ind.scale), scope=e.get("scope") or (src.scope if src else "年报全口径"),
                                  data_source=e.get("data_source") or (src.label if src else ""))
        words = e.get("change_words")
        ai = AnnualIndicator(
            ind=ind, source=e.get("source", INSTITUTIONS), breakdown=e.get("breakdown", "total"),
            deflate=bool(e.get("deflate", False)),
            share_of=e.get("share_of"), method=e.get("method"), causes=tuple(e.get("causes") or ()),
            better=e.get("better"), change_words=(words[0], words[1]) if words else None, like=like,
        )
        _validate(ai, sources, breakdowns, path.name)
        if ai.id in seen:
            raise UserError(f"{path.name}：指标 id {ai.id} 重复")
        seen.add(ai.id)
        out.append(ai)
    return AnnualCatalogue(sources=sources, breakdowns=tuple(breakdowns), indicators=tuple(out), items=items)


def _validate(ai: AnnualIndicator, sources: Mapping[str, Source], breakdowns: Sequence[Breakdown], name: str) -> None:
    if ai.source not in sources:
        raise UserError(f"{name}：指标 {ai.id} 的来源 {ai.source} 未在 sources 中定义")
    src = sources[ai.source]
    scopes.scope(ai.ind.scope, where=f"{name}：指标 {ai.id}")
    missing = set(ai.ind.numerator + ai.ind.denominator + ai.causes) - set(src.columns)
    if missing:
        raise UserError(f"{name}：指标 {ai.id} 引用了来源 {ai.source} 中没有的项目 {sorted(missing)}")
    ids = {b.id for b in breakdowns}
    for bd in (ai.breakdown, ai.share_of):
        if bd is not None and bd not in ids:
            raise UserError(f"{name}：指标 {ai.id} 引用了未知分组 {bd}")
    if ai.method is not None and ai.method not in METHODS:
        raise UserError(f"{name}：指标 {ai.id} 的 method“{ai.method}”无效（可选：{'、'.join(METHODS)}）")
    if ai.change_words is not None and len(ai.change_words) != 2:
        raise UserError(f"{name}：指标 {ai.id} 的 change_words 应为两个词")
    if ai.better not in (None, "higher", "lower"):
        raise UserError(f"{name}：指标 {ai.id} 的 better 只能是 higher 或 lower")
    if ai.ind.change not in catalogues.CHANGE_KINDS:
        raise UserError(f"{name}：指标 {ai.id} 的 change“{ai.ind.change}”无效")


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class AnnualPaths:
    """Where the inputs are (declared once in dvc.yaml, passed in by the CLI)."""

    raw: Path = RAW_DIR
    reference: Path = REFERENCE_DIR
    life_expectancy: Path | None = None  # the life_expectancy stage's output folder (with summary.csv)
    plans: Path = plans_mod.PLANS_PATH  # the plan catalogue; each plan names its target table in ``reference``
    monthly_indicators: Path | None = None  # the indicators stage's table: the 月报's 1—12月 figures for the 说明

    def year_dir(self, year: int) -> Path:
        return self.raw / str(year)

    def source_file(self, source: Source, year: int) -> Path | None:
        if source.kind == "life_expectancy":
            return None if self.life_expectancy is None else self.life_expectancy / LIFE_SUMMARY
        assert source.file is not None
        return self.year_dir(year) / source.file

    @property
    def registry(self) -> Path:
        return self.reference / "registry.csv"

    @property
    def regions(self) -> Path:
        return self.reference / "regions.csv"

    @property
    def population(self) -> Path:
        return self.reference / "population.csv"

    @property
    def cpi(self) -> Path:
        return self.reference / "cpi_medical.csv"

    def plan_targets(self, plan: plans_mod.Plan) -> Path:
        return self.reference / plan.targets

    @property
    def province(self) -> Path:
        return self.reference / "province.csv"

    @property
    def holidays(self) -> Path:
        return self.reference / "holidays.csv"


@dataclass(frozen=True)
class AnnualSettings:
    year: int
    price_base_year: int = 2020
    working_days: int | str = NATIONAL_WORKING_DAYS  # 全年工作日数的口径（pipeline.workdays）

    def __post_init__(self) -> None:
        if not 1949 <= self.year <= 9999:
            raise UserError(f"params.yaml 中 annual.year（{self.year}）不是有效的年份")
        if not 1949 <= self.price_base_year <= self.year:
            raise UserError(f"params.yaml 中 annual.price_base_year（{self.price_base_year}）应为不晚于报告年份的年份")

    @classmethod
    def from_params(cls, params: Mapping[str, Any], year: int | None = None) -> AnnualSettings:
        try:
            return cls(year=int(year if year is not None else params["annual.year"]),
                       price_base_year=int(params["annual.price_base_year"]),
                       working_days=parse_convention(params.get("annual.working_days", NATIONAL_WORKING_DAYS)))
        except (TypeError, ValueError) as exc:
            raise UserError(f"params.yaml 的 annual 一节有误：{exc}") from exc


def _csv_years(path: Path, column: str = "year") -> set[int]:
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        out = set()
        for row in csv.DictReader(fh):
            try:
                out.add(int(str(row.get(column, "")).strip()))
            except ValueError:
                continue
        return out


def _population_years(path: Path, city_code: str | None) -> set[int]:
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {int(r["year"]) for r in csv.DictReader(fh) if city_code is None or r["region_code"] == city_code}


def missing_inputs(paths: AnnualPaths, settings: AnnualSettings, catalogue: AnnualCatalogue | None = None
                   ) -> list[str]:
    """Every input the report year needs and does not have, as lines of text (empty when complete)."""
    cat = catalogue or load_catalogue()
    year = settings.year
    out: list[str] = []
    for src in cat.sources.values():
        path = paths.source_file(src, year)
        if src.required and path is not None and not path.is_file():
            out.append(f"{path.as_posix()}（{src.label}）")
    plan = plans_mod.plan_for(plans_mod.load_plans(paths.plans), year)
    plan_files = [(paths.plan_targets(plan), f"{plan.title}目标表")] if plan else []
    for path, label in ((paths.registry, "机构名录"), (paths.regions, "地区表"), (paths.population, "常住人口"),
                        (paths.cpi, "医疗保健类居民消费价格指数"), *plan_files):
        if not path.is_file():
            out.append(f"{path.as_posix()}（{label}）")
    city = None
    if paths.regions.is_file():
        city = load_regions(paths.regions).city_code
    if paths.population.is_file() and year not in _population_years(paths.population, city):
        out.append(f"{paths.population.as_posix()} 中 {year} 年的常住人口（全市 {city or ''} 一行及各县市区）")
    if paths.cpi.is_file():
        have = _csv_years(paths.cpi)
        need = [y for y in range(settings.price_base_year + 1, settings.year + 1) if y not in have]
        if need:
            out.append(f"{paths.cpi.as_posix()} 中 {'、'.join(map(str, need))} 年的指数（上年=100）")
    return out


def check_inputs(paths: AnnualPaths, settings: AnnualSettings, catalogue: AnnualCatalogue | None = None) -> None:
    missing = missing_inputs(paths, settings, catalogue)
    if missing:
        lines = "\n".join(f"  - {m}" for m in missing)
        raise UserError(
            f"{settings.year} 年统计报告缺少以下 {len(missing)} 项输入：\n{lines}",
            hint=f"请把 {settings.year} 年的文件放入 {paths.year_dir(settings.year).as_posix()}/ 并补齐参考数据"
                 "（格式见 data/README.md 第 6 节），或在 params.yaml 中改正 annual.year",
        )


# ---------------------------------------------------------------------------- engine


LOOKUP_FIELDS = ("value", "base_value", "change")  # the table fields read from the indicator table (rank, province: not)


@dataclass
class AnnualResult:
    settings: AnnualSettings
    catalogue: AnnualCatalogue
    regions: Regions
    years: tuple[int, ...]  # years in the table (report year last)
    table: pl.DataFrame  # tidy: one row per year × indicator × breakdown × region
    missing: dict[int, list[str]] = field(default_factory=dict)  # earlier years: inputs not found
    price_levels: dict[int, float | None] = field(default_factory=dict)
    population_year: dict[int, int | None] = field(default_factory=dict)
    plan: plans_mod.Plan | None = None  # the plan covering the report year
    targets: tuple[targets_mod.Target, ...] = ()
    province: dict[tuple[str, int], float] = field(default_factory=dict)
    life_expectancy_source: str | None = None
    working_days: int = 0  # of the report year, under settings.working_days
    comparison: tuple[comparison_mod.Reference, ...] = ()  # 全省/全国 reference values (comparison.py)
    monthly_indicators: Path | None = None  # see AnnualPaths

    @property
    def year(self) -> int:
        return self.settings.year

    @property
    def city(self) -> str:
        return self.regions.city_code

    # The texts, charts and monitoring ask for some 400 single values and the tables for every cell: a filter on the
    # whole table per value was a query each. The table is built once and not changed afterwards, so its rows are
    # indexed once by (indicator, year, region, breakdown), the first row of a key winning as the filter's [0] did.
    _index: dict[tuple[str, int, str, str], int] | None = field(default=None, init=False, repr=False, compare=False)
    _columns: dict[str, list[Any]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _years: dict[int, pl.DataFrame] = field(default_factory=dict, init=False, repr=False, compare=False)
    _lookups: dict[int, dict[tuple[str, str, str], dict[str, Any]]] = field(default_factory=dict, init=False,
                                                                            repr=False, compare=False)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "table":  # a new table (never done by the pipeline) drops what was worked out from the old one
            super().__setattr__("_index", None)
            super().__setattr__("_columns", {})
            super().__setattr__("_years", {})
            super().__setattr__("_lookups", {})

    def _row_index(self) -> dict[tuple[str, int, str, str], int]:
        if self._index is None:
            keys = list(zip(self.table["indicator_id"].to_list(), self.table["year"].to_list(),
                            self.table["region_code"].to_list(), self.table["breakdown_id"].to_list()))
            # built from the last row back, so that for a repeated key the first row is the one kept
            self._index = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))
        return self._index

    def _column(self, column: str) -> list[Any]:
        if column not in self._columns:
            self._columns[column] = self.table[column].to_list()
        return self._columns[column]

    def value(self, indicator_id: str, year: int | None = None, region: str | None = None,
              breakdown: str | None = None, column: str = "value") -> float | None:
        ai = self.catalogue.indicator(indicator_id)
        i = self._row_index().get((indicator_id, year or self.year, region or self.city, breakdown or ai.breakdown))
        if i is None:
            return None
        v = self._column(column)[i]
        return None if v is None else float(v)

    def for_year(self, year: int | None = None) -> pl.DataFrame:
        y = year or self.year
        if y not in self._years:
            self._years[y] = self.table.filter(pl.col("year") == y)
        return self._years[y]

    def lookup(self, year: int | None = None) -> dict[tuple[str, str, str], dict[str, Any]]:
        """The year's value, base_value and change by (indicator, breakdown, region) — the columns a table cell can
        show — (the last row of a key, as a dict comprehension over the rows gives); worked out once per year for
        all the tables."""
        y = year or self.year
        if y not in self._lookups:
            rows = self.for_year(y).select("indicator_id", "breakdown_id", "region_code", *LOOKUP_FIELDS)
            self._lookups[y] = {(r["indicator_id"], r["breakdown_id"], r["region_code"]): r
                                for r in rows.iter_rows(named=True)}
        return self._lookups[y]


def with_opening_average(frame: pl.DataFrame, previous: pl.DataFrame | None, items: Sequence[str]) -> pl.DataFrame:
    """`<item>__avg` = (年初 + 年末) / 2, 年初 being the previous year's year-end (national definition of
    平均执业(助理)医师数); null when the previous year's annual report is not available."""
    if not items:
        return frame
    if previous is None:
        return frame.with_columns([pl.lit(None, pl.Float64).alias(f"{i}__avg") for i in items])
    opening = previous.select("breakdown_id", "region_code", *[pl.col(i).alias(f"{i}__open") for i in items])
    return frame.join(opening, on=["breakdown_id", "region_code"], how="left").with_columns(
        [((pl.col(f"{i}__open") + pl.col(i)) / 2).alias(f"{i}__avg") for i in items]
    ).drop([f"{i}__open" for i in items])


def _year_frame(frame: pl.DataFrame, year: int, workdays: int, population: pl.DataFrame,
                level: float | None) -> pl.DataFrame:
    frame = frame.with_columns(year=pl.lit(year, pl.Int32))
    frame = population_for(frame, population)
    return frame.with_columns(
        days=pl.lit(float(366 if calendar.isleap(year) else 365)),
        working_days=pl.lit(float(workdays)),
        price_level=pl.lit(level, pl.Float64),
    )


def compute(paths: AnnualPaths, settings: AnnualSettings, catalogue: AnnualCatalogue | None = None) -> AnnualResult:
    """The tidy annual indicator table for every year from the plan's baseline year to the report year."""
    cat = catalogue or load_catalogue()
    check_inputs(paths, settings, cat)
    regions = load_regions(paths.regions)
    population = load_population(paths.population)
    registry = read_registry(paths.registry)
    plans = plans_mod.load_plans(paths.plans)
    plan = plans_mod.plan_for(plans, settings.year)
    plan_targets = targets_mod.load_targets(paths.plan_targets(plan)) if plan else ()
    province = targets_mod.load_province(paths.province)
    first = plans_mod.history_start(plans, settings.year)
    years = list(range(first, settings.year + 1))
    levels = price_levels(read_cpi(paths.cpi), settings.price_base_year, years)
    holidays = load_calendar(paths.holidays) if paths.holidays.is_file() else {}
    workdays = {y: year_working_days(y, holidays, settings.working_days) for y in years}
    averaged = tuple(dict.fromkeys(i for ai in cat.indicators if ai.ind.average_denominator for i in ai.ind.denominator))
    previous_institutions: pl.DataFrame | None = None
    life = read_life_expectancy(paths.source_file(cat.sources["life_expectancy"], settings.year)
                                if "life_expectancy" in cat.sources else None, regions)

    pieces: list[pl.DataFrame] = []
    missing: dict[int, list[str]] = {}
    pop_year: dict[int, int | None] = {}
    for year in years:
        frames: dict[str, pl.DataFrame] = {}
        for src in cat.sources.values():
            path = paths.source_file(src, year)
            if src.kind == "life_expectancy":
                rows = life.filter(pl.col("year") == year).drop("year")
                frames[src.id] = pl.DataFrame({"region_code": regions.codes}).join(
                    rows, on="region_code", how="left").with_columns(breakdown_id=pl.lit("total"))
                continue
            assert path is not None
            if not path.is_file():
                if src.required:  # an optional chapter input says 资料暂缺 in its chapter (chapters.py)
                    missing.setdefault(year, []).append(f"{path.as_posix()}（{src.label}）")
                if src.kind == INSTITUTIONS:
                    previous_institutions = None  # the next year has no known opening stock
                continue
            if src.kind == INSTITUTIONS:
                inst = read_institutions(path, cat.items, registry)
                year_end = institution_aggregates(inst, regions, cat.breakdowns, cat.items.columns)
                frames[src.id] = with_opening_average(year_end, previous_institutions, averaged)
                previous_institutions = year_end
            elif src.kind == "regions":
                frames[src.id] = read_region_source(path, src, regions)
            else:
                frames[src.id] = read_age_sex_source(path, src)
        for sid, frame in list(frames.items()):
            if cat.sources[sid].kind != "age_sex":
                frames[sid] = _year_frame(frame, year, workdays[year], population, levels.get(year))
        if INSTITUTIONS in frames:
            py = frames[INSTITUTIONS].filter(pl.col("region_code") == regions.city_code)["population_year"]
            pop_year[year] = None if py.is_empty() or py[0] is None else int(py[0])
        plain: dict[str, list[tuple[int, AnnualIndicator]]] = {}  # by source: evaluated together (evaluate_many)
        for order, ai in enumerate(cat.indicators):
            frame = frames.get(ai.source)
            if frame is None:
                continue
            if ai.method is None and ai.share_of is None:
                plain.setdefault(ai.source, []).append((order, ai))
                continue
            if ai.method == "premature_ncd":
                part = premature_ncd(ai, frame, regions, year)
            else:
                part = evaluate(ai, frame)
            pieces.append(part.with_columns(indicator_id=pl.lit(ai.id), _ind_order=pl.lit(order, pl.Int32)))
        pieces += [evaluate_many(items, frames[sid]) for sid, items in plain.items()]
    long = pl.concat(pieces, how="vertical_relaxed")
    table = _finish(long, cat, regions)
    return AnnualResult(settings=settings, catalogue=cat, regions=regions, years=tuple(years), table=table,
                        missing={y: m for y, m in missing.items() if y != settings.year}, price_levels=levels,
                        population_year=pop_year, plan=plan, targets=plan_targets, province=province,
                        life_expectancy_source=None if life.is_empty() else str(paths.life_expectancy),
                        working_days=workdays[settings.year], comparison=comparison_mod.load_comparison(paths.reference),
                        monthly_indicators=paths.monthly_indicators)


def _finish(long: pl.DataFrame, cat: AnnualCatalogue, regions: Regions) -> pl.DataFrame:
    """Previous-year values, the change in the catalogue's unit, and labels; sorted for output."""
    keys = ["indicator_id", "breakdown_id", "region_code", "year"]
    base = long.select("indicator_id", "breakdown_id", "region_code", (pl.col("year") + 1).alias("year"),
                       pl.col("value").alias("base_value"))
    long = long.join(base, on=keys, how="left")
    # The change expression depends only on the indicator's kind of change (growth rate or difference), so one
    # branch per kind, not a when-chain of one branch per indicator (a hundred nested branches over the table).
    kinds: dict[str, list[str]] = {}
    exprs: dict[str, pl.Expr] = {}
    for ai in cat.indicators:
        expr = change_expr(ai.ind)
        kinds.setdefault(str(expr), []).append(ai.id)
        exprs.setdefault(str(expr), expr)
    change = pl.lit(None, pl.Float64)
    for key, ids in kinds.items():
        change = pl.when(pl.col("indicator_id").is_in(ids)).then(exprs[key]).otherwise(change)
    long = long.with_columns(change=change.cast(pl.Float64))
    meta_ind = pl.DataFrame({
        "indicator_id": [a.id for a in cat.indicators], "indicator": [a.name for a in cat.indicators],
        "unit": [a.unit for a in cat.indicators], "decimals": [a.decimals for a in cat.indicators],
        "source": [a.source for a in cat.indicators],
        "change_unit": pl.Series([a.ind.change_label for a in cat.indicators], dtype=pl.Utf8),
    })
    meta_bd = pl.DataFrame({"breakdown_id": [b.id for b in cat.breakdowns], "breakdown": [b.label for b in cat.breakdowns],
                            "depth": [b.depth for b in cat.breakdowns], "_bd_order": list(range(len(cat.breakdowns)))})
    meta_rg = pl.DataFrame({
        "region_code": regions.codes, "region": [regions.name(c) for c in regions.codes],
        "region_level": [CITY_LEVEL, *regions.table["region_kind"].to_list()],
        "_rg_order": list(range(len(regions.codes))),
    })
    long = long.join(meta_ind, on="indicator_id").join(meta_bd, on="breakdown_id").join(meta_rg, on="region_code")
    return long.sort(["year", "_ind_order", "_bd_order", "_rg_order"]).select(
        "year", "indicator_id", "indicator", "unit", "source", "breakdown_id", "breakdown", "depth", "region_code",
        "region", "region_level", "value", "base_value", "change", "change_unit", "decimals",
    )


def value_getter(result: AnnualResult) -> Callable[..., float | None]:
    return result.value
