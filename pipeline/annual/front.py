"""统计报告及提要的前置部分：封面、目录、说明和主要指标解释（如《中国卫生健康统计提要》，说明和指标解释在前）。

- 封面：报告题目、编制单位和编印日期（``report.release_date``，见 pipeline/render/apparatus.py，不取时钟），由两个
  模板按元数据 ``cover`` 排印（PDF 单独一页，无页眉页脚）；
- 目录：PDF 用 typst 的 ``outline``（带页码），HTML 为链到各章的列表（各章标题加上锚点）；
- 说明：``catalogues/annual_front.yaml`` 的开头几段，再接报告的资料来源和口径各条；
- 主要指标解释：目录中列出的年度指标，先写含义（目录文字），比率类指标再写由年度指标目录的分子、分母得出的计算公式
  （合计类指标不写“某某＝某某”）。
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline import CATALOGUE_DIR, formulas
from pipeline.annual.indicators import AnnualCatalogue, AnnualIndicator
from pipeline.errors import UserError
from pipeline.io_utils import read_yaml

FRONT_PATH = CATALOGUE_DIR / "annual_front.yaml"
_SECTION = re.compile(r"^## (?P<title>[^\n{]+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Explanation:
    indicator: str
    text: str
    formula: bool = True


@dataclass(frozen=True)
class FrontCatalogue:
    intro: tuple[str, ...]
    terms: dict[str, str]
    indicators: tuple[Explanation, ...]


@cache
def front_catalogue(path: Path = FRONT_PATH) -> FrontCatalogue:
    raw = read_yaml(path)
    entries = []
    for e in raw.get("indicators") or []:
        if not isinstance(e, dict) or not e.get("id"):
            raise UserError(f"{path.name}：indicators 的每一条都要有 id（年度指标代码）")
        entries.append(Explanation(indicator=str(e["id"]), text=str(e.get("text") or "").strip(),
                                   formula=bool(e.get("formula", True))))
    return FrontCatalogue(intro=tuple(raw.get("intro") or ()), terms=dict(raw.get("terms") or {}),
                          indicators=tuple(entries))


def _term(cat: AnnualCatalogue, front: FrontCatalogue, item_id: str, indicator: str) -> str:
    if item_id in front.terms:
        return front.terms[item_id]
    label = cat.items.labels.get(item_id)
    if label is None:
        raise UserError(f"{FRONT_PATH.name}：指标 {indicator} 的项目 {item_id} 没有中文名称",
                        hint="在 terms 中补上它的名称，或给这条指标解释写 formula: false")
    return label.removeprefix("其中：").removeprefix("其中:")


def formula(ai: AnnualIndicator, cat: AnnualCatalogue, front: FrontCatalogue) -> str | None:
    """The indicator's rule in words (pipeline/formulas.py, the same writer as the data dictionary), or None
    where it would only restate the name (a plain total)."""
    ind = ai.ind
    if ai.method or ai.source == "life_expectancy" or (formulas.is_plain_total(ind) and not ai.share_of):
        return None
    num = formulas.sum_text([_term(cat, front, i, ai.id) for i in ind.numerator])
    if ai.share_of is not None:
        return f"{ind.name}＝本组{num}÷全市医疗卫生机构{num}×100%"
    den = formulas.sum_text([_term(cat, front, i, ai.id) for i in ind.denominator]) if ind.denominator else None
    text = formulas.rule(ind, num, den, formulas.ANNUAL)
    if ai.deflate:
        text += "（按可比价格折算）"
    return f"{ind.name}＝{text}"


def explanations(cat: AnnualCatalogue, front: FrontCatalogue | None = None) -> list[str]:
    """主要指标解释, one paragraph each: “**名称**（单位）：含义。计算公式：……。”"""
    front = front or front_catalogue()
    out = []
    for e in front.indicators:
        try:
            ai = cat.indicator(e.indicator)
        except (KeyError, LookupError, UserError) as exc:
            raise UserError(f"{FRONT_PATH.name}：主要指标解释中的 {e.indicator} 不在年度指标目录中") from exc
        rule = formula(ai, cat, front) if e.formula else None
        if not e.text and rule is None:
            raise UserError(f"{FRONT_PATH.name}：指标 {e.indicator}（{ai.name}）是合计数，需要写出含义（text）",
                            hint="“某某＝某某”不说明任何东西，请写明统计范围和时点")
        unit = f"（{ai.unit}）" if ai.unit else ""
        sentence = e.text.rstrip("。") + "。" if e.text else ""
        if rule:
            sentence += f"计算公式：{rule}。"
        out.append(f"**{ai.name}**{unit}：{sentence}")
    return out


def intro(front: FrontCatalogue, *, city: str, year: int, org: str) -> list[str]:
    return [p.format(city=city, year=year, org=org) for p in front.intro]


def front_sections(cat: AnnualCatalogue, notes: Sequence[str], *, city: str, year: int, org: str) -> list[str]:
    """The markdown of 说明 (the catalogue's opening paragraphs, then the report's numbered notes) and
    主要指标解释; the 目录 goes before them (with_contents)."""
    front = front_catalogue()
    md = ["## 说明", ""]
    for p in intro(front, city=city, year=year, org=org):
        md += [p, ""]
    for n in notes:
        md += [n, ""]
    md += ["## 主要指标解释", ""]
    for p in explanations(cat, front):
        md += [p, ""]
    return md


def with_contents(markdown: str, after: str) -> str:
    """Give every section heading (“## …”) an anchor and put the 目录 before the line `after` (the first
    front section): a typst outline with page numbers for the PDF, a list of links for the HTML."""
    titles: list[str] = []

    def anchor(match: re.Match[str]) -> str:
        titles.append(match["title"])
        return f"## {match['title']} {{#part-{len(titles)}}}"

    body = _SECTION.sub(anchor, markdown)
    items = "\n".join(f'<li><a href="#part-{i}">{html.escape(t)}</a></li>' for i, t in enumerate(titles, start=1))
    contents = ("```{=typst}\n#outline(title: align(center)[目录], depth: 2, indent: auto)\n#pagebreak(weak: true)\n```\n\n"
                f'```{{=html}}\n<nav class="toc" aria-label="目录">\n<div class="toc-title">目录</div>\n<ol>\n{items}\n'
                "</ol>\n</nav>\n```\n\n")
    marker = f"## {after} {{#part-"
    at = body.find(marker)
    if at < 0:
        raise ValueError(f"no section {after!r} to put the contents before")
    return body[:at] + contents + body[at:]
