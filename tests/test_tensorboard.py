"""TensorBoard callback: event files written with tensorboardX, read back with TensorBoard's own
EventAccumulator (Keras's layout: train/ and validation/, epoch_*/batch_* scalars, weight
histograms and images, the model config under 'keras', projector embeddings)."""

import json
import os
import sys
import zlib

import numpy as np
import pytest

from numen import keras
from numen.callbacks import TensorBoard


def accumulator(folder):
    ea_module = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    acc = ea_module.EventAccumulator(str(folder), size_guidance={"tensors": 0, "images": 0,
                                                                 "histograms": 0, "scalars": 0})
    acc.Reload()
    return acc


@pytest.fixture
def data():
    pytest.importorskip("tensorboardX")
    rng = np.random.default_rng(0)
    return rng.random((40, 4)).astype("float32"), rng.integers(0, 2, 40)


def make_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def values(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def test_epoch_scalars_match_history(tmp_path, data):
    x, y = data
    model = make_model()
    history = model.fit(x, y, epochs=3, batch_size=10, validation_split=0.25, verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(tmp_path / "logs")])
    train, val = accumulator(tmp_path / "logs" / "train"), accumulator(tmp_path / "logs" /
                                                                        "validation")
    for name in ("loss", "accuracy"):
        got = values(train, f"epoch_{name}")
        assert [s for s, _ in got] == [0, 1, 2]
        np.testing.assert_allclose([v for _, v in got], history.history[name], rtol=1e-6)
        got_val = values(val, f"epoch_{name}")
        np.testing.assert_allclose([v for _, v in got_val], history.history[f"val_{name}"],
                                   rtol=1e-6)
    np.testing.assert_allclose([v for _, v in values(train, "epoch_learning_rate")], [0.05] * 3)
    assert not any(t.startswith("batch_") for t in train.Tags()["scalars"])
    assert "epoch_val_loss" not in val.Tags()["scalars"]
    # validation results against optimizer iterations (3 steps per epoch here)
    assert [s for s, _ in values(val, "evaluation_loss_vs_iterations")] == [3, 6, 9]


def test_batch_scalars_every_update_freq_batches(tmp_path, data):
    x, y = data
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(logs["loss"]))
    make_model().fit(x, y, epochs=2, batch_size=10, verbose=0,
                     callbacks=[record, TensorBoard(tmp_path, update_freq=3)])
    train = accumulator(tmp_path / "train")
    got = values(train, "batch_loss")
    assert [s for s, _ in got] == [3, 6]  # 8 batches in all, global count
    np.testing.assert_allclose([v for _, v in got], [seen[2], seen[5]], rtol=1e-6)
    assert not os.path.exists(tmp_path / "validation")  # no validation, no folder


def test_update_freq_batch_and_steps_per_second(tmp_path, data):
    x, y = data
    make_model().fit(x, y, epochs=1, batch_size=10, verbose=0,
                     callbacks=[TensorBoard(tmp_path, update_freq="batch",
                                            write_steps_per_second=True)])
    train = accumulator(tmp_path / "train")
    assert [s for s, _ in values(train, "batch_loss")] == [1, 2, 3, 4]
    assert all(v > 0 for _, v in values(train, "batch_steps_per_second"))
    assert values(train, "epoch_steps_per_second")[0][1] > 0


def test_histograms_and_images(tmp_path, data):
    x, y = data
    model = make_model()
    model.fit(x, y, epochs=3, batch_size=10, verbose=0,
              callbacks=[TensorBoard(tmp_path, histogram_freq=2, write_images=True)])
    train = accumulator(tmp_path / "train")
    kernel = model.layers[0].kernel.numpy()
    tag = f"{model.layers[0].kernel.path}/histogram"
    events = train.Histograms(tag)
    assert [e.step for e in events] == [0, 2]
    last = events[-1].histogram_value
    assert last.num == kernel.size
    np.testing.assert_allclose([last.min, last.max, last.sum],
                               [kernel.min(), kernel.max(), kernel.sum()], rtol=1e-5)
    image = train.Images(f"{model.layers[0].kernel.path}/image")[-1]
    assert (image.height, image.width) == kernel.shape
    png = image.encoded_image_string
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # decode the single IDAT chunk: each row is a filter byte then `width` gray bytes
    start = png.index(b"IDAT") + 4
    length = int.from_bytes(png[start - 8:start - 4], "big")
    rows = np.frombuffer(zlib.decompress(png[start:start + length]), np.uint8)
    pixels = rows.reshape(kernel.shape[0], kernel.shape[1] + 1)[:, 1:]
    assert pixels.min() == 0 and pixels.max() == 255
    assert np.unravel_index(pixels.argmax(), kernel.shape) == np.unravel_index(kernel.argmax(),
                                                                                kernel.shape)


def test_write_graph_stores_the_model_config(tmp_path, data):
    x, y = data
    model = make_model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path)])
    train = accumulator(tmp_path / "train")
    (event,) = train.Tensors("keras")
    config = json.loads(event.tensor_proto.string_val[0].decode())
    assert config == json.loads(model.to_json())
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    model.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path / "b",
                                                                write_graph=False)])
    assert "keras" not in accumulator(tmp_path / "b" / "train").Tags()["tensors"]


def test_embeddings_projector(tmp_path):
    pytest.importorskip("tensorboardX")
    model = keras.Sequential([keras.Input((3,), dtype="int32"),
                              keras.layers.Embedding(7, 2, name="words"),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    labels = tmp_path / "labels.tsv"
    labels.write_text("".join(f"w{i}\n" for i in range(7)))
    x = np.random.default_rng(0).integers(0, 7, (8, 3))
    model.fit(x, np.zeros((8, 1)), epochs=1, verbose=0,
              callbacks=[TensorBoard(tmp_path / "logs", embeddings_freq=1,
                                     embeddings_metadata={"words": str(labels)})])
    config = (tmp_path / "logs" / "train" / "projector_config.pbtxt").read_text()
    assert "words" in config
    found = [os.path.join(d, f) for d, _, files in os.walk(tmp_path / "logs" / "train")
             for f in files if f == "tensors.tsv"]
    assert len(found) == 1
    rows = np.loadtxt(found[0], ndmin=2)
    np.testing.assert_allclose(rows, model.layers[0].weights[0].numpy(), rtol=1e-5)
    meta = open(os.path.join(os.path.dirname(found[0]), "metadata.tsv")).read().split()
    assert meta == [f"w{i}" for i in range(7)]


def test_evaluate_logs_against_iterations(tmp_path, data):
    x, y = data
    model = make_model()
    model.fit(x, y, epochs=1, batch_size=10, verbose=0)
    tb = TensorBoard(tmp_path)
    result = model.evaluate(x, y, verbose=0, callbacks=[tb], return_dict=True)
    tb.on_train_end()  # closes (flushes) the writers, as the end of fit does
    val = accumulator(tmp_path / "validation")
    ((step, value),) = values(val, "evaluation_loss_vs_iterations")
    assert step == 4
    np.testing.assert_allclose(value, result["loss"], rtol=1e-6)


def test_missing_tensorboardx_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # import now fails
    with pytest.raises(ImportError, match=r"numen\[tensorboard\]"):
        TensorBoard("logs")


@pytest.mark.parametrize("kwargs, match", [
    (dict(update_freq=0), "update_freq"),
    (dict(update_freq="sometimes"), "update_freq"),
    (dict(histogram_freq=-1), "histogram_freq"),
    (dict(embeddings_freq=1.5), "embeddings_freq"),
    (dict(profile_batch=-2), "profile_batch"),
    (dict(profile_batch=(5, 2)), "profile_batch"),
])
def test_argument_errors(tmp_path, kwargs, match):
    pytest.importorskip("tensorboardX")
    with pytest.raises(ValueError, match=match):
        TensorBoard(tmp_path, **kwargs)


def test_profile_batch_warns_and_config(tmp_path):
    pytest.importorskip("tensorboardX")
    with pytest.warns(UserWarning, match="profiler"):
        tb = TensorBoard(tmp_path, profile_batch="2,4")
    assert tb.profile_batch == (2, 4)
    config = TensorBoard(tmp_path, update_freq=5).get_config()
    assert config["update_freq"] == 5 and config["log_dir"] == str(tmp_path)
    assert TensorBoard(tmp_path, update_freq="batch").update_freq == 1
