"""Sequential: the three ways it gets its input shape, add/pop, summary, errors."""

import numpy as np
import pytest

from numen import keras
from numen.keras import layers


def test_built_from_input_shape_on_first_layer():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)])
    assert model.built and model.input_shape == (None, 3)
    assert model.output_shape == (None, 2)
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_built_from_input_first():
    model = keras.Sequential([keras.Input((6,)), layers.Dense(2)])
    assert model.built and len(model.layers) == 1
    assert model.layers[0].kernel.shape == (6, 2)
    with pytest.raises(ValueError, match="only be the first"):
        model.add(keras.Input((2,)))


def test_built_from_first_batch():
    model = keras.Sequential([layers.Dense(4), layers.Dense(1)])
    assert not model.built and model.weights == []
    with pytest.raises(ValueError, match="not been built"):
        model.count_params()
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 7), "float32"), np.zeros((8, 1), "float32"), epochs=1, verbose=0)
    assert model.built and model.layers[0].kernel.shape == (7, 4)
    assert model.input_shape == (None, 7)


def test_add_after_compile_and_pop():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,))])
    model.compile("sgd", "mse")
    model.add(layers.Dense(2, name="head"))
    assert model.output_shape == (None, 2) and model.layers[-1].kernel.shape == (4, 2)
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), epochs=1, verbose=0)
    popped = model.pop()
    assert popped.name == "head" and model.output_shape == (None, 4)
    assert len(model.weights) == 2


def test_clear_errors():
    model = keras.Sequential()
    with pytest.raises(TypeError, match="expected a Layer instance, received str"):
        model.add("dense")
    model.add(layers.Dense(2, name="d"))
    with pytest.raises(ValueError, match="unique names; 'd'"):
        model.add(layers.Dense(2, name="d"))
    with pytest.raises(ValueError, match="has no layers"):
        keras.Sequential()(np.ones((1, 2)))
    with pytest.raises(TypeError, match="no layers to remove"):
        keras.Sequential().pop()
    with pytest.raises(ValueError, match="only keras.Input tensors"):
        keras.Sequential([layers.Dense(2)(keras.Input((3,)))])


def test_nested_sequential_and_get_layer():
    inner = keras.Sequential([layers.Dense(3, activation="relu")], name="inner")
    model = keras.Sequential([keras.Input((4,)), inner, layers.Dense(1)])
    assert model.get_layer("inner") is inner and model.get_layer(index=1).units == 1
    assert len(model.weights) == 4
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(model(x).numpy(), model.layers[1](inner(x)).numpy(), rtol=1e-6)


def test_summary_table():
    model = keras.Sequential([keras.Input((8,)), layers.Dense(16, name="hidden"),
                              layers.Dense(1, name="out")], name="seq")
    lines = []
    model.summary(print_fn=lines.append, line_length=88)
    text = "\n".join(lines).splitlines()
    assert text[0] == 'Model: "seq"'
    assert "Connected to" not in text[2]
    hidden = next(l for l in text if l.startswith("│ hidden (Dense)"))
    assert "(None, 16)" in hidden and hidden.rstrip("│ ").endswith("144")
    assert all(len(l) == 88 for l in text[1:-3])
    assert " Total params: 161 (644.00 B)" in text
    unbuilt = keras.Sequential([layers.Dense(2, name="lazy")])
    lines = []
    unbuilt.summary(print_fn=lines.append)
    assert "0 (unbuilt)" in lines[0] and "?" in lines[0]
