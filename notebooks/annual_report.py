# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 卫生健康统计报告及提要（年度）
# 本笔记本只设置参数、调用 `pipeline/annual/report.py` 中的函数并显示结果；由
# `python -m pipeline annual-report`（dvc 的 annual_report 阶段）用 papermill 执行。
# 参数只来自 params.yaml 中本阶段声明的项（annual.*、life_expectancy.year、report.*）和 dvc.yaml 中的输入路径。

# %% tags=["parameters"]
year = 2025
price_base_year = 2020
working_days = 251
raw_dir = "data/raw/annual"
reference_dir = "data/reference"
life_expectancy_dir = "reports/life_expectancy/2025"
monthly_indicators = "data/indicators/indicators.parquet"
out_dir = "reports/annual/2025"
org_name = "岳阳市卫生健康委员会"
backend = "auto"

# %%
from pathlib import Path

from IPython.display import Markdown, display

from pipeline.annual import report as annual_report

doc = annual_report.build_annual(
    year=year, raw_dir=Path(raw_dir), reference_dir=Path(reference_dir),
    life_expectancy_dir=Path(life_expectancy_dir) if life_expectancy_dir else None,
    out_dir=Path(out_dir), org_name=org_name, price_base_year=price_base_year,
    working_days=working_days, monthly_indicators=Path(monthly_indicators) if monthly_indicators else None,
)
display(Markdown(doc.markdown.split("---", 2)[2]))

# %%
rendered = annual_report.render_annual(doc, backend=backend)
print(f"排版后端：{rendered.backend}；HTML：{rendered.html.name}；PDF：{rendered.pdf.name}；"
      f"表格：{doc.tables_xlsx.name}；指标：{doc.indicators_csv.name}；监测：{doc.monitoring_csv.name}")
