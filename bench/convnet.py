"""Small convnet on 28x28x1 images (12k samples, Adam): numen vs PyTorch CPU (and Keras when
installed), in one process, epoch time as median/min/max and ratios.

Model: Conv2D(32, 3, relu) -> MaxPool(2) -> Conv2D(64, 3, relu) -> MaxPool(2) -> Flatten ->
Dropout(0.5) -> Dense(10), sparse cross-entropy from logits.

Run: `.venv/bin/python bench/convnet.py [--epochs 2] [--batch 128] [--threads 1]
[--steps 60]`. `--threads` caps BLAS/OpenMP and torch to the same thread count (set before
NumPy loads); `--steps` also times single training steps, alternating numen and torch so that
both see the same machine load (the load average is printed with them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def _threads_from_argv(argv) -> str | None:
    """The --threads value, read before NumPy is imported (its BLAS reads the env once)."""
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__" and _threads_from_argv(sys.argv[1:]):
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _threads_from_argv(sys.argv[1:])

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from common import report, time_call, time_epochs  # noqa: E402

N, SIDE, K = 12_000, 28, 10


def data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((N, SIDE, SIDE, 1), dtype=np.float32)
    y = rng.integers(0, K, N).astype(np.int64)
    return x, y


def _keras_style_model(keras):
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


def _keras_style_runner(keras, x, y, batch):
    keras.utils.set_random_seed(0)
    model = _keras_style_model(keras)
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


def torch_runner(x, y, batch):
    import torch

    torch.manual_seed(0)
    nn = torch.nn
    side = ((SIDE - 2) // 2 - 2) // 2  # two valid 3x3 convolutions, two 2x2 poolings
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * side * side, K))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))  # channels first
    yt = torch.from_numpy(y)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        model.train()
        perm = torch.randperm(N)
        for i in range(0, N, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    one = xt[:1]

    def predict_one():
        model.eval()
        with torch.no_grad():
            return model(one)

    return epoch, predict_one, model


def time_steps(x, y, batch, steps):
    """Median/min ms of one training step, numen and torch alternating step by step."""
    import torch

    from numen import keras

    keras.utils.set_random_seed(0)
    model = _keras_style_model(keras)
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    torch.manual_seed(0)
    nn = torch.nn
    side = ((SIDE - 2) // 2 - 2) // 2
    net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * side * side, K))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y)
    loss_fn = nn.CrossEntropyLoss()

    def numen_step(s):
        model.train_on_batch(x[s], y[s])

    def torch_step(s):
        opt.zero_grad()
        loss_fn(net(xt[s]), yt[s]).backward()
        opt.step()

    times = {"numen": [], "torch": []}
    n_batches = N // batch
    for i in range(steps + 5):  # the first 5 are warm-up
        s = slice((i % n_batches) * batch, (i % n_batches + 1) * batch)
        for name, step in (("numen", numen_step), ("torch", torch_step)):
            t0 = time.perf_counter()
            step(s)
            if i >= 5:
                times[name].append(time.perf_counter() - t0)
    return {k: {"median": statistics.median(v), "min": min(v), "max": max(v)}
            for k, v in times.items()}


def _loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after one warm-up")
    parser.add_argument("--batch", type=int, nargs="+", default=[128])
    parser.add_argument("--frameworks", nargs="+", default=["numen", "torch", "keras"])
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS/OpenMP/torch threads (default: the libraries' own)")
    parser.add_argument("--steps", type=int, default=0,
                        help="also time this many single steps, numen and torch alternating")
    args = parser.parse_args(argv)
    if args.threads:
        try:
            import torch

            torch.set_num_threads(args.threads)
        except ImportError:
            pass
    x, y = data()
    out = [f"threads: {args.threads or 'default'}, load average before: {_loadavg()}"]
    if args.steps:
        rows = time_steps(x, y, args.batch[0], args.steps)
        out.append(report(f"One training step (forward + backward + Adam), batch "
                          f"{args.batch[0]}, {args.steps} alternating steps (seconds)", rows,
                          "torch"))
        out.append(f"load average after the steps: {_loadavg()}\n")
    runners = {"numen": numen_runner, "torch": torch_runner, "keras": keras_runner}
    for batch in args.batch if args.epochs > 0 else []:
        rows, predict = {}, {}
        for name in args.frameworks:
            try:
                epoch, pred, _ = runners[name](x, y, batch)
            except ImportError:
                continue
            rows[name] = time_epochs(epoch, args.epochs)
            if batch == args.batch[0]:
                predict[name] = time_call(pred, 400)
        out.append(report(f"Convnet 28x28x1 (Conv32-Pool-Conv64-Pool-Dropout-Dense10), 12k "
                          f"samples, Adam, batch {batch} (seconds per epoch)", rows,
                          "torch" if "torch" in rows else next(iter(rows))))
        if predict:
            out.append("\nPredict one sample (predict_on_batch / no_grad forward): " + ", ".join(
                f"{k} {v * 1e6:.0f} us" for k, v in predict.items()))
        out.append("")
    out.append(f"load average after: {_loadavg()}")
    text = "\n".join(out)
    print(text)
    return text


if __name__ == "__main__":
    main()
