"""统一社会信用代码（GB 32100）与组织机构代码（GB 11714）：示例城市的机构代码及其校验位。"""

from __future__ import annotations

# 统一社会信用代码 GB 32100-2015 / 组织机构代码 GB 11714-1997
# --------------------------------------------------------------------------------------
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 个字符（不含 I、O、Z、S、V）
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 第 18 位校验码。"""
    if len(first17) != 17:
        raise ValueError("need the first 17 characters")
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 组织机构代码（主体标识码）第 9 位校验码。"""
    if len(first8) != 8:
        raise ValueError("need the first 8 characters")

    def val(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10

    c9 = 11 - sum(val(c) * w for c, w in zip(first8, ORG_WEIGHTS)) % 11
    return "X" if c9 == 10 else ("0" if c9 == 11 else str(c9))


def is_valid_uscc(code: str) -> bool:
    return (
        len(code) == 18
        and all(c in USCC_CHARSET for c in code)
        and org_code_check_char(code[8:16]) == code[16]
        and uscc_check_char(code[:17]) == code[17]
    )


def _make_uscc(auth: str, region6: str, body8: str) -> str:
    first17 = auth + region6 + body8 + org_code_check_char(body8)
    return first17 + uscc_check_char(first17)


