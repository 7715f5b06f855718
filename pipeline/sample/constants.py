"""示例城市的共用常量（区划代码、报送日、表头文字、2020 年规模）。"""

from __future__ import annotations

DEFAULT_SEED = 430600
CITY_CODE = "430600"
CITY_NAME = "岳阳市"
ALL_MONTHS: tuple[str, ...] = tuple(f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13))
POP_YEARS = tuple(range(2020, 2026))
DUE_DAY = 20  # 每月 20 日前报送（参数，见 domain.md §1）
SHEET_NAME = "医疗卫生机构月报"
FILLING_UNIT = "填报单位：岳阳市卫生健康委员会"
MONEY_UNIT = "金额单位：千元"

# 2020 年末模型城市规模（domain.md §6）
SCALE_2020 = {"医院": 125, "基层医疗卫生机构": 3951, "专业公共卫生机构": 45}

# --------------------------------------------------------------------------------------

# 预置缺陷所在的月份；README 中机构类型组的顺序
DUPLICATE_PERIOD = "2025-11"
LATE_PERIOD = "2025-10"
MISSING_PERIOD = "2025-12"
GROUP_ORDER = ("医院", "基层医疗卫生机构", "专业公共卫生机构", "其他机构")
