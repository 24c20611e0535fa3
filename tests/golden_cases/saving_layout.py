"""The layout of the HDF5 files Keras's saving writes for a model compiled with metrics and
trained: every group and dataset of `.weights.h5`, and of the `model.weights.h5` inside a
`.keras` file, with its shape and attributes. (Keras 3 writes no group for metrics: their
variables are not saved.)

Each case starts from `clear_session()`, so the automatic names do not depend on the cases
run before it. The outputs are arrays of strings compared exactly.
"""

import os
import tempfile
import zipfile

import numpy as np

from golden_cases.case import Case


def _layout(path) -> np.ndarray:
    import h5py

    rows = []

    def visit(name, obj):
        attrs = ",".join(f"{k}={obj.attrs[k]}" for k in sorted(obj.attrs))
        shape = f" {tuple(obj.shape)}" if isinstance(obj, h5py.Dataset) else "/"
        rows.append(f"{name}{shape} {attrs}".rstrip())

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return np.array(rows)


def _trained_files(k, model):
    x = np.linspace(0, 1, 24, dtype="float32").reshape(8, 3)
    y = np.array([[0], [1], [0], [1], [1], [0], [1], [0]], "float32")
    model.compile("adam", "binary_crossentropy",
                  metrics=["accuracy", k.metrics.AUC(num_thresholds=3), k.metrics.Precision()])
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, "m.weights.h5")
        model.save_weights(weights)
        whole = os.path.join(tmp, "m.keras")
        model.save(whole)
        with zipfile.ZipFile(whole) as z:
            z.extract("model.weights.h5", tmp)
        return _layout(weights), _layout(os.path.join(tmp, "model.weights.h5"))


def _functional(k):
    k.backend.clear_session()
    inputs = k.Input((3,))
    return _trained_files(k, k.Model(inputs, k.layers.Dense(1, activation="sigmoid")(inputs)))


def _sequential(k):
    k.backend.clear_session()
    return _trained_files(k, k.Sequential([k.Input((3,)), k.layers.Dense(2),
                                           k.layers.Dense(1, activation="sigmoid")]))


def _subclassed(k):
    # A model holding its own metric (the custom `train_step` pattern) and a block.
    class Block(k.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = k.layers.Dense(2)

        def call(self, x):
            return self.inner(x)

    class Net(k.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.block = Block()
            self.head = k.layers.Dense(1, activation="sigmoid")
            self.tracker = k.metrics.Mean(name="tracker")

        def call(self, x):
            return self.head(self.block(x))

    k.backend.clear_session()
    return _trained_files(k, Net())


CASES = [
    Case("functional", _functional, check_dtype=False),
    Case("sequential", _sequential, check_dtype=False),
    Case("subclassed", _subclassed, check_dtype=False),
]
