"""Functional API: Input, graphs of layer calls, shared and nested models, summary, errors."""

import numpy as np
import pytest

from numen import keras, ops
from numen.keras import layers
from numen.layers.symbolic import KerasTensor


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def test_input_is_symbolic_with_shape_and_dtype():
    a = keras.Input(shape=(4,), name="a")
    ids = keras.Input(shape=(5,), dtype="int32", batch_size=8)
    assert isinstance(a, KerasTensor)
    assert a.shape == (None, 4) and a.dtype == "float32" and a.name == "a"
    assert ids.shape == (8, 5) and ids.dtype == "int32"
    h = layers.Dense(3)(a)
    assert h.shape == (None, 3) and h.dtype == "float32"
    with pytest.raises(TypeError, match="no values"):
        np.asarray(a)


def test_single_input_output_model_matches_layers_applied_by_hand():
    inp = keras.Input((4,))
    d1, d2 = layers.Dense(6, activation="relu"), layers.Dense(2)
    model = keras.Model(inp, d2(d1(inp)))
    x = _x(5, 4)
    expected = d2(d1(x)).numpy()
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)
    assert model.name == "functional"
    assert [type(l).__name__ for l in model.layers] == ["InputLayer", "Dense", "Dense"]
    assert model.input_shape == (None, 4) and model.output_shape == (None, 2)
    assert len(model.inputs) == 1 and model.outputs[0].shape == (None, 2)


def test_list_and_dict_inputs_and_outputs():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    h = layers.Concatenate()([a, b])
    y1 = layers.Dense(1, name="score")(h)
    y2 = layers.Dense(4, name="klass")(h)
    xa, xb = _x(6, 3), _x(6, 2, seed=1)

    listed = keras.Model([a, b], [y1, y2])
    assert listed.input_names == ["a", "b"]
    assert listed.output_names == ["score", "klass"]
    out = listed([xa, xb])
    assert [o.shape for o in out] == [(6, 1), (6, 4)]
    by_name = listed({"b": xb, "a": xa})  # dict data keyed by input name, any order
    np.testing.assert_allclose(by_name[1].numpy(), out[1].numpy(), rtol=1e-6)

    keyed = keras.Model({"a": a, "b": b}, {"s": y1, "k": y2})
    assert keyed.output_names == ["s", "k"]
    pred = keyed.predict({"a": xa, "b": xb}, verbose=0)
    assert set(pred) == {"s", "k"} and pred["k"].shape == (6, 4)
    np.testing.assert_allclose(pred["s"], out[0].numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="Missing data for model input"):
        keyed({"a": xa})


def test_shared_layer_appears_once_and_shares_weights():
    a, b = keras.Input((4,)), keras.Input((4,))
    shared = layers.Dense(3, name="shared")
    model = keras.Model([a, b], layers.Add()([shared(a), shared(b)]))
    assert [l.name for l in model.layers].count("shared") == 1
    assert len(model.weights) == 2
    x = _x(2, 4)
    np.testing.assert_allclose(model([x, x]).numpy(), 2 * shared(x).numpy(), rtol=1e-6)
    text = _summary(model)
    assert "shared[0][0]" in text and "shared[1][0]" in text


def test_models_nest_as_layers():
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, layers.Dense(3, name="inner_dense")(inner_in), name="inner")
    stack = keras.Sequential([layers.Dense(2)], name="stack")
    outer_in = keras.Input((4,))
    outer = keras.Model(outer_in, stack(inner(outer_in)))
    assert [l.name for l in outer.layers][1:] == ["inner", "stack"]
    assert len(outer.weights) == 4
    assert outer.weights[0] is inner.get_layer("inner_dense").kernel
    x = _x(3, 4)
    np.testing.assert_allclose(outer(x).numpy(), stack(inner(x)).numpy(), rtol=1e-6)
    outer.compile("sgd", "mse")
    before = inner.get_weights()[0].copy()
    outer.fit(x, np.ones((3, 2), "float32"), epochs=1, verbose=0)
    assert not np.allclose(inner.get_weights()[0], before)  # training reaches nested weights


def test_get_layer_by_name_and_index():
    inp = keras.Input((2,))
    model = keras.Model(inp, layers.Dense(1, name="head")(layers.Dense(3, name="body")(inp)))
    assert model.get_layer("head").name == "head"
    assert model.get_layer(index=1).name == "body"
    assert model.get_layer(index=-1).name == "head"
    with pytest.raises(ValueError, match="No such layer: 'nope'"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="out of range"):
        model.get_layer(index=7)


def test_arithmetic_and_ops_on_keras_tensors_record_nodes():
    a, b = keras.Input((3,)), keras.Input((3,))
    y = (a * 2 + b) / 4 - 1
    z = -(y[:, :2] ** 2)
    model = keras.Model([a, b], [y, z])
    assert z.shape == (None, 2)
    xa, xb = _x(4, 3), _x(4, 3, seed=1)
    out_y, out_z = model([xa, xb])
    np.testing.assert_allclose(out_y.numpy(), (xa * 2 + xb) / 4 - 1, rtol=1e-6)
    np.testing.assert_allclose(out_z.numpy(), -(((xa * 2 + xb) / 4 - 1)[:, :2] ** 2), rtol=1e-5)


def test_gradients_flow_through_operator_nodes():
    inp = keras.Input((3,))
    dense = layers.Dense(1)
    model = keras.Model(inp, dense(inp) * 3.0)
    model.compile("sgd", "mse")
    before = dense.kernel.numpy().copy()
    model.fit(_x(8, 3), np.zeros((8, 1), "float32"), epochs=1, verbose=0)
    assert not np.allclose(dense.kernel.numpy(), before)


def test_symbolic_call_helper_wraps_an_ops_function():
    from numen.layers.symbolic import symbolic_call

    a, b = keras.Input((2,)), keras.Input((3,))
    joined = symbolic_call(ops.concatenate, [a, b], axis=-1)
    assert joined.shape == (None, 5)
    model = keras.Model([a, b], joined)
    xa, xb = _x(2, 2), _x(2, 3)
    np.testing.assert_allclose(model([xa, xb]).numpy(), np.concatenate([xa, xb], -1))


def test_graph_disconnected_and_bad_inputs():
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    y = layers.Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected.*'b'"):
        keras.Model(a, y)
    h = layers.Dense(2)(a)
    with pytest.raises(ValueError, match="not a keras.Input"):
        keras.Model(h, layers.Dense(1)(h))
    with pytest.raises(TypeError, match="symbolic tensors"):
        keras.Model(a, np.zeros(3))
    model = keras.Model([a, b], y)
    with pytest.raises(ValueError, match="expects 2 input"):
        model(_x(2, 3))


def test_integer_input_feeds_embedding():
    ids = keras.Input((5,), dtype="int32")
    h = layers.Embedding(10, 4)(ids)
    assert h.shape == (None, 5, 4)
    model = keras.Model(ids, layers.Dense(1)(layers.Flatten()(h)))
    x = np.random.default_rng(0).integers(0, 10, size=(7, 5))
    assert model.predict(x, verbose=0).shape == (7, 1)


def _summary(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return "\n".join(lines)


def test_summary_of_branching_model_has_connected_to_column():
    a, b = keras.Input((4,), name="a"), keras.Input((2,), name="b")
    h = layers.Dense(8, name="h")(a)
    out = layers.Dense(1, name="out")(layers.Concatenate(name="cat")([h, b]))
    text = _summary(keras.Model([a, b], out, name="two_in"), line_length=108)
    lines = text.splitlines()
    assert lines[0] == 'Model: "two_in"'
    assert "Connected to" in lines[2] and "Layer (type)" in lines[2]
    assert all(len(l) == 108 for l in lines[1:] if l[0] in "┏┃┡│├└")
    row = next(l for l in lines if l.startswith("│ cat (Concatenate)"))
    assert "(None, 10)" in row and "h[0][0], b[0][0]" in row
    dense_row = next(l for l in lines if l.startswith("│ h (Dense)"))
    assert dense_row.split("│")[3].strip() == "40" and "a[0][0]" in dense_row
    assert " Total params: 51 (204.00 B)" in lines
    assert " Trainable params: 51 (204.00 B)" in lines
    assert " Non-trainable params: 0 (0.00 B)" in lines


def test_summary_of_chain_omits_connected_to_and_wraps_long_cells():
    inp = keras.Input((3,))
    model = keras.Model(inp, layers.Dense(2, name="a_rather_long_layer_name_for_wrapping")(inp))
    text = _summary(model, line_length=60)
    assert "Connected to" not in text
    assert all(len(l) == 60 for l in text.splitlines()[1:-3])
    assert "a_rather_long_layer_name_for_wrapping" not in text  # wrapped onto two lines
    assert "(Dense)" in text and "(None, 2)" in text
