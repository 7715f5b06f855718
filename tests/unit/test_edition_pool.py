"""The county editions' process pool leaves no child behind (pipeline.monthly.report._stop_resource_tracker).

A spawn pool starts multiprocessing's resource tracker as a child process that ignores SIGTERM; in the Jupyter
kernel the stage runs in, ipykernel's shutdown then waits seconds for it. Each case runs in a fresh process so that
pytest's own process keeps its tracker state."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_SCRIPT = """
import concurrent.futures, multiprocessing, os
import psutil
from multiprocessing import resource_tracker
from pipeline.monthly import report

with concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
    assert sorted(pool.map(abs, [-3, 2])) == [2, 3]
del pool
before = [p.pid for p in psutil.Process().children(recursive=True)]
assert resource_tracker._resource_tracker._pid in before, "a spawn pool should have started the tracker"
report._stop_resource_tracker()
after = [p.pid for p in psutil.Process().children(recursive=True)]
print(len(before), len(after), resource_tracker._resource_tracker._fd)
"""


@pytest.mark.skipif(os.name != "posix", reason="multiprocessing has a resource tracker process only on POSIX")
def test_no_child_process_is_left_after_the_pool() -> None:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    before, after, fd = done.stdout.split()
    assert int(before) >= 1
    assert int(after) == 0
    assert fd == "None"
    assert "leaked" not in done.stderr  # the tracker had nothing left to clean up


def test_stopping_without_a_tracker_does_nothing() -> None:
    done = subprocess.run([sys.executable, "-c", "from pipeline.monthly import report; report._stop_resource_tracker();"
                           " print('ok')"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
