"""What `compile` turns loss/metrics arguments into: per-output losses and metrics.

A model has one or more outputs, each with a name. `loss`, `loss_weights` and `metrics` may be
given once (applied to every output), as a list in output order, or as a dict keyed by output
name; targets and predictions are matched to outputs the same way.
"""

from __future__ import annotations

from numen import losses as losses_module
from numen import metrics as metrics_module
from numen.autodiff import Tensor


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
            value = fn(t, p, sample_weight=sw)
            parts.append(value)
            term = value * w if w != 1.0 else value
            total = term if total is None else total + term
        return total, parts


class CompiledMetrics:
    """Metric objects per output, built on first use when the data's shapes are known."""

    def __init__(self, metrics, weighted_metrics, output_names: list[str], loss):
        self.names = output_names
        self.specs = metrics_per_output(metrics, output_names, "metrics")
        self.weighted_specs = metrics_per_output(weighted_metrics, output_names,
                                                 "weighted_metrics")
        self.loss = loss
        self.built = False
        self.metrics: list[list] = []
        self.weighted: list[list] = []

    def build(self, ys, ps):
        multi = len(self.names) > 1

        def make(spec_list, y, p, name):
            out = []
            for spec in spec_list or []:
                m = metrics_module.resolve(spec, tuple(y.shape), tuple(p.shape))
                if multi:
                    m.name = f"{name}_{m.name}"
                out.append(m)
            return out

        for i, (y, p) in enumerate(zip(ys, ps)):
            spec = self.specs[i] if i < len(self.specs) else None
            wspec = self.weighted_specs[i] if i < len(self.weighted_specs) else None
            spec = [spec] if spec is not None and not isinstance(spec, (list, tuple)) else spec
            wspec = [wspec] if wspec is not None and not isinstance(wspec, (list, tuple)) \
                else wspec
            self.metrics.append(make(spec, y, p, self.names[i]) if y is not None else [])
            self.weighted.append(make(wspec, y, p, self.names[i]) if y is not None else [])
        self.built = True

    def update(self, y_true, y_pred, sample_weight=None):
        ys = structure_to_list(y_true, self.names, "y")
        ps = [p.data if isinstance(p, Tensor) else p
              for p in structure_to_list(y_pred, self.names, "model output")]
        if not self.built:
            self.build(ys, ps)
        sws = structure_to_list(sample_weight, self.names, "sample_weight") \
            if sample_weight is not None else [None] * len(self.names)
        if len(sws) == 1 and len(self.names) > 1:
            sws = sws * len(self.names)
        for ms, ws, y, p, sw in zip(self.metrics, self.weighted, ys, ps, sws):
            if y is None:
                continue
            for m in ms:
                m.update_state(y, p)
            for m in ws:
                m.update_state(y, p, sample_weight=sw)

    def all(self) -> list:
        return [m for group in self.metrics + self.weighted for m in group]
