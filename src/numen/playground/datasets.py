"""The playground's data: 2-D toy sets, a noisy regression plane, sine-wave series, the bundled
digits and the user's CSV.

The generator functions here are plain NumPy with no numen import, on purpose: the code
generator copies their source into the script a user takes away (`codegen.py`), so the page's
data and the script's data come from the very same lines.
"""

from __future__ import annotations

import numpy as np

CLASSIFICATION_2D = ("circle", "xor", "gaussians", "spiral", "moons")
REGRESSION_2D = ("plane", "bumps")
SERIES = ("sine",)
DATASETS = CLASSIFICATION_2D + REGRESSION_2D + SERIES + ("digits", "csv")
SERIES_STEPS = 20  # the length of each window of the sine set
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")


def make_2d(name, n, noise, rng):
    """`n` points in [-6, 6]^2 and their targets: a class 0/1 or, for regression sets, a
    number. `noise` (0 to 1) blurs the classes or adds noise to the target."""
    half = n // 2
    if name == "circle":
        r = np.concatenate([rng.uniform(0, 2.5, half), rng.uniform(3.5, 5, n - half)])
        angle = rng.uniform(0, 2 * np.pi, n)
        x = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
        x = x + rng.normal(0, noise * 1.5, x.shape)
        y = (np.arange(n) < half).astype("float32")
    elif name == "xor":
        x = rng.uniform(-5, 5, (n, 2))
        x = x + np.sign(x) * 0.3
        y = (x[:, 0] * x[:, 1] > 0).astype("float32")
        x = x + rng.normal(0, noise * 1.5, x.shape)
    elif name == "gaussians":
        centre = np.where(np.arange(n)[:, None] < half, 2.0, -2.0)
        x = centre + rng.normal(0, 0.5 + noise * 2, (n, 2))
        y = (np.arange(n) < half).astype("float32")
    elif name == "spiral":
        t = np.concatenate([np.linspace(0, 1, half), np.linspace(0, 1, n - half)])
        turn = np.where(np.arange(n) < half, 0.0, np.pi)
        angle = 1.75 * t * 2 * np.pi + turn
        x = 5 * t[:, None] * np.stack([np.sin(angle), np.cos(angle)], axis=1)
        x = x + rng.normal(0, noise, x.shape)
        y = (np.arange(n) < half).astype("float32")
    elif name == "moons":
        angle = rng.uniform(0, np.pi, n)
        first = np.arange(n) < half
        x = np.where(first[:, None],
                     np.stack([np.cos(angle), np.sin(angle)], axis=1),
                     np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1))
        x = (x - [0.5, 0.25]) * 3 + rng.normal(0, noise, (n, 2))
        y = first.astype("float32")
    elif name == "plane":
        x = rng.uniform(-5, 5, (n, 2))
        y = (x[:, 0] + x[:, 1]) / 10 + rng.normal(0, noise * 0.5, n)
    elif name == "bumps":
        x = rng.uniform(-5, 5, (n, 2))
        y = (np.exp(-((x - 2) ** 2).sum(1) / 4) - np.exp(-((x + 2) ** 2).sum(1) / 4)
             + rng.normal(0, noise * 0.5, n))
    else:
        raise ValueError(f"make_2d: unknown data set {name!r}")
    return x.astype("float32"), y.astype("float32")[:, None]


def make_series(n, noise, rng, steps=20):
    """`n` windows of `steps` values, each from a sine wave of random frequency and phase with
    noise added (`noise` 0 to 1), shaped (n, steps, 1); the target is the value after the
    window."""
    frequency = rng.uniform(0.15, 0.6, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    t = np.arange(steps + 1)[None, :]
    wave = np.sin(frequency * t + phase) + rng.normal(0, noise * 0.3, (n, steps + 1))
    return wave[:, :steps, None].astype("float32"), wave[:, steps:].astype("float32")


def add_features(x, features):
    """The model's inputs from 2-D points: one column per name in `features`."""
    columns = {"x1": x[:, 0], "x2": x[:, 1], "x1^2": x[:, 0] ** 2, "x2^2": x[:, 1] ** 2,
               "x1*x2": x[:, 0] * x[:, 1], "sin(x1)": np.sin(x[:, 0]),
               "sin(x2)": np.sin(x[:, 1])}
    return np.stack([columns[f] for f in features], axis=1).astype("float32")


def split(x, y, test_ratio, rng):
    """Shuffle, then hold out `test_ratio` of the rows: (x_train, y_train, x_test, y_test)."""
    order = rng.permutation(len(x))
    n_test = min(max(1, round(len(x) * test_ratio)), len(x) - 1)
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def encode_table(table, prep):
    """A table ({column: values}) as (x, y) with the learned encoding `prep` (a dict with
    target, task, features, classes, target_mean, target_std: the learned preprocessing):
    numbers standardized (missing -> mean), text one-hot, the target as class indices or
    standardized numbers."""
    parts = []
    for f in prep["features"]:
        values = table[f["name"]]
        if f["kind"] == "numeric":
            v = np.array([float(s) if s not in ("", None) else np.nan for s in values])
            v = np.where(np.isnan(v), f["mean"], v)
            parts.append(((v - f["mean"]) / f["std"])[:, None])
        else:
            index = {c: i for i, c in enumerate(f["categories"])}
            onehot = np.zeros((len(values), len(index)))
            for row, v in enumerate(values):
                if str(v) in index:
                    onehot[row, index[str(v)]] = 1
            parts.append(onehot)
    x = np.concatenate(parts, axis=1).astype("float32")
    target = table[prep["target"]]
    if prep["task"] == "regression":
        y = (np.array([float(s) for s in target]) - prep["target_mean"]) / prep["target_std"]
    else:
        def label(s):
            try:
                number = float(s)
            except ValueError:
                return str(s)
            return str(int(number)) if number.is_integer() else str(s)
        index = {c: i for i, c in enumerate(prep["classes"])}
        y = np.array([index[label(s)] for s in target])
    return x, y.astype("float32")[:, None]
