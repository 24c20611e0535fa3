"""Shared parts of the benchmarks: environment set-up, arguments, the runner loop and reports.

Nothing heavy is imported at module level: `prepare_environment` has to run before NumPy loads
its BLAS (which reads the thread-count variables once) and before Keras picks its backend.

A workload module (mlp.py, convnet.py, lstm.py) describes itself with a `Workload`: its data,
one runner per framework and its default sizes. `run_workload` times every framework on the
same data, each framework in its own worker process, with the timed epochs interleaved so that
all of them see the same machine load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FRAMEWORKS = ("numen", "torch", "keras")
PEERS = ("torch", "keras")  # the references numen is compared with
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
QUICK_FRACTION = 10  # --quick uses 1/10 of the samples


def _value_from_argv(argv: list[str], option: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == option and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None


# An OPENBLAS_CORETYPE found in the environment and dropped by prepare_environment, for the
# report's header (None when there was none or `--blas-core` set one).
dropped_blas_core: str | None = None


def prepare_environment(argv: list[str]) -> None:
    """Before NumPy loads: cap BLAS/OpenMP threads from `--threads N`, default Keras to JAX,
    and let OpenBLAS pick its kernels for this CPU.

    An inherited `OPENBLAS_CORETYPE` is dropped (and named in the report): it pins NumPy's
    OpenBLAS alone, while PyTorch's MKL and XLA still use every instruction the CPU has. On an
    AVX-512 host pinned to Haswell this halved numen's matrix products (a 128x784 @ 784x256
    product: 273 us pinned, 145 us as detected). `--blas-core NAME` pins one on purpose.
    """
    global dropped_blas_core
    threads = _value_from_argv(argv, "--threads")
    if threads:
        for var in THREAD_VARS:
            os.environ[var] = threads
    core = _value_from_argv(argv, "--blas-core")
    if core:
        os.environ["OPENBLAS_CORETYPE"] = core
    else:
        dropped_blas_core = os.environ.pop("OPENBLAS_CORETYPE", None)
    os.environ.setdefault("KERAS_BACKEND", "jax")


def blas_core() -> str:
    """The kernel family NumPy's OpenBLAS runs with (e.g. 'SkylakeX'), or 'unknown' where
    threadpoolctl is not installed or the BLAS is not OpenBLAS."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown"
    import numpy  # noqa: F401  (loads the BLAS threadpoolctl reads)

    return next((str(i.get("architecture")) for i in threadpool_info()
                 if i.get("internal_api") == "openblas"), "unknown")


def set_torch_threads(threads: int | None) -> None:
    """Give torch the same thread cap as the BLAS (it keeps its own pool)."""
    if not threads:
        return
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(threads)


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages, or 'n/a' off Linux."""
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options every benchmark script shares."""
    parser.add_argument("--quick", action="store_true",
                        help=f"development run: 1 timed epoch on 1/{QUICK_FRACTION} of the data")
    parser.add_argument("--epochs", type=int, default=None,
                        help="timed epochs after one warm-up (default: the workload's own)")
    parser.add_argument("--frameworks", nargs="+", default=list(FRAMEWORKS),
                        choices=FRAMEWORKS)
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS/OpenMP/torch threads (default: the libraries' own)")
    parser.add_argument("--blas-core", default=None, metavar="NAME",
                        help="pin NumPy's OpenBLAS kernels (OPENBLAS_CORETYPE, e.g. Haswell); "
                             "default: detected for this CPU, an inherited pin is dropped")
    return parser


# -- timing -----------------------------------------------------------------------------------

def summarize(times: list[float]) -> dict:
    """Median, min and max of a list of seconds."""
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def time_call(fn: Callable[[], object], repeats: int = 2000) -> float:
    """Median seconds per call of `fn()` over `repeats` calls (in 20 chunks), after one call."""
    fn()
    chunk = max(1, repeats // 20)
    per = []
    for _ in range(20):
        t0 = time.perf_counter()
        for _ in range(chunk):
            fn()
        per.append((time.perf_counter() - t0) / chunk)
    return statistics.median(per)


# -- shared runners ---------------------------------------------------------------------------

def keras_style_runner(keras, build_model: Callable, x, y, batch: int):
    """`(epoch, predict_one)` for a Keras-API model (numen.keras or Keras 3): Adam, sparse CE."""
    keras.utils.set_random_seed(0)
    model = build_model(keras)
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    def epoch():
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)

    one = x[:1]
    return epoch, lambda: model.predict_on_batch(one)


def keras_api_runners(build_model: Callable) -> dict[str, Callable]:
    """The numen and Keras 3 runners of one model definition `build_model(keras)`."""

    def numen_runner(x, y, batch):
        from numen import keras

        return keras_style_runner(keras, build_model, x, y, batch)

    def keras_runner(x, y, batch):
        import keras  # optional: only when installed

        return keras_style_runner(keras, build_model, x, y, batch)

    return {"numen": numen_runner, "keras": keras_runner}


def torch_runner(model, xt, yt, batch: int):
    """`(epoch, predict_one)` for a torch module: Adam, cross-entropy, shuffled mini-batches."""
    import torch

    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = len(xt)

    def epoch():
        model.train()
        perm = torch.randperm(n)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss_fn(model(xt[idx]), yt[idx]).backward()
            opt.step()

    one = xt[:1]

    def predict_one():
        model.eval()
        with torch.no_grad():
            return model(one)

    return epoch, predict_one


# -- workloads --------------------------------------------------------------------------------

@dataclass
class Workload:
    """One benchmark: data(samples, seed) -> (x, y) and a runner per framework.

    A runner is `(x, y, batch) -> (epoch, predict_one)`; it raises ImportError when its
    framework is not installed.
    """

    name: str
    title: str
    data: Callable
    samples: int
    runners: dict[str, Callable]
    batches: tuple[int, ...]
    epochs: int
    predict_repeats: int = 400
    unit: str = "sample"


@dataclass
class Result:
    """Timings of one workload at one batch size, and what each worker measured of itself."""

    workload: Workload
    batch: int
    samples: int
    epochs: int
    rows: dict[str, dict] = field(default_factory=dict)
    predict: dict[str, float] = field(default_factory=dict)
    memory: dict[str, dict] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    load_before: str = ""
    load_after: str = ""


IMPORTS = {"numen": "numen.keras", "torch": "torch", "keras": "keras"}


def _peak_rss_bytes() -> int:
    """This process's peak resident size. VmHWM where /proc exists: ru_maxrss also counts a
    forking parent's size."""
    try:
        with open("/proc/self/status") as f:
            return int(f.read().split("VmHWM:")[1].split()[0]) * 1024
    except (OSError, IndexError, ValueError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss_bytes() -> int:
    """This process's resident set now (Linux), 0 elsewhere."""
    try:
        with open("/proc/self/status") as f:
            line = next(line for line in f if line.startswith("VmRSS:"))
        return int(line.split()[1]) * 1024
    except (OSError, StopIteration):
        return 0


def _worker(conn, module: str, framework: str, batch: int, samples: int, threads) -> None:
    """One framework in its own process: import, build, one warm-up epoch, then answer
    ("epoch", None) and ("predict", repeats) with seconds until ("stop", None)."""
    import importlib
    import traceback

    try:
        importlib.import_module(IMPORTS[framework])
        memory = {"imports": _rss_bytes()}
        if framework == "torch":
            set_torch_threads(threads)
        workload = importlib.import_module(module).WORKLOAD
        epoch, predict_one = workload.runners[framework](*workload.data(samples), batch)
        epoch()  # warm-up: JIT compilation, thread pools, buffer caches
        memory["peak_one_epoch"] = _peak_rss_bytes()
        conn.send(("ready", memory))
        while (message := conn.recv())[0] != "stop":
            command, arg = message
            t0 = time.perf_counter()
            if command == "epoch":
                epoch()
                conn.send(("ok", time.perf_counter() - t0))
            else:
                conn.send(("ok", time_call(predict_one, arg)))
    except ImportError as e:
        conn.send(("missing", f"{type(e).__name__}: {e}"))
    except Exception:  # the parent re-raises it with the traceback
        conn.send(("error", traceback.format_exc()))


def _ask(name: str, conn, message=None):
    if message is not None:
        conn.send(message)
    status, value = conn.recv()
    if status == "error":
        raise RuntimeError(f"the {name} benchmark worker failed:\n{value}")
    return status, value


def run_workload(workload: Workload, batch: int, frameworks=FRAMEWORKS, epochs: int | None = None,
                 samples: int | None = None, predict: bool = True,
                 threads: int | None = None) -> Result:
    """Time every framework on the same seeded data, each in its own process.

    Separate processes keep the thread pools apart (torch's OpenMP threads next to JAX's in one
    process ran 5-20x slower here). Each worker is built and warmed up in turn while the others
    wait; then `epochs` timed epochs go round-robin (numen, torch, keras, numen, ...) so every
    framework sees the same machine load. A peer that is not installed is listed as missing.
    """
    import multiprocessing

    samples = samples or workload.samples
    epochs = workload.epochs if epochs is None else epochs
    res = Result(workload, batch, samples, epochs, load_before=loadavg())
    ctx = multiprocessing.get_context("spawn")
    workers = {}
    try:
        for name in frameworks:
            conn, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, daemon=True,
                               args=(child, workload.name, name, batch, samples, threads))
            proc.start()
            workers[name] = (proc, conn)
            status, value = _ask(name, conn)
            if status == "missing":
                if name not in PEERS:
                    raise RuntimeError(f"{name} could not be imported: {value}")
                res.missing[name] = value
                del workers[name]
            else:
                res.memory[name] = value
        times = {name: [] for name in workers}
        for _ in range(epochs):
            for name, (_, conn) in workers.items():
                times[name].append(_ask(name, conn, ("epoch", None))[1])
        res.rows = {name: summarize(t) for name, t in times.items()}
        if predict:
            res.predict = {name: _ask(name, conn, ("predict", workload.predict_repeats))[1]
                           for name, (_, conn) in workers.items()}
    finally:
        for proc, conn in workers.values():
            try:
                conn.send(("stop", None))
            except OSError:  # the worker has already exited
                pass
            proc.join(timeout=30)
    res.load_after = loadavg()
    return res


# -- reports ----------------------------------------------------------------------------------

def fastest_peer(rows: dict) -> str | None:
    """The peer framework with the smallest median, or None when no peer ran."""
    peers = [name for name in rows if name in PEERS]
    return min(peers, key=lambda name: rows[name]["median"]) if peers else None


def _ratio(rows: dict, name: str, ref: str | None) -> str:
    return f"{rows[name]['median'] / rows[ref]['median']:.2f}" if ref in rows else "n/a"


def report(res: Result) -> str:
    """A Markdown table: seconds per epoch and each framework's ratio to the fastest peer and
    to torch; the single-sample predict latency under it."""
    rows, best = res.rows, fastest_peer(res.rows)
    lines = [f"### {res.workload.title}, batch {res.batch}",
             "",
             f"{res.samples} {res.workload.unit}s, Adam, seconds per epoch over {res.epochs} "
             f"timed epoch(s) after one warm-up, frameworks interleaved; load average "
             f"{res.load_before} before, {res.load_after} after.",
             "",
             f"| framework | median s | min s | max s | ratio to fastest peer ({best or 'none'}) "
             "| ratio to torch |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | "
                     f"{_ratio(rows, name, best)} | {_ratio(rows, name, 'torch')} |")
    lines += [f"| {name} | not installed | | | | |" for name in res.missing]
    if res.missing:
        lines += ["", "Not run: " + "; ".join(f"{k} ({v})" for k, v in res.missing.items())]
    if res.predict:
        lines += ["", f"Predict one {res.workload.unit} (predict_on_batch / no_grad forward): "
                  + ", ".join(f"{k} {v * 1e6:.0f} us" for k, v in res.predict.items())]
    return "\n".join(lines) + "\n"


def main_for(workload: Workload, argv=None, extra: Callable | None = None) -> str:
    """Command line of one workload script: run it at each batch size and print the report.

    `extra(args, parser)` may add options before parsing; it returns a function called with
    the parsed arguments whose text goes before the tables.
    """
    parser = add_arguments(argparse.ArgumentParser(description=workload.title))
    parser.add_argument("--batch", type=int, nargs="+", default=list(workload.batches))
    after_parse = extra(parser) if extra else None
    args = parser.parse_args(argv)
    samples = workload.samples // QUICK_FRACTION if args.quick else workload.samples
    epochs = 1 if args.quick else args.epochs
    out = [f"threads: {args.threads or 'default'}"]
    if after_parse:
        out.append(after_parse(args))
    for batch in args.batch:
        out.append(report(run_workload(workload, batch, args.frameworks, epochs, samples,
                                       predict=batch == args.batch[0], threads=args.threads)))
    text = "\n".join(out)
    print(text)
    return text
