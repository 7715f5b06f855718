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
import io
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.errors import UserError
from pipeline.sample.city import DEFAULT_SEED

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
