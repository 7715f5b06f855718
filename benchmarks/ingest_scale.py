"""Benchmark of the ingest stage alone: N reporters × 24 months of direct-report CSV exports, read by
``pipeline.ingest.exports.ingest`` in a child process (wall time, peak RSS by getrusage), beside DuckDB reading
the same CSVs and computing the item sums by region × month × type in this process, as a ratio.

Run:  .venv/bin/python benchmarks/ingest_scale.py 1000 10000 30000
      .venv/bin/python benchmarks/ingest_scale.py 1000 --profile prof.out   (cProfile of the ingest child)

The exports, registry and regions are written by the generator of ``benchmarks/scale.py`` (the end-to-end
benchmark; seeded, the same N gives the same files; needs the sample city's canonical.parquet as value
templates, i.e. one ``dvc repro`` first). Prints figures only; never used as a test assertion. Linux only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.scale import (  # noqa: E402
    Layout, duckdb_reference, templates, write_exports, write_reference, write_registry)


def child(project: Path, profile: Path | None) -> None:
    """Run the ingest in this process (cwd = the generated project) and print wall s and peak RSS GB as JSON."""
    os.chdir(project)
    from pipeline.ingest import exports

    start = time.perf_counter()
    if profile is not None:
        import cProfile

        cProfile.runctx("exports.ingest(Path('data/raw'), progress=False, regions=Path('data/reference/regions.csv'))",
                        globals(), {"exports": exports, "Path": Path}, str(profile))
        result = None
    else:
        result = exports.ingest(Path("data/raw"), progress=False, regions=Path("data/reference/regions.csv"))
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss = usage.ru_maxrss / 1024 / 1024  # KiB on Linux
    accepted = result.clean.height if result is not None else -1
    # CPU seconds beside the wall time: on a shared, loaded machine the wall time mostly measures the others
    print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_gb": rss, "accepted": accepted}))


def bench(n: int, regions: int, profile: Path | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "data" / "reference").mkdir(parents=True)
        (project / "data" / "raw").mkdir(parents=True)
        layout = Layout(n, regions, "csv")
        counties = write_reference(project, layout)
        series = templates()
        registry = write_registry(project, layout, counties, series)
        size = write_exports(project, layout, registry, series)
        args = [sys.executable, __file__, "--child", str(project)] + (["--profile", str(profile)] if profile else [])
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"ingest failed:\n{proc.stderr[-3000:]}")
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        out["rows"] = registry.height * 24
        out["mib"] = size / 1024 / 1024
        out["duckdb_s"], out["duckdb_cpu"] = duckdb_reference(project, "csv")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="ingest alone at scale, beside DuckDB")
    parser.add_argument("reporters", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--regions", type=int, default=12, help="county-level units (a country has ~2,800)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the (first) ingest here")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.profile)
        return
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print("| reporters × 24 | rows | CSV MiB | ingest wall s | ingest CPU s | peak RSS GB | CPU µs/row "
          "| DuckDB read + sums s | DuckDB CPU s | ratio (wall) | ratio (CPU) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.reporters:
        r = bench(n, args.regions, args.profile)
        print(f"| {n:,} | {int(r['rows']):,} | {r['mib']:.0f} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['rss_gb']:.2f} "
              f"| {r['cpu'] / r['rows'] * 1e6:.1f} | {r['duckdb_s']:.2f} | {r['duckdb_cpu']:.2f} "
              f"| {r['wall'] / r['duckdb_s']:.1f}× | {r['cpu'] / r['duckdb_cpu']:.1f}× |",
              flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
