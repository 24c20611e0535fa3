"""Every benchmark in one run: MLP (batch 128 and 32), convnet and LSTM in numen, PyTorch CPU and
Keras 3 (JAX backend) where installed, plus the matrix-product rate, MLP efficiency, import
times and peak memory. Prints one Markdown report and writes it to bench/last_run.md.

Run: `make bench` (sets up .venv/bench with Keras 3 + JAX), or
`python bench/run_all.py [mlp convnet lstm extras] [--quick] [--epochs N] [--threads N]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from importlib import metadata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

if __name__ == "__main__":
    common.prepare_environment(sys.argv[1:])

import convnet  # noqa: E402
import extras  # noqa: E402
import lstm  # noqa: E402
import mlp  # noqa: E402

WORKLOADS = {"mlp": mlp.WORKLOAD, "convnet": convnet.WORKLOAD, "lstm": lstm.WORKLOAD}
CHOICES = (*WORKLOADS, "extras")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "last_run.md")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def header(args, started: str) -> str:
    """What ran where: machine, versions, mode and load."""
    versions = ", ".join(f"{d} {_version(d)}" for d in
                         ("numen", "numpy", "torch", "keras", "jax", "jaxlib"))
    mode = (f"quick: 1 timed epoch on 1/{common.QUICK_FRACTION} of the samples"
            if args.quick else "full")
    lines = ["# numen benchmarks", "",
             f"- {started}, {platform.platform()}, {os.cpu_count()} CPU cores, "
             f"Python {platform.python_version()} ({sys.executable})",
             f"- {versions}; KERAS_BACKEND={os.environ.get('KERAS_BACKEND')}",
             f"- mode: {mode}; threads: {args.threads or 'the libraries default'}; each "
             "framework runs in its own worker process",
             f"- NumPy's OpenBLAS kernels: {common.blas_core()}"
             + (f" (the inherited OPENBLAS_CORETYPE={common.dropped_blas_core} was dropped: "
                "it pins NumPy's BLAS alone; `--blas-core` pins one)"
                if common.dropped_blas_core else ""),
             f"- load average before: {common.loadavg()}"]
    if _version("keras") == "not installed":
        lines.append("- **Keras 3 is not installed in this environment: the peers are PyTorch "
                     "only** (`make bench` installs it into .venv/bench when it can)")
    return "\n".join(lines) + "\n"


def summary(results: list[common.Result]) -> str:
    """One row per workload and batch: median seconds per epoch and numen's ratios."""
    lines = ["## Summary (median seconds per epoch)", "",
             "| workload | batch | numen | torch | keras | fastest peer | numen / fastest peer "
             "| numen / torch |", "|---|---:|---:|---:|---:|---|---:|---:|"]
    for res in results:
        rows, best = res.rows, common.fastest_peer(res.rows)
        cells = [f"{rows[f]['median']:.3f}" if f in rows else "-" for f in common.FRAMEWORKS]
        ratio = [f"{rows['numen']['median'] / rows[r]['median']:.2f}"
                 if "numen" in rows and r in rows else "n/a" for r in (best, "torch")]
        lines.append(f"| {res.workload.name} | {res.batch} | {' | '.join(cells)} | "
                     f"{best or 'none'} | {ratio[0]} | {ratio[1]} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workloads", nargs="*", metavar="workload",
                        help=f"any of {', '.join(CHOICES)} (default: all)")
    common.add_arguments(parser)
    parser.add_argument("--out", default=OUT, help="where to write the report too")
    args = parser.parse_args(argv)
    unknown = [w for w in args.workloads if w not in CHOICES]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; expected any of {list(CHOICES)}")
    chosen = args.workloads or list(CHOICES)
    t0 = time.perf_counter()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = header(args, started)
    print(head, flush=True)

    results, sections = [], []
    for name in (w for w in WORKLOADS if w in chosen):
        workload = WORKLOADS[name]
        samples = workload.samples // common.QUICK_FRACTION if args.quick else workload.samples
        for batch in workload.batches:
            res = common.run_workload(workload, batch, args.frameworks,
                                      1 if args.quick else args.epochs, samples,
                                      predict=batch == workload.batches[0], threads=args.threads)
            results.append(res)
            sections.append(common.report(res))
            print(sections[-1], flush=True)
    if "extras" in chosen:
        mlp_result = next((r for r in results if r.workload is mlp.WORKLOAD), None)
        peak = extras.matmul_gflops(1024 if args.quick else 2048)
        for section in (extras.efficiency_section(peak, mlp_result),
                        extras.import_section(args.frameworks, 1 if args.quick else 3),
                        extras.memory_section(mlp_result)):
            sections.append(section)
            print(section, flush=True)

    footer = (f"Total {time.perf_counter() - t0:.0f} s; load average after: "
              f"{common.loadavg()}.\n")
    print(footer)
    text = "\n".join([head, summary(results) if results else "", "## Details", "",
                      *sections, footer])
    with open(args.out, "w") as f:
        f.write(text)
    print(summary(results) if results else "", f"(report written to {args.out})", sep="\n")
    return text


if __name__ == "__main__":
    main()
