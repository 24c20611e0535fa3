"""One playground session: the set-up, its data and model, and the training job.

`fit` runs in a worker thread with a callback that records each epoch's logs and, at most ten
times a second, measures the model (decision surface, layer statistics, notes). The server only
reads `snapshot()`, so the event loop never touches the model while it trains.
"""

from __future__ import annotations

import pathlib
import threading
import time

import numpy as np

from numen.callbacks import Callback
from numen.cli.tabular import Preprocessing, UserError, read_table
from numen.playground import codegen, datasets, diagnostics
from numen.playground.setup import build_model, input_kind, normalize, task_of, to_fragment

GRID = 40  # the decision surface is GRID x GRID points over [-6, 6]^2
UNIT_GRID, MAX_THUMBNAILS = 20, 64  # each hidden unit's own surface, for at most 64 units
EXTENT = 6.0
PROBE_INTERVAL = 0.1  # seconds between measurements while training (about ten a second)
PROBE_ROWS = 256
MAX_UPLOAD_BYTES = 5_000_000
MAX_ROWS, MAX_COLUMNS = 100_000, 200


class _Monitor(Callback):
    def __init__(self, session: Session):
        super().__init__()
        self.session = session

    def on_epoch_end(self, epoch, logs=None):
        s = self.session
        with s.lock:
            s.epoch = epoch + 1
            s.history.append({"epoch": epoch + 1, **{k: float(v) for k, v in logs.items()}})
        if time.monotonic() - s.last_probe >= PROBE_INTERVAL:
            s.probe()
        s.touch()
        if s.stop_requested or not np.isfinite(logs.get("loss", 0.0)):
            self.model.stop_training = True


class Session:
    """The state behind one playground page (one training job at a time)."""

    def __init__(self, workdir: str | pathlib.Path):
        self.workdir = pathlib.Path(workdir)
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.version = 0
        self.run_id = 0
        self.thread = None
        self.stop_requested = False
        self.upload = None  # {"name", "table", "columns"} after a CSV upload
        self.apply(None)

    # -- set-up ---------------------------------------------------------------------------
    def apply(self, setup: dict | None) -> dict:
        """Check the set-up, load its data and build its model (discarding any training).

        Raises:
            ValueError: a bad set-up; UserError: a CSV that cannot be used.
        """
        setup = normalize(setup)
        self.pause(wait=True)
        data = self._load(setup)
        model = build_model(setup, data["x_train"].shape[1], data["head"])
        with self.lock:
            self.setup, self.data, self.model = setup, data, model
            self.run_id += 1
            self.epoch, self.history = 0, []
            self.status, self.error = "ready", None
            self.surface, self.layers, self.notes = None, [], []
            self.confusion, self.last_probe = None, 0.0
        self.probe()
        self.touch()
        return setup

    def _load(self, setup: dict) -> dict:
        d = setup["data"]
        rng = np.random.default_rng(setup["seed"])
        encoding, n_classes, points = None, None, None
        if d["name"] == "digits":
            from numen.data import load_digits

            x, y = load_digits()
            y = y.astype("float32")[:, None]
            n_classes = 10
            if input_kind(setup) == "image":
                x = x.reshape(-1, 8, 8, 1)
        elif d["name"] in datasets.SERIES:
            x, y = datasets.make_series(d["n"], d["noise"], rng)
        elif d["name"] == "csv":
            if self.upload is None:
                raise UserError("upload a CSV file before choosing the CSV data set")
            prep = Preprocessing.fit(self.upload["table"], d["target"])
            encoding = prep.to_json()
            x, y = datasets.encode_table(self.upload["table"], encoding)
            n_classes = len(prep.classes) or None
        else:
            points, y = datasets.make_2d(d["name"], d["n"], d["noise"], rng)
            x = datasets.add_features(points, d["features"])
        head = task_of(setup, n_classes, encoding["task"] if encoding else None)
        before = rng.bit_generator.state
        x_train, y_train, x_test, y_test = datasets.split(x, y, d["test_ratio"], rng)
        out = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test,
               "head": head, "encoding": encoding, "n_classes": n_classes, "points": None}
        if points is not None:  # the same split applied to the raw points, for drawing
            rng.bit_generator.state = before
            p_train, _, p_test, _ = datasets.split(points, y, d["test_ratio"], rng)
            out["points"] = {"train": _rows(p_train, y_train), "test": _rows(p_test, y_test)}
        return out

    def load_csv(self, name: str, body: bytes) -> list[str]:
        """Keep an uploaded CSV (parsed as data only) and return its column names.

        Raises:
            UserError: empty, too large, malformed, too many rows or columns.
        """
        if not body:
            raise UserError("the uploaded file is empty")
        if len(body) > MAX_UPLOAD_BYTES:
            raise UserError(f"the uploaded file has {len(body)} bytes; the limit is "
                            f"{MAX_UPLOAD_BYTES}")
        path = self.workdir / "upload.csv"
        path.write_bytes(body)
        table = read_table(str(path))
        rows = len(next(iter(table.values())))
        if len(table) > MAX_COLUMNS or rows > MAX_ROWS:
            raise UserError(f"the CSV has {rows} rows and {len(table)} columns; the limits are "
                            f"{MAX_ROWS} rows and {MAX_COLUMNS} columns")
        self.upload = {"name": pathlib.Path(name).name or "data.csv", "table": table,
                       "columns": list(table)}
        return list(table)

    # -- training -------------------------------------------------------------------------
    def start(self, epochs: int | None = None) -> bool:
        """Train in a worker thread up to `epochs` (default: the set-up's); False when a job is
        already running or there is nothing left to train."""
        with self.lock:
            if self.thread is not None and self.thread.is_alive():
                return False
            target = epochs or self.setup["fit"]["epochs"]
            if self.epoch >= target:
                return False
            self.stop_requested = False
            self.status = "training"
            self.thread = threading.Thread(target=self._fit, args=(target, self.run_id),
                                           daemon=True, name="numen-playground-fit")
            self.thread.start()
        self.touch()
        return True

    def step(self) -> bool:
        """Train one more epoch."""
        return self.start(self.epoch + 1)

    def pause(self, wait: bool = False) -> None:
        """Ask the job to stop at the end of the current epoch (model.stop_training)."""
        self.stop_requested = True
        thread = self.thread
        if wait and thread is not None:
            thread.join()

    def reset(self) -> dict:
        """The same set-up again: same data, same initial weights."""
        return self.apply(self.setup)

    def wait(self, timeout: float | None = None) -> None:
        """Block until the current job (if any) ends."""
        if self.thread is not None:
            self.thread.join(timeout)

    def _fit(self, target: int, run_id: int) -> None:
        data, fit = self.data, self.setup["fit"]
        try:
            with np.errstate(all="ignore"):  # overflow shows up as a note, not a warning
                self._fit_epochs(target, data, fit)
            self.probe()
            diverged = any(not np.isfinite(h.get("loss", 0.0)) for h in self.history[-1:])
            status = ("diverged" if diverged else
                      "done" if self.epoch >= self.setup["fit"]["epochs"] else "paused")
            error = None
        except Exception as exc:  # shown on the page; the server keeps running
            status, error = "error", f"{type(exc).__name__}: {exc}"
        with self.lock:
            if run_id == self.run_id:
                self.status, self.error = status, error
        self.touch()

    def _fit_epochs(self, target: int, data: dict, fit: dict) -> None:
        self.model.fit(data["x_train"], data["y_train"], epochs=target,
                       initial_epoch=self.epoch, batch_size=fit["batch_size"],
                       validation_data=(data["x_test"], data["y_test"]),
                       callbacks=[_Monitor(self)], verbose=0)

    # -- measuring ------------------------------------------------------------------------
    def probe(self) -> None:
        """Measure the model now (called from the training thread, or when idle)."""
        with np.errstate(all="ignore"):
            self._probe()

    def _probe(self) -> None:
        data, head = self.data, self.data["head"]
        model = self.model
        x, y = data["x_train"][:PROBE_ROWS], data["y_train"][:PROBE_ROWS]
        layers = diagnostics.layer_stats(model, x, y, head["loss"])
        with self.lock:
            history = list(self.history)
        notes = diagnostics.notes(history, layers)
        surface = None
        if data["points"] is not None:
            axis = np.linspace(-EXTENT, EXTENT, GRID, dtype="float32")
            gx, gy = np.meshgrid(axis, axis)
            grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
            values = _predict(model, datasets.add_features(grid, self.setup["data"]["features"]))
            surface = {"size": GRID, "extent": EXTENT,
                       "values": np.round(values[:, 0].astype("float64"), 3).tolist(),
                       "units": self._unit_surfaces()}
        confusion = None
        if head["task"] != "regression":
            pred = _predict(model, data["x_test"])
            guess = (pred[:, 0] > 0.5).astype(int) if pred.shape[1] == 1 else pred.argmax(1)
            k = max(2, pred.shape[1])
            matrix = np.zeros((k, k), dtype=int)
            np.add.at(matrix, (data["y_test"][:, 0].astype(int), guess), 1)
            confusion = matrix.tolist()
        with self.lock:
            self.layers, self.notes, self.surface = layers, notes, surface
            self.confusion, self.last_probe = confusion, time.monotonic()

    def _unit_surfaces(self) -> list[dict]:
        """Each hidden Dense unit's output over a UNIT_GRID x UNIT_GRID grid of the plane."""
        from numen.autodiff import no_grad

        axis = np.linspace(-EXTENT, EXTENT, UNIT_GRID, dtype="float32")
        gx, gy = np.meshgrid(axis, axis)
        h = datasets.add_features(np.stack([gx.ravel(), gy.ravel()], axis=1),
                                  self.setup["data"]["features"])
        out = []
        with no_grad():
            for layer in self.model.layers[:-1]:
                h = layer(h, training=False)
                if layer.__class__.__name__ != "Dense":
                    continue
                values = np.asarray(h.data if hasattr(h, "data") else h).astype("float64")
                for j in range(values.shape[1]):
                    if len(out) < MAX_THUMBNAILS:
                        out.append({"layer": layer.name, "unit": j, "size": UNIT_GRID,
                                    "values": np.round(values[:, j], 3).tolist()})
        return out

    def predict(self, given: dict) -> dict:
        """The model's answer for one input the page sends: {'point': [x1, x2]} on the plane,
        {'image': 64 values in [0, 1]} for the digits, {'series': SERIES_STEPS values} for the
        sine set, or {'row': 'a line of CSV'} with the feature columns of the upload in order.

        Raises:
            ValueError: the input does not fit the current data set (named, with what was
            expected).
        """
        d, name = self.data, self.setup["data"]["name"]
        shape = d["x_train"].shape[1:]
        maps = []
        if name in datasets.CLASSIFICATION_2D + datasets.REGRESSION_2D:
            point = _numbers(given.get("point"), 2, "point")
            x = datasets.add_features(point[None, :], self.setup["data"]["features"])
        elif name == "digits":
            x = _numbers(given.get("image"), 64, "image").clip(0, 1).reshape((1, *shape))
            maps = self._feature_maps(x.astype("float32"))
        elif name in datasets.SERIES:
            x = _numbers(given.get("series"), int(np.prod(shape)), "series").reshape((1, *shape))
        else:
            x = self._csv_row(given.get("row"))
        with np.errstate(all="ignore"):
            out = _predict(self.model, x.astype("float32"))[0].astype("float64")
        task, enc = d["head"]["task"], d["encoding"]
        if task == "regression":
            value = float(out[0])
            if enc:
                value = value * enc["target_std"] + enc["target_mean"]
            return _finite({"task": task, "value": value, "label": f"{value:.4g}"})
        probs = np.array([1 - out[0], out[0]]) if task == "binary" else out
        names = enc["classes"] if enc and enc.get("classes") else [str(i) for i in
                                                                      range(len(probs))]
        best = int(np.argmax(probs))
        return _finite({"task": task, "probabilities": np.round(probs, 4).tolist(),
                        "class": best, "label": names[best], "maps": maps})

    def _feature_maps(self, image: np.ndarray) -> list[dict]:
        """What each Conv2D filter makes of one image: its output map, row by row from the
        top, for at most MAX_THUMBNAILS filters over all the convolutions."""
        from numen.autodiff import no_grad

        out, h = [], image
        with no_grad(), np.errstate(all="ignore"):
            for layer in self.model.layers[:-1]:
                h = layer(h, training=False)
                if layer.__class__.__name__ != "Conv2D":
                    continue
                values = np.asarray(h.data if hasattr(h, "data") else h)[0].astype("float64")
                for j in range(values.shape[-1]):
                    if len(out) < MAX_THUMBNAILS:
                        out.append({"layer": layer.name, "unit": j, "size": values.shape[0],
                                    "values": np.round(values[..., j], 3).ravel().tolist()})
        return out

    def _csv_row(self, row) -> np.ndarray:
        import csv

        enc = self.data["encoding"]
        columns = [f["name"] for f in enc["features"]]
        if not isinstance(row, str) or not row.strip():
            raise ValueError(f"expected a line of CSV with the columns {columns}")
        values = next(csv.reader([row.strip()]))
        if len(values) != len(columns):
            raise ValueError(f"the row has {len(values)} values; expected {len(columns)}, "
                             f"one for each of {columns}")
        table = {c: [v.strip()] for c, v in zip(columns, values)}
        for f in enc["features"]:
            if f["kind"] == "numeric" and table[f["name"]][0]:
                try:
                    float(table[f["name"]][0])
                except ValueError:
                    raise ValueError(f"column {f['name']!r} needs a number, got "
                                     f"{table[f['name']][0]!r}") from None
        dummy = "0" if enc["task"] == "regression" else enc["classes"][0]
        table[enc["target"]] = [dummy]
        return datasets.encode_table(table, enc)[0]

    def touch(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    # -- what the page sees ---------------------------------------------------------------
    def snapshot(self, history_from: int = 0) -> dict:
        """The page's view: status, epoch, new history entries, surface, layers, notes."""
        with self.lock:
            return _finite({"run": self.run_id, "version": self.version, "status": self.status,
                    "error": self.error, "epoch": self.epoch,
                    "epochs": self.setup["fit"]["epochs"], "history_start": history_from,
                    "history": self.history[history_from:], "surface": self.surface,
                    "layers": self.layers, "notes": self.notes,
                    "confusion": self.confusion})

    def description(self) -> dict:
        """The set-up and its data (sent when a new set-up is applied)."""
        with self.lock:
            d = self.data
            return {"run": self.run_id, "setup": self.setup,
                    "fragment": to_fragment(self.setup), "task": d["head"]["task"],
                    "n_classes": d["n_classes"], "points": d["points"],
                    "n_train": len(d["x_train"]), "n_test": len(d["x_test"]),
                    "n_inputs": int(np.prod(d["x_train"].shape[1:])),
                    "input_kind": input_kind(self.setup),
                    "columns": self.upload["columns"] if self.upload else None,
                    "classes": (d["encoding"] or {}).get("classes") or None,
                    "windows": _windows(d) if self.setup["data"]["name"] in datasets.SERIES
                    else None,
                    "params": self.model.count_params()}

    def script(self) -> str:
        csv_name = self.upload["name"] if self.upload else "data.csv"
        return codegen.script(self.setup, self.data["n_classes"], self.data["encoding"],
                              csv_name)

    def save_model(self, path: str | pathlib.Path) -> None:
        """Write the model as a .keras file (pausing any training first)."""
        self.pause(wait=True)
        self.model.save(str(path))

    def busy(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


def _finite(value):
    """The value with nan and infinities as None, so that it is valid JSON."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _windows(data: dict, count: int = 8) -> list[dict]:
    """The first test windows of a series and the value after each, for the page to plot."""
    x, y = data["x_test"][:count], data["y_test"][:count]
    return [{"values": np.round(w[:, 0].astype("float64"), 4).tolist(),
             "next": round(float(t[0]), 4)} for w, t in zip(x, y)]


def _numbers(value, n: int, name: str) -> np.ndarray:
    if (not isinstance(value, list) or len(value) != n
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise ValueError(f"expected {name!r}: a list of {n} numbers, got {str(value)[:60]}")
    array = np.array(value, dtype="float64")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name!r} must hold finite numbers")
    return array


def _rows(points: np.ndarray, y: np.ndarray) -> list:
    return np.round(np.concatenate([points, y[:, :1]], axis=1).astype("float64"), 3).tolist()


def _predict(model, x: np.ndarray) -> np.ndarray:
    from numen.autodiff import no_grad

    with no_grad():
        out = model(x, training=False)
    return np.asarray(out.data if hasattr(out, "data") else out)
