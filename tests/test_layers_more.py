"""EinsumDense, RMSNormalization, the adaptive pools, GroupQueryAttention, ConvLSTM*,
SpectralNormalization, ReversibleEmbedding, the spectrograms, Wrapper, TFSMLayer and
keras.layers.serialize/deserialize: the layer harness (PyTorch where it has the layer), float64
gradient checks, .keras round trips and argument errors. Values against real Keras are in
tests/golden_cases/layers_misc*.py."""

import numpy as np
import pytest
import torch

from numen import keras, layers, testing
from numen.autodiff import Tensor


def _save_round_trip(tmp_path, layer, x, **call_kwargs):
    """A model of `layer` saved to .keras and loaded predicts the same."""
    inputs = keras.Input(x.shape[1:], dtype=str(x.dtype))
    model = keras.Model(inputs, layer(inputs, **call_kwargs))
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)
    return loaded


# -- RMSNormalization and the adaptive pools against PyTorch ----------------------------------

def test_rms_normalization_matches_torch():
    def torch_forward(x, w):
        return torch.nn.functional.rms_norm(x, (5,), w[0], eps=1e-6)

    testing.check_layer(layers.RMSNormalization, {}, (2, 3, 5), torch_forward=torch_forward,
                        expected_weight_shapes=[(5,)])


def test_rms_normalization_two_axes_matches_torch():
    def torch_forward(x, w):
        return torch.nn.functional.rms_norm(x, (3, 4), w[0], eps=1e-3)

    testing.check_layer(layers.RMSNormalization, {"axis": [-2, -1], "epsilon": 1e-3},
                        (2, 3, 4), torch_forward=torch_forward, expected_weight_shapes=[(3, 4)])


_TORCH_POOLS = {
    (1, "avg"): torch.nn.functional.adaptive_avg_pool1d,
    (2, "avg"): torch.nn.functional.adaptive_avg_pool2d,
    (3, "avg"): torch.nn.functional.adaptive_avg_pool3d,
    (1, "max"): torch.nn.functional.adaptive_max_pool1d,
    (2, "max"): torch.nn.functional.adaptive_max_pool2d,
    (3, "max"): torch.nn.functional.adaptive_max_pool3d,
}


@pytest.mark.parametrize("rank,kind,spatial,size", [
    (1, "avg", (7,), 3), (2, "avg", (5, 7), (2, 3)), (3, "avg", (3, 4, 5), 2),
    (1, "max", (9,), 4), (2, "max", (7, 6), 3), (3, "max", (4, 3, 5), (2, 1, 3)),
])
def test_adaptive_pooling_matches_torch(rank, kind, spatial, size):
    name = f"Adaptive{'Average' if kind == 'avg' else 'Max'}Pooling{rank}D"
    cls = getattr(layers, name)
    sizes = (size,) * rank if isinstance(size, int) else size

    def torch_forward(x, w):  # channels_last in numen, channels_first in torch
        first = x.movedim(-1, 1)
        return _TORCH_POOLS[(rank, kind)](first, sizes).movedim(1, -1)

    testing.check_layer(cls, {"output_size": size}, (2, *spatial, 3),
                        torch_forward=torch_forward,
                        expected_output_shape=(2, *sizes, 3))


def test_adaptive_pooling_channels_first_and_config():
    x = testing.randn((2, 3, 8, 6), "float32")
    layer = layers.AdaptiveAveragePooling2D(4, data_format="channels_first")
    expected = torch.nn.functional.adaptive_avg_pool2d(torch.tensor(x), 4).numpy()
    testing.assert_close(layer(x), expected, rtol=1e-5, atol=1e-6)
    assert layer.get_config()["output_size"] == (4, 4)
    assert layer.compute_output_shape((None, 3, 8, 6)) == (None, 3, 4, 4)


# -- the harness and float64 gradients for the rest ---------------------------------------

@pytest.mark.parametrize("kwargs,shape,out,weights", [
    ({"equation": "abc,cd->abd", "output_shape": (None, 5), "bias_axes": "d"}, (2, 3, 4),
     (2, 3, 5), [(4, 5), (5,)]),
    ({"equation": "abc,cde->abde", "output_shape": (None, 2, 3), "bias_axes": "e",
      "activation": "tanh"}, (2, 3, 4), (2, 3, 2, 3), [(4, 2, 3), (3,)]),
    ({"equation": "...b,bc->...c", "output_shape": 3}, (2, 3, 4), (2, 3, 3), [(4, 3)]),
])
def test_einsum_dense_harness(kwargs, shape, out, weights):
    testing.check_layer(layers.EinsumDense, kwargs, shape, expected_output_shape=out,
                        expected_weight_shapes=weights)


def test_einsum_dense_equals_dense_and_grad():
    layer = layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c", dtype="float64")
    x = testing.randn((3, 5))
    layer(x)
    dense = layers.Dense(4, dtype="float64")
    dense(x)
    dense.set_weights(layer.get_weights())
    testing.assert_close(layer(x), dense(x))
    testing.check_grad(lambda t: layer(t), [x])


@pytest.mark.parametrize("cls,shape,kwargs", [
    ("ConvLSTM1D", (2, 3, 6, 2), {"filters": 2, "kernel_size": 3}),
    ("ConvLSTM2D", (1, 3, 4, 5, 2), {"filters": 2, "kernel_size": 2, "padding": "same",
                                     "return_sequences": True}),
    ("ConvLSTM3D", (1, 2, 3, 3, 3, 1), {"filters": 2, "kernel_size": 2}),
])
def test_conv_lstm_harness(cls, shape, kwargs):
    testing.check_layer(getattr(layers, cls), kwargs, shape)


def test_conv_lstm_grad_and_states():
    layer = layers.ConvLSTM1D(2, 2, return_state=True, dtype="float64")
    x = testing.randn((2, 3, 5, 2))
    y, h, c = layer(x)
    testing.assert_close(y, h)
    assert c.shape == (2, 4, 2)
    testing.check_grad(lambda t: layer(t)[0], [x])
    stateful = layers.ConvLSTM1D(2, 2, stateful=True, dtype="float64")
    stateful.build((2, 3, 5, 2))
    stateful.set_weights(layer.get_weights()[:3])
    first = stateful(x).numpy()
    assert not np.allclose(stateful(x).numpy(), first)  # carried states change the output
    stateful.reset_state()
    testing.assert_close(stateful(x), first)


def test_conv_lstm_mask_keeps_state():
    layer = layers.ConvLSTM1D(2, 2, return_sequences=True, dtype="float64")
    x = testing.randn((2, 3, 5, 2))
    mask = np.array([[True, True, False], [True, True, True]])
    y = layer(x, mask=mask).numpy()
    np.testing.assert_allclose(y[0, 2], y[0, 1])
    short = layer(x[:, :2]).numpy()
    np.testing.assert_allclose(y[:, :2], short)


def test_group_query_attention_equals_multi_head_when_heads_match():
    q = testing.randn((2, 4, 6), "float32")
    v = testing.randn((2, 5, 6), "float32", seed=1)
    gqa = layers.GroupQueryAttention(head_dim=3, num_query_heads=2, num_key_value_heads=2)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    gqa(q, v)
    mha(q, v)
    mha.set_weights(gqa.get_weights())
    testing.assert_close(gqa(q, v, use_causal_mask=True), mha(q, v, use_causal_mask=True),
                         rtol=1e-5, atol=1e-5)


def test_group_query_attention_grad_config_and_scores():
    layer = layers.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2,
                                       use_gate=True, dtype="float64")
    q, v = testing.randn((2, 3, 4)), testing.randn((2, 5, 4), seed=1)
    out, scores = layer(q, v, return_attention_scores=True)
    assert out.shape == (2, 3, 4) and scores.shape == (2, 4, 3, 5)
    testing.assert_close(scores.numpy().sum(-1), np.ones((2, 4, 3)))
    testing.check_grad(lambda a, b: layer(a, b), [q, v])
    clone = layers.GroupQueryAttention.from_config(layer.get_config())
    clone(q, v)
    clone.set_weights(layer.get_weights())
    testing.assert_close(clone(q, v), layer(q, v))


def test_spectral_normalization_harness_and_norm():
    testing.check_layer(layers.SpectralNormalization, {"layer": layers.Dense(3)}, (2, 4),
                        expected_weight_shapes=[(4, 3), (1, 3), (3,)])
    sn = layers.SpectralNormalization(layers.Conv1D(3, 2), power_iterations=5)
    x = testing.randn((2, 6, 2), "float32")
    for _ in range(5):
        sn(x, training=True)
    kernel = sn.layer.kernel.numpy().reshape(-1, 3)
    assert abs(np.linalg.svd(kernel, compute_uv=False)[0] - 1) < 1e-3
    before = sn.layer.kernel.numpy().copy()
    sn(x)  # inference leaves the kernel alone
    np.testing.assert_array_equal(sn.layer.kernel.numpy(), before)
    assert [w.trainable for w in sn.weights] == [True, False, True]


def test_reversible_embedding_harness_and_grad():
    ids = np.array([[1, 2, 0], [4, 3, 2]])
    testing.check_layer(layers.ReversibleEmbedding, {"input_dim": 5, "output_dim": 3},
                        (2, 3), input_data=ids, expected_output_shape=(2, 3, 3))
    layer = layers.ReversibleEmbedding(5, 3, tie_weights=False, logit_soft_cap=2.0,
                                       dtype="float64")
    layer(ids)
    h = testing.randn((2, 3))
    logits = layer(h, reverse=True)
    assert logits.shape == (2, 5) and float(np.abs(logits.numpy()).max()) < 2.0
    testing.check_grad(lambda t: layer(t, reverse=True), [h])
    tied = layers.ReversibleEmbedding(5, 3, dtype="float64")
    tied(ids)
    testing.assert_close(tied(h, reverse=True), h @ tied.embeddings.numpy().T)


def test_spectrograms_harness_and_grad():
    testing.check_layer(layers.STFTSpectrogram, {"frame_length": 8, "mode": "magnitude"},
                        (2, 32, 1), expected_output_shape=(2, 7, 5),
                        expected_weight_shapes=[(8, 1, 5), (8, 1, 5)])
    stft = layers.STFTSpectrogram(frame_length=8, mode="real", dtype="float64")
    testing.check_grad(lambda t: stft(t), [testing.randn((1, 24, 2))])
    mel = layers.MelSpectrogram(fft_length=16, sequence_stride=4, num_mel_bins=4,
                                sampling_rate=800, power_to_db=False, dtype="float64")
    x = testing.randn((2, 32))
    assert mel(x).shape == (2, 4, 9)
    testing.check_grad(lambda t: mel(t), [x], rtol=1e-4)
    config = layers.MelSpectrogram(fft_length=16).get_config()
    assert config["sequence_length"] == 16 and config["max_freq"] == 8000


def test_mel_spectrogram_matches_power_spectrum_by_hand():
    mel = layers.MelSpectrogram(fft_length=16, sequence_stride=4, num_mel_bins=4,
                                sampling_rate=800, power_to_db=False, window=None,
                                dtype="float64")
    x = testing.randn((1, 32))
    padded = np.pad(x[0], 8, mode="reflect")
    frames = np.stack([padded[i:i + 16] for i in range(0, len(padded) - 15, 4)])
    power = np.abs(np.fft.rfft(frames, axis=-1)) ** 2
    from numen.layers.spectrogram import mel_weight_matrix

    expected = (power @ mel_weight_matrix(4, 9, 800, 20.0, 400, "float64")).T
    testing.assert_close(mel(x)[0], expected, rtol=1e-6, atol=1e-8)


# -- saving ------------------------------------------------------------------------------

@pytest.mark.parametrize("make,x", [
    (lambda: layers.EinsumDense("abc,cd->abd", output_shape=(None, 5), bias_axes="d"),
     testing.randn((2, 3, 4), "float32")),
    (lambda: layers.RMSNormalization(axis=[1, 2]), testing.randn((2, 3, 4), "float32")),
    (lambda: layers.AdaptiveMaxPooling2D((2, 3)), testing.randn((2, 5, 7, 2), "float32")),
    (lambda: layers.ConvLSTM2D(2, 2, return_sequences=True),
     testing.randn((2, 3, 4, 4, 2), "float32")),
    (lambda: layers.SpectralNormalization(layers.Dense(3)), testing.randn((2, 4), "float32")),
    (lambda: layers.ReversibleEmbedding(6, 3, tie_weights=False),
     np.array([[1, 2, 5], [0, 3, 4]], dtype="int32")),
    (lambda: layers.STFTSpectrogram(frame_length=8, expand_dims=True),
     testing.randn((2, 32, 2), "float32")),
    (lambda: layers.MelSpectrogram(fft_length=16, sequence_stride=8, num_mel_bins=4),
     testing.randn((2, 40), "float32")),
])
def test_keras_file_round_trip(tmp_path, make, x):
    _save_round_trip(tmp_path, make(), x)


def test_group_query_attention_round_trip(tmp_path):
    q = keras.Input((4, 6))
    v = keras.Input((5, 6))
    out = layers.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=1,
                                     sliding_window=2)(q, v)
    model = keras.Model([q, v], out)
    xs = [testing.randn((2, 4, 6), "float32"), testing.randn((2, 5, 6), "float32", seed=1)]
    model.save(str(tmp_path / "gqa.keras"))
    loaded = keras.models.load_model(str(tmp_path / "gqa.keras"))
    assert type(loaded.layers[-1]).__name__ == "GroupedQueryAttention"
    np.testing.assert_allclose(loaded.predict(xs, verbose=0), model.predict(xs, verbose=0),
                               rtol=1e-6, atol=1e-6)


def test_serialize_deserialize_and_wrapper_subclass():
    entry = layers.serialize(layers.EinsumDense("ab,bc->ac", output_shape=3, name="proj"))
    assert entry["class_name"] == "EinsumDense" and entry["module"] == "keras.layers"
    back = layers.deserialize(entry)
    assert isinstance(back, layers.EinsumDense) and back.name == "proj"
    gqa = layers.serialize(layers.GroupQueryAttention(2, 2, 1))
    assert gqa["class_name"] == "GroupQueryAttention"
    assert isinstance(layers.deserialize(gqa), layers.GroupQueryAttention)

    class Twice(layers.Wrapper):
        def call(self, x):
            return self.layer(self.layer(x))

    twice = Twice(layers.Dense(3, dtype="float64"), dtype="float64")
    x = testing.randn((2, 3))
    y = twice(x)
    inner = twice.layer
    testing.assert_close(y, inner(inner(x)))
    clone = Twice.from_config(twice.get_config())
    assert isinstance(clone.layer, layers.Dense) and clone.layer.units == 3
    assert keras.layers.Wrapper is layers.Wrapper and keras.layers.serialize is layers.serialize


# -- errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("make,match", [
    (lambda: layers.EinsumDense("abc->ac", output_shape=3), "equation"),
    (lambda: layers.EinsumDense(3, output_shape=3), "equation"),
    (lambda: layers.GroupQueryAttention(2, 3, 2), "multiple"),
    (lambda: layers.GroupQueryAttention(0, 2, 2), "head_dim"),
    (lambda: layers.AdaptiveAveragePooling2D((2, 3, 4)), "output_size"),
    (lambda: layers.AdaptiveMaxPooling1D(0), "output_size"),
    (lambda: layers.ConvLSTM2D(2, (2, 2, 2)), "kernel_size"),
    (lambda: layers.ConvLSTM1D(0, 2), "filters"),
    (lambda: layers.SpectralNormalization(layers.Dense(2), power_iterations=0),
     "power_iterations"),
    (lambda: layers.SpectralNormalization("dense"), "Layer instance"),
    (lambda: layers.Wrapper(3), "Layer instance"),
    (lambda: layers.ReversibleEmbedding(4, 2, logit_soft_cap=-1.0), "logit_soft_cap"),
    (lambda: layers.STFTSpectrogram(mode="loud"), "mode"),
    (lambda: layers.STFTSpectrogram(frame_length=8, frame_step=9), "frame_step"),
    (lambda: layers.STFTSpectrogram(frame_length=8, fft_length=4), "fft_length"),
    (lambda: layers.MelSpectrogram(fft_length=16, sequence_length=32), "sequence_length"),
    (lambda: layers.RMSNormalization(axis="last"), "axis"),
    (lambda: layers.TFSMLayer("saved_model_dir"), "SavedModel"),
])
def test_bad_arguments_raise_clear_errors(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="rank"):
        layers.EinsumDense("abc,cd->abd", output_shape=(None, 2))(np.ones((2, 3)))
    with pytest.raises(ValueError, match="kernel axis"):
        layers.EinsumDense("ab,bcx->ac", output_shape=2)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="bias axis"):
        layers.EinsumDense("ab,bc->ac", output_shape=2, bias_axes="z")(np.ones((2, 3)))
    with pytest.raises(ValueError, match="out of range"):
        layers.RMSNormalization(axis=3)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="ndim|rank|dimension"):
        layers.ConvLSTM2D(2, 2)(np.ones((2, 3, 4, 4)))
    with pytest.raises(ValueError, match="kernel_size"):
        layers.ConvLSTM1D(2, 5)(np.ones((1, 2, 3, 1)))
    with pytest.raises(ValueError, match="kernel"):
        layers.SpectralNormalization(layers.ReLU())(np.ones((2, 3)))
    with pytest.raises(TypeError, match="float"):
        layers.STFTSpectrogram(frame_length=8)(Tensor(np.ones((1, 16, 1), "int32")))
    layer = layers.ReversibleEmbedding(5, 3)
    layer(np.array([[1]]))
    with pytest.raises(ValueError, match="output_dim"):
        layer(np.ones((2, 4), "float32"), reverse=True)


def test_new_layers_train_in_fit():
    """One epoch of fit through each trainable layer lowers nothing in particular but runs:
    training=True reaches SpectralNormalization (its kernel is renormalized) and dropout."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3, 4, 4, 2)).astype("float32")
    y = rng.standard_normal((8, 2)).astype("float32")
    conv = keras.Sequential([keras.Input((3, 4, 4, 2)),
                             layers.ConvLSTM2D(2, 2, dropout=0.2, recurrent_dropout=0.2),
                             layers.Flatten(),
                             layers.SpectralNormalization(layers.Dense(2))])
    conv.compile(optimizer="sgd", loss="mse")
    history = conv.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    kernel = conv.layers[-1].layer.kernel.numpy()
    assert abs(np.linalg.svd(kernel, compute_uv=False)[0] - 1) < 0.1

    ids = keras.Input((5,), dtype="int32")
    embed = layers.ReversibleEmbedding(7, 4, mask_zero=True)
    h = embed(ids)
    h = layers.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1,
                                   dropout=0.1)(h, h)
    h = layers.RMSNormalization()(layers.EinsumDense("abc,cd->abd", (None, 4))(h))
    logits = embed(h, reverse=True)
    model = keras.Model(ids, logits)
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    tokens = rng.integers(1, 7, (8, 5)).astype("int32")
    history = model.fit(tokens, tokens, epochs=3, batch_size=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_bidirectional_and_time_distributed_are_wrappers_as_in_keras():
    from numen.keras import layers as keras_layers

    assert isinstance(keras_layers.Bidirectional(keras_layers.LSTM(2)), keras_layers.Wrapper)
    assert isinstance(keras_layers.TimeDistributed(keras_layers.Dense(2)), keras_layers.Wrapper)
    with pytest.raises(ValueError, match="TimeDistributed: `layer` must be a Layer"):
        keras_layers.TimeDistributed(3)


def test_a_layer_takes_its_inputs_by_the_name_of_calls_first_argument():
    from numen.keras import layers as keras_layers

    attention = keras_layers.MultiHeadAttention(num_heads=2, key_dim=4)
    q = np.random.default_rng(0).normal(size=(2, 3, 8)).astype("float32")
    by_name = attention(query=q, value=q, key=q)
    np.testing.assert_allclose(np.asarray(by_name), np.asarray(attention(q, q, q)), rtol=1e-6)
    symbolic = attention(query=keras.Input((3, 8)), value=keras.Input((5, 8)))
    assert tuple(symbolic.shape) == (None, 3, 8)
    with pytest.raises(TypeError, match="called without inputs.*`query=`"):
        attention(value=q)
