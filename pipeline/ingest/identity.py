"""The identity cells of one row → canonical values, or the reasons the row must wait in quarantine.

机构代码、行政区划代码、机构类别代码、登记注册类型、主办单位、医院等级和报告期，读入时逐行统一写法
（见 codetables、orgcodes、report_period 三个模块的说明）。统一不了的行进入隔离表，原因写明列名、列号和原值；
统一时做过的处理（补回机构代码开头的 0、12 位区划代码取前 6 位、报告期为空按文件夹月份计、医院等级为空按
未定级计）写在行数核对的“注意”中；机构代码校验码不对的行照常导入，列入“机构代码校验”提示，请核实。
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from pipeline import catalogues
from pipeline.ingest import codetables, orgcodes
from pipeline.ingest.report_period import read_period
from pipeline.period import Month

CLASSIFIED = ("reg_type", "sponsor")
HOSPITAL_GROUP = "医院"


@dataclass
class IdentityReading:
    values: dict[str, Any] = field(default_factory=dict)  # canonical identity values for the record
    reasons: list[str] = field(default_factory=list)  # quarantine reasons
    notes: list[str] = field(default_factory=list)  # what was assumed or restored
    warnings: list[str] = field(default_factory=list)  # check characters
    other_month: Month | None = None  # the row's 报告期 when it names another month than the folder


@dataclass(frozen=True)
class FieldReading:
    """One identity cell read: its canonical value and, each possibly empty, the quarantine reason (naming the
    column), the note (what was assumed or restored) and the check-character warning."""

    value: Any
    reason: str = ""
    note: str = ""
    warning: str = ""


def read_org(value: Any, where: str) -> FieldReading:
    org = orgcodes.normalise_org_code(value)
    return FieldReading(org.code, org.error and f"{where}：{org.error}", org.note, org.warning)


def read_region(value: Any, where: str, counties: Mapping[str, str] | None) -> FieldReading:
    if counties is None:  # no region table given: the code's form only
        text = codetables.cell_text(value).replace(" ", "")
        text = text[:-2] if text.endswith(".0") else text
        return FieldReading(text, "" if text else f"{where}：行政区划代码为空")
    region = orgcodes.normalise_region(value, counties)
    return FieldReading(region.code, region.error and f"{where}：{region.error}", region.note)


def read_type(value: Any, where: str) -> tuple[FieldReading, bool]:
    """(机构类别代码, whether it is a hospital: a hospital's blank level counts as 未定级)."""
    code, found, problem = codetables.lookup_type_code(value)
    return FieldReading(code, problem and f"{where}：{problem}"), found is not None and found.type_group == HOSPITAL_GROUP


def read_coded(field_id: str, value: Any, where: str) -> FieldReading:
    """登记注册类型 or 主办单位 through its national code table."""
    got = codetables.lookup(codetables.code_tables()[field_id], value)
    return FieldReading(got.value or "", got.problem and f"{where}：{got.problem}")


def read_level(value: Any, hospital: bool, where: str) -> FieldReading:
    """医院等级: a hospital's blank level counts as 未定级 (noted); a non-hospital's blank stays blank."""
    if not codetables.cell_text(value):
        if not hospital:
            return FieldReading("")
        unrated = catalogues.classification().unrated_label
        return FieldReading(unrated, note=f"{where}为空，这家医院按“{unrated}”统计")
    got = codetables.lookup(codetables.code_tables()["hospital_level"], value)
    return FieldReading(got.value or "", got.problem and f"{where}：{got.problem}")


def read_row_period(value: Any, where: str, month: Month) -> tuple[FieldReading, Month | None]:
    """(报告期 reading, the month it names when that is another month than the folder's)."""
    period = read_period(value, month)
    other = period.month if period.error and period.month is not None else None
    return FieldReading(str(month), period.error and f"{where}：{period.error}", period.note), other


def read_identity(cell: Callable[[str], Any], where: Callable[[str], str], month: Month,
                  counties: Mapping[str, str] | None) -> IdentityReading:
    """Canonical org_code, region_code, type_code, reg_type, sponsor, hospital_level and period of one row.

    ``where(item_id)`` names the column for messages; ``counties`` maps the county-level region codes of
    regions.csv to names (None: only the form of the code is checked). The columnar reader (columnar.py) calls
    the same per-field readers once per distinct cell value."""
    out = IdentityReading()
    type_reading, hospital = read_type(cell("type_code"), where("type_code"))
    readings = [("org_code", read_org(cell("org_code"), where("org_code"))),
                ("region_code", read_region(cell("region_code"), where("region_code"), counties)),
                ("type_code", type_reading)]
    readings += [(f, read_coded(f, cell(f), where(f))) for f in CLASSIFIED]
    readings.append(("hospital_level", read_level(cell("hospital_level"), hospital, where("hospital_level"))))
    period, out.other_month = read_row_period(cell("period"), where("period"), month)
    readings.append(("period", period))
    for field_id, reading in readings:
        out.values[field_id] = reading.value
        _collect(out, reading.reason, reading.note, reading.warning)
    return out


def _collect(out: IdentityReading, reason: str = "", note: str = "", warning: str = "") -> None:
    if reason:
        out.reasons.append(reason)
    if note:
        out.notes.append(note)
    if warning:
        out.warnings.append(warning)
