"""fit/evaluate/predict on every input form (arrays, pandas, generators, iterators, iterables
such as a PyTorch DataLoader): the same numbers as the array path, steps counted as Keras
counts them, and clear errors for malformed streams."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from numen import keras
from numen.keras import layers

N, BATCH = 40, 8


def _data(n=N, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.3).astype("float32")[:, None]
    return x, y


def _model(loss="mse", units=1, activation=None, metrics=("mae",)):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="tanh"),
                              layers.Dense(units, activation=activation)])
    model.compile(optimizer="sgd", loss=loss, metrics=list(metrics))
    return model


def _batches(x, y=None, w=None, size=BATCH):
    for lo in range(0, len(x), size):
        s = slice(lo, lo + size)
        parts = (x[s],) + ((y[s],) if y is not None else ()) + ((w[s],) if w is not None else ())
        yield parts


def _weights(model):
    return [w.copy() for w in model.get_weights()]


def _reference(x, y, epochs=1, **kw):
    model = _model(**kw.pop("model_kw", {}))
    hist = model.fit(x, y, batch_size=BATCH, epochs=epochs, shuffle=False, verbose=0, **kw)
    return model, hist.history


def _assert_same(model_a, hist_a, model_b, hist_b):
    for a, b in zip(_weights(model_a), _weights(model_b)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert hist_a.keys() == hist_b.keys()
    for k in hist_a:
        np.testing.assert_allclose(hist_a[k], hist_b[k], rtol=1e-6)


class StepCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.steps, self.epoch_steps, self.params_steps = 0, [], None

    def on_train_begin(self, logs=None):
        self.params_steps = self.params.get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_steps.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        self.epoch_steps[-1] += 1


# -- arrays and pandas -----------------------------------------------------------------------
def test_dataframe_and_series_match_arrays():
    x, y = _data()
    ref, ref_hist = _reference(x, y)
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    model = _model()
    hist = model.fit(frame, pd.Series(y[:, 0]).to_frame(), batch_size=BATCH, shuffle=False,
                     verbose=0)
    _assert_same(ref, ref_hist, model, hist.history)
    np.testing.assert_allclose(model.predict(frame, verbose=0), ref.predict(x, verbose=0))
    assert model.evaluate(frame, pd.Series(y[:, 0]), verbose=0) == pytest.approx(
        ref.evaluate(x, y[:, 0], verbose=0), rel=1e-6)


def test_dataframe_columns_as_dict_of_named_inputs():
    x, y = _data()
    keras.utils.set_random_seed(0)
    a, b = keras.Input((1,), name="a"), keras.Input((2,), name="b")
    out = layers.Dense(1)(layers.Concatenate()([a, b]))
    model = keras.Model({"a": a, "b": b}, out)
    model.compile(optimizer="sgd", loss="mse")
    frame = pd.DataFrame(x, columns=["a", "b1", "b2"])
    feed = {"a": frame[["a"]], "b": frame[["b1", "b2"]]}
    model.fit(feed, y, batch_size=BATCH, shuffle=False, verbose=0)
    pred = model.predict(feed, verbose=0)
    np.testing.assert_allclose(pred, model.predict({"a": x[:, :1], "b": x[:, 1:]}, verbose=0))


def test_dataframe_with_text_column_is_rejected():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    with pytest.raises(TypeError, match="numeric"):
        _model().fit(frame, np.zeros((2, 1)), verbose=0)


def test_validation_split_on_dataframe():
    x, y = _data()
    ref, ref_hist = _reference(x, y, validation_split=0.25)
    model = _model()
    hist = model.fit(pd.DataFrame(x), y, batch_size=BATCH, shuffle=False, verbose=0,
                     validation_split=0.25)
    _assert_same(ref, ref_hist, model, hist.history)
    assert "val_loss" in hist.history


# -- generators and iterators ----------------------------------------------------------------
def test_generator_matches_arrays_and_counts_steps():
    x, y = _data()
    ref, ref_hist = _reference(x, y)
    model, counter = _model(), StepCounter()
    hist = model.fit(_batches(x, y), verbose=0, callbacks=[counter])
    _assert_same(ref, ref_hist, model, hist.history)
    assert counter.steps == N // BATCH
    assert counter.params_steps is None  # unknown until the generator runs dry
    np.testing.assert_allclose(model.predict(_batches(x), verbose=0), ref.predict(x, verbose=0),
                               rtol=1e-6)
    assert model.evaluate(_batches(x, y), verbose=0, return_dict=True) == pytest.approx(
        ref.evaluate(x, y, batch_size=BATCH, verbose=0, return_dict=True), rel=1e-6)


def test_generator_with_steps_per_epoch_continues_across_epochs():
    x, y = _data()
    ref, ref_hist = _reference(x, y, epochs=1)
    model, counter = _model(), StepCounter()
    # 5 batches in total, fed as epochs of 2, 2 and 1 batch(es): the stream is never rewound.
    with pytest.warns(UserWarning, match="ran out of data"):
        hist = model.fit(_batches(x, y), steps_per_epoch=2, epochs=4, verbose=0,
                         callbacks=[counter])
    assert counter.params_steps == 2
    assert counter.epoch_steps == [2, 2, 1]
    assert len(hist.history["loss"]) == 3
    for a, b in zip(_weights(ref), _weights(model)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_spent_generator_stops_training_with_a_warning():
    x, y = _data()
    model, counter = _model(), StepCounter()
    with pytest.warns(UserWarning, match="ran out of data"):
        hist = model.fit(_batches(x, y), epochs=3, verbose=0, callbacks=[counter])
    assert counter.epoch_steps == [N // BATCH]
    assert len(hist.history["loss"]) == 1


def test_one_epoch_generator_does_not_warn():
    x, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _model().fit(_batches(x, y), epochs=1, verbose=0)


def test_plain_iterator_of_lists():
    x, y = _data()
    ref, ref_hist = _reference(x, y)
    model = _model()
    hist = model.fit(iter([[bx, by] for bx, by in _batches(x, y)]), verbose=0)
    _assert_same(ref, ref_hist, model, hist.history)


def test_generator_sample_weight_1d_and_class_weight_per_batch():
    x, y = _data()
    w = np.linspace(0.5, 2.0, N).astype("float32")
    ref, ref_hist = _reference(x, y, sample_weight=w)
    model = _model()
    hist = model.fit(_batches(x, y, w), verbose=0)
    _assert_same(ref, ref_hist, model, hist.history)

    labels = (x[:, 0] > 0).astype("int64")
    cw = {0: 0.5, 1: 3.0}
    kw = {"loss": "sparse_categorical_crossentropy", "units": 2, "activation": "softmax",
          "metrics": ("accuracy",)}
    ref, ref_hist = _reference(x, labels, class_weight=cw, model_kw=kw)
    model = _model(**kw)
    hist = model.fit(_batches(x, labels), class_weight=cw, verbose=0)
    _assert_same(ref, ref_hist, model, hist.history)


def test_per_timestep_sample_weight_from_generator():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 5, 2)).astype("float32")
    y = rng.normal(size=(16, 5, 1)).astype("float32")
    w = rng.uniform(0.1, 2.0, size=(16, 5)).astype("float32")

    def make():
        keras.utils.set_random_seed(0)
        m = keras.Sequential([keras.Input((5, 2)), layers.Dense(1)])
        m.compile(optimizer="sgd", loss="mse")
        return m

    ref = make()
    ref_hist = ref.fit(x, y, sample_weight=w, batch_size=4, shuffle=False, verbose=0)
    model = make()
    hist = model.fit(_batches(x, y, w, size=4), verbose=0)
    _assert_same(ref, ref_hist.history, model, hist.history)
    unweighted = make()
    unweighted.fit(_batches(x, y, size=4), verbose=0)
    assert not np.allclose(unweighted.get_weights()[0], model.get_weights()[0])


def test_validation_data_as_generator_and_dataloader():
    x, y = _data()
    xv, yv = _data(16, seed=1)
    ref, ref_hist = _reference(x, y, validation_data=(xv, yv))
    model = _model()
    hist = model.fit(x, y, batch_size=BATCH, shuffle=False, verbose=0,
                     validation_data=_batches(xv, yv))
    _assert_same(ref, ref_hist, model, hist.history)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(xv), torch.from_numpy(yv)),
        batch_size=BATCH)
    ref, ref_hist = _reference(x, y, epochs=2, validation_data=(xv, yv))
    model = _model()
    hist = model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                     validation_data=loader)
    _assert_same(ref, ref_hist, model, hist.history)


# -- iterables: a PyTorch DataLoader ---------------------------------------------------------
def test_torch_dataloader_matches_arrays_every_epoch():
    x, y = _data()
    ref, ref_hist = _reference(x, y, epochs=3)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
        batch_size=BATCH, shuffle=False)
    model, counter = _model(), StepCounter()
    hist = model.fit(loader, epochs=3, verbose=0, callbacks=[counter])
    _assert_same(ref, ref_hist, model, hist.history)
    assert counter.params_steps == len(loader) == N // BATCH  # known up front
    assert counter.epoch_steps == [N // BATCH] * 3  # a fresh pass each epoch
    x_only = torch.utils.data.DataLoader(torch.from_numpy(x), batch_size=BATCH)
    np.testing.assert_allclose(model.predict(x_only, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    assert model.evaluate(loader, verbose=0) == pytest.approx(
        model.evaluate(x, y, batch_size=BATCH, verbose=0), rel=1e-6)


def test_dataloader_with_steps_per_epoch_wraps_to_a_new_pass():
    x, y = _data()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
        batch_size=BATCH)
    counter = StepCounter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _model().fit(loader, steps_per_epoch=3, epochs=3, verbose=0, callbacks=[counter])
    assert counter.epoch_steps == [3, 3, 3]


def test_progress_display_total_steps(capsys):
    x, y = _data()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
        batch_size=BATCH)
    _model().fit(loader, verbose=2)
    assert f"{N // BATCH}/{N // BATCH}" in capsys.readouterr().out


# -- errors ----------------------------------------------------------------------------------
def test_generator_yielding_wrong_tuple_length():
    x, y = _data()
    model = _model()
    before = _weights(model)
    with pytest.raises(ValueError, match="tuple of length 4"):
        model.fit(((x[:8], y[:8], y[:8, 0], y[:8]) for _ in range(3)), verbose=0)
    for a, b in zip(before, _weights(model)):
        np.testing.assert_array_equal(a, b)


def test_generator_yielding_mismatched_lengths():
    x, y = _data()
    with pytest.raises(ValueError, match="cardinality"):
        _model().fit(((x[:8], y[:7]) for _ in range(3)), verbose=0)


def test_generator_yielding_nan():
    x, y = _data()
    bad = x[:8].copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _model().fit(iter([(x[:8], y[:8]), (bad, y[:8])]), verbose=0)


def test_first_streamed_batch_checked_before_any_update():
    x, y = _data()
    model = _model()
    before = _weights(model)
    with pytest.raises(ValueError, match="shape"):
        model.fit(iter([(x[:8, :2], y[:8])]), verbose=0)
    for a, b in zip(before, _weights(model)):
        np.testing.assert_array_equal(a, b)


def test_validation_split_with_generator_is_rejected():
    x, y = _data()
    with pytest.raises(ValueError, match="validation_split"):
        _model().fit(_batches(x, y), validation_split=0.2, verbose=0)


@pytest.mark.parametrize("arg", ["y", "sample_weight"])
def test_y_or_sample_weight_beside_a_generator_is_rejected(arg):
    x, y = _data()
    with pytest.raises(ValueError, match=f"`{arg}` must not be passed"):
        _model().fit(_batches(x, y), **{arg: y}, verbose=0)


def test_class_weight_with_weighted_batches_is_rejected():
    x, y = _data()
    w = np.ones(N, "float32")
    with pytest.raises(ValueError, match="class_weight"):
        _model().fit(_batches(x, y, w), class_weight={0: 1.0}, verbose=0)


def test_unrecognized_type_is_rejected():
    with pytest.raises((TypeError, ValueError)):
        _model().fit(object(), verbose=0)
