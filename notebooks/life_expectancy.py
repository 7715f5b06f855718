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
# # 人均预期寿命测算报告
# 本笔记本只设置参数、调用 `pipeline/life/expectancy.py` 中的函数并显示结果；由
# `python -m pipeline life-expectancy`（dvc 的 life_expectancy 阶段）用 papermill 执行。
# 参数只来自 params.yaml 中本阶段声明的项。

# %% tags=["parameters"]
year = 2025
open_age = 85
underreporting = True
use_surveillance_imr = True
confidence = 0.95
min_person_years = 5000.0
a0 = 0.1  # or "cd_m0" / "cd_imr"
root = "."
out_dir = "reports/life_expectancy/2025"
org_name = "岳阳市卫生健康委员会"
backend = "auto"

# %%
from pathlib import Path

from IPython.display import Markdown, display

from pipeline.life import expectancy as le

params = le.LifeExpectancyParams(
    year=year, open_age=open_age, underreporting=underreporting, use_surveillance_imr=use_surveillance_imr,
    confidence=confidence, min_person_years=min_person_years, a0=a0,
)
result = le.compute(params, Path(root))
le.summary_frame(result).select("region_name", "sex", "e0", "e0_lower", "e0_upper", "unstable", "e0_change")

# %%
doc = le.build_report(result, Path(out_dir), org_name)
display(Markdown(doc.markdown.split("---", 2)[2]))

# %%
rendered = le.render_report(doc, backend=backend)
print(f"排版后端：{rendered.backend}；HTML：{rendered.html.name}；PDF：{rendered.pdf.name}；"
      f"寿命表：{doc.xlsx.name}；汇总：{doc.summary_csv.name}")
