"""The checks `fit`, `evaluate` and `predict` make on the user's data before any step runs:
arrays converted and checked (numeric, finite), input shapes against the model's, and sparse
class labels against the number of classes the model outputs."""

from __future__ import annotations

from numen import losses as losses_module
from numen.autodiff import no_grad
from numen.layers.input_conversion import takes_text
from numen.training import data as data_module
from numen.training.compile import structure_to_list


class DataChecks:
    """Mixed into the Trainer: every method raises a clear error before a weight changes."""

    def _prepare_arrays(self, x, y, sample_weight, what: str):
        if x is None:
            raise ValueError(f"{what}: no input data; pass `x`")
        x = data_module.prepare(x, "x", strings=takes_text(self))
        y = data_module.prepare(y, "y") if y is not None else None
        if sample_weight is not None:
            sample_weight = data_module.prepare(sample_weight, "sample_weight")
        n = data_module.num_samples(x, y, sample_weight)
        if n == 0 and y is not None:
            # Keras refuses too: an empty fit would report a loss of 0 and count a step.
            raise ValueError(f"{what}: the data has 0 samples; nothing to train on or evaluate")
        return x, y, sample_weight

    def _check_data(self, x, y) -> None:
        """Reject inputs and targets the model cannot take, before any step runs."""
        self._check_input_shape(x)
        if y is not None:
            self._check_sparse_labels(x, y)

    def _check_input_shape(self, x) -> None:
        expected = self._expected_input_shapes() if hasattr(self, "_expected_input_shapes") \
            else None
        if expected is None:
            return
        names = (getattr(self, "input_names", None) or []) if isinstance(x, dict) else []
        if names and set(names) <= set(x):
            arrays = [x[n] for n in names]
        else:
            arrays = data_module.flatten(x)
        if len(arrays) != len(expected):
            raise ValueError(f"Model '{self.name}' expects {len(expected)} input(s), received "
                             f"{len(arrays)}")
        for a, shape in zip(arrays, expected):
            if shape is None:
                continue
            got, want = (None,) + tuple(a.shape[1:]), (None,) + tuple(shape[1:])
            if got == want:
                continue
            # One axis more or less is reshaped in the call, where Keras does (input_conform).
            if len(got) == len(want) + 1 and got[-1] == 1:
                got = got[:-1]
            elif len(got) == len(want) - 1 and want[-1] == 1:
                got = got + (1,)
            if len(got) != len(want) or any(w is not None and g != w for g, w in zip(got, want)):
                raise ValueError(f"Input to model '{self.name}' has shape "
                                 f"{(None,) + tuple(a.shape[1:])}, but the model expects shape "
                                 f"{want}")

    def _check_sparse_labels(self, x, y) -> None:
        # A label out of range would otherwise fail only in the batch that holds it, after
        # earlier batches had changed the weights. The class count comes from the model's
        # symbolic outputs, else from its output on one sample (which also builds a model that
        # has not seen data yet).
        if getattr(self, "compiled_loss", None) is None:
            return
        sparse = [_sparse_crossentropy_options(fn) for fn in self.compiled_loss.losses]
        if not any(opt is not None for opt in sparse):
            return
        names = self.output_names
        classes = getattr(self, "_class_counts", None)  # per compile: one probe, not per call
        if classes is None:
            classes = self._class_counts = self._output_class_counts(x, names)
        if classes is None:
            return  # the loss checks the labels of each batch
        targets = structure_to_list(y, names, "y")
        for name, opt, t, k in zip(names, sparse, targets, classes):
            if opt is not None and t is not None:
                data_module.check_class_labels(t, k, opt.get("ignore_class"),
                                               f"sparse_categorical_crossentropy (output "
                                               f"'{name}')")

    def _output_class_counts(self, x, names) -> list | None:
        """The last axis of each output: from the symbolic outputs when the model has them,
        else from a call on one sample; None when that call would move a stateful layer's
        states (or fail on their fixed batch size)."""
        try:
            outputs = self.outputs  # Functional and built Sequential models
        except (AttributeError, ValueError):
            outputs = None
        if outputs:
            counts = [t.shape[-1] if t.shape else None for t in outputs]
            if all(isinstance(c, int) for c in counts):
                return counts
        if any(getattr(layer, "stateful", False) for layer in self._walk()):
            return None
        with no_grad():
            probe = self(data_module.take(x, slice(0, 1)), training=False)
        self._clear_losses()
        preds = structure_to_list(probe, names, "model output")
        return [p.shape[-1] for p in preds]


def _sparse_crossentropy_options(loss) -> dict | None:
    fn = getattr(loss, "fn", None) or getattr(loss, "_fn", None)
    if fn is losses_module.sparse_categorical_crossentropy:
        return dict(getattr(loss, "fn_kwargs", {}))
    return None
