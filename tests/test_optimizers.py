"""Optimizers: 20-step trajectories against PyTorch (or a NumPy reference), clipping, weight
decay, state, config round trips and argument errors."""

import numpy as np
import pytest
import torch

from numen import keras, optimizers
from numen.autodiff import Variable
from numen.optimizers import schedules

STEPS = 20


def _problem():
    """An MLP-like loss with two kernels and a bias, and its start point (float64)."""
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((16, 3)))
    y = torch.tensor(rng.standard_normal((16, 2)))
    start = [rng.standard_normal((3, 4)) * 0.5, rng.standard_normal(4) * 0.2,
             rng.standard_normal((4, 2)) * 0.5]

    def loss(w1, b1, w2):
        return ((torch.tanh(x @ w1 + b1) @ w2 - y) ** 2).mean() + 0.1 * (w1**2).sum()

    return loss, start


def _grads(loss, arrays):
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    loss(*ts).backward()
    return [t.grad.numpy().copy() for t in ts]


def run_numen(opt, steps=STEPS):
    loss, start = _problem()
    variables = [Variable(w.copy(), name=f"w{i}", dtype="float64") for i, w in enumerate(start)]
    for _ in range(steps):
        opt.apply(_grads(loss, [v.data for v in variables]), variables)
    return [v.data for v in variables]


def run_torch(make, steps=STEPS, clip=None, make_scheduler=None):
    """PyTorch's trajectory; `clip(params)` runs before each step, a scheduler after it."""
    loss, start = _problem()
    params = [torch.tensor(w.copy(), requires_grad=True) for w in start]
    opt = make(params)
    scheduler = make_scheduler(opt) if make_scheduler else None
    for _ in range(steps):
        opt.zero_grad()
        loss(*params).backward()
        if clip:
            clip(params)
        opt.step()
        if scheduler:
            scheduler.step()
    return [p.detach().numpy() for p in params]


def run_reference(update, slots_of, steps=STEPS):
    """A NumPy reference: `update(g, w, slots, step)` returns the new w."""
    loss, start = _problem()
    ws = [w.copy() for w in start]
    slots = [slots_of(w) for w in ws]
    for step in range(1, steps + 1):
        gs = _grads(loss, ws)
        ws = [update(g, w, s, step) for g, w, s in zip(gs, ws, slots)]
    return ws


def assert_same(got, expected, rtol=1e-6):
    moved = False
    _, start = _problem()
    for g, e, s in zip(got, expected, start):
        np.testing.assert_allclose(g, e, rtol=rtol, atol=1e-12)
        moved |= not np.allclose(g, s)
    assert moved, "the weights never moved: the comparison proves nothing"


# Where Keras puts epsilon differently from PyTorch (Adam/AdamW/Adamax outside sqrt of the
# *uncorrected* moment, RMSprop/Adagrad inside the sqrt), both sides use eps=1e-14: at that
# size the placement changes results by far less than 1e-6 relative. Adadelta and Nadam place
# epsilon the same way in both libraries, so they keep Keras's default. Keras's Nadam is
# PyTorch's NAdam with momentum_decay=1 (both use mu_t = beta_1 * (1 - 0.5 * 0.96 ** t)).
# Keras keeps lr inside SGD/RMSprop momentum, PyTorch outside: equal for a constant lr.
TINY = 1e-14
TORCH_CASES = {
    "sgd": (lambda: optimizers.SGD(0.1),
            lambda p: torch.optim.SGD(p, lr=0.1)),
    "sgd_momentum": (lambda: optimizers.SGD(0.05, momentum=0.9),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    "sgd_nesterov": (lambda: optimizers.SGD(0.05, momentum=0.8, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True)),
    # Decoupled decay before a plain SGD step equals PyTorch's L2 term: w(1 - lr wd) - lr g.
    "sgd_weight_decay": (lambda: optimizers.SGD(0.1, weight_decay=0.3),
                         lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.3)),
    "adam": (lambda: optimizers.Adam(0.02, beta_1=0.8, beta_2=0.99, epsilon=TINY),
             lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=TINY)),
    "adam_amsgrad": (lambda: optimizers.Adam(0.02, epsilon=TINY, amsgrad=True),
                     lambda p: torch.optim.Adam(p, lr=0.02, eps=TINY, amsgrad=True)),
    "adamw": (lambda: optimizers.AdamW(0.02, weight_decay=0.1, epsilon=TINY),
              lambda p: torch.optim.AdamW(p, lr=0.02, weight_decay=0.1, eps=TINY)),
    "adamw_amsgrad": (lambda: optimizers.AdamW(0.02, weight_decay=0.1, epsilon=TINY,
                                               amsgrad=True),
                      lambda p: torch.optim.AdamW(p, lr=0.02, weight_decay=0.1, eps=TINY,
                                                  amsgrad=True)),
    "rmsprop": (lambda: optimizers.RMSprop(0.01, rho=0.8, epsilon=TINY),
                lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.8, eps=TINY)),
    "rmsprop_momentum": (lambda: optimizers.RMSprop(0.01, momentum=0.7, epsilon=TINY),
                         lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.7,
                                                       eps=TINY)),
    "rmsprop_centered": (lambda: optimizers.RMSprop(0.01, centered=True, momentum=0.5,
                                                    epsilon=TINY),
                         lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, centered=True,
                                                       momentum=0.5, eps=TINY)),
    "adagrad": (lambda: optimizers.Adagrad(0.1, initial_accumulator_value=0.1, epsilon=TINY),
                lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1,
                                              eps=TINY)),
    "adadelta": (lambda: optimizers.Adadelta(1.0, rho=0.9),
                 lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-7)),
    "adamax": (lambda: optimizers.Adamax(0.02, beta_1=0.85, epsilon=TINY),
               lambda p: torch.optim.Adamax(p, lr=0.02, betas=(0.85, 0.999), eps=TINY)),
    "nadam": (lambda: optimizers.Nadam(0.02),
              lambda p: torch.optim.NAdam(p, lr=0.02, eps=1e-7, momentum_decay=1.0)),
    # Keras adds epsilon_1 to g^2, PyTorch clamps the estimate at eps1^2: both negligible here.
    "adafactor": (lambda: optimizers.Adafactor(0.05),
                  lambda p: torch.optim.Adafactor(p, lr=0.05, beta2_decay=-0.8,
                                                  eps=(None, 1e-3), d=1.0)),
}


@pytest.mark.parametrize("case", sorted(TORCH_CASES))
def test_matches_pytorch(case):
    ours, theirs = TORCH_CASES[case]
    assert_same(run_numen(ours()), run_torch(theirs))


def test_adam_default_epsilon_matches_keras_formula():
    # Keras's own epsilon placement, written out: eps added to sqrt of the raw second moment.
    b1, b2, eps, lr = 0.9, 0.999, 1e-7, 0.01

    def update(g, w, s, t):
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * g * g
        alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        return w - alpha * s["m"] / (np.sqrt(s["v"]) + eps)

    expected = run_reference(update, lambda w: {"m": 0 * w, "v": 0 * w})
    assert_same(run_numen(optimizers.Adam(lr, epsilon=eps)), expected, rtol=1e-10)


def test_rmsprop_default_epsilon_inside_sqrt():
    rho, eps, lr = 0.9, 1e-7, 0.01

    def update(g, w, s, t):
        s["v"] = rho * s["v"] + (1 - rho) * g * g
        return w - lr * g / np.sqrt(s["v"] + eps)

    expected = run_reference(update, lambda w: {"v": 0 * w})
    assert_same(run_numen(optimizers.RMSprop(lr)), expected, rtol=1e-10)


@pytest.mark.parametrize("weight_decay", [None, 0.2])
def test_lion_matches_reference(weight_decay):
    # PyTorch has no Lion; this is the update from the paper (Chen et al., 2023, Alg. 2).
    b1, b2, lr = 0.9, 0.99, 0.01
    wd = weight_decay or 0.0

    def update(g, w, s, t):
        w = w * (1 - lr * wd) - lr * np.sign(b1 * s["m"] + (1 - b1) * g)
        s["m"] = b2 * s["m"] + (1 - b2) * g
        return w

    expected = run_reference(update, lambda w: {"m": 0 * w})
    assert_same(run_numen(optimizers.Lion(lr, weight_decay=weight_decay)), expected)


@pytest.mark.parametrize("l1, l2, shrink, beta", [(0.0, 0.0, 0.0, 0.0), (0.05, 0.1, 0.02, 0.5)])
def test_ftrl_matches_reference(l1, l2, shrink, beta):
    # PyTorch has no FTRL; this is the per-coordinate FTRL-Proximal rule of McMahan et al.
    # (2013), written with an explicit sparsity threshold instead of a clip.
    lr, power = 0.2, 0.5
    l2_total = l2 + beta / (2 * lr)

    def update(g, w, s, t):
        n_new = s["n"] + g * g
        sigma = (n_new**power - s["n"] ** power) / lr
        s["z"] = s["z"] + g + 2 * shrink * w - sigma * w
        s["n"] = n_new
        dense = -(s["z"] - np.sign(s["z"]) * l1) / (n_new**power / lr + 2 * l2_total)
        return np.where(np.abs(s["z"]) <= l1, 0.0, dense)

    expected = run_reference(update, lambda w: {"n": 0 * w + 0.1, "z": 0 * w})
    opt = optimizers.Ftrl(lr, l1_regularization_strength=l1, l2_regularization_strength=l2,
                          l2_shrinkage_regularization_strength=shrink, beta=beta)
    got = run_numen(opt)
    assert_same(got, expected, rtol=1e-9)
    if l1:
        assert any((w == 0).any() for w in got), "l1 should zero some coordinates"


def test_schedule_drives_the_step_size():
    sched = schedules.ExponentialDecay(0.1, decay_steps=5, decay_rate=0.5)
    opt = optimizers.SGD(sched)
    v = Variable(np.zeros(2), dtype="float64")
    for t in range(6):
        assert opt.learning_rate == pytest.approx(0.1 * 0.5 ** (t / 5))
        before = v.data.copy()
        opt.apply([np.ones(2)], [v])
        np.testing.assert_allclose(before - v.data, 0.1 * 0.5 ** (t / 5))
    assert opt.iterations == 6


def test_torch_lambda_schedule_agreement():
    # Same decay expressed both ways: our schedule vs torch's LambdaLR, 20 Adam steps.
    sched = schedules.InverseTimeDecay(0.05, decay_steps=3, decay_rate=0.7)
    ours = run_numen(optimizers.Adam(sched, epsilon=TINY))

    expected = run_torch(
        lambda p: torch.optim.Adam(p, lr=0.05, eps=TINY),
        make_scheduler=lambda opt: torch.optim.lr_scheduler.LambdaLR(
            opt, lambda t: 1 / (1 + 0.7 * t / 3)))
    assert_same(ours, expected)


# -- clipping, decay, state ------------------------------------------------------------------
def _one_sgd_step(grads, **kwargs):
    opt = optimizers.SGD(1.0, **kwargs)
    variables = [Variable(np.zeros_like(g), dtype="float64") for g in grads]
    opt.apply([g.copy() for g in grads], variables)
    return [-v.data for v in variables]  # the gradient the update actually used


GRADS = [np.array([3.0, 4.0]), np.array([[0.3, -0.4, 12.0]])]


def test_clipnorm_clips_each_gradient_to_its_own_norm():
    used = _one_sgd_step(GRADS, clipnorm=1.0)
    np.testing.assert_allclose(used[0], [0.6, 0.8])
    np.testing.assert_allclose(used[1], GRADS[1] / np.linalg.norm(GRADS[1]))
    untouched = _one_sgd_step(GRADS, clipnorm=100.0)
    np.testing.assert_allclose(untouched[1], GRADS[1])


def test_global_clipnorm_scales_all_gradients_together():
    total = np.sqrt(sum((g**2).sum() for g in GRADS))
    used = _one_sgd_step(GRADS, global_clipnorm=2.0)
    for u, g in zip(used, GRADS):
        np.testing.assert_allclose(u, g * 2.0 / total)
    assert np.sqrt(sum((u**2).sum() for u in used)) == pytest.approx(2.0)


def test_clipvalue_clips_elementwise():
    used = _one_sgd_step(GRADS, clipvalue=0.35)
    np.testing.assert_allclose(used[0], [0.35, 0.35])
    np.testing.assert_allclose(used[1], [[0.3, -0.35, 0.35]])


def test_clipvalue_matches_torch_clip_grad_value():
    expected = run_torch(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
                         clip=lambda p: torch.nn.utils.clip_grad_value_(p, 0.05))
    assert_same(run_numen(optimizers.SGD(0.05, momentum=0.9, clipvalue=0.05)), expected)


def test_weight_decay_is_decoupled_and_excludable():
    opt = optimizers.SGD(0.1, weight_decay=0.5)
    kernel = Variable(np.full(2, 2.0), name="kernel", dtype="float64")
    bias = Variable(np.full(2, 2.0), name="bias", dtype="float64")
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply([np.zeros(2), np.zeros(2)], [kernel, bias])
    np.testing.assert_allclose(kernel.data, 2.0 * (1 - 0.1 * 0.5))
    np.testing.assert_allclose(bias.data, 2.0)


def test_float32_variables_stay_float32():
    v = Variable(np.ones(3, dtype="float32"))
    for name in sorted(optimizers._BY_NAME):
        opt = optimizers.get(name)
        opt.apply([np.full(3, 0.5, dtype="float64")], [v])
        assert v.data.dtype == np.float32, name
    assert np.all(v.data < 1)


def test_adam_float16_step_stays_finite_where_the_gradient_is_zero():
    # float32/64 divide alpha by the denominator first (no division of subnormal momenta);
    # in float16 alpha / epsilon would overflow to inf, and inf * 0 is nan.
    v = Variable(np.ones(3, dtype="float16"), dtype="float16")
    opt = optimizers.Adam(0.05)
    for _ in range(3):
        opt.apply([np.array([0.0, 0.0, 1.0], dtype="float16")], [v])
    assert np.all(np.isfinite(v.data)) and np.all(v.data[:2] == 1) and v.data[2] < 1


def test_loss_scale_factor_divides_gradients():
    used = _one_sgd_step([np.array([4.0, -8.0])], loss_scale_factor=4.0)
    np.testing.assert_allclose(used[0], [1.0, -2.0])


def test_gradient_accumulation_averages_then_steps():
    opt = optimizers.SGD(1.0, gradient_accumulation_steps=2)
    v = Variable(np.zeros(2), dtype="float64")
    opt.apply([np.array([1.0, 3.0])], [v])
    np.testing.assert_allclose(v.data, 0.0)
    assert opt.iterations == 0
    opt.apply([np.array([3.0, 5.0])], [v])
    np.testing.assert_allclose(v.data, [-2.0, -4.0])
    assert opt.iterations == 1


def test_ema_tracks_and_finalizes():
    opt = optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5)
    v = Variable(np.zeros(1), dtype="float64")
    opt.apply([np.array([-2.0])], [v])  # w=2, average copies it: 2
    opt.apply([np.array([-2.0])], [v])  # w=4, average 0.5*2 + 0.5*4 = 3
    np.testing.assert_allclose(v.data, [4.0])
    opt.finalize_variable_values([v])
    np.testing.assert_allclose(v.data, [3.0])


def test_state_save_load_resumes_identically():
    loss, start = _problem()

    def fresh():
        return [Variable(w.copy(), dtype="float64") for w in start]

    def steps(opt, variables, n):
        for _ in range(n):
            opt.apply(_grads(loss, [v.data for v in variables]), variables)

    a_vars, a = fresh(), optimizers.Nadam(0.02)
    steps(a, a_vars, 5)
    store = {}
    a.save_own_variables(store)
    assert len(store) == 1 + 1 + 2 * 3 + 1  # iterations, lr, momentum x3, velocity x3, u_prod
    b_vars, b = fresh(), optimizers.Nadam(0.02)
    for vb, va in zip(b_vars, a_vars):
        vb.assign(va.data)
    b.build(b_vars)
    b.load_own_variables(store)
    assert b.iterations == 5
    steps(a, a_vars, 5)
    steps(b, b_vars, 5)
    for va, vb in zip(a_vars, b_vars):
        np.testing.assert_array_equal(va.data, vb.data)


def test_slots_are_updated_in_place():
    opt = optimizers.Adam()
    v = Variable(np.ones(3), dtype="float64")
    opt.apply([np.ones(3)], [v])
    momentum = opt.variables[2]
    opt.apply([np.ones(3)], [v])
    assert momentum is opt.variables[2] and np.all(momentum != 0)


# -- learning rate, config, errors -----------------------------------------------------------
def test_learning_rate_is_assignable():
    opt = optimizers.RMSprop()
    assert opt.learning_rate == pytest.approx(0.001)
    opt.learning_rate = 0.25
    assert opt.learning_rate == 0.25 and opt.get_config()["learning_rate"] == 0.25
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = -1.0
    scheduled = optimizers.Adam(schedules.PolynomialDecay(0.1, 10))
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        scheduled.learning_rate = 0.1


def test_callable_learning_rate_takes_no_arguments():
    assert optimizers.SGD(lambda: 0.3).learning_rate == 0.3


# Default names and values as real Keras 3.15.1 gives them (`keras.optimizers.get(id)`).
KERAS_DEFAULTS = {
    "sgd": ("sgd", 0.01, {"momentum": 0.0, "nesterov": False}),
    "adam": ("adam", 0.001, {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
                             "amsgrad": False}),
    "adamw": ("adam_w", 0.001, {"weight_decay": 0.004, "epsilon": 1e-7}),
    "rmsprop": ("rm_sprop", 0.001, {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                                   "centered": False}),
    "adagrad": ("adagrad", 0.001, {"initial_accumulator_value": 0.1, "epsilon": 1e-7}),
    "adadelta": ("adadelta", 0.001, {"rho": 0.95, "epsilon": 1e-7}),
    "adamax": ("adamax", 0.001, {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
    "nadam": ("nadam", 0.001, {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
    "lion": ("lion", 0.001, {"beta_1": 0.9, "beta_2": 0.99}),
    "ftrl": ("ftrl", 0.001, {"learning_rate_power": -0.5, "initial_accumulator_value": 0.1,
                             "l1_regularization_strength": 0.0, "beta": 0.0}),
    "adafactor": ("adafactor", 0.001, {"beta_2_decay": -0.8, "epsilon_1": 1e-30,
                                       "epsilon_2": 1e-3, "clip_threshold": 1.0,
                                       "relative_step": True}),
}


def test_config_learning_rate_is_the_floatx_value_keras_writes():
    # Keras (3.15, JAX): AdamW(learning_rate=0.005).get_config()["learning_rate"] is read from
    # its float32 variable.
    assert optimizers.AdamW(learning_rate=0.005).get_config()["learning_rate"] == \
        0.004999999888241291
    assert optimizers.Adam().get_config()["learning_rate"] == 0.0010000000474974513


@pytest.mark.parametrize("name", sorted(KERAS_DEFAULTS))
def test_string_ids_and_keras_defaults(name):
    opt = optimizers.get(name)
    default_name, lr, extra = KERAS_DEFAULTS[name]
    config = opt.get_config()
    assert config["name"] == default_name and config["learning_rate"] == pytest.approx(lr)
    for key, value in extra.items():
        assert config[key] == value, key
    assert isinstance(keras.optimizers.get(name), type(opt))


@pytest.mark.parametrize("name", sorted(KERAS_DEFAULTS))
def test_config_round_trip(name):
    cls = type(optimizers.get(name))
    opt = cls(learning_rate=schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=5),
              clipnorm=2.0, name="custom")
    config = opt.get_config()
    restored = optimizers.deserialize(optimizers.serialize(opt))
    assert type(restored) is cls and restored.get_config() == config
    assert isinstance(restored._learning_rate, schedules.CosineDecay)
    plain = cls(learning_rate=0.05, global_clipnorm=1.5, weight_decay=0.01)
    assert cls.from_config(plain.get_config()).get_config() == plain.get_config()


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match=r"learning_rate.*-0.1"):
        optimizers.Adam(learning_rate=-0.1)
    with pytest.raises(ValueError, match=r"'adadelta'.*'sgd'"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="only one of clipnorm"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="clipnorm"):
        optimizers.SGD(clipnorm=-1.0)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="rho"):
        optimizers.RMSprop(rho=2.0)
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        optimizers.Adagrad(initial_accumulator_value=-1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(TypeError, match="unexpected arguments"):
        optimizers.Adam(beta1=0.9)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.Adam(gradient_accumulation_steps=1)
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        optimizers.SGD().apply([np.ones(1), np.ones(1)], [Variable(np.ones(1))])
    with pytest.raises(TypeError):
        optimizers.get(3)


def test_compile_with_rmsprop_string_trains():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse")
    assert isinstance(model.optimizer, optimizers.RMSprop)
    history = model.fit(x, y, epochs=20, batch_size=8, verbose=0)
    losses = history.history["loss"]
    # Keras's default rate (0.001) is gentle: expect a steady, not a dramatic, decrease.
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 0.9 * losses[0]


def test_variables_are_keras_style_variables_sharing_the_state():
    opt = optimizers.Adam(learning_rate=0.01)
    w = Variable(np.ones(3, np.float32))
    opt.apply([np.ones(3, np.float32)], [w])
    iteration, rate, momentum, velocity = opt.variables
    assert isinstance(momentum, Variable) and not momentum.trainable
    assert int(iteration.numpy()) == 1 and float(rate.numpy()) == np.float32(0.01)
    assert momentum.path == "adam/variable_momentum" and np.all(momentum.numpy() != 0)
    momentum.assign(np.zeros(3, np.float32))  # writes through to the optimizer's state
    assert np.all(opt._variable_arrays()[2] == 0)
    assert opt.variables[3] is velocity


# -- learning rate and iterations as Keras Variables -----------------------------------------
# The expected values are what real Keras 3 (JAX backend) gives for the same program.
def test_rate_and_iterations_are_keras_style_variables():
    opt = optimizers.Adam(0.001)
    rate, iteration = opt.learning_rate, opt.iterations
    assert isinstance(rate, Variable) and isinstance(iteration, Variable)
    assert (rate.path, rate.dtype, iteration.path, iteration.dtype) == \
        ("adam/learning_rate", "float32", "adam/iteration", "int32")
    assert repr(rate) == \
        "<Variable path=adam/learning_rate, shape=(), dtype=float32, value=0.0010000000474974513>"
    assert repr(iteration) == "<Variable path=adam/iteration, shape=(), dtype=int32, value=0>"
    rate.assign(0.01)
    assert float(opt.learning_rate) == 0.009999999776482582
    opt.learning_rate = 0.02  # the setter assigns: the same Variable
    assert opt.learning_rate is rate and float(rate) == 0.019999999552965164
    assert opt.get_config()["learning_rate"] == 0.019999999552965164
    assert type(rate.numpy()) is np.ndarray and type(iteration.numpy()) is np.ndarray
    assert int(iteration) == 0 and iteration.numpy() == 0
    assert float(keras.ops.convert_to_numpy(rate)) == np.float32(0.02)
    assert float(rate * 2) == float(2 * rate) == np.float32(0.04)
    assert rate == 0.02 and rate > 0.01 and rate == pytest.approx(0.02)
    assert [v.path for v in opt.variables] == ["adam/iteration", "adam/learning_rate"]
    assert opt.variables[0] is iteration and opt.variables[1] is rate


def test_assigned_rate_drives_the_update():
    opt = optimizers.SGD(0.1)
    w = Variable(np.ones(2, np.float32))
    opt.learning_rate.assign(0.5)
    opt.apply([np.ones(2, np.float32)], [w])
    np.testing.assert_allclose(w.numpy(), 0.5)
    opt.learning_rate = opt.learning_rate * 0.5  # a Tensor, as Keras programs write it
    opt.apply([np.ones(2, np.float32)], [w])
    np.testing.assert_allclose(w.numpy(), 0.25)
    opt.learning_rate.assign_sub(0.15)
    opt.apply([np.ones(2, np.float32)], [w])
    np.testing.assert_allclose(w.numpy(), 0.15, rtol=1e-6)
    assert int(opt.iterations) == 3


def test_held_iterations_variable_follows_training():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizers.Adam(0.01), "mse")
    iteration = model.optimizer.iterations
    model.fit(np.ones((8, 3), "float32"), np.ones((8, 2), "float32"), batch_size=4, epochs=2,
              verbose=0)
    assert int(iteration) == 4 and iteration is model.optimizer.iterations
    assert [v.path for v in model.optimizer.variables][:2] == ["adam/iteration",
                                                               "adam/learning_rate"]
    iteration.assign(1)
    assert model.optimizer._iteration_count() == 1


def test_iterations_count_updates_under_accumulation():
    opt = optimizers.SGD(0.1, gradient_accumulation_steps=2)
    w = Variable(np.ones(2, np.float32))
    iteration = opt.iterations
    calls = opt.variables[0]  # Keras: the count of calls, which files hold too
    for expected in (0, 1, 1, 2):
        opt.apply([np.ones(2, np.float32)], [w])
        assert int(iteration) == expected
    assert calls.path == "sgd/iteration" and int(calls) == 4 and opt.variables[0] is calls
    calls.assign(6)
    assert int(iteration) == 3 and opt._variable_arrays()[0] == 6


def test_schedule_rate_is_its_current_value():
    # Keras: SGD(ExponentialDecay(0.1, 10, 0.5)).learning_rate is Array(0.1, float32), 0.05
    # after iterations.assign(10); its variables are only the iteration.
    opt = optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.5))
    assert opt.learning_rate.dtype == np.float32 and opt.learning_rate == np.float32(0.1)
    opt.iterations.assign(10)
    assert opt.learning_rate == np.float32(0.05)
    assert [v.path for v in opt.variables] == ["sgd/iteration"]
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        opt.learning_rate = 0.3


def test_saved_rate_and_iterations_come_back_as_variables(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizers.Adam(0.01), "mse")
    model.fit(np.ones((8, 3), "float32"), np.ones((8, 2), "float32"), batch_size=4, verbose=0)
    model.optimizer.learning_rate.assign(0.003)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert float(loaded.optimizer.learning_rate) == np.float32(0.003)
    assert int(loaded.optimizer.iterations) == 2
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    other.compile(optimizers.Adam(0.01), "mse")
    rate = other.optimizer.learning_rate
    model.save_weights(str(tmp_path / "m.weights.h5"))
    other.load_weights(str(tmp_path / "m.weights.h5"))
    assert float(rate) == np.float32(0.003) and other.optimizer._current_lr() == \
        float(np.float32(0.003))
    assert int(other.optimizer.iterations) == 2
