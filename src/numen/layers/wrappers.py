"""Layer wrappers: the Wrapper base class, Bidirectional (an RNN both ways) and
TimeDistributed (a layer per step)."""

from __future__ import annotations

from numen import ops
from numen.layers.base import InputSpec, Layer

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _clone(layer, **overrides):
    config = {**layer.get_config(), **overrides}
    return type(layer).from_config(config)


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


class Wrapper(Layer):
    """Base class of layers that wrap another layer (`self.layer`) and change how it runs.

    Building the wrapper builds the wrapped layer; the config holds the wrapped layer's
    serialized config under 'layer', so a subclass round-trips through get_config/from_config
    and `.keras` files.

    Args:
        layer: the Layer instance to wrap.

    >>> class Twice(Wrapper):
    ...     def call(self, x):
    ...         return self.layer(self.layer(x))
    >>> Twice(Dense(3))(np.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__}: `layer` must be a Layer instance, "
                             f"received {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return self.layer(inputs, *args, **kwargs)

    def get_config(self):
        from numen import saving

        return {**super().get_config(), "layer": saving.serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from numen import saving

        config = dict(config)
        layer = config.pop("layer")
        if isinstance(layer, dict):
            layer = saving.deserialize_layer(layer, custom_objects)
        return cls(layer, **config)


class Bidirectional(Wrapper):
    """Runs a recurrent layer forwards and a copy of it backwards, and merges the outputs.

    Args:
        layer: an RNN layer (LSTM, GRU, SimpleRNN, RNN); it is copied from its config, so the
            wrapper owns fresh `forward_<name>` and `backward_<name>` layers.
        merge_mode: 'concat' (default), 'sum', 'mul', 'ave', or None (return both outputs).
        backward_layer: optional layer for the backward direction (with go_backwards=True).

    With `return_sequences` the backward outputs are flipped back into time order before
    merging, and masked steps output zeros.

    >>> Bidirectional(LSTM(8))(np.ones((2, 5, 3))).shape
    (2, 16)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional: `layer` must be a Layer instance, received "
                             f"{layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"Bidirectional: `backward_layer` must be a Layer instance, "
                             f"received {backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: `merge_mode` must be one of {_MERGE_MODES}, "
                             f"received {merge_mode!r}")
        # Layer.__init__, not Wrapper's: the wrapped layer lives on as the two copies only.
        Layer.__init__(self, **kwargs)
        self.forward_layer = _clone(layer, name="forward_" + _strip(layer.name, "forward_"))
        if backward_layer is None:
            backward_layer = _clone(layer, go_backwards=not layer.go_backwards,
                                    name="backward_" + _strip(layer.name, "backward_"))
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError("Bidirectional: the forward and backward layers must have "
                             "different `go_backwards` values")
        for attr in ("stateful", "return_sequences", "return_state"):
            a, b = getattr(self.forward_layer, attr), getattr(self.backward_layer, attr)
            if a != b:
                raise ValueError(f"Bidirectional: forward and backward layers must agree on "
                                 f"`{attr}`, received {a} and {b}")
        for direction in (self.forward_layer, self.backward_layer):
            if hasattr(direction, "zero_output_for_mask"):
                direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        self.stateful = self.forward_layer.stateful
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)
        self._initial_weights = weights

    def build(self, sequences_shape, initial_state_shape=None):
        for direction in (self.forward_layer, self.backward_layer):
            if not direction.built:
                direction.build(tuple(sequences_shape))
                direction.built = True
        if self._initial_weights:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {"training": training, "mask": mask}
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        if self.merge_mode == "concat":
            output = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            return (*output, *states) if self.merge_mode is None else (output, *states)
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        return (out, out) if self.merge_mode is None else out

    def reset_state(self) -> None:
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def get_config(self):
        from numen import saving

        return {**Layer.get_config(self), "merge_mode": self.merge_mode,
                "layer": saving.serialize_layer(self.forward_layer),
                "backward_layer": saving.serialize_layer(self.backward_layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from numen import saving

        config = dict(config)
        config["layer"] = saving.deserialize_layer(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = saving.deserialize_layer(config["backward_layer"],
                                                                custom_objects)
        return cls(**config)


class TimeDistributed(Wrapper):
    """Applies `layer` to every timestep (axis 1) of its input independently.

    The batch and time axes are folded into one, the layer runs once on all steps, and the
    result is unfolded, so `TimeDistributed(Dense(8))` costs one matmul.

    >>> TimeDistributed(Dense(8))(np.ones((2, 10, 4))).shape
    (2, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build((None,) + tuple(input_shape[2:]))
            self.layer.built = True
        self.built = True

    def call(self, inputs, training=None, mask=None):
        b, t = inputs.shape[0], inputs.shape[1]
        folded = ops.reshape(inputs, (b * t,) + tuple(inputs.shape[2:]))
        y = self.layer(folded, training=training)
        return ops.reshape(y, (b, t) + tuple(y.shape[1:]))

    def compute_mask(self, inputs, mask=None):
        return mask
