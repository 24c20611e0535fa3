"""Keras's dtype promotion: which dtype an operation on mixed dtypes returns.

Keras promotes along a lattice of dtypes (the one JAX uses): bool below the integers, unsigned
integers able to climb into wider signed ones, every integer below the floats, and Python
numbers as "weak" types that take the other operand's dtype. The result of several dtypes is
their least upper bound on the lattice. numen keeps 64-bit results (as Keras's TensorFlow
backend does), where Keras on JAX or PyTorch narrows them to 32 bits.
"""

from __future__ import annotations

import functools

from numen import backend

# Each dtype and the dtypes directly above it. "int" and "float" are the weak types of Python
# numbers; "bool" climbs through the weak int so that bool + int8 stays int8.
_ABOVE = {
    "bool": ("int",),
    "int": ("uint8", "int8", "complex64"),
    "uint8": ("int16", "uint16"),
    "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"),
    "uint64": ("float",),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float",),
    "float": ("bfloat16", "float16"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64", "complex64"),
    "float64": ("complex128",),
    "complex64": ("complex128",),
    "complex128": (),
}
_WEAK = {int: "int", float: "float"}


def _closure():
    up = {}

    def visit(node):
        if node not in up:
            up[node] = {node}.union(*(visit(a) for a in _ABOVE[node]))
        return up[node]

    for node in _ABOVE:
        visit(node)
    return up


_UPPER = _closure()


@functools.lru_cache(maxsize=512)
def _least_upper_bound(nodes: frozenset) -> str:
    common = set.intersection(*(_UPPER[n] for n in nodes))
    for candidate in common:
        if common <= _UPPER[candidate]:
            return candidate
    raise ValueError(f"result_type: the dtypes {sorted(nodes)} have no common dtype to promote "
                     "to; cast the inputs explicitly")


def _node(dtype) -> tuple[str, bool]:
    """The lattice node of one argument and whether it is a weak (Python number) type."""
    if dtype in _WEAK:
        return _WEAK[dtype], True
    if dtype is bool:
        return "bool", False
    try:
        name = "bfloat16" if str(dtype) == "bfloat16" else backend.standardize_dtype(dtype)
    except TypeError:
        name = None
    if name not in _ABOVE:
        known = sorted(n for n in _ABOVE if n not in ("int", "float"))
        raise ValueError(f"result_type: {dtype!r} is not a dtype numen can promote (expected "
                         f"one of {known})")
    return name, False


def _resolve_weak(node: str) -> str:
    """A weak result (only Python numbers met) as a concrete dtype of floatx's precision."""
    bits = backend.floatx()[-2:]
    return {"int": f"int{bits}", "float": f"float{bits}"}.get(node, node)


def result_type(*dtypes) -> str:
    """The dtype Keras's promotion rules give for operands of `dtypes` (floatx for none).

    >>> result_type("int32", "float32")
    'float32'
    >>> result_type("uint8", "int8")
    'int16'
    """
    if not dtypes:
        return backend.floatx()
    nodes = [_node(backend.floatx() if d is None else d) for d in dtypes]
    names = {n for n, _ in nodes}
    if all(weak for _, weak in nodes):
        strong = {"int32" if n == "int" else "float32" if n == "float" else n for n in names}
        out = _least_upper_bound(frozenset(strong))
        return _resolve_weak({"int32": "int", "float32": "float"}.get(out, out))
    return _resolve_weak(_least_upper_bound(frozenset(names)))


def is_float_dtype(dtype) -> bool:
    name = "bfloat16" if str(dtype) == "bfloat16" else backend.standardize_dtype(dtype)
    return name.startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    name = backend.standardize_dtype(dtype)
    return name.startswith(("int", "uint"))
