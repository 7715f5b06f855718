"""Office corrections as data: data/corrections/<YYYY-MM>.csv, applied at every ingest, never an edit of a raw export.

向机构核实后要改的数，不改导出文件，写进更正表 data/corrections/<YYYY-MM>.csv（Excel 可以直接编辑，另存为
CSV UTF-8），每行一处更正，列为：机构代码、报告期（空着表示文件名的月份）、项目（月报项目的中文名，如“医疗收入”；
整行金额按错了单位时写“金额单位”）、原填报值（导出文件中的数；“金额单位”写机构实际用的单位，如“元”）、
更正值（“金额单位”写“千元”）、更正原因、核实人、核实日期。每次读入都按更正表重新更正，行数核对中逐条列出。
导出文件重新下载后，如果“原填报值”已经和导出的数不一样（机构已经在直报系统中改过），读入会停下并指出
更正表的哪一行，请核对后修改或删去这一行。金额按千元比较（导出文件注明别的金额单位时按换算后的千元）。
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.catalogues import ItemCatalogue
from pipeline.errors import UserError
from pipeline.period import Month, PeriodError

COLUMNS = ("机构代码", "报告期", "项目", "原填报值", "更正值", "更正原因", "核实人", "核实日期")
UNIT_ITEM = "金额单位"
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Correction:
    file: str
    row: int
    org_code: str
    period: str
    item: str  # item id, or UNIT_ITEM
    filed: str
    corrected: str
    reason: str
    confirmed_by: str
    confirmed_on: str


def _where(file: str, row: int) -> str:
    return f"更正表 {file} 第 {row} 行"


def _item_id(label: str, cat: ItemCatalogue, where: str) -> str:
    if label == UNIT_ITEM:
        return UNIT_ITEM
    found = cat.match(label)
    if found is None or found not in cat.item_ids:
        raise UserError(f"{where}：项目“{label}”不是月报项目", hint=f"写月报项目的中文名（如“医疗收入”），或“{UNIT_ITEM}”")
    return found


def _read_file(path: Path, cat: ItemCatalogue) -> list[Correction]:
    name = f"corrections/{path.name}"
    try:
        month = Month.parse(path.stem)
    except PeriodError as exc:
        raise UserError(f"更正表 {name} 的文件名不是月份", hint="更正表命名为 <YYYY-MM>.csv，例如 2025-10.csv") from exc
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_bytes().decode("gb18030")
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in rows[0]] if rows else []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise UserError(f"更正表 {name} 缺少列：{'、'.join(missing)}", hint=f"第一行应为：{','.join(COLUMNS)}")
    out = []
    for row_no, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        cells = {c: (values[header.index(c)].strip() if header.index(c) < len(values) else "") for c in COLUMNS}
        where = _where(name, row_no)
        period = cells["报告期"] or str(month)
        try:
            if Month.parse(period) != month:
                raise UserError(f"{where}：报告期 {period} 与文件名的月份 {month} 不符", hint="每个月的更正写在该月的更正表中")
        except PeriodError as exc:
            raise UserError(f"{where}：报告期“{period}”无法识别", hint="写成 YYYY-MM，例如 2025-10") from exc
        blank = [c for c in ("机构代码", "项目", "原填报值", "更正值", "更正原因", "核实人") if not cells[c]]
        if blank:
            raise UserError(f"{where}：{'、'.join(blank)}没有填写", hint="每一处更正都要写明原值、更正值、原因和核实人")
        out.append(Correction(name, row_no, cells["机构代码"].upper(), str(month), _item_id(cells["项目"], cat, where),
                              cells["原填报值"], cells["更正值"], cells["更正原因"], cells["核实人"], cells["核实日期"]))
    return out


def read_corrections(folder: Path | None, cat: ItemCatalogue) -> list[Correction]:
    """Every correction of every <YYYY-MM>.csv in folder (none when the folder is absent), in file and row order."""
    if folder is None or not folder.is_dir():
        return []
    stray = [p.name for p in sorted(folder.iterdir())
             if p.is_file() and p.suffix.lower() != ".csv" and p.name.lower() != "readme.md" and not p.name.startswith(".")]
    if stray:
        raise UserError(f"更正表目录 {folder.name}/ 中的 {'、'.join(stray)} 不是 CSV 文件，不会被读取",
                        hint="更正表在 Excel 中另存为“CSV UTF-8”，命名为 <YYYY-MM>.csv；其他文件请移出这个目录")
    found = [c for path in sorted(folder.glob("*.csv")) for c in _read_file(path, cat)]
    seen: dict[tuple[str, str, str], Correction] = {}
    for c in found:
        key = (c.org_code, c.period, c.item)
        if key in seen:
            first = seen[key]
            raise UserError(f"{_where(c.file, c.row)}与第 {first.row} 行更正的是同一机构同一报告期的同一项目",
                            hint="同一处只写一行更正")
        seen[key] = c
    return found


def _number(text: str, where: str, column: str) -> float:
    try:
        return float(text.replace(",", ""))
    except ValueError as exc:
        raise UserError(f"{where}：{column}“{text}”不是数字", hint="写导出文件中的数（千元、人、人次等，不带单位）") from exc


def _apply_one(c: Correction, record: dict[str, Any], cat: ItemCatalogue) -> dict[str, Any]:
    where = _where(c.file, c.row)
    if c.item == UNIT_ITEM:
        units = cat.money_units
        if c.filed not in units or c.corrected not in units:
            raise UserError(f"{where}：金额单位“{c.filed}”或“{c.corrected}”无法换算",
                            hint=f"可用的单位：{'、'.join(units)}")
        factor = units[c.filed] / units[c.corrected]
        for it in cat.items:
            if it.unit == "千元" and record.get(it.id) is not None:
                record[it.id] = record[it.id] * factor
        return {"item": UNIT_ITEM, "filed": c.filed, "corrected": c.corrected}
    filed, corrected = _number(c.filed, where, "原填报值"), _number(c.corrected, where, "更正值")
    label = cat.item(c.item).label
    current = record.get(c.item)
    if current is None or abs(current - filed) > _TOLERANCE * max(1.0, abs(filed)):
        shown = "不详（没有这一列）" if current is None else f"{current:g}"
        raise UserError(f"{where}：机构 {c.org_code} {c.period} 的“{label}”导出值为 {shown}，不是更正表中的原填报值 {c.filed}",
                        hint="导出文件可能已重新下载（机构已在直报系统中改过）：请核对后修改或删去更正表的这一行")
    record[c.item] = corrected
    return {"item": label, "filed": c.filed, "corrected": c.corrected}


def apply(clean: pl.DataFrame, corrections: list[Correction], cat: ItemCatalogue) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """(corrected table, one report entry per applied correction). A correction that finds no row stops the run."""
    if not corrections:
        return clean, []
    # only the rows that are corrected are taken out of the table, changed and put back in their place
    keys = pl.DataFrame({"org_code": [c.org_code for c in corrections], "period": [c.period for c in corrections]},
                        schema={"org_code": clean.schema["org_code"], "period": clean.schema["period"]})
    numbered = clean.with_row_index("_i")
    hit = numbered.join(keys.unique(), on=["org_code", "period"], how="semi", maintain_order="left")
    index = {(r["org_code"], r["period"]): r for r in hit.to_dicts()}
    applied = []
    for c in corrections:
        row = index.get((c.org_code, c.period))
        if row is None:
            raise UserError(f"{_where(c.file, c.row)}：机构 {c.org_code} 在 {c.period} 没有导入的数据，无法更正",
                            hint="核对机构代码和报告期；该行若在隔离表中，请先处理隔离的原因")
        change = _apply_one(c, row, cat)
        applied.append({"correction": f"{c.file} 第 {c.row} 行", "org_code": c.org_code, "name": row["name"],
                        "period": c.period, **change, "reason": c.reason, "confirmed_by": c.confirmed_by,
                        "confirmed_on": c.confirmed_on})
    changed = pl.DataFrame(list(index.values()), schema=numbered.schema, orient="row")
    rest = numbered.filter(~pl.col("_i").is_in(changed["_i"].implode()))
    return pl.concat([rest, changed]).sort("_i").drop("_i"), applied
