"""Small convnet on 28x28x1 images (12k samples, Adam): numen vs PyTorch CPU (and Keras 3 when
installed), in one process, epoch time as median/min/max and ratios.

Model: Conv2D(32, 3, relu) -> MaxPool(2) -> Conv2D(64, 3, relu) -> MaxPool(2) -> Flatten ->
Dropout(0.5) -> Dense(10), sparse cross-entropy from logits.

Run: `.venv/bin/python bench/convnet.py [--quick] [--epochs 3] [--batch 128] [--threads 1]
[--steps 60]`. `--threads` caps BLAS/OpenMP and torch to the same thread count (set before
NumPy loads); `--steps` also times single training steps, alternating numen and torch so that
both see the same machine load (the load average is printed with them).
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

if __name__ == "__main__":
    common.prepare_environment(sys.argv[1:])

import numpy as np  # noqa: E402

N, SIDE, K = 12_000, 28, 10


def data(samples: int = N, seed: int = 0):
    """Uniform float32 images (channels last) and integer labels."""
    rng = np.random.default_rng(seed)
    x = rng.random((samples, SIDE, SIDE, 1), dtype=np.float32)
    y = rng.integers(0, K, samples).astype(np.int64)
    return x, y


def _build(keras):
    layers = keras.layers
    return keras.Sequential([
        keras.Input((SIDE, SIDE, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(K),
    ])


def _torch_model(torch):
    nn = torch.nn
    side = ((SIDE - 2) // 2 - 2) // 2  # two valid 3x3 convolutions, two 2x2 poolings
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * side * side, K))


def _torch_data(torch, x, y):
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))), torch.from_numpy(y)


def torch_runner(x, y, batch):
    import torch

    torch.manual_seed(0)
    return common.torch_runner(_torch_model(torch), *_torch_data(torch, x, y), batch)


def time_steps(x, y, batch: int, steps: int) -> dict:
    """Median/min/max seconds of one training step, numen and torch alternating step by step."""
    import torch

    from numen import keras

    keras.utils.set_random_seed(0)
    model = _build(keras)
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    torch.manual_seed(0)
    net = _torch_model(torch)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt, yt = _torch_data(torch, x, y)
    loss_fn = torch.nn.CrossEntropyLoss()

    def numen_step(s):
        model.train_on_batch(x[s], y[s])

    def torch_step(s):
        opt.zero_grad()
        loss_fn(net(xt[s]), yt[s]).backward()
        opt.step()

    times = {"numen": [], "torch": []}
    n_batches = len(x) // batch
    for i in range(steps + 5):  # the first 5 are warm-up
        s = slice((i % n_batches) * batch, (i % n_batches + 1) * batch)
        for name, step in (("numen", numen_step), ("torch", torch_step)):
            t0 = time.perf_counter()
            step(s)
            if i >= 5:
                times[name].append(time.perf_counter() - t0)
    return {k: common.summarize(v) for k, v in times.items()}


def _steps_option(parser):
    parser.add_argument("--steps", type=int, default=0,
                        help="also time this many single steps, numen and torch alternating")

    def run(args) -> str:
        if not args.steps:
            return ""
        before = common.loadavg()
        rows = time_steps(*data(), args.batch[0], args.steps)
        lines = [f"One training step (forward + backward + Adam), batch {args.batch[0]}, "
                 f"{args.steps} alternating steps, seconds; load average {before} before, "
                 f"{common.loadavg()} after.", "", "| framework | median s | min s | max s |",
                 "|---|---:|---:|---:|"]
        lines += [f"| {k} | {r['median']:.4f} | {r['min']:.4f} | {r['max']:.4f} |"
                  for k, r in rows.items()]
        return "\n".join(lines) + "\n"

    return run


WORKLOAD = common.Workload(
    name="convnet", title="Convnet 28x28x1 (Conv32-Pool-Conv64-Pool-Dropout-Dense10)", data=data,
    samples=N, runners={**common.keras_api_runners(_build), "torch": torch_runner},
    batches=(128,), epochs=3, predict_repeats=400, unit="image")


if __name__ == "__main__":
    common.main_for(WORKLOAD, extra=_steps_option)
