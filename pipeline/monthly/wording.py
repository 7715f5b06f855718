"""Monthly report wording: the generated sentences of each section, in the national bulletin's style.

Every figure a sentence prints is also recorded (pipeline/figures.py) with its scope, so the release can check
that no other document of the release prints a different value for it.
"""

from __future__ import annotations

import polars as pl

from pipeline import catalogues, fmt, scopes, zones
from pipeline.figures import FigureLog
from pipeline.fmt import CHANGE_WORDS, change_phrase  # noqa: F401  (re-exported)
from pipeline.monthly import printed
from pipeline.monthly import resources as resources_mod
from pipeline.monthly.indicators import CITY_LEVEL, CUMULATIVE, MONTH, city_code, value
from pipeline.period import Month

# ---------------------------------------------------------------------------- wording


class Cells:
    """Look-ups into a one-period tidy table for one region; what the sentences print goes to `log`."""

    def __init__(self, t: pl.DataFrame, region_code: str, month: Month | None = None,
                 log: FigureLog | None = None) -> None:
        self.t = t
        self.region = region_code
        self.month = month
        self.log = log

    def get(self, indicator_id: str, period_type: str, breakdown: str = "total", column: str = "value",
            region: str | None = None) -> float | None:
        return value(self.t, indicator_id, region or self.region, period_type=period_type, breakdown_id=breakdown,
                     column=column)

    def _record(self, indicator_id: str, period_type: str, breakdown: str, field: str, v: float | None,
                decimals: int, text: str, unit_scale: float = 1.0, region: str | None = None) -> None:
        if self.month is not None:
            printed.record(self.log, indicator_id, breakdown, region or self.region, period_type, self.month, field,
                           v, decimals, text, unit_scale=unit_scale)

    def change(self, indicator_id: str, period_type: str, breakdown: str = "total", unit: str = "%",
               region: str | None = None) -> str:
        c = self.get(indicator_id, period_type, breakdown, "change", region=region)
        text = change_phrase(c, unit)
        self._record(indicator_id, period_type, breakdown, "change", c, 1, text, region=region)
        return text

    def count_with_change(self, indicator_id: str, period_type: str, breakdown: str, unit: str,
                          qualifier: str = "") -> str | None:
        """'945.2万人次，同比增长4.5%'; None when the group has no institution (nothing to say). `qualifier`
        follows the number (the scope, '（不含诊所、医务室、村卫生室）')."""
        v = self.get(indicator_id, period_type, breakdown)
        b = self.get(indicator_id, period_type, breakdown, "base_value")
        if v is None or (v == 0 and not b):
            return None
        self._record(indicator_id, period_type, breakdown, "value", v, 1, fmt.wan(v), unit_scale=10000.0)
        return f"{fmt.wan(v)}万{unit}{qualifier}，同比{self.change(indicator_id, period_type, breakdown)}"

    def rate_with_change(self, indicator_id: str, breakdown: str, unit: str = "%", change_unit: str = "百分点",
                         decimals: int = 1, period_type: str = CUMULATIVE) -> str | None:
        """'84.3%，同比提高1.2个百分点'; None when the group has no value (e.g. a county without 二级医院)."""
        v = self.get(indicator_id, period_type, breakdown)
        if v is None:
            return None
        text = fmt.number(v, decimals, thousands=True)
        self._record(indicator_id, period_type, breakdown, "value", v, decimals, text)
        return f"{text}{unit}，同比{self.change(indicator_id, period_type, breakdown, change_unit)}"


def clauses(parts: list[tuple[str, str | None]], sep: str = "；", lead: str = "其中：") -> str:
    """'其中：医院…；基层…。' from the parts that have something to say; '' when none has."""
    said = [f"{label}{text}" for label, text in parts if text is not None]
    return f"{lead}{sep.join(said)}。" if said else ""


def sentence(head: str, body: str | None) -> str:
    return f"{head}{body}" if body is not None else f"{head}无数据"


def county_rank(t: pl.DataFrame, indicator_id: str, period_type: str, breakdown: str, region_code: str,
                descending: bool = True, column: str = "value") -> tuple[int, int] | None:
    """(rank, number of ranked counties) of one county for one indicator; None when it has no value.

    Ranks by the full-precision value; ties share the best rank (competition ranking). A per-capita indicator
    does not rank functional zones (region_kinds.yaml): they get None and are not counted."""
    excluded = [CITY_LEVEL] + (list(zones.unranked_kinds()) if catalogues.indicator(indicator_id).per_population else [])
    rows = t.filter(
        (pl.col("indicator_id") == indicator_id) & (pl.col("period_type") == period_type)
        & (pl.col("breakdown_id") == breakdown) & ~pl.col("region_level").is_in(excluded)
        & pl.col(column).is_not_null()
    ).select("region_code", column)
    own = rows.filter(pl.col("region_code") == region_code)
    if own.height == 0:
        return None
    mine = own[column][0]
    better = rows.filter(pl.col(column) > mine if descending else pl.col(column) < mine).height
    return better + 1, rows.height


def summary_paragraphs(t: pl.DataFrame, month: Month, region_code: str, place: str, county: bool,
                       annual: pl.DataFrame | None = None, log: FigureLog | None = None) -> dict[str, str]:
    """The generated text of each section, in the national bulletin's style. The monthly scope is said at the
    headline figures; 卫生资源 comes from the annual year-end table `annual` when given (resources.py)."""
    c = Cells(t, region_code, month, log)
    own = scopes.qualifier(scopes.MONTHLY)
    city = city_code(t)
    cum = month.cumulative_label.removeprefix(f"{month.year}年")
    subject = f"{place}医疗卫生机构"

    def vs_city(indicator_id: str, breakdown: str = "total", period_type: str = CUMULATIVE) -> str:
        if not county:
            return ""
        ch = c.change(indicator_id, period_type, breakdown, region=city)
        rank = county_rank(t, indicator_id, period_type, breakdown, region_code, column="change")
        rank_text = f"，增速居全市{rank[1]}个县市区第{rank[0]}位" if rank else ""
        return f"（全市{ch}{rank_text}）"

    def counts(indicator_id: str, period_type: str, unit: str, groups: tuple[tuple[str, str], ...]) -> str:
        return clauses([(label, c.count_with_change(indicator_id, period_type, bd, unit)) for bd, label in groups])

    main_groups = (("hosp", "医院"), ("primary", "基层医疗卫生机构"), ("public_health", "专业公共卫生机构"))
    visits_cum = (f"{cum}，{sentence(subject + '总诊疗人次达', c.count_with_change('visits', CUMULATIVE, 'total', '人次', own))}"
                  f"{vs_city('visits')}。{counts('visits', CUMULATIVE, '人次', main_groups)}")
    visits_month = (f"{month.month}月，{sentence(subject + '总诊疗人次', c.count_with_change('visits', MONTH, 'total', '人次'))}"
                    f"{vs_city('visits', period_type=MONTH)}。{counts('visits', MONTH, '人次', main_groups[:2])}")
    discharges = (f"{cum}，{sentence(subject + '出院人数', c.count_with_change('discharges', CUMULATIVE, 'total', '人', own))}"
                  f"{vs_city('discharges')}。{counts('discharges', CUMULATIVE, '人', main_groups[:2])}")

    def rates(indicator_id: str, groups: tuple[tuple[str, str], ...]) -> list[tuple[str, str | None]]:
        return [(label, c.rate_with_change(indicator_id, bd)) for bd, label in groups]

    bed_parts = rates("bed_use_rate", (("hosp_public", "公立医院"), ("hosp_private", "民营医院"), ("hosp_l3", "三级医院"),
                                       ("hosp_l2", "二级医院")))
    thc = c.rate_with_change("bed_use_rate", "thc")
    stay = c.rate_with_change("avg_stay", "hosp", "日", "日")
    beds = (f"{cum}，{sentence(place + '医院病床使用率', c.rate_with_change('bed_use_rate', 'hosp'))}。"
            f"{clauses(bed_parts, sep='，')}"
            + (f"乡镇卫生院病床使用率{thc}。" if thc else "")
            + (f"{place}医院出院者平均住院日{stay}。" if stay else ""))
    cost_parts = [
        ("医院次均门诊费用", c.rate_with_change("outpatient_cost", "hosp", "元", "%")),
        ("人均住院费用", c.rate_with_change("inpatient_cost", "hosp", "元", "%")),
        ("二级及以上公立医院次均门诊费用", c.rate_with_change("outpatient_cost", "hosp_public_l2plus", "元", "%")),
        ("人均住院费用", c.rate_with_change("inpatient_cost", "hosp_public_l2plus", "元", "%")),
        ("医院门诊药占比", c.rate_with_change("op_drug_share", "hosp")),
        ("住院药占比", c.rate_with_change("ip_drug_share", "hosp")),
    ]
    costs = f"{cum}，{place}" + (clauses(cost_parts, lead="") or "医院医药费用无数据。")
    pop_year = t.filter((pl.col("region_code") == region_code) & pl.col("population_year").is_not_null())
    pop_note = f"（常住人口取{pop_year['population_year'][0]}年末数）" if pop_year.height else ""
    resources = resources_mod.paragraph(c, month, region_code, place, annual, pop_note, log)
    return {"visits_cum": visits_cum, "visits_month": visits_month, "discharges": discharges, "beds": beds,
            "costs": costs, "resources": resources}
