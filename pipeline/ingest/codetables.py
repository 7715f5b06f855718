"""Classification values read through the national code tables: code, name or "code name" → one canonical value.

登记注册类型、主办单位、医院等级这三列，导出文件里常写成代码（110）、名称（国有）或“代码 名称”（110 国有、
12 三级甲等、11 卫生健康行政部门），也有旧称和简称（国有企业、三甲）。读入时按国家代码表
（pipeline/catalogues/code_tables.yaml）统一成一种规范写法，再按 classification.yaml 分组（公立/民营、
政府办、医院级别）。机构类别代码同样可以写“A100 综合医院”或只写名称。查不到的写法不会被默认成“民营”
“未定级”或“非政府办”：这一行进入隔离表（quarantine.csv），原因写明文件、工作表、行、列和原值，
在 code_tables.yaml 的 aliases 中加上这种写法（或改正导出文件）后重新运行即可。
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipeline import CATALOGUE_DIR, catalogues
from pipeline.catalogues import InstitutionType
from pipeline.errors import UserError
from pipeline.io_utils import load_yaml

CODE_TABLES = CATALOGUE_DIR / "code_tables.yaml"
_CODE_NAME = re.compile(r"^([0-9A-Z]{1,4})[\s\-_:.、|/]*(\D.*)$")


def _key(value: str) -> str:
    """Comparison key: full-width → half-width, no spaces, upper-case letters."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def cell_text(value: Any) -> str:
    """A cell as text; a code read as a number (110.0) loses its '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


@dataclass(frozen=True)
class CodeTable:
    field: str
    label: str
    by_code: dict[str, str]
    by_name: dict[str, str]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.by_name.values()))


@dataclass(frozen=True)
class Lookup:
    value: str | None  # the canonical value, None when the cell could not be understood
    problem: str = ""  # why not, in Chinese, naming the raw value


def _table(field: str, raw: dict[str, Any], source: str) -> CodeTable:
    by_code: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for entry in raw.get("entries") or []:
        name = str(entry["name"])
        for code in entry.get("codes") or []:
            if _key(str(code)) in by_code:
                raise UserError(f"{source}：{field} 的代码“{code}”出现了两次")
            by_code[_key(str(code))] = name
        for spelling in (name, *(entry.get("aliases") or [])):
            key = _key(str(spelling))
            if by_name.get(key, name) != name:
                raise UserError(f"{source}：{field} 的写法“{spelling}”同时属于“{by_name[key]}”和“{name}”")
            by_name[key] = name
    return CodeTable(field, str(raw.get("label", field)), by_code, by_name)


@lru_cache(maxsize=None)
def code_tables(path: Path = CODE_TABLES) -> dict[str, CodeTable]:
    """The tables of code_tables.yaml, validated, keyed by canonical field (reg_type, sponsor, hospital_level)."""
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
        tables = {field: _table(field, body, path.name) for field, body in raw["tables"].items()}
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise UserError(f"目录文件 {path.name} 无法读取：{exc}",
                        hint="请对照文件开头的说明改正格式") from exc
    _check_classification(tables)
    return tables


def _check_classification(tables: dict[str, CodeTable]) -> None:
    """classification.yaml groups canonical values only: a spelling it lists must be a code table's name."""
    cls = catalogues.classification()
    listed = {"reg_type": cls.public_reg_types, "sponsor": cls.government_sponsors}
    for field, values in listed.items():
        unknown = [v for v in values if v not in tables[field].names]
        if unknown:
            raise UserError(
                f"classification.yaml 中的{tables[field].label}“{'、'.join(unknown)}”不是 code_tables.yaml 中的规范写法",
                hint=f"classification.yaml 只写规范写法：{'、'.join(tables[field].names)}")


def lookup(table: CodeTable, value: Any) -> Lookup:
    """Code, name or "code name" → canonical value. A code and a name that disagree are a problem, not a guess."""
    text = cell_text(value)
    if not text:
        return Lookup(None, f"{table.label}为空")
    key = _key(text)
    if key in table.by_code:
        return Lookup(table.by_code[key])
    if key in table.by_name:
        return Lookup(table.by_name[key])
    match = _CODE_NAME.match(key)
    if match and match.group(1) in table.by_code:
        by_code = table.by_code[match.group(1)]
        by_name = table.by_name.get(match.group(2))
        if by_name is None or by_name == by_code:
            return Lookup(by_code)
        return Lookup(None, f"{table.label}“{text}”的代码是“{by_code}”，名称却是“{by_name}”，两者不一致")
    return Lookup(None, f"{table.label}“{text}”不在国家代码表中")


@lru_cache(maxsize=None)
def _type_names() -> dict[str, str]:
    """Institution-type name → code, for names that belong to one code only."""
    seen: dict[str, set[str]] = {}
    for code, t in catalogues.institution_types().items():
        seen.setdefault(_key(t.type_name), set()).add(code)
    return {name: next(iter(codes)) for name, codes in seen.items() if len(codes) == 1}


def lookup_type_code(value: Any) -> tuple[str, InstitutionType | None, str]:
    """机构类别代码 written as 'A100', 'A100 综合医院' or '综合医院' → (code, type, problem)."""
    text = cell_text(value)
    if not text:
        return "", None, "机构类别代码为空"
    key = _key(text)
    name_code = _type_names().get(key)
    if name_code is not None:
        return name_code, catalogues.lookup_type(name_code), ""
    match = re.match(r"^([A-Z]\d{1,3})[\s\-_:.、|/]*(.*)$", key)
    code = match.group(1) if match else key
    found = catalogues.lookup_type(code) if match else None
    if found is None:
        return code, None, f"机构类别代码“{text}”不在机构类别目录（institution_types.csv）中"
    named = _type_names().get(match.group(2)) if match and match.group(2) else None
    if named is not None and catalogues.lookup_type(named) != found:
        return code, None, f"机构类别“{text}”的代码与名称不一致（名称对应 {named}）"
    return code, found, ""


def canonical_registry(df: pl.DataFrame, source: str) -> pl.DataFrame:
    """The registry's 登记注册类型/主办单位/医院等级 columns (a polars frame of text) in canonical spellings.

    A value the code tables do not know stops the run with the file, row and column; a blank 医院等级 stays blank."""
    tables = code_tables()
    columns = {}
    for field in ("reg_type", "sponsor", "hospital_level"):
        out = []
        for row_no, value in enumerate(df[field].to_list(), start=2):
            if field == "hospital_level" and not cell_text(value):
                out.append("")
                continue
            got = lookup(tables[field], value)
            if got.value is None:
                raise UserError(f"机构名录 {source} 第 {row_no} 行，列“{field}”：{got.problem}",
                                hint="改为国家代码表中的写法，或把这种写法加入 pipeline/catalogues/code_tables.yaml 的 aliases")
            out.append(got.value)
        columns[field] = out
    return df.with_columns(**{f: pl.Series(f, v, dtype=pl.Utf8) for f, v in columns.items()})
