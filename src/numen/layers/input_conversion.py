"""What `Layer.__call__` does to inputs that are not yet Tensors of the layer's dtype.

Arrays, lists and numbers become Tensors on the device, floats cast to the layer's input dtype;
text stays on the host for a model with a string input; object arrays of numbers are converted,
and any other non-numeric input is refused with an error naming the layer. `call`'s other
arguments convert as in Keras: arrays only (numbers and lists stay as given), masks left alone.
"""

from __future__ import annotations

import inspect

import numpy as np

from numen import backend, ops
from numen.autodiff import Tensor, as_tensor
from numen.layers.symbolic import map_structure


def convert_inputs(layer, inputs):
    """`inputs` (any nesting) as Tensors `layer` can take (see the module's note)."""
    want = layer._np_dtype()
    return map_structure(lambda v: _convert(layer, v, want), inputs)


def convert_arguments(layer, args: tuple, kwargs: dict):
    """`call`'s other arguments as Keras converts them: arrays (NumPy's, or anything with
    `__array__`) become Tensors and float Tensors take the layer's input dtype, at any nesting;
    Python numbers, lists of them, text and other values are left alone, and so are masks
    (numen keeps them as plain arrays)."""
    want = layer._np_dtype()
    if all(_settled(a, want) for a in args) and all(_settled(v, want) for v in kwargs.values()):
        return args, kwargs  # the common case (a cell's states, training=): nothing to do

    def convert(v):
        if isinstance(v, Tensor) or (hasattr(v, "__array__") and not isinstance(
                v, (list, tuple, dict)) and getattr(v, "dtype", np.dtype("f")).kind not in "USO"):
            return _convert(layer, v, want)
        return v

    names = layer._call_arg_names
    args = tuple(a if _is_mask(names[i] if i < len(names) else "") else map_structure(convert, a)
                 for i, a in enumerate(args))
    kwargs = {k: v if _is_mask(k) else map_structure(convert, v) for k, v in kwargs.items()}
    return args, kwargs


def _settled(v, want) -> bool:
    """Whether `v` surely needs no conversion: None, a bool, a Tensor of `want` or not a
    float, or a list or tuple of those."""
    if type(v) is list or type(v) is tuple:
        return all(_settled(item, want) for item in v)
    return v is None or type(v) is bool or (
        type(v) is Tensor and (v.data.dtype == want or v.data.dtype.kind != "f"))


def argument_names(call) -> tuple:
    """The names of `call`'s positional arguments after the inputs."""
    try:
        params = list(inspect.signature(call).parameters.values())[1:]
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _is_mask(name: str) -> bool:
    return name == "mask" or name.endswith("_mask")


def _convert(layer, v, want):
    if isinstance(v, Tensor):
        if backend.is_float_dtype(v.data.dtype) and v.data.dtype != want:
            return ops.cast(v, layer.input_dtype)
        return v
    if isinstance(v, (np.ndarray, list, float, int, np.generic)) or hasattr(v, "__array__"):
        if getattr(v, "dtype", np.dtype("f")).kind in "US" or isinstance(v, list):
            text = np.asarray(v)
            if text.dtype.kind in "US" and takes_text(layer):
                return as_tensor(text)  # text stays on the host
        arr = backend.to_device(np.asarray(v) if not hasattr(v, "shape") else v)
        if arr.dtype.kind not in "fiub" and arr.dtype.name != "bfloat16":
            arr = numeric(layer.name, arr, want)
        if backend.is_float_dtype(arr.dtype) and arr.dtype != want:
            arr = arr.astype(want)
        return as_tensor(arr)
    return v


def numeric(layer_name: str, arr, want):
    """Object arrays of numbers become `want`; strings, complex numbers, dates and anything
    else are refused with a TypeError naming the layer."""
    problem = f"an array of dtype {arr.dtype}"
    if arr.dtype.kind == "O":
        try:
            return arr.astype(want)
        except (TypeError, ValueError) as exc:
            problem = f"an object array that is not all numbers ({exc})"
    raise TypeError(f"Layer '{layer_name}' expects numeric input (float, int or bool), "
                    f"received {problem}")


def takes_text(layer) -> bool:
    """Whether `layer` is a model with an input of dtype 'string', or holds a layer that takes
    text (a Sequential model or a custom layer around a StringLookup: Keras hands strings to
    any layer, numen to those that can use them)."""
    if layer._takes_any_input or any(sub._takes_any_input or takes_text(sub)
                                     for sub in layer._sublayers()):
        return True
    try:
        inputs = getattr(layer, "inputs", None) or ()
    except (AttributeError, ValueError, TypeError):
        return False
    return any(getattr(t, "dtype", None) == "string" for t in inputs)
