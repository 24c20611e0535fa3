"""Activation functions by name (`activations.get('relu')`) and as plain functions."""

from __future__ import annotations

from numen import ops


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0), with Keras's options.

    Args:
        negative_slope: slope below `threshold` (0: values there become 0).
        max_value: cap on the output (values then also floored at 0).
        threshold: values at or below it are not passed through.
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    x = ops.as_tensor(x)
    y = ops.where(ops.greater(x, threshold), x, 0.0) if threshold != 0.0 else ops.relu(x)
    if max_value is not None:
        y = ops.clip(y, 0.0, float(max_value))
    if negative_slope:
        y = y - ops.relu(threshold - x) * float(negative_slope)
    return y


def leaky_relu(x, negative_slope=0.2):
    return ops.leaky_relu(x, negative_slope)


def relu6(x):
    return ops.relu6(x)


def elu(x, alpha=1.0):
    return ops.elu(x, alpha)


def selu(x):
    return ops.selu(x)


def gelu(x, approximate=False):
    return ops.gelu(x, approximate)


def sigmoid(x):
    return ops.sigmoid(x)


def hard_sigmoid(x):
    return ops.hard_sigmoid(x)


def hard_silu(x):
    return ops.hard_silu(x)


def silu(x):
    return ops.silu(x)


def softplus(x):
    return ops.softplus(x)


def softsign(x):
    return ops.softsign(x)


def mish(x):
    return ops.mish(x)


def tanh(x):
    return ops.tanh(x)


def exponential(x):
    return ops.exp(x)


def linear(x):
    return ops.as_tensor(x)


def log_sigmoid(x):
    return ops.log_sigmoid(x)


def hard_tanh(x):
    return ops.hard_tanh(x)


def celu(x, alpha=1.0):
    return ops.celu(x, alpha)


def glu(x, axis=-1):
    return ops.glu(x, axis)


def hard_shrink(x, threshold=0.5):
    return ops.hard_shrink(x, threshold)


def soft_shrink(x, threshold=0.5):
    return ops.soft_shrink(x, threshold)


def tanh_shrink(x):
    return ops.tanh_shrink(x)


def threshold(x, threshold, default_value):
    return ops.threshold(x, threshold, default_value)


def squareplus(x, b=4):
    return ops.squareplus(x, b)


def sparse_plus(x):
    return ops.sparse_plus(x)


def sparse_sigmoid(x):
    return ops.sparse_sigmoid(x)


def sparsemax(x, axis=-1):
    return ops.sparsemax(x, axis)


def softmax(x, axis=-1):
    return ops.softmax(x, axis)


def log_softmax(x, axis=-1):
    return ops.log_softmax(x, axis)


swish = silu
hard_swish = hard_silu

_BY_NAME = {
    "relu": relu,
    "leaky_relu": leaky_relu,
    "relu6": relu6,
    "elu": elu,
    "selu": selu,
    "gelu": gelu,
    "sigmoid": sigmoid,
    "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu,
    "hard_swish": hard_silu,
    "silu": silu,
    "swish": silu,
    "softplus": softplus,
    "softsign": softsign,
    "mish": mish,
    "tanh": tanh,
    "exponential": exponential,
    "linear": linear,
    "softmax": softmax,
    "log_softmax": log_softmax,
    "log_sigmoid": log_sigmoid,
    "hard_tanh": hard_tanh,
    "celu": celu,
    "glu": glu,
    "hard_shrink": hard_shrink,
    "soft_shrink": soft_shrink,
    "tanh_shrink": tanh_shrink,
    "threshold": threshold,
    "squareplus": squareplus,
    "sparse_plus": sparse_plus,
    "sparse_sigmoid": sparse_sigmoid,
    "sparsemax": sparsemax,
}


def get(identifier):
    """The activation function for a name, a function, or None (linear).

    Raises:
        ValueError: for an unknown name (the message lists the valid ones).
        TypeError: for anything that is not a string, dict, callable or None.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            # A user's function: registered, or in a custom_object_scope (load_model puts its
            # custom_objects in one). The table sits above this module, hence the late import.
            from numen.saving import registry

            fn = registry.find_custom([identifier])
        if fn is None:
            raise ValueError(
                f"Unknown activation {identifier!r}; expected one of {sorted(_BY_NAME)} "
                "or a callable"
            )
        return fn
    if isinstance(identifier, dict):
        # Keras 3 writes {"class_name": "function", "config": "relu", ...}; older configs put
        # the name under config["name"] or class_name.
        config = identifier.get("config")
        if isinstance(config, str):
            return get(config)
        return get((config or {}).get("name", identifier.get("class_name")))
    if callable(identifier):
        # keras.activations.relu is a graph-aware face of relu (keras/activations.py): the
        # function itself is what layers keep, so that they recognize it (Dense fuses relu)
        return getattr(identifier, "numen_function", identifier)
    raise TypeError(f"activation must be a string, a callable or None, received {identifier!r}")


def serialize(fn) -> str:
    """The name Keras writes in configs for an activation function."""
    fn = getattr(fn, "numen_function", fn)
    for name, f in _BY_NAME.items():
        if f is fn:
            return name
    if hasattr(fn, "get_config"):
        return {"class_name": type(fn).__name__, "config": fn.get_config()}
    return getattr(fn, "__name__", str(fn))


deserialize = get
