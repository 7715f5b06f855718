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
# # 卫生健康统计月报
# 本笔记本只设置参数、调用 `pipeline/` 中的函数并显示结果；由 `python -m pipeline monthly-report`（dvc 的
# monthly_report 阶段）用 papermill 执行。参数只来自 params.yaml 中本阶段声明的项。

# %% tags=["parameters"]
period = "2025-12"
indicators_path = "data/indicators/indicators.parquet"
out_dir = "reports/monthly/2025-12"
org_name = "岳阳市卫生健康委员会"
backend = "auto"
filing_path = "data/qc/filing.parquet"
annual_root = "reports/annual"

# %%
from pathlib import Path

from IPython.display import Markdown, display

from pipeline.monthly import report

doc = report.build_monthly(
    period=period, indicators_path=Path(indicators_path), out_dir=Path(out_dir), org_name=org_name,
    filing_path=Path(filing_path) if filing_path else None, annual_root=Path(annual_root) if annual_root else None,
)
display(Markdown(doc.markdown.split("---", 2)[2]))

# %%
result = report.render_monthly(doc, backend=backend)
print(f"排版后端：{result.backend}；HTML：{result.html.name}；PDF：{result.pdf.name}")
