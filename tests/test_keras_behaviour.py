"""Keras 3's model and layer contract, checked against what a real Keras 3.15.1 did.

The scenarios live in tests/fixtures/make_keras_behaviour.py as functions of the `keras`
module; that script ran them under Keras and wrote tests/fixtures/keras3/behaviour_*. Here the
same functions run under `numen.keras`: callback hook sequences and their log keys, facts about
symbolic tensors (model.input, layer.output, masks, input_spec, accepted input ranks), and the
values feature extractors return from weights Keras saved.
"""

import importlib.util
import io
import json
import os
from contextlib import redirect_stdout

import numpy as np
import pytest

from numen import keras
from numen.keras import layers

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
KERAS3 = os.path.join(FIXTURES, "keras3")


def _scenarios():
    path = os.path.join(FIXTURES, "make_keras_behaviour.py")
    spec = importlib.util.spec_from_file_location("make_keras_behaviour", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCENARIOS = _scenarios()


def _json(name):
    with open(os.path.join(KERAS3, name)) as f:
        return json.load(f)


# -- callbacks -----------------------------------------------------------------------------
KERAS_CALLBACKS = _json("behaviour_callbacks.json")


@pytest.fixture(scope="module")
def numen_callbacks():
    return json.loads(json.dumps(SCENARIOS.callback_scenarios(keras)))


@pytest.mark.parametrize("run", sorted(KERAS_CALLBACKS))
def test_callback_hooks_get_the_logs_keras_passes(numen_callbacks, run):
    """Every hook, in Keras's order, with a dict of the same keys (never None where Keras
    passes a dict) and values of the same kind."""
    expected, got = KERAS_CALLBACKS[run], numen_callbacks[run]
    assert got["events"] == expected["events"]
    assert got["params"] == expected["params"]


def test_a_callback_may_write_into_any_hooks_logs():
    class Writer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            logs["seen"] = epoch  # a dict, as in Keras

        def on_predict_end(self, logs=None):
            logs["done"] = True

    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, callbacks=[Writer()], verbose=0)
    model.predict(np.ones((4, 2)), callbacks=[Writer()], verbose=0)


# -- symbolic tensors, specs and input ranks -----------------------------------------------
KERAS_FACTS = _json("behaviour_facts.json")


@pytest.fixture(scope="module")
def numen_facts():
    return json.loads(json.dumps(SCENARIOS.facts(keras)))


@pytest.mark.parametrize("fact", sorted(KERAS_FACTS))
def test_symbolic_facts_match_keras(numen_facts, fact):
    assert numen_facts[fact] == KERAS_FACTS[fact]


KERAS_NAMES = _json("behaviour_names.json")


@pytest.fixture(scope="module")
def numen_names():
    return json.loads(json.dumps({**SCENARIOS.names_and_losses(keras),
                                  "summary_tables": SCENARIOS.summary_tables(keras)}))


@pytest.mark.parametrize("case", sorted(KERAS_NAMES))
def test_names_loss_label_dtypes_and_summary_tables_match_keras(numen_names, case):
    """The names new layers and models get after a MultiHeadAttention or a Sequential model
    is built (Keras names the sub-layers and the Functional model those builds make), and the
    dtype a user's loss sees the labels in (Keras's float32, whatever the data's), which
    `compute_loss` overrides run (with or without `training`), and how
    `summary()` splits a line between its columns and wraps (or cuts) the text of its cells."""
    assert numen_names[case] == KERAS_NAMES[case]


def test_a_users_loss_gets_float_labels_and_numens_keep_theirs():
    seen = []

    def loss(y_true, y_pred):
        seen.append(str(y_true.dtype))
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

    labels, pred = np.array([[0], [2]], "int32"), np.array([[0.5], [1.5]], "float32")
    value = keras.losses.LossFunctionWrapper(loss)(labels, pred)
    assert seen == ["float32"] and float(value) == pytest.approx(0.25)
    # Built-in losses read integer labels as they come (their kernels check and convert them).
    sparse = keras.losses.SparseCategoricalCrossentropy()
    assert float(sparse(labels[:, 0], np.array([[0.9, 0.05, 0.05], [0.1, 0.1, 0.8]],
                                               "float32"))) == pytest.approx(
        -(np.log(0.9) + np.log(0.8)) / 2, rel=1e-5)


def test_a_rejected_input_rank_names_the_model_and_both_shapes():
    x = keras.Input((6, 6, 1))
    model = keras.Model(x, layers.Conv2D(2, 3)(x), name="cnn")
    with pytest.raises(ValueError, match=r"'cnn'.*\(2, 6\).*\(None, 6, 6, 1\)"):
        model(np.zeros((2, 6), "float32"))
    with pytest.raises(ValueError, match=r"\(None, 6\).*expects shape \(None, 6, 6, 1\)"):
        model.predict(np.zeros((2, 6), "float32"), verbose=0)


def test_a_dropped_last_axis_trains_like_the_full_shape():
    x = keras.Input((4, 1))
    model = keras.Model(x, layers.Flatten()(layers.Dense(2)(x)))
    model.compile("sgd", "mse")
    history = model.fit(np.ones((6, 4), "float32"), np.zeros((6, 8)), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    np.testing.assert_allclose(model.predict(np.ones((2, 4)), verbose=0),
                               model.predict(np.ones((2, 4, 1)), verbose=0))


def test_a_model_passes_the_mask_of_a_reshaped_input_on():
    x = keras.Input((5, 1))
    model = keras.Model(x, layers.Dense(2)(x))
    data = keras.ops.ones((2, 5))
    mask = np.array([[True] * 5, [False] * 5])
    data._keras_mask = mask
    out = model(data)
    assert out.shape == (2, 5, 2)
    np.testing.assert_array_equal(np.asarray(out._keras_mask), mask)


# -- layer.input / layer.output ------------------------------------------------------------
def test_a_layer_records_nothing_when_called_on_arrays():
    dense = layers.Dense(2)
    dense(np.ones((1, 3)))
    assert not hasattr(dense, "output")
    with pytest.raises(AttributeError, match="'dense'.*not been called on symbolic"):
        dense.input  # noqa: B018


def test_a_layer_with_two_inputs_lists_them():
    a, b = keras.Input((3,)), keras.Input((3,))
    add = layers.Add()
    out = add([a, b])
    assert add.input == [a, b] and add.output is out


def test_a_shared_layer_answers_with_its_first_call_and_applies_one_set_of_weights():
    shared = layers.Dense(2, name="shared")
    a, b = keras.Input((3,)), keras.Input((3,))
    ya, yb = shared(a), shared(b)
    assert shared.input is a and shared.output is ya and yb is not ya
    node = yb.node
    assert node.operation is shared and node.output_tensors == [yb]
    assert node.input_tensors == [b] and node.parent_nodes == []
    model = keras.Model([a, b], [ya, yb])
    xa, xb = np.ones((1, 3)), np.full((1, 3), 2.0)
    out_a, out_b = model([xa, xb])
    np.testing.assert_allclose(np.asarray(out_a), np.asarray(shared(xa)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(out_b), np.asarray(shared(xb)), rtol=1e-6)
    assert len(model.weights) == 2


def test_a_list_input_spec_checks_each_input():
    class Pair(layers.Layer):
        def __init__(self):
            super().__init__()
            self.input_spec = [keras.layers.InputSpec(ndim=2), keras.layers.InputSpec(ndim=3)]

        def call(self, inputs):
            return inputs[0]

    Pair()([np.ones((1, 2)), np.ones((1, 2, 2))])
    with pytest.raises(ValueError, match="expected input of rank 3"):
        Pair()([np.ones((1, 2)), np.ones((1, 2))])


def test_an_input_layer_has_its_tensor_as_output_and_no_input():
    x = keras.Input((3,), name="pixels")
    model = keras.Model(x, layers.Dense(1)(x))
    first = model.get_layer("pixels")
    assert first.output is x and first.input == []


def test_a_subclassed_model_has_input_after_a_symbolic_call():
    class Twice(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x) * 2

    model = Twice()
    assert not hasattr(model, "input") and model.inputs is None
    x = keras.Input((3,))
    y = model(x)
    assert model.input is x and model.output is y


# -- Sequential ----------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["input", "input_shape", "build", "call", "fit"])
def test_a_built_sequential_model_becomes_a_feature_extractor(how):
    first = layers.Dense(4, activation="relu", name="first",
                         **({"input_shape": (3,)} if how == "input_shape" else {}))
    stack = [keras.Input((3,))] if how == "input" else []
    model = keras.Sequential(stack + [first, layers.Dense(2, name="second")])
    data = np.random.default_rng(0).random((5, 3)).astype("float32")
    if how == "build":
        model.build((None, 3))
    elif how == "call":
        model(data)
    elif how == "fit":
        model.compile("sgd", "mse")
        model.fit(data, np.zeros((5, 2)), epochs=1, verbose=0)
    extractor = keras.Model(inputs=model.inputs, outputs=[lay.output for lay in model.layers])
    hidden, last = extractor(data)
    np.testing.assert_allclose(np.asarray(last), np.asarray(model(data)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(hidden), np.asarray(first(data)), rtol=1e-6)
    assert model.inputs[0].shape == (None, 3) and model.outputs[0].shape == (None, 2)


def test_an_unbuilt_sequential_model_has_no_inputs_yet():
    model = keras.Sequential([layers.Dense(2)])
    with pytest.raises(AttributeError, match="no inputs yet"):
        model.inputs  # noqa: B018
    assert not hasattr(model.layers[0], "output")


def test_outputs_read_before_add_still_reach_the_inputs():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="a")])
    early = model.layers[0].output
    model.add(layers.Dense(2, name="b"))
    assert len(model.layers[0]._inbound_nodes) == 1  # the rebuild replaced the first call
    extractor = keras.Model(model.inputs, [early, model.layers[1].output])
    assert [tuple(o.shape) for o in extractor(np.ones((2, 4)))] == [(2, 3), (2, 2)]
    model.pop()
    assert model.outputs[0].shape == (None, 3)


def test_sequential_symbolic_masks_follow_the_layers():
    model = keras.Sequential([keras.Input((5,), dtype="int32"),
                              layers.Embedding(10, 3, mask_zero=True), layers.Dense(2)])
    assert model.outputs[0]._keras_mask.shape == (None, 5)
    assert model.layers[1].output._keras_mask is model.layers[0].output._keras_mask


# -- get_layer, summary --------------------------------------------------------------------
def test_get_layer_by_name_or_index_and_its_errors():
    model, _ = SCENARIOS.cnn_models(keras)
    assert model.get_layer("pool") is model.layers[1]
    assert model.get_layer(index=-1).name == "dense"
    with pytest.raises(ValueError, match="No such layer: 'nope'"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="index 9 is out of range"):
        model.get_layer(index=9)
    with pytest.raises(ValueError, match="either `name` or `index`"):
        model.get_layer("conv", 0)


def test_summary_prints_for_feature_extractors_and_shared_layers():
    seq, fn = SCENARIOS.cnn_models(keras)
    shared = layers.Dense(3, name="shared")
    a, b = keras.Input((4,)), keras.Input((4,))
    models = [keras.Model(seq.inputs, [lay.output for lay in seq.layers]),
              keras.Model(fn.input, fn.get_layer("conv").output),
              keras.Model([a, b], [shared(a), shared(b)]), seq, fn]
    for model in models:
        out = io.StringIO()
        with redirect_stdout(out):
            model.summary()
        assert "Total params" in out.getvalue()
    # As in Keras: an extractor with an output per layer of a chain is still a chain.
    assert "Connected to" not in _summary_text(models[0])
    assert "Connected to" in _summary_text(models[2])


def _summary_text(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


# -- values from weights Keras saved -------------------------------------------------------
def test_feature_extractors_match_keras_values():
    seq, fn = SCENARIOS.cnn_models(keras)
    seq.load_weights(os.path.join(KERAS3, "behaviour_cnn.weights.h5"))
    fn.load_weights(os.path.join(KERAS3, "behaviour_fn.weights.h5"))
    expected = np.load(os.path.join(KERAS3, "behaviour_features.npz"))
    got = SCENARIOS.features(keras, seq, fn)
    assert sorted(got) == sorted(expected.files)
    for name in expected.files:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-5, atol=1e-6,
                                   err_msg=name)
