"""出版物的版本记录（刊头）：期号、编制单位、编印日期、版次和修订标记，以及页眉文字。

它们来自 params.yaml（``report.org_name``、``report.department``、``report.release_date``、``report.revisions``）
和报告期，不读时钟，所以重复运行逐字节相同。命令行（pipeline/cli.py）在执行笔记本之前用 ``export`` 把它们放进
环境变量 ``HEALTHSTATS_APPARATUS``（笔记本进程继承）；渲染器（documents.py）用 ``meta_for`` 把它们写进文档元数据，
模板印在标题下（HTML、PDF 同一段文字）和 PDF 页眉；排版记录（render_info）记下版次，发布时核对它与实际版本一致。

期号：月度出版物按月编号（2025年第12期），季度出版物按季编号（2025年第4期），年度出版物不编期号。
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import UserError

ENV = "HEALTHSTATS_APPARATUS"
_REGION_DIR = re.compile(r"^\d{6}$")
_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})|Q(?P<quarter>[1-4]))?$")


@dataclass(frozen=True)
class Apparatus:
    """一类出版物（edition 为 editions.yaml 中的编号）某一期的刊头要素。period：2025-12、2025Q4 或 2025。"""

    edition: str
    period: str
    org_name: str
    department: str
    release_date: str  # YYYY-MM-DD
    revisions: dict[str, int] = field(default_factory=dict)

    def version(self, region_code: str | None = None) -> int:
        """版次：report.revisions 中该出版物的值，没有写时为 1。按县市区分的出版物写作 county/430621；
        只写 county 时，对没有单独写出的各县市区版都适用（修订一个全市数字时，各县市区版同时修订）。"""
        if region_code:
            key = f"{self.edition}/{region_code}"
            return int(self.revisions.get(key, self.revisions.get(self.edition, 1)))
        return int(self.revisions.get(self.edition, 1))


def issue_label(period: str) -> str:
    """期号：2025-12 → 2025年第12期；2025Q4 → 2025年第4期；2025 → 2025年（年度出版物不编期号）。"""
    match = _PERIOD.match(period)
    if match is None:
        raise UserError(f"无法从报告期“{period}”推出期号", hint="报告期应写作 2025-12、2025Q4 或 2025")
    if match["month"]:
        return f"{match['year']}年第{int(match['month'])}期"
    if match["quarter"]:
        return f"{match['year']}年第{match['quarter']}期"
    return f"{match['year']}年"


def date_label(iso: str) -> str:
    """2026-01-15 → 2026年1月15日。"""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError as exc:
        raise UserError(f"params.yaml 中 report.release_date（{iso}）不是日期",
                        hint="请写作 YYYY-MM-DD，例如 2026-01-15") from exc
    return f"{day.year}年{day.month}月{day.day}日"


def version_label(version: int) -> str:
    """第1版；修订版：第2版（修订，R）。"""
    return f"第{version}版" if version <= 1 else f"第{version}版（修订，R）"


def masthead_items(app: Apparatus, region_code: str | None = None) -> list[str]:
    """刊头的各项（HTML 与 PDF 印同样的文字，发布索引也用它）。"""
    version = app.version(region_code)
    issue = issue_label(app.period)
    items = [issue] if issue.endswith("期") else []
    items += [f"编制单位：{app.org_name}{app.department}", f"编印日期：{date_label(app.release_date)}",
              version_label(version)]
    if version > 1:
        items.append("修订内容见随本版发布的修订说明")
    return items


def from_params(params: Mapping[str, Any], *, edition: str, period: str) -> Apparatus:
    """由阶段声明的参数（report.org_name、report.department、report.release_date、report.revisions）构造。"""
    revisions = params.get("report.revisions") or {}
    if not isinstance(revisions, dict) or not all(isinstance(v, int) and v >= 1 for v in revisions.values()):
        raise UserError("params.yaml 中 report.revisions 应为“出版物: 版次”的对照，版次为不小于 1 的整数",
                        hint="例如 revisions: {monthly: 2} 或 {county/430621: 2}；没有修订时写 {}")
    date_label(str(params["report.release_date"]))
    return Apparatus(edition=edition, period=period, org_name=str(params["report.org_name"]),
                     department=str(params["report.department"]), release_date=str(params["report.release_date"]),
                     revisions={str(k): int(v) for k, v in sorted(revisions.items())})


def export(app: Apparatus) -> None:
    """交给随后执行的笔记本进程（环境变量，笔记本和渲染器都在同一进程树中）。"""
    os.environ[ENV] = json.dumps(asdict(app), ensure_ascii=False, sort_keys=True)


def current() -> Apparatus | None:
    raw = os.environ.get(ENV, "")
    if not raw:
        return None
    data = json.loads(raw)
    return Apparatus(**data)


def region_of(md_path: Path) -> str | None:
    """按县市区分的出版物：markdown 在 <报告期>/<区划代码>/source/ 下，区划代码即其上两级目录名。"""
    for parent in list(md_path.resolve().parents)[:3]:
        if _REGION_DIR.match(parent.name):
            return parent.name
    return None


def meta_for(md_path: Path, title: str) -> dict[str, str]:
    """文档元数据：masthead（刊头一行）、runninghead（PDF 页眉）、edition_version（版次）；没有刊头时为空。"""
    app = current()
    if app is None:
        return {}
    region = region_of(md_path)
    items = masthead_items(app, region)
    head = "　".join(x for x in (title, items[0] if items[0].endswith("期") else "") if x)
    return {"masthead": "　".join(items), "runninghead": head, "edition_version": str(app.version(region)),
            "coverdate": date_label(app.release_date)}  # printed only on a cover (the annual report)
