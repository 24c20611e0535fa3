"""Lamb, Muon, ScheduleFreeAdamW, LossScaleOptimizer, MultiOptimizer/OptimizerMap and
keras.optimizers.legacy: configs, state saved in .keras files, fit, and argument errors.
Their updates are compared with Keras's in tests/golden_cases/optimizers_more.py."""

import numpy as np
import pytest

from numen import keras, optimizers
from numen.autodiff import Variable


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4)).astype("float32")
    y = (x @ rng.standard_normal((4, 2)) + 0.1).astype("float32")
    return x, y


def _model(optimizer):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="enc"),
                              keras.layers.Dense(2, name="head")])
    model.compile(optimizer=optimizer, loss="mse")
    return model


MAKERS = {
    "lamb": lambda: optimizers.Lamb(learning_rate=0.01, weight_decay=0.01),
    "muon": lambda: optimizers.Muon(learning_rate=0.01, exclude_layers=["head"]),
    "schedule_free": lambda: optimizers.ScheduleFreeAdamW(learning_rate=0.01, warmup_steps=2),
    "loss_scale": lambda: optimizers.LossScaleOptimizer(optimizers.Adam(0.01),
                                                        dynamic_growth_steps=3),
    "multi": lambda: optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.05, momentum=0.9), {"enc/.*": optimizers.Adam(0.01)})),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_fit_then_save_and_load_keeps_the_optimizer_state(name, tmp_path):
    x, y = _data()
    model = _model(MAKERS[name]())
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 12
    for a, b in zip(model.optimizer._variable_arrays(), loaded.optimizer._variable_arrays()):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # One more step from the restored state lands exactly where the original goes.
    model.fit(x[:8], y[:8], batch_size=8, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x[:8], y[:8], batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_config_round_trip(name):
    opt = MAKERS[name]()
    restored = optimizers.deserialize(optimizers.serialize(opt))
    assert type(restored) is type(opt) and restored.get_config() == opt.get_config()
    again = keras.optimizers.get({"class_name": type(opt).__name__,
                                  "config": opt.get_config()})
    assert again.get_config() == opt.get_config()


def test_keras_defaults_and_string_ids():
    lamb = optimizers.Lamb().get_config()
    assert (lamb["name"], lamb["learning_rate"], lamb["beta_1"], lamb["beta_2"],
            lamb["epsilon"], lamb["weight_decay"]) == (
        "lamb", 0.0010000000474974513, 0.9, 0.999, 1e-7, None)  # the rate as float32, as Keras
    muon = optimizers.get("muon").get_config()
    assert muon["weight_decay"] == muon["adam_weight_decay"] == 0.004
    assert (muon["muon_a"], muon["muon_b"], muon["muon_c"], muon["ns_steps"],
            muon["momentum"], muon["rms_rate"], muon["exclude_layers"]) == (
        3.4445, -4.775, 2.0315, 5, 0.95, 0.2, [])
    sf = optimizers.get("schedulefreeadamw").get_config()
    assert (sf["name"], sf["learning_rate"], sf["epsilon"], sf["warmup_steps"]) == (
        "schedule_free_adam_w", 0.0024999999441206455, 1e-8, 0)
    lso = optimizers.LossScaleOptimizer(optimizers.SGD()).get_config()
    assert (lso["name"], lso["initial_scale"], lso["dynamic_growth_steps"]) == (
        "loss_scale_optimizer", 32768.0, 2000)
    assert lso["inner_optimizer"]["class_name"] == "SGD"
    with pytest.raises(ValueError, match="lamb"):
        optimizers.get("lamb")  # as in Keras: only by class name in a config


def test_muon_splits_variables_between_muon_and_adamw():
    opt = optimizers.Muon(exclude_layers=["^out"])
    ws = [Variable(np.ones((3, 4), "float32"), name=n) for n in ("kernel", "out_kernel",
                                                                  "token_embedding")]
    ws.append(Variable(np.ones(4, "float32"), name="bias"))
    assert [opt.uses_adamw(w) for w in ws] == [False, True, True, True]
    opt.build(ws)
    assert [sorted(opt._slots[id(w)]) for w in ws] == [
        ["momentum"], ["momentum", "velocity"], ["momentum", "velocity"],
        ["momentum", "velocity"]]
    # The Newton-Schulz iteration brings every singular value near 1.
    g = np.random.default_rng(1).standard_normal((6, 3)).astype("float32")
    s = np.linalg.svd(opt.orthogonalize(g), compute_uv=False)
    assert s.shape == (3,) and np.all((s > 0.5) & (s < 1.5))


def test_schedule_free_starts_z_at_the_weights():
    opt = optimizers.ScheduleFreeAdamW()
    w = Variable(np.arange(3, dtype="float32"))
    opt.build([w])
    np.testing.assert_array_equal(opt._slots[id(w)]["momentum"], w.data)
    assert opt._slots[id(w)]["momentum"] is not w.data


def test_loss_scale_skips_non_finite_steps_and_adjusts_the_scale():
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(1.0), initial_scale=4.0,
                                        dynamic_growth_steps=2)
    w = Variable(np.zeros(2, "float32"))
    assert float(opt.scale_loss(3.0)) == 12.0
    opt.apply([np.array([4.0, 8.0], "float32")], [w])  # unscaled: [1, 2]
    np.testing.assert_array_equal(w.data, [-1.0, -2.0])
    assert (int(opt.step_counter), float(opt.dynamic_scale)) == (1, 4.0)
    opt.apply([np.array([4.0, 4.0], "float32")], [w])
    assert (int(opt.step_counter), float(opt.dynamic_scale)) == (0, 8.0)
    opt.apply([np.array([np.inf, 1.0], "float32")], [w])
    np.testing.assert_array_equal(w.data, [-2.0, -3.0])  # skipped
    assert (int(opt.step_counter), float(opt.dynamic_scale), opt.iterations) == (0, 4.0, 2)
    opt.learning_rate = 0.5
    assert opt.inner_optimizer.learning_rate == 0.5


def test_loss_scale_factor_in_fit_changes_nothing():
    """fit scales the loss by `loss_scale_factor` and the optimizer unscales the gradients,
    so training matches training without a factor (the scale is a power of two)."""
    x, y = _data()
    weights = []
    for factor in (None, 1024.0):
        keras.utils.set_random_seed(3)
        model = _model(optimizers.SGD(0.05, loss_scale_factor=factor))
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_multi_optimizer_routes_variables():
    sgd, adam = optimizers.SGD(0.1), optimizers.Adam(0.1)
    opt = optimizers.MultiOptimizer(optimizers.OptimizerMap(sgd, {"enc_.*": adam}),
                                    loss_scale_factor=2.0)
    a, b = Variable(np.zeros(2, "float32"), name="enc_a"), Variable(np.zeros(2), name="z")
    opt.apply([np.ones(2, "float32"), np.ones(2)], [a, b])
    assert opt.optimizers == [adam, sgd] and sgd.loss_scale_factor == 2.0
    assert opt.iterations == adam.iterations == sgd.iterations == 1
    np.testing.assert_allclose(b.data, [-0.05, -0.05])  # SGD on the halved gradient
    with pytest.raises(AttributeError, match="learning rate"):
        opt.learning_rate  # noqa: B018
    with pytest.raises(AttributeError, match="learning rate"):
        opt.learning_rate = 0.1
    by_function = optimizers.MultiOptimizer(lambda v: adam if "enc" in v.path else sgd)
    by_function.build([a, b])
    assert by_function.optimizers == [adam, sgd]


def test_optimizer_map_lookup_and_errors():
    sgd, adam = optimizers.SGD(), optimizers.Adam()
    opts = keras.optimizers.OptimizerMap(sgd)
    opts["encoder/.*"] = adam
    opts["decoder"] = adam
    assert opts["encoder/dense/kernel"] is adam and opts["decoder/x"] is sgd
    assert opts["decoder"] is adam and len(opts) == 2 and list(opts) == ["encoder/.*",
                                                                         "decoder"]
    opts["enc.*"] = sgd
    with pytest.raises(ValueError, match="several patterns"):
        opts["encoder/x"]
    with pytest.raises(ValueError, match="already mapped"):
        opts["decoder"] = sgd
    with pytest.raises(ValueError, match="plain optimizers"):
        opts["other"] = optimizers.LossScaleOptimizer(sgd)
    with pytest.raises(TypeError, match="default_optimizer"):
        keras.optimizers.OptimizerMap("sgd")
    with pytest.raises(TypeError, match="optimizer_map must be a dict"):
        keras.optimizers.OptimizerMap(sgd, [adam])


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="dynamic=False"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)
    with pytest.raises(ValueError, match="clipnorm.*inner optimizer"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    optimizers.LossScaleOptimizer(optimizers.SGD(), use_ema=False)  # defaults are accepted
    with pytest.raises(TypeError, match="inner_optimizer"):
        optimizers.LossScaleOptimizer("adam")
    with pytest.raises(ValueError, match="dynamic_growth_steps"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic_growth_steps=0)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.ScheduleFreeAdamW(beta_1=0.0)
    with pytest.raises(ValueError, match="warmup_steps"):
        optimizers.ScheduleFreeAdamW(warmup_steps=-1)
    with pytest.raises(ValueError, match="ns_steps"):
        optimizers.Muon(ns_steps=1.5)
    with pytest.raises(TypeError, match="exclude_layers"):
        optimizers.Muon(exclude_layers="head")
    with pytest.raises(ValueError, match="beta_2"):
        optimizers.Lamb(beta_2=1.5)
    with pytest.raises(ValueError, match="cannot be used inside"):
        optimizers.MultiOptimizer(lambda v: optimizers.LossScaleOptimizer(
            optimizers.SGD())).build([Variable(np.zeros(1))])
    with pytest.raises(TypeError, match="optimizer_map"):
        optimizers.MultiOptimizer(3)


@pytest.mark.parametrize("name", ["Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"])
def test_legacy_optimizers_raise_import_error_as_in_keras_3(name):
    cls = getattr(keras.optimizers.legacy, name)
    assert isinstance(cls, type)
    with pytest.raises(ImportError, match="keras.optimizers.legacy is not supported"):
        cls(learning_rate=0.01)


@pytest.mark.parametrize("name", ["loss_scale", "multi"])
def test_wrapper_save_and_load_own_variables(name):
    def trained():
        opt = MAKERS[name]()
        ws = [Variable(np.ones((2, 3), "float32"), name="enc/kernel"),
              Variable(np.ones(3, "float32"), name="head/bias")]
        for _ in range(3):
            opt.apply([np.full((2, 3), 0.5, "float32"), np.full(3, -0.5, "float32")], ws)
        return opt
    source, target = trained(), MAKERS[name]()
    store = {}
    source.save_own_variables(store)
    target.build([Variable(np.ones((2, 3), "float32"), name="enc/kernel"),
                  Variable(np.ones(3, "float32"), name="head/bias")])
    target.load_own_variables(store)
    assert target.iterations == source.iterations == 3
    for a, b in zip(source._variable_arrays(), target._variable_arrays()):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    with pytest.raises(ValueError, match="saved state has 1 variables"):
        target.load_own_variables({"0": np.zeros(())})


def test_multi_optimizer_takes_new_variables_later():
    sgd = optimizers.SGD(0.1)
    opt = optimizers.MultiOptimizer(optimizers.OptimizerMap(sgd))
    a, b = Variable(np.zeros(2), name="a"), Variable(np.zeros(3), name="b")
    opt.apply([np.ones(2)], [a])
    opt.apply([np.ones(2), np.ones(3)], [a, b])
    np.testing.assert_allclose(b.data, [-0.1] * 3)
    np.testing.assert_allclose(a.data, [-0.2] * 2)
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        opt.apply([np.ones(2), np.ones(3)], [a])
