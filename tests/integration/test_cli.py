"""The command line as a statistician meets it: Chinese help, Chinese errors, never a bare traceback."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from pipeline.cli import app


def test_help_lists_the_stages_in_chinese():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "indicators", "monthly-report", "county-reports", "qc", "life-table", "sample-data"):
        assert command in result.output
    flat = " ".join(result.output.split())  # the help text is wrapped to the terminal width
    assert "params.yaml" in flat and "dvc repro" in flat


def test_bad_input_gives_a_chinese_message_without_traceback(tmp_path):
    raw = tmp_path / "raw" / "2025-10"
    raw.mkdir(parents=True)
    (raw / "月报.xlsx").write_bytes(b"")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "ingest", "--raw", str(tmp_path / "raw"), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 1
    message = proc.stderr.split("错误：", 1)[1]  # after the progress line
    assert "空文件" in message and "月报.xlsx" in message and "处理办法" in message
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_missing_upstream_output_is_explained(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["indicators", "--canonical", "nope.parquet"])
    assert result.exit_code == 1
    assert "找不到规范数据表" in result.output and "dvc repro" in result.output
