"""Learning-rate schedules: values against the documented formulas and PyTorch's schedulers,
config round trips, and argument errors."""

import math

import numpy as np
import pytest
import torch

from numen import keras
from numen.autodiff import Tensor
from numen.optimizers import schedules

STEPS = [0, 1, 3, 7, 10, 15, 26, 100]


def _torch_rates(make_scheduler, lr, steps):
    """The rate a PyTorch scheduler gives at each step in `steps` (0-based)."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    scheduler = make_scheduler(opt)
    rates = []
    for t in range(max(steps) + 1):
        if t in steps:
            rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return rates


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    s = schedules.ExponentialDecay(0.5, decay_steps=4, decay_rate=0.3, staircase=staircase)
    for t in STEPS:
        p = t // 4 if staircase else t / 4
        assert s(t) == pytest.approx(0.5 * 0.3**p, rel=1e-12)


def test_exponential_decay_matches_torch_exponential_lr():
    s = schedules.ExponentialDecay(0.5, decay_steps=1, decay_rate=0.9)
    expected = _torch_rates(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9), 0.5, STEPS)
    np.testing.assert_allclose([s(t) for t in STEPS], expected, rtol=1e-10)


def test_piecewise_constant_decay_boundaries_are_inclusive_on_the_left_piece():
    s = schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    got = [s(t) for t in (0, 10, 11, 20, 21, 1000)]
    assert got == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]


def test_cosine_decay_without_warmup():
    s = schedules.CosineDecay(0.4, decay_steps=20, alpha=0.1)
    for t in STEPS:
        frac = min(t, 20) / 20
        expected = 0.4 * ((1 - 0.1) * 0.5 * (1 + math.cos(math.pi * frac)) + 0.1)
        assert s(t) == pytest.approx(expected, rel=1e-12)
    assert s(20) == pytest.approx(0.04) and s(500) == pytest.approx(0.04)


def test_cosine_decay_matches_torch_cosine_annealing():
    s = schedules.CosineDecay(0.4, decay_steps=30, alpha=0.25)
    steps = [t for t in STEPS if t <= 30]
    expected = _torch_rates(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=30, eta_min=0.1),
        0.4, steps)
    np.testing.assert_allclose([s(t) for t in steps], expected, rtol=1e-9)


def test_cosine_decay_with_warmup():
    s = schedules.CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=5)
    np.testing.assert_allclose([s(t) for t in range(6)], [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    for t in (7, 10, 15, 40):
        frac = min(t - 5, 10) / 10
        assert s(t) == pytest.approx(0.5 * (1 + math.cos(math.pi * frac)), abs=1e-12)


@pytest.mark.parametrize("t_mul, m_mul", [(1.0, 1.0), (2.0, 1.0), (2.0, 0.5), (1.5, 0.8)])
def test_cosine_decay_restarts(t_mul, m_mul):
    s = schedules.CosineDecayRestarts(1.0, first_decay_steps=4, t_mul=t_mul, m_mul=m_mul,
                                      alpha=0.1)
    # Walk the periods explicitly: period i has length 4 * t_mul**i and peak m_mul**i.
    start, length, i = 0.0, 4.0, 0
    for t in range(60):
        while t >= start + length:
            start, length, i = start + length, length * t_mul, i + 1
        frac = (t - start) / length
        expected = (1 - 0.1) * m_mul**i * 0.5 * (1 + math.cos(math.pi * frac)) + 0.1
        assert s(t) == pytest.approx(expected, rel=1e-9, abs=1e-12), t


def test_cosine_decay_restarts_matches_torch_warm_restarts():
    s = schedules.CosineDecayRestarts(0.3, first_decay_steps=5, t_mul=2.0)
    steps = list(range(40))
    expected = _torch_rates(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2),
        0.3, steps)
    np.testing.assert_allclose([s(t) for t in steps], expected, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    s = schedules.InverseTimeDecay(0.2, decay_steps=3, decay_rate=0.5, staircase=staircase)
    for t in STEPS:
        p = t // 3 if staircase else t / 3
        assert s(t) == pytest.approx(0.2 / (1 + 0.5 * p), rel=1e-12)


@pytest.mark.parametrize("power", [1.0, 0.5, 2.0])
def test_polynomial_decay(power):
    s = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=power)
    for t in STEPS:
        frac = min(t, 10) / 10
        assert s(t) == pytest.approx((0.1 - 0.01) * (1 - frac) ** power + 0.01, rel=1e-12)


def test_polynomial_decay_cycle_stretches_the_horizon():
    s = schedules.PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0, cycle=True)
    assert s(0) == 1.0 and s(5) == pytest.approx(0.5)
    assert s(10) == pytest.approx(0.0)
    assert s(15) == pytest.approx(1 - 15 / 20)  # horizon is now 20
    assert s(25) == pytest.approx(1 - 25 / 30)


def test_polynomial_decay_matches_torch_polynomial_lr():
    s = schedules.PolynomialDecay(0.3, decay_steps=12, end_learning_rate=0.0, power=2.0)
    steps = [t for t in STEPS if t <= 12]
    expected = _torch_rates(
        lambda o: torch.optim.lr_scheduler.PolynomialLR(o, total_iters=12, power=2.0),
        0.3, steps)
    np.testing.assert_allclose([s(t) for t in steps], expected, rtol=1e-9)


def test_schedules_accept_array_and_tensor_steps():
    s = schedules.ExponentialDecay(1.0, 2, 0.5)
    assert s(np.int64(4)) == pytest.approx(0.25)
    assert s(Tensor(np.array(4.0))) == pytest.approx(0.25)


ALL = [
    schedules.ExponentialDecay(0.1, 7, 0.9, staircase=True, name="e"),
    schedules.PiecewiseConstantDecay([3, 9], [0.3, 0.2, 0.1]),
    schedules.CosineDecay(0.1, 50, alpha=0.2, warmup_target=0.3, warmup_steps=4),
    schedules.CosineDecayRestarts(0.1, 5, t_mul=1.5, m_mul=0.9, alpha=0.05),
    schedules.InverseTimeDecay(0.1, 5, 0.3),
    schedules.PolynomialDecay(0.1, 40, end_learning_rate=0.001, power=3.0, cycle=True),
]


@pytest.mark.parametrize("schedule", ALL, ids=lambda s: type(s).__name__)
def test_config_round_trip(schedule):
    config = schedules.serialize(schedule)
    assert config["class_name"] == type(schedule).__name__
    restored = schedules.get(config)
    assert type(restored) is type(schedule)
    assert restored.get_config() == schedule.get_config()
    assert [restored(t) for t in STEPS] == [schedule(t) for t in STEPS]
    assert schedules.deserialize(config).get_config() == schedule.get_config()
    assert type(schedule).from_config(schedule.get_config()).get_config() == \
        schedule.get_config()


def test_keras_namespace_and_custom_schedule():
    assert keras.optimizers.schedules.CosineDecay is schedules.CosineDecay

    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.8 * 0.5 ** (step // 2)

        def get_config(self):
            return {}

    opt = keras.optimizers.SGD(learning_rate=Halving())
    assert opt.learning_rate == pytest.approx(0.8)
    opt.iterations = 4
    assert opt.learning_rate == pytest.approx(0.2)
    restored = schedules.deserialize(schedules.serialize(Halving()),
                                     custom_objects={"Halving": Halving})
    assert isinstance(restored, Halving)


def test_bad_arguments():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="one more element"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="increasing"):
        schedules.PiecewiseConstantDecay([5, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="initial_learning_rate"):
        schedules.CosineDecay(-1.0, 10)
    with pytest.raises(ValueError, match="first_decay_steps"):
        schedules.CosineDecayRestarts(0.1, -3)
    with pytest.raises(ValueError, match=r"Unknown learning rate schedule 'Nope'"):
        schedules.get({"class_name": "Nope", "config": {}})
    with pytest.raises(TypeError):
        schedules.get("cosine")
    with pytest.raises(NotImplementedError):
        schedules.LearningRateSchedule()(0)
