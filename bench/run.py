"""Benchmarks at demo scales: build, page renders, named queries, memory, and a pandas baseline.

    .venv/bin/python bench/run.py [--scales 1,10,60] [--out bench/RESULTS.md]

For each scale: warehouse build time and file size; every page's first render
and warm rerun through AppTest (default filters, and one town); every named
query's time with the default parameters; the process's peak memory. A side-by-side
baseline computes the overview's headline metrics the way an analyst would
without gridwatch (pandas over the exported CSVs) against gridwatch's query on
the same data, and reports the ratio. Results are written as a Markdown table.
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from gridwatch import filters as gf  # noqa: E402
from gridwatch import metrics, queries, warehouse  # noqa: E402
from gridwatch.exports import export_tables_csv  # noqa: E402
from gridwatch.navigation import PAGES  # noqa: E402
from harness.recompute import headline_from_csv  # noqa: E402
from harness.samples import SAMPLE_PARAMS  # noqa: E402
from harness.serving import serve  # noqa: E402

TARGET_WARM_S = 0.5
TARGET_FIRST_S = 2.0


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def page_times(db: Path, key: str, town: str | None, query_params: dict | None = None) -> tuple[float, float, bool]:
    """First render (cold caches) and warm rerun of one page, through AppTest."""
    os.environ["GRIDWATCH_DB"] = str(db)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    if town:
        at.session_state["gf_towns"] = [town]
    for name, value in (query_params or {}).items():
        at.query_params[name] = value
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    if not next(p for p in PAGES if p.key == key).default:
        # The first run drew the home page; this page's first render comes now.
        t = time.perf_counter()
        at.switch_page(f"pages/{key}.py").run()
        first = time.perf_counter() - t
    t = time.perf_counter()
    at.run()
    warm = time.perf_counter() - t
    return first, warm, bool(at.exception)


def bench_scale(scale: int, workdir: Path) -> dict:
    """All measurements for one scale."""
    db = workdir / f"demo_x{scale}.duckdb"
    build_s, counts = timed(lambda: warehouse.build_demo(db, scale=scale))
    out = {"scale": scale, "enterprises": counts["enterprises"], "hazards": counts["hazards"],
           "inspections": counts["inspections"], "build_s": build_s, "size_mb": db.stat().st_size / 2**20}
    con = warehouse.open_readonly(db)
    as_of = warehouse.data_as_of(warehouse.meta(con))
    start, end = gf.preset_period(gf.DEFAULT_PRESET, as_of)
    f = gf.Filters(start=start, end=end, as_of=as_of)
    enterprise_id, staff_id = con.cursor().execute(
        "select (select min(enterprise_id) from hazards), (select min(lead_staff_id) from inspections)"
    ).fetchone()
    sample = {**SAMPLE_PARAMS, **f.params(), "enterprise_id": enterprise_id, "staff_id": staff_id}
    out["queries"] = {}
    for name, q in queries.catalogue().items():
        params = {k: v for k, v in sample.items() if k in q.used_params}
        try:
            out["queries"][name] = timed(lambda n=name, p=params: queries.run(con, n, p), repeat=3)[0]
        except Exception as exc:  # a query needing parameters this bench does not know
            out["queries"][name] = f"skipped: {str(exc).splitlines()[0][:60]}"
    town = queries.run(con, "filter_options", {"towns": []}).query("kind == 'town'")["value"].iloc[0]
    csv_dir = workdir / f"csv_x{scale}"
    export_tables_csv(con, csv_dir)
    base_s, base = timed(lambda: headline_from_csv(csv_dir, f))
    ours_s, ours = timed(lambda: metrics.headline(con, f), repeat=3)
    out["baseline"] = {"pandas_s": base_s, "gridwatch_s": ours_s, "ratio": base_s / ours_s,
                       "agree": all(ours[k] == v for k, v in base.items())}
    con.close()
    out["pages"] = {}
    for spec in PAGES:
        for label, t in (("all", None), ("town", town)):
            params = {"enterprise": enterprise_id} if spec.key == "enterprise" else None
            out["pages"][(spec.key, label)] = page_times(db, spec.key, t, params)
    started = time.perf_counter()
    with serve(db):
        out["health_s"] = time.perf_counter() - started
    out["peak_mb"] = peak_mb()
    return out


def report(results: list[dict]) -> str:
    """The Markdown report."""
    lines = ["# Benchmark results", "",
             f"Machine: {os.cpu_count()} cores. Command: `.venv/bin/python bench/run.py "
             f"--scales {','.join(str(r['scale']) for r in results)}`. Run {date.today().isoformat()}.", "",
             "The baseline computes the headline metrics with pandas from the exported CSVs (harness/recompute.py), "
             "gridwatch with queries/headline_metrics.sql; peak MB is this benchmark process. "
             "The enterprise page is timed on the register of the enterprise with the lowest id that has "
             "hazards. Queries run with the default period (this year) and sample values for other parameters.",
             "", "## Build and baseline", "",
             "| scale | enterprises | inspections | hazards | build s | file MB | pandas-over-CSV s | gridwatch s "
             "| ratio | figures agree | server start to health s | peak MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        b = r["baseline"]
        lines.append(f"| {r['scale']} | {r['enterprises']:,} | {r['inspections']:,} | {r['hazards']:,} | "
                     f"{r['build_s']:.1f} | {r['size_mb']:.1f} | {b['pandas_s']:.3f} | {b['gridwatch_s']:.3f} | "
                     f"{b['ratio']:.0f}× | {'yes' if b['agree'] else 'NO'} | {r['health_s']:.1f} | "
                     f"{r['peak_mb']:.0f} |")
    lines += ["", f"## Pages (AppTest; first render / warm rerun, seconds; targets {TARGET_FIRST_S} / "
              f"{TARGET_WARM_S} s)", ""]
    header = "| page | filters | " + " | ".join(f"x{r['scale']} first | x{r['scale']} warm" for r in results) + " |"
    lines += [header, "|---|---|" + "---|---|" * len(results)]
    for key, label in results[0]["pages"]:
        cells = []
        for r in results:
            first, warm, failed = r["pages"][(key, label)]
            flag = " ⚠" if failed else ""
            cells.append(f"{first:.2f}{flag} | {warm:.2f}")
        lines.append(f"| {key} | {label} | " + " | ".join(cells) + " |")
    lines += ["", "## Named queries (best of 3, seconds)", "",
              "| query | " + " | ".join(f"x{r['scale']}" for r in results) + " |",
              "|---|" + "---|" * len(results)]
    for name in results[0]["queries"]:
        cells = [r["queries"][name] for r in results]
        lines.append(f"| {name} | " + " | ".join(c if isinstance(c, str) else f"{c:.3f}" for c in cells) + " |")
    worst_warm = max(max(w for _, w, _ in r["pages"].values()) for r in results)
    lines += ["", f"Slowest warm rerun across scales: {worst_warm:.2f} s; median first render at the largest "
              f"scale: {statistics.median(f for f, _, _ in results[-1]['pages'].values()):.2f} s.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,60")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--pages-on", type=Path, default=None, metavar="DB",
                        help="only time pages on an existing warehouse (no report written)")
    parser.add_argument("--page", action="append", default=[], help="with --pages-on: only these pages")
    args = parser.parse_args()
    if args.pages_on:
        con = warehouse.open_readonly(args.pages_on)
        town = queries.run(con, "filter_options", {"towns": []}).query("kind == 'town'")["value"].iloc[0]
        con.close()
        for spec in PAGES:
            if args.page and spec.key not in args.page:
                continue
            for label, t in (("all", None), ("town", town)):
                first, warm, failed = page_times(args.pages_on, spec.key, t)
                print(f"{spec.key:15s} {label:5s} first {first:6.2f} s  warm {warm:6.2f} s"
                      f"{'  EXCEPTION' if failed else ''}", flush=True)
        return 0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (int(s) for s in args.scales.split(",")):
            print(f"scale {scale} …", flush=True)
            results.append(bench_scale(scale, Path(tmp)))
            args.out.write_text(report(results), encoding="utf-8")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
