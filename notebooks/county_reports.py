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
# # 卫生健康统计月报 · 县市区版
# 每个县市区一份：本地数字、在县市区中的位次和全市数字对比。只设置参数、调用 `pipeline/`、显示结果；
# 由 `python -m pipeline county-reports`（dvc 的 county_reports 阶段）用 papermill 执行。数据未变的县市区沿用已有版本。

# %% tags=["parameters"]
period = "2025-12"
indicators_path = "data/indicators/indicators.parquet"
out_root = "reports/county/2025-12"
org_name = "岳阳市卫生健康委员会"
backend = "auto"
filing_path = "data/qc/filing.parquet"
annual_root = "reports/annual"

# %%
from pathlib import Path

from pipeline.monthly import report

runs = report.build_county_editions(
    period=period, indicators_path=Path(indicators_path), out_root=Path(out_root), org_name=org_name, backend=backend,
    filing_path=Path(filing_path) if filing_path else None, annual_root=Path(annual_root) if annual_root else None,
)

# %%
import sys

print(f"县市区版：共 {len(runs)} 个")
# how many were re-rendered depends on the previous run, not on the inputs: a log line, kept out of the notebook
print(f"本次生成 {sum(r.rendered for r in runs)} 个，其余数据未变、沿用已有版本", file=sys.stderr)
