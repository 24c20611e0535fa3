"""Tables for the command line: read CSV (or Parquet) files and turn their columns into the
float32 matrix a model takes, with every choice recorded so that `predict` repeats it.

Numeric columns are standardized (missing values take the training mean); text columns are
one-hot encoded (a value unseen in training encodes as all zeros). The target decides the
task: text, or few whole numbers, is classification; other numbers are regression.
"""

from __future__ import annotations

import csv
import math
import pathlib
from dataclasses import asdict, dataclass, field

import numpy as np

MAX_CATEGORIES = 100  # a text column with more distinct values is rejected, not one-hot encoded
MAX_INTEGER_CLASSES = 20  # whole-number targets with at most this many values are classes
TASKS = ("binary", "multiclass", "regression")


class UserError(Exception):
    """A problem with what the user gave us: reported as one line, exit status 1."""


def read_table(path: str) -> dict[str, list]:
    """The columns of a CSV or Parquet file, in file order: {name: values}.

    CSV values stay strings (typed later); Parquet needs pandas with pyarrow.

    Raises:
        UserError: the file is missing, empty, has no data rows or ragged rows.
    """
    p = pathlib.Path(path)
    if not p.exists():
        raise UserError(f"{path}: no such file")
    if p.is_dir():
        raise UserError(f"{path}: is a directory, expected a CSV or Parquet file")
    if p.suffix.lower() in (".parquet", ".pq"):
        return _read_parquet(path)
    with open(p, newline="", encoding="utf-8-sig") as f:
        rows = [row for row in csv.reader(f) if any(cell.strip() for cell in row)]
    if not rows:
        raise UserError(f"{path}: the file is empty (expected a header row and data rows)")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    if not body:
        raise UserError(f"{path}: the file has a header but no data rows")
    if len(set(header)) != len(header) or "" in header:
        raise UserError(f"{path}: column names must be unique and non-empty, got {header}")
    for i, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise UserError(f"{path}, line {i}: {len(row)} values but the header has "
                            f"{len(header)} columns")
    return {name: [row[j].strip() for row in body] for j, name in enumerate(header)}


def _read_parquet(path: str) -> dict[str, list]:
    try:
        import pandas as pd

        frame = pd.read_parquet(path)
    except ImportError as exc:
        raise UserError(f"{path}: reading Parquet needs pandas and pyarrow "
                        f"(pip install pandas pyarrow): {exc}") from None
    except Exception as exc:  # pyarrow raises its own error types for bad files
        raise UserError(f"{path}: cannot read as Parquet: {exc}") from None
    if frame.empty:
        raise UserError(f"{path}: the file has no data rows")
    return {str(c): ["" if _is_missing(v) else v for v in frame[c].tolist()]
            for c in frame.columns}


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _as_floats(values: list) -> np.ndarray | None:
    """The values as floats (NaN where missing), or None when some value is not a number."""
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        if _is_missing(v):
            out[i] = np.nan
            continue
        try:
            out[i] = float(v)
        except (TypeError, ValueError):
            return None
    return out


@dataclass
class Preprocessing:
    """Everything needed to turn a table into model inputs again (saved as JSON)."""

    target: str
    task: str
    features: list = field(default_factory=list)  # [{name, kind, mean, std | categories}]
    classes: list = field(default_factory=list)
    target_mean: float = 0.0
    target_std: float = 1.0

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Preprocessing:
        return cls(**data)

    @property
    def n_inputs(self) -> int:
        return sum(1 if f["kind"] == "numeric" else len(f["categories"])
                   for f in self.features)

    # -- fitting ---------------------------------------------------------------------------
    @classmethod
    def fit(cls, table: dict[str, list], target: str, task: str = "auto") -> Preprocessing:
        """Learn column types, scalings, categories and the task from a training table.

        Raises:
            UserError: missing target column, no feature columns, a text column with too many
                distinct values, a target that does not fit the requested task.
        """
        if target not in table:
            raise UserError(f"target column {target!r} is not in the data; columns are "
                            f"{list(table)}")
        if len(table) < 2:
            raise UserError(f"the data has only the target column {target!r}; there is "
                            "nothing to learn from")
        y = table[target]
        if any(_is_missing(v) for v in y):
            raise UserError(f"target column {target!r} has missing values")
        prep = cls(target=target, task=_detect_task(y, target, task))
        if prep.task == "regression":
            values = _as_floats(y)
            prep.target_mean = float(values.mean())
            prep.target_std = float(values.std()) or 1.0
        else:
            prep.classes = sorted({_label(v) for v in y}, key=_label_order)
        for name, values in table.items():
            if name != target:
                prep.features.append(_describe_column(name, values))
        return prep

    # -- applying --------------------------------------------------------------------------
    def transform(self, table: dict[str, list]) -> np.ndarray:
        """The float32 model input for `table` (which must have the training features).

        Raises:
            UserError: a feature column is missing, or a numeric column holds text.
        """
        missing = [f["name"] for f in self.features if f["name"] not in table]
        if missing:
            raise UserError(f"the data lacks the feature columns {missing} the model was "
                            "trained with")
        parts = []
        for f in self.features:
            values = table[f["name"]]
            if f["kind"] == "numeric":
                x = _as_floats(values)
                if x is None:
                    bad = next(v for v in values if _as_floats([v]) is None)
                    raise UserError(f"column {f['name']!r} was numeric in training but holds "
                                    f"the non-numeric value {bad!r}")
                x = np.where(np.isnan(x), f["mean"], x)
                parts.append(((x - f["mean"]) / f["std"])[:, None])
            else:
                index = {c: i for i, c in enumerate(f["categories"])}
                onehot = np.zeros((len(values), len(index)))
                for row, v in enumerate(values):
                    col = index.get(str(v))
                    if col is not None:
                        onehot[row, col] = 1
                parts.append(onehot)
        n = len(next(iter(table.values())))
        return (np.concatenate(parts, axis=1) if parts else np.zeros((n, 0))).astype("float32")

    def encode_target(self, values: list) -> np.ndarray:
        """Class indices (classification) or the standardized target (regression)."""
        if self.task == "regression":
            y = _as_floats(values)
            if y is None or np.isnan(y).any():
                raise UserError(f"target column {self.target!r} must hold numbers for "
                                "regression, with none missing")
            return ((y - self.target_mean) / self.target_std).astype("float32")[:, None]
        index = {c: i for i, c in enumerate(self.classes)}
        unknown = sorted({_label(v) for v in values} - set(index), key=_label_order)
        if unknown:
            raise UserError(f"target column {self.target!r} holds labels {unknown} that the "
                            f"model was not trained on (known: {self.classes})")
        return np.array([index[_label(v)] for v in values], dtype="float32")[:, None]

    def decode(self, output: np.ndarray) -> tuple[list, np.ndarray | None]:
        """(predictions in the target's own units or labels, class probabilities or None)."""
        if self.task == "regression":
            return list(output[:, 0] * self.target_std + self.target_mean), None
        if self.task == "binary":
            proba = np.concatenate([1 - output[:, :1], output[:, :1]], axis=1)
        else:
            proba = output
        return [self.classes[i] for i in proba.argmax(axis=1)], proba


def _label(value) -> str:
    """Class labels are kept as text, with numeric labels written the same way (1.0 -> '1')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def _label_order(label: str):
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def _detect_task(y: list, target: str, task: str) -> str:
    values = _as_floats(y)
    distinct = {_label(v) for v in y}
    if task == "auto":
        if values is None:
            task = "binary" if len(distinct) == 2 else "multiclass"
        elif np.all(values == np.round(values)) and len(distinct) <= MAX_INTEGER_CLASSES:
            task = "binary" if len(distinct) == 2 else "multiclass"
        else:
            task = "regression"
    if task not in TASKS:
        raise UserError(f"--task must be one of auto, {', '.join(TASKS)}; got {task!r}")
    if task == "regression" and values is None:
        raise UserError(f"target column {target!r} holds text, so it cannot be a regression "
                        "target")
    if len(distinct) < 2:
        raise UserError(f"target column {target!r} has a single value {sorted(distinct)}; "
                        "there is nothing to predict")
    if task == "binary" and len(distinct) != 2:
        raise UserError(f"--task binary needs exactly two target values, column {target!r} "
                        f"has {len(distinct)}")
    return task


def _describe_column(name: str, values: list) -> dict:
    x = _as_floats(values)
    if x is not None:
        if np.isnan(x).all():
            raise UserError(f"column {name!r} has no values")
        mean = float(np.nanmean(x))
        std = float(np.nanstd(x)) or 1.0
        return {"name": name, "kind": "numeric", "mean": mean, "std": std}
    categories = sorted({str(v) for v in values})
    if len(categories) > MAX_CATEGORIES:
        raise UserError(f"column {name!r} holds text with {len(categories)} distinct values "
                        f"(e.g. {categories[:3]}); it cannot be one-hot encoded (at most "
                        f"{MAX_CATEGORIES} categories) - drop it or encode it as numbers")
    return {"name": name, "kind": "categorical", "categories": categories}
