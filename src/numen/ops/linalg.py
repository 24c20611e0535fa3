"""Matrix products, each with its gradient."""

from __future__ import annotations

from numen import backend
from numen.autodiff import as_tensor, result
from numen.ops.broadcast import pair, unbroadcast


def _swap_last(a):
    return a.swapaxes(-1, -2)


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
        g = gy
        if a.ndim == 1:
            g = xp.expand_dims(g, -2)
        if b.ndim == 1:
            g = xp.expand_dims(g, -1)
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


def dense(x, w, b=None):
    """x @ w + b over the last axis of `x`, fused into one op for speed."""
    x, w = as_tensor(x), as_tensor(w)
    xp = backend.xp_of(x.data, w.data)
    if x.shape[-1] != w.shape[0]:
        raise ValueError(
            f"dense: input has {x.shape[-1]} features on its last axis but the kernel "
            f"expects {w.shape[0]} (input shape {x.shape}, kernel shape {w.shape})"
        )
    x2 = x.data.reshape(-1, x.shape[-1])
    y = x2 @ w.data
    if b is not None:
        b = as_tensor(b)
        y += b.data
    y = y.reshape(x.shape[:-1] + (w.shape[1],))

    def backward(gy):
        g2 = gy.reshape(-1, w.shape[1])
        gx = (g2 @ w.data.T).reshape(x.shape) if x.requires_grad else None
        gw = x2.T @ g2 if w.requires_grad else None
        if b is None:
            return gx, gw
        return gx, gw, g2.sum(axis=0)

    inputs = (x, w) if b is None else (x, w, b)
    return result(y, inputs, backward, "dense")


def einsum(subscripts, *operands):
    """Einstein summation over two operands (or one) with gradients from einsum itself."""
    ts = [as_tensor(o) for o in operands]
    xp = backend.xp_of(*[t.data for t in ts])
    y = xp.einsum(subscripts, *[t.data for t in ts])
    ins, out = subscripts.replace(" ", "").split("->")
    parts = ins.split(",")

    def backward(gy):
        grads = []
        for i, t in enumerate(ts):
            if not t.requires_grad:
                grads.append(None)
                continue
            others = [p for j, p in enumerate(parts) if j != i]
            spec = ",".join([out] + others) + "->" + parts[i]
            g = xp.einsum(spec, gy, *[ts[j].data for j in range(len(ts)) if j != i])
            grads.append(xp.broadcast_to(g, t.shape) if g.shape != t.shape else g)
        return tuple(grads)

    return result(y, tuple(ts), backward, "einsum")
