"""示例城市的下一年：由最后一个样例年份的年度文件确定性地推出下一年的年度文件和参考数据行。

``python -m pipeline sample-data --extra-year 2026`` runs this after the ordinary generator, so a new user can try
a further year (annual report, life expectancy) by changing params only. Every institution grows by its own
seeded factor (one factor for all of its items, so every "part ≤ whole" relation of the year before still holds);
births fall a little, health literacy and childcare places rise; deaths, the survey sample and the health
accounts (待省公布) are carried over. Reference rows for the year (population, medical-care CPI, the city's
monitored infant and child mortality) are added or replaced, so running it twice gives the same bytes.
The province has not published the year yet, so ``province.csv`` gets no rows (the report says 待省公布).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.errors import UserError
from pipeline.sample.constants import DEFAULT_SEED

RAW_DIR = Path("data/raw/annual")
REF_DIR = Path("data/reference")
SAMPLE_NOTE = "示例数据（虚构，仅供演示）"
TEXT_COLUMNS = {"org_code", "region_code", "type_code", "sex", "age", "note"}
GROWTH = (0.03, 0.02, -0.03, 0.08)  # mean, sd, lowest, highest yearly growth of one institution
BIRTHS_FACTOR = 0.97
LITERACY_STEP = 1.3  # percentage points
CHILDCARE_FACTOR = 1.08
POPULATION_FACTOR = 1.001
CPI = 100.6
# the public-health chapters' files: every count of a file grows by one factor (shares and rates stay as the year
# before, parts stay below their wholes); infectious disease notifications fall, 医养结合 grows
PUBLIC_FACTORS = {"infectious_diseases.csv": 0.96, "immunization.csv": BIRTHS_FACTOR, "basic_public_health.csv": 1.01,
                  "health_supervision.csv": 1.03, "elderly_care.csv": 1.06}


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: Sequence[str], rows: Sequence[dict[str, str]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(header), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def _scaled(value: str, factor: float) -> str:
    if value.strip() == "":
        return value
    number = float(value) * factor
    return str(round(number)) if "." not in value else f"{number:.2f}"


def _scale_rows(rows: list[dict[str, str]], factor_of: Callable[[dict[str, str]], float],
                columns: Sequence[str]) -> list[dict[str, str]]:
    return [{**r, **{c: _scaled(r[c], factor_of(r)) for c in columns}} for r in rows]


def _institution_factor(seed: int, year: int) -> Callable[[dict[str, str]], float]:
    mean, sd, low, high = GROWTH

    def factor(row: dict[str, str]) -> float:
        r = random.Random(f"{seed}-{year}-{row['org_code']}")
        return 1 + min(high, max(low, r.gauss(mean, sd)))

    return factor


def _annual_files(root: Path, year: int, seed: int) -> list[Path]:
    src, dst = root / RAW_DIR / str(year - 1), root / RAW_DIR / str(year)
    if not (src / "annual_report.csv").is_file():
        raise UserError(f"生成 {year} 年示例数据需要 {year - 1} 年的年度文件（{src.as_posix()}/annual_report.csv）",
                        hint=f"请先运行 python -m pipeline sample-data，或把 --extra-year 改为 {year - 1} 的下一年")
    written = []
    for path in sorted(src.glob("*.csv")):
        header, rows = _read(path)
        numeric = [c for c in header if c not in TEXT_COLUMNS]
        if path.name == "annual_report.csv":
            rows = _scale_rows(rows, _institution_factor(seed, year), numeric)
        elif path.name == "maternal_child.csv":
            rows = _scale_rows(rows, lambda _r: BIRTHS_FACTOR, ["live_births"])
        elif path.name == "survey.csv":
            rows = [{**r, "health_literacy_pct": f"{float(r['health_literacy_pct']) + LITERACY_STEP:.2f}"} for r in rows]
        elif path.name == "childcare.csv":
            rows = _scale_rows(rows, lambda _r: CHILDCARE_FACTOR, ["childcare_places"])
        elif path.name in PUBLIC_FACTORS:
            rows = _scale_rows(rows, lambda _r, f=PUBLIC_FACTORS[path.name]: f, numeric)
        _write(dst / path.name, header, rows)
        written.append(dst / path.name)
    return written


def _replace_year(path: Path, year: int, make: Callable[[list[dict[str, str]]], list[dict[str, str]]],
                  key: Callable[[dict[str, str]], tuple[object, ...]]) -> Path:
    """Drop the year's rows, add the new ones, keep the file's order (by ``key``)."""
    header, rows = _read(path)
    kept = [r for r in rows if int(r["year"]) != year]
    _write(path, header, sorted(kept + make(kept), key=key))
    return path


def _reference_rows(root: Path, year: int) -> list[Path]:
    ref = root / REF_DIR
    regions = [r["region_code"] for r in _read(ref / "population.csv")[1]]
    order = {code: i for i, code in enumerate(dict.fromkeys(regions))}

    def population(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [{**r, "year": str(year), "population": str(round(int(r["population"]) * POPULATION_FACTOR))}
                for r in rows if int(r["year"]) == year - 1]

    mc_header, mc_rows = _read(root / RAW_DIR / str(year) / "maternal_child.csv")
    births = sum(float(r["live_births"]) for r in mc_rows)

    def rate(column: str, per: float) -> str:
        return f"{sum(float(r[column]) for r in mc_rows) / births * per:.1f}"

    def monitored(_rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [{"year": str(year), "imr_per_1000": rate("infant_deaths", 1e3), "u5mr_per_1000": rate("under5_deaths", 1e3),
                 "mmr_per_100k": rate("maternal_deaths", 1e5), "source": f"{SAMPLE_NOTE}，妇幼卫生监测"}]

    return [
        _replace_year(ref / "population.csv", year, population, lambda r: (order[r["region_code"]], int(r["year"]))),
        _replace_year(ref / "cpi_medical.csv", year,
                      lambda _r: [{"year": str(year), "cpi_prev_year_100": f"{CPI}", "source": SAMPLE_NOTE}],
                      lambda r: (int(r["year"]),)),
        _replace_year(ref / "maternal_child.csv", year, monitored, lambda r: (int(r["year"]),)),
    ]


def extend_year(root: Path, year: int, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the sample city's annual files for ``year`` from those of ``year − 1``; the files written."""
    return _annual_files(Path(root), year, seed) + _reference_rows(Path(root), year)


# ---------------------------------------------------------------------------- the first month of the new year

# The State Council's 2026 schedule, for the sample calendar only; a real city appends the year from the published
# notice (data/reference/README.md). Checked day by day against 国务院办公厅关于2026年部分节假日安排的通知（国务院办公厅
# 2025年11月4日；新华社北京11月4日电，光明网 https://politics.gmw.cn/2025-11/04/content_38391083.htm）：元旦 1月1日至3日
# 放假、1月4日（周日）上班；春节 2月15日至23日放假、2月14日和28日（周六）上班；清明节 4月4日至6日；劳动节 5月1日至5日
# 放假、5月9日（周六）上班；端午节 6月19日至21日；中秋节 9月25日至27日；国庆节 10月1日至7日放假、9月20日（周日）和
# 10月10日（周六）上班。
HOLIDAYS_2026 = (
    ("2026-01-01", "休", "元旦"), ("2026-01-02", "休", "元旦"), ("2026-01-03", "休", "元旦"),
    ("2026-01-04", "班", "元旦调休上班"),
    ("2026-02-14", "班", "春节调休上班"), *((f"2026-02-{d}", "休", "春节") for d in range(15, 24)),
    ("2026-02-28", "班", "春节调休上班"),
    ("2026-04-04", "休", "清明节"), ("2026-04-05", "休", "清明节"), ("2026-04-06", "休", "清明节"),
    *((f"2026-05-0{d}", "休", "劳动节") for d in range(1, 6)), ("2026-05-09", "班", "劳动节调休上班"),
    ("2026-06-19", "休", "端午节"), ("2026-06-20", "休", "端午节"), ("2026-06-21", "休", "端午节"),
    ("2026-09-20", "班", "国庆节调休上班"),
    ("2026-09-25", "休", "中秋节"), ("2026-09-26", "休", "中秋节"), ("2026-09-27", "休", "中秋节"),
    *((f"2026-10-0{d}", "休", "国庆节") for d in range(1, 8)), ("2026-10-10", "班", "国庆节调休上班"),
)
HOLIDAYS = {2026: HOLIDAYS_2026}
PERIOD_COLUMN, FILED_COLUMN, FIRST_ITEM_COLUMN = 8, 9, 10  # 报告期, 上报时间, first item (1-based, as exported)


def _holiday_rows(root: Path, year: int) -> list[Path]:
    if year not in HOLIDAYS:
        return []  # unknown schedule: the monthly stage says which year to add
    path = root / REF_DIR / "holidays.csv"
    header, rows = _read(path)
    kept = [r for r in rows if not r["date"].startswith(f"{year}-")]
    new = [{"date": d, "kind": k, "note": n} for d, k, n in HOLIDAYS[year]]
    _write(path, header, sorted(kept + new, key=lambda r: r["date"]))
    return [path]


def _shift_year(value: object, year: int) -> object:
    """'2025-01' → '2026-01', '2025-02-05 10:36:53' → '2026-…', a datetime a year later; others unchanged."""
    if isinstance(value, str) and value[:4] == str(year - 1):
        return f"{year}{value[4:]}"
    if isinstance(value, dt.date) and value.year == year - 1:
        return value.replace(year=year)  # no 29 February in the sample's filing dates
    return value


def extend_month(root: Path, year: int, month: int = 1, seed: int = DEFAULT_SEED) -> list[Path]:
    """The monthly exports of ``year-month`` from those of the same month a year before: the same institutions,
    each item grown by the institution's factor, the period and filing times a year later."""
    from openpyxl import load_workbook

    from pipeline.render.xlsx import save_workbook

    src = root / "data/raw" / f"{year - 1}-{month:02d}"
    exports = sorted(src.glob("*.xlsx"))
    if not exports:
        raise UserError(f"生成 {year}-{month:02d} 的示例月报需要 {src.as_posix()}/ 中上年同月的导出文件",
                        hint="请先运行 python -m pipeline sample-data")
    factor = _institution_factor(seed, year)
    old_label, new_label = f"{year - 1}年{month}月", f"{year}年{month}月"
    written = []
    for path in exports:
        wb = load_workbook(path)
        for ws in wb.worksheets:
            ws.cell(row=1, column=1).value = str(ws.cell(row=1, column=1).value).replace(old_label, new_label)
            for row in ws.iter_rows(min_row=4):
                code = row[0].value
                if not isinstance(code, str) or not code.strip():
                    continue
                f = factor({"org_code": code})
                row[PERIOD_COLUMN - 1].value = _shift_year(row[PERIOD_COLUMN - 1].value, year)
                row[FILED_COLUMN - 1].value = _shift_year(row[FILED_COLUMN - 1].value, year + (month == 12))
                for cell in row[FIRST_ITEM_COLUMN - 1:]:
                    if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                        scaled = cell.value * f
                        cell.value = round(scaled) if isinstance(cell.value, int) else round(scaled, 2)
        out = root / "data/raw" / f"{year}-{month:02d}" / path.name.replace(old_label, new_label)
        out.parent.mkdir(parents=True, exist_ok=True)
        save_workbook(wb, out)
        written.append(out)
    return written + _holiday_rows(root, year)
