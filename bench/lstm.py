"""LSTM(64) sequence classifier (8k sequences x 50 steps x 32 features, Adam): numen vs PyTorch
CPU (and Keras 3 when installed), in one process, epoch time as median/min/max and ratios.

Model: LSTM(64) (last state) -> Dense(10), sparse cross-entropy from logits.

Run: `.venv/bin/python bench/lstm.py [--quick] [--epochs 5] [--batch 64] [--threads 1]`.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

if __name__ == "__main__":
    common.prepare_environment(sys.argv[1:])

import numpy as np  # noqa: E402

N, STEPS, FEATURES, UNITS, K = 8_000, 50, 32, 64, 10


def data(samples: int = N, seed: int = 0):
    """Standard-normal float32 sequences and integer labels."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, STEPS, FEATURES), dtype=np.float32)
    y = rng.integers(0, K, samples).astype(np.int64)
    return x, y


def _build(keras):
    return keras.Sequential([keras.Input((STEPS, FEATURES)), keras.layers.LSTM(UNITS),
                             keras.layers.Dense(K)])


def torch_runner(x, y, batch):
    import torch

    class LSTMClassifier(torch.nn.Module):
        """torch.nn.LSTM (batch first) whose last hidden state feeds a Linear layer."""

        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(FEATURES, UNITS, batch_first=True)
            self.head = torch.nn.Linear(UNITS, K)

        def forward(self, x):
            _, (h, _) = self.lstm(x)
            return self.head(h[-1])

    torch.manual_seed(0)
    return common.torch_runner(LSTMClassifier(), torch.from_numpy(x), torch.from_numpy(y), batch)


WORKLOAD = common.Workload(
    name="lstm", title="LSTM(64) classifier, 50 steps x 32 features", data=data, samples=N,
    runners={**common.keras_api_runners(_build), "torch": torch_runner},
    batches=(64,), epochs=5, predict_repeats=400, unit="sequence")


if __name__ == "__main__":
    common.main_for(WORKLOAD)
