"""示例城市（模拟岳阳市）年度数据：机构年报 2020–2025、妇幼、分死因死亡、调查、托位、卫生总费用和参考数据。

``generate_annual(root)`` writes, deterministically (byte-identical on every run):

* ``data/raw/annual/<year>/annual_report.csv``   机构年报（每家年末开业的非分支机构一行，含诊所、村卫生室）
* ``data/raw/annual/<year>/maternal_child.csv``  活产数、孕产妇/婴儿/5岁以下儿童死亡数（按县市区）
* ``data/raw/annual/<year>/deaths_by_cause.csv`` 30–69 岁分性别、五岁组人口与四类重大慢性病死亡数（按县市区）
* ``data/raw/annual/<year>/survey.csv``          居民健康素养水平（全市监测结果）
* ``data/raw/annual/<year>/childcare.csv``       3岁以下婴幼儿托位数（按县市区）
* ``data/raw/annual/<year>/health_accounts.csv`` 卫生总费用与个人卫生支出（全市；当年数待省公布时为空）
* ``data/raw/annual/<year>/infectious_diseases.csv``、``immunization.csv``、``basic_public_health.csv``、
  ``health_supervision.csv``、``elderly_care.csv``  法定传染病、预防接种、基本公共卫生服务、卫生监督、医养结合
  （按县市区，:mod:`pipeline.sample.annual_public`）
* ``data/reference/cpi_medical.csv``             医疗保健类居民消费价格指数（上年=100）
* ``data/reference/targets_14th.csv``            “十四五”规划主要指标目标表（带类型的目标）
* ``data/reference/province.csv``                全省对比值（“优于全省平均”的目标用）
* a section of ``data/README.md`` between the markers below (the data dictionary and the planted defect)

Run it after :func:`pipeline.sample.city.generate` and :func:`pipeline.sample.life.generate_life`: it reads
the registry (rebuilt from the same seed), ``data/reference/population.csv`` and the life-expectancy
deaths files ``data/raw/annual/2024|2025/life_deaths.csv`` (whose 30–69 populations and all-cause deaths
bound the chronic-disease deaths).

Consistency with the monthly exports: for every monthly reporter in 2024 and 2025 the annual flows are
the sums of its twelve monthly values (money: the monthly tenths of 千元 summed, then rounded to 千元),
within ±3 % (about one in eight institutions revised a little, ±2 %, as happens between the monthly
and the annual report), and the year-end stocks are the December values — except one planted defect
(:data:`DEFECT_YEAR`). 2020–2023 have no monthly files: values are scaled back from 2024 so that the city
totals hit the 2020 planning baselines of domain.md §6 and trend into 2024 (with the 2020 and 2022
epidemic dips in service volumes). Only ``random.Random`` is used; no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import yaml

from pipeline import CATALOGUE_DIR
from pipeline.io_utils import atomic_path
from pipeline.sample import city as sd
from pipeline.sample.annual_constants import (
    CITY,
    CPI_MEDICAL,
    DEFAULT_SEED,
    HEALTH_ACCOUNTS,
    HEALTH_LITERACY,
    PROVINCE,
    RAW_DIR,
    README_BEGIN,
    README_END,
    REF_DIR,
    SAMPLE_NOTE,
    TARGET_COLUMNS,
    TARGETS_14TH,
    YEARS,
)
from pipeline.sample.annual_population import (
    CAUSES,
    _read_population,
    childcare_rows,
    deaths_by_cause_rows,
    maternal_child_rows,
)
from pipeline.sample.annual_public import PUBLIC_FILES, PUBLIC_NOTE, PUBLIC_ROWS, PUBLIC_TREE, public_health_rows
from pipeline.sample.annual_rows import (
    AnnualSampleSummary,
    PlantedAnnualDefect,
    _Builder,
    _csv_bytes,
    _write,
    annual_item_ids,
    summary_text,
)


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------
def generate_annual(root: Path, seed: int = DEFAULT_SEED) -> AnnualSampleSummary:
    """Write the annual sample files under ``root`` (see the module docstring); return a summary."""
    root = Path(root)
    population = _read_population(root)
    identity, items = annual_item_ids()
    builder = _Builder(seed, population)
    builder.build()
    files: dict[Path, bytes] = {}
    rows_per_year = []
    for year in YEARS:
        units = sorted((u for u in builder.units if year in u.rows),
                       key=lambda u: (u.inst.region_code, u.inst.org_code))
        body = [(u.inst.org_code, u.inst.region_code, u.inst.type_code, *(u.rows[year][k] for k in items))
                for u in units]
        rows_per_year.append((year, len(body)))
        d = RAW_DIR / str(year)
        files[d / "annual_report.csv"] = _csv_bytes((*identity, *items), body)
        files[d / "maternal_child.csv"] = _csv_bytes(
            ("region_code", "live_births", "maternal_deaths", "infant_deaths", "under5_deaths"),
            maternal_child_rows(seed, population, year))
        files[d / "childcare.csv"] = _csv_bytes(("region_code", "childcare_places"),
                                                childcare_rows(seed, population, year))
        lit, n = HEALTH_LITERACY[year]
        files[d / "survey.csv"] = _csv_bytes(("region_code", "health_literacy_pct", "respondents"),
                                             [(CITY, f"{lit:.2f}", n)])
        acc = HEALTH_ACCOUNTS[year]
        files[d / "health_accounts.csv"] = _csv_bytes(
            ("region_code", "total_health_expenditure", "oop_expenditure", "note"),
            [(CITY, acc[0], round(acc[0] * acc[1] / 100), "")] if acc else [(CITY, "", "", "待省公布")])
        for name, rows in public_health_rows(seed, population, year).items():
            files[d / name] = _csv_bytes(PUBLIC_FILES[name], rows)
    for year, rows in deaths_by_cause_rows(seed, root, population).items():
        files[RAW_DIR / str(year) / "deaths_by_cause.csv"] = _csv_bytes(
            ("region_code", "sex", "age", "population", *CAUSES), rows)
    files[REF_DIR / "cpi_medical.csv"] = _csv_bytes(
        ("year", "cpi_prev_year_100", "source"), [(y, f"{v:.1f}", SAMPLE_NOTE) for y, v in CPI_MEDICAL.items()])
    files[REF_DIR / "targets_14th.csv"] = _csv_bytes(TARGET_COLUMNS, TARGETS_14TH)
    files[REF_DIR / "province.csv"] = _csv_bytes(
        ("indicator_id", "year", "value", "source"),
        [(ind, y, f"{v:.2f}", f"{SAMPLE_NOTE}，全省卫生健康统计公报") for ind, by_year in PROVINCE.items()
         for y, v in by_year.items()])
    for rel, data in sorted(files.items()):
        _write(root / rel, data)
    defect = builder.defect()
    _update_readme(root, readme_section(defect, rows_per_year, files))
    return AnnualSampleSummary(
        root=str(root), years=YEARS, rows_per_year=tuple(rows_per_year),
        files=tuple(str(p) for p in sorted(files)), bytes_total=sum(len(b) for b in files.values()), defect=defect,
        city_values=tuple(_calibration(builder, population)),
    )


def _calibration(builder: _Builder, population: Mapping[tuple[str, int], int]) -> list[tuple[str, int, float]]:
    out = []
    for year in YEARS:
        rows = [u.rows[year] for u in builder.units if year in u.rows]
        pop = population[(CITY, year)]
        for k, scale in (("beds", 1000), ("doctors", 1000), ("nurses", 1000), ("tcm_doctors", 1000),
                         ("pharmacists", 1000), ("public_health_staff", 1000), ("gps", 10000)):
            out.append((k, year, sum(r[k] for r in rows) * scale / pop))
    return out


# --------------------------------------------------------------------------------------
# data/README.md section
# --------------------------------------------------------------------------------------
def _update_readme(root: Path, section: str) -> None:
    path = root / "data" / "README.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    block = f"{README_BEGIN}\n{section.rstrip()}\n{README_END}\n"
    if README_BEGIN in text and README_END in text:
        head, rest = text.split(README_BEGIN, 1)
        tail = rest.split(README_END, 1)[1].lstrip("\n")
        new = head + block + (("\n" + tail) if tail else "")
    else:
        new = text.rstrip("\n") + ("\n\n" if text else "") + block
    if new != text:
        with atomic_path(path) as tmp:
            tmp.write_text(new, encoding="utf-8")


def readme_section(defect: PlantedAnnualDefect, rows_per_year: Sequence[tuple[int, int]],
                   files: Mapping[Path, bytes]) -> str:
    items = yaml.safe_load((CATALOGUE_DIR / "annual_items.yaml").read_text(encoding="utf-8"))
    region_names = {r.code: r.name for r in sd.REGIONS}
    size = sum(len(b) for b in files.values()) / 1e6
    L: list[str] = []
    a = L.append
    a("## 6. 年度数据（年报、妇幼、死因、调查）与年度参考数据")
    a("")
    a("由 `pipeline/sample/annual.py` 的 `generate_annual(root)` 确定性生成（须在 `sample_data.generate` 和 "
      "`life_sample.generate_life` 之后运行），供 `annual_report` 阶段（统计报告及提要、“十四五”监测）使用。"
      f"共 {len(files)} 个文件、{size:.2f} MB。全部数值为虚构示例数据。")
    a("")
    a("```")
    a("data/raw/annual/<年份>/            2020–2025 年各一个目录")
    a("├── annual_report.csv              机构年报（每家年末开业的非分支机构一行）")
    a("├── maternal_child.csv             妇幼卫生监测：活产数与孕产妇、婴儿、5岁以下儿童死亡数（按县市区）")
    a("├── deaths_by_cause.csv            30–69 岁分性别五岁组人口与四类重大慢性病死亡数（按县市区）")
    a("├── survey.csv                     居民健康素养监测结果（全市）")
    a("├── childcare.csv                  3岁以下婴幼儿托位数（按县市区）")
    a("├── health_accounts.csv            卫生总费用核算：卫生总费用与个人卫生支出（全市，万元）")
    for line in PUBLIC_TREE:
        a(line)
    a("└── life_deaths.csv                人均预期寿命测算用的人口与死亡（2024、2025 年，见 life_sample.py）")
    a("data/reference/cpi_medical.csv     医疗保健类居民消费价格指数（上年=100），用于可比价格")
    a("data/reference/targets_14th.csv    “十四五”规划主要指标目标表")
    a("data/reference/province.csv        全省对比值（“优于全省平均”的目标用）")
    a("```")
    a("")
    a("年报行数：" + "，".join(f"{y} 年 {n}" for y, n in rows_per_year) + "。")
    a("")
    a("### 6.1 annual_report.csv（机构年报）")
    a("")
    a("每家年末开业、非分支机构一行（年内注销的机构不报当年年报），按行政区划代码、机构代码排序。"
      "列名为英文 id（读入时也接受下表的中文项目名）；登记注册类型、主办单位、医院等级取自机构名录 registry.csv。"
      "人数、床位、人次为整数，金额为千元（整数）。数据字典（`pipeline/catalogues/annual_items.yaml`）：")
    a("")
    a("| 列 | 项目 | 类型 | 单位 |")
    a("|---|---|---|---|")
    kinds = {"stock": "年末数", "flow": "全年累计", "flag": "是否"}
    for e in items["identity"]:
        a(f"| {e['id']} | {e['label']} | 标识 | |")
    for e in items["items"]:
        a(f"| {e['id']} | {e['label']} | {kinds[e['kind']]} | {e.get('unit', '')} |")
    a("")
    a("与月报的一致性：报月报的机构 2024、2025 年的全年流量（诊疗、门急诊、出院、床日、健康检查、各项收入）等于其 12 个月"
      "月报之和（约八分之一的机构诊疗类人次有 ±2% 以内的年报修订，均在 ±3% 的核对容差内），年末人员、床位等于 12 月末数；"
      "急诊、入院、手术、总收入、总支出、中医类别医师、药师、公共卫生人员、编制床位、老年医学科只在年报中。"
      "2020–2023 年没有月报：由 2024 年回推，全市合计与“十四五”基期（2020 年每千人口床位 7.62、医师 2.71、"
      "中医类别医师 0.37、护士 3.14、药师 0.29，每万人口全科医生 2.54，每千人口公共卫生人员 0.98）一致，"
      "服务量在 2020、2022 年有疫情回落。月报的漏报机构（2025-12）在年报中数据完整，因此其 11 个月月报之和会少于年报。")
    a("")
    a("### 6.2 预置缺陷（年报与 12 个月月报之和不符）")
    a("")
    a("| 年份 | 机构代码 | 机构名称 | 所在区划 | 说明 |")
    a("|---|---|---|---|---|")
    a(f"| {defect.year} | `{defect.org_code}` | {defect.name} | {region_names[defect.region_code]}"
      f"（{defect.region_code}） | {defect.description} |")
    a("")
    _other_files(a)
    return "\n".join(L)


def _other_files(a: Callable[[str], None]) -> None:
    """6.3 其他年度文件：列与说明。"""
    a("### 6.3 其他年度文件")
    a("")
    a("| 文件 | 列 | 说明 |")
    a("|---|---|---|")
    a("| maternal_child.csv | region_code, live_births, maternal_deaths, infant_deaths, under5_deaths | "
      "各县级单位活产数与死亡数（5岁以下含婴儿）；全市 = 各单位之和。2024、2025 年全市率与 "
      "`data/reference/maternal_child.csv` 一致 |")
    a("| deaths_by_cause.csv | region_code, sex, age, population, cardiovascular, cancer, diabetes, "
      "chronic_respiratory | age 为五岁组起点 30、35…65；四类死因：心脑血管疾病、恶性肿瘤、糖尿病、慢性呼吸系统疾病；"
      "2024、2025 年人口取自 life_deaths.csv，死亡数不超过同组全死因死亡数 |")
    a("| survey.csv | region_code, health_literacy_pct, respondents | 居民健康素养水平（%，全市）与调查人数 |")
    a("| childcare.csv | region_code, childcare_places | 3岁以下婴幼儿托位数（个）；全市 = 各单位之和 |")
    a("| health_accounts.csv | region_code, total_health_expenditure, oop_expenditure, note | 卫生总费用与个人卫生支出"
      "（万元，全市）；尚未公布的年份数值为空、note 为“待省公布”（2025 年） |")
    for line in PUBLIC_ROWS:
        a(line)
    a("| reference/cpi_medical.csv | year, cpi_prev_year_100, source | 医疗保健类居民消费价格指数（上年 = 100） |")
    a("| reference/targets_14th.csv | indicator_id, name, unit, kind, baseline_year, baseline, target_year, "
      "target_form, target_value, direction, tolerance, province_indicator, wording, note | 目标形式 target_form："
      "value 数值目标（“左右”用 tolerance 容差）、le ≤、ge ≥、growth_pct 比基期增长百分比、better_than_province "
      "优于全省（对比值见 province.csv）、pending 目标待省公布；direction：up 越大越好 / down 越小越好；"
      "kind：约束性 / 预期性 |")
    a("| reference/province.csv | indicator_id, year, value, source | 全省对比值；缺少某年即“待省公布” |")
    a("")
    a(PUBLIC_NOTE)
    a("")


if __name__ == "__main__":  # pragma: no cover
    print(summary_text(generate_annual(Path.cwd())))
