"""质控通报的公文结构：一、基本情况 二、存在问题 三、工作要求，落款和日期（表号由 bulletin 按各节的排列顺序连续编排）。

整改和反馈的期限由报告期和 ``qc.due_day`` 推出：本季度末月月报的报送截止日（次月 due_day 日）前在直报系统中
完成更正；再下一个月的 due_day 日前把核实情况书面反馈（数据无误的警告说明原因）。落款日期是刊头的编印日期
（params.yaml 的 report.release_date），不取时钟。
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pipeline.period import Month
from pipeline.render import apparatus


def _day(month: Month, due_day: int) -> dt.date:
    """该月的第 due_day 日（该月没有这一天时取月末）。"""
    nxt = month.shift(1)
    last = (dt.date(nxt.year, nxt.month, 1) - dt.timedelta(days=1)).day
    return dt.date(month.year, month.month, min(due_day, last))


def _date_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def deadlines(period: Month, due_day: int) -> tuple[str, str]:
    """(整改期限, 反馈期限)：次月 due_day 日、再次月 due_day 日。"""
    return _date_text(_day(period.shift(1), due_day)), _date_text(_day(period.shift(2), due_day))


def requirements(period: Month, due_day: int, has_problems: bool) -> str:
    """三、工作要求。"""
    rectify, feedback = deadlines(period, due_day)
    lines = [
        f"（一）限期整改。各县市区卫生健康行政部门要督促漏报、迟报和审核错误涉及的机构，于{rectify}前在直报系统中"
        "补报或更正；重报和机构代码问题须查明原因，按直报系统的规定办理。" if has_problems else
        f"（一）保持质量。本季度未发现须整改的问题，各县市区要继续按时报送，于每月报送截止日（次月{due_day}日）前完成上报。",
        f"（二）按时反馈。各县市区问题清单已分送各县市区，请逐条核实审核警告：数据有误的更正，数据无误的说明原因，"
        f"于{feedback}前将核实和整改情况书面反馈市卫生健康委。",
        "（三）加强日常审核。各机构报送前要对照审核规则自查，县市区要在报送截止日前完成本地区的审核，"
        "减少迟报和更正上报。",
    ]
    return "\n\n".join(lines)


def signature(org_name: str) -> str:
    """落款：单位和日期，右对齐（HTML 与 PDF 各有一个原样块，两个后端都原样保留）。"""
    app = apparatus.current()
    date = apparatus.date_label(app.release_date) if app is not None else ""
    html_lines = "".join(f'<p class="signature">{x}</p>' for x in (org_name, date) if x)
    typst_lines = " \\\n".join(x for x in (org_name, date) if x)
    return "\n\n".join([f"```{{=html}}\n{html_lines}\n```", f"```{{=typst}}\n#align(right)[{typst_lines}]\n```"])


def document(sections: Sequence[tuple[str, Sequence[tuple[str, str]] | str]]) -> str:
    """各节：（标题, 正文）或（标题, [(小标题, 正文), …]）→ markdown；小标题写作“（一）……”。"""
    numerals = "一二三四五六七八九十"
    out: list[str] = []
    for title, body in sections:
        out.append(f"## {title}")
        if isinstance(body, str):
            out.append(body)
            continue
        for n, (sub, text) in enumerate(body):
            out.append(f"### （{numerals[n]}）{sub}")
            out.append(text)
    return "\n\n".join(out)
