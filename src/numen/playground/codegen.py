"""The Python script a user takes away: data, define, compile, fit, evaluate, predict.

It needs only NumPy and `from numen import keras` (change that line to `import keras` and it
runs under Keras 3); the data functions are copied from `datasets.py`, the source the page
itself uses, so the script's data are the page's data.
"""

from __future__ import annotations

import inspect
import json

from numen.playground import datasets
from numen.playground.setup import (
    OPTIMIZERS,
    RECURRENT_LAYERS,
    REGRESSION_2D,
    input_kind,
    input_shape,
    plan,
    task_of,
)

_HEADER = '''"""A model built in the numen playground.

Runs with `from numen import keras`; replace that line with `import keras` to run it on
Keras 3. {what}
"""

import numpy as np

from numen import keras

SEED = {seed}
keras.utils.set_random_seed(SEED)
rng = np.random.default_rng(SEED)
'''


def _layer_line(spec: dict) -> str:
    kind = spec["type"]
    if kind == "Dense":
        reg = (f", kernel_regularizer=keras.regularizers.L2({spec['l2']!r})"
               if spec["l2"] else "")
        return (f"keras.layers.Dense({spec['units']}, activation={spec['activation']!r}"
                f"{reg}),")
    if kind == "Dropout":
        return f"keras.layers.Dropout({spec['rate']!r}),"
    if kind == "Conv2D":
        return (f"keras.layers.Conv2D({spec['filters']}, {spec['kernel_size']}, "
                f"padding='same', activation={spec['activation']!r}),")
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        return f"keras.layers.{kind}({spec['pool_size']}, padding='same'),"
    if kind in RECURRENT_LAYERS:
        return f"keras.layers.{kind}({spec['units']}, return_sequences={spec['return_sequences']}),"
    return f"keras.layers.{kind}(),"


def _data_lines(setup: dict, encoding: dict | None, csv_name: str) -> tuple[list[str], str]:
    data = setup["data"]
    name = data["name"]
    if name == "digits":
        return ["# The UCI handwritten digits (8x8 images as 64 values in [0, 1]); numen ships",
                "# the same 1,797 images as scikit-learn.",
                "from sklearn.datasets import load_digits",
                "",
                "digits = load_digits()",
                "x = (digits.data / 16.0).astype('float32')",
                "y = digits.target.astype('float32')[:, None]",
                *(["x = x.reshape(-1, 8, 8, 1)  # images for the convolution layers"]
                  if input_kind(setup) == "image" else [])], "Data: the UCI handwritten digits."
    if name in datasets.SERIES:
        return [inspect.getsource(datasets.make_series).rstrip(), "", "",
                f"x, y = make_series({data['n']}, {data['noise']!r}, rng)"], \
            "Data: windows of noisy sine waves; the target is the next value."
    if name == "csv":
        return ["import csv",
                "",
                "",
                inspect.getsource(datasets.encode_table).rstrip(),
                "",
                "",
                f"# How each column of {csv_name} is encoded (learned by the playground).",
                f"ENCODING = {json.dumps(encoding, indent=1)}",
                f"with open({csv_name!r}, newline='', encoding='utf-8-sig') as f:",
                "    rows = [r for r in csv.reader(f) if any(c.strip() for c in r)]",
                "table = {h.strip(): [r[j].strip() for r in rows[1:]]",
                "         for j, h in enumerate(rows[0])}",
                "x, y = encode_table(table, ENCODING)"], f"Data: {csv_name}, target column " \
                                                         f"{data['target']!r}."
    lines = [inspect.getsource(datasets.make_2d).rstrip(), "", "",
             f"points, y = make_2d({name!r}, {data['n']}, {data['noise']!r}, rng)"]
    if data["features"] != ["x1", "x2"]:
        lines[1:1] = ["", "", inspect.getsource(datasets.add_features).rstrip()]
        lines.append(f"x = add_features(points, {data['features']!r})")
    else:
        lines.append("x = points")
    kind = "regression" if name in REGRESSION_2D else "classification"
    return lines, f"Data: the 2-D {kind} set {name!r}."


def script(setup: dict, n_classes: int | None = None, encoding: dict | None = None,
           csv_name: str = "data.csv") -> str:
    """A complete Python script reproducing the set-up (a normalized one, see `normalize`).

    For a CSV set-up, `encoding` is the learned column encoding and `csv_name` the file the
    script reads.

    >>> from numen.playground.setup import normalize
    >>> "keras.Sequential" in script(normalize({}))
    True
    """
    head = task_of(setup, n_classes, encoding["task"] if encoding else None)
    data_lines, what = _data_lines(setup, encoding, csv_name)
    shape = input_shape(setup, 0)
    n_inputs = "x.shape[1]," if shape == (0,) else ", ".join(map(str, shape))
    comp, fit = setup["compile"], setup["fit"]
    layers = "\n".join(f"    {_layer_line(s)}" for s in plan(setup))
    out_layer = f"    keras.layers.Dense({head['units']}, activation={head['activation']!r}),"
    parts = [
        _HEADER.format(what=what, seed=setup["seed"]),
        "# 1. Data",
        *data_lines,
        "",
        "# Hold out a test set (shuffled with the seed).",
        inspect.getsource(datasets.split).rstrip(),
        "",
        "",
        f"x_train, y_train, x_test, y_test = split(x, y, {setup['data']['test_ratio']!r}, rng)",
        "",
        "# 2. Define",
        "model = keras.Sequential([",
        f"    keras.Input(({n_inputs})),",
        *([layers] if layers else []),
        out_layer,
        "])",
        "model.summary()",
        "",
        "# 3. Compile",
        f"model.compile(optimizer=keras.optimizers.{OPTIMIZERS[comp['optimizer']]}"
        f"(learning_rate={comp['learning_rate']!r}),",
        f"              loss={head['loss']!r}, metrics={head['metrics']!r})",
        "",
        "# 4. Fit (the test set is shown as validation data, as on the page)",
        f"history = model.fit(x_train, y_train, epochs={fit['epochs']}, "
        f"batch_size={fit['batch_size']},",
        "                    validation_data=(x_test, y_test), verbose=2)",
        "",
        "# 5. Evaluate and predict",
        "print('test:', model.evaluate(x_test, y_test, verbose=0, return_dict=True))",
        "print('predictions for the first 5 test rows:')",
        "print(model.predict(x_test[:5], verbose=0))",
        "model.save('model.keras')",
        "",
    ]
    return "\n".join(parts)
