"""vl-convert's chart engine: the report fonts registered once per process, and the engine started early.

The first conversion in a process starts vl-convert's JavaScript engine, about 0.6 CPU s (0.9 s wall, measured
here), which every stage and every county-edition worker that draws a chart pays before its first chart.
vl-convert does that work without holding Python's GIL, so a stage that will draw charts calls `warm_up()` when it
starts: the engine then starts on the other core while the stage reads its data and builds its tables, and the
first real chart waits (`ready()`) only for what is left. The engine is one per process, so a warmed engine is
the same engine the charts use; the charts' bytes do not depend on it (a tiny inline chart, no data, no URL).

Kept apart from charts.py, which imports altair (~0.5 s): starting the engine must not wait for that import.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

import vl_convert as vlc

from pipeline.render.fonts import ensure_fonts

_lock = threading.Lock()
_registered_font_dirs: set[str] = set()
_warm: threading.Thread | None = None

# One bar of inline data: enough to make vl-convert start its engine and load the registered fonts.
_TINY_SPEC: dict[str, Any] = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"values": [{"x": "一", "y": 1}]},
    "mark": "bar",
    "encoding": {"x": {"field": "x", "type": "nominal"}, "y": {"field": "y", "type": "quantitative"}},
}


def register_fonts() -> None:
    """每个进程只向 vl-convert 注册一次中文字体目录。"""
    font_dir = str(ensure_fonts().resolve())
    with _lock:
        if font_dir not in _registered_font_dirs:
            vlc.register_font_directory(font_dir)
            _registered_font_dirs.add(font_dir)


def _start_engine() -> None:
    try:
        register_fonts()
        vlc.vegalite_to_svg(_TINY_SPEC, allowed_base_urls=[])
    except Exception:  # noqa: BLE001 - the first real chart repeats both steps and reports what went wrong
        pass


def warm_up() -> None:
    """Start the engine in a background thread (once per process; later calls do nothing)."""
    global _warm
    with _lock:
        if _warm is not None:
            return
        _warm = threading.Thread(target=_start_engine, name="vl-convert-start", daemon=True)
        _warm.start()
    # a stage that fails before its first chart still lets the engine finish starting before the process exits
    atexit.register(ready)


def ready() -> None:
    """Wait for an engine start begun by `warm_up` (if any); then the fonts are registered and the engine is up."""
    thread = _warm
    if thread is not None:
        thread.join()


def started() -> bool:
    """Whether `warm_up` has been called in this process (for tests)."""
    return _warm is not None
