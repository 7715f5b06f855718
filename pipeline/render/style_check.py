"""读者看到的文字的体例检查：PDF 的文字（pypdf）和 HTML 的可见文字（html.parser）。

不通过的情形（每条给出文件和原文片段）：
- 程序语言：ASCII 路径（a/b、a\\b）、.csv/.yaml/.py/.parquet/.json 文件名、“pipeline”、“params”；
- 允许表（ALLOWED_WORDS）以外的英文单词（两个及以上字母）；
- 范围号不统一：本项目的体例（GB/T 15834—2011）是时间、数量的起止一律用一字线“—”（1—12月、10—12月）或
  浪纹线“～”（1～4岁），不用连字符或短横线（1-12月、1–4岁）；
- 增长数字前的“+”（+3.2）；
- “比上年持平”（应为“与上年持平”）；
- 同一份文档中逐字重复的段落（20 个字以上）；
- 正文引用的表号（“见表3”“表3、表4”）在本文档中没有以此为表题（“表3　……”）的表；
- 表头在词中换行：PDF 中某个表头词（同名 HTML 中报告表格表头的一个不可拆分的词）没有完整地出现在任何一行里，
  即它被拆到了两行（“本/期”“2025/年”）；HTML 中报告表格的表头有不在词内的文字（可在任意处换行）。
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

# Latin words a reader may see: units, standard abbreviations and names that are not program words.
ALLOWED_WORDS = frozenset({
    "PDF", "Excel", "CSV", "HTML", "SHA", "GDP", "CPI", "CI", "ICD", "Chiang", "II", "mx", "qx", "ax", "lx", "Lx",
    "Tx", "ex", "Dx", "var", "se", "kg", "km", "cm", "mm", "ml", "mg", "KB", "MB", "R", "Noto", "Sans", "SC",
    "ln", "Silcocks", "dx", "nmx", "nqx", "nax", "npx", "ndx", "nLx", "e0", "a0", "n", "Q", "WHO", "CT", "MRI", "DRG", "DIP",
})

_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z0-9_.-]*[A-Za-z][A-Za-z0-9_.-]*/)+[A-Za-z0-9_.<>-]+|[A-Za-z]:\\\S+")
_FILE_WORD = re.compile(r"\.(?:csv|ya?ml|py|parquet|json|ipynb)\b|\bpipeline\b|\bparams\b", re.IGNORECASE)
_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2,}(?![A-Za-z0-9])")  # not inside codes such as 52430681MJJPBX429Y
_HYPHEN_RANGE = re.compile(r"\d+\s?[-–]\s?\d+\s?(?:月|岁|日|年|周|天|小时|个月)")
_PLUS = re.compile(r"(?<![A-Za-z0-9+)])\+\d")  # "+3.2", not the operator in "1 + 2.5M(x)"
_FLAT = "比上年持平"
_TITLE = re.compile(r"^(?:续)?表(\d+)[\u3000 ]")  # a table title "表3　……" (HTML <caption>)
_CITED = re.compile(r"(?<![续附])表(\d+)")  # a table cited in running text: "（见表3）", "见表3、表4"
MIN_REPEAT = 20


@dataclass(frozen=True)
class Finding:
    file: str
    rule: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.file}：{self.rule}：“{self.excerpt}”"


class _Visible(HTMLParser):
    """Paragraph-level visible text (skips style/script and the folded 核对信息 block's codes)."""

    _SKIP = {"style", "script", "code", "title"}  # <title> of a chart repeats its caption; the page's is metadata
    _PROSE = {"p", "li"}
    _BLOCKS = {"p", "li", "td", "th", "caption", "figcaption", "h1", "h2", "h3", "h4", "summary", "title", "div"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._skip = 0
        self._buf: list[str] = []
        self.paragraphs: list[str] = []
        self.prose: list[str] = []  # the paragraphs that are running text (a table cell may repeat, a paragraph not)
        self.labels: list[str] = []
        self._block = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        if tag in self._BLOCKS:
            self._flush()
            self._block = tag
        self.labels += [v for k, v in attrs if k in ("aria-label", "alt") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        if tag in self._BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._buf.append(data)

    def _flush(self) -> None:
        text = "".join(self._buf).strip()
        if text:
            self.paragraphs.append(text)
            if self._block in self._PROSE:
                self.prose.append(text)
        self._buf = []

    def close(self) -> None:
        super().close()
        self._flush()


def html_text_and_labels(html_text: str) -> tuple[list[str], list[str], list[str]]:
    """Visible text blocks, the running-text paragraphs among them, and the accessible labels (aria-label, alt)."""
    parser = _Visible()
    parser.feed(html_text)
    parser.close()
    return parser.paragraphs, parser.prose, parser.labels


def pdf_paragraphs(pdf: Path) -> list[str]:
    """The PDF's text, line by line (pypdf)."""
    from pypdf import PdfReader

    lines: list[str] = []
    for page in PdfReader(pdf).pages:
        lines += [line.strip() for line in (page.extract_text() or "").splitlines() if line.strip()]
    return lines


def check_text(name: str, paragraphs: list[str], *, check_repeats: bool = True) -> list[Finding]:
    """All findings for one document's reader text."""
    found: list[Finding] = []
    for text in paragraphs:
        for match in _PATH.finditer(text):
            found.append(Finding(name, "路径", match.group(0)))
        for match in _FILE_WORD.finditer(text):
            found.append(Finding(name, "文件名或程序用语", text[max(0, match.start() - 10):match.end() + 10]))
        for word in _WORD.findall(text):
            if word not in ALLOWED_WORDS:
                found.append(Finding(name, "英文词", word))
        for rule, pattern in (("范围号用了连字符", _HYPHEN_RANGE), ("增长数字前有“+”", _PLUS)):
            for match in pattern.finditer(text):
                found.append(Finding(name, rule, text[max(0, match.start() - 8):match.end() + 8]))
        if _FLAT in text:
            found.append(Finding(name, "应为“与上年持平”", _FLAT))
    return found + (repeats(name, paragraphs) if check_repeats else [])


def cited_tables(name: str, paragraphs: list[str], prose: list[str]) -> list[Finding]:
    """Tables cited in the running text (表N) that the document has no title for (a caption "表N　……")."""
    titles = {m.group(1) for p in paragraphs if (m := _TITLE.match(p))}
    return [Finding(name, "引用的表号没有对应的表", p[max(0, m.start() - 12):m.end() + 4])
            for p in prose for m in _CITED.finditer(p) if m.group(1) not in titles]


def repeats(name: str, paragraphs: list[str]) -> list[Finding]:
    """Paragraphs of MIN_REPEAT or more characters that occur more than once."""
    counts = Counter(p for p in paragraphs if len(p) >= MIN_REPEAT)
    return [Finding(name, "段落逐字重复", p[:40]) for p, n in counts.items() if n > 1]


class _HeaderWords(HTMLParser):
    """The words of the report tables' headers (<span class="w"> in <thead> of table.stat), and header text
    outside any word (it could wrap anywhere)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._stat = self._head = self._word = 0
        self.words: list[str] = []
        self.loose: list[str] = []
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table":
            self._stat += 1 if "stat" in classes else 0
        elif tag == "thead" and self._stat:
            self._head = 1
        elif tag == "span" and self._head and "w" in classes:
            self._word, self._buf = 1, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._word:
            self.words.append("".join(self._buf))
            self._word = 0
        elif tag == "thead":
            self._head = 0
        elif tag == "table" and self._stat:
            self._stat -= 1

    def handle_data(self, data: str) -> None:
        if self._word:
            self._buf.append(data)
        elif self._head and data.strip():
            self.loose.append(data.strip())


def header_words(html_text: str) -> tuple[list[str], list[str]]:
    parser = _HeaderWords()
    parser.feed(html_text)
    parser.close()
    return parser.words, parser.loose


def broken_header_words(name: str, pdf_lines: list[str], words: list[str]) -> list[Finding]:
    """Header words of two or more characters that no PDF line holds whole: broken across lines."""
    joined = [re.sub(r"[\s\u200b]", "", line) for line in pdf_lines]
    return [Finding(name, "表头在词中换行", w) for w in sorted(set(words))
            if len(w) >= 2 and not any(w in line for line in joined)]


def check_file(path: Path, *, check_repeats: bool = True) -> list[Finding]:
    """One produced document: .html (visible text; labels repeat their figure's caption, so they are checked
    but not counted as repeats) or .pdf (text lines; no repeat check — running heads and table headers repeat
    on every page by design). A listing page (the release index) passes check_repeats=False."""
    if path.suffix == ".html":
        html_text = path.read_text(encoding="utf-8")
        paragraphs, prose, labels = html_text_and_labels(html_text)
        found = check_text(path.name, paragraphs + labels, check_repeats=False)
        found += [Finding(path.name, "表头文字不在词内（可在任意处换行）", t) for t in header_words(html_text)[1]]
        found += cited_tables(path.name, paragraphs, prose)
        return found + (repeats(path.name, prose) if check_repeats else [])
    lines = pdf_paragraphs(path)
    found = check_text(path.name, lines, check_repeats=False)
    twin = path.with_suffix(".html")  # the same document's HTML names the header words
    if twin.is_file():
        found += broken_header_words(path.name, lines, header_words(twin.read_text(encoding="utf-8"))[0])
    return found


def check_reports(root: Path) -> list[Finding]:
    """Every report.html/.pdf and bulletin under reports/ (and the release index page, if given)."""
    files = sorted(p for p in root.rglob("*") if p.suffix in (".html", ".pdf") and "source" not in p.parts)
    return [f for path in files for f in check_file(path)]


def check_release_index(index: Path) -> list[Finding]:
    """The release index page: a listing (repeated lines are expected), otherwise the same rules."""
    return check_file(index, check_repeats=False)
