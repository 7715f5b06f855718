"""人均预期寿命测算：Chiang II 简略寿命表及预期寿命的置信区间。

Abridged period life table by Chiang's method ("Chiang II"), with the variance
of life expectancy by Chiang's method as used by the UK public-health
indicator tools (Silcocks, Jenner & Reza 2001; PHE/ONS life expectancy
calculator; R package PHEindicatormethods ``phe_life_expectancy``).

Method (for one group, intervals given by their start ages x_0 = 0 < x_1 < ... < x_w,
the last interval open):

* n_i = x_{i+1} - x_i (null for the open interval); a_i = fraction of the interval
  lived by those dying in it: a_0 from :class:`LifeTableOptions` (default 0.1),
  0.5 for every other closed interval.
* M_i = D_i / P_i (deaths / mid-year population or person-years).
* q_i = n_i M_i / (1 + n_i (1 - a_i) M_i), capped at 1; q_w = 1 (open interval).
* l_0 = radix (100000); l_{i+1} = l_i (1 - q_i); d_i = l_i - l_{i+1}; d_w = l_w.
* L_i = n_i (l_{i+1} + a_i d_i); L_w = l_w / M_w.
* T_i = sum_{j >= i} L_j; e_i = T_i / l_i (null where l_i = 0, i.e. after an
  interval with q = 1).

Variance (Chiang 1968/1984; Silcocks et al. 2001, J Epidemiol Community Health
55:38-43):

* closed interval: var(q_i) = q_i^2 (1 - q_i) / D_i, and 0 when D_i = 0;
* open interval (Silcocks et al.): e_w = 1 / M_w, so its sampling variance is
  var(1/M_w) ~= var(M_w) / M_w^4 with the Poisson variance var(M_w) = D_w / P_w^2,
  i.e. var(e_w) = 1 / (D_w M_w^2) (= 1 / (P_w M_w^3)).  This is exactly the term
  used by PHEindicatormethods (``spi = 4 / (D M^2)`` weighted by ``(l/2)^2``) and by
  the ONS Data Science Campus implementation, whose published numbers this module
  reproduces (see tests/unit/test_lifetable.py);
* S^2 terms: s_i = l_i^2 [(1 - a_i) n_i + e_{i+1}]^2 var(q_i) for closed intervals,
  s_w = l_w^2 / (D_w M_w^2);
* var(e_x) = sum_{i >= x} s_i / l_x^2; CI = e_x -/+ z sqrt(var(e_x)) with
  z = Phi^{-1}((1 + confidence) / 2).

a0 derived from infant mortality (``LifeTableOptions(a0=None)``): the Coale-Demeny
rule, West model (Coale & Demeny 1983, Regional Model Life Tables and Stable
Populations, 2nd ed., p. 20, in terms of q0; the m0 form as tabulated in
Preston, Heuveline & Guillot 2001, Demography, Table 3.3, p. 48):

=========  ===============================  ===============================
sex        from 1m0                         from 1q0
=========  ===============================  ===============================
male       m0 >= 0.107: 0.330,              q0 >= 0.100: 0.330,
           else 0.045 + 2.684 m0            else 0.0425 + 2.875 q0
female     m0 >= 0.107: 0.350,              q0 >= 0.100: 0.350,
           else 0.053 + 2.800 m0            else 0.050 + 3.000 q0
=========  ===============================  ===============================

For both sexes combined (or an unrecognised sex code) the mean of the male and
female values is used (a local convention: Coale-Demeny give no both-sexes rule).
The q0 form is used when a surveillance IMR is given, otherwise the m0 form with
m0 = D_0 / P_0 from registration.

Adjustments (each optional, recorded by :func:`life_expectancy_summary`):

* under-reporting: D'_i = D_i / (1 - r_i) for each interval start listed in
  ``LifeTableOptions.underreporting`` (keys must be start ages of the table);
* surveillance infant mortality: q_0 = IMR / 1000 replaces the registration q_0.
  To keep the table consistent, M_0 is recomputed by inverting the Chiang formula
  with n_0 = 1, M_0 = q_0 / (1 - (1 - a_0) q_0), and the age-0 deaths used are the
  implied D_0 = M_0 P_0 (these also enter var(q_0)).  Any under-reporting rate for
  age 0 is therefore superseded.  Requires the first interval to be [0, 1);
* stability: total person-years (sum of population) below ``min_person_years``
  (default 5000, as in PHEindicatormethods / Toson & Baker 2003) marks the table
  unstable; the table is still computed.

The output ``deaths`` column holds the deaths actually used (after adjustments), so
``mx == deaths / population`` holds on every row.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from types import MappingProxyType
from typing import Any, Literal

import polars as pl

__all__ = [
    "GROUP_COLUMNS",
    "OUTPUT_COLUMNS",
    "REQUIRED_COLUMNS",
    "LifeTableInputError",
    "LifeTableOptions",
    "coale_demeny_a0",
    "life_expectancy_summary",
    "life_table",
    "life_tables",
    "read_life_table_input",
    "write_life_table",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("age", "population", "deaths")
GROUP_COLUMNS: tuple[str, ...] = ("sex", "region_code")
OUTPUT_COLUMNS: tuple[str, ...] = (
    "age",
    "n",
    "population",
    "deaths",
    "mx",
    "qx",
    "ax",
    "lx",
    "dx",
    "Lx",
    "Tx",
    "ex",
    "ex_var",
    "ex_lower",
    "ex_upper",
)

METHOD_DESCRIPTION = (
    "Chiang II 简略寿命表（a0 见 a0_rule，其余闭区间 a=0.5，开放组 L=l/M）；"
    "预期寿命方差按 Chiang 法，开放组方差按 Silcocks 等（2001）1/(D·M²)"
)

_COLUMN_LABELS: dict[str, str] = {
    "age": "年龄",
    "population": "人口数",
    "deaths": "死亡数",
    "sex": "性别",
    "region_code": "地区代码",
}

# Header aliases accepted by read_life_table_input (normalised: stripped,
# lower-case, no spaces, full-width brackets folded to ASCII).
_HEADER_ALIASES: dict[str, str] = {
    "age": "age",
    "年龄": "age",
    "年龄组": "age",
    "年龄(岁)": "age",
    "年龄组(岁)": "age",
    "起始年龄": "age",
    "population": "population",
    "人口": "population",
    "人口数": "population",
    "平均人口": "population",
    "平均人口数": "population",
    "年平均人口": "population",
    "年中人口": "population",
    "人年数": "population",
    "deaths": "deaths",
    "死亡": "deaths",
    "死亡数": "deaths",
    "死亡人数": "deaths",
    "sex": "sex",
    "性别": "sex",
    "region_code": "region_code",
    "地区代码": "region_code",
    "行政区划代码": "region_code",
    "区划代码": "region_code",
}

_MALE_CODES = frozenset({"男", "男性", "1", "m", "male"})
_FEMALE_CODES = frozenset({"女", "女性", "2", "f", "female"})

_AGE_PATTERN = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*岁?\s*"
    r"(?:(?:[-–—~～至到]\s*\d+(?:\.\d+)?\s*岁?)|\+|＋|及以上|以上)?\s*$"
)


class LifeTableInputError(ValueError):
    """寿命表输入或参数错误（消息为中文）。

    Attributes name the group (``{"sex": ..., "region_code": ...}`` or empty),
    the 1-based row (data row for DataFrames, file line for CSV files) and the
    age concerned, where applicable.
    """

    def __init__(
        self,
        message: str,
        *,
        group: Mapping[str, Any] | None = None,
        row: int | None = None,
        age: float | None = None,
    ) -> None:
        super().__init__(message)
        self.group: dict[str, Any] = dict(group or {})
        self.row = row
        self.age = age


def _fmt(value: Any) -> str:
    """Human-readable number for messages: 10 rather than 10.0."""
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return repr(value)
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class LifeTableOptions:
    """寿命表计算参数。

    a0: fraction of the first year lived by infants dying in it; ``None`` derives it
        by the Coale-Demeny rule (from q0 if ``imr_per_1000`` is given, else from m0).
    confidence: two-sided confidence level for ex (0 < confidence < 1).
    radix: l0.
    underreporting: interval start age -> death under-reporting rate r (0 <= r < 1);
        deaths are divided by (1 - r).
    imr_per_1000: infant mortality rate per 1000 live births from surveillance;
        q0 = IMR / 1000 replaces the registration q0.
    min_person_years: total person-years below this mark the table unstable.
    """

    a0: float | None = 0.1
    confidence: float = 0.95
    radix: float = 100000.0
    underreporting: Mapping[float, float] | None = None
    imr_per_1000: float | None = None
    min_person_years: float = 5000.0

    def __post_init__(self) -> None:
        if self.a0 is not None and (
            not _is_number(self.a0) or not math.isfinite(self.a0) or not 0.0 <= self.a0 <= 1.0
        ):
            raise LifeTableInputError(
                f"参数 a0（0岁组死亡者在该区间内平均存活比例）必须在0到1之间，当前为 {self.a0!r}。"
            )
        if (
            not _is_number(self.confidence)
            or not math.isfinite(self.confidence)
            or not 0.0 < self.confidence < 1.0
        ):
            raise LifeTableInputError(
                f"参数 confidence（置信水平）必须大于0且小于1（如0.95），当前为 {self.confidence!r}。"
            )
        if not _is_number(self.radix) or not math.isfinite(self.radix) or self.radix <= 0:
            raise LifeTableInputError(f"参数 radix（寿命表基数 l0）必须为正数，当前为 {self.radix!r}。")
        if self.imr_per_1000 is not None and (
            not _is_number(self.imr_per_1000)
            or not math.isfinite(self.imr_per_1000)
            or not 0.0 <= self.imr_per_1000 < 1000.0
        ):
            raise LifeTableInputError(
                f"参数 imr_per_1000（婴儿死亡率，‰）必须在0（含）到1000之间，当前为 {self.imr_per_1000!r}。"
            )
        if (
            not _is_number(self.min_person_years)
            or not math.isfinite(self.min_person_years)
            or self.min_person_years < 0
        ):
            raise LifeTableInputError(
                f"参数 min_person_years（稳定性人年数阈值）不能为负数，当前为 {self.min_person_years!r}。"
            )
        if self.underreporting is not None:
            cleaned: dict[float, float] = {}
            for key, rate in self.underreporting.items():
                if not _is_number(key) or not math.isfinite(key) or key < 0:
                    raise LifeTableInputError(
                        f"参数 underreporting（死亡漏报率）的年龄组起始年龄无效：{key!r}。"
                    )
                if not _is_number(rate) or not math.isfinite(rate) or not 0.0 <= rate < 1.0:
                    raise LifeTableInputError(
                        f"参数 underreporting 中年龄 {_fmt(float(key))} 的死亡漏报率必须在0（含）到1之间，"
                        f"当前为 {rate!r}。"
                    )
                cleaned[float(key)] = float(rate)
            object.__setattr__(self, "underreporting", MappingProxyType(cleaned))


# ---------------------------------------------------------------------------
# a0 rule
# ---------------------------------------------------------------------------


def _sex_kind(sex: Any) -> Literal["male", "female", "both"]:
    if sex is None:
        return "both"
    code = str(sex).strip().lower()
    if code in _MALE_CODES:
        return "male"
    if code in _FEMALE_CODES:
        return "female"
    return "both"


def coale_demeny_a0(rate: float, *, basis: Literal["m0", "q0"], sex: Any = None) -> float:
    """Coale-Demeny (West) 1a0 from the infant death rate m0 or probability q0.

    Coefficients: Coale & Demeny (1983) p. 20 (q0 form) and Preston, Heuveline &
    Guillot (2001) Table 3.3 p. 48 (m0 form).  ``sex`` is recognised as male
    (男/男性/1/M/male) or female (女/女性/2/F/female); anything else, including
    None, gives the mean of the male and female values (both sexes).
    """
    if not _is_number(rate) or not math.isfinite(rate) or rate < 0:
        raise LifeTableInputError(f"推算 a0 所用的婴儿死亡指标无效：{rate!r}。")
    if basis == "m0":
        male = 0.330 if rate >= 0.107 else 0.045 + 2.684 * rate
        female = 0.350 if rate >= 0.107 else 0.053 + 2.800 * rate
    elif basis == "q0":
        male = 0.330 if rate >= 0.100 else 0.0425 + 2.875 * rate
        female = 0.350 if rate >= 0.100 else 0.050 + 3.000 * rate
    else:  # pragma: no cover - guarded by typing
        raise LifeTableInputError(f"推算 a0 的依据必须是 m0 或 q0，当前为 {basis!r}。")
    kind = _sex_kind(sex)
    if kind == "male":
        return male
    if kind == "female":
        return female
    return (male + female) / 2.0


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------


def _group_text(group: Mapping[str, Any]) -> str:
    if not group:
        return ""
    parts = [f"{_COLUMN_LABELS.get(k, k)}={v}" for k, v in group.items()]
    return "（" + "，".join(parts) + "）"


def _error(
    problem: str,
    *,
    source: str,
    group: Mapping[str, Any],
    row: int | None = None,
    row_text: str | None = None,
    age: float | None = None,
) -> LifeTableInputError:
    where = []
    if row_text is not None:
        where.append(row_text)
    if age is not None:
        where.append(f"年龄 {_fmt(age)}")
    location = "，".join(where)
    location = f"{location}：" if location else ""
    message = f"{source}寿命表输入有误{_group_text(group)}：{location}{problem}"
    return LifeTableInputError(message, group=group, row=row, age=age)


@dataclass(frozen=True)
class _Group:
    key: dict[str, Any]
    ages: list[float]
    population: list[float]
    deaths: list[float]
    rows: list[int]  # 1-based row numbers as shown to the user


def _row_text(row: int, csv_lines: bool) -> str:
    return f"文件第{row}行" if csv_lines else f"第{row}行"


def _check_columns(columns: Sequence[str], source: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        names = "、".join(f"{c}（{_COLUMN_LABELS[c]}）" for c in missing)
        raise LifeTableInputError(f"{source}寿命表输入缺少必需的列：{names}。现有列：{', '.join(columns)}。")


def _split_groups(df: pl.DataFrame, source: str, rows: Sequence[int] | None, csv_lines: bool) -> list[_Group]:
    """Validate a frame with canonical columns and split it into sorted groups."""
    _check_columns(df.columns, source)
    if df.height == 0:
        raise LifeTableInputError(f"{source}寿命表输入为空（没有任何年龄组）。")
    row_numbers = list(rows) if rows is not None else list(range(1, df.height + 1))
    keys = [c for c in GROUP_COLUMNS if c in df.columns]

    for col in REQUIRED_COLUMNS:
        dtype = df.schema[col]
        if not (dtype.is_numeric() and dtype != pl.Boolean):
            raise LifeTableInputError(
                f"{source}寿命表输入有误：列 {col}（{_COLUMN_LABELS[col]}）必须为数值类型，当前为 {dtype}。"
            )

    key_values: list[tuple[Any, ...]] = list(zip(*(df.get_column(k).to_list() for k in keys))) if keys else [
        ()
    ] * df.height
    ages = df.get_column("age").cast(pl.Float64).to_list()
    pops = df.get_column("population").cast(pl.Float64).to_list()
    deaths = df.get_column("deaths").cast(pl.Float64).to_list()

    # Row-level checks, in input order.
    for i in range(df.height):
        group = dict(zip(keys, key_values[i]))
        row = row_numbers[i]
        for k, v in group.items():
            if v is None or (isinstance(v, str) and not v.strip()):
                raise _error(
                    f"{_COLUMN_LABELS[k]}（{k}）缺失。",
                    source=source,
                    group={},
                    row=row,
                    row_text=_row_text(row, csv_lines),
                )
        age = ages[i]
        for col, value in (("age", age), ("population", pops[i]), ("deaths", deaths[i])):
            shown_age = age if col != "age" and age is not None and math.isfinite(age) else None
            if value is None or (isinstance(value, float) and math.isnan(value)):
                raise _error(
                    f"{_COLUMN_LABELS[col]}（{col}）缺失。",
                    source=source,
                    group=group,
                    row=row,
                    row_text=_row_text(row, csv_lines),
                    age=shown_age,
                )
            if not math.isfinite(value):
                raise _error(
                    f"{_COLUMN_LABELS[col]}（{col}）不是有限数值：{value!r}。",
                    source=source,
                    group=group,
                    row=row,
                    row_text=_row_text(row, csv_lines),
                    age=shown_age,
                )
            if value < 0:
                raise _error(
                    f"{_COLUMN_LABELS[col]}（{col}）为负数：{_fmt(value)}。",
                    source=source,
                    group=group,
                    row=row,
                    row_text=_row_text(row, csv_lines),
                    age=shown_age,
                )

    # Group-level checks.
    order: dict[tuple[Any, ...], list[int]] = {}
    for i, kv in enumerate(key_values):
        order.setdefault(kv, []).append(i)
    if keys:
        sorted_keys = (
            df.select(keys).unique(maintain_order=True).sort(keys, maintain_order=True).rows()
        )
    else:
        sorted_keys = [()]

    groups: list[_Group] = []
    for kv in sorted_keys:
        idx = order[tuple(kv)]
        group = dict(zip(keys, kv))
        g_ages = [ages[i] for i in idx]
        g_pops = [pops[i] for i in idx]
        g_deaths = [deaths[i] for i in idx]
        g_rows = [row_numbers[i] for i in idx]
        _check_group(group, g_ages, g_pops, g_deaths, g_rows, source, csv_lines)
        groups.append(_Group(group, g_ages, g_pops, g_deaths, g_rows))
    return groups


def _check_group(
    group: Mapping[str, Any],
    ages: list[float],
    pops: list[float],
    deaths: list[float],
    rows: list[int],
    source: str,
    csv_lines: bool,
) -> None:
    seen: dict[float, int] = {}
    for age, row in zip(ages, rows):
        if age in seen:
            raise _error(
                f"年龄组重复（与{_row_text(seen[age], csv_lines)}相同），每个年龄组只能出现一次。",
                source=source,
                group=group,
                row=row,
                row_text=_row_text(row, csv_lines),
                age=age,
            )
        seen[age] = row
    if ages[0] != 0:
        raise _error(
            f"第一个年龄组的起始年龄必须为0，当前为 {_fmt(ages[0])}。",
            source=source,
            group=group,
            row=rows[0],
            row_text=_row_text(rows[0], csv_lines),
            age=ages[0],
        )
    for j in range(1, len(ages)):
        if ages[j] <= ages[j - 1]:
            raise _error(
                f"年龄组未按升序排列（上一行年龄为 {_fmt(ages[j - 1])}），年龄必须严格递增。",
                source=source,
                group=group,
                row=rows[j],
                row_text=_row_text(rows[j], csv_lines),
                age=ages[j],
            )
    for age, pop, dth, row in zip(ages, pops, deaths, rows):
        if pop == 0:
            raise _error(
                "人口数为0，无法计算死亡率。",
                source=source,
                group=group,
                row=row,
                row_text=_row_text(row, csv_lines),
                age=age,
            )
        if dth > pop:
            raise _error(
                f"死亡数（{_fmt(dth)}）大于人口数（{_fmt(pop)}）。",
                source=source,
                group=group,
                row=row,
                row_text=_row_text(row, csv_lines),
                age=age,
            )
    if deaths[-1] == 0:
        raise _error(
            "最后一个（开放）年龄组死亡数为0，无法计算开放组的存活人年数（L=l/M）及预期寿命。",
            source=source,
            group=group,
            row=rows[-1],
            row_text=_row_text(rows[-1], csv_lines),
            age=ages[-1],
        )


# ---------------------------------------------------------------------------
# computation
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Computed:
    table: pl.DataFrame
    summary: dict[str, Any]


def _compute(group: _Group, options: LifeTableOptions, source: str) -> _Computed:
    ages = group.ages
    pops = group.population
    k = len(ages)
    widths: list[float | None] = [ages[i + 1] - ages[i] for i in range(k - 1)] + [None]
    deaths = list(group.deaths)

    # Under-reporting adjustment.
    underreporting_text: str | None = None
    if options.underreporting:
        position = {age: i for i, age in enumerate(ages)}
        for key, rate in sorted(options.underreporting.items()):
            if key not in position:
                raise _error(
                    f"死亡漏报率参数中的年龄组 {_fmt(key)} 不是本寿命表的年龄组起点"
                    f"（现有：{'、'.join(_fmt(a) for a in ages)}）。",
                    source=source,
                    group=group.key,
                    age=key,
                )
            deaths[position[key]] = deaths[position[key]] / (1.0 - rate)
        underreporting_text = "；".join(
            f"{_fmt(key)}岁:{rate!r}" for key, rate in sorted(options.underreporting.items())
        )

    infant_first = k >= 2 and widths[0] == 1.0
    sex = group.key.get("sex")

    # a0.
    if options.a0 is not None:
        a0 = float(options.a0)
        a0_rule = "固定值"
    elif k == 1:
        a0 = 0.1  # not used: the only interval is open
        a0_rule = "未使用（仅有开放年龄组）"
    else:
        if not infant_first:
            raise _error(
                "按 Coale–Demeny 规则推算 a0 要求第一个年龄组为 0–1 岁（下一个年龄组从1岁开始）。",
                source=source,
                group=group.key,
                row=group.rows[0],
                row_text=_row_text(group.rows[0], False),
                age=ages[0],
            )
        if options.imr_per_1000 is not None:
            a0 = coale_demeny_a0(options.imr_per_1000 / 1000.0, basis="q0", sex=sex)
            a0_rule = "Coale–Demeny（按监测婴儿死亡率 q0）"
        else:
            a0 = coale_demeny_a0(deaths[0] / pops[0], basis="m0", sex=sex)
            a0_rule = "Coale–Demeny（按登记 m0）"
    ax: list[float | None] = [a0] + [0.5] * (k - 2) + [None] if k >= 2 else [None]

    # Surveillance infant mortality: q0 replaces the registration value.
    q0_override: float | None = None
    if options.imr_per_1000 is not None:
        if not infant_first:
            raise _error(
                "使用监测婴儿死亡率替换 q0 要求第一个年龄组为 0–1 岁（下一个年龄组从1岁开始）。",
                source=source,
                group=group.key,
                row=group.rows[0],
                row_text=_row_text(group.rows[0], False),
                age=ages[0],
            )
        q0_override = options.imr_per_1000 / 1000.0
        m0 = q0_override / (1.0 - (1.0 - a0) * q0_override)
        deaths[0] = m0 * pops[0]

    mx = [d / p for d, p in zip(deaths, pops)]
    qx: list[float] = []
    for i in range(k):
        n = widths[i]
        if n is None:
            qx.append(1.0)
        elif i == 0 and q0_override is not None:
            qx.append(q0_override)
        else:
            a = ax[i]
            assert a is not None
            q = n * mx[i] / (1.0 + n * (1.0 - a) * mx[i])
            qx.append(min(q, 1.0))

    lx = [float(options.radix)]
    for i in range(k - 1):
        lx.append(lx[i] * (1.0 - qx[i]))
    dx = [lx[i] - lx[i + 1] for i in range(k - 1)] + [lx[-1]]
    Lx: list[float] = []
    for i in range(k - 1):
        n = widths[i]
        a = ax[i]
        assert n is not None and a is not None
        Lx.append(n * (lx[i + 1] + a * dx[i]))
    Lx.append(lx[-1] / mx[-1])
    Tx = [0.0] * k
    running = 0.0
    for i in reversed(range(k)):
        running += Lx[i]
        Tx[i] = running
    ex: list[float | None] = [Tx[i] / lx[i] if lx[i] > 0 else None for i in range(k)]

    # Chiang variance with the Silcocks et al. open-interval term.
    terms: list[float] = []
    for i in range(k - 1):
        n = widths[i]
        a = ax[i]
        assert n is not None and a is not None
        var_q = qx[i] ** 2 * (1.0 - qx[i]) / deaths[i] if deaths[i] > 0 else 0.0
        if var_q == 0.0 or lx[i] == 0.0:
            terms.append(0.0)
            continue
        e_next = ex[i + 1] if ex[i + 1] is not None else 0.0
        terms.append(lx[i] ** 2 * ((1.0 - a) * n + e_next) ** 2 * var_q)
    terms.append(lx[-1] ** 2 / (deaths[-1] * mx[-1] ** 2))
    z = NormalDist().inv_cdf(0.5 + options.confidence / 2.0)
    ex_var: list[float | None] = [None] * k
    lower: list[float | None] = [None] * k
    upper: list[float | None] = [None] * k
    running = 0.0
    for i in reversed(range(k)):
        running += terms[i]
        e = ex[i]
        if e is None:
            continue
        var = running / lx[i] ** 2
        half = z * math.sqrt(var)
        ex_var[i] = var
        lower[i] = e - half
        upper[i] = e + half

    table = pl.DataFrame(
        {
            "age": ages,
            "n": widths,
            "population": pops,
            "deaths": deaths,
            "mx": mx,
            "qx": qx,
            "ax": ax,
            "lx": lx,
            "dx": dx,
            "Lx": Lx,
            "Tx": Tx,
            "ex": ex,
            "ex_var": ex_var,
            "ex_lower": lower,
            "ex_upper": upper,
        },
        schema={c: pl.Float64 for c in OUTPUT_COLUMNS},
    )
    total_py = math.fsum(pops)
    summary = {
        "e0": ex[0],
        "e0_var": ex_var[0],
        "e0_lower": lower[0],
        "e0_upper": upper[0],
        "confidence": float(options.confidence),
        "total_person_years": total_py,
        "deaths_reported": math.fsum(group.deaths),
        "deaths_used": math.fsum(deaths),
        "unstable": total_py < options.min_person_years,
        "a0": a0 if k >= 2 else None,
        "a0_rule": a0_rule,
        "underreporting": underreporting_text,
        "imr_per_1000": None if options.imr_per_1000 is None else float(options.imr_per_1000),
        "method": METHOD_DESCRIPTION,
    }
    return _Computed(table, summary)


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


def _computed_groups(df: pl.DataFrame, options: LifeTableOptions) -> tuple[list[str], list[tuple[_Group, _Computed]]]:
    if not isinstance(df, pl.DataFrame):
        raise LifeTableInputError(f"寿命表输入必须是 polars.DataFrame，当前为 {type(df).__name__}。")
    if not isinstance(options, LifeTableOptions):
        raise LifeTableInputError(f"寿命表参数必须是 LifeTableOptions，当前为 {type(options).__name__}。")
    groups = _split_groups(df, "", None, csv_lines=False)
    keys = [c for c in GROUP_COLUMNS if c in df.columns]
    return keys, [(g, _compute(g, options, "")) for g in groups]


def life_table(df: pl.DataFrame, options: LifeTableOptions = LifeTableOptions()) -> pl.DataFrame:
    """Chiang II abridged life table for one group.

    Input columns ``age`` (interval start, years, ascending from 0; the last
    interval is open), ``population`` and ``deaths``.  ``sex``/``region_code`` may be
    present but must hold a single group (its sex selects the Coale-Demeny a0 rule).
    Returns the columns of :data:`OUTPUT_COLUMNS`, one row per age, Float64.
    ``n`` and ``ax`` are null for the open interval; ``ex``/``ex_var``/``ex_lower``/
    ``ex_upper`` are null on rows with ``lx == 0`` (after an interval with q = 1).
    ``deaths`` are the deaths used, after any adjustment.  The stability flag and
    the adjustments applied are reported by :func:`life_expectancy_summary`.
    """
    _, computed = _computed_groups(df, options)
    if len(computed) > 1:
        labels = "；".join(_group_text(g.key).strip("（）") for g, _ in computed[:5])
        raise LifeTableInputError(
            f"寿命表输入包含多个分组（{labels}…），life_table 只处理单个分组，请使用 life_tables。"
        )
    return computed[0][1].table


def life_tables(df: pl.DataFrame, options: LifeTableOptions = LifeTableOptions()) -> pl.DataFrame:
    """Life tables for every ``sex`` × ``region_code`` group present.

    Group columns (those of ``sex``/``region_code`` present) come first, groups in
    sorted order; within a group, rows follow the ascending ages.
    """
    keys, computed = _computed_groups(df, options)
    parts = []
    for group, result in computed:
        table = result.table
        if keys:
            table = table.select(
                [pl.lit(group.key[k], dtype=df.schema[k]).alias(k) for k in keys] + list(OUTPUT_COLUMNS)
            )
        parts.append(table)
    return pl.concat(parts, how="vertical")


def life_expectancy_summary(df: pl.DataFrame, options: LifeTableOptions = LifeTableOptions()) -> pl.DataFrame:
    """One row per group: e0 with its CI, the stability flag and the adjustments used.

    Columns: group columns, ``e0, e0_var, e0_lower, e0_upper, confidence,
    total_person_years, deaths_reported, deaths_used, unstable, a0, a0_rule,
    underreporting, imr_per_1000, method``.
    """
    keys, computed = _computed_groups(df, options)
    records = []
    for group, result in computed:
        records.append({**group.key, **result.summary})
    schema: dict[str, Any] = {k: df.schema[k] for k in keys}
    schema.update(
        {
            "e0": pl.Float64,
            "e0_var": pl.Float64,
            "e0_lower": pl.Float64,
            "e0_upper": pl.Float64,
            "confidence": pl.Float64,
            "total_person_years": pl.Float64,
            "deaths_reported": pl.Float64,
            "deaths_used": pl.Float64,
            "unstable": pl.Boolean,
            "a0": pl.Float64,
            "a0_rule": pl.String,
            "underreporting": pl.String,
            "imr_per_1000": pl.Float64,
            "method": pl.String,
        }
    )
    return pl.DataFrame(records, schema=schema)


def _normalise_header(name: str) -> str:
    text = name.strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", text)


def _parse_number(text: str | None) -> float | None:
    if text is None:
        return None
    cleaned = text.strip().replace(",", "").replace("，", "")
    if cleaned == "":
        return None
    return float(cleaned)  # ValueError is turned into a Chinese message by the caller


def read_life_table_input(path: Path) -> pl.DataFrame:
    """Read and validate a life-table input CSV (UTF-8, with or without BOM).

    Recognised headers (Chinese aliases in brackets): ``age`` (年龄/年龄组),
    ``population`` (人口数/平均人口/年平均人口/人年数), ``deaths`` (死亡数/死亡人数),
    optional ``sex`` (性别) and ``region_code`` (地区代码/行政区划代码).  Ages may be
    written as start ages or labels such as ``1-4``, ``85+``, ``85岁及以上``.  Other
    columns are dropped.  Returns the group columns (String) followed by ``age``,
    ``population``, ``deaths`` (Float64), in file order.
    """
    path = Path(path)
    source = f"文件 {path.name} "
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LifeTableInputError(f"无法读取寿命表输入文件 {path}：{exc.strerror or exc}。") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LifeTableInputError(
            f"{source}不是 UTF-8 编码（可能是 GBK），请另存为 UTF-8 后重试（第{exc.start + 1}字节无法解码）。"
        ) from exc

    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    for fields in reader:
        if not fields or all(not f.strip() for f in fields):
            continue
        if header is None:
            header = fields
            continue
        records.append((reader.line_num, fields))
    if header is None:
        raise LifeTableInputError(f"{source}为空，没有表头。")

    mapping: dict[str, int] = {}
    for idx, name in enumerate(header):
        canonical = _HEADER_ALIASES.get(_normalise_header(name))
        if canonical is None:
            continue
        if canonical in mapping:
            raise LifeTableInputError(
                f"{source}寿命表输入有误：表头中有多列都对应 {canonical}（{_COLUMN_LABELS[canonical]}）："
                f"“{header[mapping[canonical]]}”和“{name}”。"
            )
        mapping[canonical] = idx
    _check_columns([c for c in mapping], source)
    keys = [c for c in GROUP_COLUMNS if c in mapping]

    data: dict[str, list[Any]] = {c: [] for c in [*keys, *REQUIRED_COLUMNS]}
    rows: list[int] = []
    for line, fields in records:
        values: dict[str, str | None] = {}
        for col, idx in mapping.items():
            values[col] = fields[idx] if idx < len(fields) else None
        for k in keys:
            v = values[k]
            data[k].append(v.strip() if v is not None and v.strip() else None)
        raw_age = values["age"]
        if raw_age is None or not raw_age.strip():
            data["age"].append(None)
        else:
            match = _AGE_PATTERN.match(raw_age)
            if match is None:
                raise _error(
                    f"年龄（age）无法识别：“{raw_age}”（应为起始年龄，如 0、1、5 或 1-4、85+）。",
                    source=source,
                    group={k: data[k][-1] for k in keys},
                    row=line,
                    row_text=_row_text(line, True),
                )
            data["age"].append(float(match.group(1)))
        for col in ("population", "deaths"):
            try:
                data[col].append(_parse_number(values[col]))
            except ValueError:
                raise _error(
                    f"{_COLUMN_LABELS[col]}（{col}）不是有效数字：“{values[col]}”。",
                    source=source,
                    group={k: data[k][-1] for k in keys},
                    row=line,
                    row_text=_row_text(line, True),
                    age=data["age"][-1],
                ) from None
        rows.append(line)

    schema: dict[str, Any] = {k: pl.String for k in keys}
    schema.update({c: pl.Float64 for c in REQUIRED_COLUMNS})
    df = pl.DataFrame(data, schema=schema)
    _split_groups(df, source, rows, csv_lines=True)
    return df


def _format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_life_table(result: pl.DataFrame, out: Path) -> None:
    """Write a life table (or summary) as UTF-8 CSV, atomically.

    Floats are written with Python's shortest round-trip representation
    (``repr``), so the file reproduces every bit and is identical across runs;
    nulls are empty fields; line endings are ``\\n``.  The file is written to a
    temporary file in the target directory and moved into place with
    ``os.replace``.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(result.columns)
            for row in result.iter_rows():
                writer.writerow([_format_cell(v) for v in row])
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, out)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
