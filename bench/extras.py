"""Measurements beside the epoch timings: the machine's float32 matrix-product rate, the MLP's
achieved GFLOP/s as a share of it, import times in fresh processes and peak memory per framework.

Used by run_all.py; each function returns a Markdown section.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import mlp  # noqa: E402
import numpy as np  # noqa: E402

MB = 1024 * 1024
IMPORTS = {"numen": "numen", "torch": "torch", "keras": "keras"}


def matmul_gflops(n: int = 2048, repeats: int = 5) -> dict:
    """GFLOP/s of np.matmul on two n x n float32 matrices (2 n^3 FLOPs): median and best."""
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)  # warm-up: BLAS threads start
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        times.append(time.perf_counter() - t0)
    flops = 2.0 * n ** 3
    return {"n": n, "median": flops / statistics.median(times) / 1e9,
            "best": flops / min(times) / 1e9}


def efficiency_section(peak: dict, mlp_result: common.Result | None) -> str:
    """The matmul rate and each framework's MLP epoch in GFLOP/s and % of that rate."""
    lines = ["### Matrix-product rate and MLP efficiency", "",
             f"np.matmul float32 {peak['n']}x{peak['n']} @ {peak['n']}x{peak['n']}: "
             f"{peak['median']:.1f} GFLOP/s median, {peak['best']:.1f} best."]
    if mlp_result is None or not mlp_result.rows:
        return "\n".join(lines + ["", "(MLP efficiency: run the mlp workload too.)"]) + "\n"
    flops = mlp.matmul_flops_per_sample() * mlp_result.samples
    lines += ["", f"MLP batch {mlp_result.batch}: {flops / 1e9:.1f} GFLOP of matrix products per "
              "epoch (forward, weight gradients, input gradients of layers 2-3), divided by the "
              "median epoch time.", "",
              "| framework | GFLOP/s | % of np.matmul median |", "|---|---:|---:|"]
    for name, row in mlp_result.rows.items():
        rate = flops / row["median"] / 1e9
        lines.append(f"| {name} | {rate:.1f} | {100 * rate / peak['median']:.0f}% |")
    return "\n".join(lines) + "\n"


def _import_seconds(module: str) -> float:
    code = (f"import time; t0 = time.perf_counter(); import {module}; "
            "print(time.perf_counter() - t0)")
    # as a user's interpreter imports: with bytecode (a shell with PYTHONDONTWRITEBYTECODE set
    # recompiles every module on each import and read 0.4 s for numen against 0.2 s)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env)
    return float(done.stdout.strip().splitlines()[-1])


def import_section(frameworks, repeats: int = 3) -> str:
    """Seconds to import each framework in a fresh interpreter (median of `repeats`)."""
    lines = ["### Import time", "",
             f"`import <name>` in a fresh `python -c`, timed around the statement; median of "
             f"{repeats}. Keras is imported with KERAS_BACKEND={os.environ.get('KERAS_BACKEND')}.",
             "", "| import | seconds |", "|---|---:|"]
    for name in frameworks:
        module = IMPORTS[name]
        if importlib.util.find_spec(module) is None:
            lines.append(f"| {module} | not installed |")
            continue
        _import_seconds(module)  # writes the bytecode a first import writes
        seconds = statistics.median(_import_seconds(module) for _ in range(repeats))
        lines.append(f"| {module} | {seconds:.2f} |")
    return "\n".join(lines) + "\n"


def memory_section(mlp_result: common.Result | None) -> str:
    """Peak RSS of each MLP worker after its one warm-up epoch, against data + weights."""
    lines = ["### Peak memory, MLP", ""]
    if mlp_result is None or not mlp_result.memory:
        return "\n".join(lines + ["(run the mlp workload to measure it)"]) + "\n"
    x, y = mlp.data(mlp_result.samples)
    base = x.nbytes + y.nbytes + 4 * mlp.parameter_count()
    lines += [f"Each framework's worker process after importing it, building the model on "
              f"{mlp_result.samples} samples and training one epoch at batch {mlp_result.batch} "
              f"(VmHWM). Data + float32 weights: {base / MB:.1f} MiB.", "",
              "| framework | RSS after import MiB | peak RSS MiB | peak / (data + weights) | "
              "(peak - import) / (data + weights) |", "|---|---:|---:|---:|---:|"]
    for name, m in mlp_result.memory.items():
        peak, imported = m["peak_one_epoch"], m["imports"]
        lines.append(f"| {name} | {imported / MB:.0f} | {peak / MB:.0f} | {peak / base:.2f} | "
                     f"{(peak - imported) / base:.2f} |")
    return "\n".join(lines) + "\n"
