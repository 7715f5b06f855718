"""发布前的保密检查：出版物里出现了哪些机构（统一社会信用代码或机构名称），是否超出其允许范围。

《卫生健康统计工作管理办法》：单个机构的数据保密，只能以汇总形式公布。出版物目录（editions.yaml）为每种出版物
规定允许出现的机构：none（不允许，只有汇总数）、region（只允许本县市区的机构）、all（全部，委内资料）。
release 在写出任何东西之前检查每个要发布的文件：

- HTML：可见文字、属性值和注释（不含样式表）；不允许 <script>/<iframe>/<object>/<embed>、外部资源和内嵌的图表数据
  （vega/altair 规格会把明细行写进 HTML）。
- XLSX：解开 zip，读全部 XML 部件的文字（单元格、共享字符串、工作表名、批注、文档属性都在其中）。
- CSV/TXT/MD/JSON/SVG：全文。
- PDF 不在这里解析（需要额外的库）：它与同目录的 HTML 由同一份 Markdown 排版而成，检查 HTML 即覆盖其文字；
  测试（tests/integration/test_release.py）另用 pypdf 逐页核对 PDF。

代码是主要依据（18 位，集合求交，不会误报）；名称是补充（按名称前 k 个字建索引、逐字扫描一遍，
k 为最短名称的长度；机构名称都在 6 个字以上，不会与县市区名称混淆）。
"""

from __future__ import annotations

import csv
import functools
import html as html_lib
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

CODE_RE = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])")
_XML_TEXT_RE = re.compile(r">([^<]+)<")
_XML_ATTR_RE = re.compile(r'(?:name|val|title|ref|t)="([^"]*)"')
TEXT_SUFFIXES = {".csv", ".txt", ".md", ".json", ".svg", ".tsv"}
_FORBIDDEN_TAGS = ("script", "iframe", "object", "embed")
# An external reference is `src=`, `href=`, `poster=` or `data=` (or `url(`), then an optional quote and
# `http:`/`https:`, then "//". The pattern is written backwards from its "//", so a page is searched only at its few
# "//" (the forward pattern has no literal to skip ahead to, so re tried it at every character of pages that are
# mostly base64 fonts and SVG; tests/unit/test_release_pieces.py checks the two agree).
_EXTERNAL_REVERSED_RE = re.compile(r"""//(?::s?ptth)?\s*["']?\s*(?:=\s*(?:crs|ferh|retsop|atad)\b|\(lru)""",
                                   re.IGNORECASE)


def references_external(data: str) -> bool:
    """Whether the page references something outside itself: a reversed match starting at some "//"."""
    j = data.find("//")
    if j < 0:
        return False
    reversed_data, n = data[::-1], len(data)
    while j >= 0:
        if _EXTERNAL_REVERSED_RE.match(reversed_data, n - j - 2):
            return True
        j = data.find("//", j + 1)
    return False


@dataclass(frozen=True)
class Registry:
    """Institutions known to the commission: code → region, name → regions."""

    code_region: dict[str, str]
    name_regions: dict[str, frozenset[str]]
    prefix_len: int = 1
    by_prefix: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, code_region: dict[str, str], name_regions: dict[str, frozenset[str]]) -> Registry:
        """Index names by their first k characters (k = the shortest name), so that a text is searched in one pass."""
        k = min((len(n) for n in name_regions), default=1)
        index: dict[str, list[str]] = {}
        for name in sorted(name_regions):
            index.setdefault(name[:k], []).append(name)
        return cls(code_region, name_regions, k, {p: tuple(v) for p, v in index.items()})

    @functools.cached_property
    def _starts(self) -> re.Pattern[str]:
        """Where a name can begin: a character some name begins with (a handful, the county and town names)."""
        firsts = sorted({p[0] for p in self.by_prefix})
        return re.compile("(?=[" + "".join(re.escape(c) for c in firsts) + "])" if firsts else "(?!)")

    def names_in(self, text: str) -> set[str]:
        # The regex scan (in C) skips every position no name can start at; the rest is the prefix lookup.
        k = self.prefix_len
        found: set[str] = set()
        for m in self._starts.finditer(text, 0, max(len(text) - k + 1, 0)):
            i = m.start()
            for name in self.by_prefix.get(text[i:i + k], ()):
                if text.startswith(name, i):
                    found.add(name)
        return found


def load_registry(path: Path) -> Registry:
    codes: dict[str, str] = {}
    names: dict[str, set[str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            code = (row.get("org_code") or "").strip().upper()
            name = (row.get("name") or "").strip()
            region = (row.get("region_code") or "").strip()
            if code:
                codes[code] = region
            if name:
                names.setdefault(name, set()).add(region)
    return Registry.build(codes, {k: frozenset(v) for k, v in names.items()})


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "style":
            self._skip += 1
        for name, value in attrs:
            if value and name not in ("style", "d", "transform", "points", "viewbox", "src"):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        self.parts.append(data)


def html_text(data: str) -> tuple[str, set[str]]:
    parser = _HtmlText()
    parser.feed(data)
    parser.close()
    return "\n".join(dict.fromkeys(p.strip() for p in parser.parts if p.strip())), parser.tags


def html_problems(data: str, tags: set[str] | None = None) -> list[str]:
    """Outgoing HTML must be self-contained and hold no embedded row-level data. `tags`: the elements html_text
    found, when the caller has parsed the page already."""
    if tags is None:
        _, tags = html_text(data)
    problems = [f"含有 <{t}> 元素" for t in _FORBIDDEN_TAGS if t in tags]
    if references_external(data):
        problems.append("引用了外部资源（http:// 或 https://），离线时无法打开")
    if re.search(r'"\$schema"\s*:\s*"https://vega|"datasets"\s*:|vegaEmbed', data):
        problems.append("内嵌了 vega/altair 图表规格（其中含明细数据行）")
    return problems


def xlsx_text(path: Path) -> str:
    parts: list[str] = []
    with zipfile.ZipFile(path) as zf:
        for name in sorted(zf.namelist()):
            if not name.endswith((".xml", ".rels", ".vml")):
                continue
            xml = zf.read(name).decode("utf-8", errors="replace")
            parts += [html_lib.unescape(t) for t in _XML_TEXT_RE.findall(xml)]
            parts += [html_lib.unescape(t) for t in _XML_ATTR_RE.findall(xml)]
    return "\n".join(dict.fromkeys(p.strip() for p in parts if p.strip()))


def csv_text(data: str) -> str:
    # the unique stripped cells in first-seen order; map and dict.fromkeys keep the per-cell work in C
    cells = dict.fromkeys(map(str.strip, itertools.chain.from_iterable(csv.reader(data.splitlines()))))
    cells.pop("", None)
    return "\n".join(cells)


def file_text(path: Path) -> str | None:
    """The searchable text of a published file (unique strings), or None for formats not read here (PDF)."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return html_text(path.read_text(encoding="utf-8", errors="replace"))[0]
    if suffix == ".xlsx":
        return xlsx_text(path)
    if suffix == ".csv":
        return csv_text(path.read_text(encoding="utf-8-sig", errors="replace"))
    if suffix in TEXT_SUFFIXES:
        return path.read_text(encoding="utf-8-sig", errors="replace")
    return None


@dataclass(frozen=True)
class Found:
    kind: str  # 代码 / 名称
    value: str
    regions: frozenset[str]


def institutions_in(text: str, registry: Registry) -> list[Found]:
    found: list[Found] = []
    for code in sorted(set(CODE_RE.findall(text.upper()))):
        if code in registry.code_region:
            found.append(Found("代码", code, frozenset({registry.code_region[code]})))
    for name in sorted(registry.names_in(text)):
        found.append(Found("名称", name, registry.name_regions[name]))
    return found


def violations(found: list[Found], scope: str, region_code: str | None) -> list[Found]:
    """Institutions outside what an edition may show (scope none / region / all)."""
    if scope == "all":
        return []
    if scope == "region":
        return [f for f in found if region_code not in f.regions]
    return list(found)


def screen_file(path: Path, registry: Registry, scope: str, region_code: str | None) -> list[str]:
    problems: list[str] = []
    text: str | None
    if path.suffix.lower() in (".html", ".htm"):  # parsed once, for both the problems and the text
        data = path.read_text(encoding="utf-8", errors="replace")
        text, tags = html_text(data)
        problems += html_problems(data, tags)
    else:
        text = file_text(path)
    if text is not None:
        for f in violations(institutions_in(text, registry), scope, region_code):
            where = "、".join(sorted(f.regions))
            problems.append(f"出现了不允许的机构{f.kind}“{f.value}”（属于 {where}）")
    return problems
