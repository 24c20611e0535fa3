"""Function transforms with Keras 3's signatures: custom_gradient (a function whose backward
pass the user writes), jvp (forward-mode Jacobian-vector products) and vectorize (a function
mapped over the broadcast batch axes of its arguments)."""

from __future__ import annotations

import functools
import inspect
import math
import re

import numpy as np

from numen import backend
from numen.autodiff import Tensor, enable_grad, graph, no_grad, result
from numen.ops.control import check_callable, leaves, map_tree, tensors, to_tensor, unstack
from numen.ops.manipulation import broadcast_to, reshape, stack


def custom_gradient(f):
    """Decorate `f(*args) -> (output, grad_fn)` so that `grad_fn` gives its gradient.

    `grad_fn(upstream)` receives the gradient of the loss with respect to `output` (with the
    structure of `output`) and returns one gradient per positional argument of `f` (a bare
    tensor when there is one argument; None for no gradient). The backend-agnostic form
    `grad_fn(*args, upstream=None)` works too, and so does the PyTorch-style
    `grad_fn(*args, upstream)` with `upstream` keyword-only, which is then called with the
    arguments of `f` and `upstream=`. The ops inside `f` record no gradient of their own:
    gradients reach the Tensors among `f`'s positional arguments only through `grad_fn`.

    >>> @custom_gradient
    ... def log1pexp(x):
    ...     e = ops.exp(x)
    ...     return ops.log(1 + e), lambda upstream: upstream * (1 - 1 / (1 + e))
    """
    if not callable(f):
        raise TypeError(f"custom_gradient: expected a function, received {type(f).__name__}")

    @functools.wraps(f)
    def with_custom_gradient(*args, **kwargs):
        with no_grad():
            out = f(*args, **kwargs)
        if not isinstance(out, (tuple, list)) or len(out) != 2 or not callable(out[1]):
            raise TypeError(f"custom_gradient: the decorated function '{f.__name__}' must "
                            "return a pair (output, grad_fn)")
        y, grad_fn = tensors(out[0]), out[1]
        sources = list({id(t): t for t in leaves(args) if isinstance(t, Tensor)}.values())
        if not graph.is_recording() or not any(t.requires_grad for t in sources):
            return y
        return _attach(y, grad_fn, args, sources)

    return with_custom_gradient


def _attach(y, grad_fn, args, sources):
    """`y` rewired so that its gradient comes from `grad_fn`.

    All floating outputs are views of one joint node, so that `grad_fn` runs once with every
    output's upstream gradient: the backward pass reaches the joint node only after all of
    its outputs (it is their common input).
    """
    outs = [t for t in leaves(y) if t is not None]
    floats = [t for t in outs if t.data.dtype.kind == "f"]
    if not floats:
        return y
    xp = backend.xp_of(*[t.data for t in floats])
    dtype = np.result_type(*[t.data.dtype for t in floats])
    offsets = np.cumsum([0] + [t.size for t in floats])
    shapes = [t.shape for t in floats]

    def joint_backward(g):
        pieces = iter(Tensor(g[offsets[k]:offsets[k + 1]].reshape(shapes[k])
                             .astype(floats[k].data.dtype)) for k in range(len(floats)))
        upstream = map_tree(lambda t: t if t is None else next(pieces) if t.data.dtype.kind
                            == "f" else Tensor(xp.zeros_like(t.data)), y)
        return _source_grads(grad_fn, args, sources, upstream)

    flat = xp.concatenate([t.data.reshape(-1).astype(dtype) for t in floats])
    joint = result(flat, tuple(sources), joint_backward, "custom_gradient")
    wired = iter(_piece(joint, t, offsets[k], xp) for k, t in enumerate(floats))
    return map_tree(lambda t: next(wired) if t is not None and t.data.dtype.kind == "f"
                    else t, y)


def _piece(joint, t, start, xp):
    def backward(gy):
        g = xp.zeros(joint.shape, joint.data.dtype)
        g[start:start + t.size] = gy.reshape(-1)
        return (g,)

    return result(t.data, (joint,), backward, "custom_gradient_output")


def _takes_keyword_upstream(grad_fn) -> bool:
    try:
        params = inspect.signature(grad_fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "upstream" and p.kind is p.KEYWORD_ONLY and p.default is p.empty
               for p in params)


def _source_grads(grad_fn, args, sources, upstream) -> tuple:
    """One gradient array (or None) per source Tensor, from the user's `grad_fn`."""
    with no_grad():
        if _takes_keyword_upstream(grad_fn):
            grads = grad_fn(*args, upstream=upstream)
        else:
            grads = grad_fn(upstream)
    if isinstance(grads, list):
        grads = tuple(grads)
    if not isinstance(grads, tuple) or (len(args) == 1 and len(grads) != 1):
        grads = (grads,)
    if len(grads) != len(args):
        raise ValueError(f"custom_gradient: grad_fn returned {len(grads)} gradients for "
                         f"{len(args)} positional arguments")
    by_source = {}
    for arg, g in zip(args, grads):
        arg_leaves = leaves(arg)
        g_leaves = [g] if len(arg_leaves) == 1 and not isinstance(arg, (tuple, list, dict)) \
            else leaves(g)
        if len(g_leaves) != len(arg_leaves):
            raise ValueError(f"custom_gradient: grad_fn returned {len(g_leaves)} gradients for "
                             f"an argument holding {len(arg_leaves)} tensors")
        for a, ga in zip(arg_leaves, g_leaves):
            if isinstance(a, Tensor) and ga is not None:
                g = _as_gradient(ga, a)
                previous = by_source.get(id(a))  # one Tensor passed in several places
                by_source[id(a)] = g if previous is None else previous + g
    return tuple(by_source.get(id(s)) for s in sources)


def _as_gradient(g, source: Tensor):
    g = backend.asarray_like(g.data if isinstance(g, Tensor) else g, source.data)
    if g.shape != source.shape:
        try:
            g = backend.xp_of(source.data).broadcast_to(g, source.shape)
        except ValueError as exc:
            raise ValueError(f"custom_gradient: grad_fn returned a gradient of shape {g.shape} "
                             f"for an argument of shape {source.shape}") from exc
    return g


def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode product of `fun`'s Jacobian at `primals` with `tangents`.

    numen has reverse mode only, so the product is assembled from one backward pass per
    element of the output: exact, but meant for small outputs.

    Args:
        fun: a function of tensors (or nested structures of them).
        primals: a tuple or list with one argument of `fun` per entry.
        tangents: the same structure and shapes as `primals`.
        has_aux: `fun` returns `(output, aux)`; `aux` is handed back untouched.

    Returns:
        `(primals_out, tangents_out)`, or `(primals_out, tangents_out, aux)` with `has_aux`.

    >>> jvp(ops.sin, (0.1,), (0.2,))   # -> (sin(0.1), 0.2 * cos(0.1))
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"jvp: `primals` and `tangents` must be tuples or lists, received "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: received {len(primals)} primals and {len(tangents)} tangents")
    primals = tensors(tuple(primals))
    tangents = tensors(tuple(tangents))
    p_leaves, t_leaves = leaves(primals), leaves(tangents)
    if len(p_leaves) != len(t_leaves) or any(
            p.shape != t.shape for p, t in zip(p_leaves, t_leaves)):
        raise ValueError("jvp: `tangents` must have the structure and shapes of `primals`")
    watched = map_tree(lambda p: Tensor(p.data, requires_grad=p.data.dtype.kind == "f"),
                       primals)
    sources = leaves(watched)
    with enable_grad():
        out = fun(*watched)
    aux = None
    if has_aux:
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise ValueError("jvp: with has_aux=True, `fun` must return a pair (output, aux)")
        out, aux = out
    out = tensors(out)
    tangents_out = map_tree(lambda o: None if o is None else _jvp_leaf(o, sources, t_leaves),
                            out)
    primals_out = map_tree(lambda o: None if o is None else Tensor(o.data), out)
    return (primals_out, tangents_out, aux) if has_aux else (primals_out, tangents_out)


def _jvp_leaf(o: Tensor, sources, tangents) -> Tensor:
    xp = backend.xp_of(o.data)
    flat = xp.zeros(o.size, o.data.dtype)
    if o.data.dtype.kind != "f" or not o.requires_grad:
        return Tensor(flat.reshape(o.shape))
    seed = xp.zeros(o.size, o.data.dtype)
    for k in range(o.size):
        seed[k] = 1
        row = graph.gradients(o, sources, seed.reshape(o.shape))
        seed[k] = 0
        flat[k] = sum(float((g * t.data).sum()) for g, t in zip(row, tangents) if g is not None)
    return Tensor(flat.reshape(o.shape))


_CORE = r"\((?:\w+(?:,\w+)*)?\)"


def _parse_signature(signature: str):
    text = signature.replace(" ", "")
    pattern = rf"^{_CORE}(?:,{_CORE})*->{_CORE}(?:,{_CORE})*$"
    if not re.match(pattern, text):
        raise ValueError(f"vectorize: `signature` must look like '(m,n),(n)->(m)', received "
                         f"{signature!r}")
    ins, outs = text.split("->")

    def dims(part):
        return [tuple(d for d in g.split(",") if d) for g in re.findall(r"\(([^)]*)\)", part)]

    return dims(ins), dims(outs)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` made to apply over the broadcast leading (batch) axes of its arguments.

    Args:
        pyfunc: called on scalars, or on the core shapes named by `signature`.
        excluded: positions of arguments passed to `pyfunc` unchanged.
        signature: a generalized-ufunc signature such as `"(m,n),(n)->(m)"`.

    Returns:
        The vectorized function; its results are stacked into batch + core shapes.

    >>> vectorize(lambda a, b: a + b)(np.array([1.0, 2.0]), 2.0)   # -> [3., 4.]
    """
    check_callable("vectorize", "pyfunc", pyfunc)
    excluded = set(excluded or ())
    if signature is not None and not isinstance(signature, str):
        raise TypeError(f"vectorize: `signature` must be a string, received {signature!r}")
    in_dims = _parse_signature(signature)[0] if signature else None

    @functools.wraps(pyfunc)
    def vectorized(*args, **kwargs):
        keep = [i for i in range(len(args)) if i not in excluded]
        arrays = [to_tensor(args[i]) for i in keep]
        cores = in_dims if in_dims is not None else [()] * len(arrays)
        if len(cores) != len(arrays):
            raise ValueError(f"vectorize: the signature {signature!r} names {len(cores)} "
                             f"inputs, received {len(arrays)} vectorized arguments")
        sizes, batches = {}, []
        for t, core in zip(arrays, cores):
            if t.ndim < len(core):
                raise ValueError(f"vectorize: an argument of shape {t.shape} has fewer axes "
                                 f"than its core dimensions {core}")
            for name, size in zip(core, t.shape[t.ndim - len(core):]):
                if sizes.setdefault(name, size) != size:
                    raise ValueError(f"vectorize: core dimension '{name}' is both "
                                     f"{sizes[name]} and {size}")
            batches.append(t.shape[:t.ndim - len(core)])
        batch = tuple(np.broadcast_shapes(*batches)) if batches else ()
        arrays = [broadcast_to(t, batch + t.shape[t.ndim - len(core):])
                  for t, core in zip(arrays, cores)]

        def call(source):
            call_args = list(args)
            for i, t in zip(keep, source):
                call_args[i] = t
            return tensors(pyfunc(*call_args, **kwargs))

        count = math.prod(batch)
        if count == 0:
            with no_grad():
                probe = call([Tensor(backend.xp_of(t.data).zeros(t.shape[len(batch):],
                                                                  t.data.dtype)) for t in arrays])
            return map_tree(lambda t: Tensor(backend.xp_of(t.data).zeros(
                batch + t.shape, t.data.dtype)), probe)
        columns = [unstack(reshape(t, (count,) + t.shape[len(batch):])) for t in arrays]
        outs = [call([c[k] for c in columns]) for k in range(count)]
        if isinstance(outs[0], tuple):  # several outputs: each stacked on its own
            return tuple(_unflatten_batch([o[j] for o in outs], batch)
                         for j in range(len(outs[0])))
        return _unflatten_batch(outs, batch)

    return vectorized


def _unflatten_batch(outs, batch):
    y = stack(outs, axis=0)
    return reshape(y, batch + y.shape[1:])
