"""Published life expectancy of the province (全省) and the country (全国) to compare the city with
(data/reference/life_expectancy.csv: level, area, year, e0, source).

The comparison takes, for each level, the figure of the report's year or, when that year is not yet
published, the latest earlier year (the report says which); a level with no figure up to the report's year is
said to have none, never filled in. A row whose source says 示例数据 is an uncited placeholder: the report shows
it with that mark and carries the 样稿 mark.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import UserError

REFERENCE_PATH = Path("data/reference/life_expectancy.csv")
LEVELS: tuple[str, ...] = ("全省", "全国")  # the order of the report's sentence
COLUMNS: tuple[str, ...] = ("level", "area", "year", "e0", "source")
SAMPLE_MARK = "示例数据"


@dataclass(frozen=True)
class ReferenceE0:
    """One published e0: `text` is the figure as published (its decimals kept), `value` the same as a number."""

    level: str
    area: str
    year: int
    text: str
    value: float
    source: str

    @property
    def is_sample(self) -> bool:
        return SAMPLE_MARK in self.source


@dataclass(frozen=True)
class Comparison:
    """What the report compares the city with at one level: the figure used (None: none published up to the
    report's year) and the report's year, so the sentence can say when an earlier year stands in."""

    level: str
    year: int
    reference: ReferenceE0 | None

    @property
    def same_year(self) -> bool:
        return self.reference is not None and self.reference.year == self.year


def _fail(line: int, what: str, hint: str = "") -> UserError:
    return UserError(f"文件 {REFERENCE_PATH.as_posix()} 第 {line} 行：{what}",
                     hint=hint or "请按 data/reference/README.md 的说明改正该行")


def _row(raw: dict[str, str], line: int) -> ReferenceE0:
    level = raw["level"]
    if level not in LEVELS:
        raise _fail(line, f"level 应为 {'、'.join(LEVELS)} 之一，当前为“{level}”")
    try:
        year = int(raw["year"])
    except ValueError:
        raise _fail(line, f"year 应为四位年份，当前为“{raw['year']}”") from None
    try:
        value = float(raw["e0"])
    except ValueError:
        raise _fail(line, f"e0（人均预期寿命，岁）不是数字：“{raw['e0']}”") from None
    if not 20.0 < value < 100.0:
        raise _fail(line, f"e0（人均预期寿命，岁）应在 20 到 100 之间，当前为 {raw['e0']}")
    if not raw["source"]:
        raise _fail(line, "source（资料来源）为空", hint="写明发布机关和文件名称；没有出处的数字写“示例数据”")
    return ReferenceE0(level, raw["area"] or level, year, raw["e0"], value, raw["source"])


def load(root: Path) -> tuple[ReferenceE0, ...] | None:
    """The rows of the reference file under `root`, checked; None when the file is absent (no comparison)."""
    path = Path(root) / REFERENCE_PATH
    if not path.is_file():
        return None
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"文件 {REFERENCE_PATH.as_posix()} 不是 UTF-8 编码", hint="请另存为 UTF-8 后重试") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    absent = [c for c in COLUMNS if c not in header]
    if absent:
        raise UserError(f"文件 {REFERENCE_PATH.as_posix()} 缺少列：{'、'.join(absent)}（现有列：{'、'.join(header)}）")
    rows: list[ReferenceE0] = []
    seen: dict[tuple[str, int], int] = {}
    for line, raw in enumerate(reader, start=2):
        row = _row({(k or "").strip(): (v or "").strip() for k, v in raw.items()}, line)
        key = (row.level, row.year)
        if key in seen:
            raise _fail(line, f"{row.level}{row.year}年与第 {seen[key]} 行重复", hint="每个层级每年只留一行")
        seen[key] = line
        rows.append(row)
    return tuple(sorted(rows, key=lambda r: (LEVELS.index(r.level), r.year)))


def comparisons(rows: tuple[ReferenceE0, ...] | None, year: int) -> tuple[Comparison, ...]:
    """For 全省 and 全国: the figure of `year`, else the latest earlier one, else none (empty without a file)."""
    if rows is None:
        return ()
    out = []
    for level in LEVELS:
        usable = [r for r in rows if r.level == level and r.year <= year]
        out.append(Comparison(level, year, max(usable, key=lambda r: r.year) if usable else None))
    return tuple(out)
