"""A model output's mask reaches the compiled loss and metrics, as in Keras 3.

Padded timesteps (Embedding(mask_zero=True) -> masked LSTM -> per-step Dense) must not count:
the loss is the mean over unmasked entries, metrics average over unmasked entries, and the
gradients equal those of the same sequences run unpadded.
"""

import numpy as np
import pytest

from numen import keras, losses, ops
from numen.autodiff import enable_grad, gradients, no_grad
from numen.keras import layers

IDS = np.array([[3, 1, 4, 0, 0], [2, 2, 2, 4, 1], [5, 0, 0, 0, 0]])
MASK = IDS != 0
LABELS = np.array([[0, 2, 1, 1, 1], [1, 0, 2, 2, 0], [2, 0, 0, 0, 0]])


def _sequential(seed=3):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        layers.Embedding(6, 4, mask_zero=True),
        layers.LSTM(5, return_sequences=True),
        layers.TimeDistributed(layers.Dense(3, activation="softmax")),
    ])


def _functional(seed=3):
    keras.utils.set_random_seed(seed)
    inp = keras.Input((None,), dtype="int32")
    x = layers.Embedding(6, 4, mask_zero=True)(inp)
    x = layers.LSTM(5, return_sequences=True)(x)
    return keras.Model(inp, layers.Dense(3, activation="softmax")(x))


def _step_ce(probs, labels):
    return -np.log(np.take_along_axis(probs, labels[..., None], -1)[..., 0])


@pytest.mark.parametrize("build", [_sequential, _functional])
def test_loss_and_metrics_count_only_unmasked_steps(build):
    model = build()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    probs = model(IDS)
    np.testing.assert_array_equal(np.asarray(probs._keras_mask), MASK)
    p = probs.numpy()
    expected_loss = _step_ce(p, LABELS)[MASK].mean()
    expected_acc = (p.argmax(-1) == LABELS)[MASK].mean()
    logs = model.evaluate(IDS, LABELS, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], expected_loss, rtol=1e-5)
    np.testing.assert_allclose(logs["accuracy"], expected_acc, rtol=1e-6)
    assert not np.isclose(expected_loss, _step_ce(p, LABELS).mean())  # padding would matter

    # Labels under the padding are ignored entirely.
    scrambled = np.where(MASK, LABELS, (LABELS + 1) % 3)
    again = model.evaluate(IDS, scrambled, verbose=0, return_dict=True)
    np.testing.assert_allclose(again["loss"], logs["loss"], rtol=1e-6)
    np.testing.assert_allclose(again["accuracy"], logs["accuracy"], rtol=1e-6)


def test_gradients_equal_those_of_the_unpadded_sequences():
    model = _sequential()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model(IDS)
    weights = model.trainable_weights
    with enable_grad():
        padded = model.compute_loss(IDS, LABELS, model(IDS, training=True))
    got = gradients(padded, weights)

    # By hand: each sequence run without its padding, summed per-step losses over the total.
    total, n = None, MASK.sum()
    with enable_grad():
        for ids, labels, m in zip(IDS, LABELS, MASK):
            probs = model(ids[m][None], training=True)
            assert np.asarray(probs._keras_mask).all()
            one_hot = np.eye(3, dtype="float32")[labels[m]][None]
            term = -ops.sum(ops.log(ops.sum(probs * one_hot, axis=-1)))
            total = term if total is None else total + term
        unpadded = total / float(n)
    want = gradients(unpadded, weights)
    np.testing.assert_allclose(padded.numpy(), unpadded.numpy(), rtol=1e-5)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-7)


def test_training_step_ignores_labels_under_padding():
    scrambled = np.where(MASK, LABELS, (LABELS + 2) % 3)
    results = []
    for labels in (LABELS, scrambled):
        model = _sequential(seed=5)
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
        logs = model.train_on_batch(IDS, labels, return_dict=True)
        results.append((logs, model.get_weights()))
    (logs_a, w_a), (logs_b, w_b) = results
    assert logs_a == pytest.approx(logs_b, rel=1e-6)
    for a, b in zip(w_a, w_b):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_mask_combines_with_per_sample_weights_and_reductions():
    model = _sequential()
    p = model(IDS).numpy()
    ce = _step_ce(p, LABELS) * MASK
    sw = np.array([2.0, 0.5, 1.0])
    # Keras 3: sum(loss * weight * mask) / number of unmasked entries.
    model.compile("sgd", "sparse_categorical_crossentropy")
    loss = model.test_on_batch(IDS, LABELS, sample_weight=sw)
    np.testing.assert_allclose(loss, (ce * sw[:, None]).sum() / MASK.sum(), rtol=1e-5)

    model.compile("sgd", losses.SparseCategoricalCrossentropy(reduction="sum"))
    np.testing.assert_allclose(model.test_on_batch(IDS, LABELS), ce.sum(), rtol=1e-5)

    model.compile("sgd", losses.SparseCategoricalCrossentropy(ignore_class=1))
    counted = MASK & (LABELS != 1)
    np.testing.assert_allclose(model.test_on_batch(IDS, LABELS),
                               _step_ce(p, LABELS)[counted].mean(), rtol=1e-5)


def test_weighted_metrics_combine_mask_and_sample_weight():
    model = _sequential()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  weighted_metrics=["accuracy"])
    p = model(IDS).numpy()
    hit = (p.argmax(-1) == LABELS).astype(float)
    sw = np.array([3.0, 1.0, 0.0])
    logs = model.evaluate(IDS, LABELS, sample_weight=sw, verbose=0, return_dict=True)
    w = MASK * sw[:, None]
    np.testing.assert_allclose(logs["weighted_accuracy"], (hit * w).sum() / w.sum(), rtol=1e-6)
    np.testing.assert_allclose(logs["accuracy"], hit[MASK].mean(), rtol=1e-6)


def test_all_padded_batch_gives_zero_loss_not_nan():
    model = _sequential()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    logs = model.evaluate(np.zeros((2, 4), int), np.zeros((2, 4), int), verbose=0,
                          return_dict=True)
    assert logs["loss"] == 0.0 and logs["accuracy"] == 0.0


def test_model_without_masks_is_unaffected():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(6, 5, 3)).astype("float32")
    y = np.random.default_rng(1).normal(size=(6, 5, 2)).astype("float32")
    model = keras.Sequential([layers.LSTM(4, return_sequences=True), layers.Dense(2)])
    model.compile("sgd", "mse", metrics=["mae"])
    out = model(x)
    assert out._keras_mask is None
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    p = out.numpy()
    np.testing.assert_allclose(logs["loss"], ((p - y) ** 2).mean(), rtol=1e-5)
    np.testing.assert_allclose(logs["mae"], np.abs(p - y).mean(), rtol=1e-5)


def test_pooled_output_has_no_mask_so_loss_is_plain():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Embedding(6, 4, mask_zero=True),
                              layers.GlobalAveragePooling1D(), layers.Dense(1)])
    model.compile("sgd", "mse")
    y = np.array([[1.0], [0.0], [2.0]], "float32")
    out = model(IDS)
    assert out._keras_mask is None
    np.testing.assert_allclose(model.test_on_batch(IDS, y), ((out.numpy() - y) ** 2).mean(),
                               rtol=1e-5)


def test_custom_train_step_gets_the_mask_through_compute_loss():
    class Custom(keras.Model):
        def train_step(self, data):
            x, y = data
            with enable_grad():
                y_pred = self(x, training=True)
                loss = self.compute_loss(x, y, y_pred)
            self.seen = float(loss.numpy())
            return {"loss": loss}

    keras.utils.set_random_seed(3)
    inp = keras.Input((5,), dtype="int32")
    x = layers.Embedding(6, 4, mask_zero=True)(inp)
    model = Custom(inp, layers.Dense(3, activation="softmax")(x))
    model.compile("sgd", "sparse_categorical_crossentropy")
    with no_grad():
        p = model(IDS).numpy()
    model.train_on_batch(IDS, LABELS)
    np.testing.assert_allclose(model.seen, _step_ce(p, LABELS)[MASK].mean(), rtol=1e-5)


def test_mask_that_does_not_line_up_with_the_loss_values_is_refused():
    class PerSample(losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.square(y_pred - y_true), axis=(1, 2))  # one value per sample

    model = keras.Sequential([layers.Embedding(6, 4, mask_zero=True), layers.Dense(2)])
    model.compile("sgd", PerSample())
    with pytest.raises(ValueError, match=r"mask has shape \(3, 5\).*values of shape \(3,\)"):
        model.test_on_batch(IDS, np.zeros((3, 5, 2), "float32"))
