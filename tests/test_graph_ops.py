"""`keras.ops` calls in Functional models are Operations, as in Keras 3: `model.layers` and
`get_layer` leave them out, `model.operations` and the summary list them under Keras's names
and classes, and a `.keras` file holds them in Keras's layout (a numen round trip here; the
Keras 3 round trips are in test_interop_graph_ops.py)."""

import inspect
import json

import numpy as np
import pytest

from numen import keras
from numen.keras import ops
from numen.layers import keras_op_table


def _model():
    keras.backend.clear_session()
    x = keras.Input((4,), name="x")
    h = keras.layers.Dense(4, name="dense")(x)
    y = ops.relu(h * 2 + 1.5)[:, 1:3]
    s = ops.sum(h, axis=1, keepdims=True)
    w = ops.concatenate([y, s], axis=-1)
    w = abs(-ops.transpose(ops.reshape(w, (-1, 3, 1)), (0, 2, 1)))
    return keras.Model(x, w)


def _data(shape=(5, 4)):
    return np.random.default_rng(0).standard_normal(shape).astype("float32")


def test_layers_leave_ops_out_and_operations_list_them_in_order():
    model = _model()
    assert [layer.name for layer in model.layers] == ["x", "dense"]
    assert [op.name for op in model.operations] == [
        "x", "dense", "multiply", "add", "relu", "get_item", "sum", "concatenate", "reshape",
        "transpose", "negative", "absolute"]
    assert len(model.weights) == 2


def test_get_layer_finds_layers_not_ops():
    model = _model()
    assert model.get_layer("dense").name == "dense"
    with pytest.raises(ValueError):
        model.get_layer("multiply")


def test_summary_lists_ops_with_keras_class_names():
    model = _model()
    lines = []
    model.summary(print_fn=lines.append, line_length=120)
    text = "\n".join(lines)
    for row in ("x (InputLayer)", "dense (Dense)", "multiply (Multiply)", "add (Add)",
                "relu (Relu)", "get_item (GetItem)", "sum (Sum)", "concatenate (Concatenate)",
                "reshape (Reshape)", "transpose (Transpose)", "negative (Negative)",
                "absolute (Absolute)"):
        assert row in text, row
    assert "get_item[0][0], sum[0][0]" in text
    assert "Total params: 20" in text


def test_operators_record_the_functions_keras_records():
    x = keras.Input((3,))
    pairs = [(x / 2, "TrueDivide"), (x // 2, "FloorDivide"), (x % 2, "Mod"), (x < 1, "Less"),
             (x >= 1, "GreaterEqual"), (2 - x, "Subtract"), (x ** 2, "Power"),
             ((x > 0) & (x < 1), "LogicalAnd"), (~(x > 0), "LogicalNot")]
    for t, cls in pairs:
        assert t.node.layer.keras_class_name == cls


def test_config_writes_ops_in_keras_layout():
    config = _model().get_config()
    by_name = {entry["name"]: entry for entry in config["layers"]}
    entry = by_name["sum"]
    assert entry["module"] == "keras.src.ops.numpy" and entry["class_name"] == "Sum"
    assert entry["config"] == {"axis": 1, "keepdims": True, "name": "sum"}
    assert entry["registered_name"] == "Sum"
    args = entry["inbound_nodes"][0]["args"]
    assert args[0]["config"]["keras_history"] == ["dense", 0, 0]
    key = by_name["get_item"]["inbound_nodes"][0]["args"][1]
    assert key == [{"class_name": "__slice__", "config": {"start": None, "stop": None,
                                                          "step": None}},
                   {"class_name": "__slice__", "config": {"start": 1, "stop": 3, "step": None}}]
    assert by_name["multiply"]["inbound_nodes"][0]["args"][1] == 2
    json.dumps(config)


def _round_trip(model, tmp_path, data):
    path = str(tmp_path / "ops.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert [op.name for op in loaded.operations] == [op.name for op in model.operations]
    want, got = model.predict(data, verbose=0), loaded.predict(data, verbose=0)
    want = want if isinstance(want, list) else [want]
    got = got if isinstance(got, list) else [got]
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6, atol=1e-6)
    return loaded


def test_save_and_load_round_trip_of_models_with_ops(tmp_path):
    _round_trip(_model(), tmp_path, _data())


def test_round_trip_of_constants_ellipsis_arrays_and_two_inputs(tmp_path):
    a = keras.Input((2, 4))
    b = keras.Input((4, 3))
    h = keras.layers.Dense(4)(a)
    const = np.arange(12, dtype="float32").reshape(4, 3) / 10
    y = h @ b + ops.matmul(a, const)
    y = ops.where(y > 0, y, 0.1 * y)[..., -1]
    z = ops.max(ops.stack([h, a], axis=1), axis=(1, 2)) / 3
    model = keras.Model([a, b], [ops.cast(y, "float32"), ops.mean(z, axis=-1)])
    _round_trip(model, tmp_path, [_data((3, 2, 4)), _data((3, 4, 3))])


def test_loading_an_unknown_op_names_it(tmp_path):
    config = _model().get_config()
    for entry in config["layers"]:
        if entry["name"] == "relu":
            entry["class_name"] = "NoSuchOp"
    with pytest.raises(ValueError, match="NoSuchOp"):
        keras.Model.from_config(config)


def test_saving_an_op_keras_does_not_record_says_so(tmp_path):
    x = keras.Input((3,))
    y = ops.vectorize(lambda v: v * 2)(x)
    model = keras.Model(x, y)
    with pytest.raises(ValueError, match="Keras 3 records no Operation"):
        model.get_config()


def test_every_table_op_exists_in_numen_with_keras_parameter_order():
    """Loading calls numen's function positionally in Keras's parameter order."""
    for name, entry in keras_op_table.OPS.items():
        fn = getattr(ops, name, None)
        for view in ("nn", "numpy", "linalg", "image"):
            fn = fn or getattr(getattr(ops, view), name, None)
        assert fn is not None, name
        params = list(inspect.signature(fn).parameters.values())
        if any(p.kind == p.VAR_POSITIONAL for p in params):
            continue
        assert len(params) >= len([p for p in entry[3] if len(p) == 1]), name


def test_round_trip_of_einsum_and_its_spread_operands(tmp_path):
    a = keras.Input((3,))
    b = keras.Input((3, 2))
    model = keras.Model([a, b], ops.einsum("bi,bij->bj", a, b) + ops.einsum("bi->b", a)[:, None])
    entry = next(e for e in model.get_config()["layers"] if e["name"] == "einsum")
    assert entry["class_name"] == "Einsum" and entry["config"]["subscripts"] == "bi,bij->bj"
    assert len(entry["inbound_nodes"][0]["args"]) == 2
    _round_trip(model, tmp_path, [_data((4, 3)), _data((4, 3, 2))])


def test_operators_match_the_table_written_from_keras():
    from numen.layers.symbolic import KerasTensor

    x = keras.Input((3,))
    checked = 0
    for method, function in keras_op_table.OPERATORS.items():
        if method in ("__div__", "__rdiv__"):
            continue  # Python 2's division, never called by Python 3
        assert method in vars(KerasTensor), f"KerasTensor lacks {method}, which Keras records"
        arity = len(inspect.signature(vars(KerasTensor)[method]).parameters)
        if method == "__rmatmul__":
            continue  # a constant @ a batch has no shape to try here
        other = {"__getitem__": slice(0, 2),
                 "__matmul__": np.ones((3, 2), "float32")}.get(method, 2)
        out = getattr(x, method)(*([other] if arity == 2 else []))
        assert out.node.layer.function_name == function, method
        checked += 1
    assert checked >= 28


def test_symbolic_tensor_refuses_iteration_and_conversion_as_keras_does():
    x = keras.Input((3,))
    with pytest.raises(NotImplementedError, match="iterated"):
        iter(x)
    for convert in (int, float):
        with pytest.raises(ValueError, match=convert.__name__):
            convert(x)


def test_a_symbolic_boolean_mask_as_key_is_refused():
    # its result's length depends on the data (numen recorded a shape of (0,) from zeros)
    x, mask = keras.Input((3,)), keras.Input((3,), dtype="bool")
    with pytest.raises(ValueError, match="boolean mask"):
        x[mask]
    with pytest.raises(ValueError, match="boolean mask"):
        x[:, mask]


def test_defining_ops_on_symbolic_tensors_warns_nothing():
    # shape inference runs the op on zeros: its 0/0 is not the user's to hear about
    import warnings

    x = keras.Input((3,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty_mean = keras.ops.mean(x[:, :0], axis=-1)
        model = keras.Model(x, [2.0 / x, 7.0 % x, keras.ops.log(x), empty_mean])
    assert [tuple(t.shape) for t in model.outputs] == [(None, 3)] * 3 + [(None,)]


def test_equality_is_identity_and_truth_value_is_an_error():
    # as in Keras: `==` is Python's identity test, so tensors hash and `in` finds them by
    # identity, while `!=` records not_equal; a symbolic tensor has no truth value
    x, y = keras.Input((3,)), keras.Input((3,))
    assert (x == x) is True and (x == y) is False
    assert x in [y, x] and y not in [x] and {x: 1}[x] == 1
    assert (x != y).node.layer.function_name == "not_equal"
    with pytest.raises(TypeError, match="no truth value"):
        bool(x != y)


def test_plot_draws_ops_with_keras_class_names():
    pytest.importorskip("pydot")
    source = keras.utils.model_to_dot(_model()).to_string()
    for label in ("Multiply", "GetItem", "Sum", "Absolute", "Dense"):
        assert label in source, label
    assert source.count("->") == 12  # each call from its inputs


def _nested(seed_name):
    x = keras.Input((4,))
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, keras.layers.Dense(4)(inner_in) * 2, name=seed_name)
    return keras.Model(x, inner(x) + 1)


def test_nested_functional_model_weights_are_stored_as_keras_names_them(tmp_path):
    h5py = pytest.importorskip("h5py")
    model = _nested("inner")
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    with h5py.File(path) as f:
        assert "layers/functional/layers/dense/vars" in f  # Keras's class is Functional
    # numen's older files named the group 'model': they still load
    with h5py.File(path, "a") as f:
        f.move("layers/functional", "layers/model")
    other = _nested("other")
    other.load_weights(path)
    data = _data((2, 4))
    np.testing.assert_allclose(other.predict(data, verbose=0), model.predict(data, verbose=0))


def test_summary_names_a_nested_functional_model_as_keras_does():
    lines = []
    _nested("inner").summary(print_fn=lines.append, line_length=120)
    assert "inner (Functional)" in "\n".join(lines)


def test_keras_activations_on_symbolic_tensors_are_graph_ops():
    x = keras.Input((4,))
    h = keras.layers.Dense(3)(x)
    y = keras.activations.softmax(keras.activations.gelu(h), axis=-1)
    model = keras.Model(x, keras.activations.linear(y))
    assert keras.activations.linear(x) is x  # the identity records nothing
    assert [layer.name for layer in model.layers] == ["input_layer", "dense"]
    assert [op.name for op in model.operations][-2:] == ["gelu", "softmax"]
    data = np.random.default_rng(0).standard_normal((2, 4)).astype("float32")
    hidden = data @ model.layers[1].kernel.numpy() + model.layers[1].bias.numpy()
    exact = keras.activations.gelu(hidden).numpy()  # approximate=False, Keras's default
    np.testing.assert_allclose(model.predict(data, verbose=0),
                               keras.activations.softmax(exact).numpy(), rtol=1e-5)


def test_keras_activations_stay_the_functions_layers_recognize():
    dense = keras.layers.Dense(3, activation=keras.activations.relu)
    assert dense.activation is keras.activations.get("relu")  # (Dense fuses relu by identity)
    assert dense.get_config()["activation"] == "relu"
    assert keras.activations.serialize(keras.activations.gelu) == "gelu"


def test_relu_options_record_keras_relu_operation_and_round_trip(tmp_path):
    # keras.activations.relu records Keras's own ReLU (module keras.src.activations), with
    # negative_slope, max_value and threshold in its config, as Keras 3 writes it
    x = keras.Input((4,))
    capped = keras.activations.relu(x, max_value=1.0)
    model = keras.Model(x, [capped, keras.activations.relu(x)])
    entry = next(e for e in model.get_config()["layers"] if e["name"] == "re_lu")
    assert (entry["module"], entry["class_name"]) == ("keras.src.activations.activations", "ReLU")
    assert entry["config"] == {"negative_slope": 0.0, "max_value": 1.0, "threshold": 0.0,
                               "name": "re_lu"}
    assert capped.node.layer.template_kwargs == {"max_value": 1.0}
    # a plain relu keeps no options of its own, so it still exports to ONNX as Relu
    assert model.operations[-1].template_kwargs == {}
    loaded = _round_trip(model, tmp_path, np.full((1, 4), 5.0, "float32"))
    assert loaded.predict(np.full((1, 4), 5.0, "float32"), verbose=0)[0].max() == 1.0
