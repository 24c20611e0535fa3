"""The fused optimizer kernels (numen.kernels.optimizers, the `numen[fast]` extra): each one
against its optimizer's NumPy path and against PyTorch, float32 and float64, over several steps
(weight decay, clipping, amsgrad / nesterov / centered variants), and the disk cache (a second
process compiles nothing). Skipped without Numba; the NumPy path is tested by the whole suite
under NUMEN_KERNELS=numpy (`make test` runs both)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from numen import optimizers
from numen.autodiff import Variable
from numen.kernels import optimizers as fused

pytest.importorskip("numba")
pytestmark = pytest.mark.slow  # the first run compiles each kernel (seconds each)

STEPS = 6
SHAPES = [(5, 4), (4,), (4, 3), (3,)]

# (name, optimizer factory, the kernel that must run)
CASES = [
    ("adam", lambda: optimizers.Adam(0.01), "adam"),
    ("adam_amsgrad", lambda: optimizers.Adam(0.01, amsgrad=True), "adam"),
    ("adamw_clipnorm", lambda: optimizers.AdamW(0.01, weight_decay=0.1, clipnorm=0.5), "adam"),
    ("adamax", lambda: optimizers.Adamax(0.01, weight_decay=0.05), "adamax"),
    ("nadam", lambda: optimizers.Nadam(0.01), "nadam"),
    ("rmsprop", lambda: optimizers.RMSprop(0.01), "rmsprop"),
    ("rmsprop_centered_momentum",
     lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True, clipvalue=0.3), "rmsprop"),
    ("sgd", lambda: optimizers.SGD(0.1, weight_decay=0.01), "sgd"),
    ("sgd_momentum", lambda: optimizers.SGD(0.1, momentum=0.9), "sgd"),
    ("sgd_nesterov", lambda: optimizers.SGD(0.1, momentum=0.8, nesterov=True,
                                            global_clipnorm=1.0), "sgd"),
    ("adagrad", lambda: optimizers.Adagrad(0.1), "adagrad"),
    ("adadelta", lambda: optimizers.Adadelta(1.0, weight_decay=0.02), "adadelta"),
    ("lion", lambda: optimizers.Lion(0.01, weight_decay=0.1), "lion"),
    ("ftrl", lambda: optimizers.Ftrl(0.1, l1_regularization_strength=0.01,
                                     l2_regularization_strength=0.02,
                                     l2_shrinkage_regularization_strength=0.01, beta=0.1),
     "ftrl"),
    ("lamb", lambda: optimizers.Lamb(0.01, weight_decay=0.01), "lamb"),
    ("schedule_free", lambda: optimizers.ScheduleFreeAdamW(0.01, warmup_steps=3,
                                                          weight_decay=0.01),
     "schedule_free_adamw"),
    ("adafactor", lambda: optimizers.Adafactor(0.05), "adafactor_matrix"),
    ("adafactor_decay_clip", lambda: optimizers.Adafactor(0.5, weight_decay=0.1,
                                                          clip_threshold=0.3, clipnorm=1.0),
     "adafactor_vector"),
    ("adafactor_options", lambda: optimizers.Adafactor(
        0.01, beta_2_decay=-0.5, epsilon_1=1e-3, epsilon_2=1e-2, relative_step=False),
     "adafactor_matrix"),
    # Muon's AdamW variables (the vectors, and w0 when excluded) take Adam's kernel, its
    # matrices the momentum and step kernels around the Newton-Schulz products.
    ("muon", lambda: optimizers.Muon(0.01), "adam"),
    ("muon_decay_excluded", lambda: optimizers.Muon(
        0.02, exclude_layers=["w0"], weight_decay=0.1, adam_weight_decay=0.05,
        adam_lr_ratio=0.5, adam_beta_1=0.8, adam_beta_2=0.99, nesterov=False), "adam"),
    ("muon_decay_step", lambda: optimizers.Muon(0.05, weight_decay=0.1), "muon_step"),
    ("muon_plain_momentum", lambda: optimizers.Muon(
        0.02, nesterov=False, rms_rate=None, ns_steps=3, momentum=0.9, weight_decay=None),
     "muon_momentum"),
]


def _gradients(dtype, steps=STEPS, shapes=SHAPES):
    rng = np.random.default_rng(3)
    return [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]


def _start(dtype, shapes=SHAPES):
    rng = np.random.default_rng(7)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _trajectory(make, dtype, monkeypatch, mode, excluded=False, shapes=SHAPES):
    monkeypatch.setenv("NUMEN_KERNELS", mode)
    opt = make()
    variables = [Variable(w, name=f"w{i}", dtype=np.dtype(dtype).name)
                 for i, w in enumerate(_start(dtype, shapes))]
    if excluded:
        opt.exclude_from_weight_decay(var_names=["w1"])
    for grads in _gradients(dtype, shapes=shapes):
        opt.apply(grads, variables)
    return [v.data.copy() for v in variables]


def _spy(monkeypatch, name):
    calls = []
    kernel = getattr(fused, name)

    def counted(*args):
        calls.append(args[0].dtype)
        return kernel(*args)

    monkeypatch.setattr(fused, name, counted)
    return calls


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, make, kernel", CASES, ids=[c[0] for c in CASES])
def test_kernel_matches_the_numpy_path(name, make, kernel, dtype, monkeypatch):
    expected = _trajectory(make, dtype, monkeypatch, "numpy")
    calls = _spy(monkeypatch, kernel)
    got = _trajectory(make, dtype, monkeypatch, "numba")
    assert calls and all(c == np.dtype(dtype) for c in calls), "the kernel did not run"
    rtol = 2e-5 if dtype == "float32" else 1e-12
    for g, e, s in zip(got, expected, _start(dtype)):
        assert g.dtype == np.dtype(dtype)
        np.testing.assert_allclose(g, e, rtol=rtol, atol=rtol * 1e-2)
        assert not np.allclose(g, s)


@pytest.mark.parametrize("name, make, kernel",
                         [c for c in CASES if "adamw" in c[0] or "decay" in c[0]
                          or c[0] in ("sgd", "lion")])
def test_weight_decay_with_excluded_variables(name, make, kernel, monkeypatch):
    expected = _trajectory(make, "float32", monkeypatch, "numpy", excluded=True)
    got = _trajectory(make, "float32", monkeypatch, "numba", excluded=True)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=2e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adafactor_kernels_on_stacked_matrices_scalars_and_thin_shapes(dtype, monkeypatch):
    """Rank 3 (a stack of factored matrices), one element, a one-column matrix, a long vector
    (several of the kernels' summation blocks) and a matrix whose rows span several blocks."""
    shapes = [(2, 3, 4), (1,), (7, 1), (1, 5), (3000,), (3, 2500)]
    make = lambda: optimizers.Adafactor(0.05, weight_decay=0.01)  # noqa: E731
    expected = _trajectory(make, dtype, monkeypatch, "numpy", shapes=shapes)
    matrix, vector = _spy(monkeypatch, "adafactor_matrix"), _spy(monkeypatch, "adafactor_vector")
    got = _trajectory(make, dtype, monkeypatch, "numba", shapes=shapes)
    assert len(matrix) == 4 * STEPS and len(vector) == 2 * STEPS
    rtol = 2e-5 if dtype == "float32" else 1e-12
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=rtol, atol=rtol * 1e-2)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [{}, {"nesterov": False, "ns_steps": 0, "rms_rate": None}],
                         ids=["defaults", "plain_no_iterations"])
def test_muon_kernels_on_wide_tall_and_square_matrices(options, dtype, monkeypatch):
    shapes = [(3, 6), (6, 3), (4, 4), (4,)]
    make = lambda: optimizers.Muon(0.05, weight_decay=0.05, **options)  # noqa: E731
    expected = _trajectory(make, dtype, monkeypatch, "numpy", shapes=shapes)
    momentum, step = _spy(monkeypatch, "muon_momentum"), _spy(monkeypatch, "muon_step")
    adam = _spy(monkeypatch, "adam")
    got = _trajectory(make, dtype, monkeypatch, "numba", shapes=shapes)
    assert (len(momentum), len(step), len(adam)) == (3 * STEPS, 3 * STEPS, STEPS)
    rtol = 2e-5 if dtype == "float32" else 1e-12
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=rtol, atol=rtol * 1e-2)


def test_a_muon_subclass_with_its_own_orthogonalize_keeps_it(monkeypatch):
    monkeypatch.setenv("NUMEN_KERNELS", "numba")

    class Plain(optimizers.Muon):
        def orthogonalize(self, x):
            return x

    v = Variable(np.ones((2, 3)), dtype="float64")
    Plain(0.1, weight_decay=None, rms_rate=None, nesterov=False).apply([np.ones((2, 3))], [v])
    np.testing.assert_allclose(v.data, 0.9)


def test_mixed_dtypes_take_the_per_variable_path(monkeypatch):
    """No flat buffer (float32 and float64 variables): each variable gets its own kernel call."""
    monkeypatch.setenv("NUMEN_KERNELS", "numba")
    calls = _spy(monkeypatch, "adam")
    variables = [Variable(np.ones(3), dtype="float64"), Variable(np.ones(2), dtype="float32")]
    opt = optimizers.Adam(0.1)
    opt.apply([np.full(3, 0.5), np.full(2, 0.5, "float32")], variables)
    assert calls == [np.dtype("float64"), np.dtype("float32")]
    np.testing.assert_allclose(variables[0].data, 0.9, rtol=1e-6)
    np.testing.assert_allclose(variables[1].data, 0.9, rtol=1e-6)


def test_a_subclass_overriding_update_step_keeps_its_own_update(monkeypatch):
    monkeypatch.setenv("NUMEN_KERNELS", "numba")

    class Halving(optimizers.SGD):
        def update_step(self, g, w, slots, lr, step):
            w *= 0.5

    v = Variable(np.ones(3), dtype="float64")
    Halving(0.1).apply([np.ones(3)], [v])
    np.testing.assert_allclose(v.data, 0.5)


# float32 trajectories against PyTorch (Keras's epsilon placements need a tiny epsilon, as in
# tests/test_optimizers.py, which compares float64 through the same kernels).
TINY = 1e-14
TORCH_CASES = {
    "adam": (lambda: optimizers.Adam(0.01, epsilon=TINY),
             lambda p: torch.optim.Adam(p, lr=0.01, eps=TINY)),
    "adam_amsgrad": (lambda: optimizers.Adam(0.01, epsilon=TINY, amsgrad=True),
                     lambda p: torch.optim.Adam(p, lr=0.01, eps=TINY, amsgrad=True)),
    "adamw": (lambda: optimizers.AdamW(0.01, weight_decay=0.1, epsilon=TINY),
              lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1, eps=TINY)),
    "adamax": (lambda: optimizers.Adamax(0.01, epsilon=TINY),
               lambda p: torch.optim.Adamax(p, lr=0.01, eps=TINY)),
    "nadam": (lambda: optimizers.Nadam(0.01),
              lambda p: torch.optim.NAdam(p, lr=0.01, eps=1e-7, momentum_decay=1.0)),
    "rmsprop_centered": (lambda: optimizers.RMSprop(0.01, centered=True, epsilon=TINY),
                         lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, centered=True,
                                                       eps=TINY)),
    "sgd_nesterov": (lambda: optimizers.SGD(0.05, momentum=0.8, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True)),
    "adagrad": (lambda: optimizers.Adagrad(0.1, epsilon=TINY),
                lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1,
                                              eps=TINY)),
    "adadelta": (lambda: optimizers.Adadelta(1.0, rho=0.9),
                 lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-7)),
}


def _torch_trajectory(make):
    params = [torch.tensor(w, requires_grad=True) for w in _start("float32")]
    opt = make(params)
    for grads in _gradients("float32"):
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        opt.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("case", sorted(TORCH_CASES))
def test_kernel_matches_pytorch_in_float32(case, monkeypatch):
    ours, theirs = TORCH_CASES[case]
    got = _trajectory(ours, "float32", monkeypatch, "numba")
    for g, e in zip(got, _torch_trajectory(theirs)):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-6)


def test_views_refuse_what_a_kernel_cannot_update():
    w = np.zeros((3, 2), "float32")
    assert fused.views(np.ones((3, 2), "float32"), w)[1].base is w
    assert fused.views(np.ones((3, 2)), w) is None  # dtype differs
    assert fused.views(np.ones((3, 2), "float16"), w.astype("float16")) is None
    assert fused.views(np.ones((2, 3), "float32"), np.zeros((2, 3), "float32").T.T) is not None
    assert fused.views(np.ones((2, 3), "float32").T, np.zeros((3, 2), "float32")) is not None
    assert fused.views(np.ones((2, 3), "float32"), np.zeros((3, 2), "float32").T) is None


_CHILD = textwrap.dedent("""
    import numpy as np
    from numen import optimizers
    from numen.autodiff import Variable
    from numen.kernels import optimizers as fused
    v = Variable(np.ones(10, "float32"), dtype="float32")
    optimizers.Adam(0.1).apply([np.ones(10, "float32")], [v])
    stats = fused.adam.compiled().stats
    print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))
""")


def _child(env):
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    env = {**os.environ, "PYTHONPATH": src, "NUMEN_KERNELS": "numba", **env}
    env = {k: v for k, v in env.items() if v is not None}
    out = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True,
                         text=True, timeout=300, check=True).stdout.split()
    return int(out[-2]), int(out[-1])


def test_a_second_process_loads_the_kernel_from_the_disk_cache(tmp_path):
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    assert _child(env) == (0, 1)  # compiled and saved
    assert _child(env) == (1, 0)  # loaded, nothing compiled
    assert any(tmp_path.rglob("*.nbi"))


def test_the_default_cache_is_numen_folder_under_the_user_cache(tmp_path):
    env = {"NUMBA_CACHE_DIR": None, "XDG_CACHE_HOME": str(tmp_path)}
    _child(env)
    assert any((tmp_path / "numen" / "numba").rglob("*.nbi"))
    assert _child(env) == (1, 0)


def test_an_unwritable_cache_falls_back_to_compiling_with_a_warning(tmp_path):
    """No writable folder for Numba's cache: the kernel still runs (and warns)."""
    blocked = tmp_path / "file"
    blocked.write_text("")  # a file where the cache folder should be: makedirs fails
    (tmp_path / "kern.py").write_text(textwrap.dedent("""
        from numen.kernels import jit

        @jit
        def twice(x):
            return 2 * x
    """))
    code = textwrap.dedent("""
        import warnings
        import numpy as np
        import kern
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = kern.twice(np.ones(2))[0]
        print(out, any("no writable cache" in str(w.message) for w in caught))
    """)
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    # Numba's only cache locator: the folder numen chose (not __pycache__ next to the file).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, str(tmp_path)]),
           "NUMBA_CACHE_DIR": str(blocked / "numba"),
           "NUMBA_CACHE_LOCATOR_CLASSES": "UserProvidedCacheLocator"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2.0", "True"]
