"""`keras.activations`: numen.activations under its Keras name.

As in Keras, an activation called on a symbolic tensor (a Functional model being defined from
`keras.Input`) records itself in the graph as the `keras.ops` function of its name, with its
arguments spelled out (`gelu` keeps `approximate=False`, which `keras.ops.gelu` would not
default to); `linear` records nothing. On real data it is numen's function. `get` and
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
_OP_NAME = {"exponential": "exp"}  # the keras.ops function an activation records as


def _face(name, fn):
    op_name = _OP_NAME.get(name, name)
    signature = inspect.signature(fn)
    row = _op_table.OPS.get(op_name)
    op_params = {p[0].lstrip("*") for p in row[3]} if row else None

    @functools.wraps(fn)
    def face(*args, **kwargs):
        if not _symbolic.any_symbolic([list(args), kwargs]):
            return fn(*args, **kwargs)
        if name == "linear":  # the identity
            return args[0] if args else kwargs["x"]
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        (x_name, x), *options = bound.arguments.items()
        # an argument the op lacks is left out while it has its default (relu's
        # negative_slope=0.0); with another value, saving the model says Keras has no such op
        kept = {k: v for k, v in options
                if op_params is None or k in op_params or v != signature.parameters[k].default}
        return _tensor_op.record_op(fn, (x,), kept, function_name=op_name)

    face.numen_function = fn
    return face


globals().update({
    k: _face(k, v) if inspect.isfunction(v) and k not in _NOT_ACTIVATIONS else v
    for k, v in vars(_source).items() if not k.startswith("_")
})
