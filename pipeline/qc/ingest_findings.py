"""What ingest found that the QC 通报 must show (from ``data/interim/ingest_report.json``):

- 重复报送待核实 (R006, FAIL): two rows of one institution and month with the same 上报时间 and different values.
  Ingest holds both back (quarantine); here the institution counts as filed (it did report, so it is not 漏报) and
  the office is told to ask it which row is right.
- 机构代码校验码 (R007, WARN): an institution code whose GB 11714 / GB 32100 check character is wrong (the row was
  imported; the code should be checked).
- 数据更正 (R008, 说明): every correction applied from ``data/corrections/<YYYY-MM>.csv``.

Ids, severities and message templates are in ``catalogues/qc_rules.yaml`` (``registry_checks``); the issue rows
have the standard result schema, so the bulletin and the county workbooks list them like the other checks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any

import polars as pl

from pipeline.errors import UserError
from pipeline.qc.common import RESULT_SCHEMA, _empty
from pipeline.qc.registry import _issue_rows
from pipeline.qc.rule_catalogue import RegistryCheck

CONFLICT_CHECK = "重复报送待核实"
CODE_CHECK = "机构代码校验码"
CORRECTION_CHECK = "数据更正"
INFO = "INFO"  # severity of a correction: neither an error nor a warning, a statement of what was changed
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class IngestFindings:
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # ingest report "conflict_groups"
    code_checks: list[dict[str, Any]] = field(default_factory=list)  # "code_checks"
    corrections: list[dict[str, Any]] = field(default_factory=list)  # "corrections"

    def held_submissions(self) -> pl.DataFrame:
        """One row per conflicting group: the institution filed (at the shared 上报时间), rows counted."""
        rows = [{"org_code": g["org_code"], "period": g["period"],
                 "submitted_at": datetime.strptime(g["submitted_at"], _TIME_FORMAT) if g.get("submitted_at") else None,
                 "submissions": len(g["places"])} for g in self.conflicts]
        schema = {"org_code": pl.Utf8, "period": pl.Utf8, "submitted_at": pl.Datetime("us"), "submissions": pl.Int64}
        return pl.DataFrame(rows, schema=schema, orient="row")


def load_findings(path: Path) -> IngestFindings:
    """The three lists from the ingest report (absent keys: nothing found)."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"导入报告 {path.as_posix()} 无法读取：{exc}",
                        hint="请先运行 python -m pipeline ingest（或 dvc repro）") from exc
    return IngestFindings(conflicts=list(report.get("conflict_groups", [])),
                          code_checks=list(report.get("code_checks", [])),
                          corrections=list(report.get("corrections", [])))


def _with_types(rows: list[dict[str, Any]], registry: pl.DataFrame) -> pl.DataFrame:
    """Rows of one finding with the registry's type columns (name and region as filed when not in the registry)."""
    schema = {"org_code": pl.Utf8, "period": pl.Utf8, "name": pl.Utf8, "region_code": pl.Utf8, "_i": pl.Int64}
    frame = pl.DataFrame([{**{k: r.get(k) for k in schema if k != "_i"}, "_i": i} for i, r in enumerate(rows)],
                         schema=schema, orient="row")
    reg = registry.select("org_code", "type_code", "type_group", "type_sub")
    return frame.join(reg, on="org_code", how="left").sort("_i")


def _issues(rows: list[dict[str, Any]], registry: pl.DataFrame, check: RegistryCheck,
            fields: Any) -> pl.DataFrame:
    if not rows:
        return _empty(RESULT_SCHEMA)
    frame = _with_types(rows, registry)
    return _issue_rows(frame, check, lambda r: fields(rows[r["_i"]]))


_PLACE = re.compile(r"^(?P<file>.+?)(?: 工作表“(?P<sheet>[^”]*)”)?第 ?(?P<row>\d+) ?行$")


def reader_place(place: str) -> str:
    """An ingest location ("<dir>/月报.csv 工作表“CSV”第 4 行") as the 通报 says it: the export's name without folder
    or extension, the sheet when a workbook has one, and the row ("“月报”第4行"); the full location stays in the
    finding's details and the quarantine table."""
    m = _PLACE.match(place.strip())
    if m is None:
        return place
    stem = PurePath(m["file"].replace("\\", "/")).stem
    sheet = m["sheet"] if m["sheet"] and m["sheet"] != "CSV" else ""
    return f"导出文件“{stem}”" + (f"工作表“{sheet}”" if sheet else "") + f"第{m['row']}行"


def _conflict_fields(g: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any], float | None]:
    when = g.get("submitted_at") or "（未填上报时间）"
    fields = {"count": str(len(g["places"])), "submitted_at": when,
              "places": "、".join(reader_place(p) for p in g["places"]),
              "items": "、".join(g["items"])}
    return fields, {"上报时间": when, "所在行": "、".join(g["places"]), "不同的项目": fields["items"]}, None


def _code_fields(c: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any], float | None]:
    return {"warning": c["warning"], "where": reader_place(c["where"])}, {"位置": c["where"]}, None


def _correction_fields(c: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any], float | None]:
    fields = {k: str(c.get(k, "")) for k in ("item", "filed", "corrected", "reason", "confirmed_by", "confirmed_on",
                                             "correction")}
    return fields, {"项目": fields["item"], "原填报值": fields["filed"], "更正值": fields["corrected"],
                    "更正原因": fields["reason"], "核实人": fields["confirmed_by"], "核实日期": fields["confirmed_on"],
                    "更正表": fields["correction"]}, None


def finding_issues(findings: IngestFindings, registry: pl.DataFrame,
                   checks: dict[str, RegistryCheck]) -> list[pl.DataFrame]:
    """Result rows (standard schema) for the three findings, in the catalogue's wording."""
    return [_issues(findings.conflicts, registry, checks[CONFLICT_CHECK], _conflict_fields),
            _issues(findings.code_checks, registry, checks[CODE_CHECK], _code_fields),
            _issues(findings.corrections, registry, checks[CORRECTION_CHECK], _correction_fields)]
