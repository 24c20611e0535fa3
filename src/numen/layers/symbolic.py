"""Symbolic tensors for the Functional API, and output-shape inference.

`keras.Input` makes a KerasTensor: a shape and dtype with no values. Calling a layer on
KerasTensors records a Node (the layer, its inbound tensors, its call arguments) and returns new
KerasTensors whose shapes come from running the layer once on small zero arrays: the batch (and
any other unknown) axis is tried at two sizes and stays None where the results differ.
"""

from __future__ import annotations

import contextvars

import numpy as np

from numen import backend
from numen.autodiff import as_tensor, no_grad

# Set while a layer runs on stand-in zeros to find its output shapes (`_run_on_zeros`).
_PROBING = contextvars.ContextVar("numen_symbolic_probing", default=False)


def probing() -> bool:
    """Whether the running call is a shape probe on stand-in values (zeros, empty strings)
    rather than on data: a check of values (a token missing from a vocabulary) must not
    refuse a stand-in, since Keras finds shapes without any values at all."""
    return _PROBING.get()


class KerasTensor:
    """A placeholder with a shape (None for unknown axes), a dtype and the node that made it.

    A tensor whose values would carry a mask has `_keras_mask`, a boolean KerasTensor (absent
    when there is no mask, as in Keras).
    """

    def __init__(self, shape, dtype="float32", name=None, node=None, index=0, sparse=False):
        self.shape = tuple(None if n is None else int(n) for n in shape)
        self.dtype = dtype
        self.name = name
        self.node = node
        self.index = index
        self.sparse = sparse

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __len__(self):
        raise TypeError("a symbolic KerasTensor has no length; use .shape")

    def __iter__(self):
        raise NotImplementedError(
            "a symbolic KerasTensor cannot be iterated over: it holds no data until the model "
            "runs; index it (x[:, 0]) or use keras.ops.unstack")

    def __int__(self):
        raise ValueError("a symbolic KerasTensor has no value to convert with int(); it holds "
                         "no data until the model runs")

    def __float__(self):
        raise ValueError("a symbolic KerasTensor has no value to convert with float(); it "
                         "holds no data until the model runs")

    def __bool__(self):
        raise TypeError(
            "a symbolic KerasTensor has no truth value: it holds no data until the model runs; "
            "use keras.ops.cond/where for a choice made on values")

    def __array__(self, *args, **kwargs):
        raise TypeError(
            "a symbolic KerasTensor (from keras.Input) has no values: build a Model from it and "
            "call the model on data"
        )

    # Operators on symbolic tensors record a TensorOp node, as `x * 2` does in Keras 3; each
    # records the keras.ops function Keras's own operator records (`x / y` is true_divide).
    def __add__(self, other):
        return _op("add", self, other)

    def __radd__(self, other):
        return _op("add", other, self)

    def __sub__(self, other):
        return _op("subtract", self, other)

    def __rsub__(self, other):
        return _op("subtract", other, self)

    def __mul__(self, other):
        return _op("multiply", self, other)

    def __rmul__(self, other):
        return _op("multiply", other, self)

    def __truediv__(self, other):
        return _op("true_divide", self, other)

    def __rtruediv__(self, other):
        return _op("true_divide", other, self)

    def __floordiv__(self, other):
        return _op("floor_divide", self, other)

    def __rfloordiv__(self, other):
        return _op("floor_divide", other, self)

    def __mod__(self, other):
        return _op("mod", self, other)

    def __rmod__(self, other):
        return _op("mod", other, self)

    def __pow__(self, other):
        return _op("power", self, other)

    def __rpow__(self, other):
        return _op("power", other, self)

    def __matmul__(self, other):
        return _op("matmul", self, other)

    def __rmatmul__(self, other):
        return _op("matmul", other, self)

    def __neg__(self):
        return _op("negative", self)

    def __abs__(self):
        return _op("absolute", self)

    def __lt__(self, other):
        return _op("less", self, other)

    def __le__(self, other):
        return _op("less_equal", self, other)

    def __gt__(self, other):
        return _op("greater", self, other)

    def __ge__(self, other):
        return _op("greater_equal", self, other)

    # `!=` records not_equal as Keras 3 does, while `==` stays Python's identity test (Keras
    # defines no __eq__ either): tensors stay hashable and `t in list` keeps meaning "is".
    def __ne__(self, other):
        return _op("not_equal", self, other)

    def __and__(self, other):
        return _op("logical_and", self, other)

    def __rand__(self, other):
        return _op("logical_and", other, self)

    def __or__(self, other):
        return _op("logical_or", self, other)

    def __ror__(self, other):
        return _op("logical_or", other, self)

    def __xor__(self, other):
        return _op("logical_xor", self, other)

    def __rxor__(self, other):
        return _op("logical_xor", other, self)

    def __invert__(self):
        return _op("logical_not", self)

    def __getitem__(self, index):
        if any(isinstance(k, KerasTensor) and k.dtype == "bool" for k in flatten(index)):
            # how many elements a mask keeps depends on its values, so no shape can be
            # recorded (Keras refuses any symbolic key)
            raise ValueError(
                f"{self.name}[...]: received a symbolic boolean mask as the key, whose result "
                "has a length known only from the data; expected ints, slices, None or "
                "Ellipsis (keras.ops.where(mask, x, 0) keeps the shape)")
        return _op("get_item", self, index)

    def __round__(self, ndigits=None):
        return _op("round", self, ndigits or 0)

    # The two array methods Keras's KerasTensor has, recorded as their keras.ops functions.
    def reshape(self, newshape):
        return _op("reshape", self, newshape)

    def squeeze(self, axis=None):
        return _op("squeeze", self, axis)


class Node:
    """One layer call in a Functional graph."""

    def __init__(self, layer, inputs, args, kwargs, outputs):
        self.layer = layer
        self.inputs = inputs
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs

    @property
    def input_tensors(self) -> list[KerasTensor]:
        """The symbolic tensors of the call's first argument (see node_attributes for all)."""
        return [t for t in flatten(self.inputs) if isinstance(t, KerasTensor)]

    @property
    def output_tensors(self) -> list[KerasTensor]:
        return flatten(self.outputs)

    @property
    def operation(self):
        """The layer called (Keras's name for it)."""
        return self.layer

    @property
    def parent_nodes(self) -> list:
        """The nodes that made this call's input tensors, each once, in argument order."""
        out: list = []
        for t in self.input_tensors:
            if t.node is not None and all(t.node is not n for n in out):
                out.append(t.node)
        return out


def flatten(x) -> list:
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in flatten(item)]
    if isinstance(x, dict):
        return [v for k in x for v in flatten(x[k])]
    return [x]


def map_structure(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(map_structure(fn, v) for v in x)
    if isinstance(x, dict):
        return {k: map_structure(fn, v) for k, v in x.items()}
    return fn(x)


def any_symbolic(x) -> bool:
    return any(isinstance(t, KerasTensor) for t in flatten(x))


def _is_shape(s) -> bool:
    return isinstance(s, (tuple, list)) and all(
        n is None or isinstance(n, (int, np.integer)) for n in s)


def _map_shapes(fn, shapes):
    if _is_shape(shapes):
        return fn(tuple(shapes))
    if isinstance(shapes, dict):
        return {k: _map_shapes(fn, v) for k, v in shapes.items()}
    return type(shapes)(_map_shapes(fn, s) for s in shapes)


def _run_on_zeros(layer, specs, fill, args=(), kwargs=None):
    """Call `layer` on zero arrays standing in for `specs` (KerasTensors or shapes). Returns
    the (shape, dtype) of each output and the mask spec of each (see `_mask_spec`)."""
    given_masks: list = []  # (the all-True mask standing in for a KerasTensor's, that mask)

    def zeros(spec):
        if isinstance(spec, KerasTensor):
            shape, dtype = spec.shape, spec.dtype
        elif _is_shape(spec):
            shape, dtype = spec, layer.dtype
        else:
            return spec
        value = np.zeros(tuple(fill if n is None else n for n in shape),
                         dtype=str if dtype == "string" else dtype)  # strings: all ''
        mask = getattr(spec, "_keras_mask", None)
        if mask is None:
            return value
        value = as_tensor(backend.to_device(value))
        value._keras_mask = backend.to_device(
            np.ones(tuple(fill if n is None else n for n in mask.shape), dtype=bool))
        given_masks.append((value._keras_mask, mask))
        return value

    def build(spec):
        if isinstance(spec, KerasTensor) or _is_shape(spec):
            return zeros(spec)
        if isinstance(spec, dict):
            return {k: build(v) for k, v in spec.items()}
        if isinstance(spec, (list, tuple)):
            return type(spec)(build(v) for v in spec)
        return spec

    kwargs = dict(kwargs or {})
    kwargs["training"] = False
    call_args = [build(a) for a in args]
    call_kwargs = {k: build(v) for k, v in kwargs.items()}
    # zeros stand in for the values, so a 0/0 or log(0) here is no fault of the user's data:
    # NumPy's floating-point warnings are kept from them
    token = _PROBING.set(True)
    try:
        with no_grad(), np.errstate(all="ignore"):
            out = layer(build(specs), *call_args, **call_kwargs)
    finally:
        _PROBING.reset(token)
    layer._clear_losses()
    shapes = map_structure(lambda t: (tuple(t.shape), dtype_name(t)), out)
    return shapes, map_structure(lambda t: _mask_spec(t, given_masks), out)


def dtype_name(t) -> str:
    """A value's dtype as a KerasTensor names it: text of any width is 'string'."""
    data = getattr(t, "data", t)
    return "string" if getattr(data, "dtype", np.dtype("f")).kind in "USO" else t.dtype


def _mask_spec(t, given_masks: list):
    """What an output's mask is: None (no mask), the symbolic mask of an input the layer
    passed through unchanged, or (shape, "bool") for a new one."""
    mask = getattr(t, "_keras_mask", None)
    if mask is None:
        return None
    for stand_in, symbolic_mask in given_masks:
        if mask is stand_in:
            return symbolic_mask
    return tuple(mask.shape), "bool"


def _is_spec(x) -> bool:
    """A (shape, dtype-name) leaf, as opposed to a pair of outputs."""
    return isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], tuple) \
        and isinstance(x[1], str)


def _merge(a, b):
    if _is_spec(a):
        shape = tuple(x if x == y else None for x, y in zip(a[0], b[0]))
        return shape, a[1]
    if isinstance(a, dict):
        return {k: _merge(a[k], b[k]) for k in a}
    return type(a)(_merge(x, y) for x, y in zip(a, b))


def output_specs(layer, inputs, args=(), kwargs=None):
    """(shape, dtype) of each output of `layer` for symbolic `inputs`."""
    return _output_and_mask_specs(layer, inputs, args, kwargs)[0]


def _output_and_mask_specs(layer, inputs, args=(), kwargs=None):
    """The output specs, and the mask spec of each output: the layer runs on zeros with the
    unknown axes at two sizes (n and 2n + 1), and an axis stays None where the results
    differ."""
    if _batch_is_the_only_unknown(inputs, args, kwargs) and _batch_leads_outputs(layer):
        # One run at batch 1 (a convolution over 224x224 images costs one image, not seven):
        # numen's own layers put the batch first in every output.
        try:
            first, first_masks = _run_on_zeros(layer, inputs, 1, args, kwargs)
        except (ValueError, TypeError):
            pass  # the probes below say what is wrong
        else:
            return _free_batch(first), _free_batch(first_masks)
    error = None
    # Small sizes first (cheap); a layer that needs longer axes (a 'valid' convolution of
    # kernel 7 over an unknown time axis) gets them on a retry.
    for size in _PROBE_SIZES:
        try:
            first, first_masks = _run_on_zeros(layer, inputs, size, args, kwargs)
            # Sizes far enough apart that a strided axis still tells them apart.
            second, second_masks = _run_on_zeros(layer, inputs, 2 * size + 1, args, kwargs)
        except (ValueError, TypeError) as exc:
            error = error or exc
            if not _has_unknown_axes(inputs):
                break
            continue
        return _merge(first, second), _merge_masks(first_masks, second_masks)
    raise error


_PROBE_SIZES = (2, 16, 64)


def _batch_is_the_only_unknown(inputs, args, kwargs) -> bool:
    tensors = [t for t in flatten([inputs, list(args), dict(kwargs or {})])
               if isinstance(t, KerasTensor)]
    return bool(tensors) and all(len(t.shape) > 0 and t.shape[0] is None
                                 and None not in t.shape[1:] for t in tensors)


def _batch_leads_outputs(layer) -> bool:
    """Layers defined by numen (not a user's code, a Lambda, an op or a model) whose every
    output has the batch as its first axis."""
    from numen.layers.core import Lambda

    module = type(layer).__module__
    return (module.startswith("numen.layers.") and module != "numen.layers.tensor_op"
            and not isinstance(layer, Lambda))


def _free_batch(specs):
    """Specs from a run at batch 1 with their first axis unknown again."""
    if specs is None or isinstance(specs, KerasTensor):
        return specs
    if _is_spec(specs):
        shape = specs[0]
        return ((None,) + shape[1:], specs[1]) if shape[:1] == (1,) else specs
    if isinstance(specs, dict):
        return {k: _free_batch(v) for k, v in specs.items()}
    return type(specs)(_free_batch(v) for v in specs)


def _probe_note(inputs, args, kwargs) -> str:
    """What to add to an error a shape probe met where the batch size is unknown: the layer
    ran on stand-in rows, and a layer built for one batch size can be told it."""
    tensors = [t for t in flatten([inputs, list(args), dict(kwargs or {})])
               if isinstance(t, KerasTensor)]
    if not any(t.shape and t.shape[0] is None for t in tensors):
        return ""
    return (" (numen finds a layer's output shape by running it on stand-in zeros, with a "
            "batch size of its choosing where the Input leaves it None; a layer made for one "
            "batch size gets it from keras.Input(..., batch_size=N))")


def _has_unknown_axes(inputs) -> bool:
    return any(n is None for t in flatten(inputs) if isinstance(t, KerasTensor)
               for n in t.shape[1:])


def _merge_masks(a, b):
    """Mask specs of two runs merged; the structure follows the outputs', whose leaves are
    the specs themselves (a leaf stands in for one output, so it is merged whole)."""
    if a is None or b is None or isinstance(a, KerasTensor):
        return a
    if _is_spec(a):
        return _merge(a, b)
    if isinstance(a, dict):
        return {k: _merge_masks(a[k], b[k]) for k in a}
    return type(a)(_merge_masks(x, y) for x, y in zip(a, b))


def infer_output_shape(layer, input_shape):
    specs = output_specs(layer, input_shape)
    return map_structure_specs(lambda s: s[0], specs)


def map_structure_specs(fn, specs):
    if _is_spec(specs):
        return fn(specs)
    if isinstance(specs, dict):
        return {k: map_structure_specs(fn, v) for k, v in specs.items()}
    return type(specs)(map_structure_specs(fn, s) for s in specs)


def call_symbolic(layer, inputs, args, kwargs):
    """Record `layer(inputs, ...)` in the graph and return its symbolic outputs. An output
    whose computation carries a mask gets it as `_keras_mask`, a symbolic boolean tensor (the
    input's own when the layer passes it through), as in Keras."""
    specs, mask_specs = _cached_specs(layer, inputs, args, kwargs)
    node = Node(layer, inputs, args, kwargs, None)
    counter = [0]

    def make(spec):
        t = KerasTensor(spec[0], spec[1], name=f"{layer.name}_{counter[0]}", node=node,
                        index=counter[0])
        counter[0] += 1
        return t

    outputs = map_structure_specs(make, specs)
    for t, mask in zip(flatten(outputs), _flat_mask_specs(mask_specs)):
        if isinstance(mask, tuple):
            mask = KerasTensor(mask[0], "bool", name=f"{t.name}_mask")
        if mask is not None:
            t._keras_mask = mask
    node.outputs = outputs
    layer._inbound_nodes.append(node)
    return outputs


_PASSED = "passed through"  # stands for "the input's own mask" in cached mask specs


def _cached_specs(layer, inputs, args, kwargs):
    """`_output_and_mask_specs`, remembered per layer for a built layer called on one
    KerasTensor with no other argument: a Sequential model calls its layers again on the same
    Input each time a layer is added, and need not run them on zeros again."""
    key = None
    if isinstance(inputs, KerasTensor) and not args and not kwargs and layer.built:
        mask = getattr(inputs, "_keras_mask", None)
        key = (inputs.shape, inputs.dtype, None if mask is None else mask.shape, layer.dtype)
        cached = layer.__dict__.get("_symbolic_specs", {}).get(key)
        if cached is not None:
            return cached[0], map_structure(
                lambda m: mask if m is _PASSED else m, cached[1])
    try:
        specs, mask_specs = _output_and_mask_specs(layer, inputs, args, kwargs)
    except TypeError as exc:
        raise type(exc)(f"{exc}") from exc
    except ValueError as exc:  # a size the stand-in rows may not have had
        raise type(exc)(f"{exc}{_probe_note(inputs, args, kwargs)}") from exc
    if key is not None:
        passed = map_structure(lambda m: _PASSED if isinstance(m, KerasTensor) else m,
                               mask_specs)
        layer.__dict__.setdefault("_symbolic_specs", {})[key] = (specs, passed)
    return specs, mask_specs


def _flat_mask_specs(specs) -> list:
    if specs is None or isinstance(specs, KerasTensor) or _is_spec(specs):
        return [specs]
    if isinstance(specs, dict):
        return [m for k in specs for m in _flat_mask_specs(specs[k])]
    return [m for s in specs for m in _flat_mask_specs(s)]


def symbolic_call(fn, *args, **kwargs):
    """Apply `fn` (a `keras.ops` function) to arguments that include KerasTensors: records a
    TensorOp node (layers/tensor_op.py) and returns its symbolic output(s)."""
    from numen.layers.tensor_op import record_op

    return record_op(fn, args, kwargs)


def _op(name: str, *args):
    from numen import ops
    from numen.layers.tensor_op import record_op

    return record_op(getattr(ops, name), args, {}, function_name=name)
