"""Shared timing helpers for the benchmarks: medians with min/max, and ratios."""

from __future__ import annotations

import statistics
import time


def time_epochs(run_epoch, epochs: int) -> dict:
    """Run `run_epoch()` `epochs` times after one warm-up; seconds as median/min/max."""
    run_epoch()
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        run_epoch()
        times.append(time.perf_counter() - t0)
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def time_call(fn, repeats: int = 2000) -> float:
    """Median seconds per call of `fn()` over `repeats` calls (in 20 chunks)."""
    fn()
    chunk = max(1, repeats // 20)
    per = []
    for _ in range(20):
        t0 = time.perf_counter()
        for _ in range(chunk):
            fn()
        per.append((time.perf_counter() - t0) / chunk)
    return statistics.median(per)


def report(title: str, rows: dict, baseline: str) -> str:
    """A Markdown table of timings with each framework's ratio to `baseline`."""
    lines = [f"### {title}", "", "| framework | median s | min s | max s | ratio to "
             f"{baseline} |", "|---|---|---|---|---|"]
    base = rows[baseline]["median"]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | "
                     f"{r['median'] / base:.2f} |")
    return "\n".join(lines)
