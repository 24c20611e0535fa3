"""No leaks in long runs: resident memory stays flat over many predict, call, fit and
build-and-discard cycles.

Each scenario runs in its own interpreter (so other tests' allocations do not disturb the
figure), warms up for a tenth of its iterations, then measures the process's resident set
size (from /proc/self/statm, or ru_maxrss where /proc is missing) before and after. The
default suite runs short versions; the `slow` ones run the counts RELIABILITY.md reports.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

LIMIT_MB = 5.0

SCRIPT = textwrap.dedent("""
    import gc, json, os, resource, sys, time, weakref
    import numpy as np
    from numen import keras
    from numen.keras import layers

    def rss_mb():
        try:
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except OSError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def make():
        # Dropout, BatchNormalization (moving statistics), an activity regularizer (a loss
        # added on every call) and a shared layer: the parts that keep per-call state.
        inp = keras.Input((8,))
        shared = layers.Dense(16, activation="relu", activity_regularizer="l2")
        h = layers.BatchNormalization()(shared(inp))
        h = layers.Dropout(0.2)(h)
        out = layers.Dense(3, activation="softmax")(layers.Add()([h, shared(inp)]))
        model = keras.Model(inp, out)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    scenario, n = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 8)).astype("float32")
    y = np.array([0, 1, 2, 1])
    model = make()
    model.fit(x, y, verbose=0)
    dropped = []

    def step():
        if scenario == "predict":
            model.predict(x, verbose=0)
        elif scenario == "call":
            model(x)
        elif scenario == "fit":
            model.fit(x, y, epochs=1, batch_size=2, verbose=0, validation_data=(x, y),
                      callbacks=[keras.callbacks.EarlyStopping(patience=1)])
        elif scenario == "build":
            other = make()
            other.fit(x, y, verbose=0)
            other.predict(x, verbose=0)
            dropped.append(weakref.ref(other))

    for _ in range(max(1, n // 10)):
        step()
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    for _ in range(n):
        step()
    gc.collect()
    after = rss_mb()
    print(json.dumps({"growth_mb": after - before, "seconds": time.perf_counter() - start,
                      "alive": sum(r() is not None for r in dropped),
                      "nodes": max(len(l._inbound_nodes) for l in model.layers)}))
""")


def run_scenario(tmp_path, scenario: str, n: int) -> dict:
    script = tmp_path / "leak.py"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script), scenario, str(n)], capture_output=True,
                          text=True, timeout=600, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(scenario, n, result)  # the figures RELIABILITY.md quotes (pytest -s shows them)
    return result


def check(result: dict) -> None:
    assert result["growth_mb"] < LIMIT_MB, result
    assert result["alive"] == 0, f"discarded models still referenced: {result}"
    # Running a built model must not record new symbolic nodes on its layers (the shared
    # Dense has two from the definition; repeated calls add none).
    assert result["nodes"] <= 2, result


@pytest.mark.parametrize("scenario,n", [("predict", 2000), ("call", 1000), ("fit", 60),
                                        ("build", 20)])
def test_no_leak_short(tmp_path, scenario, n):
    check(run_scenario(tmp_path, scenario, n))


@pytest.mark.slow
@pytest.mark.parametrize("scenario,n", [("predict", 20000), ("call", 2000), ("fit", 500),
                                        ("build", 200)])
def test_no_leak_long(tmp_path, scenario, n):
    check(run_scenario(tmp_path, scenario, n))


def test_repeated_calls_keep_only_the_last_calls_losses():
    """The leak that was fixed: each `model(x)` used to append its activity-regularizer loss
    (and the graph behind it) to the layer for good."""
    import numpy as np

    from numen import keras
    from numen.keras import layers

    dense = layers.Dense(4, activity_regularizer="l2")
    model = keras.Sequential([keras.Input((3,)), dense])
    x = np.ones((2, 3), "float32")
    for _ in range(50):
        model(x)
    assert len(model.losses) == 1 and len(dense._added_losses) == 1
    model.predict(x, verbose=0)
    assert len(model.losses) == 1
    # Losses a layer adds outside a call are kept until the next call, as in Keras.
    dense.add_loss(np.float32(1.0))
    assert len(model.losses) == 2
    model(x)
    assert len(model.losses) == 1
