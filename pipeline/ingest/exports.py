"""Ingest: raw direct-report exports → one canonical table + quarantine, every row accounted for.

Layout expected: ``data/raw/<YYYY-MM>/*.xlsx|*.csv`` (one folder per report month).
Each sheet may have title and unit rows above the header; the header row is found by
matching labels against the alias catalogue (``catalogues/items.yaml``).
"""


from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import polars as pl

from pipeline import catalogues
from pipeline.catalogues import ItemCatalogue
from pipeline.errors import UserError
from pipeline.ingest.classify import _classify
from pipeline.ingest import corrections as office_corrections
from pipeline.ingest import duplicates, plausibility
from pipeline.ingest.files import Limits, discover_files, display_path, read_sheets
from pipeline.ingest.header import column_letter
from pipeline.ingest.rows import _Accumulator, _ingest_sheet
from pipeline.ingest.values import parse_code, parse_number
from pipeline.io_utils import write_csv, write_json, write_parquet
from pipeline.period import Month

QUARANTINE_SCHEMA = {
    "file": pl.Utf8, "sheet": pl.Utf8, "row": pl.Int64, "org_code": pl.Utf8, "name": pl.Utf8,
    "period": pl.Utf8, "reason": pl.Utf8, "raw": pl.Utf8,
}



@dataclass
class IngestResult:
    clean: pl.DataFrame
    quarantine: pl.DataFrame
    replaced: pl.DataFrame
    summary_rows: pl.DataFrame
    report: dict[str, Any]



def _records_frame(frames: list[pl.DataFrame], cat: ItemCatalogue) -> pl.DataFrame:
    schema: dict[str, Any] = {"file": pl.Utf8, "sheet": pl.Utf8, "row": pl.Int64}
    for it in cat.identity:
        schema[it.id] = pl.Datetime("us") if it.id == "submitted_at" else pl.Utf8
    for item_id in cat.item_ids:
        schema[item_id] = pl.Float64
    return pl.concat([pl.DataFrame(schema=schema), *frames], how="vertical").cast(schema)


def deduplicate(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the latest submission per (org_code, period); return (kept, replaced). Conflicting rows (same latest
    上报时间, different values) are in neither: see duplicates.resolve."""
    res = duplicates.resolve(df)
    return res.kept, res.replaced


def limits_from_params(params: dict[str, Any]) -> Limits:
    """Limits from the declared `ingest.*` params; each must be a positive number."""
    values: dict[str, Any] = {}
    for key, value in params.items():
        name = key.split(".", 1)[1]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise UserError(f"params.yaml 中 {key} 的值“{value}”应为正数")
        values[name] = int(value) if name in ("max_cells", "max_string_chars") else float(value)
    return Limits(**values)


def _read_files(files: list[tuple[Month, Path]], raw_dir: Path, cat: ItemCatalogue, acc: _Accumulator,
                limits: Limits, progress: bool) -> list[dict[str, Any]]:
    file_list = []
    for i, (month, path) in enumerate(files, start=1):
        display = display_path(path, raw_dir)
        if progress:
            print(f"[{i}/{len(files)}] 读取 {display}", file=sys.stderr)
        before, blank_before = acc.read, acc.blank
        read = [_ingest_sheet(sheet, month, cat, acc) for sheet in read_sheets(path, display, limits)]
        if not any(read):
            raise UserError(f"文件 {display} 中没有找到月报表头（任何一个工作表都没有），整个文件无法导入",
                            hint="请确认这是直报系统导出的月报；如果表头写法不同，请把列名写法加入 items.yaml 的 aliases")
        if acc.read - before == acc.blank - blank_before:
            raise UserError(f"文件 {display} 只有表头，没有任何数据行",
                            hint="请重新从直报系统导出（导出时确认已选中本月的机构）")
        file_list.append({"file": display, "month": str(month), "data_rows": acc.read - before})
    return file_list


def _frame(rows: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def _tables(acc: _Accumulator, cat: ItemCatalogue) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(clean, replaced, quarantine, summaries) from the parsed rows. Each step's input is let go as soon as the
    next one has it (at national scale every copy of the table is gigabytes)."""
    records = _records_frame(acc.frames, cat)
    acc.frames.clear()
    classified, unknown_type = _classify(records)
    del records
    for row in unknown_type.iter_rows(named=True):
        acc.quarantine.append(
            {"file": row["file"], "sheet": row["sheet"], "row": row["row"], "org_code": row["org_code"],
             "name": row["name"], "period": row["period"],
             "reason": f"机构类别代码“{row['type_code']}”不在机构类别目录（institution_types.csv）中", "raw": ""}
        )
    res = duplicates.resolve(classified, sort_kept=False)  # (every row that is kept is one (机构, 报告期): sorted below)
    del classified
    resolved, replaced = res.kept, res.replaced
    labels = {it.id: it.label for it in cat.all}
    entries, notes, groups = duplicates.conflict_rows(res.conflicts, labels)
    acc.quarantine.extend(entries)
    acc.conflicts.extend(notes)
    acc.conflict_groups.extend(groups)
    copies = replaced.filter(pl.col("reason") == duplicates.IDENTICAL)
    acc.duplicates.extend(f"{r['file']} 工作表“{r['sheet']}”第 {r['row']} 行与同一机构同一报告期的另一行完全相同，已去掉"
                          for r in copies.sort(["file", "sheet", "row"]).iter_rows(named=True))
    del res
    corrected, acc.corrections_applied = office_corrections.apply(resolved, acc.corrections, cat)
    del resolved
    kept, held = plausibility.screen(corrected)
    del corrected
    acc.quarantine.extend(held)
    quarantine = _frame(acc.quarantine, QUARANTINE_SCHEMA).sort(["file", "sheet", "row"])
    summary_schema = {"file": pl.Utf8, "sheet": pl.Utf8, "row": pl.Int64, "org_code": pl.Utf8, "name": pl.Utf8}
    summary_schema.update({item_id: pl.Float64 for item_id in cat.item_ids})
    clean = sorted_by_period_and_code(kept)
    del kept
    return clean, replaced, quarantine, _frame(acc.summaries, summary_schema)


def sorted_by_period_and_code(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame.sort(["period", "org_code"])`` for rows that are one per (报告期, 机构) (duplicates.resolve kept one).

    The months are read in order, so the rows usually come with their periods already sorted: then only the codes
    are sorted, within each period (one single-key sort per month, instead of a two-key sort of the whole table),
    and the columns are gathered once in that order. Otherwise (or with a null key) the full sort."""
    period = frame["period"]
    if frame.height < 2 or period.null_count() or frame["org_code"].null_count() or not period.is_sorted():
        return frame.sort(["period", "org_code"])
    keys = frame.select("period", "org_code").with_row_index("_i")
    order = keys.select(pl.col("_i").sort_by("org_code").over("period")).to_series()
    return frame[order]


def read_counties(path: Path) -> dict[str, str]:
    """County-level units of regions.csv (every row whose region_kind is not 市): code → name."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        return {r["region_code"].strip(): r["region_name"].strip() for r in rows if r["region_kind"].strip() != "市"}
    except (OSError, KeyError, AttributeError) as exc:
        raise UserError(f"区划表 {path.name} 无法读取：{exc}",
                        hint="区划表应有 region_code、region_name、region_kind 三列（见 data/reference/README.md）") from exc


def ingest(raw_dir: Path, *, progress: bool = True, limits: Limits | None = None,
           regions: Path | None = None, corrections: Path | None = None) -> IngestResult:
    """Every raw row into canonical, quarantine, replaced or summary rows. With ``regions`` (regions.csv) each
    行政区划代码 must be one of its county-level units; without it only the code's form is checked. The office's
    corrections (``corrections``: data/corrections/) are applied to the accepted rows before the unit screen."""
    cat = catalogues.items()
    acc = _Accumulator(counties=read_counties(regions) if regions is not None else None,
                       corrections=office_corrections.read_corrections(corrections, cat))
    files = discover_files(raw_dir)
    file_list = _read_files(files, raw_dir, cat, acc, limits or Limits(), progress)
    clean, replaced, quarantine, summaries = _tables(acc, cat)
    reconciliation = {
        "rows_read": acc.read,
        "accepted": clean.height,
        "replaced_by_resubmission": replaced.height,
        "quarantined": quarantine.height,
        "summary_rows": summaries.height,
        "blank_rows": acc.blank,
    }
    accounted = sum(v for k, v in reconciliation.items() if k != "rows_read")
    reconciliation["balanced"] = accounted == acc.read
    if accounted != acc.read:
        raise UserError(
            f"行数核对不平：读取 {acc.read} 行，但入库 {clean.height} + 替换 {replaced.height} + 隔离 {quarantine.height}"
            f" + 合计 {summaries.height} + 空行 {acc.blank} = {accounted}",
            hint="这是程序错误，请把原始文件和本信息反馈给开发人员",
        )
    report = {
        "files": file_list,
        "reconciliation": reconciliation,
        "unknown_columns": acc.unknown_columns,
        "missing_items": acc.missing_items,
        "skipped_sheets": acc.skipped_sheets,
        "unit_conversions": acc.conversions,
        "summary_row_checks": acc.summary_checks,
        "months": sorted({str(m) for m, _ in files}),
    }
    # keys added for real exports appear only when they say something (the sample city's report stays as it was)
    extra = {"conflicting_duplicates": acc.conflicts, "identical_duplicates": acc.duplicates,
             "hidden_sheets": acc.hidden_sheets, "reading_notes": acc.notes,
             "value_notes": acc.value_notes, "code_check_warnings": acc.code_warnings,
             "conflict_groups": acc.conflict_groups, "code_checks": acc.code_checks,
             "corrections": acc.corrections_applied}
    report.update({k: v for k, v in extra.items() if v})
    return IngestResult(clean=clean, quarantine=quarantine, replaced=replaced, summary_rows=summaries, report=report)


def write_outputs(result: IngestResult, out_dir: Path) -> None:
    write_parquet(result.clean, out_dir / "canonical.parquet")
    write_parquet(result.quarantine, out_dir / "quarantine.parquet")
    write_csv(result.quarantine, out_dir / "quarantine.csv")
    write_parquet(result.replaced, out_dir / "replaced.parquet")
    write_parquet(result.summary_rows, out_dir / "summary_rows.parquet")
    write_json(result.report, out_dir / "ingest_report.json")


def reconciliation_text(report: dict[str, Any]) -> str:
    r = report["reconciliation"]
    lines = [
        "数据导入核对：",
        f"  读取数据行 {r['rows_read']}",
        f"  入库 {r['accepted']}",
        f"  被更正报送替换 {r['replaced_by_resubmission']}",
        f"  隔离（有问题，见 quarantine.csv）{r['quarantined']}",
        f"  合计/小计行 {r['summary_rows']}",
        f"  空行 {r['blank_rows']}",
        "  核对结果：" + ("平衡" if r["balanced"] else "不平衡"),
    ]
    for where, cols in sorted(report["unknown_columns"].items()):
        lines.append(f"  注意：{where} 有未识别的列：{'、'.join(cols)}（未导入，如需要请加入 items.yaml）")
    for where, labels in sorted(report.get("missing_items", {}).items()):
        lines.append(f"  注意：{where} 没有这些项目的列：{'、'.join(labels)}（记为“不详”，不是 0；"
                     "用到它们的合计和指标也是“不详”）")
    for msg in report.get("conflicting_duplicates", []):
        lines.append(f"  需要核实（不能自动处理）：{msg}")
    for key in ("identical_duplicates", "hidden_sheets", "reading_notes", "value_notes"):
        lines.extend(f"  注意：{msg}" for msg in report.get(key, []))
    for c in report.get("corrections", []):
        lines.append(f"  更正（{c['correction']}）：{c['name']}（{c['org_code']}）{c['period']} 的“{c['item']}”"
                     f"由 {c['filed']} 改为 {c['corrected']}，原因：{c['reason']}，核实人：{c['confirmed_by']} {c['confirmed_on']}")
    for msg in report.get("code_check_warnings", []):
        lines.append(f"  机构代码校验（已导入，请核实代码）：{msg}")
    for msg in report["skipped_sheets"]:
        lines.append(f"  注意：{msg}")
    for msg in report.get("unit_conversions", []):
        lines.append(f"  注意：{msg}")
    for chk in report.get("summary_row_checks", []):
        lines.append(f"  注意：{chk['file']} 工作表“{chk['sheet']}”第 {chk['row']} 行合计的“{chk['item']}”为 "
                     f"{chk['summary_value']:g}，明细行之和为 {chk['detail_sum']:g}（相差 {chk['difference']:g}），请核对")
    return "\n".join(lines)


def iter_months(clean: pl.DataFrame) -> Iterator[Month]:
    for text in sorted(clean["period"].unique().to_list()):
        yield Month.parse(text)


__all__: Iterable[str] = (
    "ingest", "write_outputs", "reconciliation_text", "parse_number", "parse_code", "deduplicate", "discover_files",
    "column_letter",
)
