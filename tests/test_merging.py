"""Merge layers on lists of inputs: forward and input gradients against PyTorch in float64."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numen import Input, Model, layers, testing  # noqa: E402
from numen.autodiff import Tensor, gradients  # noqa: E402
from numen.layers import merging  # noqa: E402


def _compare(layer, arrays, torch_fn):
    """Forward and every input's gradient of `layer(list)` against `torch_fn(list)`."""
    xs = [Tensor(np.array(a), requires_grad=True) for a in arrays]
    out = layer(xs)
    projection = testing.randn(out.shape, seed=42)
    grads = gradients(out, xs, output_gradient=projection)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ref = torch_fn(ts)
    testing.assert_close(out, ref.detach().numpy(), rtol=1e-5)
    ref.backward(torch.tensor(projection))
    for i, (g, t) in enumerate(zip(grads, ts)):
        testing.assert_close(g, t.grad.numpy(), rtol=1e-5, err_msg=f"gradient of input {i}")
    return out


def _three(shape=(3, 4)):
    return [testing.randn(shape, seed=s) for s in range(3)]


@pytest.mark.parametrize("cls,torch_fn", [
    (merging.Add, lambda ts: ts[0] + ts[1] + ts[2]),
    (merging.Multiply, lambda ts: ts[0] * ts[1] * ts[2]),
    (merging.Average, lambda ts: (ts[0] + ts[1] + ts[2]) / 3),
    (merging.Maximum, lambda ts: torch.maximum(torch.maximum(ts[0], ts[1]), ts[2])),
    (merging.Minimum, lambda ts: torch.minimum(torch.minimum(ts[0], ts[1]), ts[2])),
])
def test_elementwise_merges_match_torch(cls, torch_fn):
    _compare(cls(dtype="float64"), _three(), torch_fn)
    assert cls.from_config(cls(name="m").get_config()).name == "m"


def test_subtract_and_broadcasting():
    a, b = testing.randn((2, 3, 4), seed=1), testing.randn((2, 1, 4), seed=2)
    _compare(merging.Subtract(dtype="float64"), [a, b], lambda ts: ts[0] - ts[1])
    with pytest.raises(ValueError, match="exactly 2"):
        merging.Subtract()(_three())


def test_elementwise_merge_shape_error_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r"'adder'.*\(2, 3\).*\(2, 4\)"):
        merging.Add(name="adder")([np.zeros((2, 3)), np.zeros((2, 4))])
    with pytest.raises(ValueError, match="list of inputs"):
        merging.Add()(np.zeros((2, 3)))


@pytest.mark.parametrize("axis,shapes", [(-1, [(2, 3, 4), (2, 3, 1), (2, 3, 2)]),
                                         (1, [(2, 1, 4), (2, 5, 4)])])
def test_concatenate_matches_torch(axis, shapes):
    arrays = [testing.randn(s, seed=i) for i, s in enumerate(shapes)]
    _compare(merging.Concatenate(axis=axis, dtype="float64"), arrays,
             lambda ts: torch.cat(ts, dim=axis))
    assert merging.Concatenate(axis=axis).get_config()["axis"] == axis


def test_concatenate_incompatible_shapes_lists_them():
    layer = merging.Concatenate(name="joiner")
    with pytest.raises(ValueError, match=r"'joiner'.*\[\(2, 3\), \(4, 3\)\]"):
        layer([np.zeros((2, 3)), np.zeros((4, 3))])
    with pytest.raises(ValueError, match="joiner"):
        layer([np.zeros((2, 3)), np.zeros((2, 3, 1))])


def test_concatenate_compute_mask():
    layer = merging.Concatenate(axis=1)
    a, b = np.zeros((2, 2, 3)), np.zeros((2, 3, 3))
    mask_a = np.array([[True, False], [True, True]])
    mask = layer.compute_mask([a, b], [mask_a, None])
    np.testing.assert_array_equal(np.asarray(mask),
                                  np.concatenate([mask_a, np.ones((2, 3), bool)], axis=1))
    assert layer.compute_mask([a, b], None) is None
    m = merging.Add().compute_mask([a, a], [mask_a, np.array([[False, True], [True, True]])])
    np.testing.assert_array_equal(np.asarray(m), [[False, False], [True, True]])


def test_dot_matches_torch():
    a, b = testing.randn((3, 4), seed=1), testing.randn((3, 4), seed=2)
    out = _compare(merging.Dot(axes=1, dtype="float64"), [a, b],
                   lambda ts: (ts[0] * ts[1]).sum(-1, keepdim=True))
    assert out.shape == (3, 1)
    x, y = testing.randn((2, 3, 4), seed=3), testing.randn((2, 5, 4), seed=4)
    _compare(merging.Dot(axes=(2, 2), dtype="float64"), [x, y],
             lambda ts: torch.einsum("bnd,bmd->bnm", ts[0], ts[1]))
    _compare(merging.Dot(axes=1, normalize=True, dtype="float64"), [a, b],
             lambda ts: torch.nn.functional.cosine_similarity(ts[0], ts[1], eps=1e-12)[:, None])
    with pytest.raises(ValueError, match="dimension mismatch"):
        merging.Dot(axes=1)([np.zeros((2, 3)), np.zeros((2, 4))])
    assert merging.Dot(axes=(1, 2)).get_config()["axes"] == [1, 2]


def test_functional_helpers_in_a_model():
    a, b = Input((3,)), Input((3,))
    summed = layers.add([a, b])
    joined = layers.concatenate([summed, layers.multiply([a, b])])
    model = Model([a, b], layers.dot([joined, joined], axes=1))
    x, y = np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")
    out = np.asarray(model([x, y]))
    assert out.shape == (2, 1)
    np.testing.assert_allclose(out, np.full((2, 1), 3 * 9.0 + 3 * 4.0))
    for fn in (layers.subtract, layers.average, layers.maximum, layers.minimum):
        assert np.asarray(fn([x, y])).shape == (2, 3)
