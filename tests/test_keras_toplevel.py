"""The top-level names of keras: Variable's Keras signature, the scopes, Operation, Function,
device, version, and the base classes users subclass."""

import numpy as np
import pytest

from numen import keras, testing
from numen.autodiff import GradientTape
from numen.autodiff.scopes import in_symbolic_scope


def test_variable_takes_keras_arguments():
    v = keras.Variable(keras.initializers.Constant(3.0), shape=(2,), dtype="float64",
                       trainable=False, name="c")
    assert (v.dtype, v.name, v.path, v.trainable, v.shape) == ("float64", "c", "c", False, (2,))
    np.testing.assert_array_equal(v.numpy(), [3.0, 3.0])
    assert keras.Variable(np.zeros(2)).name == "variable"
    with pytest.raises(ValueError, match="shape"):
        keras.Variable("zeros")
    with pytest.raises(ValueError, match=r"shape=\(3,\)"):
        keras.Variable(np.zeros(2), shape=(3,))


def test_name_scope_prefixes_variable_paths():
    with keras.name_scope("block"):
        with keras.name_scope("inner"):
            v = keras.Variable(np.zeros(2), name="kernel")
    assert v.path == "block/inner/kernel"
    assert keras.Variable(np.zeros(2), name="after").path == "after"


def test_name_scope_override_parent_replaces_the_outer_scopes():
    with keras.name_scope("outer"):
        with keras.name_scope("layer", override_parent="model/block"):
            with keras.name_scope("inner"):
                moved = keras.Variable(np.zeros(2), name="v")
        with keras.name_scope("top", override_parent=""):
            top = keras.Variable(np.zeros(2), name="v")
        kept = keras.Variable(np.zeros(2), name="v")
    assert (moved.path, top.path, kept.path) == ("model/block/layer/inner/v", "top/v", "outer/v")


def test_name_scope_prefixes_layer_weight_paths():
    """A layer built under open name scopes has its weights' paths under them, whether built
    directly or through a Functional call; names themselves are not scoped."""
    with keras.name_scope("block"):
        dense = keras.layers.Dense(2, name="proj")
        dense.build((None, 3))
    assert [v.path for v in dense.weights] == ["block/proj/kernel", "block/proj/bias"]
    inputs = keras.Input((3,))
    with keras.name_scope("outer"):
        with keras.name_scope("inner"):
            y = keras.layers.Dense(4, name="d")(inputs)
    z = keras.layers.Dense(1, name="after")(y)
    model = keras.Model(inputs, z)
    assert [v.path for v in model.weights] == [
        "outer/inner/d/kernel", "outer/inner/d/bias", "after/kernel", "after/bias"]
    assert [layer.name for layer in model.layers[1:]] == ["d", "after"]


def test_stateless_scope_leaves_variables_alone():
    v = keras.Variable(np.ones(3, "float32"))
    other = keras.Variable(np.zeros(2, "float32"))
    with keras.StatelessScope([(v, np.full(3, 4.0, "float32"))]) as scope:
        np.testing.assert_array_equal(v.numpy(), [4, 4, 4])
        v.assign_add(np.ones(3, "float32"))
        other.assign(np.array([7.0, 8.0], "float32"))
    np.testing.assert_array_equal(v.numpy(), [1, 1, 1])
    np.testing.assert_array_equal(other.numpy(), [0, 0])
    np.testing.assert_array_equal(scope.get_current_value(v), [5, 5, 5])
    np.testing.assert_array_equal(scope.get_current_value(other), [7, 8])
    with pytest.raises(ValueError, match="shape"):
        with keras.StatelessScope([(v, np.zeros(2))]):
            pass


def test_stateless_scope_runs_a_model_with_other_weights():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    x = np.ones((1, 2), "float32")
    before = model.predict(x, verbose=0)
    kernel = model.layers[0].kernel
    with keras.StatelessScope([(kernel, np.full((2, 1), 0.5, "float32"))]):
        np.testing.assert_allclose(model(x).numpy(), [[1.0]])
    np.testing.assert_allclose(model.predict(x, verbose=0), before)


def test_symbolic_scope_and_remat_scope():
    assert not in_symbolic_scope()
    with keras.SymbolicScope():
        assert in_symbolic_scope()
    with keras.RematScope(mode="activations") as scope:
        assert scope.mode == "activations"
    with pytest.raises(ValueError, match="mode"):
        keras.RematScope(mode="sometimes")


def test_remat_keeps_values_and_gradients():
    x = testing.randn((5,), seed=1)
    f = keras.remat(lambda t: keras.ops.sin(t) * t)
    testing.assert_close(f(x), np.sin(x) * x)
    testing.check_grad(f, [x])
    with pytest.raises(TypeError, match="callable"):
        keras.remat(3)


class Scale(keras.Operation):
    def __init__(self, factor, name=None):
        super().__init__(name=name)
        self.factor = factor

    def call(self, x):
        return keras.ops.multiply(x, self.factor)


def test_operation_runs_eagerly_and_inside_a_functional_model():
    np.testing.assert_allclose(Scale(3.0)(np.ones(2, "float32")).numpy(), [3, 3])
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(1)(Scale(0.5)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(np.ones((8, 4), "float32"), np.ones((8, 1), "float32"), verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert Scale(1.0).name.startswith("scale")


def test_function_runs_the_graph_and_differentiates():
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    fn = keras.Function([a, b], {"sum": a + b, "prod": a * b})
    x, y = np.array([[1.0, 2.0]], "float32"), np.array([[3.0, 4.0]], "float32")
    out = fn([x, y])
    np.testing.assert_allclose(out["sum"].numpy(), [[4, 6]])
    np.testing.assert_allclose(out["prod"].numpy(), [[3, 8]])
    assert fn.compute_output_shape(None) == {"sum": (None, 2), "prod": (None, 2)}
    t = keras.ops.convert_to_tensor(x)
    with GradientTape() as tape:
        tape.watch(t)
        total = keras.ops.sum(fn([t, y])["prod"])
    np.testing.assert_allclose(tape.gradient(total, t).numpy(), y)


def test_device_accepts_keras_spellings_and_version():
    with keras.device("cpu:0"):
        assert keras.config.get_device() == "cpu"
    with pytest.raises(ValueError, match="tpu"):
        with keras.device("tpu:0"):
            pass
    assert keras.version() == keras.__version__


def test_base_classes_are_numens():
    assert issubclass(keras.losses.MeanSquaredError, keras.Loss)
    assert issubclass(keras.metrics.Mean, keras.Metric)
    assert issubclass(keras.initializers.Zeros, keras.Initializer)
    assert issubclass(keras.regularizers.L2, keras.Regularizer)


def test_get_source_inputs_walks_back_to_the_inputs():
    a, b = keras.Input((2,), name="src_a"), keras.Input((2,), name="src_b")
    out = keras.layers.Add()([keras.layers.Dense(2)(a), b])
    assert keras.utils.get_source_inputs(out) == [a, b]
    assert keras.utils.get_source_inputs(a) == [a]
    with pytest.raises(TypeError, match="symbolic"):
        keras.utils.get_source_inputs(np.zeros(2))


def test_vectorize_and_custom_gradient_results_work_on_symbolic_tensors():
    total = keras.ops.vectorize(lambda a: keras.ops.sum(a), signature="(n)->()")

    @keras.ops.custom_gradient
    def double(t):
        return t * 2.0, lambda upstream: upstream * 3.0

    inputs = keras.Input((3,))
    model = keras.Model(inputs, total(double(inputs)))
    np.testing.assert_allclose(model.predict(np.ones((2, 3), "float32"), verbose=0), [6, 6])
