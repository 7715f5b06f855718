# 薄包装：真正的入口是 run.py（Windows 上没有 make 时直接运行 python run.py report / python run.py test）。
# 第一次运行会创建 .venv、安装固定版本的依赖（constraints.txt）、准备中文字体（约 1–2 分钟）。
PYTHON ?= python3

.PHONY: setup report test offline-kit lock sample-data bench bench-scale clean

setup:
	$(PYTHON) run.py setup

report:
	$(PYTHON) run.py report

test:
	$(PYTHON) run.py test

offline-kit:
	$(PYTHON) run.py offline-kit --zip

lock:
	$(PYTHON) run.py lock

sample-data: setup
	.venv/bin/python -m pipeline sample-data

bench: setup
	.venv/bin/python benchmarks/bench_repro.py

bench-scale: setup
	.venv/bin/python benchmarks/scale.py 1000 10000 30000

clean:
	rm -rf reports/monthly data/interim data/indicators .dvc/cache .dvc/tmp
