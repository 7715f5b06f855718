"""寿命表计算：Chiang II 简略寿命表、a0 取法（固定值 / Coale–Demeny）、Chiang/Silcocks 方差。

The computation behind :mod:`pipeline.life.lifetable` (method and sources in that
module's docstring): options, the a0 rule, the adjustments (under-reporting,
surveillance q0) and the table columns with their variance, each a named step.
Imports :mod:`pipeline.life.table_input` (errors, validated groups), never the other way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from types import MappingProxyType
from typing import Any, Literal

import polars as pl

from pipeline.life.table_input import (
    LifeTableInputError,
    _error,
    _fmt,
    _Group,
    _is_number,
    _row_text,
)

OUTPUT_COLUMNS: tuple[str, ...] = (
    "age",
    "n",
    "population",
    "deaths",
    "mx",
    "qx",
    "ax",
    "ax_years",
    "ax_source",
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
METHOD_DESCRIPTION_INPUT_AX = (
    "Chiang II 简略寿命表（ax 按输入的 ax 列（年），未给出的行：0岁 a0 见 a0_rule、其余闭区间 a=0.5；开放组 L=l/M）；"
    "预期寿命方差按 Chiang 法，开放组方差按 Silcocks 等（2001）1/(D·M²)"
)
# Where each row's ax comes from (column ax_source of the table).
AX_SOURCE_INPUT = "输入 ax 列"
AX_SOURCE_DEFAULT = "默认 n/2"
AX_SOURCE_OPEN = "开放组 L=l/M"

_MALE_CODES = frozenset({"男", "男性", "1", "m", "male"})
_FEMALE_CODES = frozenset({"女", "女性", "2", "f", "female"})


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


@dataclass(frozen=True)
class _Computed:
    table: pl.DataFrame
    summary: dict[str, Any]


def _first_row_error(problem: str, group: _Group, source: str) -> LifeTableInputError:
    return _error(
        problem,
        source=source,
        group=group.key,
        row=group.rows[0],
        row_text=_row_text(group.rows[0], False),
        age=group.ages[0],
    )


def _adjust_underreporting(group: _Group, options: LifeTableOptions, source: str, deaths: list[float]) -> str | None:
    """Divide deaths by (1 - r) for each listed interval start (in place); the adjustment as text."""
    if not options.underreporting:
        return None
    ages = group.ages
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
    return "；".join(f"{_fmt(key)}岁:{rate!r}" for key, rate in sorted(options.underreporting.items()))


def _choose_a0(
    group: _Group, options: LifeTableOptions, source: str, deaths: list[float], infant_first: bool
) -> tuple[float, str]:
    """a0 (fraction of the first interval) and the rule that gave it."""
    if options.a0 is not None:
        return float(options.a0), "固定值"
    if len(group.ages) == 1:
        return 0.1, "未使用（仅有开放年龄组）"  # not used: the only interval is open
    if not infant_first:
        raise _first_row_error(
            "按 Coale–Demeny 规则推算 a0 要求第一个年龄组为 0–1 岁（下一个年龄组从1岁开始）。", group, source
        )
    sex = group.key.get("sex")
    if options.imr_per_1000 is not None:
        return coale_demeny_a0(options.imr_per_1000 / 1000.0, basis="q0", sex=sex), "Coale–Demeny（按监测婴儿死亡率 q0）"
    return coale_demeny_a0(deaths[0] / group.population[0], basis="m0", sex=sex), "Coale–Demeny（按登记 m0）"


def _apply_imr(
    group: _Group, options: LifeTableOptions, source: str, deaths: list[float], a0: float, infant_first: bool
) -> float | None:
    """Surveillance infant mortality: q0 replaces the registration value, D0 = M0 P0 (in place)."""
    if options.imr_per_1000 is None:
        return None
    if not infant_first:
        raise _first_row_error(
            "使用监测婴儿死亡率替换 q0 要求第一个年龄组为 0–1 岁（下一个年龄组从1岁开始）。", group, source
        )
    q0_override = options.imr_per_1000 / 1000.0
    m0 = q0_override / (1.0 - (1.0 - a0) * q0_override)
    deaths[0] = m0 * group.population[0]
    return q0_override


@dataclass(frozen=True)
class _Columns:
    mx: list[float]
    qx: list[float]
    lx: list[float]
    dx: list[float]
    Lx: list[float]
    Tx: list[float]
    ex: list[float | None]


def _table_columns(
    widths: list[float | None],
    ax: list[float | None],
    deaths: list[float],
    pops: list[float],
    q0_override: float | None,
    radix: float,
) -> _Columns:
    """mx, qx, lx, dx, Lx, Tx, ex by Chiang II (fractions ax; open interval L = l/M)."""
    k = len(widths)
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

    lx = [radix]
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
    return _Columns(mx, qx, lx, dx, Lx, Tx, ex)


def _variance(
    widths: list[float | None], ax: list[float | None], deaths: list[float], cols: _Columns, confidence: float
) -> tuple[list[float | None], list[float | None], list[float | None]]:
    """var(ex) and its CI: Chiang variance with the Silcocks et al. open-interval term."""
    k = len(widths)
    qx, lx, ex, mx = cols.qx, cols.lx, cols.ex, cols.mx
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
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
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
    return ex_var, lower, upper


def _input_ax(
    group: _Group, widths: list[float | None], ax: list[float | None], a0_rule: str
) -> tuple[list[float | None], list[str], str]:
    """Apply the input ax column (years) over the defaults, in place on the fractions ``ax``.

    Returns ax in years per row (fraction x n; the input value itself where given),
    where each row's ax comes from, and the rule as one line of text for the summary.
    """
    k = len(widths)
    given = group.ax_years if group.ax_years is not None else [None] * k
    years: list[float | None] = []
    sources: list[str] = []
    for i, n in enumerate(widths):
        value = given[i]
        if n is None:
            years.append(None)
            sources.append(AX_SOURCE_OPEN)
        elif value is not None:
            ax[i] = value / n
            years.append(value)
            sources.append(AX_SOURCE_INPUT)
        else:
            a = ax[i]
            assert a is not None
            years.append(a * n)
            sources.append(f"a0：{a0_rule}" if i == 0 else AX_SOURCE_DEFAULT)
    n_input = sources.count(AX_SOURCE_INPUT)
    defaults = []
    if k >= 2 and sources[0] != AX_SOURCE_INPUT:
        defaults.append(f"0岁 a0：{a0_rule}")
    if sources.count(AX_SOURCE_DEFAULT):
        defaults.append(f"{sources.count(AX_SOURCE_DEFAULT)} 组按 n/2")
    rule = (
        f"ax_years 为区间内死亡者平均存活年数（年），ax 为其占组距的比例；闭区间 {k - 1} 组："
        f"输入 ax 列 {n_input} 组" + (f"，{'，'.join(defaults)}" if defaults else "") + "；开放组 L=l/M"
    )
    return years, sources, rule


def _compute(group: _Group, options: LifeTableOptions, source: str) -> _Computed:
    ages = group.ages
    pops = group.population
    k = len(ages)
    widths: list[float | None] = [ages[i + 1] - ages[i] for i in range(k - 1)] + [None]
    deaths = list(group.deaths)
    underreporting_text = _adjust_underreporting(group, options, source, deaths)
    infant_first = k >= 2 and widths[0] == 1.0
    first_ax = group.ax_years[0] if group.ax_years is not None and k >= 2 else None
    if first_ax is not None:
        w0 = widths[0]
        assert w0 is not None
        a0, a0_rule = first_ax / w0, "输入 ax 列（0岁行）"
    else:
        a0, a0_rule = _choose_a0(group, options, source, deaths, infant_first)
    ax: list[float | None] = [a0] + [0.5] * (k - 2) + [None] if k >= 2 else [None]
    ax_years, ax_source, ax_rule = _input_ax(group, widths, ax, a0_rule)
    q0_override = _apply_imr(group, options, source, deaths, a0, infant_first)
    cols = _table_columns(widths, ax, deaths, pops, q0_override, float(options.radix))
    ex_var, lower, upper = _variance(widths, ax, deaths, cols, options.confidence)

    table = pl.DataFrame(
        {
            "age": ages,
            "n": widths,
            "population": pops,
            "deaths": deaths,
            "mx": cols.mx,
            "qx": cols.qx,
            "ax": ax,
            "ax_years": ax_years,
            "ax_source": ax_source,
            "lx": cols.lx,
            "dx": cols.dx,
            "Lx": cols.Lx,
            "Tx": cols.Tx,
            "ex": cols.ex,
            "ex_var": ex_var,
            "ex_lower": lower,
            "ex_upper": upper,
        },
        schema={c: pl.String if c == "ax_source" else pl.Float64 for c in OUTPUT_COLUMNS},
    )
    total_py = math.fsum(pops)
    summary = {
        "e0": cols.ex[0],
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
        "ax_rule": ax_rule,
        "underreporting": underreporting_text,
        "imr_per_1000": None if options.imr_per_1000 is None else float(options.imr_per_1000),
        "method": METHOD_DESCRIPTION_INPUT_AX if AX_SOURCE_INPUT in ax_source else METHOD_DESCRIPTION,
    }
    return _Computed(table, summary)
