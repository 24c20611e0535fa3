"""Every Keras 3 activation: by name and as a function, forward and gradient vs PyTorch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from numen import activations, testing
from numen.autodiff import Tensor, gradients
from numen.keras import activations as keras_activations


def _sparse_plus(x):
    return torch.where(x <= -1, 0.0, torch.where(x >= 1, x, 0.25 * (x + 1) ** 2))


def _sparsemax(x):
    z, _ = torch.sort(x, dim=-1, descending=True)
    k = torch.arange(1, x.shape[-1] + 1, dtype=x.dtype)
    cums = z.cumsum(-1)
    k_z = (1 + k * z > cums).sum(-1, keepdim=True)
    tau = (cums.gather(-1, k_z - 1) - 1) / k_z
    return torch.clamp(x - tau, min=0)


# name -> (reference on a float64 torch tensor, kwargs)
REFERENCES = {
    "relu": (F.relu, {}),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), {}),
    "relu6": (F.relu6, {}),
    "elu": (F.elu, {}),
    "selu": (F.selu, {}),
    "gelu": (lambda x: F.gelu(x), {}),  # activations.gelu defaults to the exact form
    "sigmoid": (torch.sigmoid, {}),
    "hard_sigmoid": (F.hardsigmoid, {}),
    "hard_silu": (F.hardswish, {}),
    "hard_swish": (F.hardswish, {}),
    "silu": (F.silu, {}),
    "swish": (F.silu, {}),
    "softplus": (F.softplus, {}),
    "softsign": (F.softsign, {}),
    "mish": (F.mish, {}),
    "tanh": (torch.tanh, {}),
    "exponential": (torch.exp, {}),
    "linear": (lambda x: x, {}),
    "softmax": (lambda x: torch.softmax(x, -1), {}),
    "log_softmax": (lambda x: torch.log_softmax(x, -1), {}),
    "log_sigmoid": (F.logsigmoid, {}),
    "hard_tanh": (F.hardtanh, {}),
    "celu": (F.celu, {}),
    "glu": (lambda x: F.glu(x, -1), {}),
    "hard_shrink": (F.hardshrink, {}),
    "soft_shrink": (F.softshrink, {}),
    "tanh_shrink": (F.tanhshrink, {}),
    "squareplus": (lambda x: (x + torch.sqrt(x * x + 4)) / 2, {}),
    "sparse_plus": (_sparse_plus, {}),
    "sparse_sigmoid": (lambda x: torch.clamp((x + 1) / 2, 0, 1), {}),
    "sparsemax": (_sparsemax, {}),
}


def _input(shape=(3, 8)):
    # Spread over [-4, 4] but away from the kinks (0, +-0.5, +-1, +-3, 6) where one-sided
    # derivatives differ between libraries.
    x = testing.randn(shape, low=-4.0, high=4.0, seed=3)
    for kink in (0.0, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0):
        x = np.where(np.abs(x - kink) < 0.05, x + 0.1, x)
    return x


def _compare(fn, ref, x):
    t = Tensor(x, requires_grad=True)
    out = fn(t)
    xt = torch.tensor(x, requires_grad=True)
    expected = ref(xt)
    testing.assert_close(out, expected.detach().numpy(), rtol=1e-6, atol=1e-12)
    upstream = testing.randn(tuple(out.shape), seed=4)
    (g,) = gradients(out, [t], output_gradient=upstream)
    expected.backward(torch.tensor(upstream))
    testing.assert_close(g, xt.grad.numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_matches_torch(name):
    ref, kwargs = REFERENCES[name]
    by_string = activations.get(name)
    assert by_string is getattr(activations, name)
    assert keras_activations.get(name) is by_string
    _compare(lambda t: by_string(t, **kwargs), ref, _input())


def test_threshold_needs_its_arguments():
    x = _input()
    _compare(lambda t: activations.threshold(t, 0.3, -2.0), lambda u: F.threshold(u, 0.3, -2.0),
             x)


@pytest.mark.parametrize("kwargs", [
    {"negative_slope": 0.1}, {"max_value": 2.5}, {"threshold": 1.5},
    {"negative_slope": 0.3, "max_value": 2.0, "threshold": 0.7},
    {"threshold": -1.5},
])
def test_relu_options(kwargs):
    slope = kwargs.get("negative_slope", 0.0)
    cap = kwargs.get("max_value")
    thr = kwargs.get("threshold", 0.0)

    def ref(u):
        y = torch.where(u > thr, u, torch.zeros_like(u)) if thr else F.relu(u)
        if cap is not None:
            y = torch.clamp(y, 0.0, cap)
        return y - slope * F.relu(thr - u)

    _compare(lambda t: activations.relu(t, **kwargs), ref, _input())


def test_gelu_approximate_and_ops_default():
    from numen import ops

    x = _input()
    _compare(lambda t: activations.gelu(t, approximate=True),
             lambda u: F.gelu(u, approximate="tanh"), x)
    _compare(ops.gelu, lambda u: F.gelu(u, approximate="tanh"), x)  # keras.ops: approximate


def test_softmax_axis_and_leaky_elu_args():
    x = _input((2, 3, 4))
    _compare(lambda t: activations.softmax(t, axis=1), lambda u: torch.softmax(u, 1), x)
    _compare(lambda t: activations.leaky_relu(t, negative_slope=0.05),
             lambda u: F.leaky_relu(u, 0.05), x)
    _compare(lambda t: activations.elu(t, alpha=0.5), lambda u: F.elu(u, 0.5), x)


def test_hard_sigmoid_is_keras3_definition():
    out = activations.hard_sigmoid(np.array([-3.0, -1.5, 0.0, 1.5, 3.0]))
    testing.assert_close(out, [0.0, 0.25, 0.5, 0.75, 1.0])


def test_lookup_errors_and_identity():
    with pytest.raises(ValueError, match=r"Unknown activation 'rleu'.*'relu'"):
        activations.get("rleu")
    with pytest.raises(TypeError, match="activation"):
        activations.get(3)
    assert activations.get(None) is activations.linear
    custom = lambda x: x  # noqa: E731
    assert activations.get(custom) is custom
    assert activations.get({"class_name": "function", "config": "relu"}) is activations.relu


def test_serialize_round_trip():
    for name in ["relu", "gelu", "softmax", "silu", "hard_silu", "log_sigmoid"]:
        fn = activations.get(name)
        assert activations.get(activations.serialize(fn)) is fn


def test_float32_stays_float32():
    x = np.linspace(-3, 3, 7, dtype="float32")
    for name in REFERENCES:
        assert activations.get(name)(x.reshape(1, 7) if name != "glu" else
                                     np.ones((1, 8), "float32")).dtype == "float32", name
