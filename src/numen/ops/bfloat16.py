"""bfloat16 products: computed in float32 and rounded back, as XLA does on a CPU.

NumPy's bfloat16 (from `ml_dtypes`) has element-wise arithmetic but no fast products: `matmul`
of two bfloat16 arrays returns float32 and `einsum` refuses them. The product ops wrap
themselves with `products_in_float32`, so a bfloat16 operand is cast to float32 (a recorded
cast: gradients come back as bfloat16), the product and its gradient run in float32 with
float32 accumulation, and a float result is rounded to bfloat16.
"""

from __future__ import annotations

import functools

from numen.autodiff import Tensor


def _is_bfloat16(value) -> bool:
    data = value.data if isinstance(value, Tensor) else value
    return getattr(getattr(data, "dtype", None), "name", None) == "bfloat16"


def products_in_float32(fn):
    """Wrap a product op so bfloat16 operands are multiplied in float32 (see module doc).

    >>> @products_in_float32
    ... def my_matmul(a, b): ...
    """

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        if not any(_is_bfloat16(a) for a in args) and \
                not any(_is_bfloat16(v) for v in kwargs.values()):
            return fn(*args, **kwargs)
        from numen.ops.math import cast

        def up(v):
            return cast(v, "float32") if _is_bfloat16(v) else v

        y = fn(*[up(a) for a in args], **{k: up(v) for k, v in kwargs.items()})
        if isinstance(y, Tensor) and y.data.dtype.name == "float32":
            return cast(y, "bfloat16")
        return y

    return wrapped
