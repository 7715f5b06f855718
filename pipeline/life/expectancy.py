"""人均预期寿命测算（dvc 阶段 life_expectancy）：输入 → 寿命表与 e0（含置信区间）→ 测算报告 HTML/PDF、XLSX、CSV。

Flow (the notebook ``notebooks/life_expectancy.py`` only sets parameters and calls these):

* :func:`compute` reads ``data/raw/annual/<year>/life_deaths.csv`` (region_code, sex, age,
  population, deaths for every county-level unit of ``data/reference/regions.csv``) and, when
  present, the previous year's file; regroups ages to the open interval of ``open_age``;
  applies the adjustments chosen in params.yaml (death under-reporting rates of
  ``data/reference/life_adjustments.csv``; infant mortality from the maternal–child surveillance,
  ``data/reference/maternal_child.csv``); computes Chiang II life tables
  (:mod:`pipeline.lifetable`) for the city (sum of the counties) and each county, for 合计/男/女;
  and compares e0 with the previous year and the planning targets (``life_targets.csv``).
* :func:`build_report` writes ``summary.csv``, ``life_tables.xlsx``, the chart and the markdown;
  :func:`render_report` turns the markdown into ``report.html`` and ``report.pdf``.

Surveillance infant mortality (pipeline/life/surveillance.py) comes from the annual report's own
maternal–child file, so both reports print one 婴儿死亡率: a county takes its own surveillance
rate (a county with no registered infant death does not keep q0 = 0), a county without one
borrows the city calibration k = IMR / q0(city, both sexes, registration), and 男/女 keep their
registered ratio. :class:`pipeline.lifetable.LifeTableOptions` then recomputes M0 and the
implied age-0 deaths.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import fmt
from pipeline.errors import UserError
from pipeline.io_utils import write_csv, write_text
from pipeline.life import printed, surveillance
from pipeline.life.lifetable import (
    LifeTableInputError,
    LifeTableOptions,
    life_expectancy_summary,
    life_table,
    read_life_table_input,
)
from pipeline.monthly.indicators import Regions
from pipeline.monthly.indicators import load_regions as load_region_table
from pipeline.render.tables import change_text
from pipeline.render.xlsx import save_workbook

STAGE = "life_expectancy"
RAW_DIR = Path("data/raw/annual")
REFERENCE_DIR = Path("data/reference")
DEATHS_FILENAME = "life_deaths.csv"
REGIONS_PATH = REFERENCE_DIR / "regions.csv"
ADJUSTMENTS_PATH = REFERENCE_DIR / "life_adjustments.csv"
MATERNAL_CHILD_PATH = REFERENCE_DIR / "maternal_child.csv"
TARGETS_PATH = REFERENCE_DIR / "life_targets.csv"
NOTEBOOK = "life_expectancy.py"

A0 = 0.1  # domain.md §8: nax = 0.1 for age 0
SEXES: tuple[str, ...] = ("合计", "男", "女")
SEX_ORDER = {s: i for i, s in enumerate(SEXES)}
_SEX_CODES = {"男": "男", "男性": "男", "1": "男", "m": "男", "male": "男",
              "女": "女", "女性": "女", "2": "女", "f": "女", "female": "女"}
OPEN_AGES = (85, 90, 95, 100)
CITY_LEVEL = "全市"
COUNTY_LEVEL = "县级"

SUMMARY_COLUMNS: tuple[str, ...] = (
    "year", "level", "region_code", "region_name", "sex", "e0", "e0_lower", "e0_upper", "e0_var",
    "confidence", "total_person_years", "deaths_registered", "deaths_used", "unstable", "status",
    "e0_unadjusted", "a0", "underreporting_applied", "imr_per_1000", "rank", "e0_previous", "e0_change",
)

XLSX_TABLE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    # (life-table column, header, number format)
    ("population", "人口数", "#,##0"),
    ("deaths_registered", "登记死亡数", "#,##0"),
    ("deaths", "死亡数", "#,##0.0"),
    ("mx", "死亡率 mx", "0.000000"),
    ("qx", "死亡概率 qx", "0.000000"),
    ("lx", "尚存人数 lx", "#,##0"),
    ("dx", "死亡人数 dx", "#,##0"),
    ("Lx", "生存人年数 Lx", "#,##0"),
    ("Tx", "累计生存人年数 Tx", "#,##0"),
    ("ex", "预期寿命 ex", "0.00"),
    ("ex_lower", "{pct}置信区间下限", "0.00"),
    ("ex_upper", "{pct}置信区间上限", "0.00"),
)
SUMMARY_SHEET = "预期寿命汇总"
NOTES_SHEET = "说明"


# ---------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LifeExpectancyParams:
    """The knobs of the stage (params.yaml, section life_expectancy)."""

    year: int
    open_age: int = 85
    underreporting: bool = True
    use_surveillance_imr: bool = True
    confidence: float = 0.95
    min_person_years: float = 5000.0

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int) or not 1900 <= self.year <= 2100:
            raise UserError(f"参数 life_expectancy.year（测算年份）应为四位年份，当前为 {self.year!r}")
        if isinstance(self.open_age, bool) or self.open_age not in OPEN_AGES:
            raise UserError(
                f"参数 life_expectancy.open_age（最高开放年龄组起点）应为 {'、'.join(map(str, OPEN_AGES))} 之一，"
                f"当前为 {self.open_age!r}"
            )
        for name in ("underreporting", "use_surveillance_imr"):
            if not isinstance(getattr(self, name), bool):
                raise UserError(f"参数 life_expectancy.{name} 应为 true 或 false，当前为 {getattr(self, name)!r}")
        conf = self.confidence
        if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not 0.5 <= conf < 1.0:
            raise UserError(f"参数 life_expectancy.confidence（置信水平）应在 0.5 到 1 之间（如 0.95），当前为 {conf!r}")
        mpy = self.min_person_years
        if isinstance(mpy, bool) or not isinstance(mpy, (int, float)) or mpy < 0:
            raise UserError(f"参数 life_expectancy.min_person_years（人年数阈值）应为非负数，当前为 {mpy!r}")

    @classmethod
    def from_params(cls, params: Mapping[str, Any], year: int | None = None) -> LifeExpectancyParams:
        """From ``read_params("life_expectancy")`` ({dotted key: value}); `year` overrides the file."""
        prefix = f"{STAGE}."

        def get(name: str) -> Any:
            key = prefix + name
            if key not in params:
                raise UserError(f"params.yaml 中缺少参数 {key}", hint="请对照 README 补上该参数")
            return params[key]

        raw_year = year if year is not None else get("year")
        if isinstance(raw_year, str) and raw_year.strip().isdigit():
            raw_year = int(raw_year.strip())  # year: "2025" in params.yaml
        return cls(
            year=raw_year,
            open_age=get("open_age"),
            underreporting=get("underreporting"),
            use_surveillance_imr=get("use_surveillance_imr"),
            confidence=float(get("confidence")),
            min_person_years=float(get("min_person_years")),
        )

    @property
    def confidence_label(self) -> str:
        return f"{fmt.number(self.confidence * 100, 1).removesuffix('.0')}%"


# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------


def deaths_path(year: int) -> Path:
    """Relative path of a year's population-and-deaths file."""
    return RAW_DIR / str(year) / DEATHS_FILENAME


def required_inputs(params: LifeExpectancyParams) -> dict[Path, str]:
    """Relative path → what it holds, for every file the year's computation needs."""
    files = {
        deaths_path(params.year): f"{params.year}年分县市区、性别、年龄组的平均人口与登记死亡数",
        REGIONS_PATH: "地区表（县级单位代码与名称）",
        TARGETS_PATH: "人均预期寿命规划目标",
    }
    if params.underreporting:
        files[ADJUSTMENTS_PATH] = "分年龄段死亡漏报率（params.yaml 中 life_expectancy.underreporting 为 true）"
    if params.use_surveillance_imr:
        files[MATERNAL_CHILD_PATH] = "妇幼卫生监测婴儿死亡率（params.yaml 中 life_expectancy.use_surveillance_imr 为 true）"
    return files


def check_inputs(root: Path, params: LifeExpectancyParams) -> None:
    """UserError listing exactly the missing input files (relative paths), if any."""
    missing = [(rel, what) for rel, what in required_inputs(params).items() if not (root / rel).is_file()]
    if missing:
        lines = "\n".join(f"  - {rel.as_posix()}（{what}）" for rel, what in missing)
        raise UserError(
            f"{params.year}年人均预期寿命测算缺少以下输入文件：\n{lines}",
            hint="请把文件放到上述位置（格式与示例数据相同，示例：python -m pipeline sample-data），"
                 "或修改 params.yaml 中的 life_expectancy.year",
        )


def _read_csv_rows(path: Path, rel: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"文件 {rel.as_posix()} 不是 UTF-8 编码", hint="请另存为 UTF-8 后重试") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    absent = [c for c in columns if c not in header]
    if absent:
        raise UserError(f"文件 {rel.as_posix()} 缺少列：{'、'.join(absent)}（现有列：{'、'.join(header)}）")
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]


def load_regions(root: Path) -> Regions:
    return load_region_table(root / REGIONS_PATH)


@dataclass(frozen=True)
class UnderreportingBand:
    age_from: int
    age_to: int | None  # inclusive; None = and over
    rate: float
    source: str = ""  # the under-reporting survey, in words (life_adjustments.csv, column source)

    @property
    def label(self) -> str:
        if self.age_to is None:
            return f"{self.age_from}岁及以上"
        if self.age_to == self.age_from:
            return f"{self.age_from}岁"
        return f"{self.age_from}～{self.age_to}岁"


def _int(text: str, rel: Path, line: int, column: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"文件 {rel.as_posix()} 第 {line} 行，列“{column}”不是数字：“{text}”") from None
    if value != int(value):
        raise UserError(f"文件 {rel.as_posix()} 第 {line} 行，列“{column}”应为整数年龄：“{text}”")
    return int(value)


def load_underreporting(root: Path) -> tuple[UnderreportingBand, ...]:
    """Bands from life_adjustments.csv, checked: from 0, contiguous, the last open, 0 <= rate < 1."""
    rel = ADJUSTMENTS_PATH
    rows = _read_csv_rows(root / rel, rel, ("age_from", "age_to", "underreporting_rate"))
    bands: list[UnderreportingBand] = []
    for line, row in enumerate(rows, start=2):
        age_from = _int(row["age_from"], rel, line, "age_from")
        age_to = None if row["age_to"] == "" else _int(row["age_to"], rel, line, "age_to")
        try:
            rate = float(row["underreporting_rate"])
        except ValueError:
            raise UserError(f"文件 {rel.as_posix()} 第 {line} 行，漏报率不是数字：“{row['underreporting_rate']}”") from None
        if not 0.0 <= rate < 1.0:
            raise UserError(f"文件 {rel.as_posix()} 第 {line} 行，漏报率应在 0（含）到 1 之间，当前为 {rate}")
        if age_to is not None and age_to < age_from:
            raise UserError(f"文件 {rel.as_posix()} 第 {line} 行，终止年龄 {age_to} 小于起始年龄 {age_from}")
        bands.append(UnderreportingBand(age_from, age_to, rate, row.get("source", "")))
    bands.sort(key=lambda b: b.age_from)
    if not bands or bands[0].age_from != 0:
        raise UserError(f"文件 {rel.as_posix()} 的年龄段应从 0 岁开始")
    for prev, nxt in zip(bands, bands[1:]):
        if prev.age_to is None or prev.age_to + 1 != nxt.age_from:
            raise UserError(f"文件 {rel.as_posix()} 的年龄段应首尾相接、不重叠：{prev.label} 之后是 {nxt.label}")
    if bands[-1].age_to is not None:
        raise UserError(f"文件 {rel.as_posix()} 的最后一个年龄段应为“及以上”（age_to 留空）")
    return tuple(bands)


@dataclass(frozen=True)
class Target:
    plan: str
    target_year: int
    e0: float
    wording: str

    @property
    def name(self) -> str:
        return f"“{self.plan}”规划目标" if not self.plan.isdigit() else f"{self.plan}年目标"


def load_targets(root: Path) -> tuple[Target, ...]:
    rel = TARGETS_PATH
    rows = _read_csv_rows(root / rel, rel, ("plan", "target_year", "e0_target", "wording"))
    targets = []
    for line, row in enumerate(rows, start=2):
        try:
            value = float(row["e0_target"])
        except ValueError:
            raise UserError(f"文件 {rel.as_posix()} 第 {line} 行，目标值不是数字：“{row['e0_target']}”") from None
        targets.append(Target(row["plan"], _int(row["target_year"], rel, line, "target_year"), value,
                              row["wording"] or f"{fmt.number(value, 0)}岁"))
    return tuple(sorted(targets, key=lambda t: t.target_year))


def load_deaths(root: Path, year: int, regions: Regions) -> pl.DataFrame:
    """The year's input, validated: region_code, sex (男/女), age, population, deaths (Float64)."""
    rel = deaths_path(year)
    try:
        data = read_life_table_input(root / rel)
    except LifeTableInputError as exc:
        raise UserError(f"{rel.as_posix()}：{exc}") from exc
    for column in ("region_code", "sex"):
        if column not in data.columns:
            raise UserError(f"文件 {rel.as_posix()} 缺少列 {column}（{'地区代码' if column == 'region_code' else '性别'}）")
    sexes = data.get_column("sex").to_list()
    bad = sorted({s for s in sexes if _SEX_CODES.get(str(s).strip().lower()) is None})
    if bad:
        raise UserError(f"文件 {rel.as_posix()} 中性别无法识别：{'、'.join(bad)}（应为 男 或 女）")
    data = data.with_columns(pl.Series("sex", [_SEX_CODES[str(s).strip().lower()] for s in sexes], dtype=pl.String))
    unknown = sorted(set(data.get_column("region_code").to_list()) - set(regions.unit_codes))
    if unknown:
        raise UserError(
            f"文件 {rel.as_posix()} 中有地区表之外的地区代码：{'、'.join(unknown)}",
            hint=f"请核对代码，或在 {REGIONS_PATH.as_posix()} 中补充该地区",
        )
    ages_by_group = data.group_by("region_code", "sex").agg(pl.col("age").sort()).sort("region_code", "sex")
    reference = ages_by_group.get_column("age")[0].to_list()
    for code, sex, ages in ages_by_group.iter_rows():
        if list(ages) != reference:
            raise UserError(
                f"文件 {rel.as_posix()} 中各组的年龄组不一致：{regions.name(code)}（{code}）{sex}性为 "
                f"{'、'.join(_age_text(a) for a in ages)}，其他组为 {'、'.join(_age_text(a) for a in reference)}"
            )
    return data.select("region_code", "sex", "age", "population", "deaths")


def _age_text(age: float) -> str:
    return str(int(age)) if age == int(age) else repr(age)


def regroup(data: pl.DataFrame, open_age: int, source: str) -> pl.DataFrame:
    """Merge every age group from `open_age` up into the open interval `open_age`+."""
    ages = sorted(set(data.get_column("age").to_list()))
    if float(open_age) not in ages:
        top = _age_text(ages[-1])
        if open_age > ages[-1]:
            raise UserError(
                f"{source} 的最高年龄组为 {top} 岁及以上，无法按 {open_age} 岁及以上的开放组计算",
                hint=f"请把 params.yaml 中的 life_expectancy.open_age 改为 {top} 或更小的年龄组起点",
            )
        raise UserError(f"{source} 中没有以 {open_age} 岁开始的年龄组（现有：{'、'.join(_age_text(a) for a in ages)}）")
    merged = data.with_columns(pl.min_horizontal(pl.col("age"), pl.lit(float(open_age))).alias("age"))
    return (
        merged.group_by("region_code", "sex", "age", maintain_order=True)
        .agg(pl.col("population").sum(), pl.col("deaths").sum())
        .sort("region_code", "sex", "age")
    )


def age_label(age: float, next_age: float | None) -> str:
    """'0岁', '1～4岁', '85岁及以上'."""
    start = _age_text(age)
    if next_age is None:
        return f"{start}岁及以上"
    end = next_age - 1
    if end == age:
        return f"{start}岁"
    return f"{start}～{_age_text(end)}岁"


def underreporting_by_age(ages: Sequence[float], bands: Sequence[UnderreportingBand]) -> dict[float, float]:
    """Rate for each life-table age group; the group must lie within one band."""
    rates: dict[float, float] = {}
    for i, age in enumerate(ages):
        last = None if i == len(ages) - 1 else ages[i + 1] - 1
        band = next(b for b in reversed(bands) if b.age_from <= age)
        inside = band.age_to is None if last is None else (band.age_to is None or last <= band.age_to)
        if not inside:
            raise UserError(
                f"年龄组 {age_label(age, None if last is None else last + 1)} 跨越了漏报率年龄段 {band.label} 的边界，"
                "无法确定该组的漏报率",
                hint=f"请调整 {ADJUSTMENTS_PATH.as_posix()} 的年龄段，使其边界与寿命表年龄组（0、1、5、10……）一致",
            )
        rates[float(age)] = band.rate
    return rates


# ---------------------------------------------------------------------------
# computation
# ---------------------------------------------------------------------------


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


def _registration_q0(frame: pl.DataFrame) -> float:
    m0 = frame.get_column("deaths")[0] / frame.get_column("population")[0]
    return m0 / (1.0 + (1.0 - A0) * m0)


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
    base = LifeTableOptions(a0=A0, confidence=params.confidence, min_person_years=params.min_person_years)

    infant_first = len(ages) >= 2 and ages[0] == 0 and ages[1] == 1
    factor: float | None = None
    group_imr: list[float | None] = [None] * len(group_list)
    if imr is not None:
        if not infant_first:
            raise UserError("使用监测婴儿死亡率要求第一个年龄组为 0 岁（下一个年龄组从 1 岁开始）")
        group_imr[:], factor = surveillance.group_q0(imr, group_list, regions.city_code, _registration_q0)

    records: list[dict[str, Any]] = []
    tables: list[pl.DataFrame] = []
    for g, imr_g in zip(group_list, group_imr):
        options = LifeTableOptions(
            a0=A0, confidence=params.confidence, min_person_years=params.min_person_years,
            underreporting=rates, imr_per_1000=imr_g,
        )
        person_years = math.fsum(g.data.get_column("population").to_list())
        registered = math.fsum(g.data.get_column("deaths").to_list())
        record: dict[str, Any] = {
            "year": year, "level": g.level, "region_code": g.region_code,
            "region_name": regions.name(g.region_code), "sex": g.sex,
            "e0": None, "e0_lower": None, "e0_upper": None, "e0_var": None,
            "confidence": float(params.confidence), "total_person_years": person_years,
            "deaths_registered": registered, "deaths_used": None,
            "unstable": person_years < params.min_person_years, "status": "",
            "e0_unadjusted": None, "a0": A0, "underreporting_applied": rates is not None,
            "imr_per_1000": imr_g,
        }
        try:
            table = life_table(g.data, options)
            summary = life_expectancy_summary(g.data, options).row(0, named=True)
            unadjusted = life_expectancy_summary(g.data, base).row(0, named=True)
        except LifeTableInputError as exc:
            if not record["unstable"]:
                where = f"{regions.name(g.region_code)}（{g.region_code}）{g.sex}"
                raise UserError(f"{year}年{where}的寿命表无法计算：{exc}") from exc
            record["status"] = "人年数不足，无法编表"
            records.append(record)
            continue
        record.update(
            e0=summary["e0"], e0_lower=summary["e0_lower"], e0_upper=summary["e0_upper"],
            e0_var=summary["e0_var"], deaths_used=summary["deaths_used"], e0_unadjusted=unadjusted["e0"],
        )
        if record["unstable"]:
            record["status"] = "人年数不足，结果不稳定"
        records.append(record)
        labels = [age_label(a, ages[i + 1] if i + 1 < len(ages) else None) for i, a in enumerate(ages)]
        tables.append(
            table.with_columns(
                pl.lit(g.level).alias("level"),
                pl.lit(g.region_code).alias("region_code"),
                pl.lit(g.sex).alias("sex"),
                pl.Series("age_label", labels, dtype=pl.String),
                g.data.get_column("deaths").alias("deaths_registered"),
            )
        )
    schema = _summary_schema()
    summary_df = pl.DataFrame(records, schema={k: v for k, v in schema.items() if k in records[0]})
    table_df = (
        pl.concat(tables, how="vertical").select(
            "level", "region_code", "sex", "age", "age_label", "n", "population", "deaths_registered", "deaths",
            "mx", "qx", "ax", "lx", "dx", "Lx", "Tx", "ex", "ex_var", "ex_lower", "ex_upper",
        )
        if tables
        else pl.DataFrame()
    )
    return YearResult(year, summary_df, table_df, None if imr is None else imr.city, factor,
                      None if imr is None else _registration_q0(group_list[0].data) * 1000.0,
                      None if imr is None else imr.source)


def _summary_schema() -> dict[str, Any]:
    types: dict[str, Any] = {c: pl.Float64 for c in SUMMARY_COLUMNS}
    types.update(year=pl.Int64, level=pl.String, region_code=pl.String, region_name=pl.String, sex=pl.String,
                 unstable=pl.Boolean, status=pl.String, underreporting_applied=pl.Boolean, rank=pl.Int64)
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
    return LifeExpectancyResult(
        params=params, regions=regions, current=current, previous=previous, previous_note=note, summary=summary,
        bands=bands, targets=targets, missing_counties=tuple(c for c in regions.unit_codes if c not in present),
        input_files=tuple(inputs),
    )


# ---------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------


def _e0(value: float | None) -> str:
    return fmt.number(value, 2)


def _ci(row: Mapping[str, Any]) -> str:
    if fmt.is_missing(row.get("e0_lower")) or fmt.is_missing(row.get("e0_upper")):
        return fmt.DASH
    return f"{_e0(row['e0_lower'])}～{_e0(row['e0_upper'])}"


def _shown(row: Mapping[str, Any] | None) -> bool:
    return row is not None and row.get("e0") is not None and not row.get("unstable")


def change_phrase(change: float | None) -> str:
    """'比上年提高0.31岁' / '比上年降低0.05岁' / '与上年持平'."""
    if fmt.is_missing(change):
        return ""
    text = fmt.number(abs(change), 2)  # type: ignore[arg-type]
    if set(text) <= {"0", "."}:
        return "与上年持平"
    return f"比上年{'提高' if change > 0 else '降低'}{text}岁"  # type: ignore[operator]


def target_phrase(e0: float, target: Target) -> str:
    """'已达到“十四五”规划目标（2025年78岁左右）' or '距…尚差0.12岁'."""
    year = f"{target.target_year}年"
    what = f"{target.name}（{'' if year in target.name else year}{target.wording}）"
    gap = target.e0 - e0
    if fmt.round_half_up(gap, 2) <= 0:
        return f"已达到{what}，高出{fmt.number(-gap, 2)}岁" if fmt.round_half_up(-gap, 2) > 0 else f"已达到{what}"
    return f"距{what}尚差{fmt.number(gap, 2)}岁"


def headline(result: LifeExpectancyResult) -> str:
    """The first paragraph of 一、测算结果."""
    p = result.params
    city = result.regions.city_code
    total, men, women = (result.row(city, s) for s in SEXES)
    if not _shown(total):
        return f"{p.year}年全市人口或死亡数据不足，未能得到稳定的人均预期寿命估计。"
    assert total is not None
    conf = p.confidence_label
    text = f"{p.year}年全市人均预期寿命为{_e0(total['e0'])}岁（{conf}置信区间：{_ci(total)}岁）"
    change = change_phrase(total.get("e0_change"))
    text += f"，{change}" if change else f"（{result.previous_note}）"
    parts = []
    for label, row in (("男性", men), ("女性", women)):
        if _shown(row):
            assert row is not None
            piece = f"{label}{_e0(row['e0'])}岁（{_ci(row)}岁）"
            ch = change_phrase(row.get("e0_change"))
            parts.append(piece + (f"，{ch}" if ch else ""))
    if parts:
        text += "；其中" + "，".join(parts)
        if _shown(men) and _shown(women):
            assert men is not None and women is not None
            text += f"，女性比男性高{fmt.number(women['e0'] - men['e0'], 2)}岁"
    text += "。"
    relevant = [t for t in result.targets if t.target_year >= p.year] or list(result.targets[-1:])
    if relevant:
        text += "与规划目标相比，" + "；".join(target_phrase(total["e0"], t) for t in relevant) + "。"
    return text


def county_sentence(result: LifeExpectancyResult) -> str:
    rows = result.summary.filter(
        (pl.col("level") == COUNTY_LEVEL) & (pl.col("sex") == "合计") & pl.col("e0").is_not_null()
        & ~pl.col("unstable")
    ).sort("rank")
    if rows.height == 0:
        return ""
    top, bottom = rows.row(0, named=True), rows.row(rows.height - 1, named=True)
    text = (f"分县市区看，人均预期寿命最高的是{top['region_name']}（{_e0(top['e0'])}岁），"
            f"最低的是{bottom['region_name']}（{_e0(bottom['e0'])}岁），相差{fmt.number(top['e0'] - bottom['e0'], 2)}岁")
    above = rows.filter(pl.col("e0") >= 78.0).height
    text += f"；{rows.height}个县级单位中有{above}个达到78岁。"
    flagged = _flagged_names(result)
    if flagged:
        text += f"{'、'.join(flagged)}总人年数不足{fmt.number(result.params.min_person_years, 0, thousands=True)}，结果不稳定，不给出点估计。"
    return text


def _flagged_names(result: LifeExpectancyResult) -> list[str]:
    rows = result.summary.filter(
        (pl.col("level") == COUNTY_LEVEL) & (pl.col("sex") == "合计") & pl.col("unstable")
    )
    return rows.get_column("region_name").to_list()


def _markdown_table(header: Sequence[str], align: Sequence[str], rows: Sequence[Sequence[str]],
                    caption: str | None = None, widths: Sequence[int] | None = None) -> str:
    """A pandoc pipe table; `widths` are relative column widths (dash counts of the separator line)."""
    sizes = list(widths) if widths is not None else [4] * len(align)

    def mark(a: str, w: int) -> str:
        dashes = "-" * max(3, w - (2 if a == "c" else 1))
        return {"l": ":" + dashes, "r": dashes + ":", "c": ":" + dashes + ":"}[a]

    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(mark(a, w) for a, w in zip(align, sizes)) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    if caption:
        lines += ["", f": {caption}"]
    return "\n".join(lines)


def _cell_e0(row: Mapping[str, Any] | None) -> str:
    return _e0(row["e0"]) if _shown(row) else fmt.DASH  # type: ignore[index]


def city_table(result: LifeExpectancyResult) -> str:
    p = result.params
    header = ["性别", "预期寿命(岁)", f"{p.confidence_label}置信区间(岁)", f"{p.year - 1}年(岁)", "增减(岁)"]
    rows = []
    for sex in SEXES:
        row = result.row(result.regions.city_code, sex)
        shown = _shown(row)
        rows.append([
            sex, _cell_e0(row), _ci(row) if shown else fmt.DASH,  # type: ignore[arg-type]
            _e0(row.get("e0_previous")) if row else fmt.DASH,
            change_text(row.get("e0_change"), 2) if row else fmt.DASH,
        ])
    return _markdown_table(header, ["l", "r", "c", "r", "r"], rows,
                           f"表1　{result.regions.city_name}{p.year}年人均预期寿命")


def county_table(result: LifeExpectancyResult) -> str:
    p = result.params
    header = ["地区", "合计(岁)", f"{p.confidence_label}置信区间(岁)", "男(岁)", "女(岁)",
              f"{p.year - 1}年(岁)", "增减(岁)", "位次"]
    rows = []
    for code in result.regions.unit_codes:
        total, men, women = (result.row(code, s) for s in SEXES)
        assert total is not None
        name = total["region_name"]
        if not _shown(total) and total["status"]:
            name += "*" if total["status"] != "无数据" else "（无数据）"
        rows.append([
            name, _cell_e0(total), _ci(total) if _shown(total) else fmt.DASH, _cell_e0(men), _cell_e0(women),
            _e0(total.get("e0_previous")), change_text(total.get("e0_change"), 2),
            fmt.number(total.get("rank"), 0),
        ])
    return _markdown_table(header, ["l", "r", "c", "r", "r", "r", "r", "r"], rows,
                           f"表2　各县市区{p.year}年人均预期寿命", widths=[20, 9, 15, 8, 8, 11, 9, 6])


def life_table_markdown(result: LifeExpectancyResult, caption: str) -> str:
    t = result.current.tables.filter(
        (pl.col("region_code") == result.regions.city_code) & (pl.col("sex") == "合计")
    ).sort("age")
    header = ["年龄组", "人口数", "死亡数", "死亡率 mx", "死亡概率 qx", "尚存人数 lx", "死亡人数 dx",
              "生存人年数 Lx", "累计生存人年数 Tx", "预期寿命 ex"]
    rows = []
    for r in t.iter_rows(named=True):
        rows.append([
            r["age_label"], fmt.number(r["population"], 0, thousands=True), fmt.number(r["deaths"], 0, thousands=True),
            fmt.number(r["mx"], 6), fmt.number(r["qx"], 6), fmt.number(r["lx"], 0, thousands=True),
            fmt.number(r["dx"], 0, thousands=True), fmt.number(r["Lx"], 0, thousands=True),
            fmt.number(r["Tx"], 0, thousands=True), fmt.number(r["ex"], 2),
        ])
    return _markdown_table(header, ["l"] + ["r"] * 9, rows, caption, widths=[14, 9, 8, 10, 10, 9, 9, 10, 11, 8])


def adjustment_table(result: LifeExpectancyResult) -> str:
    """Registered vs adjusted deaths of the city (both sexes) by under-reporting band / infant row."""
    t = result.current.tables.filter(
        (pl.col("region_code") == result.regions.city_code) & (pl.col("sex") == "合计")
    ).sort("age")
    rows = []
    if result.bands is not None:
        for band in result.bands:
            upper = math.inf if band.age_to is None else band.age_to
            part = t.filter((pl.col("age") >= band.age_from) & (pl.col("age") <= upper))
            if part.height == 0:
                continue
            reg = math.fsum(part.get_column("deaths_registered").to_list())
            used = math.fsum(part.get_column("deaths").to_list())
            by_imr = band.age_from == 0 and result.current.imr_per_1000 is not None
            note = ("按监测婴儿死亡率推算" if band.age_to == 0 else "0岁按监测婴儿死亡率推算，其余按漏报率") if by_imr else ""
            rows.append([band.label, fmt.DASH if by_imr and band.age_to == 0 else fmt.number(band.rate * 100, 1), fmt.number(reg, 0, thousands=True),
                         fmt.number(used, 0, thousands=True), fmt.number(used - reg, 0, thousands=True), note])
    else:
        infant = t.filter(pl.col("age") == 0)
        if infant.height and result.current.imr_per_1000 is not None:
            reg, used = infant.get_column("deaths_registered")[0], infant.get_column("deaths")[0]
            rows.append(["0岁", fmt.DASH, fmt.number(reg, 0, thousands=True), fmt.number(used, 0, thousands=True),
                         fmt.number(used - reg, 0, thousands=True), "按监测婴儿死亡率推算"])
    reg_all = math.fsum(t.get_column("deaths_registered").to_list())
    used_all = math.fsum(t.get_column("deaths").to_list())
    rows.append(["合计", fmt.DASH, fmt.number(reg_all, 0, thousands=True), fmt.number(used_all, 0, thousands=True),
                 fmt.number(used_all - reg_all, 0, thousands=True), ""])
    return _markdown_table(
        ["年龄段", "漏报率(%)", "登记死亡数", "调整后死亡数", "增加", "说明"], ["l", "r", "r", "r", "r", "l"], rows,
        f"表3　{result.regions.city_name}{result.params.year}年死亡数调整前后对比（合计）",
    )


def effect_table(result: LifeExpectancyResult) -> str:
    rows = []
    for sex in SEXES:
        row = result.row(result.regions.city_code, sex)
        if row is None:
            continue
        diff = None if not _shown(row) or row["e0_unadjusted"] is None else row["e0"] - row["e0_unadjusted"]
        rows.append([sex, _e0(row["e0_unadjusted"]), _cell_e0(row), change_text(diff, 2)])
    return _markdown_table(["性别", "按登记数据(岁)", "调整后(岁)", "差值(岁)"], ["l", "r", "r", "r"], rows,
                           f"表4　调整对全市人均预期寿命的影响（{result.params.year}年）")


def input_sources(result: LifeExpectancyResult) -> list[str]:
    """The data sources in words (no file names): population, death registration, the under-reporting survey
    and the infant mortality surveillance, each as its input says."""
    out = ["人口为统计部门提供的分年龄、性别年平均人口", "死亡为死亡信息登记报告的登记死亡数"]
    if result.bands is not None:
        out.append("死亡漏报率：" + "、".join(dict.fromkeys(b.source for b in result.bands if b.source) or ["死亡漏报调查"]))
    if result.current.imr_source:
        out.append("婴儿死亡率：" + result.current.imr_source)
    return out


def placeholder_mark(result: LifeExpectancyResult) -> list[str]:
    """A visible 样稿 mark when an input says it is sample data (示例数据) rather than a real survey."""
    if not any("示例数据" in text for text in input_sources(result)):
        return []
    return ["**样稿：本报告的部分输入（死亡漏报率等）为示例数据，不是本地调查结果，仅供演示，不得作为正式测算结果引用。**", ""]


def methods_text(result: LifeExpectancyResult) -> list[str]:
    p = result.params
    cur = result.current
    city_total = result.row(result.regions.city_code, "合计")
    assert city_total is not None
    pop = city_total["total_person_years"]
    reg = city_total["deaths_registered"]
    sources = "；".join(input_sources(result))
    paragraphs = [
        "### （一）数据来源",
        f"人口数据为各县市区分性别、分年龄组（0岁，1～4岁，5～9岁至{p.open_age - 5}～{p.open_age - 1}岁每5岁一组，"
        f"{p.open_age}岁及以上）的年平均人口；死亡数据为同口径的死亡登记报告数。{p.year}年全市年平均人口"
        f"{fmt.number(pop, 0, thousands=True)}人，登记死亡{fmt.number(reg, 0, thousands=True)}人，"
        f"粗死亡率{fmt.number(reg / pop * 1000, 2)}‰。全市结果由各县市区数据相加后计算。资料来源：{sources}。",
        "### （二）测算方法",
        "采用 Chiang II 法编制简略寿命表：年龄组死亡率 mx = 死亡数 / 平均人口数；"
        "死亡概率 qx = n·mx / [1 + n·(1 − ax)·mx]，n 为组距；0岁组 a0 = 0.1，其余闭区间 ax = 0.5；"
        "最高年龄组为开放组，qx = 1，生存人年数 Lx = lx / mx；Tx 为 Lx 自该年龄组起的累计，预期寿命 ex = Tx / lx。"
        "出生时预期寿命 e0 即人均预期寿命。",
        f"预期寿命的{p.confidence_label}置信区间按 Chiang 方差法计算：闭区间 var(qx) = qx²·(1 − qx) / Dx，"
        "开放组按 Silcocks 等（2001）取 1 / (Dx·mx²)，置信区间为 e0 ± z·√var(e0)。"
        f"总人年数不足{fmt.number(p.min_person_years, 0, thousands=True)}的组结果不稳定，报告中以“—”表示，不给出点估计。",
        "### （三）数据调整",
    ]
    adjustments = []
    if result.bands is not None:
        infant_by_imr = cur.imr_per_1000 is not None
        rates = "，".join(f"{b.label}{fmt.number(b.rate * 100, 1)}%" for b in result.bands
                         if not (infant_by_imr and b.age_to == 0))
        adjustments.append(
            f"死亡漏报调整：按死亡漏报调查的分年龄段漏报率 r，调整后死亡数 = 登记死亡数 / (1 − r)。所用漏报率为：{rates}"
            + ("；0岁组不按漏报率调整，按监测婴儿死亡率推算（见下）。" if infant_by_imr else "。")
        )
    if cur.imr_per_1000 is not None:
        adjustments.append(
            f"婴儿死亡率：采用{cur.imr_source}，全市婴儿死亡率{fmt.number(cur.imr_per_1000, 2)}‰"
            f"（按登记死亡计算为{fmt.number(cur.registered_q0, 2)}‰），与统计报告及提要所用数据相同。"
            "有监测数据的县市区，0岁死亡概率 q0 取本县市区的监测婴儿死亡率（登记婴儿死亡为 0 的县市区也不例外）；"
            f"没有监测数据的县市区借用全市的校准系数，q0 = 登记 q0 × {fmt.number(cur.imr_factor, 4)}"
            "（全市监测值与登记值之比）；男、女按本地区登记的性别比例分配。据此反推 0岁组死亡率和死亡数，"
            "0岁组不再另作漏报调整。"
        )
    if not adjustments:
        adjustments.append("本次测算未作任何调整，直接采用登记死亡数。")
    paragraphs += adjustments
    if result.bands is not None or cur.imr_per_1000 is not None:
        paragraphs += ["调整前后的死亡数和人均预期寿命见表3、表4。", adjustment_table(result), effect_table(result)]
    return paragraphs


def notes(result: LifeExpectancyResult) -> list[str]:
    p = result.params
    items = [
        f"“—”表示无数据或结果不稳定（总人年数不足{fmt.number(p.min_person_years, 0, thousands=True)}）"
        + ("；标“*”的地区结果不稳定，不给出点估计。" if _flagged_names(result) else "。"),
        "位次按各县级单位合计人均预期寿命由高到低排列，不含结果不稳定的单位。",
        "表中数据按四舍五入修约，增减按未修约数据计算。",
        "全部寿命表（全市及各县市区，合计、男、女）和预期寿命汇总另附数据表（Excel、CSV）。",
    ]
    if result.previous_note:
        items.append(result.previous_note + "。")
    if result.missing_counties:
        names = "、".join(result.regions.name(c) for c in result.missing_counties)
        items.append(f"{names}无数据，全市合计不含这些地区。")
    return [f"{i}. {text}" for i, text in enumerate(items, start=1)]


# ---------------------------------------------------------------------------
# chart
# ---------------------------------------------------------------------------


def county_chart(result: LifeExpectancyResult) -> Any:
    """e0 (合计) by county with CI bars, sorted, the city value as a dashed line."""
    import altair as alt

    from pipeline.render import charts

    rows = result.summary.filter(
        (pl.col("level") == COUNTY_LEVEL) & (pl.col("sex") == "合计") & pl.col("e0").is_not_null()
        & ~pl.col("unstable")
    ).sort(["e0", "region_code"], descending=[True, False])
    values = [
        {"region": r["region_name"], "e0": r["e0"], "lower": r["e0_lower"], "upper": r["e0_upper"],
         "label": _e0(r["e0"])}
        for r in rows.iter_rows(named=True)
    ]
    order = [v["region"] for v in values]
    city = result.row(result.regions.city_code, "合计")
    lows = [v["lower"] for v in values] + ([city["e0"]] if _shown(city) else [])  # type: ignore[index]
    highs = [v["upper"] for v in values] + ([city["e0"]] if _shown(city) else [])  # type: ignore[index]
    domain = [math.floor(min(lows)) - 0.5, math.ceil(max(highs)) + 1.5] if values else [70, 85]
    x_scale = alt.Scale(domain=domain, zero=False, nice=False)
    y = alt.Y("region:N", title=None, sort=order, axis=alt.Axis(ticks=False, labelPadding=6))
    base = alt.Chart(alt.InlineData(values=values)).encode(y=y)
    bars = base.mark_errorbar(ticks=alt.TickConfig(thickness=1.2, size=8), color=charts.PALETTE[0],
                              thickness=1.2).encode(
        x=alt.X("lower:Q", title=f"人均预期寿命（岁）及{result.params.confidence_label}置信区间", scale=x_scale,
                axis=alt.Axis(format="~f", grid=True, tickMinStep=0.5)),
        x2="upper:Q",
    )
    points = base.mark_point(filled=True, size=48, color=charts.PALETTE[0], opacity=1).encode(x=alt.X("e0:Q"))
    labels = base.mark_text(align="right", fontSize=10).encode(x=alt.datum(domain[1]), text="label:N")
    layers: list[Any] = [bars, points, labels]
    if _shown(city):
        assert city is not None
        ref = [{"e0": city["e0"], "text": f"全市 {_e0(city['e0'])}"}]
        rule = alt.Chart(alt.InlineData(values=ref)).mark_rule(
            color=charts.PALETTE[1], strokeDash=[4, 3], strokeWidth=1.2).encode(x="e0:Q")
        text = alt.Chart(alt.InlineData(values=ref)).mark_text(
            color=charts.PALETTE[1], align="left", baseline="bottom", dx=4, dy=-2, fontSize=10, y=0,
        ).encode(x="e0:Q", text="text:N")
        layers = [rule, *layers, text]
    chart = alt.LayerChart(layer=layers).properties(width=charts.DEFAULT_WIDTH - 80,
                                                     height=alt.Step(charts.BAR_STEP))
    return charts.configure(chart)


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------


def _sheet_title(name: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet"
    base, n = title, 2
    while title in used:
        suffix = f"_{n}"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


def write_xlsx(result: LifeExpectancyResult, target: Path) -> None:
    """Summary sheet, one sheet per region (合计/男/女 rows stacked, 性别 column), notes; reproducible bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    p = result.params
    wb = Workbook()
    wb.properties.creator = ""
    wb.properties.title = f"{result.regions.city_name}{p.year}年寿命表"
    bold = Font(bold=True)
    used: set[str] = set()

    # Summary.
    ws = wb.active
    ws.title = _sheet_title(SUMMARY_SHEET, used)
    pct = p.confidence_label
    header = ["地区代码", "地区", "性别", "人均预期寿命(岁)", f"{pct}置信区间下限", f"{pct}置信区间上限",
              "总人年数", "登记死亡数", "调整后死亡数", "结果不稳定", "说明", "按登记数据(岁)",
              f"{p.year - 1}年(岁)", "增减(岁)", "位次"]
    formats = ["@", "@", "@", "0.00", "0.00", "0.00", "#,##0", "#,##0", "#,##0.0", "@", "@", "0.00", "0.00",
               "+0.00;-0.00;0.00", "0"]
    ws.append(header)
    for r in result.summary.iter_rows(named=True):
        ws.append([r["region_code"], r["region_name"], r["sex"], r["e0"], r["e0_lower"], r["e0_upper"],
                   r["total_person_years"], r["deaths_registered"], r["deaths_used"],
                   "是" if r["unstable"] else "否", r["status"] or None, r["e0_unadjusted"], r["e0_previous"],
                   fmt.display_value(r["e0_change"], 2), r["rank"]])
    _style_sheet(ws, formats, [10, 18, 6, 14, 14, 14, 12, 12, 12, 10, 22, 14, 12, 10, 6], bold, Alignment,
                 get_column_letter)

    # One sheet per region.
    table_header = ["性别", "年龄组"] + [h.format(pct=pct) for _, h, _ in XLSX_TABLE_COLUMNS]
    table_formats = ["@", "@"] + [f for _, _, f in XLSX_TABLE_COLUMNS]
    tables = result.current.tables
    for code in [result.regions.city_code, *result.regions.unit_codes]:
        part = tables.filter(pl.col("region_code") == code) if tables.height else tables
        if part.height == 0:
            continue
        part = part.with_columns(pl.col("sex").replace_strict(SEX_ORDER, default=9).alias("_s")).sort("_s", "age")
        ws = wb.create_sheet(_sheet_title(result.regions.name(code), used))
        ws.append(table_header)
        for r in part.iter_rows(named=True):
            ws.append([r["sex"], r["age_label"], *(r[c] for c, _, _ in XLSX_TABLE_COLUMNS)])
        _style_sheet(ws, table_formats, [6, 12] + [14] * len(XLSX_TABLE_COLUMNS), bold, Alignment,
                     get_column_letter)

    # Notes.
    ws = wb.create_sheet(_sheet_title(NOTES_SHEET, used))
    lines = [
        f"{result.regions.city_name}{p.year}年简略寿命表（Chiang II 法）",
        "各地区工作表按性别（合计、男、女）依次列出寿命表；“死亡数”为调整后死亡数，死亡率 mx = 死亡数 / 人口数。",
        f"0岁组 a0 = {A0}，其余闭区间 ax = 0.5；最高年龄组 {p.open_age}岁及以上为开放组，Lx = lx / mx；l0 = 100000。",
        f"{pct}置信区间按 Chiang 方差法（开放组按 Silcocks 等 2001）计算。",
        f"死亡漏报调整：{'是' if result.bands is not None else '否'}；"
        f"监测婴儿死亡率：{'是（' + fmt.number(result.current.imr_per_1000, 2) + '‰）' if result.current.imr_per_1000 else '否'}。",
        f"总人年数不足 {fmt.number(p.min_person_years, 0)} 的组结果不稳定。",
    ]
    for line in lines:
        ws.append([line])
    ws.column_dimensions["A"].width = 100

    save_workbook(wb, target)


def _style_sheet(ws: Any, formats: Sequence[str], widths: Sequence[int], bold: Any, alignment: Any,
                 column_letter: Any) -> None:
    for cell in ws[1]:
        cell.font = bold
        cell.alignment = alignment(horizontal="center", vertical="center", wrap_text=True)
    for idx, (number_format, width) in enumerate(zip(formats, widths), start=1):
        ws.column_dimensions[column_letter(idx)].width = width
        for row in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
            row[0].number_format = number_format
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text from the data, never a formula
    ws.freeze_panes = "A2"


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LifeExpectancyDocument:
    out_dir: Path
    source_dir: Path
    markdown_path: Path
    markdown: str
    summary_csv: Path
    xlsx: Path


def summary_frame(result: LifeExpectancyResult) -> pl.DataFrame:
    return result.summary.select(SUMMARY_COLUMNS)


def build_markdown(result: LifeExpectancyResult, org_name: str, chart_rel: str | None) -> str:
    p = result.params
    city_name = result.regions.city_name
    body = [
        "---",
        f'title: "{city_name}{p.year}年人均预期寿命测算报告"',
        f'author: "{org_name}"',
        "lang: zh-Hans",
        "---",
        "",
        *placeholder_mark(result),
        "## 一、测算结果",
        "",
        headline(result),
        "",
        city_table(result),
        "",
    ]
    sentence = county_sentence(result)
    if sentence:
        body += [sentence, ""]
    body += [county_table(result), ""]
    if _flagged_names(result):
        body += [f"注：标“*”的地区总人年数不足{fmt.number(p.min_person_years, 0, thousands=True)}，"
                 "结果不稳定，以“—”表示，不给出点估计，也不参加排位。", ""]
    if chart_rel:
        body += [f"![图1　各县市区人均预期寿命及{p.confidence_label}置信区间（{p.year}年，虚线为全市）]({chart_rel})",
                 ""]
    body += ["## 二、数据与方法", ""]
    for paragraph in methods_text(result):
        body += [paragraph, ""]
    body += [
        "## 三、寿命表",
        "",
        f"{city_name}{p.year}年简略寿命表（合计）见表5；分性别、分县市区的寿命表及各年龄组预期寿命的置信区间见随本报告发布的寿命表（Excel）。",
        "",
        life_table_markdown(result, f"表5　{city_name}{p.year}年简略寿命表（合计）"),
        "",
        "## 说明",
        "",
        *notes(result),
        "",
    ]
    return "\n".join(body)


def build_report(result: LifeExpectancyResult, out_dir: Path, org_name: str) -> LifeExpectancyDocument:
    """Write summary.csv, life_tables.xlsx, the chart SVG and source/report.md into `out_dir`."""
    from pipeline.render import charts

    out_dir = Path(out_dir)
    source = out_dir / "source"
    (source / "charts").mkdir(parents=True, exist_ok=True)
    summary_csv = out_dir / "summary.csv"
    write_csv(summary_frame(result), summary_csv)
    xlsx = out_dir / "life_tables.xlsx"
    write_xlsx(result, xlsx)
    has_counties = result.summary.filter(
        (pl.col("level") == COUNTY_LEVEL) & (pl.col("sex") == "合计") & pl.col("e0").is_not_null()
        & ~pl.col("unstable")
    ).height > 0
    chart_rel = None
    if has_counties:
        chart_rel = "charts/e0_county.svg"
        write_text(charts.to_svg(county_chart(result)), source / chart_rel)
    md = build_markdown(result, org_name, chart_rel)
    md_path = source / "report.md"
    write_text(md, md_path)
    printed.write(result, out_dir)
    return LifeExpectancyDocument(out_dir, source, md_path, md, summary_csv, xlsx)


def render_report(doc: LifeExpectancyDocument, backend: str = "auto") -> Any:  # -> render.RenderResult
    from pipeline.render import documents as render

    try:
        return render.render_markdown(doc.markdown_path, doc.out_dir, stem="report", backend=backend)
    except render.RenderError as exc:
        raise UserError(f"测算报告排版失败：{exc}") from exc


def produce(params: LifeExpectancyParams, out_dir: Path, *, root: Path = Path("."), org_name: str,
            backend: str = "auto") -> LifeExpectancyDocument:
    """compute + build_report + render_report, without the notebook (tests, scripts)."""
    result = compute(params, root)
    doc = build_report(result, out_dir, org_name)
    render_report(doc, backend)
    return doc


def run_life_expectancy(*, params: LifeExpectancyParams, out_dir: Path, org_name: str, backend: str,
                        root: Path = Path(".")) -> None:
    """Execute notebooks/life_expectancy.py with papermill (the stage's entry point)."""
    from pipeline.render.notebook import NOTEBOOK_DIR, execute

    check_inputs(root, params)  # fail before starting a kernel, with the list of missing files
    cwd = Path.cwd()
    execute(
        NOTEBOOK_DIR / NOTEBOOK,
        out_dir / "life_expectancy.ipynb",
        parameters={
            "year": params.year,
            "open_age": params.open_age,
            "underreporting": params.underreporting,
            "use_surveillance_imr": params.use_surveillance_imr,
            "confidence": params.confidence,
            "min_person_years": params.min_person_years,
            "root": os.path.relpath(Path(root).resolve(), cwd),
            "out_dir": os.path.relpath(Path(out_dir).resolve(), cwd),
            "org_name": org_name,
            "backend": backend,
        },
        cwd=cwd,
    )
