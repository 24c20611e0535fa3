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

from numen.playground.datasets import (
    CLASSIFICATION_2D,
    DATASETS,
    FEATURES,
    REGRESSION_2D,
    SERIES,
    SERIES_STEPS,
)

OPTIMIZERS = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad",
              "adamw": "AdamW", "nadam": "Nadam"}
ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax", "linear",
               "swish", "softplus")
IMAGE_LAYERS = ("Conv2D", "MaxPooling2D", "AveragePooling2D")
RECURRENT_LAYERS = ("SimpleRNN", "LSTM", "GRU")
LAYER_TYPES = ("Dense", "Dropout", "BatchNormalization", "Flatten", *IMAGE_LAYERS,
               *RECURRENT_LAYERS)
MAX_FILTERS = 64
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
    out = {"data": data, "layers": layers, "compile": comp, "fit": fit, "seed": seed}
    plan(out)  # image and recurrent layers only where the data fit them
    return out


def _layer(spec, where: str) -> dict:
    if not isinstance(spec, dict) or spec.get("type") not in LAYER_TYPES:
        _fail(where, f"expected an object with type one of {list(LAYER_TYPES)}, got {spec!r}")
    kind = spec["type"]
    if kind == "Dense":
        out = _merge({"type": "Dense", "units": 8, "activation": "relu", "l2": 0.0}, spec, where)
        out["units"] = _number(out["units"], f"{where}.units", 1, MAX_UNITS, int)
        _activation(out, where)
        out["l2"] = _number(out["l2"], f"{where}.l2", 0, 1)
        return out
    if kind == "Dropout":
        out = _merge({"type": "Dropout", "rate": 0.2}, spec, where)
        out["rate"] = _number(out["rate"], f"{where}.rate", 0, 0.95)
        return out
    if kind == "Conv2D":
        out = _merge({"type": "Conv2D", "filters": 8, "kernel_size": 3, "activation": "relu"},
                     spec, where)
        out["filters"] = _number(out["filters"], f"{where}.filters", 1, MAX_FILTERS, int)
        out["kernel_size"] = _number(out["kernel_size"], f"{where}.kernel_size", 1, 5, int)
        _activation(out, where)
        return out
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        out = _merge({"type": kind, "pool_size": 2}, spec, where)
        out["pool_size"] = _number(out["pool_size"], f"{where}.pool_size", 1, 4, int)
        return out
    if kind in RECURRENT_LAYERS:
        out = _merge({"type": kind, "units": 16}, spec, where)
        out["units"] = _number(out["units"], f"{where}.units", 1, MAX_UNITS, int)
        return out
    return _merge({"type": kind}, spec, where)


def _activation(out: dict, where: str) -> None:
    if out["activation"] not in ACTIVATIONS:
        _fail(f"{where}.activation", f"expected one of {list(ACTIVATIONS)}, got "
                                     f"{out['activation']!r}")


# -- what the layers become ---------------------------------------------------------------------
def input_kind(setup: dict) -> str:
    """'image' (digits as 8x8x1, when an image layer is used), 'sequence' (the sine set,
    `SERIES_STEPS` x 1) or 'flat' (one row of numbers)."""
    name = setup["data"]["name"]
    if name in SERIES:
        return "sequence"
    if name == "digits" and any(s["type"] in IMAGE_LAYERS for s in setup["layers"]):
        return "image"
    return "flat"


def input_shape(setup: dict, n_inputs: int) -> tuple:
    kind = input_kind(setup)
    return {"image": (8, 8, 1), "sequence": (SERIES_STEPS, 1)}.get(kind, (n_inputs,))


def plan(setup: dict) -> list[dict]:
    """The layers the model is built from, in order: the set-up's own, with `return_sequences`
    set on a recurrent layer that another one follows, and a Flatten added where a Dense layer
    (or the output layer) meets images or sequences. `build_model` and the code generator both
    read this list, so the page's model and the script's cannot differ.

    Raises:
        ValueError: an image layer without image data, a recurrent layer without a series,
        or either one after the data were flattened; named by its place.
    """
    kind = input_kind(setup)
    specs = setup["layers"]
    out = []
    for i, spec in enumerate(specs):
        where, t = f"layers[{i}]", spec["type"]
        if t in IMAGE_LAYERS and kind != "image":
            _fail(where, f"{t} needs images (the digits set) that are not flattened yet; "
                         f"here the data are {_kinds[kind]}")
        if t in RECURRENT_LAYERS:
            if kind != "sequence":
                _fail(where, f"{t} needs a series (the sine set) that is not flattened yet; "
                             f"here the data are {_kinds[kind]}")
            follows = any(s["type"] in RECURRENT_LAYERS for s in specs[i + 1:])
            out.append({**spec, "return_sequences": follows})
            if not follows:
                kind = "flat"
            continue
        if t == "Flatten" or t == "Dense" and kind != "flat":
            out.append({"type": "Flatten"})
            kind = "flat"
        if t != "Flatten":
            out.append(dict(spec))
    if kind != "flat":
        out.append({"type": "Flatten"})
    return out


_kinds = {"image": "images", "sequence": "a series", "flat": "flat rows of numbers"}


# -- the task the data calls for ----------------------------------------------------------------
def task_of(setup: dict, n_classes: int | None = None, csv_task: str | None = None) -> dict:
    """{'task', 'units', 'activation', 'loss', 'metrics'}: the output layer and compile
    arguments the data set needs (binary, multiclass or regression)."""
    name = setup["data"]["name"]
    if name in CLASSIFICATION_2D or csv_task == "binary":
        task = "binary"
    elif name in REGRESSION_2D or name in SERIES or csv_task == "regression":
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
    layers = [keras.Input(input_shape(setup, n_inputs))]
    for spec in plan(setup):
        layers.append(make_layer(keras, spec))
    layers.append(keras.layers.Dense(head["units"], activation=head["activation"]))
    model = keras.Sequential(layers)
    optimizer = getattr(keras.optimizers, OPTIMIZERS[setup["compile"]["optimizer"]])
    model.compile(optimizer=optimizer(learning_rate=setup["compile"]["learning_rate"]),
                  loss=head["loss"], metrics=head["metrics"])
    return model


def make_layer(keras, spec: dict):
    """One layer of `plan(setup)` built with the `keras` module given."""
    t, L = spec["type"], keras.layers
    if t == "Dense":
        reg = keras.regularizers.L2(spec["l2"]) if spec["l2"] else None
        return L.Dense(spec["units"], activation=spec["activation"], kernel_regularizer=reg)
    if t == "Dropout":
        return L.Dropout(spec["rate"])
    if t == "Conv2D":
        return L.Conv2D(spec["filters"], spec["kernel_size"], padding="same",
                        activation=spec["activation"])
    if t in ("MaxPooling2D", "AveragePooling2D"):
        return getattr(L, t)(spec["pool_size"], padding="same")
    if t in RECURRENT_LAYERS:
        return getattr(L, t)(spec["units"], return_sequences=spec["return_sequences"])
    return getattr(L, t)()


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
