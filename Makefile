# 两条命令即可：make report（生成示例城市的月报）和 make test（运行全部测试）。
# 第一次运行会创建 .venv、安装固定版本的依赖、准备中文字体（约 1–2 分钟）。
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup report test sample-data bench bench-scale clean

$(VENV)/.installed: pyproject.toml
	@echo "==> 创建虚拟环境并安装依赖（版本固定于 pyproject.toml）"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

.cache/fonts/.ready: $(VENV)/.installed
	$(BIN)/python -m pipeline setup-fonts
	@touch $@

setup: $(VENV)/.installed .cache/fonts/.ready

report: setup
	@echo "==> 运行流水线（dvc repro）"
	$(BIN)/dvc repro
	@echo "==> 完成。月报在 reports/monthly/$$($(BIN)/python -c 'import yaml;print(yaml.safe_load(open("params.yaml"))["period"])')/ 下：report.html、report.pdf、indicators.csv"

test: setup
	$(BIN)/python -m pytest

sample-data: setup
	$(BIN)/python -m pipeline sample-data

bench: setup
	$(BIN)/python benchmarks/bench_repro.py

bench-scale: setup
	$(BIN)/python benchmarks/scale.py 1000 10000 30000

clean:
	rm -rf reports/monthly data/interim data/indicators .dvc/cache .dvc/tmp
