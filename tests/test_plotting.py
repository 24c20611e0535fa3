"""keras.utils.plot_model / model_to_dot (pydot + Graphviz) and numen.utils.plot_history
(matplotlib). Rendering tests skip, saying why, where Graphviz's `dot` is not installed."""

import shutil

import numpy as np
import pytest

from numen import keras
from numen.utils import plot_history

pydot = pytest.importorskip("pydot")

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` program is not installed "
                                      "(apt-get install graphviz)")


def functional_model():
    x = keras.Input((4,), name="features")
    a = keras.layers.Dense(8, activation="relu", name="wide")(x)
    b = keras.layers.Dense(8, activation="tanh", name="other")(x)
    merged = keras.layers.Concatenate(name="join")([a, b])
    y = keras.layers.Dense(1, activation="sigmoid", name="score")(merged)
    return keras.Model(x, y)


def sequential_model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, name="hidden"),
                             keras.layers.Dense(2, activation="softmax", name="probs")])


def test_dot_source_has_every_layer_and_the_wiring():
    model = functional_model()
    source = keras.utils.model_to_dot(model, show_shapes=True).to_string()
    for layer in model.layers:
        assert layer.name in source
    assert source.count("->") == 5  # features->wide, features->other, 2x ->join, join->score
    assert "(None, 16)" in source  # the Concatenate output shape
    assert "rankdir=TB" in source


def test_sequential_dot_chains_the_input_and_layers():
    dot = keras.utils.model_to_dot(sequential_model(), show_shapes=True, show_dtype=True,
                                   show_layer_activations=True, rankdir="LR")
    source = dot.to_string()
    for name in ("input_layer", "hidden", "probs"):
        assert name in source
    assert len(dot.get_edges()) == 2
    assert "(None, 2)" in source and "float32" in source and "softmax" in source
    assert "rankdir=LR" in source


def test_layer_names_and_shapes_are_optional():
    source = keras.utils.model_to_dot(sequential_model(), show_layer_names=False).to_string()
    assert "hidden" not in source and "Dense" in source and "(None," not in source


def test_nested_model_expands_into_a_cluster():
    inner = sequential_model()
    x = keras.Input((3,), name="outer_in")
    y = keras.layers.Dense(1, name="head")(inner(x))
    dot = keras.utils.model_to_dot(keras.Model(x, y), expand_nested=True)
    source = dot.to_string()
    assert "subgraph cluster_" in source
    assert "hidden" in source and "head" in source


def test_bad_rankdir():
    with pytest.raises(ValueError, match="rankdir"):
        keras.utils.model_to_dot(sequential_model(), rankdir="UP")


@needs_dot
@pytest.mark.parametrize("ext", ["png", "svg"])
def test_plot_model_writes_a_picture(tmp_path, ext):
    path = tmp_path / f"model.{ext}"
    assert keras.utils.plot_model(functional_model(), to_file=str(path), show_shapes=True,
                                  show_layer_names=True, dpi=50) is None
    data = path.read_bytes()
    assert len(data) > 500
    if ext == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert b"<svg" in data and b"score" in data


def test_plot_model_to_dot_file_needs_no_graphviz(tmp_path):
    path = tmp_path / "model.dot"
    keras.utils.plot_model(sequential_model(), to_file=str(path), show_layer_names=True)
    text = path.read_text()
    assert text.startswith("digraph") and "probs" in text


def test_plot_model_without_dot_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ImportError, match="Graphviz"):
        keras.utils.plot_model(sequential_model(), to_file=str(tmp_path / "m.png"))


# -- plot_history --------------------------------------------------------------------------
def test_plot_history_draws_train_and_validation_curves(tmp_path):
    pytest.importorskip("matplotlib")
    keras.utils.set_random_seed(0)
    model = sequential_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    path = tmp_path / "curves.png"
    figure = plot_history(history, to_file=str(path))
    assert path.stat().st_size > 1000
    assert path.read_bytes()[:4] == b"\x89PNG"
    titles = [ax.get_title() for ax in figure.axes]
    assert titles == ["loss", "accuracy"]
    lines = figure.axes[0].get_lines()
    assert len(lines) == 2 and len(lines[0].get_xdata()) == 3
    np.testing.assert_allclose(lines[1].get_ydata(), history.history["val_loss"])


def test_plot_history_from_a_dict_and_errors():
    pytest.importorskip("matplotlib")
    figure = plot_history({"mae": [3, 2], "loss": [1.0, 0.5]}, metrics=["mae"])
    assert [ax.get_title() for ax in figure.axes] == ["mae"]
    assert len(figure.axes[0].get_lines()) == 1  # no validation values recorded
    with pytest.raises(ValueError, match="no values recorded"):
        plot_history({"loss": [1.0]}, metrics=["accuracy"])
    with pytest.raises(ValueError, match="History"):
        plot_history({})
