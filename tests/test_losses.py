"""Losses against PyTorch (float64 values and gradients), reductions, weights, errors, stability."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from numen import losses, testing
from numen.autodiff import Tensor, gradients

RTOL, ATOL = 1e-6, 1e-9


def _rng(seed=0):
    return np.random.default_rng(seed)


def _onehot(labels, k):
    return np.eye(k)[labels]


def _probs(shape, seed):
    return _rng(seed).uniform(0.05, 0.95, size=shape)


# Each case: id, loss function, its Loss class, kwargs, data (y_true, y_pred), torch reference
# giving per-sample values from (y_true, y_pred) torch tensors.
def _regression():
    r = _rng(1)
    return r.standard_normal((4, 3)), r.standard_normal((4, 3))


def _positive():
    r = _rng(2)
    return r.uniform(0.1, 3.0, (4, 3)), r.uniform(0.1, 3.0, (4, 3))


def _huber_data():
    r = _rng(3)
    t = r.standard_normal((5, 4))
    return t, t + 1.5 * r.standard_normal((5, 4))


def _binary_labels():
    return _rng(4).integers(0, 2, (4, 3)).astype(float), _probs((4, 3), 5)


def _binary_logits():
    r = _rng(6)
    return r.integers(0, 2, (4, 3)).astype(float), 3 * r.standard_normal((4, 3))


def _onehot_probs():
    return _onehot(_rng(7).integers(0, 5, 4), 5), _probs((4, 5), 8)


def _onehot_logits():
    r = _rng(9)
    return _onehot(r.integers(0, 5, 4), 5), 2 * r.standard_normal((4, 5))


def _channels_first_logits():
    r = _rng(10)
    labels = r.integers(0, 3, (2, 4))
    return np.moveaxis(_onehot(labels, 3), -1, 1), r.standard_normal((2, 3, 4))


def _sparse_logits():
    r = _rng(11)
    return r.integers(0, 5, 6), 2 * r.standard_normal((6, 5))


def _sparse_probs():
    return _rng(12).integers(0, 5, 6), _probs((6, 5), 13)


def _sparse_ignore():
    t, p = _sparse_logits()
    t[[1, 4]] = -1
    return t, p


def _sparse_channels_first():
    r = _rng(14)
    return r.integers(0, 3, (2, 4)), r.standard_normal((2, 3, 4))


def _distributions():
    t, p = _probs((4, 5), 15), _probs((4, 5), 16)
    return t / t.sum(-1, keepdims=True), p / p.sum(-1, keepdims=True)


def _signed_labels():
    r = _rng(17)
    return 2.0 * r.integers(0, 2, (4, 3)) - 1.0, r.standard_normal((4, 3))


def _zero_one_labels():
    r = _rng(18)
    return r.integers(0, 2, (4, 3)).astype(float), r.standard_normal((4, 3))


def _onehot_scores():
    r = _rng(19)
    return _onehot(r.integers(0, 5, 4), 5), r.standard_normal((4, 5))


def _cce_probs_ref(t, p):
    return F.cross_entropy(torch.log(p), t, reduction="none")  # log_softmax(log p) renormalises


def _smooth(t, amount, k):
    return t * (1 - amount) + amount / k


CASES = [
    ("mse", losses.mean_squared_error, losses.MeanSquaredError, {}, _regression,
     lambda t, p: F.mse_loss(p, t, reduction="none").mean(-1)),
    ("mae", losses.mean_absolute_error, losses.MeanAbsoluteError, {}, _regression,
     lambda t, p: F.l1_loss(p, t, reduction="none").mean(-1)),
    ("mape", losses.mean_absolute_percentage_error, losses.MeanAbsolutePercentageError, {},
     _positive, lambda t, p: 100 * ((t - p).abs() / t.abs()).mean(-1)),
    ("msle", losses.mean_squared_logarithmic_error, losses.MeanSquaredLogarithmicError, {},
     _positive, lambda t, p: ((torch.log1p(p) - torch.log1p(t)) ** 2).mean(-1)),
    ("huber", losses.huber, losses.Huber, {}, _huber_data,
     lambda t, p: F.huber_loss(p, t, reduction="none", delta=1.0).mean(-1)),
    ("huber_delta", losses.huber, losses.Huber, {"delta": 0.5}, _huber_data,
     lambda t, p: F.huber_loss(p, t, reduction="none", delta=0.5).mean(-1)),
    ("log_cosh", losses.log_cosh, losses.LogCosh, {}, _huber_data,
     lambda t, p: torch.log(torch.cosh(p - t)).mean(-1)),
    ("cosine", losses.cosine_similarity, losses.CosineSimilarity, {}, _regression,
     lambda t, p: -F.cosine_similarity(t, p, dim=-1)),
    ("bce_probs", losses.binary_crossentropy, losses.BinaryCrossentropy, {}, _binary_labels,
     lambda t, p: F.binary_cross_entropy(p, t, reduction="none").mean(-1)),
    ("bce_logits", losses.binary_crossentropy, losses.BinaryCrossentropy,
     {"from_logits": True}, _binary_logits,
     lambda t, p: F.binary_cross_entropy_with_logits(p, t, reduction="none").mean(-1)),
    ("bce_smoothing", losses.binary_crossentropy, losses.BinaryCrossentropy,
     {"from_logits": True, "label_smoothing": 0.2}, _binary_logits,
     lambda t, p: F.binary_cross_entropy_with_logits(p, _smooth(t, 0.2, 2),
                                                     reduction="none").mean(-1)),
    ("bce_probs_smoothing", losses.binary_crossentropy, losses.BinaryCrossentropy,
     {"label_smoothing": 0.1}, _binary_labels,
     lambda t, p: F.binary_cross_entropy(p, _smooth(t, 0.1, 2), reduction="none").mean(-1)),
    ("cce_probs", losses.categorical_crossentropy, losses.CategoricalCrossentropy, {},
     _onehot_probs, _cce_probs_ref),
    ("cce_logits", losses.categorical_crossentropy, losses.CategoricalCrossentropy,
     {"from_logits": True}, _onehot_logits,
     lambda t, p: F.cross_entropy(p, t, reduction="none")),
    ("cce_smoothing", losses.categorical_crossentropy, losses.CategoricalCrossentropy,
     {"from_logits": True, "label_smoothing": 0.1}, _onehot_logits,
     lambda t, p: F.cross_entropy(p, t, reduction="none", label_smoothing=0.1)),
    ("cce_probs_smoothing", losses.categorical_crossentropy, losses.CategoricalCrossentropy,
     {"label_smoothing": 0.1}, _onehot_probs,
     lambda t, p: _cce_probs_ref(_smooth(t, 0.1, 5), p)),
    ("cce_axis1", losses.categorical_crossentropy, losses.CategoricalCrossentropy,
     {"from_logits": True, "axis": 1}, _channels_first_logits,
     lambda t, p: F.cross_entropy(p, t, reduction="none")),
    ("scce_logits", losses.sparse_categorical_crossentropy,
     losses.SparseCategoricalCrossentropy, {"from_logits": True}, _sparse_logits,
     lambda t, p: F.cross_entropy(p, t.long(), reduction="none")),
    ("scce_probs", losses.sparse_categorical_crossentropy, losses.SparseCategoricalCrossentropy,
     {}, _sparse_probs, lambda t, p: F.nll_loss(torch.log(p / p.sum(-1, keepdim=True)),
                                                t.long(), reduction="none")),
    ("scce_ignore", losses.sparse_categorical_crossentropy, losses.SparseCategoricalCrossentropy,
     {"from_logits": True, "ignore_class": -1}, _sparse_ignore,
     lambda t, p: F.cross_entropy(p, t.long(), reduction="none", ignore_index=-1)),
    ("scce_axis1", losses.sparse_categorical_crossentropy, None,
     {"from_logits": True, "axis": 1}, _sparse_channels_first,
     lambda t, p: F.cross_entropy(p, t.long(), reduction="none")),
    ("kld", losses.kl_divergence, losses.KLDivergence, {}, _distributions,
     lambda t, p: F.kl_div(torch.log(p), t, reduction="none").sum(-1)),
    ("poisson", losses.poisson, losses.Poisson, {}, _positive,
     lambda t, p: F.poisson_nll_loss(p, t, log_input=False, eps=1e-7,
                                     reduction="none").mean(-1)),
    ("hinge", losses.hinge, losses.Hinge, {}, _signed_labels,
     lambda t, p: torch.clamp(1 - t * p, min=0).mean(-1)),
    ("hinge_01", losses.hinge, losses.Hinge, {}, _zero_one_labels,
     lambda t, p: torch.clamp(1 - (2 * t - 1) * p, min=0).mean(-1)),
    ("squared_hinge", losses.squared_hinge, losses.SquaredHinge, {}, _signed_labels,
     lambda t, p: (torch.clamp(1 - t * p, min=0) ** 2).mean(-1)),
    ("squared_hinge_01", losses.squared_hinge, losses.SquaredHinge, {}, _zero_one_labels,
     lambda t, p: (torch.clamp(1 - (2 * t - 1) * p, min=0) ** 2).mean(-1)),
    ("categorical_hinge", losses.categorical_hinge, losses.CategoricalHinge, {}, _onehot_scores,
     lambda t, p: torch.clamp(((1 - t) * p).max(-1).values - (t * p).sum(-1) + 1, min=0)),
]
IDS = [c[0] for c in CASES]


def _torch_values_and_grad(ref, t, p, projection):
    tt = torch.tensor(t)
    tp = torch.tensor(p, requires_grad=True)
    values = ref(tt, tp)
    (values * torch.tensor(projection)).sum().backward()
    return values.detach().numpy(), tp.grad.numpy()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_function_matches_torch_in_value_and_gradient(case):
    _, fn, _, kwargs, data, ref = case
    t, p = data()
    yp = Tensor(p.copy(), requires_grad=True)
    values = fn(t, yp, **kwargs)
    projection = _rng(99).standard_normal(values.shape)
    (grad,) = gradients(values, [yp], output_gradient=projection)
    expected, expected_grad = _torch_values_and_grad(ref, t, p, projection)
    assert values.shape == expected.shape
    testing.assert_close(values, expected, RTOL, ATOL, "loss value differs from PyTorch")
    testing.assert_close(grad, expected_grad, RTOL, ATOL, "gradient differs from PyTorch")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_function_numerical_gradient(case):
    _, fn, _, kwargs, data, _ = case
    t, p = data()
    testing.check_grad(lambda yp: fn(t, yp, **kwargs), [p])


@pytest.mark.parametrize("case", [c for c in CASES if c[2] is not None], ids=lambda c: c[0])
def test_class_and_string_agree_with_function(case):
    _, fn, cls, kwargs, data, _ = case
    t, p = data()
    values = fn(t, p, **kwargs).data
    if "ignore_class" in kwargs:
        expected = values.sum() / (t != kwargs["ignore_class"]).sum()
    else:
        expected = values.mean()
    testing.assert_close(cls(**kwargs)(t, p), expected, RTOL, ATOL)
    testing.assert_close(losses.get(fn.__name__)(t, p, **kwargs), values, RTOL, ATOL)
    if not kwargs:
        testing.assert_close(losses.get(cls.__name__)(t, p), expected, RTOL, ATOL)
        testing.assert_close(losses.as_loss_object(fn.__name__)(t, p), expected, RTOL, ATOL)
    # The class path is differentiable too.
    testing.check_grad(lambda yp: cls(**kwargs)(t, yp), [p])


def test_loss_objects_have_keras_names_and_round_trip_configs():
    names = {
        losses.MeanSquaredError: "mean_squared_error", losses.Huber: "huber_loss",
        losses.LogCosh: "log_cosh", losses.KLDivergence: "kl_divergence",
        losses.SparseCategoricalCrossentropy: "sparse_categorical_crossentropy",
        losses.CosineSimilarity: "cosine_similarity", losses.Poisson: "poisson",
    }
    for cls, name in names.items():
        assert cls().name == name
    bce = losses.BinaryCrossentropy(True, 0.1, reduction="sum", name="my_bce")
    config = bce.get_config()
    assert config == {"name": "my_bce", "reduction": "sum", "from_logits": True,
                      "label_smoothing": 0.1, "axis": -1}
    clone = losses.get(losses.serialize(bce))
    assert isinstance(clone, losses.BinaryCrossentropy) and clone.get_config() == config
    assert losses.Huber(0.3).get_config()["delta"] == 0.3
    assert losses.get("Huber").name == "huber_loss"
    assert losses.get(None) is None
    assert losses.as_loss_object("mse").name == "mse"
    assert isinstance(losses.as_loss_object("mse"), losses.MeanSquaredError)
    custom = losses.as_loss_object(lambda t, p: (p - t) ** 2)
    assert isinstance(custom, losses.LossFunctionWrapper)


def test_reductions_and_sample_weights():
    t, p = _regression()
    values = losses.mean_squared_error(t, p).data
    sw = np.array([0.5, 1.0, 0.0, 2.0])
    testing.assert_close(losses.MeanSquaredError()(t, p, sample_weight=sw), (values * sw).mean())
    testing.assert_close(losses.MeanSquaredError(reduction="sum")(t, p, sw), (values * sw).sum())
    testing.assert_close(losses.MeanSquaredError(reduction="mean")(t, p, sw), (values * sw).mean())
    testing.assert_close(losses.MeanSquaredError(reduction=None)(t, p, sw), values * sw)
    testing.assert_close(losses.MeanSquaredError(reduction="none")(t, p), values)
    testing.assert_close(losses.MeanSquaredError(reduction="mean_with_sample_weight")(t, p, sw),
                         (values * sw).sum() / sw.sum())
    # A (N, 1) weight column lines up with (N,) loss values.
    testing.assert_close(losses.MeanSquaredError()(t, p, sw[:, None]), (values * sw).mean())
    with pytest.raises(ValueError, match="sample_weight has shape"):
        losses.MeanSquaredError()(t, p, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_per_timestep_sample_weights():
    r = _rng(20)
    labels, logits = r.integers(0, 4, (3, 5)), r.standard_normal((3, 5, 4))
    sw = r.uniform(0, 1, (3, 5))
    values = losses.sparse_categorical_crossentropy(labels, logits, from_logits=True).data
    assert values.shape == (3, 5)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    testing.assert_close(loss(labels, logits, sample_weight=sw), (values * sw).mean())
    # Per-sample weights broadcast over the timesteps.
    testing.assert_close(loss(labels, logits, sample_weight=sw[:, 0]),
                         (values * sw[:, :1]).mean())


def test_ignore_class_is_left_out_of_the_mean_with_weights():
    t, p = _sparse_ignore()
    sw = _rng(21).uniform(0.5, 1.5, len(t))
    values = F.cross_entropy(torch.tensor(p), torch.tensor(t), reduction="none",
                             ignore_index=-1).numpy()
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    valid = t != -1
    testing.assert_close(loss(t, p, sample_weight=sw), (values * sw).sum() / valid.sum())
    testing.assert_close(losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=-1, reduction="sum")(t, p), values.sum())


def test_rank_alignment_of_targets_and_predictions():
    r = _rng(22)
    t, p = r.standard_normal(6), r.standard_normal((6, 1))
    expected = (t - p[:, 0]) ** 2
    testing.assert_close(losses.mean_squared_error(t, p), expected)
    testing.assert_close(losses.mean_squared_error(t[:, None], p[:, 0]), expected)
    testing.assert_close(losses.MeanSquaredError()(t, p), expected.mean())
    labels, probs = r.integers(0, 2, 6).astype(float), r.uniform(0.1, 0.9, (6, 1))
    bce = losses.BinaryCrossentropy()(labels, probs)
    ref = F.binary_cross_entropy(torch.tensor(probs[:, 0]), torch.tensor(labels))
    testing.assert_close(bce, ref.numpy())
    # (N, 1) integer labels are accepted by the sparse loss.
    labels, logits = _sparse_logits()
    testing.assert_close(losses.sparse_categorical_crossentropy(labels[:, None], logits, True),
                         losses.sparse_categorical_crossentropy(labels, logits, True))


def test_float32_inputs_give_float32_losses():
    t, p = _regression()
    out = losses.MeanSquaredError()(t.astype("float32"), p.astype("float32"))
    assert out.dtype == "float32"
    assert losses.MeanSquaredError(dtype="float64")(t.astype("float32"), p).dtype == "float64"


STABILITY = [
    ("bce_logits", losses.binary_crossentropy, {"from_logits": True},
     [[1.0, 0.0, 0.0, 1.0]], [[1e4, -1e4, 1e4, -1e4]]),
    ("cce_logits", losses.categorical_crossentropy, {"from_logits": True},
     [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], [[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]]),
    ("scce_logits", losses.sparse_categorical_crossentropy, {"from_logits": True},
     [0, 2], [[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]]),
    ("bce_probs", losses.binary_crossentropy, {}, [[1.0, 0.0, 0.0, 1.0]], [[1.0, 0.0, 1.0, 0.0]]),
    ("cce_probs", losses.categorical_crossentropy, {},
     [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]),
    ("scce_probs", losses.sparse_categorical_crossentropy, {}, [0, 2],
     [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]),
    ("kld", losses.kl_divergence, {}, [[1.0, 0.0]], [[0.0, 1.0]]),
    ("poisson", losses.poisson, {}, [[1.0, 0.0]], [[0.0, 1.0]]),
    ("msle", losses.mean_squared_logarithmic_error, {}, [[1.0, 0.0]], [[0.0, 1.0]]),
    ("log_cosh", losses.log_cosh, {}, [[0.0, 0.0]], [[1e4, -1e4]]),
]


@pytest.mark.parametrize("case", STABILITY, ids=[c[0] for c in STABILITY])
def test_extreme_inputs_give_finite_values_and_gradients(case):
    _, fn, kwargs, t, p = case
    yp = Tensor(np.array(p, dtype="float64"), requires_grad=True)
    values = fn(np.array(t), yp, **kwargs)
    (grad,) = gradients(values, [yp], output_gradient=np.ones(values.shape))
    assert np.isfinite(values.data).all() and np.isfinite(grad).all()


def test_extreme_values_are_right():
    big = losses.binary_crossentropy([[1.0, 0.0, 0.0, 1.0]],
                                     np.array([[1e4, -1e4, 1e4, -1e4]]), from_logits=True)
    testing.assert_close(big, [5000.0])
    wrong = losses.sparse_categorical_crossentropy([2], np.array([[1e4, -1e4, 0.0]]), True)
    testing.assert_close(wrong, [1e4])
    confident = losses.binary_crossentropy([[1.0, 0.0]], np.array([[1.0, 0.0]]))
    assert 0 <= confident.data[0] < 1e-6
    testing.assert_close(losses.log_cosh([[0.0]], np.array([[1e4]])), [1e4 - np.log(2)])


def test_clear_errors():
    with pytest.raises(ValueError, match="Unknown loss 'nope'.*mean_squared_error"):
        losses.get("nope")
    with pytest.raises(TypeError, match="loss must be"):
        losses.get(3)
    with pytest.raises(ValueError, match=r"\[0, 2\].*\[3, 5\]"):
        losses.sparse_categorical_crossentropy(np.array([0, 3, 5]), np.ones((3, 3)) / 3)
    with pytest.raises(ValueError, match=r"\[0, 2\].*\[-2\]"):
        losses.SparseCategoricalCrossentropy()(np.array([0, -2]), np.ones((2, 3)) / 3)
    with pytest.raises(ValueError, match="whole numbers"):
        losses.sparse_categorical_crossentropy(np.array([0.5, 1.0]), np.ones((2, 3)) / 3)
    with pytest.raises(ValueError, match=r"categorical_crossentropy.*\(4,\).*\(4, 3\)"):
        losses.categorical_crossentropy(np.array([0.0, 1.0, 2.0, 1.0]), np.ones((4, 3)) / 3)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy.*shape"):
        losses.sparse_categorical_crossentropy(np.zeros((2, 3)), np.ones((2, 3)) / 3)
