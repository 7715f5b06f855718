"""HTML 的无障碍与复制整洁：表题进 <caption>、全角空格缩进改为样式、图表只有中文的无障碍标签。

pandoc 把 markdown 中紧贴表格的表题“表3　……”写成表格前的 <p>：读屏软件不知道它是表题。这里把它移进
<caption>（样式见 report.css，外观不变）。表格首列的细项用全角空格缩进（markdown 表格会去掉普通空格）：
HTML 中改为 class="ind1"/"ind2"（CSS 缩进），复制时不会带上空白字符。Vega 生成的 SVG 给每个元素写了英文的
aria-label（“Y-axis titled …”）：图的根元素已有中文标签（图题，role="img"），其内部元素的标签一律去掉。
"""

from __future__ import annotations

import re

_TITLE_TABLE = re.compile(r"<p>(?P<title>表\d+\u3000(?:(?!</p>).)*)</p>\s*<table(?P<attrs>[^>]*)>", re.DOTALL)
_INDENT_CELL = re.compile(r"<td(?P<attrs>[^>]*)>(?P<spaces>\u3000+)")
_SVG_BLOCK = re.compile(r"(<svg\b[^>]*>)(.*?)(</svg>)", re.DOTALL)
_INNER_ARIA = re.compile(r'\s(?:aria-label|aria-roledescription|role)="[^"]*"')
_SVG_LABEL = re.compile(r'\saria-label="(?P<label>[^"]*)"')


def captions(html_text: str) -> str:
    """<p>表N　…</p><table> → <table><caption>表N　…</caption>。"""
    return _TITLE_TABLE.sub(lambda m: f"<table{m['attrs']}>\n<caption>{m['title']}</caption>", html_text)


def css_indents(html_text: str) -> str:
    """<td>　　细项 → <td class="ind2">细项。"""

    def replace(match: re.Match[str]) -> str:
        attrs, depth = match["attrs"], len(match["spaces"])
        cls = f"ind{depth}"
        if 'class="' in attrs:
            return "<td" + attrs.replace('class="', 'class="' + cls + " ", 1) + ">"
        return f'<td{attrs} class="{cls}">'

    return _INDENT_CELL.sub(replace, html_text)


def chart_labels(html_text: str) -> str:
    """图的根 <svg> 保留中文标签并加 <title>；内部元素的（英文）无障碍标签去掉。"""

    def replace(match: re.Match[str]) -> str:
        root, inner, end = match.groups()
        label = _SVG_LABEL.search(root)
        title = f"<title>{label['label']}</title>" if label else ""
        return root + title + _INNER_ARIA.sub("", inner) + end

    return _SVG_BLOCK.sub(replace, html_text)


def improve(html_text: str) -> str:
    """依次：表题、缩进、图表标签（确定性的文本替换，同样输入同样输出）。"""
    return chart_labels(css_indents(captions(html_text)))
