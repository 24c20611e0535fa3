"""The playground's set-up description: defaults and checks, the page address, the model it
builds, the data sets, the diagnostics, and the script a user takes away (run for real)."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from numen.playground import codegen, datasets, diagnostics
from numen.playground.setup import (
    DEFAULT,
    build_model,
    from_fragment,
    normalize,
    task_of,
    to_fragment,
)

SRC = pathlib.Path(__file__).resolve().parents[1] / "src"


def test_normalize_fills_defaults_and_keeps_given_values():
    s = normalize({"data": {"name": "spiral", "noise": 0.3}, "seed": 7})
    assert s["data"]["name"] == "spiral" and s["data"]["noise"] == 0.3
    assert s["data"]["n"] == DEFAULT["data"]["n"] and s["seed"] == 7
    assert s["layers"] == DEFAULT["layers"]
    assert normalize(s) == s


@pytest.mark.parametrize("bad, where", [
    ({"data": {"name": "mnist"}}, "data.name"),
    ({"data": {"n": 5}}, "data.n"),
    ({"data": {"features": []}}, "data.features"),
    ({"layers": [{"type": "Dense", "units": 0}]}, "layers[0].units"),
    ({"layers": [{"type": "Dense", "activation": "nope"}]}, "layers[0].activation"),
    ({"layers": [{"type": "Conv3D"}]}, "layers[0]"),
    ({"layers": [{"type": "Conv2D"}]}, "layers[0]: Conv2D needs images"),
    ({"data": {"name": "sine"}, "layers": [{"type": "Flatten"}, {"type": "LSTM"}]},
     "layers[1]: LSTM needs a series"),
    ({"data": {"name": "digits"}, "layers": [{"type": "Conv2D", "filters": 500}]},
     "layers[0].filters"),
    ({"compile": {"optimizer": "magic"}}, "compile.optimizer"),
    ({"fit": {"epochs": "ten"}}, "fit.epochs"),
    ({"colour": "red"}, "unknown keys"),
    ({"data": {"name": "csv"}}, "data.target"),
])
def test_normalize_names_the_bad_value(bad, where):
    with pytest.raises(ValueError, match="playground set-up") as info:
        normalize(bad)
    assert where in str(info.value)


def test_fragment_round_trip_and_errors():
    s = normalize({"data": {"name": "xor", "features": ["x1", "x2", "x1*x2"]},
                   "layers": [{"type": "Dropout", "rate": 0.1}]})
    fragment = to_fragment(s)
    assert fragment.startswith("s=") and "=" not in fragment[2:]
    assert from_fragment("#" + fragment) == s
    with pytest.raises(ValueError, match="must start with 's='"):
        from_fragment("#x=1")
    with pytest.raises(ValueError, match="not a valid set-up"):
        from_fragment("s=!!!!")


def test_build_model_follows_the_setup_and_the_seed():
    s = normalize({"layers": [{"type": "Dense", "units": 5, "activation": "relu", "l2": 0.01},
                              {"type": "Dropout", "rate": 0.1},
                              {"type": "BatchNormalization"}]})
    head = task_of(s)
    m1, m2 = build_model(s, 3, head), build_model(s, 3, head)
    kinds = [type(layer).__name__ for layer in m1.layers]
    assert kinds == ["Dense", "Dropout", "BatchNormalization", "Dense"]
    assert m1.layers[0].units == 5 and m1.layers[-1].units == 1
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert task_of(normalize({"data": {"name": "plane"}}))["loss"] == "mse"
    digits = task_of(normalize({"data": {"name": "digits"}}), n_classes=10)
    assert digits["units"] == 10 and digits["activation"] == "softmax"


@pytest.mark.parametrize("name", datasets.CLASSIFICATION_2D + datasets.REGRESSION_2D)
def test_2d_sets(name):
    x, y = datasets.make_2d(name, 200, 0.2, np.random.default_rng(0))
    assert x.shape == (200, 2) and y.shape == (200, 1) and x.dtype == np.float32
    assert np.abs(x).max() < 8
    if name in datasets.CLASSIFICATION_2D:
        assert set(np.unique(y)) == {0.0, 1.0} and 0.35 < y.mean() < 0.65
    x2, _ = datasets.make_2d(name, 200, 0.2, np.random.default_rng(0))
    np.testing.assert_array_equal(x, x2)


def test_plan_adds_flatten_and_return_sequences():
    from numen.playground.setup import plan

    s = normalize({"data": {"name": "digits"},
                   "layers": [{"type": "Conv2D"}, {"type": "AveragePooling2D"},
                              {"type": "Dense", "units": 4}]})
    assert [p["type"] for p in plan(s)] == ["Conv2D", "AveragePooling2D", "Flatten", "Dense"]
    model = build_model(s, 64, task_of(s, 10))
    assert model.input_shape == (None, 8, 8, 1) and model.output_shape == (None, 10)
    s = normalize({"data": {"name": "sine"},
                   "layers": [{"type": "SimpleRNN", "units": 3}, {"type": "LSTM", "units": 2}]})
    assert [p.get("return_sequences") for p in plan(s)] == [True, False]
    assert task_of(s)["task"] == "regression"
    assert build_model(s, 20, task_of(s)).output_shape == (None, 1)
    s = normalize({"data": {"name": "sine"}, "layers": [{"type": "Dense", "units": 3}]})
    assert [p["type"] for p in plan(s)] == ["Flatten", "Dense"]


def test_conv_and_recurrent_setups_round_trip_through_the_address():
    for given in (CONTRACT_SETUPS["conv"].values[0], CONTRACT_SETUPS["recurrent"]):
        s = normalize(given)
        assert from_fragment(to_fragment(s)) == s


def test_series_set():
    x, y = datasets.make_series(30, 0.1, np.random.default_rng(0))
    assert x.shape == (30, datasets.SERIES_STEPS, 1) and y.shape == (30, 1)
    assert np.abs(x).max() < 2


def test_features_and_split():
    x = np.array([[1.0, 2.0], [0.5, -1.0]], dtype="float32")
    f = datasets.add_features(x, ["x1", "x2", "x1^2", "x1*x2", "sin(x2)"])
    np.testing.assert_allclose(f[0], [1, 2, 1, 2, np.sin(2)], rtol=1e-6)
    xt, yt, xs, ys = datasets.split(np.arange(10)[:, None], np.arange(10)[:, None], 0.3,
                                    np.random.default_rng(0))
    assert len(xs) == 3 and len(xt) == 7
    assert sorted(np.concatenate([xt, xs])[:, 0]) == list(range(10))


def test_notes_from_measured_signals():
    def layer(**kw):
        return {"name": "dense", "weight": 0.5, "grad": 0.1, "activation": "relu", "units": 10,
                "dead": 0.0, "saturated": 0.0, **kw}

    out = layer(activation="sigmoid", units=1)
    kinds = lambda notes: {n["kind"] for n in notes}  # noqa: E731
    assert kinds(diagnostics.notes([{"loss": 0.5}], [layer(), out])) == set()
    assert "dead_relu" in kinds(diagnostics.notes([], [layer(dead=0.7), out]))
    assert "saturated" in kinds(diagnostics.notes([], [layer(activation="tanh", saturated=0.8),
                                                       out]))
    assert "vanishing" in kinds(diagnostics.notes([], [layer(grad=1e-7), layer(), out]))
    assert "exploding" in kinds(diagnostics.notes([], [layer(grad=1e5), out]))
    assert "nan_loss" in kinds(diagnostics.notes([{"loss": float("nan")}], [out]))
    rising = [{"loss": v} for v in (1.0, 0.5, 0.4, 2.0, 5.0)]
    assert "diverging" in kinds(diagnostics.notes(rising, [out]))
    gap = [{"loss": 1 / (i + 1), "val_loss": 0.5 + max(0, i - 10) * 0.05} for i in range(30)]
    assert "overfitting" in kinds(diagnostics.notes(gap, [out]))


def test_layer_stats_measure_dead_units():
    s = normalize({"data": {"name": "xor"},
                   "layers": [{"type": "Dense", "units": 4, "activation": "relu"}]})
    model = build_model(s, 2, task_of(s))
    kernel, bias = model.layers[0].get_weights()
    model.layers[0].set_weights([kernel, np.array([-100, -100, 0, 0], dtype="float32")])
    x = np.random.default_rng(0).uniform(-1, 1, (64, 2)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    stats = diagnostics.layer_stats(model, x, y, "binary_crossentropy")
    assert stats[0]["dead"] == 0.5 and stats[0]["units"] == 4
    assert all(s["grad"] > 0 and s["weight"] > 0 for s in stats)


def test_layer_stats_measure_dead_and_saturated_filters_of_a_convolution():
    s = normalize({"data": {"name": "digits"},
                   "layers": [{"type": "Conv2D", "filters": 4, "kernel_size": 3,
                               "activation": "relu"}, {"type": "Dense", "units": 8}]})
    model = build_model(s, 64, task_of(s))
    conv = model.layers[0]
    kernel, _ = conv.get_weights()
    # Filters 0 and 1 never fire on ink in [0, 1]: a negative bias no weight can beat.
    conv.set_weights([kernel, np.array([-100, -100, 0, 0], dtype="float32")])
    x = np.random.default_rng(0).uniform(0, 1, (32, 8, 8, 1)).astype("float32")
    y = np.random.default_rng(1).integers(0, 10, (32, 1))
    stats = diagnostics.layer_stats(model, x, y, "sparse_categorical_crossentropy")
    assert stats[0]["units"] == 4 and stats[0]["dead"] == 0.5
    assert "dead_relu" in {n["kind"] for n in diagnostics.notes([], stats)}
    # tanh filters pinned at +-1 everywhere are saturated.
    s["layers"][0]["activation"] = "tanh"
    model = build_model(s, 64, task_of(s))
    kernel, _ = model.layers[0].get_weights()
    model.layers[0].set_weights([kernel, np.array([50, -50, 0, 0], dtype="float32")])
    stats = diagnostics.layer_stats(model, x, y, "sparse_categorical_crossentropy")
    assert stats[0]["saturated"] == 0.5 and stats[0]["dead"] == 0.0


def _run(script: str, cwd: pathlib.Path, python=sys.executable, env=None):
    (cwd / "model_script.py").write_text(script)
    env = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    return subprocess.run([python, "model_script.py"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def _only_the_import_is_numen(script: str):
    code = script.split('"""', 2)[2]  # after the module docstring
    lines = [ln for ln in code.splitlines() if "numen" in ln and not ln.lstrip().startswith("#")]
    assert lines == ["from numen import keras"]


def test_script_for_a_2d_set_runs(tmp_path):
    s = normalize({"data": {"name": "moons", "n": 60, "features": ["x1", "x2", "x1^2"]},
                   "layers": [{"type": "Dense", "units": 4, "activation": "relu", "l2": 0.001},
                              {"type": "Dropout", "rate": 0.1}],
                   "compile": {"optimizer": "sgd", "learning_rate": 0.1},
                   "fit": {"epochs": 2, "batch_size": 8}, "seed": 3})
    text = codegen.script(s)
    _only_the_import_is_numen(text)
    done = _run(text, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "test:" in done.stdout and (tmp_path / "model.keras").exists()


@pytest.mark.slow  # about 10 s: scikit-learn's import and a digits epoch in a subprocess
def test_script_for_digits_runs(tmp_path):
    pytest.importorskip("sklearn")
    s = normalize({"data": {"name": "digits"}, "fit": {"epochs": 1, "batch_size": 64}})
    text = codegen.script(s, n_classes=10)
    _only_the_import_is_numen(text)
    assert "keras.layers.Dense(10, activation='softmax')" in text
    done = _run(text, tmp_path)
    assert done.returncode == 0, done.stderr


def test_script_for_a_csv_runs(tmp_path):
    from numen.cli.tabular import Preprocessing

    rows = ["size,colour,label"] + [f"{i % 7},{'red' if i % 3 else 'blue'},{i % 2}"
                                    for i in range(40)]
    (tmp_path / "mine.csv").write_text("\n".join(rows) + "\n")
    table = {"size": [r.split(",")[0] for r in rows[1:]],
             "colour": [r.split(",")[1] for r in rows[1:]],
             "label": [r.split(",")[2] for r in rows[1:]]}
    prep = Preprocessing.fit(table, "label").to_json()
    s = normalize({"data": {"name": "csv", "target": "label"}, "fit": {"epochs": 1}})
    text = codegen.script(s, encoding=prep, csv_name="mine.csv")
    _only_the_import_is_numen(text)
    x, y = datasets.encode_table(table, prep)
    assert x.shape == (40, 3) and set(y[:, 0]) == {0.0, 1.0}
    done = _run(text, tmp_path)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("given", [
    {"data": {"name": "spiral", "n": 60}, "fit": {"epochs": 2}},
    {"data": {"name": "sine", "n": 60}, "fit": {"epochs": 2},
     "layers": [{"type": "SimpleRNN", "units": 4}, {"type": "GRU", "units": 3},
                {"type": "Dense", "units": 4}]},
], ids=["dense", "recurrent"])
def test_script_runs_under_real_keras(tmp_path, given):
    """With `import keras` and a real Keras 3 (the interop venv), the same script trains."""
    python = os.environ.get("NUMEN_INTEROP_PYTHON") or str(
        SRC.parent / ".venv" / "interop" / "bin" / "python")
    if not pathlib.Path(python).exists():
        pytest.skip("no Keras 3 interpreter (set NUMEN_INTEROP_PYTHON)")
    s = normalize(given)
    text = codegen.script(s).replace("from numen import keras", "import keras")
    done = _run(text, tmp_path, python=python, env={"KERAS_BACKEND": "jax", "PYTHONPATH": ""})
    assert done.returncode == 0, done.stderr


CONTRACT_SETUPS = {
    "dense": {"data": {"name": "moons", "n": 100},
              "layers": [{"type": "Dense", "units": 6, "activation": "relu"},
                         {"type": "Dropout", "rate": 0.2}],
              "fit": {"epochs": 3, "batch_size": 16}, "seed": 5},
    "conv": pytest.param(
        {"data": {"name": "digits", "test_ratio": 0.5},
         "layers": [{"type": "Conv2D", "filters": 4, "kernel_size": 3},
                    {"type": "MaxPooling2D", "pool_size": 2},
                    {"type": "Dense", "units": 8, "activation": "relu"}],
         "fit": {"epochs": 1, "batch_size": 64}, "seed": 2},
        marks=pytest.mark.slow),
    "recurrent": {"data": {"name": "sine", "n": 120},
                  "layers": [{"type": "LSTM", "units": 6}, {"type": "GRU", "units": 4}],
                  "fit": {"epochs": 2, "batch_size": 16}, "seed": 1},
}


@pytest.mark.parametrize("given", list(CONTRACT_SETUPS.values()), ids=list(CONTRACT_SETUPS))
def test_script_reproduces_the_pages_run(tmp_path, given):
    """The contract: the script a user takes away trains to the same losses and weights as the
    page did (same data, split, initialization, dropout and shuffling), for dense, convolution
    and recurrent set-ups."""
    from numen import keras
    from numen.playground.session import Session

    if given["data"]["name"] == "digits":
        pytest.importorskip("sklearn")
    session = Session(tmp_path)
    session.apply(given)
    session.start()
    session.wait(120)
    page = [h["loss"] for h in session.snapshot()["history"]]
    text = session.script() + ("\nimport json\n"
                               "print('LOSSES', json.dumps(history.history['loss']))\n")
    done = _run(text, tmp_path)
    assert done.returncode == 0, done.stderr
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("LOSSES"))
    np.testing.assert_allclose(json.loads(line.split(" ", 1)[1]), page, rtol=1e-5)
    taken = keras.saving.load_model(str(tmp_path / "model.keras"))
    for a, b in zip(taken.get_weights(), session.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
