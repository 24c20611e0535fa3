"""Control flow with Keras 3's signatures: cond, switch, while_loop, fori_loop, scan, map,
vectorized_map and associative_scan.

numen is eager, so these run as plain Python loops and branches over the ops the caller's
functions use; the gradient graph records exactly the branch taken and the iterations run, so
gradients flow through them inside a GradientTape with nothing more to do. What these functions
add is Keras's calling conventions: nested structures (tuples, lists, dicts) as loop state,
outputs stacked along a leading axis, and the checks JAX makes (a scalar predicate, a loop
state that keeps its structure and shapes).
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, graph, no_grad, result
from numen.ops.manipulation import concatenate, flip, stack
from numen.ops.math import cast

# -- nested structures ---------------------------------------------------------------------


def leaves(tree) -> list:
    """The leaves of a nested tuple/list/dict structure, dicts in their key order."""
    if isinstance(tree, dict):
        return [leaf for k in tree for leaf in leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in leaves(item)]
    return [tree]


def map_tree(fn, tree, *rest):
    """`fn` applied leaf by leaf to `tree` (and the same places of the trees in `rest`)."""
    if isinstance(tree, dict):
        return {k: map_tree(fn, tree[k], *(r[k] for r in rest)) for k in tree}
    if isinstance(tree, (list, tuple)):
        items = [map_tree(fn, t, *(r[i] for r in rest)) for i, t in enumerate(tree)]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    return fn(tree, *rest)


def _same_structure(a, b) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and list(a) == list(b)
                and all(_same_structure(a[k], b[k]) for k in a))
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))
                and len(a) == len(b) and all(_same_structure(x, y) for x, y in zip(a, b)))
    return True


def to_tensor(v):
    """A leaf as a Tensor, Python numbers typed as Keras types them (int32, floatx, bool)."""
    if v is None or isinstance(v, Tensor):
        return v
    if isinstance(v, bool):
        return as_tensor(v, dtype="bool")
    if isinstance(v, int):
        return as_tensor(v, dtype="int32")
    return as_tensor(v)


def tensors(tree):
    """Every leaf of `tree` as a Tensor (None stays None)."""
    return map_tree(to_tensor, tree)


def _checked_state(op: str, fn_name: str, old, new):
    """`new` loop state, after checking it has the structure and shapes of `old`."""
    if not _same_structure(old, new):
        raise ValueError(f"{op}: `{fn_name}` must return a loop state with the structure of "
                         f"the initial one; received {_describe(new)}, expected "
                         f"{_describe(old)}")
    for a, b in zip(leaves(old), leaves(new)):
        if (a is None) != (b is None) or (a is not None and a.shape != b.shape):
            raise ValueError(f"{op}: `{fn_name}` must keep the shapes of the loop state; "
                             f"received {_describe(new)}, expected {_describe(old)}")
        if a is not None and a.data.dtype.kind != b.data.dtype.kind:
            raise TypeError(f"{op}: `{fn_name}` must keep the dtypes of the loop state; "
                            f"received {b.dtype} for a {a.dtype} entry")
    # The state keeps its dtype, as in Keras: float32 + int32 gives float64 in NumPy's
    # promotion, which must not widen the carry.
    return map_tree(lambda a, b: b if a is None or a.dtype == b.dtype else cast(b, a.dtype),
                    old, new)


def _describe(tree) -> str:
    return str(map_tree(lambda t: None if t is None else f"shape{tuple(t.shape)}", tree))


def _scalar_bool(op: str, what: str, pred) -> bool:
    data = pred.data if isinstance(pred, Tensor) else pred
    shape = tuple(getattr(data, "shape", ()))
    if shape != ():
        raise ValueError(f"{op}: `{what}` must be a scalar, received a tensor of shape {shape}")
    return bool(data)


def check_callable(op: str, name: str, fn) -> None:
    if not callable(fn):
        raise TypeError(f"{op}: `{name}` must be callable, received {type(fn).__name__}")


def _int_scalar(op: str, name: str, value) -> int:
    data = value.data if isinstance(value, Tensor) else value
    if isinstance(data, bool) or np.ndim(data) != 0 or \
            not np.issubdtype(np.asarray(backend.to_numpy(data)).dtype, np.integer):
        raise TypeError(f"{op}: `{name}` must be an integer scalar, received {value!r}")
    return int(data)


def _spoil_recording(op: str) -> None:
    # A replayed recording would repeat the branch or the trip count of the recorded batch.
    recorder = graph.active_recorder()
    if recorder is not None:
        recorder.fail(f"'{op}' is data-dependent control flow")


# -- branches ------------------------------------------------------------------------------


def cond(pred, true_fn, false_fn):
    """`true_fn()` when the scalar `pred` is true, else `false_fn()`.

    Only the branch taken runs (and records gradients); its outputs come back as Tensors.

    >>> cond(x > 0, lambda: x * 2.0, lambda: -x)
    """
    check_callable("cond", "true_fn", true_fn)
    check_callable("cond", "false_fn", false_fn)
    take = _scalar_bool("cond", "pred", pred)
    _spoil_recording("cond")
    return tensors(true_fn() if take else false_fn())


def switch(index, branches, *operands):
    """`branches[index](*operands)`, with `index` clamped into `[0, len(branches) - 1]`.

    >>> switch(1, [lambda x: x + 1.0, lambda x: x - 1.0], 2.0)   # -> 1.0
    """
    if not isinstance(branches, (list, tuple)) or not branches:
        raise ValueError(f"switch: `branches` must be a non-empty list of functions, received "
                         f"{branches!r}")
    for i, fn in enumerate(branches):
        check_callable("switch", f"branches[{i}]", fn)
    i = min(max(_int_scalar("switch", "index", index), 0), len(branches) - 1)
    _spoil_recording("switch")
    return tensors(branches[i](*operands))


# -- loops ---------------------------------------------------------------------------------


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run `loop_vars = body(loop_vars)` while `cond(loop_vars)` is true.

    A tuple or list `loop_vars` is passed to `cond` and `body` as positional arguments and comes
    back as a tuple; any other structure (a tensor, a dict) is passed as one argument.

    Args:
        cond: returns a scalar boolean for the current state.
        body: returns the next state, with the structure and shapes of `loop_vars`.
        loop_vars: the initial state: a tensor or a nested tuple/list/dict of tensors.
        maximum_iterations: stop after this many iterations even while `cond` holds.

    >>> while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2.0), (0, 1.0))   # -> (3, 8.0)
    """
    check_callable("while_loop", "cond", cond)
    check_callable("while_loop", "body", body)
    limit = None if maximum_iterations is None else _int_scalar(
        "while_loop", "maximum_iterations", maximum_iterations)
    is_tuple = isinstance(loop_vars, (tuple, list))
    state = tuple(tensors(v) for v in loop_vars) if is_tuple else tensors(loop_vars)
    _spoil_recording("while_loop")
    steps = 0
    while limit is None or steps < limit:
        go = cond(*state) if is_tuple else cond(state)
        if not _scalar_bool("while_loop", "cond(loop_vars)", go):
            break
        new = body(*state) if is_tuple else body(state)
        if is_tuple:
            if not isinstance(new, (tuple, list)):
                raise ValueError(f"while_loop: `body` must return a tuple or list like "
                                 f"`loop_vars`, received {type(new).__name__}")
            new = tuple(new)
        state = _checked_state("while_loop", "body", state, tensors(new))
        steps += 1
    return state


def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for `i` from `lower` up to `upper` (excluded); returns `val`.

    `i` is an int32 scalar tensor, as in Keras.

    >>> fori_loop(0, 10, lambda i, s: s + i, 0)   # -> 45
    """
    check_callable("fori_loop", "body_fun", body_fun)
    lo = _int_scalar("fori_loop", "lower", lower)
    hi = _int_scalar("fori_loop", "upper", upper)
    val = tensors(init_val)
    _spoil_recording("fori_loop")
    for i in range(lo, hi):
        val = _checked_state("fori_loop", "body_fun", val,
                             tensors(body_fun(as_tensor(i, dtype="int32"), val)))
    return val


def _leading_size(op: str, xs, length) -> int:
    sizes = set()
    for leaf in leaves(xs):
        if leaf is None:
            continue
        if leaf.ndim == 0:
            raise ValueError(f"{op}: every tensor of `xs` needs a leading axis to loop over, "
                             "received a scalar")
        sizes.add(leaf.shape[0])
    if len(sizes) > 1:
        raise ValueError(f"{op}: the tensors of `xs` must share their leading axis size, "
                         f"received sizes {sorted(sizes)}")
    if length is not None:
        length = _int_scalar(op, "length", length)
        if sizes and sizes != {length}:
            raise ValueError(f"{op}: `length` is {length} but `xs` has leading axis size "
                             f"{sizes.pop()}")
        return length
    if not sizes:
        raise ValueError(f"{op}: give `xs` with a leading axis or `length` to set the number "
                         "of iterations")
    return sizes.pop()


def _stack_steps(op: str, fn_name: str, ys: list):
    """The per-step outputs `ys` (same structure each) stacked along a new leading axis."""
    for y in ys[1:]:
        if not _same_structure(ys[0], y):
            raise ValueError(f"{op}: `{fn_name}` must return outputs of the same structure at "
                             f"every step; received {_describe(y)} after {_describe(ys[0])}")
    flat = [leaves(y) for y in ys]
    stacked = []
    for k, first in enumerate(flat[0]):
        column = [step[k] for step in flat]
        if first is None:
            stacked.append(None)
            continue
        shapes = {t.shape for t in column}
        if len(shapes) > 1:
            raise ValueError(f"{op}: `{fn_name}` must return outputs of the same shape at every "
                             f"step; received shapes {sorted(shapes)}")
        stacked.append(stack(column, axis=0))
    it = iter(stacked)
    return map_tree(lambda _: next(it), ys[0])


def _empty_steps(fn, probe_args):
    """Outputs with a leading axis of size 0: `fn` is run once on zeros only to learn their
    structure, shapes and dtypes."""
    with no_grad():
        y = tensors(fn(*probe_args))

    def empty(t):
        return None if t is None else Tensor(backend.xp_of(t.data).zeros((0,) + t.shape,
                                                                          t.data.dtype))

    return map_tree(empty, y)


def _loop(op: str, fn_name: str, step, carry, xs, length, reverse: bool):
    """Shared by scan, map and vectorized_map: `carry, y = step(carry, x)` over the leading
    axis of `xs`; returns the last carry and the stacked `y`s."""
    xs = tensors(xs)
    n = _leading_size(op, xs, length)
    _spoil_recording(op)
    if n == 0:
        x0 = None if xs is None else map_tree(
            lambda t: None if t is None else Tensor(backend.xp_of(t.data).zeros(
                t.shape[1:], t.data.dtype)), xs)
        return carry, _empty_steps(lambda c, x: step(c, x)[1], (carry, x0))
    pieces = [None if t is None else unstack(t) for t in leaves(xs)]
    ys = [None] * n
    for i in (range(n - 1, -1, -1) if reverse else range(n)):
        x = None if xs is None else _rebuild(xs, [None if p is None else p[i] for p in pieces])
        carry, ys[i] = step(carry, x)
    return carry, _stack_steps(op, fn_name, ys)


def _rebuild(tree, values: list):
    it = iter(values)
    return map_tree(lambda _: next(it), tree)


def unstack(x: Tensor) -> list:
    """The slices `x[0], x[1], ...` of a Tensor, as the loops hand them to the user's function.

    Indexing each slice separately would give `x` one x-sized gradient per slice (a backward
    pass quadratic in the number of steps). Here the slices write their gradients into one
    shared buffer instead, which a node between them and `x` hands on when the backward pass
    reaches it, after every slice (it is their common input).
    """
    n = x.shape[0]
    if not (graph.is_recording() and x.requires_grad):
        return [Tensor(x.data[i]) for i in range(n)]
    xp = backend.xp_of(x.data)
    pending = {}

    def hub_backward(_):
        return (pending.pop("buffer", None),)

    hub = result(x.data, (x,), hub_backward, "unstack")

    def slice_backward(i):
        def backward(gy):
            if "buffer" not in pending:
                pending["buffer"] = xp.zeros(x.shape, gy.dtype)
            pending["buffer"][i] += gy
            return (xp.zeros((), gy.dtype),)  # a token, so that the hub's backward runs

        return backward

    return [result(x.data[i], (hub,), slice_backward(i), "unstack_slice") for i in range(n)]


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop `carry, y = f(carry, x)` over the leading axis of `xs`, stacking the `y`s.

    Args:
        f: takes the carry and one slice of `xs`, returns `(new_carry, y)`; the new carry keeps
            the structure and shapes of `init`, `y` may be any structure (or None).
        init: the initial carry: a tensor or a nested tuple/list/dict of tensors.
        xs: a tensor or nested structure of tensors sharing a leading axis, or None.
        length: the number of iterations when `xs` is None (else it must match `xs`).
        reverse: loop from the last slice to the first; `y`s still line up with `xs`.
        unroll: accepted for Keras compatibility (a positive int or a bool); eager numen
            always runs the loop in Python.

    Returns:
        `(final_carry, stacked_ys)`.

    >>> scan(lambda c, x: (c + x, c + x), 0.0, np.array([1.0, 2.0, 3.0]))   # -> (6., [1, 3, 6])
    """
    check_callable("scan", "f", f)
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"scan: `unroll` must be a positive integer or a boolean, received "
                         f"unroll={unroll!r}")

    def step(carry, x):
        out = f(carry, x)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise ValueError("scan: `f` must return a pair (new_carry, y), received "
                             f"{type(out).__name__}")
        return _checked_state("scan", "f", carry, tensors(out[0])), tensors(out[1])

    return _loop("scan", "f", step, tensors(init), xs, length, bool(reverse))


def map(f, xs):  # noqa: A001 - Keras's name
    """Stack `f(x)` for each slice `x` of `xs` along its leading axis (any nested structure).

    >>> map(lambda x: {"sq": x * x}, np.arange(3.0))["sq"]   # -> [0., 1., 4.]
    """
    check_callable("map", "f", f)
    return _loop("map", "f", lambda c, x: (c, tensors(f(x))), (), xs, None, False)[1]


def vectorized_map(function, elements):
    """`function` applied to each slice of `elements` along axis 0, outputs stacked.

    `function` receives one argument with the structure of `elements` (a tensor, or a list of
    the tensors' slices). numen runs the slices one after another.

    >>> vectorized_map(lambda e: e[0] * e[1], [a, b])   # row by row
    """
    check_callable("vectorized_map", "function", function)
    return _loop("vectorized_map", "function", lambda c, x: (c, tensors(function(x))), (),
                 elements, None, False)[1]


def _axis_slice(t, axis, start, stop):
    return t[(slice(None),) * axis + (slice(start, stop),)]


def _slices(tree, axis: int, start: int, stop: int):
    return map_tree(lambda t: _axis_slice(t, axis % t.ndim, start, stop), tree)


def _joined(head, tail, axis: int):
    return map_tree(lambda h, t: concatenate([h, t], axis=axis % t.ndim), head, tail)


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive prefix combination `[e0, f(e0, e1), f(f(e0, e1), e2), ...]` along `axis`.

    `f` must be associative and work elementwise over `axis`: it is called on whole blocks of
    slices at once, log2(n) times (Hillis-Steele doubling). With `reverse=True` the
    combination runs from the last element to the first.

    >>> associative_scan(lambda a, b: a + b, np.arange(5.0))   # -> [0., 1., 3., 6., 10.]
    """
    check_callable("associative_scan", "f", f)
    elems = tensors(elems)
    flat = [t for t in leaves(elems) if t is not None]
    if not flat:
        raise ValueError("associative_scan: `elems` holds no tensors")
    ndims = {t.ndim for t in flat}
    a = _int_scalar("associative_scan", "axis", axis)
    if any(not -d <= a < d for d in ndims):
        raise ValueError(f"associative_scan: axis {axis} is out of range for tensors of rank "
                         f"{min(ndims)}")
    sizes = {t.shape[a % t.ndim] for t in flat}
    if len(sizes) > 1:
        raise ValueError(f"associative_scan: the tensors of `elems` must share the size of "
                         f"axis {axis}, received sizes {sorted(sizes)}")
    n = sizes.pop()
    cur = map_tree(lambda t: flip(t, a % t.ndim) if reverse else t, elems)
    d = 1
    while d < n:
        lo, hi = _slices(cur, a, 0, n - d), _slices(cur, a, d, n)
        combined = _checked_state("associative_scan", "f", hi, tensors(f(lo, hi)))
        cur = _joined(_slices(cur, a, 0, d), combined, a)
        d *= 2
    return map_tree(lambda t: flip(t, a % t.ndim) if reverse else t, cur)
