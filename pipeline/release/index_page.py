"""发布索引页 releases/index.html：全部出版物、报告期、版本（含修订标记）、文件链接、大小和 SHA-256，
收件包，以及数据资源目录（指标数据字典和各期指标明细）。

由 releases/ 中已有的 manifest.json 和收件包内的 bundle.json 生成，不读报告目录：页面反映的就是实际发布了什么。
单个 HTML 文件，样式内联，不引用任何外部资源（离线可开），只有相对链接；在手机上按单列显示，长哈希自动折行。
同样的 releases/ 内容生成同样的字节（没有时间戳）。
"""

from __future__ import annotations

import html
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from pipeline.io_utils import write_if_changed
from pipeline.period import period_label
from pipeline.release.catalogue import ReleaseCatalogue
from pipeline.release.manifest import BUNDLE_INFO, MANIFEST, SUMS, sha256_file
from pipeline.errors import UserError
from pipeline.render import apparatus
from pipeline.render.html_fonts import with_embedded_font

INDEX = "index.html"
_VERSION_RE = re.compile(r"^v(\d+)$")
TIDY_FILES = ("indicators.csv", "summary.csv")

CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;
max-width:62rem;padding:.8rem;line-height:1.55;color:#1f2328;background:#fff;font-size:16px}
h1{font-size:1.4rem;margin:.4rem 0}h2{font-size:1.2rem;margin:1.8rem 0 .6rem;border-bottom:2px solid #2f6f9f}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}h4{font-size:1rem;margin:.2rem 0}
nav a{margin-right:1rem}a{color:#0b5cad}
details{border:1px solid #d0d7de;border-radius:6px;margin:.5rem 0;padding:.3rem .6rem}
summary{cursor:pointer;font-weight:600}
.ver{border-top:1px dashed #d0d7de;padding:.4rem 0}
.ver:first-of-type{border-top:none}
.tag{display:inline-block;font-size:.8rem;border-radius:4px;padding:0 .35rem;margin-left:.3rem;border:1px solid #888}
.r{background:#fff1e5;border-color:#d4691e;color:#9a3f00;font-weight:bold}
.old{color:#666}
.c-公开{background:#eaf5ea}.c-委内{background:#fdecea}.c-县级受限{background:#fff6da}
ul.files{list-style:none;padding:0;margin:.3rem 0}
ul.files li{padding:.15rem 0;border-bottom:1px solid #f0f0f0}
.size{color:#555;margin-left:.4rem;white-space:nowrap}
details.check{border:none;margin:.1rem 0;padding:0;font-size:.85rem}details.check summary{font-weight:400;color:#555}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.78rem;overflow-wrap:anywhere;word-break:break-all;
color:#444;display:block}
.meta{font-size:.85rem;color:#555}
p.note{font-size:.9rem;color:#444}
""".strip()


@dataclass(frozen=True)
class VersionEntry:
    rel: str  # posix path of the version folder, relative to releases/
    manifest: dict[str, Any]

    @property
    def version(self) -> int:
        return int(self.manifest["version"])


def _href(rel: str) -> str:
    return quote(rel, safe="/")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} 字节"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def scan_versions(releases: Path) -> list[VersionEntry]:
    out = []
    for path in sorted(releases.rglob(MANIFEST)):
        rel_parts = path.parent.relative_to(releases).parts
        if not rel_parts or rel_parts[0] == "bundles" or any(p.startswith(".") for p in rel_parts):
            continue
        if not _VERSION_RE.match(rel_parts[-1]):
            continue
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        out.append(VersionEntry(PurePosixPath(*rel_parts).as_posix(), manifest))
    return out


def scan_bundles(releases: Path) -> dict[str, list[tuple[str, int, str, dict[str, Any]]]]:
    """period → [(relative path, size, sha256, bundle.json)]."""
    out: dict[str, list[tuple[str, int, str, dict[str, Any]]]] = defaultdict(list)
    root = releases / "bundles"
    if not root.is_dir():
        return {}
    for path in sorted(root.glob("*/*.zip")):
        try:
            with zipfile.ZipFile(path) as zf:
                info = json.loads(zf.read(BUNDLE_INFO).decode("utf-8"))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            info = {}
        rel = PurePosixPath(*path.relative_to(releases).parts).as_posix()
        out[path.parent.name].append((rel, path.stat().st_size, sha256_file(path), info))
    return dict(out)


# Link text for a published file: what it is, in words, and its format (readers never see file names).
FILE_LABELS = {"indicators.csv": "指标明细（CSV）", "summary.csv": "预期寿命汇总（CSV）", "monitoring.csv": "规划指标监测（CSV）",
               "life_tables.xlsx": "寿命表（Excel）", "tables.xlsx": "数据表（Excel）", "CHANGES.html": "修订说明（网页）",
               "CHANGES.md": "修订说明（文本）", "CHANGES.csv": "修订明细（CSV）"}
SUFFIX_LABELS = {".pdf": "报告（PDF）", ".html": "报告（网页）", ".xlsx": "问题清单（Excel）", ".csv": "数据（CSV）"}


def file_label(name: str) -> str:
    """“报告（PDF）”“数据表（Excel）”“指标明细（CSV）”……"""
    return FILE_LABELS.get(name) or SUFFIX_LABELS.get(PurePosixPath(name).suffix.lower(), "附件")


def _check_block(entry: VersionEntry) -> str:
    """核对信息（折叠）：每个文件的 SHA-256、清单和校验和文件，供技术人员核对。"""
    rows = [f'<li>{html.escape(file_label(f["path"]))}<code>{f["sha256"]}</code></li>'
            for f in entry.manifest.get("files", [])]
    links = "、".join(f'<a href="{_href(entry.rel + "/" + name)}">{label}</a>'
                     for name, label in ((MANIFEST, "发布清单"), (SUMS, "校验和")))
    return (f'<details class="check"><summary>核对信息</summary><ul class="files">{"".join(rows)}</ul>'
            f'<p class="meta">{links}</p></details>')  # the program's commit stays in the manifest


def _file_list(entry: VersionEntry) -> str:
    items = []
    for f in entry.manifest.get("files", []):
        rel = f"{entry.rel}/{f['path']}"
        items.append(f'<li><a href="{_href(rel)}">{html.escape(file_label(f["path"]))}</a>'
                     f'<span class="size" title="{f["size"]} 字节">{_size(int(f["size"]))}</span></li>')
    return '<ul class="files">' + "".join(items) + "</ul>" + _check_block(entry)


def _version_block(entry: VersionEntry, latest: int) -> str:
    m = entry.manifest
    tags = ""
    if m.get("revision"):
        tags += '<span class="tag r" title="修订版">R</span>'
    if entry.version != latest:
        tags += f'<span class="tag old">已由{apparatus.version_label(latest)}替代</span>'
    anchor = "v-" + entry.rel.replace("/", "-")
    changes = ""
    if any(f["path"] == "CHANGES.html" for f in m.get("files", [])):
        changes = f' · <a href="{_href(entry.rel + "/CHANGES.html")}">修订说明</a>'
    period = period_label(m.get("period"))
    issue = _issue(m.get("period"))
    return (f'<div class="ver" id="{html.escape(anchor)}"><h4>{html.escape(issue or period)}　'
            f"{html.escape(apparatus.version_label(entry.version))}{tags}</h4>"
            f'<div class="meta">{html.escape(period)}{changes}</div>'
            f"{_file_list(entry)}</div>")


def _issue(period: Any) -> str:
    """刊头的期号（与报告刊头相同的文字；年度出版物不编期号）。"""
    text = str(period or "")
    try:
        label = apparatus.issue_label(text)
    except UserError:
        return ""
    return label if label.endswith("期") else ""


def _editions_section(entries: list[VersionEntry], catalogue: ReleaseCatalogue) -> str:
    by_edition: dict[str, dict[str | None, list[VersionEntry]]] = defaultdict(lambda: defaultdict(list))
    for e in entries:
        by_edition[e.manifest["edition"]][e.manifest.get("region_code")].append(e)
    order = list(catalogue.editions) + sorted(set(by_edition) - set(catalogue.editions))
    parts = ['<section id="editions"><h2>出版物</h2>']
    for eid in order:
        if eid not in by_edition:
            continue
        series = by_edition[eid]
        first = next(iter(series.values()))[0].manifest
        cls = first.get("classification", "")
        parts.append(f'<h3 id="ed-{eid}">{html.escape(first.get("edition_name", eid))}'
                     f'<span class="tag c-{html.escape(cls)}" title="{html.escape(first.get("classification_note", ""))}">'
                     f"{html.escape(cls)}</span></h3>")
        for region in sorted(series, key=lambda r: r or ""):
            versions = series[region]
            by_period: dict[str, list[VersionEntry]] = defaultdict(list)
            for v in versions:
                by_period[v.manifest.get("period") or ""].append(v)
            head = versions[0].manifest.get("region_name") or ("各期" if first.get("period") else "版本")
            newest = max(by_period)
            latest_v = max(v.version for v in by_period[newest])
            summary = f"{head}：最新 " + " ".join(x for x in (period_label(newest), apparatus.version_label(latest_v)) if x)
            parts.append(f"<details{' open' if len(series) == 1 else ''}><summary>{html.escape(summary)}</summary>")
            for period in sorted(by_period, reverse=True):
                group = sorted(by_period[period], key=lambda v: -v.version)
                latest = group[0].version
                parts += [_version_block(v, latest) for v in group]
            parts.append("</details>")
    parts.append("</section>")
    return "\n".join(parts)


def _bundles_section(bundles: dict[str, list[tuple[str, int, str, dict[str, Any]]]]) -> str:
    parts = ['<section id="bundles"><h2>收件包</h2>',
             ('<p class="note">每个收件单位一个压缩包，只含它可以收到的出版物；'
              "内容变化时新建下一版，已发出的包不会被改写。</p>")]
    for period in sorted(bundles, reverse=True):
        parts.append(f"<h3>{html.escape(period_label(period))}</h3>")
        by_recipient: dict[str, list[tuple[str, int, str, dict[str, Any]]]] = defaultdict(list)
        for item in bundles[period]:
            rid = (item[3].get("recipient") or {}).get("id") or item[0]
            by_recipient[rid].append(item)
        for rid in sorted(by_recipient):
            items = sorted(by_recipient[rid], key=lambda it: it[0], reverse=True)
            info = items[0][3]
            rec = info.get("recipient") or {}
            contents = "；".join(
                f"{e.get('title', '')} {apparatus.version_label(int(e.get('version') or 1))}"
                for e in info.get("editions", []))
            parts.append(f'<details><summary>{html.escape(rec.get("name", rid))}'
                         f'（{html.escape(rec.get("kind_label", ""))}）</summary>'
                         f'<div class="meta">最新一版内容：{html.escape(contents)}</div><ul class="files">')
            for n, (rel, size, digest, _) in enumerate(items):
                parts.append(f'<li><a href="{_href(rel)}">收件包（第{len(items) - n}版，压缩包）</a>'
                             f'<span class="size" title="{size} 字节">{_size(size)}</span>'
                             f'<details class="check"><summary>核对信息</summary><code>{digest}</code></details></li>')
            parts.append("</ul></details>")
        parts.append(f'<p class="meta">本期全部收件包的校验和：<a href="{_href(f"bundles/{period}/{SUMS}")}">校验和</a></p>')
    parts.append("</section>")
    return "\n".join(parts)


def _data_section(entries: list[VersionEntry], catalogue: ReleaseCatalogue) -> str:
    parts = ['<section id="data"><h2>数据资源目录</h2>',
             ('<p class="note">供其他部门复用的数字：指标数据字典（每个指标的定义、公式、单位、来源项目、分组）'
              "和各期指标明细整齐表（只含汇总数）。</p>")]
    dictionaries = sorted((e for e in entries if e.manifest["edition"] == "data_catalogue"), key=lambda e: -e.version)
    if dictionaries:
        d = dictionaries[0]
        links = " · ".join(f'<a href="{_href(d.rel + "/" + f["path"])}">{html.escape(_dictionary_label(f["path"]))}</a>'
                           for f in d.manifest.get("files", []) if f.get("role") == "published")
        parts.append(f"<h3>指标数据字典（{apparatus.version_label(d.version)}）</h3><p>{links}</p>")
    latest: dict[tuple[str, str | None, str | None], VersionEntry] = {}
    for e in entries:
        key = (e.manifest["edition"], e.manifest.get("region_code"), e.manifest.get("period"))
        if key not in latest or e.version > latest[key].version:
            latest[key] = e
    rows = []
    order = {eid: n for n, eid in enumerate(catalogue.editions)}
    keys = sorted(latest, key=lambda k: (order.get(k[0], 99), k[1] or ""))
    for key in sorted(keys, key=lambda k: k[2] or "", reverse=True):  # newest period first, stable within
        e = latest[key]
        for f in e.manifest.get("files", []):
            if f["path"] in TIDY_FILES and f.get("role") == "published":
                title = e.manifest.get("title", e.rel)
                rows.append(f'<li><a href="{_href(e.rel + "/" + f["path"])}">{html.escape(title)} · {html.escape(file_label(f["path"]))}</a>'
                            f'<span class="size">{apparatus.version_label(e.version)}，'
                            f'{_size(int(f["size"]))}</span></li>')
    if rows:
        parts.append('<h3>各期指标明细（整齐表）</h3><ul class="files">' + "".join(rows) + "</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _dictionary_label(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    return {".csv": "指标数据字典（CSV）", ".html": "指标数据字典（网页）"}.get(suffix, file_label(name))


def render_index(releases: Path, catalogue: ReleaseCatalogue) -> str:
    entries = scan_versions(releases)
    bundles = scan_bundles(releases)
    body = [
        "<!DOCTYPE html>",
        '<html lang="zh-Hans"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>统计资料发布索引</title><style>{CSS}</style></head><body>",
        "<header><h1>卫生健康统计资料发布索引</h1>",
        ('<p class="note">每种出版物、每个报告期的每一版都在这里；已发布的版本不会改动，修订另出新版并标记'
         '<span class="tag r">R</span>，附修订说明。每一版的“核对信息”中列有各文件的校验值，供核对文件是否完整、'
         "未被改动。本页为委内资料（列出了委内和县级受限的资料）。</p>"),
        '<nav><a href="#editions">出版物</a><a href="#bundles">收件包</a><a href="#data">数据资源目录</a></nav></header>',
        _editions_section(entries, catalogue),
        _bundles_section(bundles),
        _data_section(entries, catalogue),
        "</body></html>",
    ]
    return "\n".join(body) + "\n"


def write_index(releases: Path, catalogue: ReleaseCatalogue) -> Path:
    releases.mkdir(parents=True, exist_ok=True)
    path = releases / INDEX
    write_if_changed(path, with_embedded_font(render_index(releases, catalogue)).encode("utf-8"))
    return path
