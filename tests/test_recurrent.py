"""Recurrent layers, cells, wrappers and the fused scan ops, against PyTorch in float64."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.func import functional_call  # noqa: E402

from numen import activations, backend, layers, ops, testing  # noqa: E402
from numen.autodiff import Tensor, gradients, no_grad  # noqa: E402

B, T, F, U = 3, 5, 4, 6


# -- PyTorch references with Keras's weight layouts mapped in ------------------------------
def _gru_reorder(w):
    """Keras gate blocks z, r, h -> PyTorch's r, z, n along the last axis."""
    z, r, h = torch.chunk(w, 3, dim=-1)
    return torch.cat([r, z, h], dim=-1)


def torch_lstm(x, w, h0=None, num_layers=1, bidirectional=False):
    """Weights [kernel, recurrent_kernel, bias] per layer/direction, Keras layout."""
    module = torch.nn.LSTM(x.shape[-1], w[1].shape[0], num_layers=num_layers,
                           batch_first=True, bidirectional=bidirectional).double()
    params = {}
    suffixes = [f"l{k}" for k in range(num_layers)]
    if bidirectional:
        suffixes = ["l0", "l0_reverse"]
    for k, sfx in enumerate(suffixes):
        kernel, rec, bias = w[3 * k:3 * k + 3]
        params[f"weight_ih_{sfx}"] = kernel.T
        params[f"weight_hh_{sfx}"] = rec.T
        params[f"bias_ih_{sfx}"] = bias
        params[f"bias_hh_{sfx}"] = torch.zeros_like(bias)
    args = (x,) if h0 is None else (x, h0)
    return functional_call(module, params, args)


def torch_gru(x, w, h0=None):
    module = torch.nn.GRU(x.shape[-1], w[1].shape[0], batch_first=True).double()
    params = {"weight_ih_l0": _gru_reorder(w[0]).T, "weight_hh_l0": _gru_reorder(w[1]).T,
              "bias_ih_l0": _gru_reorder(w[2][0]), "bias_hh_l0": _gru_reorder(w[2][1])}
    return functional_call(module, params, (x,) if h0 is None else (x, h0))


def torch_rnn(x, w):
    module = torch.nn.RNN(x.shape[-1], w[1].shape[0], batch_first=True).double()
    params = {"weight_ih_l0": w[0].T, "weight_hh_l0": w[1].T, "bias_ih_l0": w[2],
              "bias_hh_l0": torch.zeros_like(w[2])}
    return functional_call(module, params, (x,))


def _select(out, return_sequences, go_backwards, x_flip):
    return out if return_sequences else out[:, -1]


def _sequence_forward(torch_fn, return_sequences, go_backwards):
    def forward(x, w):
        seq, _ = torch_fn(x.flip(1) if go_backwards else x, w)
        return seq if return_sequences else seq[:, -1]
    return forward


# -- the three layers through check_layer ---------------------------------------------------
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_lstm_matches_torch(return_sequences, go_backwards):
    out_shape = (B, T, U) if return_sequences else (B, U)
    testing.check_layer(
        layers.LSTM, {"units": U, "return_sequences": return_sequences,
                      "go_backwards": go_backwards, "bias_initializer": "random_normal"},
        (B, T, F), expected_output_shape=out_shape,
        expected_weight_shapes=[(F, 4 * U), (U, 4 * U), (4 * U,)],
        torch_forward=_sequence_forward(torch_lstm, return_sequences, go_backwards))


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_gru_matches_torch(return_sequences, go_backwards):
    out_shape = (B, T, U) if return_sequences else (B, U)
    testing.check_layer(
        layers.GRU, {"units": U, "return_sequences": return_sequences,
                     "go_backwards": go_backwards, "bias_initializer": "random_normal"},
        (B, T, F), expected_output_shape=out_shape,
        expected_weight_shapes=[(F, 3 * U), (U, 3 * U), (2, 3 * U)],
        torch_forward=_sequence_forward(torch_gru, return_sequences, go_backwards))


@pytest.mark.parametrize("return_sequences", [False, True])
def test_simple_rnn_matches_torch(return_sequences):
    testing.check_layer(
        layers.SimpleRNN, {"units": U, "return_sequences": return_sequences,
                           "bias_initializer": "random_normal"},
        (B, T, F), expected_weight_shapes=[(F, U), (U, U), (U,)],
        torch_forward=_sequence_forward(torch_rnn, return_sequences, False))


def test_gru_reset_before_matches_manual_torch():
    def forward(x, w):
        kernel, rec, bias = w
        h = torch.zeros(x.shape[0], U, dtype=torch.float64)
        for t in range(x.shape[1]):
            xw = x[:, t] @ kernel + bias
            a = h @ rec[:, :2 * U]
            z = torch.sigmoid(xw[:, :U] + a[:, :U])
            r = torch.sigmoid(xw[:, U:2 * U] + a[:, U:])
            hh = torch.tanh(xw[:, 2 * U:] + (r * h) @ rec[:, 2 * U:])
            h = z * h + (1 - z) * hh
        return h

    testing.check_layer(layers.GRU, {"units": U, "reset_after": False,
                                     "bias_initializer": "random_normal"}, (B, T, F),
                        expected_weight_shapes=[(F, 3 * U), (U, 3 * U), (3 * U,)],
                        torch_forward=forward)


def test_stacked_cells_match_two_layer_torch_lstm():
    def forward(x, w):
        return torch_lstm(x, w, num_layers=2)[0]

    testing.check_layer(layers.RNN, {"cell": [layers.LSTMCell(U), layers.LSTMCell(U)],
                                     "return_sequences": True}, (B, T, F),
                        expected_output_shape=(B, T, U), torch_forward=forward)


def test_bidirectional_lstm_matches_torch():
    def forward(x, w):
        return torch_lstm(x, w, bidirectional=True)[0]

    testing.check_layer(layers.Bidirectional,
                        {"layer": layers.LSTM(U, return_sequences=True, dtype="float64")},
                        (B, T, F), expected_output_shape=(B, T, 2 * U),
                        expected_weight_shapes=[(F, 4 * U), (U, 4 * U), (4 * U,)] * 2,
                        torch_forward=forward)


def test_bidirectional_last_output_matches_torch():
    def forward(x, w):
        seq = torch_lstm(x, w, bidirectional=True)[0]
        return torch.cat([seq[:, -1, :U], seq[:, 0, U:]], dim=-1)

    testing.check_layer(layers.Bidirectional, {"layer": layers.LSTM(U, dtype="float64")},
                        (B, T, F), expected_output_shape=(B, 2 * U), torch_forward=forward)


@pytest.mark.parametrize("mode", ["sum", "mul", "ave", None])
def test_bidirectional_merge_modes(mode):
    x = testing.randn((B, T, F))
    concat = layers.Bidirectional(layers.GRU(U, return_sequences=True), dtype="float64")
    other = layers.Bidirectional(layers.GRU(U, return_sequences=True), merge_mode=mode,
                                 dtype="float64")
    y = concat(x).numpy()
    other(x)
    other.set_weights(concat.get_weights())
    fwd, bwd = y[..., :U], y[..., U:]
    got = other(x)
    expected = {"sum": fwd + bwd, "mul": fwd * bwd, "ave": (fwd + bwd) / 2}
    if mode is None:
        testing.assert_close(got[0], fwd)
        testing.assert_close(got[1], bwd)
    else:
        testing.assert_close(got, expected[mode])


def test_bidirectional_rejects_bad_merge_mode():
    with pytest.raises(ValueError, match="merge_mode.*'max'"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")


def test_time_distributed_dense_matches_torch():
    testing.check_layer(layers.TimeDistributed, {"layer": layers.Dense(U, dtype="float64")},
                        (B, T, F), expected_output_shape=(B, T, U),
                        expected_weight_shapes=[(F, U), (U,)],
                        torch_forward=lambda x, w: x @ w[0] + w[1])


# -- states -----------------------------------------------------------------------------------
def test_lstm_return_state_and_initial_state_match_torch():
    x = testing.randn((B, T, F))
    h0, c0 = testing.randn((B, U), seed=3), testing.randn((B, U), seed=4)
    layer = layers.LSTM(U, return_sequences=True, return_state=True, dtype="float64",
                        bias_initializer="random_normal")
    xt, ht, ct = (Tensor(a.copy(), requires_grad=True) for a in (x, h0, c0))
    seq, h, c = layer(xt, initial_state=[ht, ct])
    assert seq.shape == (B, T, U) and h.shape == (B, U) and c.shape == (B, U)
    loss = (seq * seq).sum() + (h * testing.randn((B, U), seed=5)).sum() + (c * c * c).sum()
    gx, gh, gc, *gw = gradients(loss, [xt, ht, ct] + layer.trainable_weights)

    tx, th, tc = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    tw = [torch.tensor(w.numpy(), requires_grad=True) for w in layer.weights]
    tseq, (hn, cn) = torch_lstm(tx, tw, (th[None], tc[None]))
    testing.assert_close(seq, tseq.detach().numpy(), 1e-5)
    testing.assert_close(h, hn[0].detach().numpy(), 1e-5)
    testing.assert_close(c, cn[0].detach().numpy(), 1e-5)
    tloss = ((tseq ** 2).sum() + (hn[0] * torch.tensor(testing.randn((B, U), seed=5))).sum()
             + (cn[0] ** 3).sum())
    tloss.backward()
    for ours, ref in zip([gx, gh, gc] + gw, [tx.grad, th.grad, tc.grad] + [w.grad for w in tw]):
        testing.assert_close(ours, ref.numpy(), 1e-5)


def test_gru_initial_state_matches_torch():
    x, h0 = testing.randn((B, T, F)), testing.randn((B, U), seed=2)
    layer = layers.GRU(U, return_state=True, dtype="float64", bias_initializer="random_normal")
    out, h = layer(x, initial_state=h0)
    tw = [torch.tensor(w.numpy()) for w in layer.weights]
    _, hn = torch_gru(torch.tensor(x), tw, torch.tensor(h0)[None])
    testing.assert_close(out, hn[0].numpy(), 1e-5)
    testing.assert_close(h, out)


def test_initial_state_count_is_checked():
    layer = layers.LSTM(2)
    with pytest.raises(ValueError, match="lstm.*2 initial state"):
        layer(np.zeros((1, 3, 2)), initial_state=[np.zeros((1, 2))])


def test_stateful_layer_carries_states_between_calls():
    x = testing.randn((2, 6, F))
    whole = layers.LSTM(U, dtype="float64", return_sequences=True)
    stateful = layers.LSTM(U, dtype="float64", return_sequences=True, stateful=True)
    full = whole(x).numpy()
    stateful(x[:, :3])
    stateful.set_weights(whole.get_weights())
    stateful.reset_state()
    first, second = stateful(x[:, :3]).numpy(), stateful(x[:, 3:]).numpy()
    testing.assert_close(np.concatenate([first, second], axis=1), full, 1e-10)
    stateful.reset_state()
    testing.assert_close(stateful(x[:, :3]), first, 1e-10)


# -- masks ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN])
def test_right_padded_mask_equals_truncated_sequences(cls):
    x = testing.randn((2, T, F))
    lengths = [T, 2]
    mask = np.arange(T)[None, :] < np.array(lengths)[:, None]
    layer = cls(U, dtype="float64", return_sequences=True, return_state=True)
    seq, *_ = layer(x, mask=mask)
    seq = seq.numpy()
    for b, n in enumerate(lengths):
        ref = layer(x[b:b + 1, :n])[0].numpy()[0]
        testing.assert_close(seq[b, :n], ref, 1e-10)
        # masked steps repeat the last real output, as Keras does
        testing.assert_close(seq[b, n:], np.repeat(ref[-1:], T - n, axis=0), 1e-10)


def test_fused_and_composed_paths_agree_with_masks():
    """The composed per-step path (non-default activation object) checks the fused op."""
    x = testing.randn((B, T, F))
    mask = testing.randn((B, T), seed=7) > -0.5
    fused = layers.LSTM(U, dtype="float64", return_sequences=True, go_backwards=True)
    composed = layers.LSTM(U, dtype="float64", return_sequences=True, go_backwards=True,
                           activation=lambda v: activations.tanh(v))
    fused(x)
    composed(x)
    composed.set_weights(fused.get_weights())
    for zero_output in (False, True):
        fused.zero_output_for_mask = composed.zero_output_for_mask = zero_output
        outs, grads = [], []
        for layer in (fused, composed):
            xt = Tensor(x.copy(), requires_grad=True)
            y = layer(xt, mask=mask)
            outs.append(y.numpy())
            grads.append(gradients((y * y).sum(), [xt] + layer.trainable_weights))
        testing.assert_close(outs[0], outs[1], 1e-10)
        for a, b in zip(*grads):
            testing.assert_close(a, b, 1e-8)


def test_masked_gru_gradients_match_composed_path():
    x = testing.randn((B, T, F))
    mask = testing.randn((B, T), seed=9) > 0
    fused = layers.GRU(U, dtype="float64")
    composed = layers.GRU(U, dtype="float64", recurrent_activation=lambda v: ops.sigmoid(v))
    fused(x)
    composed(x)
    composed.set_weights(fused.get_weights())
    got = [gradients(layer(Tensor(x), mask=mask).sum(), layer.trainable_weights)
           for layer in (fused, composed)]
    for a, b in zip(*got):
        testing.assert_close(a, b, 1e-8)


# -- the fused ops ------------------------------------------------------------------------------
@pytest.mark.parametrize("zero_output", [False, True])
def test_scan_ops_gradients(zero_output):
    r = np.random.default_rng(0)
    b, t, u = 2, 4, 3
    mask = np.array([[True, False, True, True], [True, True, False, False]])
    rec_mask = r.uniform(0.5, 1.5, (b, u))

    def lstm(xw, h0, c0, rk):
        return ops.lstm_scan(xw, h0, c0, rk, mask, rec_mask, zero_output)

    def gru(xw, h0, rk, rb):
        return ops.gru_scan(xw, h0, rk, rb, mask, rec_mask, zero_output)

    def rnn(xw, h0, rk):
        return ops.simple_rnn_scan(xw, h0, rk, mask, rec_mask, zero_output)

    n = lambda *s: r.standard_normal(s)  # noqa: E731
    testing.check_grad(lstm, [n(b, t, 4 * u), n(b, u), n(b, u), n(u, 4 * u)])
    testing.check_grad(gru, [n(b, t, 3 * u), n(b, u), n(u, 3 * u), n(3 * u)])
    testing.check_grad(rnn, [n(b, t, u), n(b, u), n(u, u)])


def test_scan_op_rejects_bad_mask_shape():
    with pytest.raises(ValueError, match="lstm_scan.*mask.*\\(2, 4\\)"):
        ops.lstm_scan(np.zeros((2, 4, 8)), np.zeros((2, 2)), np.zeros((2, 2)),
                      np.zeros((2, 8)), mask=np.ones((2, 3), bool))


# -- cells, dropout, errors ---------------------------------------------------------------------
def test_cells_step_like_the_layers():
    x = testing.randn((B, F))
    for cell_cls, n_states in ((layers.LSTMCell, 2), (layers.GRUCell, 1),
                               (layers.SimpleRNNCell, 1)):
        cell = cell_cls(U, dtype="float64")
        states = [np.zeros((B, U)) for _ in range(n_states)]
        out, new_states = cell(x, states)
        layer = layers.RNN(cell)
        testing.assert_close(out, layer(x[:, None, :]), 1e-12)
        assert len(new_states) == n_states


def test_rnn_with_a_plain_keras_style_cell():
    class MinimalCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units, self.state_size = units, units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            h = ops.tanh(ops.matmul(inputs, self.kernel)
                         + ops.matmul(states[0], self.recurrent_kernel))
            return h, [h]

    x = testing.randn((B, T, F))
    custom = layers.RNN(MinimalCell(U, dtype="float64"), return_sequences=True,
                        dtype="float64")
    reference = layers.SimpleRNN(U, return_sequences=True, dtype="float64")
    custom(x)
    reference(x)
    reference.set_weights(custom.get_weights() + [np.zeros(U)])
    testing.assert_close(custom(x), reference(x), 1e-12)


def test_dropout_only_in_training_and_seeded():
    x = testing.randn((B, T, F))
    layer = layers.LSTM(U, dropout=0.5, recurrent_dropout=0.3, dtype="float64")
    plain = layers.LSTM(U, dtype="float64")
    layer(x)
    plain(x)
    plain.set_weights(layer.get_weights())
    testing.assert_close(layer(x), plain(x), 1e-12)
    backend.set_random_seed(5)
    a = layer(x, training=True).numpy()
    backend.set_random_seed(5)
    b = layer(x, training=True).numpy()
    c = layer(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, plain(x).numpy()) and not np.allclose(a, c)


def test_lstm_unit_forget_bias_and_config():
    layer = layers.LSTM(3)
    layer(np.zeros((1, 2, 2)))
    np.testing.assert_array_equal(layer.weights[2].numpy(), [0, 0, 0, 1, 1, 1] + [0] * 6)
    config = layer.get_config()
    for key, value in {"units": 3, "activation": "tanh", "recurrent_activation": "sigmoid",
                       "unit_forget_bias": True, "return_sequences": False,
                       "stateful": False, "dropout": 0.0}.items():
        assert config[key] == value
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert "cell" not in config


def test_lstm_rejects_2d_input_naming_layer_and_rank():
    with pytest.raises(ValueError, match="encoder.*rank 3.*\\(4, 5\\)"):
        layers.LSTM(3, name="encoder")(np.zeros((4, 5)))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="units"):
        layers.GRU(0)
    with pytest.raises(ValueError, match="dropout"):
        layers.LSTM(2, dropout=1.5)


def test_weights_of_a_keras_model_load_one_to_one():
    keras_order = [(F, 4 * U), (U, 4 * U), (4 * U,), (U, 1), (1,)]
    model = layers.LSTM(U)
    model(np.zeros((1, T, F)))
    assert [w.shape for w in model.weights] == keras_order[:3]
    assert [w.name for w in model.weights] == ["kernel", "recurrent_kernel", "bias"]


# -- training through Sequential ----------------------------------------------------------------
def test_sequential_lstm_fits_a_sequence_task():
    from numen import keras

    r = np.random.default_rng(0)
    x = r.standard_normal((256, 10, 4)).astype("float32")
    y = x[:, :, 0].sum(axis=1, keepdims=True) * 0.3
    model = keras.Sequential([keras.layers.LSTM(16, input_shape=(10, 4)),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0], losses
    with no_grad():
        assert model.predict(x[:4], verbose=0).shape == (4, 1)


def test_embedding_mask_reaches_lstm_in_sequential():
    from numen import keras

    ids = np.array([[3, 4, 5, 0, 0], [1, 2, 0, 0, 0]])
    embedding = keras.layers.Embedding(10, 4, mask_zero=True)
    lstm = keras.layers.LSTM(3)
    model = keras.Sequential([embedding, lstm])
    got = model.predict(ids, verbose=0)
    for b, n in enumerate([3, 2]):
        testing.assert_close(got[b], lstm(embedding(ids[b:b + 1, :n])).numpy()[0], 1e-5)
    # A plain array carries no mask (the eager Embedding output does, as in Keras 3).
    assert not np.allclose(got, lstm(embedding(ids).numpy()).numpy())
