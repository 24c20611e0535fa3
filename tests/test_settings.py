"""keras.config, keras.backend and keras.random additions: switches take effect where Keras's
do, dtype rules, unique ids, the Beta/Gamma/Binomial samplers, OrthogonalRegularizer."""

import logging

import numpy as np
import pytest

from numen import dtype_policies, keras, testing


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_max_epochs_and_steps_cap_fit():
    x, y = np.zeros((64, 3), "float32"), np.zeros((64, 1), "float32")
    keras.config.set_max_epochs(2)
    keras.config.set_max_steps_per_epoch(3)
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    history = _model().fit(x, y, epochs=10, batch_size=8, verbose=0, callbacks=[cb])
    assert len(history.history["loss"]) == 2
    assert seen == [0, 1, 2, 0, 1, 2]
    keras.config.set_max_epochs(None)
    assert keras.config.max_epochs() is None
    with pytest.raises(ValueError, match="set_max_epochs"):
        keras.config.set_max_epochs(0)


def test_interactive_logging_off_sends_progress_to_logging(capsys, caplog):
    x, y = np.zeros((8, 3), "float32"), np.zeros((8, 1), "float32")
    keras.config.disable_interactive_logging()
    assert not keras.utils.is_interactive_logging_enabled()
    with caplog.at_level(logging.INFO, logger="numen"):
        _model().fit(x, y, epochs=2, verbose=2)
    assert capsys.readouterr().out == ""
    assert any("Epoch 2/2" in r.message for r in caplog.records)
    assert any("loss:" in r.message for r in caplog.records)


def test_switches_have_keras_defaults():
    assert keras.config.is_flash_attention_enabled() is None
    assert keras.config.is_traceback_filtering_enabled() is True
    assert keras.config.image_data_format() == "channels_last"
    assert keras.config.dtype_policy().name == "float32"
    keras.config.enable_flash_attention()
    assert keras.config.is_flash_attention_enabled() is True


def test_set_backend_says_numen_is_its_own_backend():
    keras.config.set_backend("numpy")
    with pytest.raises(ValueError, match="own backend"):
        keras.config.set_backend("torch")


def test_epsilon_and_image_data_format_are_settable():
    keras.config.set_epsilon(1e-5)
    assert keras.backend.epsilon() == 1e-5
    with pytest.raises(ValueError, match="set_epsilon"):
        keras.config.set_epsilon(-1)
    keras.config.set_image_data_format("channels_first")
    assert keras.layers.Conv2D(2, 3).data_format == "channels_first"
    with pytest.raises(ValueError, match="set_image_data_format"):
        keras.config.set_image_data_format("nhwc")


def test_dtype_policy_sets_new_layers_dtype():
    keras.config.set_dtype_policy("float64")
    assert keras.config.dtype_policy().name == "float64"
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    assert layer.kernel.dtype == "float64"
    with pytest.raises(ValueError, match="float33"):
        keras.config.set_dtype_policy("mixed_float33")
    policy = dtype_policies.DTypePolicy("mixed_float16")
    assert (policy.compute_dtype, policy.variable_dtype) == ("float16", "float32")
    with pytest.raises(ValueError, match="float33"):
        dtype_policies.DTypePolicy("float33")


def test_get_uid_counts_per_prefix_and_names_layers():
    keras.backend.clear_session()
    assert [keras.backend.get_uid("x"), keras.backend.get_uid("x"), keras.backend.get_uid("y")] \
        == [1, 2, 1]
    assert keras.layers.Dense(1).name == "dense"
    assert keras.backend.get_uid("dense") == 2
    assert keras.layers.Dense(1).name == "dense_2"


def test_result_type_keeps_64_bits():
    # Keras on JAX narrows these to 32 bits; numen keeps them, as Keras's TensorFlow backend.
    assert keras.backend.result_type("int64", "int8") == "int64"
    assert keras.backend.result_type("uint32", "int8") == "int64"
    assert keras.backend.result_type("float64", "float32") == "float64"
    assert keras.backend.result_type("int64", "float32") == "float32"
    with pytest.raises(ValueError, match="result_type"):
        keras.backend.result_type("string_of_nothing")


def test_pythons_types_and_the_name_int_are_32_bit_as_in_keras():
    # Keras (3.15, JAX backend): standardize_dtype(int) and ("int") give int32, (float) float32;
    # a NumPy or sized name keeps its width.
    std = keras.backend.standardize_dtype
    assert [std(d) for d in (int, "int", float, complex, bool)] == [
        "int32", "int32", "float32", "complex64", "bool"]
    assert [std(d) for d in (np.dtype("int64"), "int64", np.int64, np.float64)] == [
        "int64", "int64", "int64", "float64"]
    assert keras.ops.cast(np.ones(2), "int").dtype == "int32"
    assert keras.ops.zeros((2,), dtype=int).dtype == "int32"


def test_mixed_dtype_ops_follow_result_type():
    a, b = np.ones(2, "int32"), np.ones(2, "float32")
    assert keras.ops.add(a, b).dtype == "float32"
    assert keras.ops.multiply(np.ones(2, "uint8"), np.ones(2, "int8")).dtype == "int16"


@pytest.mark.parametrize("name,args,mean,var", [
    ("beta", dict(alpha=2.0, beta=5.0), 2 / 7, 10 / (49 * 8)),
    ("gamma", dict(alpha=3.0), 3.0, 3.0),
    ("binomial", dict(counts=10, probabilities=0.3), 3.0, 2.1),
])
def test_random_distributions_have_their_moments(name, args, mean, var):
    x = getattr(keras.random, name)((200_000,), seed=3, **args).numpy()
    assert x.dtype == np.float32
    np.testing.assert_allclose([x.mean(), x.var()], [mean, var], rtol=0.03)
    again = getattr(keras.random, name)((5,), seed=3, **args).numpy()
    np.testing.assert_array_equal(again, getattr(keras.random, name)((5,), seed=3, **args).numpy())


def test_random_distributions_reject_bad_parameters():
    with pytest.raises(ValueError, match="alpha"):
        keras.random.gamma((2,), alpha=-1.0)
    with pytest.raises(ValueError, match="probabilities"):
        keras.random.binomial((2,), counts=3, probabilities=1.5)


def test_orthogonal_regularizer_columns_and_gradient():
    w = testing.randn((4, 3), seed=2)
    n = w / np.linalg.norm(w, axis=0, keepdims=True)
    cosines = n.T @ n
    expected = 0.2 * np.abs(cosines - np.diag(np.diag(cosines))).sum() / 6
    reg = keras.regularizers.OrthogonalRegularizer(0.2, mode="columns")
    testing.assert_close(reg(w), expected)
    testing.check_grad(keras.regularizers.OrthogonalRegularizer(0.2), [w])
    with pytest.raises(ValueError, match="mode"):
        keras.regularizers.OrthogonalRegularizer(mode="diagonal")


def test_stft_initializer_rejects_bad_arguments():
    with pytest.raises(ValueError, match="side"):
        keras.initializers.STFT(side="both")
    with pytest.raises(ValueError, match="window"):
        keras.initializers.STFT(window="tukey")
    with pytest.raises(ValueError, match=r"\(4,\)"):
        keras.initializers.STFT(window=np.ones(3))((4, 1, 3))
    config = keras.initializers.STFT("imag", "hamming", "spectrum", True).get_config()
    assert keras.initializers.STFT.from_config(config).get_config() == config
