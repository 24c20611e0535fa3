"""The attributes Keras programs read on EarlyStopping, ModelCheckpoint and ReduceLROnPlateau,
before and after fit: `monitor_op` (None until the first epoch end, then a function named 'less'
or 'greater'), `min_delta` (negated with 'less'), `best`, `mode`, `wait`."""

import os
import tempfile

import numpy as np

from golden_cases.case import Case, f32


def _op_name(callback):
    return "None" if callback.monitor_op is None else callback.monitor_op.__name__


def _attributes(callback, names):
    return [np.array(_op_name(callback))] + [
        np.array("None" if getattr(callback, n) is None else getattr(callback, n))
        for n in names]


def _fit(k, w, b, x, y):
    inputs = k.Input((3,))
    model = k.Model(inputs, k.layers.Dense(1, name="out")(inputs))
    model.set_weights([w, b])
    model.compile(optimizer=k.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    folder = tempfile.mkdtemp()
    callbacks = [
        k.callbacks.EarlyStopping(monitor="val_loss", min_delta=0.01, patience=5),
        k.callbacks.EarlyStopping(monitor="val_mae", mode="max", baseline=0.5, min_delta=0.2),
        k.callbacks.ModelCheckpoint(os.path.join(folder, "m.weights.h5"), monitor="val_mae",
                                    save_best_only=True, save_weights_only=True,
                                    initial_value_threshold=10.0),
        k.callbacks.ReduceLROnPlateau(monitor="loss", mode="max", min_delta=0.001, patience=1),
    ]
    names = [["min_delta", "best", "mode", "wait", "baseline"],
             ["min_delta", "best", "mode", "wait", "baseline"],
             ["min_delta", "best", "mode"],
             ["min_delta", "best", "mode", "wait", "cooldown_counter"]]
    before = [_attributes(c, n) for c, n in zip(callbacks, names)]
    model.fit(x[:12], y[:12], validation_data=(x[12:], y[12:]), batch_size=4, epochs=3,
              shuffle=False, verbose=0, callbacks=callbacks)
    after = [_attributes(c, n) for c, n in zip(callbacks, names)]
    # The ops themselves: called as Keras's own code calls them.
    calls = [np.asarray(k.ops.convert_to_numpy(c.monitor_op(1.0, 2.0))) for c in callbacks]
    return before, after, calls, np.asarray(
        k.ops.convert_to_numpy(model.optimizer.learning_rate)).astype("float64")


CASES = [
    Case("fit_three_epochs", _fit, [f32(3, 1), f32(1), f32(16, 3), f32(16, 1)], rtol=1e-4,
         atol=1e-5),
]
