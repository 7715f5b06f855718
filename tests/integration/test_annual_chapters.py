"""统计报告及提要的公共卫生各章、上年列和与全省、全国比较：每个新数字都由测试自己用 csv 模块从样例原始文件
重新计算（Σ分子 ÷ Σ分母，按年末常住人口），再与报告正文、表格中印出的文字比较；缺少某项输入时写明“资料暂缺”。"""

from __future__ import annotations

import csv
import re
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from pipeline.annual import report as annual_report
from pipeline.io_utils import write_csv
from pipeline.life import expectancy as le
from tests import table_text
from tests.helpers import REPO

CITY = "430600"
YEAR = 2025


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _sum(root: Path, year: int, name: str, *columns: str) -> float:
    return sum(float(r[c]) for r in _rows(root / "data/raw/annual" / str(year) / name) for c in columns)


def _population(root: Path, year: int) -> float:
    return next(float(r["population"]) for r in _rows(root / "data/reference/population.csv")
                if r["region_code"] == CITY and int(r["year"]) == year)


def _fmt(value: float, decimals: int) -> str:
    """Half-up at the printed precision, thousands separated (as published tables)."""
    q = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{q:,.{decimals}f}"


def _pct_phrase(now: float, before: float, up: str, down: str) -> str:
    change = (now - before) / before * 100
    return f"{up if change > 0 else down}{_fmt(abs(change), 1)}%"


def _build(root: Path, year: int = YEAR) -> str:
    out = root / "out" / str(year)
    doc = annual_report.build_annual(
        year=year, raw_dir=root / "data/raw/annual", reference_dir=root / "data/reference",
        life_expectancy_dir=root / "le", out_dir=out, org_name="岳阳市卫生健康委员会", price_base_year=2020)
    return doc.markdown


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("chapters")
    shutil.copytree(REPO / "data" / "reference", dest / "data" / "reference")
    shutil.copytree(REPO / "data" / "raw" / "annual", dest / "data" / "raw" / "annual")
    result = le.compute(le.LifeExpectancyParams(year=YEAR), REPO)
    write_csv(le.summary_frame(result), dest / "le" / "summary.csv")
    return dest


@pytest.fixture(scope="module")
def markdown(root: Path) -> str:
    return _build(root)


def _table(md: str, title: str) -> dict[str, list[str]]:
    """{row label: cells} of the report table whose title contains ``title``; "__header__": the column headers
    after the stub (under a spanner: "spanner column"), "__notes__": the 注 lines under it."""
    t = table_text.table(md, title)
    out = {row[0]: row[1:] for row in t.rows}
    out["__header__"] = t.columns
    out["__notes__"] = t.notes
    return out


def test_chapters_follow_the_bulletin_order(markdown: str) -> None:
    headings = re.findall(r"^## (.+?)(?: \{#part-\d+\})?$", markdown, flags=re.M)  # front matter: 说明, 指标解释, 提要
    headings = headings[headings.index("提要"):]
    assert headings[1:11] == ["一、卫生资源", "二、医疗服务", "三、基层卫生", "四、中医药", "五、疾病控制与公共卫生",
                              "六、基本公共卫生服务项目", "七、妇幼卫生与健康水平", "八、老龄健康与医养结合", "九、卫生监督",
                              "十、“十四五”规划主要指标终期评估"]


def test_notifiable_diseases_from_the_raw_file(root: Path, markdown: str) -> None:
    pop, pop0 = _population(root, YEAR), _population(root, YEAR - 1)
    cases = _sum(root, YEAR, "infectious_diseases.csv", "ab_cases", "c_cases")
    deaths = _sum(root, YEAR, "infectious_diseases.csv", "ab_deaths", "c_deaths")
    before = _sum(root, YEAR - 1, "infectious_diseases.csv", "ab_cases", "c_cases")
    rate, rate0 = cases / pop * 1e5, before / pop0 * 1e5
    ab = _sum(root, YEAR, "infectious_diseases.csv", "ab_cases")
    c = _sum(root, YEAR, "infectious_diseases.csv", "c_cases")
    assert (f"全年全市报告法定传染病{_fmt(cases, 0)}例，死亡{_fmt(deaths, 0)}人；报告发病率为{_fmt(rate, 2)}/10万，"
            f"比上年{_pct_phrase(rate, rate0, '上升', '下降')}；报告死亡率为{_fmt(deaths / pop * 1e5, 2)}/10万") in markdown
    assert f"甲乙类传染病报告发病{_fmt(ab, 0)}例" in markdown and f"丙类传染病报告发病{_fmt(c, 0)}例" in markdown
    assert f"报告发病率为{_fmt(ab / pop * 1e5, 2)}/10万" in markdown
    table = _table(markdown, "法定传染病报告发病和死亡")
    assert table["__header__"] == [f"{YEAR - 1}年", f"{YEAR}年", "比上年增减"]
    assert table["法定传染病报告发病率(1/10万)"][:2] == [_fmt(rate0, 2), _fmt(rate, 2)]


def test_immunization_and_basic_public_health_rates_from_summed_counts(root: Path, markdown: str) -> None:
    given = _sum(root, YEAR, "immunization.csv", "nip_given")
    due = _sum(root, YEAR, "immunization.csv", "nip_due")
    assert f"国家免疫规划疫苗{_fmt(given, 0)}剂次；国家免疫规划疫苗接种率为{_fmt(given / due * 100, 2)}%" in markdown
    f = "basic_public_health.csv"
    old = _sum(root, YEAR, f, "elderly_managed") / _sum(root, YEAR, f, "elderly_residents") * 100
    htn = _sum(root, YEAR, f, "htn_standard") / _sum(root, YEAR, f, "htn_managed") * 100
    dm = _sum(root, YEAR, f, "dm_standard") / _sum(root, YEAR, f, "dm_managed") * 100
    ehr = _sum(root, YEAR, f, "ehr_residents") / _population(root, YEAR) * 100
    assert f"老年人健康管理率为{_fmt(old, 2)}%" in markdown
    assert f"规范管理{_fmt(_sum(root, YEAR, f, 'htn_standard'), 0)}人，规范管理率{_fmt(htn, 2)}%" in markdown
    assert f"规范管理率{_fmt(dm, 2)}%" in markdown
    assert f"居民电子健康档案建档率为{_fmt(ehr, 2)}%" in markdown


def test_elderly_care_and_supervision_from_the_raw_files(root: Path, markdown: str) -> None:
    n = _sum(root, YEAR, "elderly_care.csv", "integrated_institutions")
    n0 = _sum(root, YEAR - 1, "elderly_care.csv", "integrated_institutions")
    dual = _sum(root, YEAR, "elderly_care.csv", "dual_licensed")
    assert (f"全市医养结合机构{_fmt(n, 0)}个，比上年增加{_fmt(n - n0, 0)}个；床位"
            f"{_fmt(_sum(root, YEAR, 'elderly_care.csv', 'integrated_beds'), 0)}张") in markdown
    assert f"两证齐全（具备医疗卫生机构资质并进行养老机构备案）的机构{_fmt(dual, 0)}个，占{_fmt(dual / n * 100, 1)}%" in markdown
    fines = _sum(root, YEAR, "health_supervision.csv", "fines")
    fines0 = _sum(root, YEAR - 1, "health_supervision.csv", "fines")
    assert (f"卫生健康监督检查{_fmt(_sum(root, YEAR, 'health_supervision.csv', 'inspections'), 0)}户次" in markdown)
    assert f"罚没款{_fmt(fines, 2)}万元，比上年{_pct_phrase(fines, fines0, '增长', '下降')}" in markdown


def test_prior_year_columns_in_resource_and_service_tables(root: Path, markdown: str) -> None:
    table = _table(markdown, "医疗卫生机构、床位和人员数")
    assert table["__header__"][:3] == [f"机构数(个) {YEAR - 1}年", f"机构数(个) {YEAR}年", "机构数(个) 比上年增减(个)"]
    beds0 = _sum(root, YEAR - 1, "annual_report.csv", "beds")
    beds = _sum(root, YEAR, "annual_report.csv", "beds")
    assert table["总计"][3:6] == [_fmt(beds0, 0), _fmt(beds, 0), _fmt((beds / beds0 - 1) * 100, 1)]
    services = _table(markdown, "医疗卫生机构诊疗人次数和住院服务量")
    visits0 = _sum(root, YEAR - 1, "annual_report.csv", "visits")
    assert services["__header__"][:3] == [f"总诊疗人次数 {YEAR - 1}年", f"总诊疗人次数 {YEAR}年", "总诊疗人次数 比上年增长(%)"]
    # counts in 万人次 (the unit line says so): the raw sum ÷ 10000 exactly, half-up at one decimal
    assert services["总计"][0] == f"{(Decimal(repr(visits0)) / 10000).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,}"
    assert "单位：万人次、万人" in markdown.split("医疗卫生机构诊疗人次数和住院服务量", 1)[1].split("</caption>", 1)[0]


def test_comparison_with_province_and_country(root: Path, markdown: str) -> None:
    refs = {(r["indicator_id"], r["area"]): r for r in _rows(root / "data/reference/comparison_annual.csv")
            if int(r["year"]) <= YEAR}
    table = _table(markdown, "与全省、全国比较")
    assert table["__header__"] == [f"全市{YEAR}年", "全省", "全国"]
    # 全国 values as published (no 2025 bulletin yet: the 2024 rows), printed with the published decimals
    assert table["婴儿死亡率(‰)"][2] == refs[("imr", "全国")]["value"] == "4.0"
    assert table["人均预期寿命(岁)"][1:] == ["79", "79.0"]
    assert table["每千常住人口床位数(张)"][2] == "7.23"  # 2023: the latest national value found
    note = next(line for line in markdown.splitlines() if line.startswith("注：全省、全国"))
    assert "全国每千常住人口床位数为2023年数" in note
    # the sources in words, from the reference rows (not a file path)
    assert "《2024年我国卫生健康事业发展统计公报》（国家卫生健康委，2025年12月发布）" in note and ".csv" not in note
    assert "全省每千常住人口床位数为示例数据" in note  # sample="是" in comparison_annual.csv
    assert "全国" not in note.split("为示例数据")[0].rsplit("；", 1)[-1]  # the cited national values are not sample


def _summary(md: str) -> str:
    return md.split("## 提要", 1)[1].split("\n## ", 1)[0]


def test_the_summary_has_one_sentence_per_chapter_from_the_raw_files(root: Path, markdown: str) -> None:
    pop = _population(root, YEAR)
    cases = _sum(root, YEAR, "infectious_diseases.csv", "ab_cases", "c_cases")
    cases0 = _sum(root, YEAR - 1, "infectious_diseases.csv", "ab_cases", "c_cases")
    rate, rate0 = cases / pop * 1e5, cases0 / _population(root, YEAR - 1) * 1e5
    f = "basic_public_health.csv"
    item = next(p for p in _summary(markdown).split("\n\n") if p.startswith("（五）"))
    assert item.startswith("（五）公共卫生与卫生监督。全年全市报告法定传染病"
                           f"{_fmt(cases, 0)}例，报告发病率{_fmt(rate, 2)}/10万，比上年{_pct_phrase(rate, rate0, '上升', '下降')}。")
    nip = _sum(root, YEAR, "immunization.csv", "nip_given") / _sum(root, YEAR, "immunization.csv", "nip_due") * 100
    assert f"国家免疫规划疫苗接种率{_fmt(nip, 2)}%" in item
    htn = _sum(root, YEAR, f, "htn_standard") / _sum(root, YEAR, f, "htn_managed") * 100
    dm = _sum(root, YEAR, f, "dm_standard") / _sum(root, YEAR, f, "dm_managed") * 100
    assert f"规范管理率分别为{_fmt(htn, 2)}%、{_fmt(dm, 2)}%。" in item
    assert (f"医养结合机构{_fmt(_sum(root, YEAR, 'elderly_care.csv', 'integrated_institutions'), 0)}个，床位"
            f"{_fmt(_sum(root, YEAR, 'elderly_care.csv', 'integrated_beds'), 0)}张。") in item
    assert f"监督检查{_fmt(_sum(root, YEAR, 'health_supervision.csv', 'inspections'), 0)}户次" in item
    assert any(p.startswith("（六）“十四五”规划指标终期评估") for p in _summary(markdown).split("\n\n"))


def test_missing_input_is_stated_not_zero(root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "root"
    shutil.copytree(root / "data", copy / "data")
    shutil.copytree(root / "le", copy / "le")
    (copy / "data/raw/annual" / str(YEAR) / "health_supervision.csv").unlink()
    md = _build(copy)
    chapter = md.split("## 九、卫生监督", 1)[1].split("## 十、", 1)[0]
    assert "本市2025年卫生健康监督执法统计资料暂缺" in chapter
    assert "表" not in chapter and "户次" not in chapter  # no table, no made-up 0
    assert "未提供卫生健康监督执法统计的年度资料" in md and "health_supervision" not in md
    assert "法定传染病" in md.split("## 五、", 1)[1].split("## 六、", 1)[0]  # the other chapters stay
    assert "监督检查" not in _summary(md) and "法定传染病" in _summary(md)  # the 提要 says nothing of it either
