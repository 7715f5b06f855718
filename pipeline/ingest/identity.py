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


def read_identity(cell: Callable[[str], Any], where: Callable[[str], str], month: Month,
                  counties: Mapping[str, str] | None) -> IdentityReading:
    """Canonical org_code, region_code, type_code, reg_type, sponsor, hospital_level and period of one row.

    ``where(item_id)`` names the column for messages; ``counties`` maps the county-level region codes of
    regions.csv to names (None: only the form of the code is checked)."""
    out = IdentityReading()
    org = orgcodes.normalise_org_code(cell("org_code"))
    out.values["org_code"] = org.code
    _collect(out, org.error and f"{where('org_code')}：{org.error}", org.note, org.warning)
    _read_region(out, cell("region_code"), where, counties)
    code, found, problem = codetables.lookup_type_code(cell("type_code"))
    out.values["type_code"] = code
    _collect(out, problem and f"{where('type_code')}：{problem}")
    tables = codetables.code_tables()
    for field_id in CLASSIFIED:
        got = codetables.lookup(tables[field_id], cell(field_id))
        out.values[field_id] = got.value or ""
        _collect(out, got.problem and f"{where(field_id)}：{got.problem}")
    _read_level(out, cell("hospital_level"), found is not None and found.type_group == HOSPITAL_GROUP, where)
    period = read_period(cell("period"), month)
    out.values["period"] = str(month)
    _collect(out, period.error and f"{where('period')}：{period.error}", period.note)
    if period.error and period.month is not None:
        out.other_month = period.month
    return out


def _collect(out: IdentityReading, reason: str = "", note: str = "", warning: str = "") -> None:
    if reason:
        out.reasons.append(reason)
    if note:
        out.notes.append(note)
    if warning:
        out.warnings.append(warning)


def _read_region(out: IdentityReading, value: Any, where: Callable[[str], str],
                 counties: Mapping[str, str] | None) -> None:
    if counties is None:  # no region table given: the code's form only
        text = codetables.cell_text(value).replace(" ", "")
        text = text[:-2] if text.endswith(".0") else text
        out.values["region_code"] = text
        _collect(out, "" if text else f"{where('region_code')}：行政区划代码为空")
        return
    region = orgcodes.normalise_region(value, counties)
    out.values["region_code"] = region.code
    _collect(out, region.error and f"{where('region_code')}：{region.error}", region.note)


def _read_level(out: IdentityReading, value: Any, hospital: bool, where: Callable[[str], str]) -> None:
    """医院等级: a hospital's blank level counts as 未定级 (noted); a non-hospital's blank stays blank."""
    table = codetables.code_tables()["hospital_level"]
    if not codetables.cell_text(value):
        out.values["hospital_level"] = ""
        if hospital:
            unrated = catalogues.classification().unrated_label
            out.values["hospital_level"] = unrated
            _collect(out, note=f"{where('hospital_level')}为空，这家医院按“{unrated}”统计")
        return
    got = codetables.lookup(table, value)
    out.values["hospital_level"] = got.value or ""
    _collect(out, got.problem and f"{where('hospital_level')}：{got.problem}")
