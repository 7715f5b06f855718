"""Inputs of the life-expectancy stage: its parameters, the input files it needs and their loaders
(population and registered deaths, under-reporting bands, planning targets, the region table), and the age
groups of the life table (regrouping to the open interval, labels, the under-reporting rate of each group)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import fmt
from pipeline.errors import UserError
from pipeline.life.lifetable import LifeTableInputError, read_life_table_input
from pipeline.monthly.indicators import Regions
from pipeline.monthly.indicators import load_regions as load_region_table

STAGE = "life_expectancy"
RAW_DIR = Path("data/raw/annual")
REFERENCE_DIR = Path("data/reference")
DEATHS_FILENAME = "life_deaths.csv"
REGIONS_PATH = REFERENCE_DIR / "regions.csv"
ADJUSTMENTS_PATH = REFERENCE_DIR / "life_adjustments.csv"
MATERNAL_CHILD_PATH = REFERENCE_DIR / "maternal_child.csv"
TARGETS_PATH = REFERENCE_DIR / "life_targets.csv"

A0 = 0.1  # domain.md §8: nax = 0.1 for age 0 (the default of params.yaml life_expectancy.a0)
# life_expectancy.a0 besides a number: a0 by the Coale–Demeny rule (pipeline.life.table_compute.coale_demeny_a0)
A0_RULES = {"cd_m0": "由登记的0岁组死亡率 m0", "cd_imr": "由婴儿死亡率"}
SEXES: tuple[str, ...] = ("合计", "男", "女")
SEX_ORDER = {s: i for i, s in enumerate(SEXES)}
_SEX_CODES = {"男": "男", "男性": "男", "1": "男", "m": "男", "male": "男",
              "女": "女", "女性": "女", "2": "女", "f": "女", "female": "女"}
OPEN_AGES = (85, 90, 95, 100)
CITY_LEVEL = "全市"
COUNTY_LEVEL = "县级"


@dataclass(frozen=True)
class LifeExpectancyParams:
    """The knobs of the stage (params.yaml, section life_expectancy)."""

    year: int
    open_age: int = 85
    underreporting: bool = True
    use_surveillance_imr: bool = True
    confidence: float = 0.95
    min_person_years: float = 5000.0
    a0: float | str = A0  # a number in [0, 1], or "cd_m0" / "cd_imr" (Coale–Demeny from m0 / from the IMR)

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
        self._check_a0()

    def _check_a0(self) -> None:
        a0 = self.a0
        if isinstance(a0, str):
            if a0 not in A0_RULES:
                raise UserError(f"参数 life_expectancy.a0（0岁组 a0）应为 0 到 1 之间的数，或 cd_m0、cd_imr，当前为 {a0!r}",
                                hint="cd_m0：按 Coale–Demeny 公式由登记的0岁组死亡率推算；cd_imr：由婴儿死亡率推算")
            if a0 == "cd_imr" and not self.use_surveillance_imr:
                raise UserError("参数 life_expectancy.a0 为 cd_imr（由监测婴儿死亡率推算）时，"
                                "life_expectancy.use_surveillance_imr 须为 true",
                                hint="把 use_surveillance_imr 设为 true，或把 a0 改为 cd_m0 或一个数")
        elif isinstance(a0, bool) or not isinstance(a0, (int, float)) or not 0.0 <= a0 <= 1.0:
            raise UserError(f"参数 life_expectancy.a0（0岁组 a0）应为 0 到 1 之间的数，或 cd_m0、cd_imr，当前为 {a0!r}")

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
            a0=_a0_value(get("a0")),
        )

    @property
    def confidence_label(self) -> str:
        return f"{fmt.number(self.confidence * 100, 1).removesuffix('.0')}%"



def _a0_value(raw: Any) -> Any:
    """params.yaml life_expectancy.a0: a rule name, or a number (also when written as text, a0: "0.1")."""
    if isinstance(raw, str) and raw.strip() not in A0_RULES:
        try:
            return float(raw.strip())
        except ValueError:
            return raw
    return raw.strip() if isinstance(raw, str) else raw


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


