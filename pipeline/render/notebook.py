"""Execute the thin report notebooks with papermill, deterministically."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import UserError
from pipeline.io_utils import atomic_dir, atomic_path
from pipeline.period import Month

if TYPE_CHECKING:
    import nbformat

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
KERNEL = "python3"
KERNEL_ARGUMENTS = [
    "--IPKernelApp.log_level=CRITICAL",  # the kernel's start-up warning about local TCP transport is noise here
    # No IPython input history: a stage's kernel runs once and nobody scrolls back through it, and setting up the
    # history store and its saving thread is part of every kernel start (~0.1 s, measured).
    "--HistoryManager.enabled=False",
]


def strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop papermill's timings and other run-specific metadata so that same inputs give same bytes."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell["id"] = f"cell-{index}"  # stable ids instead of random ones
        if cell.get("outputs"):  # progress lines (stderr) describe the run, not the result: keep them out
            cell["outputs"] = _joined_streams([o for o in cell["outputs"] if not (o.get("output_type") == "stream"
                                                                                  and o.get("name") == "stderr")])
    return nb


def _joined_streams(outputs: list[Any]) -> list[Any]:
    """Adjacent outputs of the same stream as one output. The kernel sends what a cell prints in pieces whenever
    its output buffer is flushed, and a flush can fall inside one print (between the text and its newline: seen on
    a loaded machine), so the pieces are timing, not content. Only neighbours are joined: a figure or table shown
    between two prints stays between them."""
    joined: list[Any] = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (previous is not None and output.get("output_type") == "stream"
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] += output["text"]
        else:
            joined.append(output)
    return joined


def _start_kernel(cwd: Path) -> Any:  # -> jupyter_client.KernelManager
    """Start the stage's kernel (working folder `cwd`) without waiting for it to be ready: a Python process that
    takes ~0.5 s to boot, overlapped with the ~0.6 s this process spends loading papermill and jupytext."""
    from jupyter_client.manager import KernelManager

    kernel = KernelManager(kernel_name=KERNEL)
    try:
        kernel.start_kernel(cwd=str(cwd), extra_arguments=KERNEL_ARGUMENTS)
    except Exception as exc:  # noqa: BLE001 - no kernelspec, or Python cannot be started: say so in Chinese
        raise UserError(f"无法启动笔记本内核（{KERNEL}）：{exc}",
                        hint="请重新运行 python run.py setup（它会安装笔记本内核）") from exc
    return kernel


def execute(source: Path, output: Path, parameters: dict[str, Any], cwd: Path,
            aliases: dict[str, str] | None = None) -> None:
    """Run a jupytext percent-format notebook with papermill; write the executed, stripped .ipynb.

    ``aliases``: path texts to replace in the saved notebook (a temporary output folder → the final one), so the
    notebook reads the same whether or not the stage wrote into a temporary folder first."""
    kernel = _start_kernel(cwd)  # it boots in its own process while this one loads papermill and jupytext
    try:
        import jupytext
        import nbformat
        import papermill as pm

        nb = jupytext.read(source)
        nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        with tempfile.TemporaryDirectory(prefix="nb-") as tmp:
            src = Path(tmp) / (source.stem + ".ipynb")
            executed = Path(tmp) / (source.stem + ".out.ipynb")
            nbformat.write(nb, src)
            print(f"执行笔记本 {source.name}（papermill）……", file=sys.stderr)
            try:
                pm.execute_notebook(
                    str(src), str(executed), parameters=parameters, kernel_name=KERNEL, cwd=str(cwd),
                    progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                    stderr_file=sys.stderr,  # progress lines the notebook writes to stderr reach the user live
                    km=kernel,  # papermill hands it to nbclient, which then neither starts nor stops a kernel
                )
            except pm.PapermillExecutionError as exc:
                # An error raised by our own code inside the notebook: show its message, not the traceback.
                raise UserError(f"笔记本 {source.name} 第 {exc.exec_count} 个单元格出错：{exc.evalue}") from exc
            result = strip_volatile(nbformat.read(executed, as_version=4))
    finally:
        # Every output is written (and renamed into place) by the cells themselves, so once the last cell has run
        # the kernel has nothing left to do: stop it at once instead of waiting for its interpreter to wind down
        # (~0.3 s wall, 0.17 CPU s a stage, measured over six runs). jupyter_client kills its whole process group.
        kernel.shutdown_kernel(now=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(result)
    text += "" if text.endswith("\n") else "\n"  # as nbformat.write
    for temporary, final in sorted((aliases or {}).items(), key=lambda kv: -len(kv[0])):
        text = text.replace(temporary, final)
    with atomic_path(output) as tmp_out:
        tmp_out.write_text(text, encoding="utf-8")


def _rel_or_empty(path: Path | None, cwd: Path) -> str:
    return os.path.relpath(path.resolve(), cwd) if path is not None and path.is_file() else ""


def _run_report_notebook(name: str, out_key: str, out_path: Path, *, month: Month, indicators_path: Path,
                         org_name: str, backend: str, filing_path: Path | None, atomic: bool,
                         annual_root: Path | None = None, seeded: bool = False) -> None:
    """The monthly report notebooks share their parameters; only the output folder's name differs.

    ``atomic``: write into a temporary folder and swap it in at the end. ``seeded`` (the county editions): the
    temporary folder starts as a copy of the old set, so unchanged editions are kept and only the changed ones
    re-rendered, and the set is still swapped in whole."""
    if not indicators_path.is_file():
        raise UserError(f"找不到指标表 {indicators_path}", hint="请先运行 dvc repro（或 python -m pipeline indicators）")
    cwd = Path.cwd()

    def run(folder: Path) -> None:
        execute(
            NOTEBOOK_DIR / f"{name}.py",
            folder / f"{name}.ipynb",
            parameters={
                "period": str(month),
                "indicators_path": os.path.relpath(indicators_path.resolve(), cwd),
                out_key: os.path.relpath(folder.resolve(), cwd),
                "org_name": org_name,
                "backend": backend,
                "filing_path": _rel_or_empty(filing_path, cwd),
                "annual_root": os.path.relpath(annual_root.resolve(), cwd) if annual_root is not None else "",
            },
            cwd=cwd, aliases={os.path.relpath(folder.resolve(), cwd): os.path.relpath(out_path.resolve(), cwd)},
        )

    if not atomic:
        run(out_path)
        return
    with atomic_dir(out_path, seeded=seeded) as work:  # the whole set appears at once, or the previous one stays
        run(work)


def run_monthly_report(*, month: Month, indicators_path: Path, out_dir: Path, org_name: str, backend: str,
                       filing_path: Path | None = None, annual_root: Path | None = None) -> None:
    _run_report_notebook("monthly_report", "out_dir", out_dir, month=month, indicators_path=indicators_path,
                         org_name=org_name, backend=backend, filing_path=filing_path, atomic=True,
                         annual_root=annual_root)


def run_county_reports(*, month: Month, indicators_path: Path, out_root: Path, org_name: str, backend: str,
                       filing_path: Path | None = None, annual_root: Path | None = None) -> None:
    _run_report_notebook("county_reports", "out_root", out_root, month=month, indicators_path=indicators_path,
                         org_name=org_name, backend=backend, filing_path=filing_path, atomic=True,
                         annual_root=annual_root, seeded=True)
