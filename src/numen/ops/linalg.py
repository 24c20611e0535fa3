"""Matrix products, each with its gradient."""

from __future__ import annotations

import numpy as np

from numen import backend, kernels
from numen.autodiff import Tensor, as_tensor, result
from numen.autodiff.replay import fills_gradients, inference, primitive
from numen.ops.bfloat16 import products_in_float32
from numen.ops.broadcast import normalize_axis, pair, unbroadcast


def _swap_last(a):
    return a.swapaxes(-1, -2)


@products_in_float32
def matmul(a, b):
    """Matrix product with NumPy's rules (batched, 1-D operands promoted and squeezed)."""
    a, b = pair(a, b)
    xp = backend.xp_of(a.data, b.data)
    try:
        y = xp.matmul(a.data, b.data)
    except ValueError as exc:
        raise ValueError(f"matmul: cannot multiply shapes {a.shape} and {b.shape}") from exc

    def backward(gy):
        ad = a.data if a.ndim > 1 else a.data[None, :]
        bd = b.data if b.ndim > 1 else b.data[:, None]
        # Put back the axes NumPy dropped for 1-D operands: b's last, then a's second-to-last.
        g = gy[..., None] if b.ndim == 1 else gy
        g = g[..., None, :] if a.ndim == 1 else g
        ga = gb = None
        if a.requires_grad:
            ga = xp.matmul(g, _swap_last(bd))
            ga = unbroadcast(ga, ad.shape).reshape(a.shape)
        if b.requires_grad:
            gb = xp.matmul(_swap_last(ad), g)
            gb = unbroadcast(gb, bd.shape).reshape(b.shape)
        return ga, gb

    return result(y, (a, b), backward, "matmul")


def dot(a, b):
    a, b = pair(a, b)
    if a.ndim <= 2 and b.ndim <= 2:
        return matmul(a, b)
    raise ValueError(f"dot: only supports operands of rank <= 2, received {a.shape}, {b.shape}")


@products_in_float32
def dense(x, w, b=None, *, relu=False):
    """x @ w + b over the last axis of `x`, fused into one op for speed; with `relu=True` the
    result is max(x @ w + b, 0), still one op (no separate relu arrays or graph node)."""
    x, w = as_tensor(x), as_tensor(w)
    if x.shape[-1] != w.shape[0]:
        raise ValueError(
            f"dense: input has {x.shape[-1]} features on its last axis but the kernel "
            f"expects {w.shape[0]} (input shape {x.shape}, kernel shape {w.shape})"
        )
    inputs = (x, w) if b is None else (x, w, as_tensor(b))
    return primitive(_dense_kernel, inputs, "dense", relu=relu)


def _dense_inference(relu):
    """`_dense_kernel`'s output with no gradient needed: a replayed prediction's layer is the
    product, the bias and the relu, and nothing else. (Whether compiled kernels run is read
    once, here: a Program's functions are made on its first `infer`.)"""
    none = (False, False, False)
    compiled = kernels.enabled()

    def run(arrays):
        x, w = arrays[0], arrays[1]
        if x.ndim != 2:
            return _dense_kernel(arrays, none, relu)[0]
        if compiled and x.shape[0] == 1:
            y = _one_row(arrays, relu)
            if y is not None:
                return y
        y = x @ w
        if len(arrays) > 2:
            y += arrays[2]
        if relu:
            if type(y) is np.ndarray:  # a 0-d zero: 0.7 us against 1.2 us with the int 0
                zero = _ZEROS.get(y.dtype)
                if zero is None:
                    zero = _ZEROS[y.dtype] = np.zeros((), dtype=y.dtype)
                np.maximum(y, zero, out=y)
            else:
                backend.xp_of(y).maximum(y, 0, out=y)
        return y

    return run


_ZEROS: dict = {}  # dtype -> a 0-d zero of it


def _one_row(arrays, relu):
    """`max(x @ w + b, 0)` for a one-row NumPy `x` from the compiled kernel
    (numen.kernels.dense.dense_row), when every array is one float32/float64 dtype; else
    None. One row is a one-sample prediction, which this makes one call per layer."""
    global _row_kernel
    x, w = arrays[0], arrays[1]
    dtype = x.dtype
    if type(x) is not np.ndarray or type(w) is not np.ndarray or w.dtype != dtype or \
            dtype not in _COMPILED_FLOATS:
        return None
    if len(arrays) > 2:
        b = arrays[2]
        if type(b) is not np.ndarray or b.dtype != dtype:
            return None
    else:
        b = np.empty(0, dtype=dtype)
    if _row_kernel is None:
        from numen.kernels.dense import dense_row

        _row_kernel = dense_row
    y = np.empty((1, w.shape[1]), dtype=dtype)
    _row_kernel(x, w, b, relu, y)
    return y


_row_kernel = None  # numen.kernels.dense.dense_row once first needed


@inference(_dense_inference)
@fills_gradients
def _dense_kernel(arrays, needs, relu):
    x, w = arrays[0], arrays[1]
    xp = backend.xp_of(x, w)
    # Reshapes only for inputs of rank > 2: a replayed one-sample prediction is three of
    # these calls, and the views measured ~1 us each.
    flat = x.ndim == 2
    x2 = x if flat else x.reshape(-1, x.shape[-1])
    # One row (one sample) on the compiled path: the compiled kernel, as `_dense_inference`
    # runs it, so that eager calls and replayed predictions agree bit for bit.
    y = _one_row(arrays, relu) if flat and x.shape[0] == 1 and kernels.enabled() else None
    if y is None:
        y = x2 @ w
        if len(arrays) > 2:
            y += arrays[2]
        if relu:
            xp.maximum(y, 0, out=y)
    out_y = y if flat else y.reshape(x.shape[:-1] + (w.shape[1],))
    if not any(needs):  # inference: no closure to make
        return out_y, None

    def backward(gy, out=(None, None, None)):
        g2 = gy if flat else gy.reshape(-1, w.shape[1])
        gb = None
        if relu:
            g2, gb = _relu_backward(xp, g2, y, out[2] if len(arrays) > 2 and needs[2] else None,
                                    len(arrays) > 2 and needs[2])
        gx = None
        if needs[0]:
            gx = g2 @ w.T
            gx = gx if flat else gx.reshape(x.shape)
        # The weights' gradients go into `out` (the optimizer's buffer) when it fits.
        gw = xp.matmul(x2.T, g2, out=_fitting(out[1], g2, x2)) if needs[1] else None
        if len(arrays) == 2:
            return gx, gw
        if gb is None and needs[2]:
            gb = g2.sum(axis=0, out=_fitting(out[2], g2, g2))
        return gx, gw, gb

    return out_y, backward


def _relu_backward(xp, gy, y, out_b, with_bias: bool):
    """`(gy * (y > 0), its column sum or None)`: one compiled pass when kernels are on and the
    arrays fit (numen.kernels.dense), else NumPy's mask and product (the sum is then left to
    the caller)."""
    if xp is np and with_bias and kernels.enabled() and gy.dtype == y.dtype and \
            gy.dtype in _COMPILED_FLOATS and gy.ndim == 2:
        from numen.kernels import dense as compiled

        g = np.empty(gy.shape, dtype=gy.dtype)
        gb = _fitting(out_b, g, g)
        gb = np.empty(gy.shape[1], dtype=gy.dtype) if gb is None else gb
        compiled.relu_grad_and_bias_sum(gy, y, g, gb)
        return g, gb
    return gy * (y > 0), None


_COMPILED_FLOATS = (np.dtype("float32"), np.dtype("float64"))


def _fitting(out, a, b):
    """`out` when a result computed from `a` and `b` can be written into it as is (the same
    dtype, so no cast), else None (the result gets an array of its own)."""
    if out is None or a.dtype != out.dtype or b.dtype != out.dtype:
        return None
    return out


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _explicit_subscripts(subscripts: str, shapes) -> tuple[list[str], str]:
    """Input and output index strings with '...' spelled out and the implicit output made explicit.

    Ellipsis axes get unused letters, right-aligned across operands as NumPy broadcasts them.
    """
    spec = subscripts.replace(" ", "")
    ins, out = spec.split("->") if "->" in spec else (spec, None)
    parts = ins.split(",")
    if len(parts) != len(shapes):
        raise ValueError(f"einsum: {subscripts!r} names {len(parts)} operands, "
                         f"received {len(shapes)}")
    free = [c for c in _LETTERS if c not in spec]
    n_ell = max((len(s) - len(p.replace("...", "")) for p, s in zip(parts, shapes)
                 if "..." in p), default=0)
    ell = "".join(free[:n_ell])
    parts = [p.replace("...", ell[n_ell - (len(s) - len(p) + 3):] if n_ell else "")
             if "..." in p else p for p, s in zip(parts, shapes)]
    if out is None:
        counts = {c: "".join(parts).count(c) for c in "".join(parts)}
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return parts, out


@products_in_float32
def einsum(subscripts, *operands):
    """Einstein summation over any number of operands, with gradients from einsum itself.

    >>> einsum("ij,jk->ik", a, b)   # matmul
    """
    ts = [as_tensor(o) for o in operands]
    xp = backend.xp_of(*[t.data for t in ts])
    y = xp.einsum(subscripts, *[t.data for t in ts])
    parts, out = _explicit_subscripts(subscripts, [t.shape for t in ts])
    sizes = {}
    for p, t in zip(parts, ts):
        for c, n in zip(p, t.shape):
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]

    def gradient_of(i, gy):
        # d y / d operand i: contract the upstream gradient with the other operands. Indices of
        # operand i found nowhere else (summed over only in it) come back through a ones
        # vector; a repeated index (a diagonal, as in 'ii->i') through an identity matrix.
        extra_specs, extra_arrays, target = [], [], ""
        fresh = iter(c for c in _LETTERS if c not in "".join(parts) + out)
        known = set(out).union(*[set(p) for j, p in enumerate(parts) if j != i])
        for c in parts[i]:
            if c in target:
                d = next(fresh)
                extra_specs.append(c + d)
                extra_arrays.append(xp.eye(sizes[c], dtype=gy.dtype))
                target += d
                continue
            if c not in known:
                extra_specs.append(c)
                extra_arrays.append(xp.ones(sizes[c], dtype=gy.dtype))
                known.add(c)
            target += c
        specs = [out] + [p for j, p in enumerate(parts) if j != i] + extra_specs
        arrays = [gy] + [t.data for j, t in enumerate(ts) if j != i] + extra_arrays
        g = xp.einsum(",".join(specs) + "->" + target, *arrays)
        # Size-1 axes that broadcast against larger ones: sum the gradient back to size 1, or
        # spread it out where only the other operand had size 1.
        keep = tuple(k for k, n in enumerate(ts[i].shape) if n == 1 and g.shape[k] != 1)
        g = g.sum(axis=keep, keepdims=True) if keep else g
        return g if g.shape == ts[i].shape else xp.broadcast_to(g, ts[i].shape)

    def backward(gy):
        return tuple(gradient_of(i, gy) if t.requires_grad else None for i, t in enumerate(ts))

    return result(y, tuple(ts), backward, "einsum")


def outer(a, b):
    """Outer product of the flattened inputs."""
    a, b = pair(a, b)
    return einsum("i,j->ij", _flat(a), _flat(b))


def _flat(t):
    from numen.ops.manipulation import reshape

    return reshape(t, (-1,))


def tensordot(a, b, axes=2):
    """Sum of products over the given axes of `a` and `b` (NumPy's `tensordot`)."""
    a, b = pair(a, b)
    if isinstance(axes, int):
        axes_a, axes_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        axes_a, axes_b = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                          [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
    axes_a = [k % a.ndim for k in axes_a]
    axes_b = [k % b.ndim for k in axes_b]
    la, lb = list(_LETTERS[: a.ndim]), list(_LETTERS[a.ndim: a.ndim + b.ndim])
    for ka, kb in zip(axes_a, axes_b):
        lb[kb] = la[ka]
    out = [c for k, c in enumerate(la) if k not in axes_a]
    out += [c for k, c in enumerate(lb) if k not in axes_b]
    return einsum("".join(la) + "," + "".join(lb) + "->" + "".join(out), a, b)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - keras.ops spelling
    """Vector or matrix norm, with NumPy's rules for `ord` and `axis`.

    Args:
        x: tensor; integers are measured in floatx.
        ord: for vectors None/2, 1, inf, -inf, 0 (count of nonzeros) or any other number p
            (sum(|x|^p)^(1/p)); for matrices None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf.
        axis: None (a vector norm of everything when `ord` is None, else the norm of a 1-D or
            2-D `x`), an int (vector norms) or a pair of ints (matrix norms).
        keepdims: keep the reduced axes with size 1.

    >>> norm([[3.0, 0.0], [0.0, 4.0]])   # 5 (Frobenius)
    """
    from numen.ops import math as m
    from numen.ops import reduce

    x = as_tensor(x)
    if x.data.dtype.kind not in "fc":
        x = Tensor(x.data.astype(backend.floatx()))
    if axis is None:
        if ord is None:
            y = m.sqrt(reduce.sum(m.square(x)))
            return _keep(y, tuple(range(x.ndim))) if keepdims else y
        if x.ndim not in (1, 2):
            raise ValueError(f"norm: with ord={ord!r} and axis=None, x must be 1-D or 2-D, "
                             f"received shape {x.shape}")
        axis = tuple(range(x.ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(normalize_axis(a, x.ndim, "norm")[0] for a in axes)
    if len(axes) == 1:
        y = _vector_norm(x, ord, axes[0], m, reduce)
    elif len(axes) == 2 and axes[0] != axes[1]:
        y = _matrix_norm(x, ord, axes, m, reduce)
    else:
        raise ValueError(f"norm: axis must be an int or a pair of distinct ints, "
                         f"received {axis!r}")
    return _keep(y, axes) if keepdims else y


def _keep(y, axes):
    from numen.ops.manipulation import expand_dims

    for a in sorted(axes):
        y = expand_dims(y, a)
    return y


def _vector_norm(x, ord, axis, m, reduce):  # noqa: A002
    inf = float("inf")
    if ord is None or ord == 2:
        return m.sqrt(reduce.sum(m.square(x), axis=axis))
    if isinstance(ord, str) or not isinstance(ord, (int, float)):
        raise ValueError(f"norm: ord {ord!r} is not a vector norm; expected a number")
    if ord == inf:
        return reduce.max(m.abs(x), axis=axis)
    if ord == -inf:
        return reduce.min(m.abs(x), axis=axis)
    if ord == 0:
        return reduce.sum(m.cast(m.not_equal(x, 0), x.dtype), axis=axis)
    if ord == 1:
        return reduce.sum(m.abs(x), axis=axis)
    return reduce.sum(m.abs(x) ** float(ord), axis=axis) ** (1.0 / ord)


def _matrix_norm(x, ord, axes, m, reduce):  # noqa: A002
    from numen.ops.decompositions import svd
    from numen.ops.manipulation import moveaxis

    row, col = axes
    if ord is None or ord == "fro":
        return m.sqrt(reduce.sum(m.square(x), axis=axes))
    if ord in ("nuc", 2, -2):
        s = svd(moveaxis(x, axes, (-2, -1)), compute_uv=False)
        if ord == "nuc":
            return reduce.sum(s, axis=-1)
        return reduce.max(s, axis=-1) if ord == 2 else reduce.min(s, axis=-1)
    if ord in (1, -1, float("inf"), -float("inf")):
        if ord in (1, -1):  # largest (smallest) column sum
            sums, over = reduce.sum(m.abs(x), axis=row), col - (col > row)
        else:  # largest (smallest) row sum
            sums, over = reduce.sum(m.abs(x), axis=col), row - (row > col)
        return reduce.max(sums, axis=over) if ord > 0 else reduce.min(sums, axis=over)
    raise ValueError(f"norm: unsupported matrix ord {ord!r}; expected None, 'fro', 'nuc', "
                     "1, -1, 2, -2, inf or -inf")


def _triangle(x, k, lower):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    n, m_ = x.shape[-2:]
    mask = xp.tri(n, m_, k=k, dtype=bool) if lower else ~xp.tri(n, m_, k=k - 1, dtype=bool)
    return result(xp.where(mask, x.data, 0), (x,), lambda gy: (gy * mask,),
                  "tril" if lower else "triu")


def tril(x, k=0):
    """The lower triangle of the last two axes (elements above diagonal `k` set to 0)."""
    return _triangle(x, k, True)


def triu(x, k=0):
    """The upper triangle of the last two axes (elements below diagonal `k` set to 0)."""
    return _triangle(x, k, False)
