"""Data-parallel training over MPI: MLP 784-256-128-10 with Adam, one process vs `mpiexec -n 1`
vs `mpiexec -n 2` (numen.distribute.DataParallel), same global batch.

Reports samples per second, the time per step spent in the one gradient all-reduce (measured
inside numen.distribute with `Communicator.start_timing()`; it includes waiting for the slower
process), the same all-reduce alone after a barrier (the bare cost of the collective for this
buffer), and the scaling efficiency: throughput at N processes / (N x throughput at N=1).

Every process runs with one BLAS thread (`--threads`), so N=1 uses one core and the comparison
measures process parallelism, not BLAS threads. This script launches itself under the
environment's mpiexec (next to the Python running it).

Run: `.venv/bin/python bench/distribute.py [--samples 12000] [--batch 128] [--epochs 2]
[--rounds 3]` (about a minute with the defaults).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

D, K = 784, 10
MPIEXEC = pathlib.Path(sys.executable).parent / "mpiexec"


# -- one worker process (alone, or one rank under mpiexec) --------------------------------------
def worker(args) -> None:
    from numen import keras

    strategy = None
    if args.distributed:
        strategy = keras.distribution.DataParallel(timeout=120)
        keras.distribution.set_distribution(strategy)
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((args.samples, D), dtype=np.float32)
    y = rng.integers(0, K, args.samples).astype(np.int64)
    model = keras.Sequential([
        keras.Input((D,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(K),
    ])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    steps = -(-args.samples // args.batch)

    def epoch():
        model.fit(x, y, batch_size=args.batch, epochs=1, verbose=0)

    epoch()  # warm-up: first-step caches, the initial weight broadcast
    timings = strategy.comm.start_timing() if strategy else None
    times = []
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t0)
    result = {"epoch_s": times, "steps": steps * args.epochs, "samples": args.samples,
              "params": model.count_params()}
    if strategy is not None:
        result.update(timings)
        result["bare_allreduce_s"] = bare_allreduce(strategy.comm, timings["allreduce_bytes"]
                                                    // max(timings["allreduce_calls"], 1))
        if not strategy.is_chief:
            return
    pathlib.Path(args.out).write_text(json.dumps(result))


def bare_allreduce(comm, nbytes: int, repeats: int = 50) -> list[float]:
    """Seconds of `repeats` all-reduces of `nbytes`, each after a barrier (so no process
    waits on a straggler's computation, only on the collective and the scheduler)."""
    buffer = np.zeros(nbytes // 8)
    comm.timings = None
    per = []
    for _ in range(repeats):
        comm.comm.Barrier()
        t0 = time.perf_counter()
        comm.allreduce_sum(buffer, "the benchmark all-reduce")
        per.append(time.perf_counter() - t0)
    return per


# -- the driver: launch the workers, print the table -------------------------------------------
def launch(processes: int | None, args, out: pathlib.Path) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--out", str(out),
           "--samples", str(args.samples), "--batch", str(args.batch),
           "--epochs", str(args.epochs)]
    if processes is not None:
        cmd = [str(MPIEXEC), "-n", str(processes), *cmd, "--distributed"]
    threads = str(args.threads)
    env = {**os.environ, "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads,
           "MKL_NUM_THREADS": threads}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def merge(total: dict | None, run: dict) -> dict:
    """Pool the epoch times, steps and all-reduce counters of two launches."""
    if total is None:
        return run
    out = {**total, "epoch_s": total["epoch_s"] + run["epoch_s"],
           "steps": total["steps"] + run["steps"]}
    for key in ("allreduce_calls", "allreduce_seconds", "allreduce_bytes"):
        if key in run:
            out[key] = total[key] + run[key]
    if "bare_allreduce_s" in run:
        out["bare_allreduce_s"] = total["bare_allreduce_s"] + run["bare_allreduce_s"]
    return out


def table(runs: dict, args) -> str:
    first = next(iter(runs.values()))
    lines = [f"### MLP 784-256-128-10 ({first['params']:,} weights), {args.samples} samples, "
             f"Adam, global batch {args.batch}, {args.threads} BLAS thread(s) per process, "
             f"{len(first['epoch_s'])} epochs in {args.rounds} launches each",
             "", "| run | median s/epoch | min s | max s | samples/s | all-reduce ms/step "
             "(in step) | bare all-reduce ms (median / best) | all-reduce share of step | scaling "
             "efficiency |", "|---|---|---|---|---|---|---|---|---|"]
    base = None
    for name, r in runs.items():
        median = statistics.median(r["epoch_s"])
        rate = r["samples"] / median
        n = r.get("processes")
        if n == 1:
            base = rate
        step_ms = 1e3 * median * len(r["epoch_s"]) / r["steps"]
        if "allreduce_calls" in r:
            ar = 1e3 * r["allreduce_seconds"] / r["allreduce_calls"]
            bare = r["bare_allreduce_s"]
            cells = [f"{ar:.2f}", f"{1e3 * statistics.median(bare):.2f} / {1e3 * min(bare):.2f}",
                     f"{100 * ar / step_ms:.0f}%"]
        else:
            cells = ["-", "-", "-"]
        eff = f"{rate / (n * base):.2f}" if n and base else "-"
        lines.append(f"| {name} | {median:.3f} | {min(r['epoch_s']):.3f} | "
                     f"{max(r['epoch_s']):.3f} | {rate:,.0f} | " + " | ".join(cells)
                     + f" | {eff} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=12_000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per launch")
    parser.add_argument("--rounds", type=int, default=3, help="launches per configuration")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--distributed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    if not MPIEXEC.exists():
        sys.exit(f"{MPIEXEC} not found: pip install 'numen[mpi]' (mpi4py + mpich)")
    # Rounds interleave the configurations so that each sees the same share of a shared
    # machine's load; a round launches each configuration once for `--epochs` timed epochs.
    configs = {"one process, no MPI": None, **{f"mpiexec -n {n}": n for n in args.processes}}
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for name, n in configs.items():
                r = launch(n, args, pathlib.Path(tmp) / "run.json")
                runs[name] = merge(runs.get(name), {**r, "processes": n})
    text = table(runs, args)
    print(text)
    return text


if __name__ == "__main__":
    main()
