"""Nested structures (`keras.tree`): lists, tuples, dicts, namedtuples and deques of leaves.

Pure Python, importable from anywhere. The rules are Keras 3's:

- Containers are `list`, `tuple`, `dict`, `collections.OrderedDict`, `collections.defaultdict`,
  `collections.deque`, namedtuples and struct sequences (`time.struct_time`), by exact type:
  a subclass of `list` or `dict` is a leaf, as are strings, sets, arrays and `None`.
- A dict's children come in sorted key order (keys of mixed types sort by type name first);
  an `OrderedDict` keeps its own order. Rebuilt dicts keep the original insertion order.
- Two structures match when each container has the same type (any two dict kinds match, by
  their keys) and the same length; namedtuples must be of the very same class.
"""

from __future__ import annotations

import collections
import warnings

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested", "lists_to_tuples", "map_shape_structure",
           "map_structure", "map_structure_up_to", "pack_sequence_as", "traverse"]

_DICTS = (dict, collections.OrderedDict, collections.defaultdict)


class MAP_TO_NONE:  # noqa: N801 (Keras's name)
    """Return this class from a `traverse` function to put `None` in place of a sub-tree
    (returning `None` itself means "no change").

    >>> traverse(lambda s: MAP_TO_NONE if s == 2 else None, [1, 2], top_down=False)
    [1, None]
    """


def _is_namedtuple(x) -> bool:
    cls = type(x)
    fields = getattr(cls, "_fields", None)
    return issubclass(cls, tuple) and isinstance(fields, tuple) and \
        all(isinstance(f, str) for f in fields) and callable(getattr(cls, "_make", None))


def _is_structseq(x) -> bool:
    cls = type(x)
    return issubclass(cls, tuple) and cls is not tuple and \
        isinstance(getattr(cls, "n_sequence_fields", None), int)


def _sorted_keys(d) -> list:
    if type(d) is collections.OrderedDict:
        return list(d)
    try:
        return sorted(d)
    except TypeError:
        # Keys of types that do not compare: by type name, then by key within a type.
        return sorted(d, key=lambda k: (f"{type(k).__module__}.{type(k).__qualname__}", k))


def _children(x, none_is_leaf: bool = True):
    """`(keys, children)` of a container, or None for a leaf."""
    cls = type(x)
    if x is None:
        return None if none_is_leaf else ([], [])
    if cls in _DICTS:
        keys = _sorted_keys(x)
        return keys, [x[k] for k in keys]
    if cls in (list, tuple, collections.deque) or _is_namedtuple(x) or _is_structseq(x):
        return list(range(len(x))), list(x)
    return None


def _rebuild(x, keys, children):
    """A container like `x` holding `children` (given in `_children` order)."""
    cls = type(x)
    if x is None:
        return None
    if cls in _DICTS:
        values = dict(zip(keys, children))
        items = [(k, values[k]) for k in x]
        if cls is collections.defaultdict:
            return collections.defaultdict(x.default_factory, items)
        return cls(items)
    if cls is list:
        return list(children)
    if cls is tuple:
        return tuple(children)
    if cls is collections.deque:
        return collections.deque(children, maxlen=x.maxlen)
    if _is_namedtuple(x):
        return cls(*children)
    return cls(children)  # a struct sequence


def _kind(x):
    return dict if type(x) in _DICTS else type(x)


def _match(first, other, none_is_leaf: bool = True):
    """The children of `other` in `first`'s key order; ValueError when the containers differ."""
    spec = _children(first, none_is_leaf)
    got = _children(other, none_is_leaf)
    if got is None:
        raise ValueError(f"The two structures don't have the same nested structure: expected "
                         f"a {type(first).__name__}, got {_short(other)}")
    if _kind(first) is not _kind(other):
        raise ValueError(f"The two structures don't have the same nested structure: expected "
                         f"an instance of {type(first).__name__}, got {_short(other)}")
    keys = spec[0]
    if type(first) in _DICTS:
        if set(keys) != set(other):
            raise ValueError(f"The two structures don't have the same nested structure: "
                             f"dict keys {sorted(map(str, keys))} != "
                             f"{sorted(map(str, other))}")
        return [other[k] for k in keys]
    if len(keys) != len(got[0]):
        raise ValueError(f"The two structures don't have the same nested structure: a "
                         f"{type(first).__name__} of length {len(keys)}, got {_short(other)}")
    return got[1]


def _short(x, limit: int = 120) -> str:
    text = repr(x)
    return text if len(text) <= limit else text[:limit] + "..."


def is_nested(structure) -> bool:
    """Whether `structure` is a container (list, tuple, dict, namedtuple, deque).

    >>> is_nested([1]), is_nested(None), is_nested("ab")
    (True, False, False)
    """
    return _children(structure) is not None


def flatten(structure) -> list:
    """The leaves of `structure`, depth first; dicts in sorted key order.

    >>> flatten({"b": [1, 2], "a": None})
    [None, 1, 2]
    """
    out = []

    def visit(x):
        node = _children(x)
        if node is None:
            out.append(x)
        else:
            for child in node[1]:
                visit(child)

    visit(structure)
    return out


def flatten_with_path(structure) -> list:
    """`[(path, leaf), ...]` where a path is the tuple of keys/indices leading to the leaf.

    >>> flatten_with_path({"a": [5, 6]})
    [(('a', 0), 5), (('a', 1), 6)]
    """
    out = []

    def visit(x, path):
        node = _children(x)
        if node is None:
            out.append((path, x))
        else:
            for key, child in zip(*node):
                visit(child, path + (key,))

    visit(structure, ())
    return out


def _paths(structure) -> set:
    return {path for path, _ in flatten_with_path(structure)}


def map_structure(func, *structures, none_is_leaf: bool = True):
    """`func` applied to the leaves of same-shaped `structures`; the result has the first
    structure's layout.

    Args:
        func: called with one leaf from each structure.
        *structures: one or more structures with the same layout.
        none_is_leaf: when False, `None` is kept as it is instead of being passed to `func`.

    Raises:
        ValueError: no structure given, or the structures differ.
        TypeError: `func` is not callable.

    >>> map_structure(lambda a, b: a + b, [1, (2,)], [10, (20,)])
    [11, (22,)]
    """
    if not structures:
        raise ValueError("map_structure: must provide at least one structure")
    if not callable(func):
        raise TypeError(f"map_structure: func must be callable, received {_short(func)}")

    def visit(first, *others):
        node = _children(first, none_is_leaf)
        if node is None:
            if any(_children(o, none_is_leaf) is not None for o in others):
                raise ValueError("map_structure: the structures don't have the same nested "
                                 f"structure: a leaf {_short(first)} against "
                                 f"{[_short(o) for o in others]}")
            return func(first, *others)
        columns = [_match(first, o, none_is_leaf) for o in others]
        children = [visit(c, *(col[i] for col in columns)) for i, c in enumerate(node[1])]
        return _rebuild(first, node[0], children)

    return visit(*structures)


def map_structure_up_to(shallow_structure, func, *structures):
    """Like `map_structure`, but only down to the leaves of `shallow_structure`: what lies
    below them in `structures` is passed to `func` whole. The result has the layout of
    `shallow_structure` (whose own leaves, `None` included, are not passed to `func`).

    Raises:
        ValueError: no structure given, or a structure is shallower than
            `shallow_structure` or differs from it.

    >>> map_structure_up_to([None, None], len, [[1, 1], [2, 2, 2]])
    [2, 3]
    """
    if not structures:
        raise ValueError("map_structure_up_to: must provide at least one structure")
    if not callable(func):
        raise TypeError(f"map_structure_up_to: func must be callable, received {_short(func)}")

    def visit(shallow, *values):
        node = _children(shallow)
        if node is None:
            return func(*values)
        columns = [_match(shallow, v) for v in values]
        children = [visit(c, *(col[i] for col in columns)) for i, c in enumerate(node[1])]
        return _rebuild(shallow, node[0], children)

    return visit(shallow_structure, *structures)


def assert_same_structure(a, b, check_types=None) -> None:
    """Raise ValueError unless `a` and `b` are nested the same way (leaves may differ).

    `check_types` is accepted for compatibility and has no effect (as in Keras 3).

    >>> assert_same_structure([(0, 1)], [(2, 3)])
    """
    if check_types is not None:
        warnings.warn("assert_same_structure: `check_types` no longer has any effect; use "
                      "assert_same_paths for a check that ignores container types",
                      DeprecationWarning, stacklevel=2)
    map_structure(lambda *_: None, a, b)


def assert_same_paths(a, b) -> None:
    """Raise ValueError unless `a` and `b` have the same leaf paths, whatever their container
    types (a list and a tuple of the same length match; dicts by key).

    >>> assert_same_paths([0, 1], (2, 3))
    """
    pa, pb = _paths(a), _paths(b)
    if pa != pb:
        msg = "`a` and `b` don't have the same paths."
        if pa - pb:
            msg += f"\nPaths in `a` missing in `b`:\n{pa - pb}"
        if pb - pa:
            msg += f"\nPaths in `b` missing in `a`:\n{pb - pa}"
        raise ValueError(msg)


def pack_sequence_as(structure, flat_sequence):
    """The leaves in `flat_sequence` put into the layout of `structure` (the inverse of
    `flatten`: dicts are filled in sorted key order).

    Raises:
        TypeError: `flat_sequence` is not iterable.
        ValueError: it holds more or fewer items than `structure` has leaves.

    >>> pack_sequence_as({"b": 0, "a": 0}, [1, 2])
    {'b': 2, 'a': 1}
    """
    try:
        flat = list(flat_sequence)
    except TypeError:
        raise TypeError(f"pack_sequence_as: flat_sequence must be iterable, received "
                        f"{_short(flat_sequence)}") from None
    count = len(flatten(structure))
    if count != len(flat):
        raise ValueError(f"pack_sequence_as: the structure has {count} leaves, flat_sequence "
                         f"has {len(flat)} items")
    items = iter(flat)

    def visit(x):
        node = _children(x)
        if node is None:
            return next(items)
        return _rebuild(x, node[0], [visit(c) for c in node[1]])

    return visit(structure)


def traverse(func, structure, top_down: bool = True):
    """Apply `func` to every sub-tree of `structure`, depth first.

    Top-down, a parent is visited before its children: when `func` returns None the
    traversal goes on into the sub-tree, anything else replaces it. Bottom-up, `func` sees
    each sub-tree after its children were traversed; None keeps it, anything else replaces
    it. Return `MAP_TO_NONE` to put `None` in place of a sub-tree.

    >>> traverse(lambda s: "X" if isinstance(s, tuple) else None, [(1, 2), [3]])
    ['X', [3]]
    """
    if not callable(func):
        raise TypeError(f"traverse: func must be callable, received {_short(func)}")

    def children_done(x):
        node = _children(x)
        if node is None:
            return x
        return _rebuild(x, node[0], [visit(c) for c in node[1]])

    def visit(x):
        if top_down:
            ret = func(x)
            if ret is None:
                return children_done(x)
        else:
            done = children_done(x)
            ret = func(done)
            if ret is None:
                return done
        return None if ret is MAP_TO_NONE else ret

    return visit(structure)


def lists_to_tuples(structure):
    """`structure` with every list turned into a tuple.

    >>> lists_to_tuples([1, {"a": [2]}])
    (1, {'a': (2,)})
    """
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure,
                    top_down=False)


def _is_shape(x) -> bool:
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


def map_shape_structure(func, structure):
    """`map_structure` where a list or tuple of ints and Nones (a shape) counts as a leaf.

    >>> map_shape_structure(lambda s: len(s), {"a": (2, None), "b": [(1,), (3, 4)]})
    {'a': 2, 'b': [1, 2]}
    """
    if not callable(func):
        raise TypeError(f"map_shape_structure: func must be callable, received {_short(func)}")

    def visit(x):
        node = None if _is_shape(x) else _children(x)
        if node is None:
            return func(x)
        return _rebuild(x, node[0], [visit(c) for c in node[1]])

    return visit(structure)
