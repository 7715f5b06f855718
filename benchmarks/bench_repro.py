"""Benchmark: cold (per stage) and no-op `dvc repro` on the sample city, one extra county edition, render time per
document for each backend (pandoc+typst and, when a supported Quarto is on PATH, Quarto), and the aggregation vs
DuckDB. The machine's load (`uptime`) is printed with the figures: on a shared machine they mean little without it.

Run: make bench   (or .venv/bin/python benchmarks/bench_repro.py [--hashes FILE] [--skip-render] [--skip-aggregation])
"Cold" starts from a fresh copy of the project and a font folder with only the four font files (no cached
subsets). --hashes writes the SHA-256 of every file under reports/ and data/ after the cold repro (compare two runs'
files to show that a change kept the outputs byte-identical). Never used as a test assertion.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import resource
import shutil
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


def load() -> str:
    """The machine's load averages (1, 5, 15 min) and core count, as `uptime` reports them."""
    one, five, fifteen = os.getloadavg()
    return f"负载 {one:.2f} / {five:.2f} / {fifteen:.2f}（1/5/15 分钟，{os.cpu_count()} 核）"


_STAGE_LINE = re.compile(r"^Running stage '([^']+)'")


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process so far, their own children included: unlike
    wall time, barely changed by how many other programs share the cores."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def repro_by_stage(cwd: Path, env: dict[str, str]) -> tuple[float, dict[str, float]]:
    """`dvc repro`, timing each stage from its "Running stage" line to the next one (or the end)."""
    start = time.perf_counter()
    marks: list[tuple[str, float]] = []
    proc = subprocess.Popen(["dvc", "repro"], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, encoding="utf-8", errors="replace")
    assert proc.stdout is not None
    tail: list[str] = []
    for line in proc.stdout:
        tail = (tail + [line])[-40:]
        match = _STAGE_LINE.match(line.strip())
        if match:
            marks.append((match.group(1), time.perf_counter()))
    if proc.wait() != 0:
        sys.exit("dvc repro 失败：\n" + "".join(tail))
    end = time.perf_counter()
    stages = {name: (marks[k + 1][1] if k + 1 < len(marks) else end) - t for k, (name, t) in enumerate(marks)}
    return end - start, stages


def fresh_font_dir(dest: Path) -> Path:
    """A font folder with the four prepared fonts and nothing else (no subsets cached by earlier runs)."""
    from pipeline.render import fonts

    source = fonts.ensure_fonts()
    dest.mkdir(parents=True)
    for name in fonts.FONT_FILENAMES:
        shutil.copy2(source / name, dest / name)
    return dest


def output_hashes(proj: Path) -> str:
    """"<sha256>  <path>" for every file under reports/ and data/, sorted by path."""
    lines = []
    for top in ("reports", "data"):
        for path in sorted((proj / top).rglob("*")):
            if path.is_file():
                lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(proj).as_posix()}")
    return "\n".join(lines) + "\n"


_EDITION_SCRIPT = """
import sys, time
from pathlib import Path
t0 = time.perf_counter()
from pipeline.monthly import report, resources
from pipeline.render import documents
from pipeline.period import Month
import yaml
params = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))
month = Month.parse(str(params["period"]))
table, filing = report._read_inputs(Path("data/indicators/indicators.parquet"), Path("data/qc/filing.parquet"))
annual = resources.annual_year_end(Path("reports/annual"), month)
codes = sorted(p.name for p in Path("reports/county", str(month)).iterdir() if p.is_dir())[:3]
print(f"imports {time.perf_counter() - t0:.3f}")
for code in codes:
    t, c = time.perf_counter(), time.process_time()
    doc = report.build_edition(table, month, code, Path(sys.argv[1]) / code, params["report"]["org_name"], filing, annual)
    report.render_monthly(doc, "pandoc")
    print(f"edition {code} {time.perf_counter() - t:.3f} {time.process_time() - c:.3f}")
"""


def bench_extra_edition(proj: Path, env: dict[str, str]) -> None:
    """One more county edition in a fresh process with a fresh font folder (no cached subsets): import time, then
    three editions built and rendered (pandoc+typst) one after another; the second and third are what one extra
    edition costs in a running stage."""
    with tempfile.TemporaryDirectory() as out:
        fonts_env = {**env, "HEALTHSTATS_FONT_DIR": str(fresh_font_dir(Path(out) / "fonts"))}
        proc = subprocess.run([sys.executable, "-c", _EDITION_SCRIPT, str(Path(out) / "editions")], cwd=proj,
                              env=fonts_env, capture_output=True, text=True, check=True)
    for line in proc.stdout.splitlines():
        kind, *rest = line.split()
        if kind == "imports":
            print(f"县市区版进程导入：{float(rest[0]):.2f} s")
        else:
            print(f"一个县市区版（{rest[0]}，构建 + 排版）：{float(rest[1]):.2f} s，本进程 CPU {float(rest[2]):.2f} s"
                  f"（不含 pandoc 子进程；{load()}）")


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hashes", type=Path, help="write the SHA-256 of every output file after the cold repro")
    parser.add_argument("--skip-render", action="store_true", help="skip the per-document render times")
    parser.add_argument("--skip-aggregation", action="store_true", help="skip the polars/DuckDB comparison")
    args = parser.parse_args()
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    with tempfile.TemporaryDirectory() as tmp:
        env["HEALTHSTATS_FONT_DIR"] = str(fresh_font_dir(Path(tmp) / "fonts"))
        proj = Path(tmp) / "project"
        copy_project(REPO, proj)
        print(f"开始：{load()}")
        cpu = children_cpu()
        cold, stages = repro_by_stage(proj, env)
        print(f"冷启动 dvc repro：{cold:.1f} s（目标 ≤ 30 s；CPU 时间 {children_cpu() - cpu:.1f} s；{load()}）")
        for name, seconds in stages.items():
            print(f"  阶段 {name}：{seconds:.1f} s")
        if args.hashes:
            args.hashes.write_text(output_hashes(proj), encoding="utf-8")
            print(f"输出文件的 SHA-256 已写入 {args.hashes}")
        noop = min(timed(["dvc", "repro"], proj, env) for _ in range(3))
        print(f"无变化 dvc repro：{noop:.2f} s（目标 ≤ 1 s，取 3 次最小值；{load()}）")
        bench_extra_edition(proj, env)
        os.environ["HEALTHSTATS_FONT_DIR"] = env["HEALTHSTATS_FONT_DIR"]
        if not args.skip_render:
            bench_render(proj)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"子进程峰值内存：{peak_mb:.0f} MB")
    if not args.skip_aggregation:
        bench_aggregation()
    print(f"本进程峰值内存：{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
