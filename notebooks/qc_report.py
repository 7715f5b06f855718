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
# # 医疗卫生机构月报数据质量通报（质控通报）
# 本笔记本只设置参数、调用 `pipeline/` 中的函数并显示结果；由 `python -m pipeline qc`（dvc 的 qc 阶段）用
# papermill 执行。参数只来自 params.yaml 中本阶段声明的项。通报含机构名单，为委内资料。

# %% tags=["parameters"]
period = "2025-12"
results_path = "data/qc/results.parquet"
filing_path = "data/qc/filing.parquet"
regions_path = "data/reference/regions.csv"
out_dir = "reports/qc/2025-12"
org_name = "岳阳市卫生健康委员会"
due_day = 20
backend = "auto"

# %%
from pathlib import Path

from IPython.display import Markdown, display

from pipeline.qc import bulletin as qc_report
from pipeline.qc import checks as qc

data = qc_report.load(period=period, results_path=Path(results_path),
                      filing_path=Path(filing_path), regions_path=Path(regions_path))
print(qc.summary_text(data.summary))

# %%
doc = qc_report.build_bulletin(data, out_dir=Path(out_dir), org_name=org_name, due_day=due_day)
display(Markdown(doc.body))

# %%
result = qc_report.render_bulletin(doc, backend=backend)
print(f"排版后端：{result.backend}；HTML：{result.html.name}；PDF：{result.pdf.name}")

# %%
paths = qc_report.write_county_workbooks(data, Path(out_dir) / qc_report.COUNTY_DIR, org_name=org_name)
print(f"县市区问题清单 {len(paths)} 个：" + "、".join(p.name for p in paths))
