"""One JSON set-up (data, layers, compile, fit, seed) is the playground's single source of truth:
`build_model` makes the numen model from it, `codegen.script` the Python a user takes away, and
`to_fragment` / `from_fragment` the page address that reproduces it.

>>> s = normalize({"data": {"name": "xor"}})
>>> from_fragment(to_fragment(s)) == s
True
"""

from __future__ import annotations

import base64
import copy
import json

from numen.playground.datasets import CLASSIFICATION_2D, DATASETS, FEATURES, REGRESSION_2D

OPTIMIZERS = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad",
              "adamw": "AdamW", "nadam": "Nadam"}
ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax", "linear",
               "swish", "softplus")
LAYER_TYPES = ("Dense", "Dropout", "BatchNormalization")
MAX_UNITS, MAX_LAYERS, MAX_POINTS, MAX_EPOCHS = 256, 12, 2000, 10_000

DEFAULT = {
    "data": {"name": "circle", "n": 400, "noise": 0.1, "test_ratio": 0.3,
             "features": ["x1", "x2"], "target": None},
    "layers": [{"type": "Dense", "units": 8, "activation": "tanh", "l2": 0.0},
               {"type": "Dense", "units": 8, "activation": "tanh", "l2": 0.0}],
    "compile": {"optimizer": "adam", "learning_rate": 0.03},
    "fit": {"epochs": 200, "batch_size": 16},
    "seed": 0,
}


def _fail(where: str, message: str):
    raise ValueError(f"playground set-up: {where}: {message}")


def _number(value, where, low, high, kind=float):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(where, f"expected a number, got {value!r}")
    if kind is int and value != int(value):
        _fail(where, f"expected a whole number, got {value!r}")
    if not low <= value <= high:
        _fail(where, f"expected a value in [{low}, {high}], got {value!r}")
    return kind(value)


def _merge(default: dict, given: dict, where: str) -> dict:
    if not isinstance(given, dict):
        _fail(where, f"expected an object, got {type(given).__name__}")
    unknown = set(given) - set(default)
    if unknown:
        _fail(where, f"unknown keys {sorted(unknown)}; known: {sorted(default)}")
    return {**default, **given}


def normalize(setup: dict | None) -> dict:
    """The set-up with defaults filled in and every value checked.

    Raises:
        ValueError: an unknown key or data set, or a value out of range, named by its place.
    """
    given = _merge(DEFAULT, copy.deepcopy(setup or {}), "set-up")
    data = _merge(DEFAULT["data"], given["data"], "data")
    if data["name"] not in DATASETS:
        _fail("data.name", f"expected one of {list(DATASETS)}, got {data['name']!r}")
    data["n"] = _number(data["n"], "data.n", 20, MAX_POINTS, int)
    data["noise"] = _number(data["noise"], "data.noise", 0, 1)
    data["test_ratio"] = _number(data["test_ratio"], "data.test_ratio", 0.05, 0.9)
    feats = data["features"]
    if not isinstance(feats, list) or not feats or any(f not in FEATURES for f in feats):
        _fail("data.features", f"expected a non-empty list of {list(FEATURES)}, got {feats!r}")
    data["features"] = [f for f in FEATURES if f in feats]
    if data["name"] == "csv" and not isinstance(data["target"], str):
        _fail("data.target", "a CSV set-up needs the name of the target column")
    layers = given["layers"]
    if not isinstance(layers, list) or len(layers) > MAX_LAYERS:
        _fail("layers", f"expected a list of at most {MAX_LAYERS} layers")
    layers = [_layer(spec, f"layers[{i}]") for i, spec in enumerate(layers)]
    comp = _merge(DEFAULT["compile"], given["compile"], "compile")
    if comp["optimizer"] not in OPTIMIZERS:
        _fail("compile.optimizer", f"expected one of {list(OPTIMIZERS)}, got "
                                   f"{comp['optimizer']!r}")
    comp["learning_rate"] = _number(comp["learning_rate"], "compile.learning_rate", 1e-6, 10)
    fit = _merge(DEFAULT["fit"], given["fit"], "fit")
    fit["epochs"] = _number(fit["epochs"], "fit.epochs", 1, MAX_EPOCHS, int)
    fit["batch_size"] = _number(fit["batch_size"], "fit.batch_size", 1, 4096, int)
    seed = _number(given["seed"], "seed", 0, 2**31 - 1, int)
    return {"data": data, "layers": layers, "compile": comp, "fit": fit, "seed": seed}


def _layer(spec, where: str) -> dict:
    if not isinstance(spec, dict) or spec.get("type") not in LAYER_TYPES:
        _fail(where, f"expected an object with type one of {list(LAYER_TYPES)}, got {spec!r}")
    if spec["type"] == "Dense":
        out = _merge({"type": "Dense", "units": 8, "activation": "relu", "l2": 0.0}, spec, where)
        out["units"] = _number(out["units"], f"{where}.units", 1, MAX_UNITS, int)
        if out["activation"] not in ACTIVATIONS:
            _fail(f"{where}.activation", f"expected one of {list(ACTIVATIONS)}, got "
                                         f"{out['activation']!r}")
        out["l2"] = _number(out["l2"], f"{where}.l2", 0, 1)
        return out
    if spec["type"] == "Dropout":
        out = _merge({"type": "Dropout", "rate": 0.2}, spec, where)
        out["rate"] = _number(out["rate"], f"{where}.rate", 0, 0.95)
        return out
    return _merge({"type": "BatchNormalization"}, spec, where)


# -- the task the data calls for ----------------------------------------------------------------
def task_of(setup: dict, n_classes: int | None = None, csv_task: str | None = None) -> dict:
    """{'task', 'units', 'activation', 'loss', 'metrics'}: the output layer and compile
    arguments the data set needs (binary, multiclass or regression)."""
    name = setup["data"]["name"]
    if name in CLASSIFICATION_2D or csv_task == "binary":
        task = "binary"
    elif name in REGRESSION_2D or csv_task == "regression":
        task = "regression"
    else:
        task = "multiclass"
    if task == "binary":
        return {"task": task, "units": 1, "activation": "sigmoid",
                "loss": "binary_crossentropy", "metrics": ["accuracy"]}
    if task == "regression":
        return {"task": task, "units": 1, "activation": "linear", "loss": "mse",
                "metrics": ["mae"]}
    return {"task": task, "units": n_classes or 10, "activation": "softmax",
            "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}


def build_model(setup: dict, n_inputs: int, head: dict):
    """The compiled numen model the set-up describes (seeded: same set-up, same weights).

    >>> from numen.playground.setup import build_model, normalize, task_of
    >>> s = normalize({"data": {"name": "xor"}})
    >>> build_model(s, 2, task_of(s)).count_params()
    105
    """
    from numen import keras

    keras.utils.set_random_seed(setup["seed"])
    layers = [keras.Input((n_inputs,))]
    for spec in setup["layers"]:
        if spec["type"] == "Dense":
            reg = keras.regularizers.L2(spec["l2"]) if spec["l2"] else None
            layers.append(keras.layers.Dense(spec["units"], activation=spec["activation"],
                                             kernel_regularizer=reg))
        elif spec["type"] == "Dropout":
            layers.append(keras.layers.Dropout(spec["rate"]))
        else:
            layers.append(keras.layers.BatchNormalization())
    layers.append(keras.layers.Dense(head["units"], activation=head["activation"]))
    model = keras.Sequential(layers)
    optimizer = getattr(keras.optimizers, OPTIMIZERS[setup["compile"]["optimizer"]])
    model.compile(optimizer=optimizer(learning_rate=setup["compile"]["learning_rate"]),
                  loss=head["loss"], metrics=head["metrics"])
    return model


# -- the page address ---------------------------------------------------------------------------
def to_fragment(setup: dict) -> str:
    """The set-up as the URL fragment `s=<base64url of compact JSON>`."""
    text = json.dumps(setup, separators=(",", ":"), sort_keys=True)
    return "s=" + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def from_fragment(fragment: str) -> dict:
    """The set-up a fragment from `to_fragment` holds (checked by `normalize`).

    Raises:
        ValueError: the fragment is not one `to_fragment` wrote.
    """
    text = fragment.lstrip("#")
    if not text.startswith("s="):
        raise ValueError(f"playground set-up: the address fragment must start with 's=', "
                         f"got {text[:20]!r}")
    body = text[2:]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return normalize(json.loads(raw))
    except (ValueError, UnicodeDecodeError) as exc:
        if str(exc).startswith("playground set-up"):
            raise
        raise ValueError(f"playground set-up: the address fragment is not a valid set-up: "
                         f"{exc}") from None
