"""A layer's weights: those `add_weight` makes and the Variables it keeps in attributes (as
Keras tracks them), its sub-layers found from its attributes in definition order, and the
lists Keras users read (`weights`, `trainable_weights`, ...). Mixed into Layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from numen import backend, initializers, regularizers
from numen.autodiff import Tensor, Variable
from numen.autodiff.scopes import current_path, name_scope

if TYPE_CHECKING:
    from numen.layers.base import Layer


class WeightTracking:
    """Mixed into Layer (layers/base.py)."""

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None, **kwargs):
        """Create a weight of `shape`, initialized by `initializer`, tracked by this layer.

        Its path is "<layer name>/<name>", under the `name_scope`s open when it is made. As in
        Keras, a layer builds inside a scope of its own name, so the layers it builds are under
        it ("sequential/dense/kernel"), and so is a layer built in `name_scope("block")`."""
        if isinstance(shape, str):  # tf.keras 2 order: add_weight(name, shape, initializer)
            name, shape, initializer, dtype = shape, initializer, dtype, None
        shape = () if shape is None else tuple(int(n) for n in shape)
        dtype = backend.standardize_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        init = initializers.get(initializer)
        name = name or f"variable_{len(self._own_weights)}"
        value = init(shape, dtype=dtype)
        value = value.data if isinstance(value, Tensor) else value
        # Not `_name_scope()`: a weight made in `__init__` does not fix where the layer's
        # scope stands (its first build or call does, as in Keras).
        with name_scope(self.name, caller=self, override_parent=self._parent_path):
            path = current_path(name)
        v = Variable(np.asarray(value, dtype=dtype), name=name, trainable=trainable, dtype=dtype,
                     path=path,
                     autocast=kwargs.get("autocast", True))
        v.requires_grad = trainable and self._trainable
        v.regularizer = regularizers.get(regularizer)
        v.constraint = _get_constraint(constraint)
        self._own_weights.append(v)
        return v

    def _name_scope(self) -> name_scope:
        """The scope a layer builds and calls in: weights made inside, its own and those of the
        layers it builds, have paths under its name (`add_weight`). The first one opened fixes
        where it stands (under the scopes open then); later ones stand there too."""
        if self._parent_path is None:
            self._parent_path = current_path()
        return name_scope(self.name, caller=self, override_parent=self._parent_path)

    def _has_unbuilt_below(self) -> bool:
        return any(not layer.built for layer in self._walk()[1:])

    def _attribute_values(self):
        """What the layer holds in attributes, directly or in lists, tuples and dicts, in
        definition order (links to other layers and caches left out)."""
        for key, value in vars(self).items():
            if key in ("_inbound_nodes", "_parent", "_layers_cache", "_trainable_cache",
                       "_own_weights"):
                continue
            items = value.values() if isinstance(value, dict) else (
                value if isinstance(value, (list, tuple)) else (value,))
            yield from items

    def _sublayers(self) -> list[Layer]:
        """Layers held in attributes (directly or in lists, tuples and dicts), in order."""
        found: list[Layer] = []
        for item in self._attribute_values():
            if isinstance(item, WeightTracking) and item is not self and all(
                    item is not f for f in found):
                found.append(item)
        return found

    def _tracked_variables(self) -> list[Variable]:
        """The layer's own variables: those `add_weight` made and, as Keras tracks them, the
        Variables it keeps in attributes (`self.v = keras.Variable(...)`), in order of
        creation. A sub-layer's variable held in an attribute stays the sub-layer's."""
        own = self._own_weights
        known = {id(w) for w in own}
        extra = [v for v in self._attribute_values()
                 if isinstance(v, Variable) and id(v) not in known]
        if not extra:
            return own
        known |= {id(w) for sub in self._sublayers() for w in sub.weights}
        extra = _dedupe(v for v in extra if id(v) not in known)
        if not extra:
            return own
        return _merge_by_creation(own, extra)

    @property
    def weights(self) -> list[Variable]:
        # Its own trainable weights first, then its other ones (as Keras lists them, whatever
        # order they were made in), then those of its sublayers.
        own = self._tracked_variables()
        own = [w for w in own if w.trainable] + [w for w in own if not w.trainable]
        out, seen = [], set()
        for w in own + [w for sub in self._sublayers() for w in sub.weights]:
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        return out

    variables = weights

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool):
        self._trainable = bool(value)
        for w in self._tracked_variables():
            w.requires_grad = w.trainable and self._trainable
        for sub in self._sublayers():
            sub.trainable = value

    @property
    def trainable_weights(self) -> list[Variable]:
        return self._trainable_list()

    @property
    def trainable_variables(self) -> list[Variable]:
        # Its own property, as in Keras: a layer overriding `trainable_weights` changes
        # neither this list nor what the optimizer trains.
        return self._trainable_list()

    @property
    def non_trainable_weights(self) -> list[Variable]:
        return self._non_trainable_list()

    @property
    def non_trainable_variables(self) -> list[Variable]:
        return self._non_trainable_list()

    def _trainable_list(self) -> list[Variable]:
        if not self._trainable:
            return []
        own = [w for w in self._tracked_variables() if w.trainable]
        subs = [w for s in self._sublayers() for w in s._trainable_list()]
        return _dedupe(own + subs)

    def _non_trainable_list(self) -> list[Variable]:
        trainable = {id(w) for w in self._trainable_list()}
        return [w for w in self.weights if id(w) not in trainable]

    def stateless_call(self, trainable_variables, non_trainable_variables, *args,
                       return_losses=False, **kwargs):
        """`call` with the variables' values taken from the two lists (ordered as
        `trainable_variables` and `non_trainable_variables`); the layer's own variables keep
        their values. Returns `(outputs, new non-trainable values)`, plus the losses when
        `return_losses`.

        >>> y, _ = dense.stateless_call([kernel_value, bias_value], [], x)
        """
        from numen.layers import stateless

        return stateless.stateless_call(self, trainable_variables, non_trainable_variables,
                                        args, kwargs, return_losses)

    def get_weights(self) -> list[np.ndarray]:
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Load weight values (a list of arrays in `weights` order)."""
        mine = self.weights
        weights = list(weights)
        if len(weights) != len(mine):
            raise ValueError(f"Layer '{self.name}' expects {len(mine)} weight arrays, received "
                             f"{len(weights)}")
        for w, value in zip(mine, weights):
            value = np.asarray(value)
            if value.shape != w.shape:
                raise ValueError(f"Layer '{self.name}': weight '{w.name}' has shape {w.shape}, "
                                 f"received an array of shape {value.shape}")
        for w, value in zip(mine, weights):
            w.assign(backend.to_device(np.asarray(value, dtype=w.dtype)))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"Layer '{self.name}' has not been built yet, so it has no weights "
                             "to count; call it on data or build it first")
        return int(sum(w.size for w in self.weights))


def _get_constraint(constraint):
    if constraint is None or callable(constraint):
        return constraint
    from numen import constraints

    return constraints.get(constraint)


def _merge_by_creation(own: list, extra: list) -> list:
    """`own` in its order, with each of `extra` placed before the first of `own` created
    after it (Keras lists a layer's variables in the order it came to hold them)."""
    extra = sorted(extra, key=lambda v: v.serial)
    out, j = [], 0
    for w in own:
        while j < len(extra) and extra[j].serial < w.serial:
            out.append(extra[j])
            j += 1
        out.append(w)
    return out + extra[j:]


def _dedupe(ws):
    out, seen = [], set()
    for w in ws:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out
