"""Benchmark at province and country scale: N reporters × 24 months of direct-report exports, then
ingest → qc → indicators, each stage timed with its peak RSS, beside DuckDB reading the same files and computing
the same group-by sums in the same run.

Run:  .venv/bin/python benchmarks/scale.py 1000 10000            (reporters; several sizes print one table)
      .venv/bin/python benchmarks/scale.py 30000 --regions 2800   (a national region table)
      .venv/bin/python benchmarks/scale.py 1000 --format xlsx     (xlsx exports instead of CSV)
      make bench-scale                                            (1k, 10k, 30k)

The exports are written by this script (not by pipeline.sample): one file per month in the direct-report
layout (a Chinese header row with the item labels of items.yaml, money in 千元), a registry with valid
GB 32100 / GB 11714 check characters, regions and population. Seeded: the same N gives the same files.
Prints figures only; never used as a test assertion. Linux/macOS only (per-stage peak RSS via os.wait4).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import polars as pl  # noqa: E402

from pipeline import catalogues  # noqa: E402
from pipeline.render import fonts  # noqa: E402
from tests.helpers import copy_project  # noqa: E402  (the same fresh-clone copy as the e2e test)

MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
CITY = "990000"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def credit_code(serial: int, region: str) -> str:
    """An 18-character 统一社会信用代码 (GB 32100) whose embedded 组织机构代码 (GB 11714) is valid too."""
    body8 = f"{serial:08d}"
    c9 = 11 - sum(int(ch) * w for ch, w in zip(body8, _ORG_WEIGHTS)) % 11
    org = body8 + {10: "X", 11: "0"}.get(c9, str(c9))
    head = "12" + region + org
    total = sum(_CREDIT_CHARS.index(ch) * w for ch, w in zip(head, _CREDIT_WEIGHTS))
    return head + _CREDIT_CHARS[(31 - total % 31) % 31]


@dataclass(frozen=True)
class Layout:
    reporters: int
    regions: int
    fmt: str


def write_reference(root: Path, layout: Layout) -> list[str]:
    ref = root / "data" / "reference"
    counties = [f"99{i // 100 + 1:02d}{i % 100:02d}" for i in range(layout.regions)]
    rows = [(CITY, "示例省", "市", "true")] + [(c, f"示例县{i + 1}", "县", "true") for i, c in enumerate(counties)]
    pl.DataFrame(rows, schema=["region_code", "region_name", "region_kind", "national_code"],
                 orient="row").write_csv(ref / "regions.csv")
    pop = [(c, y, 300_000 + 1_000 * (i % 97)) for i, c in enumerate(counties) for y in range(2020, 2026)]
    pop += [(CITY, y, sum(p for c, yy, p in pop if yy == y)) for y in range(2020, 2026)]
    pl.DataFrame(pop, schema=["region_code", "year", "population"], orient="row").write_csv(ref / "population.csv")
    return counties


def templates() -> pl.DataFrame:
    """The sample city's clean 24-month series, one per institution that filed all 24 months: realistic values
    that pass the QC rules (sub-items below their totals, plausible ratios and month-to-month changes)."""
    canonical = REPO / "data" / "interim" / "canonical.parquet"
    if not canonical.is_file():
        raise SystemExit("先运行一次 dvc repro（需要示例城市的 data/interim/canonical.parquet 作为数值模板）")
    clean = pl.read_parquet(canonical)
    full = clean.group_by("org_code").agg(pl.col("period").n_unique().alias("n")).filter(pl.col("n") == len(MONTHS))
    return clean.join(full.select("org_code"), on="org_code").sort("org_code", "period")


def write_registry(root: Path, layout: Layout, counties: list[str], series: pl.DataFrame) -> pl.DataFrame:
    """Reporter i copies template institution i mod M (its type, registration and level), in county i mod K."""
    first = series.unique("org_code", keep="first").sort("org_code")
    rows = []
    for i in range(layout.reporters):
        tpl = first.row(i % first.height, named=True)
        region = counties[i % len(counties)]
        rows.append((credit_code(i + 1, region), f"示例机构{i + 1:06d}", region, tpl["type_code"], tpl["reg_type"],
                     tpl["sponsor"], tpl["hospital_level"] or "", "false", "2000-01-01", "", tpl["org_code"]))
    registry = pl.DataFrame(rows, orient="row", schema=["org_code", "name", "region_code", "type_code", "reg_type",
                                                        "sponsor", "hospital_level", "is_branch", "opened", "closed",
                                                        "template"])
    registry.drop("template").write_csv(root / "data" / "reference" / "registry.csv")
    return registry


def write_exports(root: Path, layout: Layout, registry: pl.DataFrame, series: pl.DataFrame) -> int:
    """One file per month; each reporter's values are its template's, scaled by a constant factor in [0.8, 1.2]
    (rounded: rounding is monotone, so sub-items stay below their totals)."""
    cat = catalogues.items()
    labels = {e.id: e.label for e in cat.all}
    items = cat.item_ids
    raw = root / "data" / "raw"
    for child in raw.iterdir():
        if child.is_dir() and child.name != "annual":
            shutil.rmtree(child)
    factor = (pl.int_range(0, registry.height, eager=True) * 2654435761 % 401).cast(pl.Float64) / 1000 + 0.8
    reporters = registry.select("org_code", "name", "region_code", "type_code", "reg_type", "sponsor",
                                "hospital_level", "template").with_columns(factor=factor)
    total_bytes = 0
    for month in MONTHS:
        values = series.filter(pl.col("period") == month).select(pl.col("org_code").alias("template"), *items)
        frame = reporters.join(values, on="template", how="left").with_columns(
            period=pl.lit(month), submitted_at=pl.lit(f"{month}-05 10:00:00"),
            **{item: (pl.col(item) * pl.col("factor")).round(0) for item in items}).drop("template", "factor")
        frame = frame.select("org_code", "name", "region_code", "type_code", "reg_type", "sponsor",
                             "hospital_level", "period", "submitted_at", *items)
        frame = frame.rename({c: labels.get(c, c) for c in frame.columns})
        folder = raw / month
        folder.mkdir(parents=True, exist_ok=True)
        if layout.fmt == "xlsx":
            path = folder / f"月报_{month}.xlsx"
            frame.write_excel(path, autofit=False)
        else:
            path = folder / f"月报_{month}.csv"
            frame.write_csv(path)
        total_bytes += path.stat().st_size
    return total_bytes


def run_stage(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (GB) of one stage process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[2:4])} failed ({proc.returncode}):\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024 / 1024  # ru_maxrss: KiB on Linux


def duckdb_reference(root: Path, fmt: str) -> tuple[float, float]:
    """DuckDB reads the same exports and computes the item sums by region × month × type (the engine's core)."""
    import duckdb

    cat = catalogues.items()
    labels = [e.label for e in cat.items]
    pattern = (root / "data" / "raw" / "*" / f"*.{fmt}").as_posix()
    sums = ", ".join(f'sum("{label}")' for label in labels)
    con = duckdb.connect()
    start, cpu = time.perf_counter(), time.process_time()  # process_time: every thread of this process
    if fmt == "csv":
        source = f"read_csv('{pattern}', header=true, all_varchar=false)"
    else:
        con.execute("install excel; load excel")
        source = f"read_xlsx('{pattern}')"
    con.execute(f'select "行政区划代码", "报告期", "机构类别代码", {sums} from {source} group by all').fetchall()
    return time.perf_counter() - start, time.process_time() - cpu


def bench(layout: Layout, keep: Path | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        copy_project(REPO, project)
        counties = write_reference(project, layout)
        series = templates()
        registry = write_registry(project, layout, counties, series)
        size = write_exports(project, layout, registry, series)
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               "HEALTHSTATS_FONT_DIR": str(fonts.ensure_fonts())}
        py = [sys.executable, "-m", "pipeline"]
        out: dict[str, float] = {"rows": registry.height * len(MONTHS), "mib": size / 1024 / 1024}
        out["ingest_s"], out["ingest_cpu"], out["ingest_gb"] = run_stage(
            py + ["ingest", "--raw", "data/raw", "--out", "data/interim"], project, env)
        out["qc_s"], out["qc_cpu"], out["qc_gb"] = run_stage(py + [
            "qc", "--canonical", "data/interim/canonical.parquet", "--replaced", "data/interim/replaced.parquet",
            "--registry", "data/reference/registry.csv", "--regions", "data/reference/regions.csv",
            "--out", "data/qc", "--report-root", "reports/qc", "--annual", "data/raw/annual"], project, env)
        out["ind_s"], out["ind_cpu"], out["ind_gb"] = run_stage(py + [
            "indicators", "--canonical", "data/interim/canonical.parquet", "--regions", "data/reference/regions.csv",
            "--population", "data/reference/population.csv", "--holidays", "data/reference/holidays.csv",
            "--out", "data/indicators/indicators.parquet"], project, env)
        out["duckdb_s"], out["duckdb_cpu"] = duckdb_reference(project, layout.fmt)
        if keep is not None:  # for profiling one stage on its own afterwards
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(project, keep, ignore=shutil.ignore_patterns(".venv", ".git"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="ingest → qc → indicators at scale, beside DuckDB")
    parser.add_argument("reporters", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--regions", type=int, default=12, help="county-level units (a country has ~2,800)")
    parser.add_argument("--format", dest="fmt", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--keep", type=Path, help="copy the generated project (exports and stage outputs) here")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print("wall s / CPU s / peak RSS GB per stage; ratio = total wall ÷ DuckDB wall (CPU ratio in brackets)")
    print("| reporters × 24 | rows | exports MiB | ingest | qc | indicators | total s | DuckDB s | ratio | load |")
    print("|---:|---:|---:|---|---|---|---:|---:|---:|---:|")
    for n in args.reporters:
        r = bench(Layout(n, args.regions, args.fmt), args.keep)
        total = r["ingest_s"] + r["qc_s"] + r["ind_s"]
        cpu = r["ingest_cpu"] + r["qc_cpu"] + r["ind_cpu"]
        stages = " | ".join(f"{r[f'{s}_s']:.1f} / {r[f'{s}_cpu']:.1f} / {r[f'{s}_gb']:.2f}" for s in ("ingest", "qc", "ind"))
        print(f"| {n:,} | {int(r['rows']):,} | {r['mib']:.0f} | {stages} | {total:.1f} / {cpu:.1f} "
              f"| {r['duckdb_s']:.2f} / {r['duckdb_cpu']:.2f} | {total / r['duckdb_s']:.0f}× "
              f"({cpu / max(r['duckdb_cpu'], 1e-9):.0f}×) | {os.getloadavg()[0]:.1f} |", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
