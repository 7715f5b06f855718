"""Computation of the life-expectancy stage: the life-table groups (city = sum of the counties, each county;
合计/男/女), one year's life tables and e0 with the chosen adjustments, and the result with county ranks and
the comparison with the previous year."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.errors import UserError
from pipeline.life import reference, surveillance
from pipeline.life.inputs import (
    A0,
    ADJUSTMENTS_PATH,
    CITY_LEVEL,
    COUNTY_LEVEL,
    MATERNAL_CHILD_PATH,
    REGIONS_PATH,
    SEX_ORDER,
    SEXES,
    TARGETS_PATH,
    LifeExpectancyParams,
    Target,
    UnderreportingBand,
    age_label,
    check_inputs,
    deaths_path,
    load_deaths,
    load_regions,
    load_targets,
    load_underreporting,
    regroup,
    underreporting_by_age,
)
from pipeline.life.lifetable import (
    LifeTableInputError,
    LifeTableOptions,
    coale_demeny_a0,
    life_expectancy_summary,
    life_table,
)
from pipeline.monthly.indicators import Regions

SUMMARY_COLUMNS: tuple[str, ...] = (
    "year", "level", "region_code", "region_name", "sex", "e0", "e0_lower", "e0_upper", "e0_var",
    "confidence", "total_person_years", "deaths_registered", "deaths_used", "unstable", "status",
    "e0_unadjusted", "a0", "a0_rule", "underreporting_applied", "imr_per_1000", "rank", "e0_previous", "e0_change",
)



@dataclass(frozen=True)
class Group:
    level: str
    region_code: str
    sex: str
    data: pl.DataFrame  # age, population, deaths (registered), sorted by age


def groups(data: pl.DataFrame, regions: Regions) -> list[Group]:
    """City (sum of counties) and each county present, each for 合计/男/女, in report order."""
    cols = [pl.col("population").sum(), pl.col("deaths").sum()]
    out: list[Group] = []

    def add(level: str, code: str, frame: pl.DataFrame) -> None:
        both = frame.group_by("age").agg(cols).sort("age")
        out.append(Group(level, code, "合计", both))
        for sex in ("男", "女"):
            part = frame.filter(pl.col("sex") == sex).group_by("age").agg(cols).sort("age")
            if part.height:
                out.append(Group(level, code, sex, part))

    add(CITY_LEVEL, regions.city_code, data)
    present = set(data.get_column("region_code").to_list())
    for code in regions.unit_codes:
        if code in present:
            add(COUNTY_LEVEL, code, data.filter(pl.col("region_code") == code))
    return out


def _m0(frame: pl.DataFrame, rates: Mapping[float, float] | None = None) -> float:
    """Registered death rate of the first (0岁) group, its deaths adjusted by the age-0 under-reporting rate."""
    deaths, population = frame.get_column("deaths")[0], frame.get_column("population")[0]
    deaths = deaths / (1.0 - rates[0.0]) if rates and 0.0 in rates else deaths
    return deaths / population if population > 0 else 0.0


def group_a0(choice: float | str, sex: str, m0: float, imr_per_1000: float | None) -> tuple[float, str]:
    """a0 of a group and its rule in words: the fixed number of params.yaml, or Coale–Demeny from the registered
    m0 (cd_m0) or from the infant mortality q0 the group applies (cd_imr). 合计 takes the mean of the male and
    female values (Coale–Demeny give none for both sexes)."""
    if not isinstance(choice, str):
        return float(choice), "固定值"
    if choice == "cd_imr":
        if imr_per_1000 is None:
            raise UserError("按婴儿死亡率推算 a0（life_expectancy.a0: cd_imr）需要监测婴儿死亡率",
                            hint="把 life_expectancy.use_surveillance_imr 设为 true，或把 a0 改为 cd_m0 或一个数")
        return coale_demeny_a0(imr_per_1000 / 1000.0, basis="q0", sex=sex), "Coale–Demeny（婴儿死亡率 q0）"
    return coale_demeny_a0(m0, basis="m0", sex=sex), "Coale–Demeny（登记0岁组死亡率 m0）"


def _registration_q0_rule(choice: float | str) -> Callable[[pl.DataFrame], float]:
    """q0 from the registered deaths (the surveillance calibration compares the IMR with it), with a0 fixed or,
    for the Coale–Demeny choices, from the registered m0 (both sexes)."""

    def q0(frame: pl.DataFrame) -> float:
        m0 = _m0(frame)
        a0 = group_a0(choice if not isinstance(choice, str) else "cd_m0", "合计", m0, None)[0]
        return m0 / (1.0 + (1.0 - a0) * m0)

    return q0


def _registration_q0(frame: pl.DataFrame) -> float:
    """Registered q0 with the default a0 (0.1)."""
    return _registration_q0_rule(A0)(frame)


@dataclass(frozen=True)
class YearResult:
    """One year's life tables and summary."""

    year: int
    summary: pl.DataFrame  # SUMMARY_COLUMNS minus rank/previous/change
    tables: pl.DataFrame  # level, region_code, sex, age, age_label, n, population, deaths_registered, deaths, mx…
    imr_per_1000: float | None
    imr_factor: float | None  # k = IMR / registration q0 (city, both sexes)
    registered_q0: float | None  # city both sexes, per 1000
    imr_source: str | None = None  # the surveillance data, in words


def compute_year(
    data: pl.DataFrame,
    year: int,
    regions: Regions,
    params: LifeExpectancyParams,
    bands: Sequence[UnderreportingBand] | None,
    imr: surveillance.InfantMortality | None,
) -> YearResult:
    """Life tables and e0 for every group of one year's (regrouped) data."""
    group_list = groups(data, regions)
    ages = group_list[0].data.get_column("age").to_list()
    rates = underreporting_by_age(ages, bands) if bands is not None else None
    registration_q0 = _registration_q0_rule(params.a0)
    group_imr, factor = _infant_q0(group_list, ages, regions, imr, registration_q0)

    records: list[dict[str, Any]] = []
    tables: list[pl.DataFrame] = []
    for g, imr_g in zip(group_list, group_imr):
        a0, a0_rule = group_a0(params.a0, g.sex, _m0(g.data, rates), imr_g)
        options = LifeTableOptions(
            a0=a0, confidence=params.confidence, min_person_years=params.min_person_years,
            underreporting=rates, imr_per_1000=imr_g,
        )
        base = LifeTableOptions(a0=a0, confidence=params.confidence, min_person_years=params.min_person_years)
        record = _group_record(g, year, regions, params, rates is not None, imr_g) | {"a0": a0, "a0_rule": a0_rule}
        table = _group_table(g, year, regions, options, base, record)
        records.append(record)
        if table is not None:
            tables.append(_labelled(table, g, ages))
    return YearResult(year, _summary_records(records), _tables_frame(tables),
                      None if imr is None else imr.city, factor,
                      None if imr is None else registration_q0(group_list[0].data) * 1000.0,
                      None if imr is None else imr.source)


def _infant_q0(group_list: Sequence[Group], ages: Sequence[float], regions: Regions,
               imr: surveillance.InfantMortality | None,
               registration_q0: Callable[[pl.DataFrame], float]) -> tuple[list[float | None], float | None]:
    """The surveillance IMR (‰) each group applies (None without surveillance) and the city factor k."""
    group_imr: list[float | None] = [None] * len(group_list)
    if imr is None:
        return group_imr, None
    infant_first = len(ages) >= 2 and ages[0] == 0 and ages[1] == 1
    if not infant_first:
        raise UserError("使用监测婴儿死亡率要求第一个年龄组为 0 岁（下一个年龄组从 1 岁开始）")
    group_imr[:], factor = surveillance.group_q0(imr, group_list, regions.city_code, registration_q0)
    return group_imr, factor


def _group_record(g: Group, year: int, regions: Regions, params: LifeExpectancyParams, underreporting: bool,
                  imr_g: float | None) -> dict[str, Any]:
    """The summary row of a group before its life table is computed (e0 and deaths used still empty)."""
    person_years = math.fsum(g.data.get_column("population").to_list())
    registered = math.fsum(g.data.get_column("deaths").to_list())
    return {
        "year": year, "level": g.level, "region_code": g.region_code,
        "region_name": regions.name(g.region_code), "sex": g.sex,
        "e0": None, "e0_lower": None, "e0_upper": None, "e0_var": None,
        "confidence": float(params.confidence), "total_person_years": person_years,
        "deaths_registered": registered, "deaths_used": None,
        "unstable": person_years < params.min_person_years, "status": "",
        "e0_unadjusted": None, "a0": None, "a0_rule": None, "underreporting_applied": underreporting,
        "imr_per_1000": imr_g,
    }


def _group_table(g: Group, year: int, regions: Regions, options: LifeTableOptions, base: LifeTableOptions,
                 record: dict[str, Any]) -> pl.DataFrame | None:
    """The group's life table, filling e0, its CI, the deaths used and the unadjusted e0 into `record`;
    None (with the status said) when an unstable group cannot be tabulated at all."""
    try:
        table = life_table(g.data, options)
        summary = life_expectancy_summary(g.data, options).row(0, named=True)
        unadjusted = life_expectancy_summary(g.data, base).row(0, named=True)
    except LifeTableInputError as exc:
        if not record["unstable"]:
            where = f"{regions.name(g.region_code)}（{g.region_code}）{g.sex}"
            raise UserError(f"{year}年{where}的寿命表无法计算：{exc}") from exc
        record["status"] = "人年数不足，无法编表"
        return None
    record.update(
        e0=summary["e0"], e0_lower=summary["e0_lower"], e0_upper=summary["e0_upper"],
        e0_var=summary["e0_var"], deaths_used=summary["deaths_used"], e0_unadjusted=unadjusted["e0"],
    )
    if record["unstable"]:
        record["status"] = "人年数不足，结果不稳定"
    return table


def _labelled(table: pl.DataFrame, g: Group, ages: Sequence[float]) -> pl.DataFrame:
    """A group's life table with its level, region, sex, age labels and registered deaths."""
    labels = [age_label(a, ages[i + 1] if i + 1 < len(ages) else None) for i, a in enumerate(ages)]
    return table.with_columns(
        pl.lit(g.level).alias("level"),
        pl.lit(g.region_code).alias("region_code"),
        pl.lit(g.sex).alias("sex"),
        pl.Series("age_label", labels, dtype=pl.String),
        g.data.get_column("deaths").alias("deaths_registered"),
    )


def _summary_records(records: list[dict[str, Any]]) -> pl.DataFrame:
    schema = _summary_schema()
    return pl.DataFrame(records, schema={k: v for k, v in schema.items() if k in records[0]})


def _tables_frame(tables: list[pl.DataFrame]) -> pl.DataFrame:
    if not tables:
        return pl.DataFrame()
    return pl.concat(tables, how="vertical").select(
        "level", "region_code", "sex", "age", "age_label", "n", "population", "deaths_registered", "deaths",
        "mx", "qx", "ax", "lx", "dx", "Lx", "Tx", "ex", "ex_var", "ex_lower", "ex_upper",
    )


def _summary_schema() -> dict[str, Any]:
    types: dict[str, Any] = {c: pl.Float64 for c in SUMMARY_COLUMNS}
    types.update(year=pl.Int64, level=pl.String, region_code=pl.String, region_name=pl.String, sex=pl.String,
                 unstable=pl.Boolean, status=pl.String, a0_rule=pl.String, underreporting_applied=pl.Boolean, rank=pl.Int64)
    return types


@dataclass(frozen=True)
class LifeExpectancyResult:
    """Everything the report needs."""

    params: LifeExpectancyParams
    regions: Regions
    current: YearResult
    previous: YearResult | None
    previous_note: str  # why there is no comparison ('' when there is)
    summary: pl.DataFrame  # SUMMARY_COLUMNS, with rank and comparison
    bands: tuple[UnderreportingBand, ...] | None
    targets: tuple[Target, ...]
    missing_counties: tuple[str, ...]
    input_files: tuple[Path, ...] = field(default_factory=tuple)
    comparisons: tuple[reference.Comparison, ...] = ()  # 全省/全国 (empty: no reference file)

    def row(self, region_code: str, sex: str) -> dict[str, Any] | None:
        hit = self.summary.filter((pl.col("region_code") == region_code) & (pl.col("sex") == sex))
        return hit.row(0, named=True) if hit.height else None


def _with_comparison(current: pl.DataFrame, previous: pl.DataFrame | None, regions: Regions) -> pl.DataFrame:
    """Add rank (counties, per sex, stable results only) and previous-year e0 and change."""
    shown = pl.col("e0").is_not_null() & ~pl.col("unstable")
    ranked = current.with_columns(
        pl.when(shown & (pl.col("level") == COUNTY_LEVEL))
        .then(pl.col("e0"))
        .otherwise(None)
        .rank(method="ordinal", descending=True)
        .over("sex")
        .cast(pl.Int64)
        .alias("rank")
    )
    if previous is None:
        ranked = ranked.with_columns(pl.lit(None, pl.Float64).alias("e0_previous"))
    else:
        prev = previous.select(
            "region_code", "sex",
            pl.when(pl.col("e0").is_not_null() & ~pl.col("unstable")).then(pl.col("e0")).alias("e0_previous"),
        )
        ranked = ranked.join(prev, on=["region_code", "sex"], how="left", maintain_order="left")
    ranked = ranked.with_columns(
        pl.when(shown).then(pl.col("e0") - pl.col("e0_previous")).otherwise(None).alias("e0_change")
    )
    # Counties of the region table with no data at all: a row each, so no unit silently disappears.
    present = set(ranked.get_column("region_code").to_list())
    extra = []
    for code in regions.unit_codes:
        if code not in present:
            for sex in SEXES:
                extra.append({"year": int(current.get_column("year")[0]), "level": COUNTY_LEVEL, "region_code": code,
                              "region_name": regions.name(code), "sex": sex, "unstable": False, "status": "无数据",
                              "confidence": float(current.get_column("confidence")[0])})
    if extra:
        ranked = pl.concat([ranked, pl.DataFrame(extra, schema=_summary_schema())], how="diagonal_relaxed")
    order = {code: i for i, code in enumerate([regions.city_code, *regions.unit_codes])}
    return (
        ranked.with_columns(
            pl.col("region_code").replace_strict(order, default=len(order)).alias("_r"),
            pl.col("sex").replace_strict(SEX_ORDER, default=9).alias("_s"),
        )
        .sort("_r", "_s")
        .drop("_r", "_s")
        .select([pl.col(c).cast(t) for c, t in _summary_schema().items()])
    )


def compute(params: LifeExpectancyParams, root: Path = Path(".")) -> LifeExpectancyResult:
    """Read the inputs under `root` and compute the year's (and the previous year's) life tables."""
    root = Path(root)
    check_inputs(root, params)
    regions = load_regions(root)
    targets = load_targets(root)
    bands = load_underreporting(root) if params.underreporting else None
    year = params.year

    imr = None
    if params.use_surveillance_imr:
        imr = surveillance.load(root, year)
        if imr is None:
            raise UserError(f"文件 {MATERNAL_CHILD_PATH.as_posix()} 中没有 {year} 年的婴儿死亡率（imr_per_1000）",
                            hint="请补上该年的监测数据，或把 life_expectancy.use_surveillance_imr 设为 false")
    data = regroup(load_deaths(root, year, regions), params.open_age, deaths_path(year).as_posix())
    current = compute_year(data, year, regions, params, bands, imr)
    inputs = [deaths_path(year), REGIONS_PATH, TARGETS_PATH]
    inputs += [ADJUSTMENTS_PATH] if bands is not None else []
    raw_imr = Path(surveillance.RAW_FILE.as_posix().format(year=year))
    inputs += ([raw_imr if (root / raw_imr).is_file() else MATERNAL_CHILD_PATH] if params.use_surveillance_imr else [])

    previous: YearResult | None = None
    note = ""
    prev_rel = deaths_path(year - 1)
    if not (root / prev_rel).is_file():
        note = f"未找到上年数据文件 {prev_rel.as_posix()}，未与上年比较"
    else:
        prev_imr = surveillance.load(root, year - 1) if params.use_surveillance_imr else None
        if params.use_surveillance_imr and prev_imr is None:
            note = f"{MATERNAL_CHILD_PATH.as_posix()} 中没有 {year - 1} 年的婴儿死亡率，上年结果口径不同，未与上年比较"
        else:
            try:
                prev_data = regroup(load_deaths(root, year - 1, regions), params.open_age, prev_rel.as_posix())
                previous = compute_year(prev_data, year - 1, regions, params, bands, prev_imr)
                inputs.insert(1, prev_rel)
            except UserError as exc:  # the previous year is optional: report why there is no comparison
                note = f"上年数据无法按相同口径计算（{exc.message}），未与上年比较"
    summary = _with_comparison(current.summary, None if previous is None else previous.summary, regions)
    present = set(data.get_column("region_code").to_list())
    published = reference.load(root)
    inputs += [reference.REFERENCE_PATH] if published is not None else []
    return LifeExpectancyResult(
        params=params, regions=regions, current=current, previous=previous, previous_note=note, summary=summary,
        bands=bands, targets=targets, missing_counties=tuple(c for c in regions.unit_codes if c not in present),
        input_files=tuple(inputs), comparisons=reference.comparisons(published, year),
    )


