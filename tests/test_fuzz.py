"""Hostile-input fuzzing with Hypothesis: random layer stacks and arguments, random shapes and
dtypes (object, string, bool, complex, float16), NaN/Inf, empty arrays, mismatched dict keys,
random compile/fit/evaluate/predict arguments.

Every case either works or raises ValueError/TypeError with a message; nothing hangs (an alarm
stops a case after 20 s) and a rejected call leaves the model usable (a valid fit and predict
run after it). Cases are drawn with a fixed seed (`derandomize=True`, no example database),
so every run, in CI too, tries the same inputs.
"""

import contextlib
import signal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numen import keras
from numen.keras import layers

ALLOWED = (ValueError, TypeError)
CASE_SECONDS = 20


class Hang(Exception):
    pass


@contextlib.contextmanager
def alarm(seconds=CASE_SECONDS):
    def on_alarm(signum, frame):
        raise Hang(f"a fuzz case ran over {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def attempt(fn, *args, **kwargs):
    """Run one call: returns (True, result) or (False, error) for an allowed error; anything
    else (a crash type, an empty message) fails the case."""
    try:
        return True, fn(*args, **kwargs)
    except ALLOWED as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message from {fn}"
        return False, exc


# -- strategies -----------------------------------------------------------------------------
UNITS = st.sampled_from([3, 1, 4] * 6 + [0, -2, 2.5, "4", None])
RATE = st.sampled_from([0.0, 0.5, 0.2] * 6 + [1.0, -0.1, 1.5, "half"])
ACTIVATION = st.sampled_from([None, "relu", "softmax", "tanh", "sigmoid", "gelu"] * 3
                             + ["nope", 3])


def _make(cls, *args, **kwargs):
    """A layer to build later: constructing it is part of the case (bad arguments raise)."""
    return lambda: cls(*args, **kwargs)


@st.composite
def layer_spec(draw, rank):
    """A factory for a layer on inputs of `rank` (batch axis included), sometimes with bad
    arguments."""
    common = [
        st.builds(lambda u, a: _make(layers.Dense, u, activation=a), UNITS, ACTIVATION),
        st.builds(lambda r: _make(layers.Dropout, r), RATE),
        st.builds(lambda a: _make(layers.Activation, a), ACTIVATION),
        st.just(_make(layers.BatchNormalization)),
        st.just(_make(layers.LayerNormalization)),
        st.builds(lambda s: _make(layers.GaussianNoise, s), st.sampled_from([0.1, 1.0, -1.0])),
        st.just(_make(layers.Flatten)),
    ]
    seq = [
        st.builds(lambda u, k: _make(layers.Conv1D, u, k, padding="same"), UNITS,
                  st.sampled_from([1, 2, 3, 0])),
        st.builds(lambda u, r: _make(layers.LSTM, u, return_sequences=r), UNITS,
                  st.booleans()),
        st.builds(lambda u: _make(layers.SimpleRNN, u, return_sequences=True), UNITS),
        st.just(_make(layers.GlobalAveragePooling1D)),
        st.just(_make(layers.MaxPooling1D, 2, padding="same")),
        st.builds(lambda r: _make(layers.SpatialDropout1D, r), RATE),
    ]
    return draw(st.one_of(*(common + (seq if rank == 3 else seq[:1] + seq[3:4]))))


DTYPES = ["float32", "float64", "float16", "int32", "int64", "uint8", "bool", "object",
          "str", "complex64"]


@st.composite
def array(draw, shape, dtype_choices=DTYPES):
    dtype = draw(st.sampled_from(dtype_choices))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    values = rng.normal(size=shape)
    special = draw(st.sampled_from([None, None, None, np.nan, np.inf, -np.inf]))
    if special is not None and values.size:
        values.flat[draw(st.integers(0, values.size - 1))] = special
    if dtype == "str":
        return values.astype(str)
    if dtype == "object":
        out = values.astype(object)
        if out.size and draw(st.booleans()):
            out.flat[0] = draw(st.sampled_from(["a", None, [1, 2], {"k": 1}]))
        return out
    with np.errstate(all="ignore"):
        return values.astype(dtype)


@st.composite
def perturbed_shape(draw, shape):
    """`shape`, or a near miss: another sample count, feature size or rank."""
    kind = draw(st.sampled_from(["same", "same", "same", "samples", "feature", "rank",
                                 "empty"]))
    shape = list(shape)
    if kind == "samples":
        shape[0] = draw(st.sampled_from([1, 2, 7]))
    elif kind == "feature":
        shape[-1] = draw(st.sampled_from([1, shape[-1] + 1, 0]))
    elif kind == "rank":
        shape = shape[:-1] if len(shape) > 1 and draw(st.booleans()) else shape + [2]
    elif kind == "empty":
        shape[0] = 0
    return tuple(shape)


OPTIMIZERS = st.sampled_from(["adam", "sgd", "rmsprop", "adagrad"] * 4 + ["nope", 3, None])
LOSSES = st.sampled_from(["mse", "mae", "huber", "binary_crossentropy",
                          "categorical_crossentropy", "sparse_categorical_crossentropy",
                          "mse", "mae", "nope", 5, None])
METRICS = st.sampled_from([None, ["mae"], ["accuracy"], "mae"] * 3 + [["nope"], [None], [3]])

FIT_KWARGS = st.fixed_dictionaries({}, optional={
    "batch_size": st.sampled_from([1, 3, 32, 0, -1, 2.5, "8"]),
    "epochs": st.sampled_from([0, 1, 2, -1, 1.5, "2"]),
    "verbose": st.sampled_from([0, 3, "loud", True]),
    "validation_split": st.sampled_from([0.0, 0.25, 0.99, 1.0, -0.2, 2, "x"]),
    "shuffle": st.sampled_from([True, False, "batch", "x"]),
    "steps_per_epoch": st.sampled_from([1, 2, 0, -1]),
    "initial_epoch": st.sampled_from([0, 1, 5, -1]),
    "class_weight": st.sampled_from([{0: 1.0, 1: 2.0}, {"a": 1}, "x", {0: np.nan}]),
    "validation_freq": st.sampled_from([1, 2, 0, [1], "x"]),
})


# -- one case -------------------------------------------------------------------------------
def usable(model, x_shape):
    """After a rejected call the model still trains and predicts on valid data."""
    rng = np.random.default_rng(0)
    if isinstance(x_shape, dict):
        x = {k: rng.normal(size=(4,) + s[1:]).astype("float32") for k, s in x_shape.items()}
    else:
        x = rng.normal(size=(4,) + tuple(x_shape[1:])).astype("float32")
    out = model.predict(x, verbose=0)
    model.compile("sgd", "mse")
    model.fit(x, np.zeros_like(out), epochs=1, verbose=0)
    after = model.predict(x, verbose=0)
    assert after.shape == out.shape


def run_case(data):
    rank = data.draw(st.sampled_from([2, 3]))
    in_shape = (5, 4) if rank == 2 else (5, 6, 3)
    multi = data.draw(st.integers(0, 5)) == 0
    specs = data.draw(st.lists(layer_spec(rank), min_size=1, max_size=3))
    # Building: bad layer arguments and impossible stacks are refused here.
    if multi:
        ok, model = attempt(build_two_inputs, in_shape, specs)
    else:
        ok, model = attempt(lambda: keras.Sequential([keras.Input(in_shape[1:]),
                                                      *[make() for make in specs]]))
    if not ok:
        return "rejected at build"
    x_shape = {"a": in_shape, "b": in_shape} if multi else in_shape

    x = draw_x(data, in_shape, multi)
    ok, out = attempt(model.predict, x, verbose=0)
    if not ok:
        usable(model, x_shape)
    out_shape = model.output_shape
    y_shape = data.draw(perturbed_shape((in_shape[0],) + tuple(
        n if n is not None else 2 for n in out_shape[1:])))
    y = data.draw(array(y_shape, ["float32", "int64", "bool", "object", "str", "float64"]))
    ok, _ = attempt(model.compile, data.draw(OPTIMIZERS), data.draw(LOSSES),
                    metrics=data.draw(METRICS))
    if not ok:
        usable(model, x_shape)
        return "rejected at compile"
    what = data.draw(st.sampled_from(["fit", "fit", "evaluate", "train_on_batch",
                                      "test_on_batch", "call", "predict_on_batch"]))
    if what == "fit":
        kwargs = data.draw(FIT_KWARGS)
        if data.draw(st.booleans()):
            kwargs["sample_weight"] = data.draw(array(
                data.draw(perturbed_shape((in_shape[0],))), ["float32", "str", "float64"]))
        ok, _ = attempt(model.fit, x, y, **kwargs)
    elif what == "evaluate":
        ok, _ = attempt(model.evaluate, x, y, verbose=0)
    elif what == "train_on_batch":
        ok, _ = attempt(model.train_on_batch, x, y)
    elif what == "test_on_batch":
        ok, _ = attempt(model.test_on_batch, x, y)
    elif what == "call":
        ok, _ = attempt(model, x, training=data.draw(st.booleans()))
    else:
        ok, _ = attempt(model.predict_on_batch, x)
    usable(model, x_shape)
    return f"{what} {'worked' if ok else 'rejected'}"


def build_two_inputs(in_shape, specs):
    a, b = keras.Input(in_shape[1:], name="a"), keras.Input(in_shape[1:], name="b")
    h = layers.Concatenate()([a, b])
    for make in specs:
        h = make()(h)
    return keras.Model({"a": a, "b": b}, h)


def draw_x(data, in_shape, multi):
    if not multi:
        return data.draw(array(data.draw(perturbed_shape(in_shape))))
    keys = data.draw(st.sampled_from([("a", "b"), ("a", "b"), ("a",), ("a", "c"),
                                      ("a", "b", "extra"), ("b", "a")]))
    form = data.draw(st.sampled_from(["dict", "dict", "list", "array"]))
    arrays = {k: data.draw(array(data.draw(perturbed_shape(in_shape)))) for k in keys}
    if form == "dict":
        return arrays
    if form == "list":
        return list(arrays.values())
    return next(iter(arrays.values()))


def fuzz_settings(cases: int) -> settings:
    return settings(max_examples=cases, deadline=None, derandomize=True, database=None,
                    print_blob=True, suppress_health_check=list(HealthCheck))
OUTCOMES: dict[str, int] = {}


def fuzz_body(data):
    keras.backend.clear_session()
    with alarm(), np.errstate(all="ignore"):
        outcome = run_case(data)
    OUTCOMES[outcome] = OUTCOMES.get(outcome, 0) + 1


def run_fuzz(cases: int) -> dict:
    @fuzz_settings(cases)
    @given(st.data())
    def fuzz(data):
        fuzz_body(data)

    OUTCOMES.clear()
    fuzz()
    print(f"fuzz: {sum(OUTCOMES.values())} cases:", dict(sorted(OUTCOMES.items())))
    # The generator is not stuck rejecting at build: fit, evaluate, calls and the others
    # ran, with successes and rejections.
    seen = {k.split()[0] for k in OUTCOMES}
    assert {"fit", "evaluate", "call", "rejected"} <= seen, OUTCOMES
    assert OUTCOMES.get("fit worked", 0) > 10 and OUTCOMES.get("fit rejected", 0) > 10, OUTCOMES
    return dict(OUTCOMES)


def test_fuzz_500_cases():
    assert sum(run_fuzz(500).values()) >= 500


@pytest.mark.slow
def test_fuzz_10000_cases():
    assert sum(run_fuzz(10_000).values()) >= 10_000


# -- findings fixed after the fuzzing found them ----------------------------------------------
def tiny_model():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_class_weight_is_rejected(bad):
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = np.array([0, 1] * 4)
    model = tiny_model()
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="class_weight"):
        model.fit(x, y, class_weight={0: bad, 1: 1.0}, verbose=0)


@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch"])
def test_empty_data_is_rejected(method):
    model = tiny_model()
    x, y = np.zeros((0, 3), "float32"), np.zeros((0,), "int64")
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="0 samples|empty"):
        getattr(model, method)(x, y, **({"verbose": 0} if method != "train_on_batch" else {}))
