"""Harnesses the test suite uses: numerical gradient checks and closeness assertions."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, gradients


def randn(shape, dtype="float64", seed=0, low=None, high=None):
    """Reproducible random test data (normal, or uniform in [low, high) when given)."""
    r = np.random.default_rng(seed)
    if low is not None:
        return r.uniform(low, high, size=shape).astype(dtype)
    return r.standard_normal(shape).astype(dtype)


def assert_close(actual, expected, rtol=1e-6, atol=1e-6, err_msg=""):
    """Assert two array-likes (Tensors allowed) agree elementwise."""
    a = backend.to_numpy(actual.data if isinstance(actual, Tensor) else actual)
    e = backend.to_numpy(expected.data if isinstance(expected, Tensor) else expected)
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=err_msg)


def _scalar_of(fn, args):
    out = fn(*args)
    return out


def check_grad(fn, inputs, eps=1e-6, rtol=1e-5, atol=1e-6, seed=1):
    """Compare backward against central differences of a random projection of fn's output.

    Args:
        fn: takes Tensors, returns a Tensor (any shape).
        inputs: float64 arrays; each gets a gradient check.
    """
    arrays = [np.array(x, dtype="float64") for x in inputs]
    dev = backend.to_device  # inputs join `fn`'s weights on the current device
    first = fn(*[Tensor(dev(a)) for a in arrays])
    out_shape = first.shape
    projection = np.random.default_rng(seed).standard_normal(out_shape)

    def scalar(arrs):
        out = fn(*[Tensor(dev(a)) for a in arrs])
        return float((backend.to_numpy(out.data) * projection).sum())

    tensors = [Tensor(dev(a.copy()), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    analytic = gradients(out, tensors, output_gradient=dev(projection))
    for i, a in enumerate(arrays):
        numeric = np.zeros_like(a)
        flat = a.reshape(-1)
        for j in range(flat.size):
            old = flat[j]
            flat[j] = old + eps
            up = scalar(arrays)
            flat[j] = old - eps
            down = scalar(arrays)
            flat[j] = old
            numeric.reshape(-1)[j] = (up - down) / (2 * eps)
        got = analytic[i]
        got = np.zeros_like(a) if got is None else backend.to_numpy(got)
        np.testing.assert_allclose(
            got, numeric, rtol=rtol, atol=atol, err_msg=f"gradient of input {i} differs"
        )


def check_layer(layer_cls, kwargs, input_shape, *, expected_output_shape=None,
                expected_weight_shapes=None, torch_forward=None, input_dtype="float64",
                input_data=None, rtol=1e-5, atol=1e-6, train_step=True, seed=0):
    """The one harness every layer passes.

    Checks, in float64: output shape (against `expected_output_shape` and the layer's own
    `compute_output_shape`), weight shapes, get_config/from_config round trip (same output once
    the weights are copied), one SGD step on sum(out**2) lowers it, and, when `torch_forward`
    is given, forward output plus input and weight gradients against PyTorch.

    Args:
        layer_cls / kwargs: how to make the layer (dtype='float64' is added).
        input_shape: full input shape, batch axis included.
        torch_forward: fn(x_torch, [w_torch...]) -> output torch tensor, with the weights in
            numen's order and layout (map layouts inside the function).
        input_data: explicit input array (e.g. integer ids); random normal otherwise.
    """
    import copy

    from numen.autodiff import Tensor, gradients, no_grad

    kwargs = {**kwargs, "dtype": kwargs.get("dtype", "float64")}
    layer = layer_cls(**copy.deepcopy(kwargs))
    x = input_data if input_data is not None else randn(input_shape, input_dtype, seed=seed)
    def on_device(a):  # the layer's weights live on the current device; so do its inputs
        return Tensor(backend.to_device(np.array(a)))

    x_t = Tensor(backend.to_device(np.array(x)), requires_grad=np.asarray(x).dtype.kind == "f")
    out = layer(x_t)
    out_shape = tuple(out.shape)
    if expected_output_shape is not None:
        assert out_shape == tuple(expected_output_shape), (out_shape, expected_output_shape)
    inferred = layer.compute_output_shape(tuple(input_shape))
    assert tuple(inferred) == out_shape, f"compute_output_shape {inferred} != {out_shape}"
    weights = layer.weights
    if expected_weight_shapes is not None:
        got = [tuple(w.shape) for w in weights]
        assert got == [tuple(s) for s in expected_weight_shapes], got

    # config round trip
    config = layer.get_config()
    clone = layer_cls.from_config(copy.deepcopy(config))
    clone(on_device(x))
    clone.set_weights(layer.get_weights())
    with no_grad():
        assert_close(clone(on_device(x)), layer(on_device(x)), rtol, atol,
                     "from_config clone differs")
    assert clone.get_config() == config or {k: v for k, v in clone.get_config().items()
                                            if k != "name"} == {k: v for k, v in config.items()
                                                                if k != "name"}

    projection = randn(out_shape, "float64", seed=seed + 1)
    trainable = layer.trainable_weights
    grads = gradients(out, [x_t] + trainable, output_gradient=backend.to_device(projection))

    if torch_forward is not None:
        import torch

        xt = torch.tensor(np.array(x), requires_grad=np.asarray(x).dtype.kind == "f")
        wts = [torch.tensor(w.numpy().astype("float64"), requires_grad=True) for w in weights]
        ref = torch_forward(xt, wts)
        assert_close(out, ref.detach().numpy(), rtol, atol, "forward differs from PyTorch")
        ref.backward(torch.tensor(projection))
        if xt.requires_grad:
            assert_close(grads[0], xt.grad.numpy(), rtol, atol, "input gradient differs")
        index = {id(w): i for i, w in enumerate(weights)}
        for w, g in zip(trainable, grads[1:]):
            tg = wts[index[id(w)]].grad
            expected = np.zeros(w.shape) if tg is None else tg.numpy()
            got = np.zeros(w.shape) if g is None else g
            assert_close(got, expected, rtol, atol, f"gradient of weight '{w.name}' differs")

    if train_step and trainable:
        def loss_value():
            with no_grad():
                return float((layer(on_device(x), training=False).data ** 2).sum())

        before = loss_value()
        out2 = layer(on_device(x), training=False)
        loss = (out2 * out2).sum()
        gs = gradients(loss, trainable)
        lr = 1e-3 / max(1.0, max(float(np.abs(g).max()) for g in gs if g is not None))
        for w, g in zip(trainable, gs):
            if g is not None:
                w.data -= lr * g
        after = loss_value()
        assert after < before, f"one training step did not lower the loss ({before} -> {after})"
    return layer
