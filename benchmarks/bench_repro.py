"""Benchmark: cold and no-op `dvc repro` on the sample city, render time per document for each backend
(pandoc+typst and, when a supported Quarto is on PATH, Quarto), and the aggregation vs DuckDB.

Run: make bench   (or .venv/bin/python benchmarks/bench_repro.py)
Prints wall time and peak memory; never used as a test assertion.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers import copy_project  # noqa: E402  (the same fresh-clone copy as the e2e test)


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_aggregation() -> None:
    import duckdb
    import polars as pl

    from pipeline import catalogues
    from pipeline.ingest import exports as ingest
    from pipeline.monthly.indicators import compute, load_regions

    raw = REPO / "data" / "raw"
    t0 = time.perf_counter()
    res = ingest.ingest(raw, progress=False)
    t_ingest = time.perf_counter() - t0
    clean = res.clean
    regions = load_regions(REPO / "data" / "reference" / "regions.csv")
    items = catalogues.items().item_ids
    # Same question to both engines, from the same parquet file (DuckDB reads it natively, no pyarrow):
    # the sum of every item by region × month × type group, the core of the indicator engine.
    reps = 20
    with tempfile.TemporaryDirectory() as tmp:
        parquet = Path(tmp) / "clean.parquet"
        clean.write_parquet(parquet)
        t0 = time.perf_counter()
        for _ in range(reps):
            pl_out = (pl.scan_parquet(parquet).group_by(["region_code", "period", "type_group"])
                      .agg([pl.col(i).sum() for i in items]).collect())
        t_pl = (time.perf_counter() - t0) / reps
        con = duckdb.connect()
        sql = ("select region_code, period, type_group, " + ", ".join(f"sum({i}) as {i}" for i in items)
               + f" from read_parquet('{parquet.as_posix()}') group by all")
        con.execute(sql).fetchall()  # warm
        t0 = time.perf_counter()
        for _ in range(reps):
            dk_out = con.execute(sql).fetchall()
        t_dk = (time.perf_counter() - t0) / reps
    assert len(dk_out) == pl_out.height
    t0 = time.perf_counter()
    table = compute(clean, regions)
    t_engine = time.perf_counter() - t0
    print(f"ingest（读取 {res.report['reconciliation']['rows_read']} 行，{len(res.report['files'])} 个文件）：{t_ingest:.2f} s")
    print(f"分组汇总 {clean.height} 行：polars {t_pl * 1000:.2f} ms，DuckDB {t_dk * 1000:.2f} ms，比值 polars/DuckDB = {t_pl / t_dk:.2f}")
    print(f"完整指标引擎（{table.height} 行输出）：{t_engine:.2f} s")


def bench_render(proj: Path) -> None:
    """Render time per document for each backend, from the sources the repro wrote (Quarto only if supported)."""
    from pipeline.render import documents as render
    from pipeline.render import quarto_backend

    quarto = quarto_backend.find_quarto()
    backends = ["pandoc"]
    if quarto is not None and quarto.supported:
        backends.append("quarto")
    else:
        reason = "PATH 上没有 quarto" if quarto is None else quarto.unsupported_reason()
        print(f"排版用时：{reason}，只测 pandoc+typst 后端")
    totals = dict.fromkeys(backends, 0.0)
    sources = sorted((proj / "reports").glob("**/source/*.md"))
    with tempfile.TemporaryDirectory() as out:
        for md in sources:
            times = []
            for backend in backends:
                start = time.perf_counter()
                render.render_markdown(md, Path(out) / backend / md.parent.parent.name, stem=md.stem, backend=backend)
                elapsed = time.perf_counter() - start
                totals[backend] += elapsed
                times.append(f"{backend} {elapsed:.2f} s")
            print(f"排版 {md.relative_to(proj / 'reports').parent.parent.as_posix()}/{md.stem}：{'，'.join(times)}")
    summary = "，".join(f"{b} 共 {t:.1f} s（平均 {t / max(len(sources), 1):.2f} s）" for b, t in totals.items())
    print(f"排版用时（{len(sources)} 份文档）：{summary}")


def main() -> None:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    from pipeline.render import fonts

    env["HEALTHSTATS_FONT_DIR"] = str(fonts.ensure_fonts())
    with tempfile.TemporaryDirectory() as tmp:
        proj = Path(tmp) / "project"
        copy_project(REPO, proj)
        cold = timed(["dvc", "repro"], proj, env)
        noop = min(timed(["dvc", "repro"], proj, env) for _ in range(3))
        os.environ["HEALTHSTATS_FONT_DIR"] = env["HEALTHSTATS_FONT_DIR"]
        bench_render(proj)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"冷启动 dvc repro：{cold:.1f} s（目标 ≤ 60 s）")
    print(f"无变化 dvc repro：{noop:.2f} s（目标 ≤ 3 s，取 3 次最小值）")
    print(f"子进程峰值内存：{peak_mb:.0f} MB")
    bench_aggregation()
    print(f"本进程峰值内存：{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
