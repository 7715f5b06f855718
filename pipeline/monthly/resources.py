"""卫生资源 of the monthly editions from one place: the year-end annual report when it exists, else month-end.

Per-1000 resources, staff totals and 医护比 at a year's end are those of the annual report (年报全口径, every
institution including clinics and village clinics): a December edition released beside the annual report prints
the annual report's numbers, read from the annual stage's indicators.csv, so the two cannot disagree. Any other
month (or a December before the annual report exists) prints the month-end of the monthly reporters and says so
(月报机构口径, 不含诊所、医务室、村卫生室).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline import catalogues, fmt, scopes
from pipeline.errors import UserError
from pipeline.figures import FigureLog, stock_period
from pipeline.monthly import printed
from pipeline.monthly.indicators import MONTH
from pipeline.period import Month

RESOURCE_IDS = ("beds", "health_techs", "doctors", "nurses", "beds_per_1000", "doctors_per_1000", "nurses_per_1000",
                "nurse_doctor_ratio")


def annual_year_end(annual_root: Path | None, month: Month) -> pl.DataFrame | None:
    """The annual report's year-end resource figures (total of all institutions, every region) for a December
    edition; None for other months or when the annual report of that year has not been produced."""
    if annual_root is None or month.month != 12:
        return None
    path = annual_root / str(month.year) / "indicators.csv"
    if not path.is_file():
        return None
    try:
        frame = pl.read_csv(path, schema_overrides={"region_code": pl.Utf8})
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise UserError(f"年报指标表 {path} 无法读取：{exc}", hint="请重新运行 dvc repro（annual_report 阶段）") from exc
    frame = frame.filter((pl.col("year") == month.year) & (pl.col("breakdown_id") == "total")
                         & pl.col("indicator_id").is_in(RESOURCE_IDS))
    return frame if frame.height else None


class _Source:
    """Resource figures of one region from the annual year-end table or the monthly month-end cells."""

    def __init__(self, cells: object, month: Month, region: str, annual: pl.DataFrame | None,
                 log: FigureLog | None) -> None:
        self.cells, self.month, self.region, self.log = cells, month, region, log
        self.rows = ({} if annual is None else
                     {r["indicator_id"]: r for r in annual.filter(pl.col("region_code") == region).iter_rows(named=True)})
        self.scope = scopes.ANNUAL if self.rows else scopes.MONTHLY

    def get(self, ind: str, field: str) -> float | None:
        if self.rows:
            row = self.rows.get(ind)
            return None if row is None or row[field] is None else float(row[field])
        return self.cells.get(ind, MONTH, column=field)  # type: ignore[attr-defined]

    def num(self, ind: str, decimals: int | None = None) -> str:
        places = catalogues.indicator(ind).decimals if decimals is None else decimals
        v = self.get(ind, "value")
        text = fmt.number(v, places, thousands=True)
        printed.record(self.log, ind, "total", self.region, MONTH, self.month, "value", v, places, text,
                       scope=self.scope, period=stock_period(self.month.year, self.month.month))
        return text

    def growth(self, ind: str) -> str:
        c = self.get(ind, "change")
        text = fmt.change_phrase(c, "%")
        printed.record(self.log, ind, "total", self.region, MONTH, self.month, "change", c, 1, text,
                       scope=self.scope, period=stock_period(self.month.year, self.month.month))
        return text


def _than_last_year(change: str) -> str:
    """'比上年增长2.7%', but '与上年持平' (持平 takes 与, not 比, in bulletin usage)."""
    return "与上年持平" if change == "持平" else f"比上年{change}"


def paragraph(cells: object, month: Month, region: str, place: str, annual: pl.DataFrame | None,
              pop_note: str, log: FigureLog | None = None) -> str:
    """The 卫生资源 paragraph: figures, their scope and where they come from."""
    s = _Source(cells, month, region, annual, log)
    if s.scope == scopes.ANNUAL:
        head = (f"{month.year}年末（年报数），{place}医疗卫生机构（含诊所、医务室和村卫生室）实有床位{s.num('beds')}张，"
                f"{_than_last_year(s.growth('beds'))}；卫生技术人员{s.num('health_techs')}人，"
                f"{_than_last_year(s.growth('health_techs'))}")
        tail = "表中各县市区为纳入月报机构的月末数（不含诊所、医务室、村卫生室）。"
    else:
        head = (f"{month.label}末，{place}纳入月报的医疗卫生机构实有床位{s.num('beds')}张"
                f"{scopes.qualifier(scopes.MONTHLY)}，同比{s.growth('beds')}；"
                f"卫生技术人员{s.num('health_techs')}人，同比{s.growth('health_techs')}")
        tail = "全年卫生资源以年报为准。"
    return (f"{head}，其中执业(助理)医师{s.num('doctors')}人，注册护士{s.num('nurses')}人。"
            f"每千常住人口床位{s.num('beds_per_1000')}张、执业(助理)医师{s.num('doctors_per_1000')}人、"
            f"注册护士{s.num('nurses_per_1000')}人{pop_note}；医护比1:{s.num('nurse_doctor_ratio')}。{tail}")
