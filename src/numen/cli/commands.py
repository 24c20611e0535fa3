"""What each `numen` subcommand does: train, predict, evaluate, summary.

A model trained here is saved as a Keras `.keras` file with one extra zip member,
`numen_preprocessing.json`: the column names and types, category lists, means and standard
deviations, the task and the class labels. `keras.saving.load_model` reads only the members
it knows, so the file still loads as a plain model; `numen predict` and `numen evaluate` read
the extra member to prepare new data the same way as the training data.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import zipfile

import numpy as np

from numen import keras
from numen.cli.tabular import Preprocessing, UserError, read_table

PREPROCESSING_MEMBER = "numen_preprocessing.json"


# -- the model file ---------------------------------------------------------------------------
def save(model, prep: Preprocessing, path: str) -> None:
    model.save(path)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(PREPROCESSING_MEMBER, json.dumps(prep.to_json(), indent=1))


def load(path: str):
    """(model, preprocessing) from a file written by `numen train`."""
    try:
        with zipfile.ZipFile(path) as z:
            if PREPROCESSING_MEMBER not in z.namelist():
                raise UserError(f"{path}: this model was not saved by `numen train` (it has no "
                                f"{PREPROCESSING_MEMBER}); load it with keras.saving.load_model")
            prep = Preprocessing.from_json(json.loads(z.read(PREPROCESSING_MEMBER)))
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, IsADirectoryError):
        raise UserError(f"{path}: not a .keras model file") from None
    try:
        model = keras.saving.load_model(path)
    except ValueError as exc:
        raise UserError(f"{path}: cannot load the model: {exc}") from None
    return model, prep


# -- training ---------------------------------------------------------------------------------
def build_model(n_inputs: int, prep: Preprocessing, layers: list[int], optimizer,
                learning_rate: float | None):
    """A Dense ReLU stack with the output layer, loss and metrics the task calls for."""
    if prep.task == "binary":
        units, activation, loss, metrics = 1, "sigmoid", "binary_crossentropy", ["accuracy"]
    elif prep.task == "multiclass":
        units, activation = len(prep.classes), "softmax"
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    else:
        units, activation, loss, metrics = 1, None, "mse", ["mae"]
    model = keras.Sequential([keras.Input((n_inputs,))]
                             + [keras.layers.Dense(n, activation="relu") for n in layers]
                             + [keras.layers.Dense(units, activation=activation)])
    try:
        opt = keras.optimizers.get(optimizer)
    except ValueError as exc:
        raise UserError(f"--optimizer: {exc}") from None
    if learning_rate is not None:
        opt = type(opt).from_config({**opt.get_config(), "learning_rate": learning_rate})
    model.compile(optimizer=opt, loss=loss, metrics=metrics)
    return model


def split(n: int, validation: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, validation rows), shuffled; at least one row on each side."""
    if not 0 < validation < 1:
        raise UserError(f"--validation-split must be between 0 and 1, got {validation}")
    if n < 2:
        raise UserError(f"the data has {n} row; training needs at least 2 (one to train on, "
                        "one to validate)")
    order = rng.permutation(n)
    n_val = min(max(1, round(n * validation)), n - 1)
    return order[n_val:], order[:n_val]


def train(args) -> int:
    table = read_table(args.data)
    prep = Preprocessing.fit(table, args.target, args.task)
    x = prep.transform(table)
    y = prep.encode_target(table[args.target])
    keras.utils.set_random_seed(args.seed)
    train_rows, val_rows = split(len(x), args.validation_split, np.random.default_rng(args.seed))
    model = build_model(x.shape[1], prep, args.layers, args.optimizer, args.learning_rate)
    out = _print_fn(args)
    out(f"{args.data}: {len(x)} rows, {len(prep.features)} feature columns -> {x.shape[1]} "
        f"inputs; task: {prep.task}" + (f" ({len(prep.classes)} classes)" if prep.classes
                                        else ""))
    callbacks = []
    if args.early_stopping:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=args.early_stopping, restore_best_weights=True))
    history = model.fit(x[train_rows], y[train_rows], epochs=args.epochs,
                        batch_size=args.batch_size, verbose=args.verbose,
                        validation_data=(x[val_rows], y[val_rows]), callbacks=callbacks)
    scores = score(model, prep, x[val_rows], y[val_rows])
    out(f"validation ({len(val_rows)} rows): " + _format(scores))
    save(model, prep, args.output)
    out(f"saved the model and its preprocessing to {args.output}")
    if args.plot:
        keras.utils.plot_history(history, to_file=args.plot)
        out(f"saved the training curves to {args.plot}")
    return 0


# -- using a trained model --------------------------------------------------------------------
def score(model, prep: Preprocessing, x: np.ndarray, y: np.ndarray) -> dict:
    """Metrics in the target's own units: accuracy and log loss, or MAE, RMSE and R^2."""
    output = np.asarray(model.predict(x, verbose=0))
    if prep.task == "regression":
        pred = output[:, 0] * prep.target_std + prep.target_mean
        true = y[:, 0] * prep.target_std + prep.target_mean
        err = pred - true
        total = float(np.sum((true - true.mean()) ** 2))
        r2 = 1 - float(np.sum(err ** 2)) / total if total > 0 else float("nan")
        return {"mae": float(np.abs(err).mean()), "rmse": math.sqrt(float(np.mean(err ** 2))),
                "r2": r2}
    _, proba = prep.decode(output)
    index = y[:, 0].astype(int)
    picked = np.clip(proba[np.arange(len(index)), index], 1e-7, 1.0)
    return {"accuracy": float(np.mean(proba.argmax(axis=1) == index)),
            "log_loss": float(-np.mean(np.log(picked)))}


def _format(scores: dict) -> str:
    return "  ".join(f"{k} {v:.4f}" for k, v in scores.items())


def _print_fn(args):
    return (lambda *a, **k: None) if args.verbose == 0 else print


def predict(args) -> int:
    model, prep = load(args.model)
    table = read_table(args.data)
    output = np.asarray(model.predict(prep.transform(table), verbose=0))
    labels, proba = prep.decode(output)
    header = ["prediction"]
    rows = [[_cell(v)] for v in labels]
    if proba is not None:
        header += [f"probability_{c}" for c in prep.classes]
        rows = [row + [f"{p:.6g}" for p in ps] for row, ps in zip(rows, proba)]
    stream = open(args.output, "w", newline="") if args.output else sys.stdout
    try:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    finally:
        if args.output:
            stream.close()
    if args.output:
        print(f"wrote {len(rows)} predictions to {args.output}", file=sys.stderr)
    return 0


def _cell(value) -> str:
    return f"{value:.6g}" if isinstance(value, (float, np.floating)) else str(value)


def evaluate(args) -> int:
    model, prep = load(args.model)
    table = read_table(args.data)
    target = args.target or prep.target
    if target not in table:
        raise UserError(f"target column {target!r} is not in {args.data}; columns are "
                        f"{list(table)}")
    x = prep.transform(table)
    y = prep.encode_target(table[target])
    scores = score(model, prep, x, y)
    print(f"{args.data} ({len(x)} rows, task {prep.task}):")
    for name, value in scores.items():
        print(f"  {name}: {value:.4f}")
    return 0


def summary(args) -> int:
    model, prep = load(args.model)
    model.summary()
    print(f"task: {prep.task}   target: {prep.target}")
    if prep.classes:
        print(f"classes: {', '.join(prep.classes)}")
    for f in prep.features:
        if f["kind"] == "numeric":
            detail = f"numeric, standardized (mean {f['mean']:.4g}, std {f['std']:.4g})"
        else:
            detail = f"one-hot over {len(f['categories'])} categories"
        print(f"  {f['name']}: {detail}")
    return 0
