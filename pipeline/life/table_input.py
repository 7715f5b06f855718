"""寿命表输入：读取、核对寿命表输入（CSV 或 DataFrame），按 性别 × 地区 分组。

Reading and validation for :mod:`pipeline.life.lifetable`: header aliases, age
labels, the Chinese error messages naming file, row, group and age, and the split
of a validated frame into sorted groups.  Imports only the shared libraries (no
other life-table module imports back into here).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

REQUIRED_COLUMNS: tuple[str, ...] = ("age", "population", "deaths")
GROUP_COLUMNS: tuple[str, ...] = ("sex", "region_code")
# Optional: years lived in the interval by those dying in it ("nax", in years, not a fraction).
AX_COLUMN = "ax"

_COLUMN_LABELS: dict[str, str] = {
    "age": "年龄",
    "population": "人口数",
    "deaths": "死亡数",
    "sex": "性别",
    "region_code": "地区代码",
    "ax": "区间内死亡者平均存活年数",
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
    "ax": "ax",
    "nax": "ax",
    "a(x)": "ax",
    "平均存活年数": "ax",
    "死亡者平均存活年数": "ax",
    "区间内死亡者平均存活年数": "ax",
}

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
    ax_years: list[float | None] | None = None  # input ax (years), None where not given


def _row_text(row: int, csv_lines: bool) -> str:
    return f"文件第{row}行" if csv_lines else f"第{row}行"


def _at(source: str, group: Mapping[str, Any], row: int, csv_lines: bool, age: float | None) -> dict[str, Any]:
    """The location keywords of :func:`_error` for a row of the input (its number as the user sees it)."""
    return {"source": source, "group": group, "row": row, "row_text": _row_text(row, csv_lines), "age": age}


def _check_columns(columns: Sequence[str], source: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        names = "、".join(f"{c}（{_COLUMN_LABELS[c]}）" for c in missing)
        raise LifeTableInputError(f"{source}寿命表输入缺少必需的列：{names}。现有列：{', '.join(columns)}。")


def _check_dtypes(df: pl.DataFrame, source: str) -> None:
    for col in (*REQUIRED_COLUMNS, *([AX_COLUMN] if AX_COLUMN in df.columns else [])):
        dtype = df.schema[col]
        if not (dtype.is_numeric() and dtype != pl.Boolean):
            raise LifeTableInputError(
                f"{source}寿命表输入有误：列 {col}（{_COLUMN_LABELS[col]}）必须为数值类型，当前为 {dtype}。"
            )


def _check_row(
    group: dict[str, Any],
    values: tuple[float | None, float | None, float | None],
    row: int,
    source: str,
    csv_lines: bool,
) -> None:
    """One input row: group keys present; age, population, deaths present, finite, not negative."""
    for k, v in group.items():
        if v is None or (isinstance(v, str) and not v.strip()):
            raise _error(
                f"{_COLUMN_LABELS[k]}（{k}）缺失。",
                source=source,
                group={},
                row=row,
                row_text=_row_text(row, csv_lines),
            )
    age = values[0]
    for col, value in zip(REQUIRED_COLUMNS, values):
        shown_age = age if col != "age" and age is not None and math.isfinite(age) else None
        if value is None or (isinstance(value, float) and math.isnan(value)):
            raise _error(
                f"{_COLUMN_LABELS[col]}（{col}）缺失。",
                **_at(source, group, row, csv_lines, shown_age),
            )
        if not math.isfinite(value):
            raise _error(
                f"{_COLUMN_LABELS[col]}（{col}）不是有限数值：{value!r}。",
                **_at(source, group, row, csv_lines, shown_age),
            )
        if value < 0:
            raise _error(
                f"{_COLUMN_LABELS[col]}（{col}）为负数：{_fmt(value)}。",
                **_at(source, group, row, csv_lines, shown_age),
            )


def _check_ax_value(
    group: dict[str, Any], value: float | None, age: float, row: int, source: str, csv_lines: bool
) -> None:
    """An input ax, where given, is a finite number of years, not negative (None: use the default)."""
    if value is None:
        return
    label = f"{_COLUMN_LABELS[AX_COLUMN]}（{AX_COLUMN}，单位：年）"
    if not math.isfinite(value):
        problem = f"{label}不是有限数值：{value!r}（不给出时请留空）。"
    elif value < 0:
        problem = f"{label}为负数：{_fmt(value)}，应在0到该年龄组组距之间。"
    else:
        return
    raise _error(problem, **_at(source, group, row, csv_lines, age))


def _check_ax_widths(
    group: dict[str, Any], ages: list[float], ax_years: list[float | None], rows: list[int], source: str,
    csv_lines: bool,
) -> None:
    """ax <= n on closed intervals; the open interval takes none (its L is l/M, i.e. ax = 1/M)."""
    label = f"{_COLUMN_LABELS[AX_COLUMN]}（{AX_COLUMN}，单位：年）"
    for j, (age, value, row) in enumerate(zip(ages, ax_years, rows)):
        if value is None:
            continue
        where = _at(source, group, row, csv_lines, age)
        if j == len(ages) - 1:
            raise _error(
                f"最后一个（开放）年龄组不使用 {label}：开放组按 L=l/M 计算（相当于 ax=1/M），请把该格留空。", **where
            )
        width = ages[j + 1] - age
        if value > width:
            raise _error(
                f"{label}为 {_fmt(value)}，大于该年龄组组距 {_fmt(width)} 年（应在0到组距之间；"
                f"若填的是比例，请乘以组距换算为年数）。",
                **where,
            )


def _sorted_group_keys(df: pl.DataFrame, keys: list[str]) -> list[tuple[Any, ...]]:
    if not keys:
        return [()]
    return [tuple(kv) for kv in df.select(keys).unique(maintain_order=True).sort(keys, maintain_order=True).rows()]


def _split_groups(df: pl.DataFrame, source: str, rows: Sequence[int] | None, csv_lines: bool) -> list[_Group]:
    """Validate a frame with canonical columns and split it into sorted groups."""
    _check_columns(df.columns, source)
    if df.height == 0:
        raise LifeTableInputError(f"{source}寿命表输入为空（没有任何年龄组）。")
    row_numbers = list(rows) if rows is not None else list(range(1, df.height + 1))
    keys = [c for c in GROUP_COLUMNS if c in df.columns]
    _check_dtypes(df, source)

    key_values: list[tuple[Any, ...]] = list(zip(*(df.get_column(k).to_list() for k in keys))) if keys else [
        ()
    ] * df.height
    ages = df.get_column("age").cast(pl.Float64).to_list()
    pops = df.get_column("population").cast(pl.Float64).to_list()
    deaths = df.get_column("deaths").cast(pl.Float64).to_list()

    ax_years = df.get_column(AX_COLUMN).cast(pl.Float64).to_list() if AX_COLUMN in df.columns else None

    # Row-level checks, in input order.
    for i in range(df.height):
        _check_row(dict(zip(keys, key_values[i])), (ages[i], pops[i], deaths[i]), row_numbers[i], source, csv_lines)
        if ax_years is not None:
            _check_ax_value(dict(zip(keys, key_values[i])), ax_years[i], ages[i], row_numbers[i], source, csv_lines)

    # Group-level checks.
    order: dict[tuple[Any, ...], list[int]] = {}
    for i, kv in enumerate(key_values):
        order.setdefault(kv, []).append(i)
    groups: list[_Group] = []
    for kv in _sorted_group_keys(df, keys):
        idx = order[kv]
        group = dict(zip(keys, kv))
        g_ages = [ages[i] for i in idx]
        g_pops = [pops[i] for i in idx]
        g_deaths = [deaths[i] for i in idx]
        g_rows = [row_numbers[i] for i in idx]
        _check_group(group, g_ages, g_pops, g_deaths, g_rows, source, csv_lines)
        g_ax = None
        if ax_years is not None:
            g_ax = [ax_years[i] for i in idx]
            _check_ax_widths(group, g_ages, g_ax, g_rows, source, csv_lines)
        groups.append(_Group(group, g_ages, g_pops, g_deaths, g_rows, g_ax))
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
                **_at(source, group, row, csv_lines, age),
            )
        seen[age] = row
    if ages[0] != 0:
        raise _error(
            f"第一个年龄组的起始年龄必须为0，当前为 {_fmt(ages[0])}。",
            **_at(source, group, rows[0], csv_lines, ages[0]),
        )
    for j in range(1, len(ages)):
        if ages[j] <= ages[j - 1]:
            raise _error(
                f"年龄组未按升序排列（上一行年龄为 {_fmt(ages[j - 1])}），年龄必须严格递增。",
                **_at(source, group, rows[j], csv_lines, ages[j]),
            )
    for age, pop, dth, row in zip(ages, pops, deaths, rows):
        if pop == 0:
            raise _error(
                "人口数为0，无法计算死亡率。",
                **_at(source, group, row, csv_lines, age),
            )
        if dth > pop:
            raise _error(
                f"死亡数（{_fmt(dth)}）大于人口数（{_fmt(pop)}）。",
                **_at(source, group, row, csv_lines, age),
            )
    if deaths[-1] == 0:
        raise _error(
            "最后一个（开放）年龄组死亡数为0，无法计算开放组的存活人年数（L=l/M）及预期寿命。",
            **_at(source, group, rows[-1], csv_lines, ages[-1]),
        )


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


def _read_text(path: Path, source: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LifeTableInputError(f"无法读取寿命表输入文件 {path}：{exc.strerror or exc}。") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LifeTableInputError(
            f"{source}不是 UTF-8 编码（可能是 GBK），请另存为 UTF-8 后重试（第{exc.start + 1}字节无法解码）。"
        ) from exc


def _read_records(text: str, source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and non-blank records (with their file line numbers)."""
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
    return header, records


def _map_header(header: list[str], source: str) -> dict[str, int]:
    """Canonical column name -> field index, from the recognised header aliases."""
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
    return mapping


def _parse_age(raw_age: str | None, *, source: str, group: dict[str, Any], line: int) -> float | None:
    if raw_age is None or not raw_age.strip():
        return None
    match = _AGE_PATTERN.match(raw_age)
    if match is None:
        raise _error(
            f"年龄（age）无法识别：“{raw_age}”（应为起始年龄，如 0、1、5 或 1-4、85+）。",
            source=source,
            group=group,
            row=line,
            row_text=_row_text(line, True),
        )
    return float(match.group(1))


def _parse_records(
    records: list[tuple[int, list[str]]], mapping: dict[str, int], keys: list[str], source: str
) -> tuple[dict[str, list[Any]], list[int]]:
    """Column lists (group keys stripped, numbers parsed) and the file line of each record."""
    numbers = ["population", "deaths", *([AX_COLUMN] if AX_COLUMN in mapping else [])]
    data: dict[str, list[Any]] = {c: [] for c in [*keys, *REQUIRED_COLUMNS, *numbers[2:]]}
    rows: list[int] = []
    for line, fields in records:
        values: dict[str, str | None] = {}
        for col, idx in mapping.items():
            values[col] = fields[idx] if idx < len(fields) else None
        for k in keys:
            v = values[k]
            data[k].append(v.strip() if v is not None and v.strip() else None)
        group = {k: data[k][-1] for k in keys}
        data["age"].append(_parse_age(values["age"], source=source, group=group, line=line))
        for col in numbers:
            try:
                data[col].append(_parse_number(values[col]))
            except ValueError:
                raise _error(
                    f"{_COLUMN_LABELS[col]}（{col}）不是有效数字：“{values[col]}”。",
                    source=source,
                    group=group,
                    row=line,
                    row_text=_row_text(line, True),
                    age=data["age"][-1],
                ) from None
        rows.append(line)
    return data, rows


def read_life_table_input(path: Path) -> pl.DataFrame:
    """Read and validate a life-table input CSV (UTF-8, with or without BOM).

    Recognised headers (Chinese aliases in brackets): ``age`` (年龄/年龄组),
    ``population`` (人口数/平均人口/年平均人口/人年数), ``deaths`` (死亡数/死亡人数),
    optional ``sex`` (性别) and ``region_code`` (地区代码/行政区划代码), optional ``ax``
    (nax/平均存活年数: years lived in the interval by those dying in it, in **years**;
    blank where the default applies; empty on the open interval).  Ages may be
    written as start ages or labels such as ``1-4``, ``85+``, ``85岁及以上``.  Other
    columns are dropped.  Returns the group columns (String) followed by ``age``,
    ``population``, ``deaths`` and, if present, ``ax`` (Float64), in file order.
    """
    path = Path(path)
    source = f"文件 {path.name} "
    header, records = _read_records(_read_text(path, source), source)
    mapping = _map_header(header, source)
    keys = [c for c in GROUP_COLUMNS if c in mapping]
    data, rows = _parse_records(records, mapping, keys, source)

    schema: dict[str, Any] = {k: pl.String for k in keys}
    schema.update({c: pl.Float64 for c in data if c not in keys})
    df = pl.DataFrame(data, schema=schema)
    _split_groups(df, source, rows, csv_lines=True)
    return df
