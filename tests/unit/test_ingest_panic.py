"""A Rust panic inside calamine (pyo3's PanicException, a BaseException that python_calamine does not export) on a
damaged workbook becomes the usual Chinese refusal naming the file, not a traceback; other BaseExceptions pass."""

from __future__ import annotations

from pathlib import Path

import pytest
import python_calamine as pc

from pipeline.errors import UserError
from pipeline.ingest import files

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "read" / "ok_basic.xlsx"


class PanicException(BaseException):  # the name is what pyo3 gives its panic type
    pass


def _raise(exc: BaseException):
    def fail(*_args, **_kwargs):
        raise exc
    return fail


def test_a_panic_while_opening_is_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pc.CalamineWorkbook, "from_path", _raise(PanicException("index out of bounds")))
    with pytest.raises(UserError) as info:
        files._read_excel(FIXTURE, "月报.xlsx", files.Limits())
    assert "文件 月报.xlsx 已损坏" in str(info.value) and "重新从直报系统导出" in info.value.hint


def test_a_panic_while_reading_a_sheet_is_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pc.CalamineSheet, "to_python", _raise(PanicException("called `Option::unwrap()`")))
    with pytest.raises(UserError) as info:
        files._read_excel(FIXTURE, "月报.xlsx", files.Limits())
    assert "文件 月报.xlsx 的工作表已损坏" in str(info.value)


def test_an_interrupt_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pc.CalamineWorkbook, "from_path", _raise(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        files._read_excel(FIXTURE, "月报.xlsx", files.Limits())
