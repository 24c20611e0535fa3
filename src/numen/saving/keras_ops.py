"""Recorded ops (`x * 2`, `keras.ops.sum(x, axis=1)`, `keras.activations.relu(x, max_value=6)`)
in a Functional config, as Keras 3 writes them: one entry per call, `{"module":
"keras.src.ops.<family>", "class_name": <Operation>, "config": {<init arguments>, "name"},
"registered_name", "name", "inbound_nodes": [{"args", "kwargs"}]}` (relu's ReLU Operation lives
in module "keras.src.activations.activations"). Reading maps the class back to a `keras.ops` or
`keras.activations` function through numen/layers/keras_op_table.py only: nothing named in a
file is imported or run.

Constants in the call arguments use Keras's tags: `__slice__`, `__ellipsis__`, `__numpy__`,
`__tensor__` and `__bytes__`.
"""

from __future__ import annotations

import numpy as np

from numen.layers import keras_op_table
from numen.layers.tensor_op import TensorOp, keras_row, record_op

_OP_MODULE = "keras.src.ops."
# keras.activations functions with an Operation of their own, as TensorOp names them
_ACTIVATION_OPS = {f"activations.{k}": row for k, row in keras_op_table.ACTIVATIONS.items()}


def op_entry(op: TensorOp, node, encode) -> dict:
    """The config entry of `op`, called once at `node`; `encode` writes tensors and
    constants as the other layers' inbound nodes do."""
    init, args, kwargs = op.keras_arguments(node.inputs)
    module, class_name = op._keras[0], op._keras[1]
    return {"module": module, "class_name": class_name,
            "config": {**encode(init), "name": op.name}, "registered_name": class_name,
            "name": op.name, "inbound_nodes": [{"args": encode(args), "kwargs": encode(kwargs)}]}


def encode_constant(value):
    """A slice, Ellipsis, array or tensor constant in Keras's tagged form (None if `value`
    is none of those)."""
    from numen.autodiff import Tensor

    if isinstance(value, slice):
        return {"class_name": "__slice__",
                "config": {"start": _plain(value.start), "stop": _plain(value.stop),
                           "step": _plain(value.step)}}
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(value, bytes):
        return {"class_name": "__bytes__", "config": {"value": value.decode("utf-8")}}
    if isinstance(value, np.ndarray) and value.ndim > 0 or isinstance(value, Tensor):
        from numen import backend

        array = backend.to_numpy(value.data if isinstance(value, Tensor) else value)
        tag = "__tensor__" if isinstance(value, Tensor) else "__numpy__"
        return {"class_name": tag,
                "config": {"value": array.tolist(), "dtype": str(array.dtype)}}
    return None


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def decode_constant(value):
    """The constant a tagged entry stands for (`value` itself when it is none)."""
    if not (isinstance(value, dict) and set(value) >= {"class_name", "config"}):
        return value
    tag, inner = value["class_name"], value["config"] or {}
    if tag == "__slice__":
        return slice(inner.get("start"), inner.get("stop"), inner.get("step"))
    if tag == "__ellipsis__":
        return Ellipsis
    if tag == "__bytes__":
        return inner["value"].encode("utf-8")
    if tag == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if tag == "__tensor__":
        from numen.autodiff import as_tensor

        return as_tensor(np.array(inner["value"], dtype=inner["dtype"]))
    return value


def is_op_spec(spec: dict) -> bool:
    """Whether a config entry is a recorded Keras Operation rather than a layer."""
    if not isinstance(spec, dict):
        return False
    module = str(spec.get("module") or "")
    return module.startswith(_OP_MODULE) or any(
        row[:2] == (module, spec.get("class_name")) for row in _ACTIVATION_OPS.values())


def _function_for(spec: dict) -> str:
    """The keras.ops function that records the entry's Operation class."""
    module, class_name = spec.get("module"), spec.get("class_name")
    rows = {**keras_op_table.OPS, **_ACTIVATION_OPS}
    names = [k for k, e in rows.items() if e[0] == module and e[1] == class_name]
    if not names:
        raise ValueError(
            f"Operation '{spec.get('name')}' of class {class_name!r} (module {module!r}) is "
            "not one numen can rebuild: no keras.ops function records it (see "
            "numen/layers/keras_op_table.py)")
    # The function named like the Operation ('absolute' for Absolute, not 'abs').
    default = rows[names[0]][2]
    return min(names, key=lambda k: (k != default, len(k), k))


def _match_call_args(spec: dict, entry: tuple, args: list) -> dict:
    """The function parameters a node's call arguments stand for ('*operands' takes what the
    others leave)."""
    call_args = entry[5]
    star = [i for i, p in enumerate(call_args) if p.startswith("*")]
    if not star and len(args) > len(call_args):
        raise ValueError(f"Operation '{spec.get('name')}' ({entry[1]}): received "
                         f"{len(args)} call arguments, Keras's takes {len(call_args)}")
    values = {}
    end = len(args) - (len(call_args) - star[0] - 1) if star else len(args)
    i = 0
    for p in call_args:
        if p.startswith("*"):
            values[p[1:]], i = tuple(args[i:end]), end
        elif i < len(args):
            values[p], i = args[i], i + 1
    return values


def _is_default(param: tuple, value) -> bool:
    if len(param) < 2:
        return False
    default = param[1]
    if default is None or value is None:
        return default is value
    plain = (bool, int, float, str, tuple, list)
    return isinstance(value, plain) and isinstance(default, plain) and \
        type(value) is type(default) and value == default


def call_op(spec: dict, args: list, kwargs: dict):
    """Record the entry's op on `args`/`kwargs` (its decoded inbound node) and return the
    symbolic output(s)."""
    from numen.keras import ops

    name = _function_for(spec)
    entry = keras_row(name)
    params, init_map, call_args, call_kwargs = entry[3:]
    config = dict(spec.get("config") or {})
    values = {p: decode_constant(config[k]) for k, p in init_map.items() if k in config}
    values.update(_match_call_args(spec, entry, list(args)))
    values.update({call_kwargs[k]: v for k, v in kwargs.items() if k in call_kwargs})
    if name == "get_item" and isinstance(values.get("key"), list):
        values["key"] = tuple(values["key"])  # Keras's GetItem indexes with a list as a tuple
    # Positionally in Keras's parameter order (numen's own names may differ), the trailing
    # arguments at their defaults left out.
    pairs = [(p, values.get(p[0].lstrip("*"), p[1] if len(p) > 1 else None)) for p in params]
    while len(pairs) > 1 and _is_default(*pairs[-1]):
        pairs.pop()
    positional = []
    for p, v in pairs:
        positional += list(v or ()) if p[0].startswith("*") else [v]
    if name.startswith("activations."):
        from numen.keras import activations

        fn = getattr(activations, name.split(".", 1)[1], None)
    else:
        fn = getattr(ops, name, None)
    for view in ("nn", "numpy", "linalg", "image"):  # a function only in a sub-namespace
        fn = fn or getattr(getattr(ops, view), name, None)
    if fn is None:
        raise ValueError(f"Operation '{spec.get('name')}' ({entry[1]}): numen has no "
                         f"keras.ops.{name} to rebuild it with")
    return record_op(getattr(fn, "__wrapped__", fn), positional, {},
                     name=config.get("name") or spec.get("name"), function_name=name)
