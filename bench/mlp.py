"""MLP 784-256-128-10 on 60k samples with Adam: numen vs PyTorch CPU (and Keras 3 when
installed), in one process, epoch time as median/min/max and ratios.

Run: `make bench` (every workload) or `.venv/bin/python bench/mlp.py [--quick] [--epochs 5]
[--batch 128 32] [--threads 1]`.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

if __name__ == "__main__":
    common.prepare_environment(sys.argv[1:])

import numpy as np  # noqa: E402

N, K = 60_000, 10
SIZES = (784, 256, 128, K)  # input, hidden, hidden, output
D = SIZES[0]


def data(samples: int = N, seed: int = 0):
    """Uniform float32 pixels and integer labels, the same for every framework."""
    rng = np.random.default_rng(seed)
    x = rng.random((samples, D), dtype=np.float32)
    y = rng.integers(0, K, samples).astype(np.int64)
    return x, y


def parameter_count() -> int:
    """Weights and biases of the three Dense layers."""
    return sum(a * b + b for a, b in zip(SIZES[:-1], SIZES[1:]))


def matmul_flops_per_sample() -> int:
    """Matrix-product FLOPs of one training step, per sample: forward x @ W (2*in*out each), the
    weight gradient x.T @ gy (same count) and the input gradient gy @ W.T for every layer but
    the first (the data needs no gradient)."""
    products = [a * b for a, b in zip(SIZES[:-1], SIZES[1:])]
    return 2 * (2 * sum(products) + sum(products[1:]))


def _build(keras):
    layers = keras.layers
    return keras.Sequential([keras.Input((D,)), layers.Dense(SIZES[1], activation="relu"),
                             layers.Dense(SIZES[2], activation="relu"), layers.Dense(K)])


def torch_runner(x, y, batch):
    import torch

    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(D, SIZES[1]), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2]),
                          nn.ReLU(), nn.Linear(SIZES[2], K))
    return common.torch_runner(model, torch.from_numpy(x), torch.from_numpy(y), batch)


WORKLOAD = common.Workload(
    name="mlp", title="MLP 784-256-128-10", data=data, samples=N,
    runners={**common.keras_api_runners(_build), "torch": torch_runner},
    batches=(128, 32), epochs=5, predict_repeats=2000)


if __name__ == "__main__":
    common.main_for(WORKLOAD)
