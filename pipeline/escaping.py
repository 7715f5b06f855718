"""One escaping function per target, for every data string (institution names, messages, file names) that reaches
a document or a file a user opens: markdown (→ HTML and PDF: pandoc's HTML and typst writers escape what they
write, so a string that reaches them as literal markdown text stays literal in both), HTML text and attributes
(the pages written directly as HTML), and spreadsheet cells (CSV and XLSX opened in Excel).

A string without special characters passes through unchanged, so documents built from clean data keep their bytes.
"""

from __future__ import annotations

import html
import re

# Characters pandoc's markdown reader gives a meaning inside a line: emphasis, code, links and images, spans and
# attributes, raw HTML and entities, citations (@key), math, sub/superscript, tables, inline notes (^[…]).
# Pandoc allows a backslash before any ASCII punctuation, so escaping them always yields the literal character.
MARKDOWN_SPECIAL = frozenset("\\`*_[]{}<>@$~^&|")
# C0 controls (except tab and newlines), DEL and the C1 controls: not text, and some crash writers (openpyxl
# refuses them) or hide content. Never dropped silently: spreadsheets show the Unicode control pictures (NUL → ␀);
# documents show □ (the report fonts have no control pictures).
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
_LINE_BREAK_RE = re.compile(r"[\r\n\t\u2028\u2029]+")
# A cell starting with one of these is run as a formula by Excel (OWASP "CSV injection"); tab and CR too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_RE = re.compile(r"[+-]?(\d[\d,]*)?(\.\d+)?([eE][+-]?\d+)?")


def _control_picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def visible_controls(text: str) -> str:
    """Control characters replaced by visible symbols (NUL → ␀); tab and line breaks kept."""
    return _CONTROL_RE.sub(_control_picture, text)


DOCUMENT_CONTROL = "\u25a1"  # □


def document_controls(text: str) -> str:
    """Control characters replaced by □ for HTML and PDF documents; tab and line breaks kept."""
    return _CONTROL_RE.sub(DOCUMENT_CONTROL, text)


def markdown_text(value: object) -> str:
    """A data string as literal markdown inline text: every markup character backslash-escaped, line breaks as
    spaces (a name must not end a table row or start a list), controls made visible."""
    text = _LINE_BREAK_RE.sub(" ", document_controls(str(value)))
    return "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in text)


def html_text(value: object) -> str:
    """A data string as HTML text or a quoted attribute value."""
    return html.escape(document_controls(str(value)), quote=True)


def is_number_text(text: str) -> bool:
    """'-12.5', '+3', '1,234', '-1e3': a number written as text (Excel reads it as a number, never a formula)."""
    return bool(text) and any(ch.isdigit() for ch in text) and _NUMBER_RE.fullmatch(text) is not None


def spreadsheet_text(value: str) -> str:
    """A text cell for CSV or XLSX: controls made visible, and a leading formula character (= + - @ tab CR) guarded
    by an apostrophe so Excel shows the text instead of running it; a number written as text is left alone."""
    text = visible_controls(value)
    if text.startswith(FORMULA_STARTS) and not is_number_text(text.strip()):
        return "'" + text
    return text


def needs_formula_guard(value: str) -> bool:
    """Whether an XLSX text cell needs Excel's quote prefix (the cell stays text even when edited)."""
    return value.startswith(FORMULA_STARTS) and not is_number_text(value.strip())
