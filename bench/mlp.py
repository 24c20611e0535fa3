"""MLP 784-256-128-10 on 60k samples with Adam: numen vs PyTorch CPU (and Keras when
installed), in one process, epoch time as median/min/max and ratios.

Run: `make bench` or `.venv/bin/python bench/mlp.py [--epochs 3] [--batch 128 32]`.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from common import report, time_call, time_epochs  # noqa: E402

N, D, K = 60_000, 784, 10


def data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((N, D), dtype=np.float32)
    y = rng.integers(0, K, N).astype(np.int64)
    return x, y


def numen_runner(x, y, batch):
    from numen import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.layers.Dense(256, activation="relu", input_shape=(D,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(K),
    ])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    def epoch():
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)

    one = x[:1]
    return epoch, lambda: model.predict_on_batch(one), model


def torch_runner(x, y, batch):
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(D, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, K))
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


def keras_runner(x, y, batch):
    import keras  # optional: only when installed (make interop installs it)

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((D,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dense(K)])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    def epoch():
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)

    one = x[:1]
    return epoch, lambda: model.predict_on_batch(one), model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, nargs="+", default=[128, 32])
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
                predict[name] = time_call(pred, 2000)
        out.append(report(f"MLP 784-256-128-10, 60k samples, Adam, batch {batch} "
                          "(seconds per epoch)", rows, "torch"))
        if predict:
            out.append("\nPredict one sample (predict_on_batch / no_grad forward): " + ", ".join(
                f"{k} {v * 1e6:.0f} us" for k, v in predict.items()))
        out.append("")
    text = "\n".join(out)
    print(text)
    return text


if __name__ == "__main__":
    main()
