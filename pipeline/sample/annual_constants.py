"""年度示例数据的校准目标与常量（全市目标值、历年因子、妇幼与调查数字、目标表列、缺陷年份）。"""

from __future__ import annotations

from pathlib import Path

from pipeline.sample import city as sd

DEFAULT_SEED = sd.DEFAULT_SEED
YEARS: tuple[int, ...] = (2020, 2021, 2022, 2023, 2024, 2025)
MONTHLY_YEARS: tuple[int, ...] = (2024, 2025)
REF_YEAR = 2024
CITY = sd.CITY_CODE
RAW_DIR = Path("data/raw/annual")
REF_DIR = Path("data/reference")
README_BEGIN = "<!-- annual-sample:begin（本节由 pipeline/sample/annual.py 生成，请勿手工修改） -->"
README_END = "<!-- annual-sample:end -->"
SAMPLE_NOTE = "示例数据（虚构，仅供演示）"

# --------------------------------------------------------------------------------------
# 校准目标（全市）：2020 年为规划基期（domain.md §6），2024/2025 为年报专有项目的取值
# --------------------------------------------------------------------------------------
# 每千（全科：每万）常住人口，2020 年基期
BASE_2020_PER_1000: dict[str, float] = {
    "beds": 7.62, "doctors": 2.71, "nurses": 3.14, "tcm_doctors": 0.37, "pharmacists": 0.29,
    "public_health_staff": 0.98,
}
BASE_2020_GPS_PER_10000 = 2.54
BASE_2020_TECHS = 34512  # 2020 年末卫生技术人员（domain.md §6）
# 只在年报中有的存量项目：2024、2025 年全市每千常住人口取值
ANNUAL_ONLY_PER_1000: dict[str, dict[int, float]] = {
    "tcm_doctors": {2024: 0.576, 2025: 0.600},
    "pharmacists": {2024: 0.470, 2025: 0.520},
    "public_health_staff": {2024: 1.222, 2025: 1.290},
}
# 二级及以上综合医院设置老年医学科的比例（按年）
GERIATRIC_SHARE: dict[int, float] = {2020: 0.508, 2021: 0.53, 2022: 0.55, 2023: 0.57, 2024: 0.60, 2025: 0.67}

# 2020–2023 年相对 2024 年的全市因子（疫情：2020、2022 年服务量回落）
VISITS_F = {2020: 0.80, 2021: 0.915, 2022: 0.885, 2023: 0.975}
OCC_F = {2020: 0.87, 2021: 0.94, 2022: 0.90, 2023: 0.985}
ALOS_F = {2020: 1.10, 2021: 1.075, 2022: 1.06, 2023: 1.025}
CHECKS_F = {2020: 0.78, 2021: 0.92, 2022: 0.86, 2023: 0.99}
OP_PRICE_F = {2020: 0.915, 2021: 0.94, 2022: 0.96, 2023: 0.98}
IP_PRICE_F = {2020: 0.93, 2021: 0.95, 2022: 0.965, 2023: 0.985}
DRUG_F = {2020: 1.10, 2021: 1.07, 2022: 1.05, 2023: 1.02}
BUDGET_F = {2020: 0.88, 2021: 0.91, 2022: 0.95, 2023: 0.97}

# 妇幼：全市 (活产数, 孕产妇死亡, 婴儿死亡, 5岁以下儿童死亡)。2024、2025 年与 data/reference/maternal_child.csv
# （人均预期寿命阶段使用的全市监测率）一致：婴儿 2.8‰/2.6‰，5岁以下 4.1‰/3.9‰，孕产妇 8.6/7.9（1/10万）。
MATERNAL_CHILD: dict[int, tuple[int, int, int, int]] = {
    2020: (41580, 2, 116, 162), 2021: (38870, 2, 105, 148), 2022: (35760, 1, 93, 133),
    2023: (33920, 3, 92, 136), 2024: (34884, 3, 98, 143), 2025: (37975, 3, 99, 148),
}
# 重大慢性病过早死亡率（%），全市
PREMATURE_NCD: dict[int, float] = {2020: 18.19, 2021: 17.55, 2022: 17.08, 2023: 16.46, 2024: 15.82, 2025: 15.24}
# 居民健康素养水平（%）与调查人数
HEALTH_LITERACY: dict[int, tuple[float, int]] = {
    2020: (14.80, 3612), 2021: (18.62, 3640), 2022: (22.35, 3588), 2023: (25.91, 3655), 2024: (28.44, 3670),
    2025: (30.72, 3702),
}
# 每千常住人口 3 岁以下婴幼儿托位数
CHILDCARE_PER_1000: dict[int, float] = {2020: 0.62, 2021: 1.15, 2022: 1.78, 2023: 2.46, 2024: 3.28, 2025: 4.53}
# 卫生总费用（万元）与个人卫生支出占比（%）；None = 待省公布
HEALTH_ACCOUNTS: dict[int, tuple[int, float] | None] = {
    2020: (2386000, 28.62), 2021: (2541000, 28.13), 2022: (2659000, 27.86), 2023: (2843000, 27.41),
    2024: (3012000, 27.08), 2025: None,
}
# 医疗保健类居民消费价格指数（上年 = 100）
CPI_MEDICAL: dict[int, float] = {2020: 101.8, 2021: 100.4, 2022: 100.7, 2023: 101.1, 2024: 101.4, 2025: 100.9}
# 全省对比值：孕产妇死亡率（1/10万）、婴儿死亡率（‰）、5岁以下儿童死亡率（‰）；2025 年孕产妇死亡率待省公布
PROVINCE: dict[str, dict[int, float]] = {
    "mmr": {2020: 9.82, 2021: 9.41, 2022: 8.93, 2023: 8.71, 2024: 8.32},
    "imr": {2020: 3.42, 2021: 3.25, 2022: 3.18, 2023: 3.10, 2024: 3.05, 2025: 3.02},
    "u5mr": {2020: 5.10, 2021: 4.86, 2022: 4.70, 2023: 4.58, 2024: 4.45, 2025: 4.36},
}

# “十四五”规划主要指标（domain.md §6）：带类型的目标表
TARGET_COLUMNS = ("indicator_id", "name", "unit", "kind", "baseline_year", "baseline", "target_year", "target_form",
                  "target_value", "direction", "tolerance", "province_indicator", "wording", "note")
TARGETS_14TH: tuple[tuple[object, ...], ...] = (
    ("gps_per_10000", "每万常住人口全科医生数", "人", "约束性", 2020, 2.54, 2025, "value", 3.93, "up", "", "", "3.93",
     ""),
    ("oop_share", "个人卫生支出占卫生总费用的比重", "%", "约束性", 2020, 28.6, 2025, "value", 27, "down", 1, "",
     "27左右", "基期值为示例数据"),
    ("life_expectancy", "人均预期寿命", "岁", "预期性", 2020, 77.5, 2025, "value", 78, "up", 0.5, "", "78左右",
     "基期值为示例数据"),
    ("mmr", "孕产妇死亡率", "1/10万", "预期性", 2020, 4.81, 2025, "better_than_province", "", "down", "", "mmr",
     "优于全省平均", ""),
    ("imr", "婴儿死亡率", "‰", "预期性", 2020, 2.79, 2025, "better_than_province", "", "down", "", "imr",
     "优于全省平均", ""),
    ("u5mr", "5岁以下儿童死亡率", "‰", "预期性", 2020, 3.9, 2025, "better_than_province", "", "down", "", "u5mr",
     "优于全省平均", ""),
    ("premature_ncd_mortality", "重大慢性病过早死亡率", "%", "预期性", 2020, 18.19, 2025, "le", 15, "down", "", "",
     "≤15", ""),
    ("health_literacy", "居民健康素养水平", "%", "预期性", 2020, 14.8, 2025, "ge", 25, "up", "", "", "≥25", ""),
    ("beds_per_1000", "每千常住人口医疗卫生机构床位数", "张", "预期性", 2020, 7.62, 2025, "value", 8, "up", "", "",
     "8", ""),
    ("doctors_per_1000", "每千常住人口执业(助理)医师数", "人", "预期性", 2020, 2.71, 2025, "value", 2.8, "up", "", "",
     "2.8", ""),
    ("tcm_doctors_per_1000", "每千常住人口中医类别执业(助理)医师数", "人", "预期性", 2020, 0.37, 2025, "value", 0.62,
     "up", "", "", "0.62", ""),
    ("nurses_per_1000", "每千常住人口注册护士数", "人", "预期性", 2020, 3.14, 2025, "value", 4, "up", "", "", "4", ""),
    ("pharmacists_per_1000", "每千常住人口药师(士)数", "人", "预期性", 2020, 0.29, 2025, "value", 0.54, "up", "", "",
     "0.54", ""),
    ("public_health_staff_per_1000", "每千常住人口公共卫生人员数", "人", "预期性", 2020, 0.98, 2025, "growth_pct", 30,
     "up", "", "", "增长30%", ""),
    ("childcare_per_1000", "每千人口拥有3岁以下婴幼儿托位数", "个", "预期性", 2020, 0.62, 2025, "value", 4.5, "up", "",
     "", "4.5", ""),
    ("geriatric_share", "二级及以上综合医院设置老年医学科的比例", "%", "预期性", 2020, 50.8, 2025, "ge", 60, "up", "",
     "", "≥60", ""),
)

STOCK_ORDER = ("health_techs", "doctors", "nurses", "gps", "tcm_doctors", "pharmacists", "public_health_staff", "beds")
MONTHLY_FLOWS = ("visits", "oe_visits", "discharges", "open_bed_days", "occupied_bed_days", "discharged_bed_days",
                 "health_checks", "medical_revenue", "outpatient_revenue", "outpatient_drug_revenue",
                 "inpatient_revenue", "inpatient_drug_revenue")
MONTHLY_STOCKS = ("health_techs", "doctors", "gps", "nurses", "beds")
MONEY = ("medical_revenue", "outpatient_revenue", "outpatient_drug_revenue", "inpatient_revenue",
         "inpatient_drug_revenue", "total_revenue", "total_expense")
DEFECT_YEAR = 2025
REVISION_SHARE = 0.12  # share of monthly reporters whose annual service volumes differ a little (±2 %) from Σ12


