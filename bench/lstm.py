"""LSTM(64) sequence classifier (8k sequences x 50 steps x 32 features, Adam): numen vs PyTorch
CPU (and Keras when installed), in one process, epoch time as median/min/max and ratios.

Model: LSTM(64) (last state) -> Dense(10), sparse cross-entropy from logits.

Run: `.venv/bin/python bench/lstm.py [--epochs 2] [--batch 64]`.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from common import report, time_call, time_epochs  # noqa: E402

N, STEPS, FEATURES, UNITS, K = 8_000, 50, 32, 64, 10


def data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, STEPS, FEATURES), dtype=np.float32)
    y = rng.integers(0, K, N).astype(np.int64)
    return x, y


def _keras_style_runner(keras, x, y, batch):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((STEPS, FEATURES)), keras.layers.LSTM(UNITS),
                              keras.layers.Dense(K)])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    def epoch():
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)

    one = x[:1]
    return epoch, lambda: model.predict_on_batch(one), model


def numen_runner(x, y, batch):
    from numen import keras

    return _keras_style_runner(keras, x, y, batch)


def keras_runner(x, y, batch):
    import keras  # optional: only when installed

    return _keras_style_runner(keras, x, y, batch)


class _TorchLSTMClassifier:
    """torch.nn.LSTM (batch first) whose last hidden state feeds a Linear layer."""

    def __init__(self, torch):
        self.lstm = torch.nn.LSTM(FEATURES, UNITS, batch_first=True)
        self.head = torch.nn.Linear(UNITS, K)

    def parameters(self):
        return [*self.lstm.parameters(), *self.head.parameters()]

    def __call__(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


def torch_runner(x, y, batch):
    import torch

    torch.manual_seed(0)
    model = _TorchLSTMClassifier(torch)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        perm = torch.randperm(N)
        for i in range(0, N, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    one = xt[:1]

    def predict_one():
        with torch.no_grad():
            return model(one)

    return epoch, predict_one, model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after one warm-up")
    parser.add_argument("--batch", type=int, nargs="+", default=[64])
    parser.add_argument("--frameworks", nargs="+", default=["numen", "torch", "keras"])
    args = parser.parse_args(argv)
    x, y = data()
    runners = {"numen": numen_runner, "torch": torch_runner, "keras": keras_runner}
    out = []
    for batch in args.batch:
        rows, predict = {}, {}
        for name in args.frameworks:
            try:
                epoch, pred, _ = runners[name](x, y, batch)
            except ImportError:
                continue
            rows[name] = time_epochs(epoch, args.epochs)
            if batch == args.batch[0]:
                predict[name] = time_call(pred, 400)
        out.append(report(f"LSTM(64) classifier, 8k sequences x 50 steps x 32 features, Adam, "
                          f"batch {batch} (seconds per epoch)", rows,
                          "torch" if "torch" in rows else next(iter(rows))))
        if predict:
            out.append("\nPredict one sequence (predict_on_batch / no_grad forward): " +
                       ", ".join(f"{k} {v * 1e6:.0f} us" for k, v in predict.items()))
        out.append("")
    text = "\n".join(out)
    print(text)
    return text


if __name__ == "__main__":
    main()
