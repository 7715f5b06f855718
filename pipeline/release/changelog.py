"""修订说明：新版本与上一版本相比，哪些发布的数字变了（按发布时的小数位），以及为什么（输入文件、参数、程序版本）。

数字的比较只看“发布出去的样子”：两次都四舍五入到指标目录规定的小数位后再比较，小数点后更远处的差异
不算修订；表中新增或删去的行也列出。原因来自两个版本 manifest.json 中记录的输入文件 SHA-256、参数和 git 提交。
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import catalogues, fmt
from pipeline.escaping import html_text, spreadsheet_text
from pipeline.release.catalogue import FigureSpec
from pipeline.render.html_fonts import with_embedded_font
from pipeline.render.tables import change_text

ABSENT = "（无此行）"
INDICATOR_KEYS = ("period", "year", "period_type", "indicator_id", "breakdown_id", "region_code")
INDICATOR_LABELS = ("indicator", "breakdown", "region")
INDICATOR_HEADERS = ("指标", "分组", "地区", "时期")
CHANGE_DECIMALS = 1  # 同比增减 is printed with one decimal in every table (tables.Table.cell)


@dataclass(frozen=True)
class FigureChange:
    labels: tuple[str, ...]
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class InputChange:
    path: str
    status: str  # 修改 / 新增 / 删除
    old: str
    new: str


@dataclass(frozen=True)
class ChangeLog:
    title: str
    version: int
    previous: int
    label_headers: tuple[str, ...]
    figures: tuple[FigureChange, ...]
    figures_compared: bool
    files: tuple[InputChange, ...]
    inputs: tuple[InputChange, ...]
    params: tuple[InputChange, ...]
    commits: tuple[str, str]


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _number(text: str | None) -> float | None:
    if text is None or text.strip() == "":
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _published(text: str | None, decimals: int, *, signed: bool = False) -> str:
    """The figure as it is printed: half-up rounding to the catalogue's decimals, '—' when missing."""
    value = _number(text)
    if value is None:
        return (text or "").strip() or fmt.DASH  # empty → '—'; text such as '—' stays as written
    return change_text(value, decimals) if signed else fmt.number(value, decimals, thousands=True)


def _indicator_table(path: Path) -> tuple[dict[tuple[str, ...], tuple[str, ...]], dict[tuple[str, ...], dict[str, str]]]:
    decimals = {ind.id: ind.decimals for ind in catalogues.indicators()}
    labels: dict[tuple[str, ...], tuple[str, ...]] = {}
    values: dict[tuple[str, ...], dict[str, str]] = {}
    for row in _read_rows(path):
        key = tuple(row.get(k, "") for k in INDICATOR_KEYS)
        d = decimals.get(row.get("indicator_id", ""), 2)
        unit = row.get("unit") or ""
        change_unit = row.get("change_unit") or ""
        when = row.get("period_label") or row.get("period") or row.get("year") or ""  # annual tables: year only
        labels[key] = (*(row.get(k, "") for k in INDICATOR_LABELS), when)
        values[key] = {
            f"本期值{f'({unit})' if unit else ''}": _published(row.get("value"), d),
            f"上年同期{f'({unit})' if unit else ''}": _published(row.get("base_value"), d),
            f"同比增减{f'({change_unit})' if change_unit else ''}": _published(row.get("change"), CHANGE_DECIMALS,
                                                                              signed=True),
        }
    return labels, values


def _spec_table(path: Path, spec: FigureSpec) -> tuple[dict[tuple[str, ...], tuple[str, ...]],
                                                        dict[tuple[str, ...], dict[str, str]]]:
    labels: dict[tuple[str, ...], tuple[str, ...]] = {}
    values: dict[tuple[str, ...], dict[str, str]] = {}
    for row in _read_rows(path):
        key = tuple(row.get(k, "") for k in spec.keys)
        labels[key] = (" ".join(row.get(k, "") for k in spec.labels if row.get(k)) or " ".join(key),)
        values[key] = {v.label: _published(row.get(v.column), v.decimals) for v in spec.values}
    return labels, values


def figure_changes(old_path: Path, new_path: Path, spec: FigureSpec) -> list[FigureChange]:
    """Every published figure that differs (as printed) between two versions of the same tidy table."""
    read = _indicator_table if spec.kind == "indicators" else (lambda p: _spec_table(p, spec))
    old_labels, old_values = read(old_path)
    new_labels, new_values = read(new_path)
    order = list(new_values) + [k for k in old_values if k not in new_values]
    changes: list[FigureChange] = []
    for key in order:
        labels = new_labels.get(key) or old_labels[key]
        old = old_values.get(key)
        new = new_values.get(key)
        fields = list((new or old or {}).keys())
        for f in fields:
            before = ABSENT if old is None else old.get(f, fmt.DASH)
            after = ABSENT if new is None else new.get(f, fmt.DASH)
            if before != after:
                changes.append(FigureChange(labels=labels, field=f, old=before, new=after))
    return changes


def label_headers(spec: FigureSpec | None) -> tuple[str, ...]:
    return INDICATOR_HEADERS if spec is None or spec.kind == "indicators" else ("对象",)


def _entries(manifest: dict[str, Any], key: str) -> dict[str, str]:
    return {e["path"]: e["sha256"] for e in manifest.get(key, [])}


def dict_changes(old: dict[str, str], new: dict[str, str], *, short: bool = True) -> list[InputChange]:
    out: list[InputChange] = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        status = "新增" if a is None else "删除" if b is None else "修改"
        cut = (lambda s: s[:16] + "…") if short else (lambda s: s)
        out.append(InputChange(path=name, status=status, old=fmt.DASH if a is None else cut(a),
                               new=fmt.DASH if b is None else cut(b)))
    return out


def build(*, title: str, version: int, previous: int, old_manifest: dict[str, Any], new_manifest: dict[str, Any],
          spec: FigureSpec | None, old_dir: Path, new_dir: Path) -> ChangeLog:
    figures: list[FigureChange] = []
    compared = False
    if spec is not None and (old_dir / spec.file).is_file() and (new_dir / spec.file).is_file():
        figures = figure_changes(old_dir / spec.file, new_dir / spec.file, spec)
        compared = True
    published = {k: v for k, v in _entries(old_manifest, "files").items()
                 if k in {f["path"] for f in old_manifest.get("files", []) if f.get("role") == "published"}}
    params_old = {k: str(v) for k, v in (old_manifest.get("params") or {}).items()}
    params_new = {k: str(v) for k, v in (new_manifest.get("params") or {}).items()}
    return ChangeLog(
        title=title, version=version, previous=previous, label_headers=label_headers(spec),
        figures=tuple(figures), figures_compared=compared,
        files=tuple(dict_changes(published, _entries(new_manifest, "files"))),
        inputs=tuple(dict_changes(_entries(old_manifest, "inputs"), _entries(new_manifest, "inputs"))),
        params=tuple(dict_changes(params_old, params_new, short=False)),
        commits=(str((old_manifest.get("git") or {}).get("commit", "unknown")),
                 str((new_manifest.get("git") or {}).get("commit", "unknown"))),
    )


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


def _sections(log: ChangeLog) -> list[tuple[str, str, tuple[str, ...], list[tuple[str, ...]]]]:
    """(heading, lead text, table headers, rows) for each part of the change log."""
    if not log.figures_compared:
        fig_lead = "本出版物没有可逐项比较的指标表，变化见下面的文件清单。"
    elif log.figures:
        fig_lead = f"共 {len(log.figures)} 项。按发布时的小数位比较，只列出发布的数字确有变化的单元格。"
    else:
        fig_lead = "发布的数字没有变化（按发布时的小数位比较）；变化的是下面列出的文件的文字或版式。"
    commit_rows = [] if log.commits[0] == log.commits[1] else [(log.commits[0], log.commits[1])]
    return [
        ("一、变化的数字", fig_lead, (*log.label_headers, "项目", "原值", "新值"),
         [(*c.labels, c.field, c.old, c.new) for c in log.figures]),
        ("二、原因：变化的输入文件",
         f"共 {len(log.inputs)} 个（按 SHA-256 比较）。" if log.inputs else "输入文件没有变化。",
         ("文件", "变化", "原 SHA-256", "新 SHA-256"), [(c.path, c.status, c.old, c.new) for c in log.inputs]),
        ("三、原因：变化的参数", "" if log.params else "参数没有变化。",
         ("参数", "变化", "原值", "新值"), [(c.path, c.status, c.old, c.new) for c in log.params]),
        ("四、程序版本（git 提交）", "" if commit_rows else "程序版本没有变化。",
         ("原版本", "新版本"), commit_rows),
        ("五、变化的发布文件", f"共 {len(log.files)} 个。",
         ("文件", "变化", "原 SHA-256", "新 SHA-256"), [(c.path, c.status, c.old, c.new) for c in log.files]),
    ]


def heading(log: ChangeLog) -> str:
    return f"修订说明：{log.title} 第 {log.version} 版（修订，R）"


def intro(log: ChangeLog) -> str:
    return (f"本版（v{log.version}，标记 R）是对第 {log.previous} 版（v{log.previous}）的修订。"
            f"第 {log.previous} 版保持原样，不作改动；请以本版为准。")


def to_markdown(log: ChangeLog) -> str:
    lines = [f"# {heading(log)}", "", intro(log), ""]
    for title, lead, headers, rows in _sections(log):
        lines += [f"## {title}", ""]
        if lead:
            lines += [lead, ""]
        if rows:
            lines += _md_table(headers, rows) + [""]
    return "\n".join(lines).rstrip() + "\n"


CSS = """
body{font-family:"Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;
max-width:60rem;padding:1rem;line-height:1.6;color:#222}
h1{font-size:1.35rem}h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #ccc}
.wrap{overflow-x:auto}table{border-collapse:collapse;font-size:.9rem}
th,td{border:1px solid #bbb;padding:.2rem .45rem;text-align:left;vertical-align:top;white-space:nowrap}
td.n{text-align:right;white-space:nowrap}th{background:#f2f2f2}code{overflow-wrap:anywhere}
""".strip()


def _html_table(headers: tuple[str, ...], rows: list[tuple[str, ...]], numeric_from: int) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(("<td class='n'>" if i >= numeric_from else "<td>") + html_text(c) + "</td>"
                        for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f'<div class="wrap"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def to_html(log: ChangeLog) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-Hans"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(heading(log))}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(heading(log))}</h1>",
        f"<p>{html.escape(intro(log))}</p>",
    ]
    for index, (title, lead, headers, rows) in enumerate(_sections(log)):
        parts.append(f"<h2>{html.escape(title)}</h2>")
        if lead:
            parts.append(f"<p>{html.escape(lead)}</p>")
        if rows:
            numeric_from = len(headers) - 2 if index == 0 else len(headers)
            parts.append(_html_table(headers, rows, numeric_from))
    parts.append("</body></html>")
    return with_embedded_font("\n".join(parts) + "\n")


def to_csv(log: ChangeLog) -> str:
    """Machine-readable list of the changed figures (UTF-8 with BOM, like the other CSV outputs)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*log.label_headers, "项目", "原值", "新值"])
    for c in log.figures:  # guarded against formulas for Excel; numbers written as text stay numbers
        writer.writerow([spreadsheet_text(str(v)) for v in (*c.labels, c.field, c.old, c.new)])
    return "\ufeff" + buffer.getvalue()
