"""Activation functions by name (`activations.get('relu')`) and as plain functions."""

from __future__ import annotations

from numen import ops


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0), with Keras's optional slope below `threshold` and cap at `max_value`."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    x = ops.as_tensor(x)
    above = ops.where(ops.greater(x, threshold), x, 0.0)
    if max_value is not None:
        above = ops.minimum(above, float(max_value))
    if negative_slope:
        below = ops.where(ops.greater(x, threshold), 0.0, (x - threshold) * negative_slope)
        above = above + below
    return above


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
}


def get(identifier):
    """The activation function for a name, a function, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            raise ValueError(
                f"Unknown activation {identifier!r}; expected one of {sorted(_BY_NAME)} "
                "or a callable"
            )
        return fn
    if isinstance(identifier, dict):
        return get(identifier.get("config", identifier).get("name", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise TypeError(f"activation must be a string, a callable or None, received {identifier!r}")


def serialize(fn) -> str:
    """The name Keras writes in configs for an activation function."""
    for name, f in _BY_NAME.items():
        if f is fn:
            return name
    if hasattr(fn, "get_config"):
        return {"class_name": type(fn).__name__, "config": fn.get_config()}
    return getattr(fn, "__name__", str(fn))


deserialize = get
