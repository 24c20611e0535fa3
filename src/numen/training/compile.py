"""What `compile` turns loss/metrics arguments into: per-output losses and metrics.

A model has one or more outputs, each with a name. `loss`, `loss_weights` and `metrics` may be
given once (applied to every output), as a list in output order, or as a dict keyed by output
name; targets and predictions are matched to outputs the same way.
"""

from __future__ import annotations

import copy

import numpy as np

from numen import backend
from numen import losses as losses_module
from numen import metrics as metrics_module
from numen.autodiff import Tensor, as_tensor


def per_output(value, names: list[str], what: str, fill=None) -> list:
    """`value` as a list with one entry per output, by position or by output name."""
    if isinstance(value, dict):
        unknown = set(value) - set(names)
        if unknown:
            raise ValueError(f"{what}: keys {sorted(unknown)} do not name any model output; "
                             f"the outputs are {names}")
        return [value.get(n, fill) for n in names]
    if len(names) == 1:
        return [value]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(f"{what}: received {len(value)} entries for a model with "
                             f"{len(names)} outputs {names}")
        return list(value)
    return [value] * len(names)


def metrics_per_output(metrics, names: list[str], what: str) -> list:
    """Metrics per output: a flat list applies to every output, a list of lists or a dict
    gives each output its own."""
    if not metrics:
        return [None] * len(names)
    if isinstance(metrics, dict):
        return per_output(metrics, names, what)
    if len(names) > 1 and all(isinstance(m, (list, tuple)) or m is None for m in metrics):
        return per_output(list(metrics), names, what)
    return [list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]] * len(names)


def structure_to_list(data, names: list[str], what: str) -> list:
    """Targets or predictions (one, a list or a dict) as a list in output order."""
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing and len(names) > 1:
            raise ValueError(f"{what}: no entry for output(s) {missing}; received keys "
                             f"{sorted(data)}")
        if len(names) == 1 and names[0] not in data and len(data) == 1:
            return list(data.values())
        return [data.get(n) for n in names]
    if isinstance(data, (list, tuple)) and len(names) > 1:
        if len(data) != len(names):
            raise ValueError(f"{what}: received {len(data)} arrays for a model with "
                             f"{len(names)} outputs {names}")
        return list(data)
    if isinstance(data, (list, tuple)) and len(data) == 1 and len(names) == 1:
        return [data[0]]
    return [data]


class CompiledLoss:
    """The total training loss: weighted sum of each output's loss."""

    def __init__(self, loss, loss_weights, output_names: list[str]):
        self.names = output_names
        raw = per_output(loss, output_names, "loss")
        self.losses = [None if l is None else losses_module.as_loss_object(l) for l in raw]
        weights = per_output(loss_weights, output_names, "loss_weights", fill=1.0) \
            if loss_weights is not None else [1.0] * len(output_names)
        self.weights = [1.0 if w is None else float(w) for w in weights]
        if all(l is None for l in self.losses):
            raise ValueError("compile: no loss given for any output")

    def __call__(self, y_true, y_pred, sample_weight=None):
        ys = structure_to_list(y_true, self.names, "y")
        ps = structure_to_list(y_pred, self.names, "model output")
        sws = structure_to_list(sample_weight, self.names, "sample_weight") \
            if sample_weight is not None else [None] * len(self.names)
        if len(sws) == 1 and len(self.names) > 1:
            sws = sws * len(self.names)
        total = None
        parts = []
        for fn, w, t, p, sw in zip(self.losses, self.weights, ys, ps, sws):
            if fn is None or t is None:
                parts.append(None)
                continue
            mask = p._keras_mask if isinstance(p, Tensor) else None
            value = fn(t, p, sample_weight=sw) if mask is None else \
                masked_loss(fn, t, p, sw, mask)
            parts.append(value)
            term = value * w if w != 1.0 else value
            total = term if total is None else total + term
        return total, parts


def _mask_array(mask) -> np.ndarray:
    return np.asarray(backend.to_numpy(mask.data if isinstance(mask, Tensor) else mask))


def _fit_mask(mask: np.ndarray, shape: tuple, what: str) -> np.ndarray:
    """The output mask shaped to line up with per-entry `shape` (trailing axes added)."""
    if mask.ndim > len(shape) or mask.shape != tuple(shape[:mask.ndim]):
        raise ValueError(f"{what}: the model output's mask has shape {mask.shape}, which does "
                         f"not line up with the loss/metric values of shape {tuple(shape)}; "
                         "expected the mask's axes to be the leading axes of the values")
    return mask.reshape(mask.shape + (1,) * (len(shape) - mask.ndim))


def _per_entry_weights(sample_weight, mask: np.ndarray):
    """`sample_weight` with trailing axes added so that one weight per sample lines up with
    the mask's (sample, timestep) entries instead of broadcasting along time."""
    if sample_weight is None:
        return None
    sw = _mask_array(sample_weight)
    if 0 < sw.ndim < mask.ndim and sw.shape == mask.shape[:sw.ndim]:
        sw = sw.reshape(sw.shape + (1,) * (mask.ndim - sw.ndim))
    return sw


def masked_loss(fn: losses_module.Loss, y_true, y_pred, sample_weight, mask):
    """`fn(y_true, y_pred, sample_weight)` where only the entries `mask` marks count.

    As in Keras 3, the output mask joins the loss's own mask (`ignore_class`) and both act as
    weights: 'sum_over_batch_size' (and 'mean') then divide the weighted sum by the number of
    unmasked entries, 'sum' and 'none' just drop the masked ones. Unlike Keras, one weight per
    sample is spread over that sample's timesteps.
    """
    mask = _mask_array(mask).astype(bool)
    if type(fn).__call__ is not losses_module.Loss.__call__:
        # A Loss with its own __call__: fold the mask into the weights (Keras's apply_mask).
        weights = mask.astype(np.float64)
        if fn.reduction in ("mean", "sum_over_batch_size"):
            valid = weights.sum()
            weights *= weights.size / valid if valid else 0.0
        sw = _per_entry_weights(sample_weight, mask)
        return fn(y_true, y_pred, sample_weight=weights if sw is None else weights * sw)
    if fn.dtype is not None:
        y_pred = as_tensor(y_pred, fn.dtype)
        y_true = as_tensor(y_true, fn.dtype)
    values = fn.call(y_true, y_pred)
    mask = _fit_mask(mask, values.shape, f"loss '{fn.name}'")
    own = fn.compute_mask(y_true, y_pred)
    if own is not None:
        mask = np.logical_and(mask, _mask_array(own))
    sw = _per_entry_weights(sample_weight, mask)
    return losses_module.reduce_weighted_values(values, sw, mask, fn.reduction)


def _metric_name(spec) -> str:
    """The log name Keras gives a metric: the string as written, else the object's name."""
    if isinstance(spec, str):
        return spec
    name = getattr(spec, "name", None)
    if isinstance(name, str):
        return name
    return getattr(spec, "__name__", type(spec).__name__)


class OutputMetric:
    """One compiled metric of one output, named at compile time (`accuracy`, or
    `<output>_accuracy` on a multi-output model) and resolved into a concrete Metric on the
    first batch, when the shapes that decide what 'accuracy' means are known.

    It accepts either its own output's targets and predictions or, on a multi-output model,
    the whole structure (as a custom `train_step` passes `metric.update_state(y, y_pred)`).
    """

    def __init__(self, spec, index: int, output_names: list[str], weighted: bool = False):
        self.spec = spec
        self.index = index
        self.output_names = output_names
        self.weighted = weighted
        base = _metric_name(spec)
        self.name = f"{output_names[index]}_{base}" if len(output_names) > 1 else base
        self.metric = None

    def _own(self, data, what):
        if len(self.output_names) > 1 and isinstance(data, (list, tuple, dict)):
            return structure_to_list(data, self.output_names, what)[self.index]
        return data

    def update_state(self, y_true, y_pred, sample_weight=None):
        y = self._own(y_true, "y")
        p = self._own(y_pred, "model output")
        if y is None:
            return
        mask = p._keras_mask if isinstance(p, Tensor) else None
        p = p.data if isinstance(p, Tensor) else p
        y = y.data if isinstance(y, Tensor) else y
        if self.metric is None:
            self.metric = metrics_module.resolve(self.spec, tuple(y.shape), tuple(p.shape))
        sw = self._own(sample_weight, "weights") if self.weighted else None
        if mask is not None and isinstance(self.metric, metrics_module.MeanMetricWrapper):
            # As Keras 3's MeanMetricWrapper: masked entries get weight 0, so the metric is
            # the mean over the unmasked ones.
            mask = _mask_array(mask).astype(bool)
            weights = mask.astype(np.float64)
            sw_entries = _per_entry_weights(sw, mask)
            sw = weights if sw_entries is None else weights * sw_entries
        if sw is not None:
            self.metric.update_state(y, p, sample_weight=sw)
        else:
            self.metric.update_state(y, p)

    def result(self):
        if self.metric is None:
            return np.float32(0.0)
        return self.metric.result()

    def reset_state(self):
        if self.metric is not None:
            self.metric.reset_state()

    @property
    def variables(self) -> list:
        """The resolved metric's variables; none before the first batch resolves it."""
        return [] if self.metric is None else self.metric.variables

    def __repr__(self) -> str:
        return f"<OutputMetric name={self.name}>"


class CompiledMetrics:
    """Metric objects per output; every log name is known once `compile` returns."""

    def __init__(self, metrics, weighted_metrics, output_names: list[str], loss):
        self.names = output_names
        self.loss = loss
        self.metrics = self._make(metrics_per_output(metrics, output_names, "metrics"), False)
        self.weighted = self._make(
            metrics_per_output(weighted_metrics, output_names, "weighted_metrics"), True)
        taken = {m.name for group in self.metrics for m in group}
        for group in self.weighted:
            for m in group:
                if m.name in taken:  # metrics=['mae'], weighted_metrics=['mae']
                    m.name = f"weighted_{m.name}"
        self.built = True

    def _make(self, specs: list, weighted: bool) -> list[list[OutputMetric]]:
        groups, seen = [], []
        for i in range(len(self.names)):
            spec = specs[i] if i < len(specs) else None
            spec = [] if spec is None else spec
            spec = list(spec) if isinstance(spec, (list, tuple)) else [spec]
            group = []
            for s in spec:
                if s is None:
                    continue
                if not isinstance(s, str) and any(s is t for t in seen):
                    s = copy.deepcopy(s)  # one Metric object given for several outputs
                seen.append(s)
                group.append(OutputMetric(s, i, self.names, weighted))
            groups.append(group)
        return groups

    def update(self, y_true, y_pred, sample_weight=None):
        if not any(self.metrics) and not any(self.weighted):
            return  # only the loss is tracked (the loss itself checked y's structure)
        ys = structure_to_list(y_true, self.names, "y")
        ps = structure_to_list(y_pred, self.names, "model output")
        sws = structure_to_list(sample_weight, self.names, "sample_weight") \
            if sample_weight is not None else [None] * len(self.names)
        if len(sws) == 1 and len(self.names) > 1:
            sws = sws * len(self.names)
        for ms, ws, y, p, sw in zip(self.metrics, self.weighted, ys, ps, sws):
            for m in ms + ws:
                m.update_state(y, p, sample_weight=sw)

    def all(self) -> list:
        return [m for group in self.metrics + self.weighted for m in group]
