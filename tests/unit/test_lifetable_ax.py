"""Life tables with an input ax column (years) and the a0 options of the life-table command.

Published example: Preston, Heuveline & Guillot (2001), Demography, Box 3.1 (Austria, males, 1992), with
empirical nax, as carried by the R package demCore (tests/fixtures/lifetable/README.md gives the source).
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.life.lifetable import (
    LifeTableInputError,
    LifeTableOptions,
    coale_demeny_a0,
    life_expectancy_summary,
    life_table,
    read_life_table_input,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lifetable"
PRESTON = FIXTURES / "preston_austria_1992_males.csv"
PHE = FIXTURES / "phe_indicatormethods_example.csv"


def _run(*args: str) -> object:
    return CliRunner().invoke(app, ["life-table", *args])


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _within_half_unit(actual: float, printed: str) -> bool:
    """actual rounds to the printed integer (half a unit of the last printed digit, plus float noise)."""
    return abs(actual - float(printed)) <= 0.5 + 1e-9


# ---------------------------------------------------------------------------
# Published example with empirical nax: Preston et al. (2001) Box 3.1, Austria males 1992
# ---------------------------------------------------------------------------


def test_published_preston_austria_reproduced_through_the_cli(tmp_path: Path) -> None:
    out, summary = tmp_path / "austria.csv", tmp_path / "austria_summary.csv"
    result = _run(str(PRESTON), "--out", str(out), "--summary-out", str(summary))
    assert result.exit_code == 0, result.output
    published = _read_csv(PRESTON)
    ours = _read_csv(out)
    assert [float(r["age"]) for r in ours] == [float(p["age"]) for p in published]
    for p, r in zip(published, ours):
        # lx, ndx, nLx printed as integers (radix 100 000)
        assert _within_half_unit(float(r["lx"]), p["published_lx"]), (p["age"], r["lx"])
        assert _within_half_unit(float(r["dx"]), p["published_ndx"]), (p["age"], r["dx"])
        assert _within_half_unit(float(r["Lx"]), p["published_nLx"]), (p["age"], r["Lx"])
    # ex as the table defines it from its printed columns: T_x = sum of published nLx from x, e_x = T_x / l_x,
    # to two decimals (the precision the integer nLx support: the sum of 19 rounding errors moves e_x < 1e-3)
    nlx = [float(p["published_nLx"]) for p in published]
    for i, (p, r) in enumerate(zip(published, ours)):
        expected = sum(nlx[i:]) / float(p["published_lx"])
        assert f"{float(r['ex']):.2f}" == f"{expected:.2f}", (p["age"], r["ex"], expected)
    assert f"{float(ours[0]['ex']):.2f}" == "72.89"
    # the open interval: published nax 5.247 is 1/M (L = l/M), which is also e85
    open_row, open_pub = ours[-1], published[-1]
    assert f"{float(open_pub['population']) / float(open_pub['deaths']):.3f}" == open_pub["published_nax"] == "5.247"
    assert f"{float(open_row['ex']):.3f}" == "5.247"
    # every closed row's ax came from the input, in years; ax is that as a fraction of the interval
    for p, r in zip(published[:-1], ours[:-1]):
        assert r["ax_source"] == "输入 ax 列"
        assert float(r["ax_years"]) == float(p["published_nax"])
        assert float(r["ax"]) == pytest.approx(float(p["published_nax"]) / float(r["n"]), rel=1e-15)
    assert open_row["ax_source"] == "开放组 L=l/M" and open_row["ax_years"] == ""
    row = _read_csv(summary)[0]
    assert row["a0"] == "0.068" and row["a0_rule"] == "输入 ax 列（0岁行）"
    assert "输入 ax 列 18 组" in row["ax_rule"] and "ax 按输入的 ax 列" in row["method"]
    assert "a0 = 0.068（输入 ax 列（0岁行））" in result.output


# ---------------------------------------------------------------------------
# ax column: overrides, defaults, reading
# ---------------------------------------------------------------------------

HAND = pl.DataFrame({"age": [0.0, 1.0, 5.0], "population": [991.0, 998.0, 1000.0], "deaths": [10.0, 1.0, 50.0]})


def test_ax_column_overrides_the_defaults_row_by_row() -> None:
    # ax (years) = 0.2 at age 0 and 1.0 at 1-4: q = nM / (1 + (n - ax) M)
    #   q0 = (10/991) / (1 + 0.8 * 10/991) = 10 / 999 ;  q1 = (4/998) / (1 + 3/998) = 4 / 1001
    #   l1 = 1e5 * 989/999 ; l5 = l1 * 997/1001 ; L0 = l1 + 0.2 d0 ; L1 = 4 l5 + 1.0 d1 ; L5 = l5 / 0.05
    df = HAND.with_columns(ax=pl.Series([0.2, 1.0, None], dtype=pl.Float64))
    t = life_table(df)
    c = {name: t.get_column(name).to_list() for name in t.columns}
    assert c["qx"] == pytest.approx([10 / 999, 4 / 1001, 1.0], rel=1e-13)
    l1 = 1e5 * 989 / 999
    l5 = l1 * 997 / 1001
    lx_expected = [1e5, l1, l5]
    assert c["lx"] == pytest.approx(lx_expected, rel=1e-13)
    big_l = [l1 + 0.2 * (1e5 - l1), 4 * l5 + 1.0 * (l1 - l5), l5 / 0.05]
    assert c["Lx"] == pytest.approx(big_l, rel=1e-12)
    assert c["ex"][0] == pytest.approx(sum(big_l) / 1e5, rel=1e-12)
    assert c["ax_years"] == [0.2, 1.0, None]
    assert c["ax"] == pytest.approx([0.2, 0.25, None])  # 1.0 year of a 4-year interval
    assert c["ax_source"] == ["输入 ax 列", "输入 ax 列", "开放组 L=l/M"]
    s = life_expectancy_summary(df).row(0, named=True)
    assert s["a0"] == 0.2 and s["a0_rule"] == "输入 ax 列（0岁行）"
    assert "输入 ax 列 2 组" in s["ax_rule"]


def test_blank_ax_keeps_the_default_of_that_row_and_a0_rule() -> None:
    df = HAND.with_columns(ax=pl.Series([None, 1.0, None], dtype=pl.Float64))
    t = life_table(df, LifeTableOptions(a0=0.15))
    assert t.get_column("ax_years").to_list() == [0.15, 1.0, None]
    assert t.get_column("ax_source").to_list() == ["a0：固定值", "输入 ax 列", "开放组 L=l/M"]
    # q0 with the fixed a0: M / (1 + 0.85 M) = 10 / (991 + 8.5)
    assert t.item(0, "qx") == pytest.approx(10 / 999.5, rel=1e-13)
    s = life_expectancy_summary(df, LifeTableOptions(a0=0.15)).row(0, named=True)
    assert s["a0"] == 0.15 and s["a0_rule"] == "固定值"
    assert "输入 ax 列 1 组" in s["ax_rule"] and "0岁 a0：固定值" in s["ax_rule"]


def test_without_ax_column_the_table_is_unchanged() -> None:
    with_blank = life_table(HAND.with_columns(ax=pl.Series([None, None, None], dtype=pl.Float64)))
    plain = life_table(HAND)
    assert with_blank.equals(plain)
    blank_summary = life_expectancy_summary(HAND.with_columns(ax=pl.Series([None, None, None], dtype=pl.Float64)))
    assert blank_summary.equals(life_expectancy_summary(HAND))  # same rule and method text


def test_read_csv_with_nax_header_and_blank_cells(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("年龄组,人口数,死亡数,nax\n0,991,10,0.2\n1-4,998,1,\n5+,1000,50,\n", encoding="utf-8")
    df = read_life_table_input(path)
    assert df.columns == ["age", "population", "deaths", "ax"]
    assert df.get_column("ax").to_list() == [0.2, None, None]


@pytest.mark.parametrize(
    ("ax_cells", "fragments"),
    [
        (("0.2", "4.5", ""), ["文件 bad.csv", "文件第3行", "年龄 1", "ax", "4.5", "组距 4", "年"]),
        (("-0.1", "", ""), ["文件 bad.csv", "文件第2行", "年龄 0", "ax", "负数"]),
        (("0.2", "", "5.2"), ["文件 bad.csv", "文件第4行", "开放", "L=l/M", "留空"]),
        (("abc", "", ""), ["文件 bad.csv", "文件第2行", "ax", "不是有效数字", "abc"]),
    ],
)
def test_ax_out_of_range_is_a_chinese_error_naming_file_row_and_column(
    tmp_path: Path, ax_cells: tuple[str, str, str], fragments: list[str]
) -> None:
    path = tmp_path / "bad.csv"
    rows = ["age,population,deaths,ax"] + [f"{a},{p},{d},{x}" for (a, p, d), x in
                                           zip([(0, 991, 10), (1, 998, 1), (5, 1000, 50)], ax_cells)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(LifeTableInputError) as info:
        read_life_table_input(path)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))
    result = _run(str(path), "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == 1 and "错误：" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.csv").exists()


def test_ax_equal_to_the_interval_width_is_accepted() -> None:
    t = life_table(HAND.with_columns(ax=pl.Series([1.0, 4.0, None], dtype=pl.Float64)))
    assert t.item(0, "qx") == pytest.approx(10 / 991, rel=1e-13)  # ax = n: q = nM


# ---------------------------------------------------------------------------
# a0 options of the command, recorded in the table CSV and the summary
# ---------------------------------------------------------------------------


def test_cli_fixed_a0_is_recorded(tmp_path: Path) -> None:
    out, summary = tmp_path / "t.csv", tmp_path / "s.csv"
    result = _run(str(PHE), "--out", str(out), "--summary-out", str(summary), "--a0", "0.2")
    assert result.exit_code == 0, result.output
    first = _read_csv(out)[0]
    assert first["ax"] == "0.2" and first["ax_years"] == "0.2" and first["ax_source"] == "a0：固定值"
    row = _read_csv(summary)[0]
    assert row["a0"] == "0.2" and row["a0_rule"] == "固定值"
    # PHE age 0: M0 = 17/7060, q0 = M0 / (1 + 0.8 M0)
    m0 = 17 / 7060
    assert float(first["qx"]) == pytest.approx(m0 / (1 + 0.8 * m0), rel=1e-13)


def test_cli_coale_demeny_from_registration_m0(tmp_path: Path) -> None:
    out, summary = tmp_path / "t.csv", tmp_path / "s.csv"
    result = _run(str(PHE), "--out", str(out), "--summary-out", str(summary), "--a0", "cd")
    assert result.exit_code == 0, result.output
    row = _read_csv(summary)[0]
    m0 = 17 / 7060  # no sex column: mean of the male and female m0 forms
    expected = ((0.045 + 2.684 * m0) + (0.053 + 2.800 * m0)) / 2
    assert float(row["a0"]) == pytest.approx(expected, rel=1e-12)
    assert row["a0_rule"] == "Coale–Demeny（按登记 m0）"
    assert _read_csv(out)[0]["ax_source"] == "a0：Coale–Demeny（按登记 m0）"
    assert "Coale–Demeny（按登记 m0）" in result.output


def test_cli_coale_demeny_from_imr_per_1000(tmp_path: Path) -> None:
    out, summary = tmp_path / "t.csv", tmp_path / "s.csv"
    result = _run(str(PHE), "--out", str(out), "--summary-out", str(summary), "--a0", "coale-demeny",
                  "--imr-per-1000", "4")
    assert result.exit_code == 0, result.output
    row = _read_csv(summary)[0]
    # q0 = 0.004: male 0.0425 + 2.875 q0 = 0.054, female 0.050 + 3.000 q0 = 0.062, mean 0.058
    assert float(row["a0"]) == pytest.approx(0.058, rel=1e-12)
    assert float(row["a0"]) == pytest.approx(coale_demeny_a0(0.004, basis="q0"), rel=1e-15)
    assert row["a0_rule"] == "Coale–Demeny（按监测婴儿死亡率 q0）" and row["imr_per_1000"] == "4.0"
    assert float(_read_csv(out)[0]["qx"]) == 0.004  # surveillance q0 replaces the registration value


def test_cli_rejects_a_bad_a0_in_chinese(tmp_path: Path) -> None:
    for bad, fragment in (("abc", "--a0"), ("1.5", "0到1之间")):
        result = _run(str(PHE), "--out", str(tmp_path / "t.csv"), "--a0", bad)
        assert result.exit_code == 1
        assert fragment in result.output and "Traceback" not in result.output
    assert not (tmp_path / "t.csv").exists()


def test_cli_help_explains_ax_and_a0_in_chinese() -> None:
    result = CliRunner().invoke(app, ["life-table", "--help"])
    assert result.exit_code == 0
    flat = "".join(result.output.split())
    for fragment in ("--a0", "--imr-per-1000", "--summary-out", "Coale–Demeny", "平均存活年数", "单位为年"):
        assert fragment in flat, fragment


def test_cli_reproduces_the_other_published_examples(tmp_path: Path) -> None:
    """PHEindicatormethods (ex to the 4 dp the package checks) and ONS HSLE template (e0, e90 to 6 dp)."""
    out = tmp_path / "phe.csv"
    assert _run(str(PHE), "--out", str(out)).exit_code == 0
    for p, r in zip(_read_csv(PHE), _read_csv(out)):
        assert f"{float(r['ex']):.4f}" == f"{float(p['published_ex']):.4f}", (p["age"], r["ex"])
    out = tmp_path / "ons.csv"
    assert _run(str(FIXTURES / "ons_hsle_template_example.csv"), "--out", str(out)).exit_code == 0
    rows = {float(r["age"]): r for r in _read_csv(out)}
    assert f"{float(rows[0.0]['ex']):.6f}" == "79.626661"
    assert f"{float(rows[90.0]['ex']):.6f}" == "4.269630"
