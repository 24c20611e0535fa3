"""TensorBoard: write training logs as TensorBoard event files.

The layout follows Keras: `log_dir/train` and `log_dir/validation` each hold an event file;
epoch metrics are scalars named `epoch_<metric>` at step `epoch` (validation metrics without
their `val_` prefix, in the validation folder), batch metrics `batch_<metric>` at the global
batch count when `update_freq` is an int, and weight histograms `<layer>/<weight>/histogram`
when `histogram_freq > 0`. Event files are written with tensorboardX (the `tensorboard` extra:
`pip install "numen[tensorboard]"`), so no TensorFlow is needed.
"""

from __future__ import annotations

import numbers
import os
import struct
import time
import warnings
import zlib

import numpy as np

from numen.callbacks.base import Callback

_INSTALL_HINT = ('the TensorBoard callback writes event files with tensorboardX; install it '
                 'with `pip install "numen[tensorboard]"` (or `pip install tensorboardX`)')


def _summary_writer_class():
    try:
        from tensorboardX import SummaryWriter
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    return SummaryWriter


def _png(gray: np.ndarray) -> bytes:
    """A grayscale uint8 image as PNG bytes (tensorboardX needs Pillow for images; this
    avoids the dependency)."""
    h, w = gray.shape
    rows = b"".join(b"\x00" + gray[i].tobytes() for i in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def _weight_image(w: np.ndarray) -> np.ndarray | None:
    """A weight as a 2-D uint8 picture: vectors as one row, matrices as they are, conv
    kernels flattened to (all but the last axis, last axis). Scalars give None."""
    w = np.asarray(w, dtype=np.float64)
    if w.ndim == 0:
        return None
    w = w.reshape(1, -1) if w.ndim == 1 else w.reshape(-1, w.shape[-1])
    lo, hi = float(w.min()), float(w.max())
    scaled = (w - lo) / (hi - lo) if hi > lo else np.zeros_like(w)
    return np.round(scaled * 255).astype(np.uint8)


def _check_freq(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"TensorBoard: {name} must be a non-negative int, received {value!r}")
    return int(value)


class TensorBoard(Callback):
    """Log metrics, weight histograms and the model's structure for TensorBoard.

    Args:
        log_dir: folder for the event files (`train/` and `validation/` are made inside).
        histogram_freq: write weight histograms every this many epochs (0: never).
        write_graph: write the model's JSON config under the tag `keras` (TensorBoard's graph
            dashboard shows it as the Keras model); numen has no op graph to write.
        write_images: with `histogram_freq`, also write each weight as an image.
        write_steps_per_second: also log `steps_per_second` per epoch (and per batch).
        update_freq: 'epoch' (epoch scalars only), 'batch' or an int N: also write the batch
            logs every N batches as `batch_<name>`.
        profile_batch: accepted for compatibility; numen has no profiler, so a non-zero value
            is ignored with a warning.
        embeddings_freq: every this many epochs, write the weights of each Embedding layer to
            TensorBoard's projector (0: never).
        embeddings_metadata: a metadata file (one label per line) for every Embedding layer,
            or a dict of layer name -> file.

    Raises:
        ImportError: tensorboardX is not installed (names the extra to install).
        ValueError: bad frequencies or `update_freq`.

    >>> model.fit(x, y, epochs=5, callbacks=[TensorBoard("logs")])  # doctest: +SKIP
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        self._writer_class = _summary_writer_class()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = _check_freq(histogram_freq, "histogram_freq")
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool)
                                       or not isinstance(update_freq, numbers.Integral)
                                       or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive "
                             f"int, received {update_freq!r}")
        self.update_freq = update_freq
        self.profile_batch = self._check_profile_batch(profile_batch)
        self.embeddings_freq = _check_freq(embeddings_freq, "embeddings_freq")
        if embeddings_metadata is not None and not isinstance(embeddings_metadata, (str, dict)):
            raise TypeError(f"TensorBoard: embeddings_metadata must be a file path, a dict of "
                            f"layer name -> file path or None, received "
                            f"{type(embeddings_metadata).__name__}")
        self.embeddings_metadata = embeddings_metadata
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers: dict[str, object] = {}
        self._global_train_batch = 0
        self._epoch_start = self._batch_start = 0.0
        self._epoch_steps = 0

    @staticmethod
    def _check_profile_batch(profile_batch):
        if isinstance(profile_batch, str):
            parts = [p.strip() for p in profile_batch.split(",")]
            try:
                profile_batch = tuple(int(p) for p in parts)
            except ValueError:
                profile_batch = None
        if isinstance(profile_batch, tuple) and len(profile_batch) == 1:
            profile_batch = profile_batch[0]
        ok_int = isinstance(profile_batch, numbers.Integral) and profile_batch >= 0
        ok_pair = (isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2
                   and all(isinstance(b, numbers.Integral) and b >= 0 for b in profile_batch)
                   and profile_batch[0] <= profile_batch[1])
        if not (ok_int or ok_pair):
            raise ValueError(f"TensorBoard: profile_batch must be a non-negative int or a pair "
                             f"(start, stop) of them, received {profile_batch!r}")
        if profile_batch not in (0, (0, 0)):
            warnings.warn("TensorBoard: numen has no profiler; profile_batch is ignored",
                          stacklevel=3)
        return profile_batch

    # -- writers ---------------------------------------------------------------------------
    def _writer(self, which: str):
        """The 'train' or 'validation' writer, opened on first use (a run without validation
        gets no validation folder)."""
        if which not in self._writers:
            folder = self._train_dir if which == "train" else self._val_dir
            self._writers[which] = self._writer_class(logdir=folder, flush_secs=10)
        return self._writers[which]

    def _close_writers(self):
        for w in self._writers.values():
            w.close()
        self._writers = {}

    def _scalars(self, which: str, prefix: str, logs: dict, step: int):
        writer = self._writer(which)
        for name, value in logs.items():
            try:
                value = float(np.asarray(value))
            except (TypeError, ValueError):
                continue  # non-scalar logs (e.g. per-class arrays) are not scalars
            writer.add_scalar(prefix + name, value, global_step=step)

    # -- hooks -----------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        if self.write_graph:
            self._write_model_config()

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        self._epoch_steps = 0

    def on_train_batch_begin(self, batch, logs=None):
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._global_train_batch += 1
        self._epoch_steps += 1
        step = self._global_train_batch
        if self.write_steps_per_second:
            seconds = max(time.perf_counter() - self._batch_start, 1e-9)
            self._writer("train").add_scalar("batch_steps_per_second", 1.0 / seconds, step)
        if self.update_freq != "epoch" and step % self.update_freq == 0 and logs:
            self._scalars("train", "batch_", logs, step)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        lr = self._learning_rate()
        if lr is not None:
            train.setdefault("learning_rate", lr)
        if self.write_steps_per_second:
            seconds = max(time.perf_counter() - self._epoch_start, 1e-9)
            train["steps_per_second"] = self._epoch_steps / seconds
        self._scalars("train", "epoch_", train, epoch)
        if val:
            self._scalars("validation", "epoch_", val, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._write_embeddings(epoch)
        for w in self._writers.values():
            w.flush()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        if logs and iterations is not None:
            logs = {f"{k}_vs_iterations": v for k, v in logs.items()}
            self._scalars("validation", "evaluation_", logs, int(iterations))

    # -- what gets written -----------------------------------------------------------------
    def _learning_rate(self):
        optimizer = getattr(self.model, "optimizer", None)
        try:
            return float(np.asarray(optimizer.learning_rate))
        except (AttributeError, TypeError, ValueError):
            return None

    def _weights(self):
        for layer in getattr(self.model, "layers", []):
            for w in layer.weights:
                name = getattr(w, "path", None) or f"{layer.name}/{w.name}"
                yield layer, name.replace(":", "_"), np.asarray(w.numpy())

    def _write_weights(self, epoch: int):
        writer = self._writer("train")
        for _, name, value in self._weights():
            if value.size:
                writer.add_histogram(f"{name}/histogram", value.astype(np.float64),
                                     global_step=epoch)
            if self.write_images:
                image = _weight_image(value)
                if image is not None:
                    self._write_image(writer, f"{name}/image", image, epoch)

    @staticmethod
    def _write_image(writer, tag: str, gray: np.ndarray, step: int):
        from tensorboardX.proto.summary_pb2 import Summary

        image = Summary.Image(height=gray.shape[0], width=gray.shape[1], colorspace=1,
                              encoded_image_string=_png(gray))
        summary = Summary(value=[Summary.Value(tag=tag, image=image)])
        writer.file_writer.add_summary(summary, step)

    def _write_model_config(self):
        """The model's JSON under the tag 'keras', marked for TensorBoard's graph plugin as
        Keras's own callback does; models that cannot describe themselves are skipped."""
        try:
            config = self.model.to_json()
        except Exception:  # noqa: BLE001 - a subclassed model may have no config
            return
        from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
        from tensorboardX.proto.tensor_pb2 import TensorProto
        from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto

        metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        tensor = TensorProto(dtype=7, string_val=[config.encode("utf-8")],  # 7: DT_STRING
                             tensor_shape=TensorShapeProto())
        summary = Summary(value=[Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
        self._writer("train").file_writer.add_summary(summary, 0)

    def _metadata_for(self, layer_name: str):
        source = self.embeddings_metadata
        if isinstance(source, dict):
            source = source.get(layer_name)
        if not source:
            return None
        with open(source, encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f]

    def _write_embeddings(self, epoch: int):
        writer = self._writer("train")
        for layer in getattr(self.model, "layers", []):
            if type(layer).__name__ != "Embedding" or not layer.weights:
                continue
            matrix = np.asarray(layer.weights[0].numpy(), dtype=np.float32)
            labels = self._metadata_for(layer.name)
            if labels is not None and len(labels) != len(matrix):
                labels = None  # a header line or a wrong file: write the vectors unlabelled
            writer.add_embedding(matrix, metadata=labels, global_step=epoch, tag=layer.name)

    def get_config(self) -> dict:
        return {"log_dir": self.log_dir, "histogram_freq": self.histogram_freq,
                "write_graph": self.write_graph, "write_images": self.write_images,
                "write_steps_per_second": self.write_steps_per_second,
                "update_freq": self.update_freq, "profile_batch": self.profile_batch,
                "embeddings_freq": self.embeddings_freq,
                "embeddings_metadata": self.embeddings_metadata}


__all__ = ["TensorBoard"]
