"""`keras.activations`: numen.activations under its Keras name.

As in Keras, an activation called on a symbolic tensor (a Functional model being defined from
`keras.Input`) records itself in the graph as the `keras.ops` function of its name, with its
arguments spelled out (`gelu` keeps `approximate=False`, which `keras.ops.gelu` would not
default to); `relu` records Keras's own ReLU Operation with negative_slope, max_value and
threshold; `linear` records nothing. On real data it is numen's function. `get` and
`serialize` see through to numen's function, so a layer given `keras.activations.relu` keeps
the same function as one given 'relu'.
"""

import functools
import inspect

import numen.activations as _source
from numen.layers import keras_op_table as _op_table
from numen.layers import symbolic as _symbolic
from numen.layers import tensor_op as _tensor_op

_NOT_ACTIVATIONS = {"get", "serialize", "deserialize"}
# What an activation records as: the keras.ops function of its name, another one, or (relu)
# an Operation of its own, which keeps all of relu's options as Keras's ReLU does.
_OP_NAME = {"exponential": "exp", **{k: f"activations.{k}" for k in _op_table.ACTIVATIONS}}


def _face(name, fn):
    op_name = _OP_NAME.get(name, name)
    signature = inspect.signature(fn)
    row = _tensor_op.keras_row(op_name)
    # what the recorded op assumes for an argument left out: its own default where it has
    # the argument (keras.ops.gelu's approximate=True), else the activation's
    assumed = {k: p.default for k, p in signature.parameters.items()}
    assumed.update({p[0]: p[1] for p in (row[3] if row else ()) if len(p) > 1})

    @functools.wraps(fn)
    def face(*args, **kwargs):
        if not _symbolic.any_symbolic([list(args), kwargs]):
            return fn(*args, **kwargs)
        if name == "linear":  # the identity
            return args[0] if args else kwargs["x"]
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        (x_name, x), *options = bound.arguments.items()
        # only the arguments that differ from what the op assumes are kept (gelu's
        # approximate=False; relu's options stay out at their defaults, so a plain relu also
        # exports to ONNX); saving writes Keras's full record from the table either way
        kept = {k: v for k, v in options if not _is_assumed(v, assumed.get(k))}
        return _tensor_op.record_op(fn, (x,), kept, function_name=op_name)

    face.numen_function = fn
    return face


def _is_assumed(value, default) -> bool:
    if value is default:
        return True
    plain = (bool, int, float, str)
    return isinstance(value, plain) and isinstance(default, plain) and value == default


globals().update({
    k: _face(k, v) if inspect.isfunction(v) and k not in _NOT_ACTIVATIONS else v
    for k, v in vars(_source).items() if not k.startswith("_")
})
