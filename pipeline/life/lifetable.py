"""人均预期寿命测算：Chiang II 简略寿命表及预期寿命的置信区间（公共接口）。

Abridged period life table by Chiang's method ("Chiang II"), with the variance
of life expectancy by Chiang's method as used by the UK public-health
indicator tools (Silcocks, Jenner & Reza 2001; PHE/ONS life expectancy
calculator; R package PHEindicatormethods ``phe_life_expectancy``).

Method (for one group, intervals given by their start ages x_0 = 0 < x_1 < ... < x_w,
the last interval open):

* n_i = x_{i+1} - x_i (null for the open interval); a_i = fraction of the interval
  lived by those dying in it: a_0 from :class:`LifeTableOptions` (default 0.1),
  0.5 for every other closed interval.  An optional input column ``ax`` gives the
  textbook nax in **years** (0 <= ax <= n, empty on the open interval) and overrides
  these defaults row by row: a_i = ax_i / n_i.  The output keeps ``ax`` as the
  fraction and adds ``ax_years`` (years) and ``ax_source`` (where each came from).
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

Layout: :mod:`pipeline.life.table_input` reads and validates the input,
:mod:`pipeline.life.table_compute` computes one group's table; this module is the
public face (the functions below and the names re-exported from those two).
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.life.table_compute import (
    OUTPUT_COLUMNS,
    LifeTableOptions,
    _compute,
    _Computed,
    coale_demeny_a0,
)
from pipeline.life.table_input import (
    GROUP_COLUMNS,
    REQUIRED_COLUMNS,
    LifeTableInputError,
    _group_text,
    _Group,
    _split_groups,
    read_life_table_input,
)

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
    ax_rule, underreporting, imr_per_1000, method``.  ``a0`` is the fraction of the
    first interval (years when it is [0, 1)); ``ax_rule`` says where each ax came from.
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
            "ax_rule": pl.String,
            "underreporting": pl.String,
            "imr_per_1000": pl.Float64,
            "method": pl.String,
        }
    )
    return pl.DataFrame(records, schema=schema)



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
