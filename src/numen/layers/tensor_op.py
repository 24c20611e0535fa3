"""TensorOp: a `keras.ops` function or an operator (`x * 2`, `x[:, 0]`) recorded in a
Functional graph, and how Keras 3 records the same call (keras_op_table.py).
"""

from __future__ import annotations

import inspect

from numen.layers import keras_op_table
from numen.layers.base import Layer, to_snake_case, unique_name
from numen.layers.symbolic import KerasTensor, flatten, map_structure


class _Slot:
    """Marks where the i-th symbolic argument goes when a TensorOp replays its function."""

    def __init__(self, i: int):
        self.i = i


class TensorOp(Layer):
    """A `keras.ops` function (or an operator such as `x * 2`) applied inside a Functional
    graph: the non-symbolic arguments are kept, the symbolic ones become the node's inputs.

    It is what Keras 3 calls an Operation: a model runs it, its summary lists it (under
    Keras's class name, `Multiply`), but `model.layers` leaves it out. `function_name` is the
    keras.ops name it was called by, which finds Keras's record of it in keras_op_table.
    """

    def __init__(self, fn, args, kwargs, name=None, function_name=None):
        self.function_name = function_name or getattr(fn, "__name__", "op")
        self._keras = keras_row(self.function_name)
        default = self._keras[2] if self._keras else to_snake_case(self.function_name)
        super().__init__(name=name or unique_name(default))
        self.fn = fn
        self.n_inputs = 0

        def to_slot(v):
            if isinstance(v, KerasTensor):
                self.n_inputs += 1
                return _Slot(self.n_inputs - 1)
            return v

        # An op on text (expand_dims of a string column) takes it as it is, as in Keras.
        self._takes_any_input = any(isinstance(v, KerasTensor) and v.dtype == "string"
                                    for v in flatten([list(args), dict(kwargs)]))
        self.template_args = map_structure(to_slot, list(args))
        self.template_kwargs = {k: map_structure(to_slot, v) for k, v in kwargs.items()}
        self.supports_masking = True
        self.built = True

    @property
    def keras_class_name(self) -> str:
        """The class of Keras's Operation for this call ('Multiply', 'GetItem')."""
        if self._keras:
            return self._keras[1]
        return "".join(part.title() for part in self.function_name.split("_"))

    def _fill(self, inputs):
        def fill(v):
            return inputs[v.i] if isinstance(v, _Slot) else v

        args = map_structure(fill, self.template_args)
        kwargs = {k: map_structure(fill, v) for k, v in self.template_kwargs.items()}
        return args, kwargs

    def call(self, inputs):
        args, kwargs = self._fill(inputs)
        return self.fn(*args, **kwargs)

    def compute_mask(self, inputs, mask=None):
        masks = [m for m in flatten(mask) if m is not None] if mask is not None else []
        return masks[0] if len(masks) == 1 else None

    def keras_arguments(self, inputs=None):
        """How Keras records this call: (Operation init arguments, call args, call kwargs),
        with `inputs` (the node's tensors) in the symbolic places.

        Raises:
            ValueError: an op Keras records no Operation for, arguments that do not fit the
                Keras function's signature, or a symbolic tensor where Keras wants a constant.
        """
        if self._keras is None:
            raise ValueError(
                f"Operation '{self.name}' (keras.ops.{self.function_name}) cannot be saved: "
                "Keras 3 records no Operation class for it (see numen/layers/keras_op_table.py);"
                " wrap it in a layer instead")
        inputs = [_Slot(i) for i in range(self.n_inputs)] if inputs is None else inputs
        args, kwargs = self._fill(list(inputs))
        params, init_map, call_args, call_kwargs = self._keras[3:]
        signature = inspect.Signature([_parameter(p) for p in params])
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise ValueError(
                f"Operation '{self.name}': the arguments of keras.ops.{self.function_name} do "
                f"not fit Keras's signature {signature} ({exc}); pass them as Keras names "
                "them") from None
        bound.apply_defaults()
        values = bound.arguments
        init = {k: values[p] for k, p in init_map.items()}
        for k, v in init.items():
            if any(isinstance(t, (KerasTensor, _Slot)) for t in flatten(v)):
                raise ValueError(
                    f"Operation '{self.name}': argument '{init_map[k]}' of "
                    f"keras.ops.{self.function_name} is a symbolic tensor, but Keras stores "
                    "it as a constant of the operation; pass a Python value")
        args = []
        for p in call_args:  # '*operands': the function's own *args, spread
            args += list(values[p[1:]]) if p.startswith("*") else [values[p]]
        return init, args, {k: values[p] for k, p in call_kwargs.items()}


    def get_config(self):
        """Keras's config of the Operation: its init arguments and its name."""
        config = dict(self.keras_arguments()[0])
        config["name"] = self.name
        return config


def keras_row(function_name: str) -> tuple | None:
    """Keras's record of a call (a keras_op_table row): that of the keras.ops function of this
    name, or for 'activations.NAME' that of a keras.activations function recording an
    Operation of its own (relu's ReLU); None where Keras records none."""
    family, _, name = function_name.rpartition(".")
    table = keras_op_table.ACTIVATIONS if family == "activations" else keras_op_table.OPS
    return table.get(name)


def _parameter(param: tuple) -> inspect.Parameter:
    """A parameter of a Keras op function from its table row: (name,), (name, default) or
    ('*name',)."""
    if param[0].startswith("*"):
        return inspect.Parameter(param[0][1:], inspect.Parameter.VAR_POSITIONAL)
    default = param[1] if len(param) > 1 else inspect.Parameter.empty
    return inspect.Parameter(param[0], inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)


def record_op(fn, args, kwargs, name=None, function_name=None):
    """Record `fn(*args, **kwargs)` (arguments that include KerasTensors) as a TensorOp node
    named `name` and return its symbolic output(s)."""
    op = TensorOp(fn, args, kwargs, name=name, function_name=function_name)
    inputs = [t for t in flatten([list(args), kwargs]) if isinstance(t, KerasTensor)]
    return op(inputs)
