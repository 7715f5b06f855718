"""数据资源目录（数据共享）：由指标目录生成的指标数据字典，CSV 与 HTML 两种格式。

每个指标一行：定义、计算公式、单位、小数位、同比口径、来源项目（直报表中的项目）、分组、地区和时期。
全部内容由 pipeline/catalogues/ 中的 indicators.yaml、breakdowns.yaml、items.yaml 和地区表生成，
目录改了字典随之改变，不需要另外维护一份说明。各期的指标明细（整齐表 indicators.csv）在发布索引页中链接。
"""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

from pipeline import catalogues, formulas
from pipeline.catalogues import Indicator
from pipeline.io_utils import atomic_path
from pipeline.release.catalogue import read_region_codes
from pipeline.render.html_fonts import with_embedded_font

CSV_NAME = "indicators_dictionary.csv"
HTML_NAME = "indicators_dictionary.html"
COLUMNS = ("指标代码", "指标名称", "单位", "定义", "计算公式", "小数位", "同比口径", "来源项目", "来源项目代码",
           "分组", "地区", "时期", "备注")
CHANGE_WORDS = {"pct": "同比增长率（%）＝（本期－上年同期）÷上年同期×100",
                "pp": "同比增减（百分点）＝本期－上年同期",
                "diff": "同比增减＝本期－上年同期（单位同指标）"}
PERIODS = "本月；1–N月累计（同一年1月至本月）；每行另附上年同期值和同比"
# the columns of the published tidy table indicators.csv
FIELDS = (
    ("period", "报告期，年-月，如 2025-12"), ("period_type", "时期类型：本月 或 累计（1—N月）"),
    ("period_label", "时期的中文写法，如 2025年1—12月"), ("indicator_id", "指标代码（见本字典）"),
    ("indicator", "指标名称"), ("unit", "单位"), ("breakdown_id", "分组代码（见分组表）"), ("breakdown", "分组名称"),
    ("region_code", "行政区划代码（6 位，全市及各县市区）"), ("region", "地区名称"), ("value", "本期值（未舍入）"),
    ("base_value", "上年同期值（未舍入）"), ("change", "同比：增长率(%)、百分点或差值，单位见下一字段"),
    ("change_unit", "同比的单位"),
)


def _plain(label: str) -> str:
    return label.removeprefix("其中：").removeprefix("其中:")


def formula(ind: Indicator) -> str:
    """The catalogue's rule written out (pipeline/formulas.py, the same writer as the annual 主要指标解释)."""
    cat = catalogues.items()
    if formulas.is_plain_total(ind) and len(ind.numerator) == 1:  # “总诊疗人次数＝总诊疗人次数” says nothing
        return "各机构该项目之和（不经换算）"
    numerator = formulas.sum_text([_plain(cat.item(i).label) for i in ind.numerator])
    denominator = formulas.sum_text([_plain(cat.item(i).label) for i in ind.denominator]) if ind.denominator else None
    return f"{ind.name}＝{formulas.rule(ind, numerator, denominator, formulas.PERIOD)}"


def definition(ind: Indicator) -> str:
    cat = catalogues.items()
    items = [cat.item(i) for i in ind.numerator + ind.denominator]
    averaged = [_plain(cat.item(i).label) for i in ind.denominator
                if ind.average_denominator and cat.item(i).kind == "stock"]
    stocks = [_plain(i.label) for i in items if i.kind == "stock" and _plain(i.label) not in averaged]
    flows = [_plain(i.label) for i in items if i.kind == "flow"]
    parts = ["先把地区、分组内全部机构的各项目相加，再按公式计算（比率由合计数计算，不是机构比率的平均）"]
    if flows:
        parts.append(f"{'、'.join(flows)}为时期内的流量，累计期取各月之和")
    if stocks:
        parts.append(f"{'、'.join(stocks)}为月末存量，累计期取各月末数的平均")
    if averaged:
        parts.append(f"平均{'、'.join(averaged)}为期初与期末的平均，本月为（上月末＋本月末）÷2，"
                     "1—N月累计为（上年末＋N月末）÷2")
    if ind.per_population:
        parts.append("常住人口取报告年份的年末常住人口（缺时取最近一年）")
    return "；".join(parts) + "。"


def rows(regions_path: Path) -> list[dict[str, str]]:
    cat = catalogues.items()
    breakdowns = "；".join(f"{b.label.lstrip('#')}({b.id})" for b in catalogues.breakdowns())
    regions = read_region_codes(regions_path)
    region_text = "全市及各县市区：" + "、".join(regions.values())
    out = []
    for ind in catalogues.indicators():
        items = [cat.item(i) for i in ind.numerator + ind.denominator]
        out.append({
            "指标代码": ind.id, "指标名称": ind.name, "单位": ind.unit or "—", "定义": definition(ind),
            "计算公式": formula(ind), "小数位": str(ind.decimals), "同比口径": CHANGE_WORDS[ind.change],
            "来源项目": "；".join(f"{_plain(i.label)}（{i.unit}，{'月末存量' if i.kind == 'stock' else '流量'}）"
                              for i in items),
            "来源项目代码": "；".join(i.id for i in items), "分组": breakdowns, "地区": region_text,
            "时期": PERIODS, "备注": ind.note,
        })
    return out


def dictionary_csv(regions_path: Path) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(regions_path))
    return "\ufeff" + buffer.getvalue()


CSS = """
body{font-family:"Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;
max-width:64rem;padding:1rem;line-height:1.6;color:#222}
h1{font-size:1.35rem}h2{font-size:1.1rem;margin-top:1.8rem;border-bottom:1px solid #ccc}
.ind{border:1px solid #ccc;border-radius:6px;padding:.4rem .8rem;margin:.8rem 0}
.ind h3{font-size:1rem;margin:.2rem 0}dl{margin:0}dt{font-weight:bold;margin-top:.3rem}dd{margin:0 0 0 1rem}
.wrap{overflow-x:auto}table{border-collapse:collapse;font-size:.9rem}
th,td{border:1px solid #bbb;padding:.2rem .45rem;text-align:left;vertical-align:top}th{background:#f2f2f2}
code{overflow-wrap:anywhere}
""".strip()


# The grouping fields of breakdowns.yaml in words (the dictionary is read by statisticians, not programs).
FIELD_WORDS = {"type_group": "机构类别", "type_sub": "机构类型", "ownership": "经济类型", "level_class": "医院等级",
               "govt_run": "政府办", "tcm": "中医类"}


def _value_words(value: object) -> str:
    return {True: "是", False: "否"}.get(value, str(value)) if isinstance(value, bool) else str(value)


def dictionary_html(regions_path: Path) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-Hans"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>数据资源目录：指标数据字典</title><style>{CSS}</style></head><body>",
        "<h1>数据资源目录：卫生健康统计指标数据字典</h1>",
        ("<p>本字典说明月报指标明细（CSV）中每个指标的定义、计算公式、单位、来源项目和分组，"
         "供其他部门复用数字。各期的指标明细见发布索引页。机构的个体数据不在发布范围内，"
         "表中只有汇总数。同一内容另有 CSV 版本。</p>"),
        "<h2>一、指标</h2>",
    ]
    for row in rows(regions_path):
        parts.append(f'<section class="ind" id="ind-{e(row["指标代码"])}"><h3>{e(row["指标名称"])}</h3><dl>'
                     f'<dt>指标代码</dt><dd><code>{e(row["指标代码"])}</code></dd>')
        for key in ("单位", "计算公式", "定义", "小数位", "同比口径", "来源项目", "备注"):
            if row[key]:
                parts.append(f"<dt>{e(key)}</dt><dd>{e(row[key])}</dd>")
        parts.append("</dl></section>")
    parts.append("<h2>二、分组</h2>")
    parts.append('<div class="wrap"><table><thead><tr><th>分组代码</th><th>名称</th><th>包括的机构</th></tr></thead><tbody>')
    for b in catalogues.breakdowns():
        rule = "；".join(f"{FIELD_WORDS.get(k, k)}为{'、'.join(_value_words(v) for v in vals)}"
                        for k, vals in b.where.items()) or "全部机构"
        parts.append(f"<tr><td><code>{e(b.id)}</code></td><td>{e(b.label.lstrip('#'))}</td><td>{e(rule)}</td></tr>")
    parts.append("</tbody></table></div>")
    parts.append("<h2>三、来源项目（直报月报表）</h2>")
    parts.append('<div class="wrap"><table><thead><tr><th>项目代码</th><th>项目</th><th>单位</th><th>类型</th></tr>'
                 "</thead><tbody>")
    for item in catalogues.items().items:
        kind = "月末存量" if item.kind == "stock" else "流量"
        parts.append(f"<tr><td><code>{e(item.id)}</code></td><td>{e(item.label)}</td><td>{e(item.unit)}</td>"
                     f"<td>{kind}</td></tr>")
    parts.append("</tbody></table></div>")
    parts.append("<h2>四、指标明细表（CSV）的字段</h2>")
    parts.append('<div class="wrap"><table><thead><tr><th>字段</th><th>说明</th></tr></thead><tbody>')
    for name, text in FIELDS:
        parts.append(f"<tr><td><code>{e(name)}</code></td><td>{e(text)}</td></tr>")
    parts.append("</tbody></table></div>")
    parts.append("</body></html>")
    return with_embedded_font("\n".join(parts) + "\n")


def write_dictionary(out_dir: Path, regions_path: Path) -> tuple[str, ...]:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in ((CSV_NAME, dictionary_csv(regions_path)), (HTML_NAME, dictionary_html(regions_path))):
        with atomic_path(out_dir / name) as tmp:
            tmp.write_bytes(text.encode("utf-8"))
    return (CSV_NAME, HTML_NAME)
