"""Quarto for the tests: run the Quarto-backend tests when a supported Quarto is on PATH.

CI (.ci/run) installs the shared Quarto and sets HEALTHSTATS_REQUIRE_QUARTO=1: a missing or unsupported
Quarto then fails those tests instead of skipping them silently.
"""

from __future__ import annotations

import os

import pytest

from pipeline.render import quarto_backend

REQUIRE_ENV = "HEALTHSTATS_REQUIRE_QUARTO"
BACKENDS = ("pandoc", "quarto")


def require_quarto() -> quarto_backend.QuartoInstall:
    found = quarto_backend.find_quarto()
    if found is not None and found.supported:
        return found
    reason = "PATH 上没有 quarto" if found is None else found.unsupported_reason()
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason}，但 {REQUIRE_ENV} 要求运行 Quarto 后端测试")
    pytest.skip(f"{reason}：跳过 Quarto 后端测试")


def require(backend: str) -> None:
    if backend == "quarto":
        require_quarto()
