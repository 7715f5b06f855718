"""人均预期寿命测算阶段：示例城市数据 → 寿命表、e0、XLSX、CSV、报告（HTML + PDF）。"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from pipeline import fmt
from pipeline.errors import UserError
from pipeline.life import expectancy as le
from pipeline.sample import life as life_sample
from tests import table_text
from tests.helpers import REPO

ORG = "岳阳市卫生健康委员会"
CITY = "430600"
OUTPUTS = ("summary.csv", "life_tables.xlsx", "report.html", "report.pdf")


def _make_root(root: Path) -> Path:
    """A project root with the sample city's regions/population and the generated life-expectancy inputs."""
    ref = root / "data" / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    repo_ref = REPO / "data" / "reference"
    if (repo_ref / "regions.csv").is_file() and (repo_ref / "population.csv").is_file():
        for name in ("regions.csv", "population.csv"):
            shutil.copy2(repo_ref / name, ref / name)
    else:  # pragma: no cover - a checkout without generated reference data
        from pipeline.sample import city as sample_data

        sample_data.generate(root, months=[], progress=False)
    shutil.copy2(repo_ref / "life_expectancy.csv", ref / "life_expectancy.csv")  # published 全省/全国 e0 (in git)
    life_sample.generate_life(root)
    return root


@pytest.fixture(scope="module")
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_root(tmp_path_factory.mktemp("life_root"))


@pytest.fixture(scope="module")
def produced(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[le.LifeExpectancyResult, Path]:
    params = le.LifeExpectancyParams(year=2025)
    out = tmp_path_factory.mktemp("life_out") / "2025"
    le.produce(params, out, root=sample_root, org_name=ORG)
    return le.compute(params, sample_root), out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_city_e0_is_plausible_and_women_live_longer(produced: tuple[le.LifeExpectancyResult, Path]) -> None:
    result, _ = produced
    total, men, women = (result.row(CITY, s) for s in le.SEXES)
    assert total and men and women
    assert 77.0 <= total["e0"] <= 79.5
    assert men["e0"] < total["e0"] < women["e0"]
    assert total["e0_lower"] < total["e0"] < total["e0_upper"]
    assert not total["unstable"]
    # 2025 compared with 2024 (the previous year's file is present).
    assert total["e0_previous"] is not None
    assert math.isclose(total["e0_change"], total["e0"] - total["e0_previous"])


def test_every_county_has_rows_and_ranks(produced: tuple[le.LifeExpectancyResult, Path]) -> None:
    result, _ = produced
    summary = result.summary
    counties = summary.filter((pl.col("level") == le.COUNTY_LEVEL) & (pl.col("sex") == "合计"))
    assert counties.get_column("region_code").to_list() == list(result.regions.unit_codes)
    assert sorted(counties.get_column("rank").to_list()) == list(range(1, len(result.regions.unit_codes) + 1))
    assert summary.height == 3 * (1 + len(result.regions.unit_codes))


def test_underreporting_adds_exactly_the_missing_deaths_and_lowers_e0(sample_root: Path) -> None:
    plain = le.compute(le.LifeExpectancyParams(year=2025, underreporting=False, use_surveillance_imr=False),
                       sample_root)
    adjusted = le.compute(le.LifeExpectancyParams(year=2025, underreporting=True, use_surveillance_imr=False),
                          sample_root)
    bands = life_sample.UNDERREPORTING_BANDS
    raw = pl.read_csv(sample_root / le.deaths_path(2025), schema_overrides={"region_code": pl.String})
    expected_extra = math.fsum(
        d * life_sample.underreporting_rate(a) / (1.0 - life_sample.underreporting_rate(a))
        for a, d in raw.select("age", "deaths").iter_rows()
    )
    assert bands  # the rates file is the generator's
    before, after = plain.row(CITY, "合计"), adjusted.row(CITY, "合计")
    assert before and after
    assert before["deaths_used"] == before["deaths_registered"] == raw.get_column("deaths").sum()
    assert math.isclose(after["deaths_used"] - after["deaths_registered"], expected_extra, rel_tol=1e-9)
    for sex in le.SEXES:
        b, a = plain.row(CITY, sex), adjusted.row(CITY, sex)
        assert b and a and a["e0"] < b["e0"]
        assert math.isclose(a["e0_unadjusted"], b["e0"], rel_tol=1e-12)


def test_surveillance_imr_sets_the_city_q0(produced: tuple[le.LifeExpectancyResult, Path]) -> None:
    result, _ = produced
    tables = result.current.tables
    q0 = tables.filter((pl.col("region_code") == CITY) & (pl.col("sex") == "合计") & (pl.col("age") == 0))["qx"][0]
    assert math.isclose(q0 * 1000.0, life_sample.IMR_PER_1000[2025], rel_tol=1e-9)


def test_xlsx_sheets_headers_and_values_match_summary(produced: tuple[le.LifeExpectancyResult, Path]) -> None:
    result, out = produced
    wb = load_workbook(out / "life_tables.xlsx")
    names = [result.regions.city_name, *(result.regions.name(c) for c in result.regions.unit_codes)]
    assert wb.sheetnames == [le.SUMMARY_SHEET, *names, le.NOTES_SHEET]
    city = wb[result.regions.city_name]
    header = [c.value for c in city[1]]
    assert header == ["性别", "年龄组", "人口数", "登记死亡数", "死亡数", "死亡率 mx", "死亡概率 qx", "尚存人数 lx",
                      "死亡人数 dx", "生存人年数 Lx", "累计生存人年数 Tx", "预期寿命 ex", "95%置信区间下限",
                      "95%置信区间上限"]
    first = {h: c for h, c in zip(header, city[2])}
    assert first["性别"].value == "合计" and first["年龄组"].value == "0岁"
    assert first["预期寿命 ex"].number_format == "0.00"
    assert first["人口数"].number_format == "#,##0"
    n_ages = len(life_sample.AGES)
    assert city.max_row == 1 + 3 * n_ages
    assert [city.cell(row=1 + i * n_ages + 1, column=1).value for i in range(3)] == ["合计", "男", "女"]
    assert city.cell(row=1 + n_ages, column=2).value == "85岁及以上"

    with (out / "summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(le.SUMMARY_COLUMNS)
    csv_e0 = next(float(r["e0"]) for r in rows if r["region_code"] == CITY and r["sex"] == "合计")
    assert first["预期寿命 ex"].value == csv_e0  # full precision in both
    summary_sheet = wb[le.SUMMARY_SHEET]
    assert summary_sheet.cell(row=2, column=4).value == csv_e0


def test_report_text_table_and_chart(produced: tuple[le.LifeExpectancyResult, Path]) -> None:
    result, out = produced
    md = (out / "source" / "report.md").read_text(encoding="utf-8")
    total = result.row(CITY, "合计")
    assert total
    assert 'title: "岳阳市2025年人均预期寿命测算报告"' in md
    assert f"2025年全市人均预期寿命为{fmt.number(total['e0'], 2)}岁（95%置信区间：" in md
    assert "比上年提高" in md or "比上年降低" in md
    assert "“十四五”规划目标（2025年78岁左右）" in md and "2035年目标（80岁左右）" in md
    for heading in ("## 一、测算结果", "## 二、数据与方法", "## 三、寿命表"):
        assert heading in md
    assert "charts/e0_county.svg" in md
    svg = (out / "source" / "charts" / "e0_county.svg").read_text(encoding="utf-8")
    assert "南湖新区" in svg and "Noto Sans SC" in svg
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "人均预期寿命测算报告" in html
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")


def test_two_runs_give_identical_bytes(produced: tuple[le.LifeExpectancyResult, Path], tmp_path: Path) -> None:
    _, first = produced
    other_root = _make_root(tmp_path / "root")  # a different folder: no path may leak into the outputs
    second = tmp_path / "out" / "2025"
    le.produce(le.LifeExpectancyParams(year=2025), second, root=other_root, org_name=ORG)
    for name in OUTPUTS:
        assert _sha(first / name) == _sha(second / name), name


def test_missing_year_names_the_missing_file(sample_root: Path) -> None:
    with pytest.raises(UserError) as info:
        le.compute(le.LifeExpectancyParams(year=2023), sample_root)
    message = str(info.value)
    assert "data/raw/annual/2023/life_deaths.csv" in message
    assert "regions.csv" not in message  # only what is actually missing


def test_missing_reference_files_are_all_listed(sample_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "partial"
    shutil.copytree(sample_root / "data" / "raw", root / "data" / "raw")
    (root / "data" / "reference").mkdir(parents=True)
    shutil.copy2(sample_root / le.REGIONS_PATH, root / le.REGIONS_PATH)
    with pytest.raises(UserError) as info:
        le.compute(le.LifeExpectancyParams(year=2025), root)
    message = str(info.value)
    for rel in (le.ADJUSTMENTS_PATH, le.MATERNAL_CHILD_PATH, le.TARGETS_PATH):
        assert rel.as_posix() in message
    assert le.deaths_path(2025).as_posix() not in message
    # Without the adjustments the rates and IMR files are not needed.
    with pytest.raises(UserError) as info:
        le.compute(le.LifeExpectancyParams(year=2025, underreporting=False, use_surveillance_imr=False), root)
    assert le.ADJUSTMENTS_PATH.as_posix() not in str(info.value)
    assert le.TARGETS_PATH.as_posix() in str(info.value)


def test_open_age_90_needs_finer_ages(sample_root: Path) -> None:
    with pytest.raises(UserError, match="85 岁及以上"):
        le.compute(le.LifeExpectancyParams(year=2025, open_age=90), sample_root)


def test_finer_ages_are_merged_into_the_open_interval(sample_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "fine"
    shutil.copytree(sample_root, root)
    path = root / le.deaths_path(2025)
    data = pl.read_csv(path, schema_overrides={"region_code": pl.String})
    old = data.filter(pl.col("age") == 85)
    split = pl.concat([
        old.with_columns(pl.col("population") // 2, pl.col("deaths") // 2),
        old.with_columns(pl.lit(90, dtype=pl.Int64).alias("age"), pl.col("population") - pl.col("population") // 2,
                         pl.col("deaths") - pl.col("deaths") // 2),
    ])
    pl.concat([data.filter(pl.col("age") != 85), split]).sort("region_code", "sex", "age").write_csv(path)
    merged = le.compute(le.LifeExpectancyParams(year=2025, open_age=85), root).row(CITY, "合计")
    original = le.compute(le.LifeExpectancyParams(year=2025, open_age=85), sample_root).row(CITY, "合计")
    assert merged and original and math.isclose(merged["e0"], original["e0"], rel_tol=1e-12)
    finer_result = le.compute(le.LifeExpectancyParams(year=2025, open_age=90), root)
    finer = finer_result.row(CITY, "合计")
    assert finer and finer["e0"] != merged["e0"]
    # 2024 has only 85+: no comparison, and the report says why.
    assert finer_result.previous is None and finer["e0_previous"] is None
    assert "无法按 90 岁及以上的开放组计算" in finer_result.previous_note


def test_unstable_county_is_shown_as_dash(sample_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "tiny"
    shutil.copytree(sample_root, root)
    path = root / le.deaths_path(2025)
    data = pl.read_csv(path, schema_overrides={"region_code": pl.String})
    tiny = "430692"
    shrunk = data.with_columns(
        pl.when(pl.col("region_code") == tiny).then(pl.max_horizontal(pl.col("population") // 100, 2))
        .otherwise(pl.col("population")).alias("population"),
        pl.when(pl.col("region_code") == tiny).then(pl.when(pl.col("age") >= 70).then(1).otherwise(0))
        .otherwise(pl.col("deaths")).alias("deaths"),
    )
    shrunk.write_csv(path)
    result = le.compute(le.LifeExpectancyParams(year=2025), root)
    row = result.row(tiny, "合计")
    assert row and row["unstable"] and row["rank"] is None
    assert row["total_person_years"] < 5000
    doc = le.build_report(result, tmp_path / "out", ORG)
    name = result.regions.name(tiny)
    cells = next(r for r in table_text.table(doc.markdown, "各县市区").rows if r[0].startswith(name))
    assert cells[0] == f"{name}*"
    assert cells[1:5] == ["—", "—", "—", "—"]
    assert "结果不稳定" in doc.markdown and "注：标“*”的地区" in doc.markdown
    svg = (doc.source_dir / "charts" / "e0_county.svg").read_text(encoding="utf-8")
    assert name not in svg
    # The city total still includes the small county's people and deaths.
    assert result.row(CITY, "合计")["total_person_years"] == shrunk.get_column("population").sum()  # type: ignore[index]


def test_notebook_stage_writes_the_executed_notebook(sample_root: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sample_root)
    out = tmp_path / "nb" / "2025"
    le.run_life_expectancy(params=le.LifeExpectancyParams(year=2025), out_dir=out, org_name=ORG, backend="auto")
    for name in (*OUTPUTS, "life_expectancy.ipynb"):
        assert (out / name).is_file(), name
    text = (out / "life_expectancy.ipynb").read_text(encoding="utf-8")
    notebook = json.loads(text)
    assert "papermill" not in notebook["metadata"]
    assert all("execution" not in c["metadata"] for c in notebook["cells"])
    assert str(tmp_path) not in text and str(sample_root) not in text


# ---------------------------------------------------------------------------
# comparison with 全省 and 全国 (data/reference/life_expectancy.csv)
# ---------------------------------------------------------------------------

REFERENCE_CSV = Path("data/reference/life_expectancy.csv")


def _expected_comparison(city_e0: float, year: int, csv_path: Path) -> str:
    """The sentence worked out from the CSV with the csv module and decimal arithmetic (not the stage's reader)."""
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    phrases, sources = [], []
    for level in ("全省", "全国"):
        usable = [r for r in rows if r["level"] == level and int(r["year"]) <= year]
        if not usable:
            phrases.append(f"{level}暂无{year}年及以前的人均预期寿命公布数据，未作比较")
            continue
        r = max(usable, key=lambda r: int(r["year"]))
        mark = "，示例数据" if "示例数据" in r["source"] else ""
        when = f"{year}年" if int(r["year"]) == year else f"{year}年数据尚未公布，取最近公布的{r['year']}年"
        gap = (Decimal(repr(city_e0)) - Decimal(r["e0"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        what = f"{level}（{when}，{r['e0']}岁{mark}）"
        phrases.append(f"与{what}持平" if gap == 0 else f"比{what}{'高' if gap > 0 else '低'}{abs(gap)}岁")
        sources.append(f"{level}为{r['source']}")
    text = f"与全省、全国比较，{year}年全市人均预期寿命" + "，".join(phrases) + "。"
    return text + ("资料来源：" + "；".join(sources) + "。" if sources else "")


def test_report_compares_the_city_with_province_and_country(produced: tuple[le.LifeExpectancyResult, Path],
                                                             sample_root: Path) -> None:
    result, out = produced
    md = (out / "source" / "report.md").read_text(encoding="utf-8")
    city = result.row(CITY, "合计")
    assert city is not None
    expected = _expected_comparison(city["e0"], 2025, sample_root / REFERENCE_CSV)
    assert expected in md.splitlines()
    # By hand, from the published figures: the city 78.2232… against 湖南省 2024 (79: 2025 not yet published)
    # and 全国 2025 (79.25): 0.7768 → 0.78 lower, 1.0268 → 1.03 lower.
    assert 78.2 < city["e0"] < 78.23
    assert "比全省（2025年数据尚未公布，取最近公布的2024年，79岁）低0.78岁，比全国（2025年，79.25岁）低1.03岁。" in expected
    assert "国家卫生健康委主任在十四届全国人大四次会议民生主题记者会（2026年3月7日）上公布的数据" in md
    # the comparison comes right after the headline, in 一、测算结果
    lines = [ln for ln in md.splitlines() if ln]
    assert lines[lines.index("## 一、测算结果") + 2] == expected


def _root_with_reference(sample_root: Path, tmp_path: Path, text: str | None) -> Path:
    root = tmp_path / "root"
    shutil.copytree(sample_root, root)
    if text is None:
        (root / REFERENCE_CSV).unlink()
    else:
        (root / REFERENCE_CSV).write_text(text, encoding="utf-8")
    return root


def test_missing_reference_year_and_placeholder_rows_are_said(sample_root: Path, tmp_path: Path) -> None:
    text = ("level,area,year,e0,source\n"
            "全省,湖南省,2026,80.1,湖南省2026年公报\n"  # later than the report's year: not used
            "全国,全国,2025,78.3,示例数据（虚构，仅供演示）\n")
    root = _root_with_reference(sample_root, tmp_path, text)
    result = le.compute(le.LifeExpectancyParams(year=2025), root)
    doc = le.build_report(result, tmp_path / "out", ORG)
    city = result.row(CITY, "合计")
    assert city is not None
    expected = _expected_comparison(city["e0"], 2025, root / REFERENCE_CSV)
    assert expected in doc.markdown.splitlines()
    assert "全省暂无2025年及以前的人均预期寿命公布数据，未作比较" in expected
    assert "比全国（2025年，78.3岁，示例数据）低0.08岁" in expected  # the city 78.2232… is 0.0768 → 0.08 lower
    assert "湖南省2026年公报" not in doc.markdown
    # an uncited figure puts its name into the 样稿 mark, in the report and in the workbook's notes
    # (this root's infant mortality is the sample city IMR of data/reference/maternal_child.csv, 示例数据 too)
    mark = "样稿：本报告的部分输入（死亡漏报率、婴儿死亡率、全国人均预期寿命）为示例数据"
    assert f"**{mark}" in doc.markdown
    notes = load_workbook(doc.xlsx)[le.NOTES_SHEET]
    assert str(notes["A1"].value).startswith(mark)


def test_no_reference_file_says_there_is_no_comparison(sample_root: Path, tmp_path: Path) -> None:
    root = _root_with_reference(sample_root, tmp_path, None)
    result = le.compute(le.LifeExpectancyParams(year=2025), root)
    md = le.build_report(result, tmp_path / "out", ORG).markdown
    assert "未提供全省、全国人均预期寿命的公布数据，未与全省、全国比较。" in md


def test_imr_from_a_sample_reference_table_carries_the_mark(sample_root: Path, tmp_path: Path) -> None:
    # the test root has no annual surveillance file: the city IMR comes from data/reference/maternal_child.csv,
    # whose source says 示例数据
    assert not (sample_root / "data" / "raw" / "annual" / "2025" / "maternal_child.csv").exists()
    result = le.compute(le.LifeExpectancyParams(year=2025), sample_root)
    assert result.current.imr_per_1000 == 2.6
    md = le.build_report(result, tmp_path / "out", ORG).markdown
    assert "样稿：本报告的部分输入（死亡漏报率、婴儿死亡率）为示例数据" in md
    assert "婴儿死亡率：妇幼卫生监测2025年全市婴儿死亡率（示例数据）" in md


def test_adjustment_table_matches_what_is_applied_row_by_row(produced: tuple[le.LifeExpectancyResult, Path]) -> None:
    """Table 3 and the text name exactly the adjustment each age band gets: 0岁 from the surveillance IMR
    (q0 = IMR, deaths = m0 × population with m0 = q0 / (1 − 0.9·q0)), the other bands registered / (1 − r)."""
    result, out = produced
    md = (out / "source" / "report.md").read_text(encoding="utf-8")
    cells = {c[0]: c for c in table_text.table(md, "表3\u3000").rows}  # 6 bands + 合计
    t = result.current.tables.filter((pl.col("region_code") == CITY) & (pl.col("sex") == "合计"))
    imr = result.current.imr_per_1000
    assert imr is not None
    q0 = imr / 1000.0
    pop0 = t.filter(pl.col("age") == 0).get_column("population")[0]
    infant = q0 / (1.0 - 0.9 * q0) * pop0
    assert cells["0岁"][1] == "—" and cells["0岁"][5] == "按监测婴儿死亡率推算"
    assert cells["0岁"][3] == fmt.number(infant, 0, thousands=True)
    bands = ((1, 4, 0.10), (5, 14, 0.08), (15, 44, 0.06), (45, 64, 0.04), (65, 200, 0.03))  # life_adjustments.csv
    for low, high, rate in bands:
        part = t.filter((pl.col("age") >= low) & (pl.col("age") <= high))
        registered = sum(part.get_column("deaths_registered").to_list())
        label = f"{low}岁及以上" if high == 200 else f"{low}～{high}岁"
        assert cells[label][1] == f"{rate * 100:.1f}"
        assert cells[label][2] == fmt.number(registered, 0, thousands=True)
        assert cells[label][3] == fmt.number(registered / (1.0 - rate), 0, thousands=True)
    # the text lists the rates of exactly those bands and says why 0岁 has none
    assert "所用漏报率为：1～4岁10.0%，5～14岁8.0%，15～44岁6.0%，45～64岁4.0%，65岁及以上3.0%；0岁组不按漏报率调整" in md
    assert "0岁15.0%" not in md
