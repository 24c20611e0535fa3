"""`keras.ops`: numen.ops under its Keras name.

Called on symbolic tensors (a Functional model being defined from `keras.Input`), each function
records itself as a node of the graph instead of computing; on real data it is numen.ops itself.
The sub-namespaces `numpy`, `nn` and `linalg` are views that pick from this one set of functions.
"""

import functools
import inspect

import numen.ops as _source
from numen.layers import symbolic as _symbolic
from numen.layers import tensor_op as _tensor_op


def _graph_aware(fn, name=None):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _symbolic.any_symbolic([list(args), kwargs]):
            return _tensor_op.record_op(fn, args, kwargs, function_name=name)
        return fn(*args, **kwargs)

    return wrapper


globals().update({
    k: _graph_aware(v, k) if inspect.isfunction(v) else v
    for k, v in vars(_source).items()
    if not k.startswith("_") and (inspect.isfunction(v) or inspect.isclass(v))
})


# These two return new functions: those are made graph-aware too, so that the result can be
# called on keras.Input tensors as in Keras.
def vectorize(pyfunc, *, excluded=None, signature=None):
    return _graph_aware(_source.vectorize(pyfunc, excluded=excluded, signature=signature))


def custom_gradient(f):
    return _graph_aware(_source.custom_gradient(f))


vectorize.__doc__ = _source.vectorize.__doc__
custom_gradient.__doc__ = _source.custom_gradient.__doc__


def pick(names):
    """The functions of this namespace named in `names`, for the sub-namespace views."""
    here = globals()
    return {n: here[n] for n in names if n in here}


from numen.keras.ops import image, linalg, nn, numpy  # noqa: E402, F401 - the views, after the functions
