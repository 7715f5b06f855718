"""Institution and region codes: leading zeros, check characters, digits lost to Excel, regions that exist.

机构代码：9 位组织机构代码（GB 11714）在 Excel 里被存成数字时会丢掉开头的 0（012345678 变成 12345678），
读入时补回；18 位统一社会信用代码（GB 32100）被存成数字时 Excel 只保留 15 位有效数字（显示为 9.14306E+17），
后几位已经丢失、无法恢复，这一行进入隔离表，请把该列设为“文本”格式后重新导出。两种代码的最后一位是校验码，
校验不通过只提示（质控警告），不拦下数据。行政区划代码必须在区划表（data/reference/regions.csv）中；
12 位的统计用区划代码取前 6 位所属县市区，查不到县市区的进入隔离表。
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from operator import mul
from typing import Any, Mapping

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997, positions 1–8
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
_USCC_VALUES = {c: i for i, c in enumerate(USCC_CHARS)}
_FLOAT_DIGITS = 15  # an Excel number keeps 15 significant digits


def org_check_char(body: str) -> str | None:
    """The GB 11714 check character of an 8-character body (digits and capital letters), or None if invalid."""
    if len(body) != 8:
        return None
    total = 0
    for char, weight in zip(body, ORG_WEIGHTS):
        if char.isdigit():
            value = int(char)
        elif "A" <= char <= "Z":
            value = ord(char) - ord("A") + 10
        else:
            return None
        total += value * weight
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_check_char(body: str) -> str | None:
    """The GB 32100 check character of a 17-character body, or None if a character is outside the code set."""
    if len(body) != 17:
        return None
    try:  # (once per distinct code, but a country has hundreds of thousands: no generator per character)
        total = sum(map(mul, map(_USCC_VALUES.__getitem__, body), USCC_WEIGHTS))
    except KeyError:  # a character outside the code set
        return None
    return USCC_CHARS[(31 - total % 31) % 31]


def check_problem(code: str) -> str:
    """'' when the last character is the right check character, else a Chinese warning."""
    if len(code) == 9:
        expected, kind = org_check_char(code[:8]), "组织机构代码（GB 11714）"
    elif len(code) == 18:
        expected, kind = uscc_check_char(code[:17]), "统一社会信用代码（GB 32100）"
    else:
        return f"机构代码“{code}”不是 9 位组织机构代码，也不是 18 位统一社会信用代码"
    if expected is None:
        return f"机构代码“{code}”含有{kind}不允许的字符"
    if code[-1] != expected:
        return f"机构代码“{code}”的校验码应为“{expected}”，请核对代码是否抄错"
    return ""


@dataclass(frozen=True)
class OrgCode:
    code: str  # normalised ('' when the cell was empty or digits were lost)
    error: str = ""  # the row cannot be kept: quarantine reason
    note: str = ""  # what was done to the value (leading zeros restored)
    warning: str = ""  # check character wrong: kept, listed for the office


def _lost_digits(value: Any) -> bool:
    """True for a code that went through an Excel number: more digits than a number cell can hold."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return abs(value) >= 10**_FLOAT_DIGITS
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    mantissa, _, exponent = text.partition("E+")
    return bool(exponent) and exponent.isdigit() and mantissa.replace(".", "", 1).isdigit()


def normalise_org_code(value: Any) -> OrgCode:
    """The key of a row from its cell: text kept as written (upper-case, no spaces); a number gets its zeros back."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return OrgCode("", error="机构代码为空")
    if _lost_digits(value):
        shown = f"{value:.5E}" if isinstance(value, (int, float)) else str(value).strip()
        return OrgCode("", error=f"机构代码“{shown}”是被 Excel 存成数字的 18 位代码，后几位已经丢失，无法恢复；"
                                 "请在直报系统重新导出，或把该列设为“文本”格式后重新填写")
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if numeric and float(value).is_integer():
        value = int(value)
    code = "".join(unicodedata.normalize("NFKC", str(value)).split()).upper()
    if code.endswith(".0") and code[:-2].isdigit():
        code, numeric = code[:-2], True
    note = ""
    if code.isdigit() and len(code) < 9 and (numeric or org_check_char(code.zfill(9)[:8]) == code.zfill(9)[-1]):
        note = f"机构代码“{code}”缺少开头的 0（被存成了数字），已补为“{code.zfill(9)}”"
        code = code.zfill(9)
    return OrgCode(code, note=note, warning=check_problem(code))


@dataclass(frozen=True)
class RegionCode:
    code: str
    error: str = ""
    note: str = ""


def normalise_region(value: Any, counties: Mapping[str, str], city_code: str | None = None) -> RegionCode:
    """A 6-digit county code from the region table (a 12-digit 统计用区划代码 → its first 6 digits).

    ``counties`` maps county-level region codes to names; the city's own code (``city_code``) is accepted
    too (institutions run by the city itself). Anything else is a quarantine reason."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return RegionCode("", error="行政区划代码为空")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    code = "".join(unicodedata.normalize("NFKC", str(value)).split())
    if code.endswith(".0") and code[:-2].isdigit():
        code = code[:-2]
    if code in counties or (city_code is not None and code == city_code):
        return RegionCode(code)
    if len(code) == 12 and code.isdigit():
        county = code[:6]
        if county in counties:
            return RegionCode(county, note=f"行政区划代码“{code}”是 12 位统计用区划代码，按前 6 位计入{counties[county]}（{county}）")
        return RegionCode("", error=f"行政区划代码“{code}”（12 位）的前 6 位 {county} 不是本市的县市区，无法计入任何县市区")
    return RegionCode("", error=f"行政区划代码“{code}”不在区划表（regions.csv）中")
