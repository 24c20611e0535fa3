"""keras.utils's data utilities: *_dataset_from_directory, the image file helpers,
keras.preprocessing, keras.export, keras.visualization and model.export's formats.

Keras's own image/text/audio_dataset_from_directory need TensorFlow (not installed with the
interop Keras), but its folder listing and validation split are plain Python: the fixture
keras_directory_index.json holds their answers for a generated tree (written by
tests/fixtures/make_keras_directory_index.py with real Keras), and numen must give the same.
The image helpers' values are compared with real Keras in tests/golden_cases/data_image.py.
"""

import io
import json
import os
import sys
import wave

import numpy as np
import pytest

from numen import keras
from numen.utils import dataset_from_directory, image_utils

PIL = pytest.importorskip("PIL.Image")

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "keras_directory_index.json")
with open(FIXTURE) as _f:
    KERAS_INDEX = json.load(_f)


@pytest.fixture
def keras_tree(tmp_path):
    """The empty-file tree Keras listed for the fixture."""
    for rel in KERAS_INDEX["files"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    return tmp_path


def _rel(paths, root):
    return [os.path.relpath(p, root) for p in paths]


@pytest.mark.parametrize("config", sorted(KERAS_INDEX["configs"]))
def test_listing_and_split_match_keras(keras_tree, config):
    expected = KERAS_INDEX["configs"][config]
    kwargs = dict(expected["kwargs"])
    paths, labels, class_names = dataset_from_directory.index_directory(
        keras_tree, formats=KERAS_INDEX["formats"], verbose=False, **kwargs)
    assert _rel(paths, keras_tree) == expected["paths"]
    assert class_names == expected["class_names"]
    assert (labels is None) == (expected["labels"] is None)
    if labels is not None:
        assert labels.dtype == np.int32 and labels.tolist() == expected["labels"]
    if "validation_split" not in expected:
        return
    for subset in ("training", "validation"):
        p, lab = dataset_from_directory.split_files(paths, labels,
                                                    expected["validation_split"], subset)
        assert _rel(p, keras_tree) == expected[subset]["paths"]
        if lab is not None:
            assert lab.tolist() == expected[subset]["labels"]


def test_image_dataset_subsets_are_keras_files_and_read_nothing(keras_tree, monkeypatch):
    opened = []
    monkeypatch.setattr(image_utils, "_open", lambda path, name: opened.append(path))
    expected = KERAS_INDEX["configs"]["shuffled_seed7"]
    train, val = keras.utils.image_dataset_from_directory(
        keras_tree, validation_split=0.3, subset="both", seed=7, verbose=False)
    assert _rel(train.file_paths, keras_tree) == expected["training"]["paths"]
    assert _rel(val.file_paths, keras_tree) == expected["validation"]["paths"]
    assert train.class_names == val.class_names == ["birds", "cats", "dogs"]
    only_val = keras.utils.image_dataset_from_directory(
        keras_tree, validation_split=0.3, subset="validation", seed=7, verbose=False)
    assert only_val.file_paths == val.file_paths
    assert opened == []  # building the datasets read no file


def _write_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    PIL.fromarray(array).save(path)


@pytest.fixture
def image_tree(tmp_path):
    rng = np.random.default_rng(0)
    for cls, n in (("a", 5), ("b", 3)):
        for i in range(n):
            size = (6 + i, 9) if cls == "a" else (10, 4 + i)
            _write_png(tmp_path / cls / f"{i}.png",
                       rng.integers(0, 256, size + (3,)).astype("uint8"))
    return tmp_path


def test_image_dataset_batches(image_tree):
    ds = keras.utils.image_dataset_from_directory(image_tree, image_size=(5, 7), batch_size=3,
                                                  shuffle=False, verbose=False)
    assert len(ds) == 3 and ds.class_names == ["a", "b"]
    x, y = ds[0]
    assert x.shape == (3, 5, 7, 3) and x.dtype == np.float32
    assert y.dtype == np.int32 and y.tolist() == [0, 0, 0]
    assert ds[2][0].shape == (2, 5, 7, 3) and ds[2][1].tolist() == [1, 1]
    # Each image is the file resized with keras.ops.image.resize (as Keras's loader does).
    first = np.asarray(PIL.open(ds.file_paths[0]), dtype="float32")
    expected = keras.ops.image.resize(first, (5, 7)).numpy()
    np.testing.assert_allclose(x[0], expected, rtol=1e-6)
    batches = list(ds)
    assert len(batches) == 3 and batches[2][0].shape[0] == 2


@pytest.mark.parametrize("label_mode,shape,dtype", [("categorical", (4, 2), np.float32),
                                                    ("binary", (4, 1), np.float32)])
def test_image_dataset_label_modes(image_tree, label_mode, shape, dtype):
    ds = keras.utils.image_dataset_from_directory(image_tree, image_size=4, batch_size=4,
                                                  label_mode=label_mode, shuffle=False,
                                                  verbose=False)
    _, y = ds[1]
    assert y.shape == shape and y.dtype == dtype
    if label_mode == "categorical":
        np.testing.assert_array_equal(y, [[1, 0], [0, 1], [0, 1], [0, 1]])
    else:
        np.testing.assert_array_equal(y[:, 0], [0, 1, 1, 1])


def test_image_dataset_modes_layouts_and_no_labels(image_tree):
    ds = keras.utils.image_dataset_from_directory(image_tree, image_size=(4, 4), batch_size=2,
                                                  color_mode="grayscale", labels=None,
                                                  data_format="channels_first",
                                                  crop_to_aspect_ratio=True, shuffle=False,
                                                  verbose=False)
    x = ds[0]
    assert isinstance(x, np.ndarray) and x.shape == (2, 1, 4, 4) and ds.class_names is None
    single = keras.utils.image_dataset_from_directory(image_tree, image_size=(3, 3),
                                                      batch_size=None, color_mode="rgba",
                                                      pad_to_aspect_ratio=True, shuffle=False,
                                                      verbose=False)
    x, y = single[0]
    assert x.shape == (3, 3, 4) and int(y) == 0 and len(single) == 8


def test_image_dataset_shuffles_each_epoch_with_seed(image_tree):
    def epochs():
        ds = keras.utils.image_dataset_from_directory(image_tree, image_size=2, batch_size=8,
                                                      seed=3, verbose=False)
        return [b[0][:, 0, 0].tolist() for b in list(ds) + list(ds) + list(ds)]

    a, b = epochs(), epochs()
    assert a == b  # the same seed, the same orders
    assert a[0] != a[1] or a[1] != a[2]  # reshuffled between epochs
    assert sorted(a[0]) == sorted(a[1])


def test_image_dataset_trains_with_fit(image_tree):
    train, val = keras.utils.image_dataset_from_directory(
        image_tree, image_size=(4, 4), batch_size=3, validation_split=0.25, subset="both",
        seed=1, verbose=False)
    model = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.Rescaling(1 / 255),
                              keras.layers.Flatten(), keras.layers.Dense(2)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and "val_loss" in history.history
    assert model.predict(val, verbose=0).shape == (2, 2)
    assert np.isfinite(model.evaluate(val, verbose=0))


def test_streaming_memory_does_not_grow_with_the_folder(tmp_path, monkeypatch):
    """Reads only a batch's files: count the files opened per batch, however many exist."""
    for i in range(40):
        _write_png(tmp_path / "c" / f"{i:02d}.png", np.full((3, 3, 3), i, "uint8"))
    opened = []
    real_open = image_utils._open
    monkeypatch.setattr(image_utils, "_open",
                        lambda path, name: opened.append(path) or real_open(path, name))
    ds = keras.utils.image_dataset_from_directory(tmp_path, image_size=3, batch_size=4,
                                                  shuffle=False, verbose=False)
    assert opened == []
    x, _ = ds[5]
    assert len(opened) == 4 and x[:, 0, 0, 0].tolist() == [20, 21, 22, 23]


@pytest.mark.parametrize("kwargs,match", [
    (dict(label_mode="sparse"), "label_mode"),
    (dict(validation_split=0.2), "subset"),
    (dict(validation_split=0.2, subset="training"), "seed"),
    (dict(validation_split=1.5, subset="training", seed=1), "validation_split"),
    (dict(subset="both"), "validation_split"),
    (dict(color_mode="cmyk"), "color_mode"),
    (dict(interpolation="gaussian"), "interpolation"),
    (dict(image_size=(1, 2, 3)), "image_size"),
    (dict(class_names=["zebra"]), "class_names"),
    (dict(labels=[0, 1], class_names=["a"]), "class_names"),
    (dict(labels=[0, 1]), "labels"),
    (dict(batch_size=0), "batch_size"),
    (dict(crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "aspect"),
])
def test_image_dataset_bad_arguments(image_tree, kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.utils.image_dataset_from_directory(image_tree, verbose=False, **kwargs)


def test_binary_needs_two_classes_and_empty_folders(tmp_path):
    for cls in "xyz":
        _write_png(tmp_path / cls / "0.png", np.zeros((2, 2, 3), "uint8"))
    with pytest.raises(ValueError, match="exactly 2"):
        keras.utils.image_dataset_from_directory(tmp_path, label_mode="binary", verbose=False)
    (tmp_path / "empty" / "e").mkdir(parents=True)
    with pytest.raises(ValueError, match="no files"):
        keras.utils.image_dataset_from_directory(tmp_path / "empty", verbose=False)
    with pytest.raises(ValueError, match="does not exist"):
        keras.utils.image_dataset_from_directory(tmp_path / "nowhere", verbose=False)


def test_pillow_missing_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="Pillow"):
        keras.utils.load_img(tmp_path / "x.png")
    with pytest.raises(ImportError, match="numen\\[image\\]"):
        keras.utils.image_dataset_from_directory(tmp_path)


def test_image_file_helpers_round_trip(tmp_path):
    x = np.random.default_rng(1).integers(0, 256, (5, 6, 3)).astype("uint8")
    keras.utils.save_img(tmp_path / "a.png", x, scale=False)
    img = keras.utils.load_img(tmp_path / "a.png")
    np.testing.assert_array_equal(keras.utils.img_to_array(img), x.astype("float32"))
    buffer = io.BytesIO()
    keras.preprocessing.image.save_img(buffer, x, file_format="jpg")
    assert buffer.getvalue()[:2] == b"\xff\xd8"
    with pytest.warns(UserWarning, match="alpha"):
        keras.utils.save_img(tmp_path / "b.jpg", np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match="rank 3"):
        keras.utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="channels"):
        keras.utils.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="rank 2 or 3"):
        keras.utils.img_to_array(np.zeros((1, 2, 2, 3)))
    with pytest.raises(ValueError, match="interpolation"):
        keras.utils.load_img(tmp_path / "a.png", target_size=(2, 2), interpolation="cubic")
    with pytest.raises(ValueError, match="color_mode"):
        keras.utils.load_img(tmp_path / "a.png", color_mode="hsv")
    with pytest.raises(TypeError, match="path"):
        keras.utils.load_img(3)


def test_text_dataset(tmp_path):
    texts = {"neg": ["bad film", "awful"], "pos": ["great fun", "loved it", "très bien"]}
    for cls, items in texts.items():
        (tmp_path / cls).mkdir()
        for i, t in enumerate(items):
            (tmp_path / cls / f"{i}.txt").write_text(t, encoding="utf-8")
    (tmp_path / "pos" / "skip.md").write_text("not a .txt")
    ds = keras.utils.text_dataset_from_directory(tmp_path, batch_size=2, shuffle=False,
                                                 max_length=5, verbose=False)
    assert ds.class_names == ["neg", "pos"] and len(ds) == 3
    x, y = ds[0]
    assert x.tolist() == ["bad f", "awful"] and y.tolist() == [0, 0]
    assert ds[2][0].tolist() == ["tr\u00e8s"]  # 5 bytes: the cut 'b' is not reached
    mapped = ds.map(lambda x, y: (np.char.str_len(x), y))
    assert mapped[1][0].tolist() == [5, 5] and mapped.class_names == ds.class_names
    full = keras.preprocessing.text_dataset_from_directory(tmp_path, labels=None,
                                                           shuffle=False, batch_size=None,
                                                           verbose=False)
    assert str(full[4]) == "très bien" and len(full) == 5


def _write_wav(path, samples, rate=8000, width=2):
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = np.asarray(samples)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1 if samples.ndim == 1 else samples.shape[1])
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(samples.astype("<i2" if width == 2 else "uint8").tobytes())


def test_audio_dataset(tmp_path):
    _write_wav(tmp_path / "up" / "a.wav", [0, 16384, -32768, 8192])
    _write_wav(tmp_path / "up" / "b.wav", [100, 200])
    _write_wav(tmp_path / "down" / "c.wav", np.array([128, 192, 64], "uint8"), width=1)
    ds = keras.utils.audio_dataset_from_directory(tmp_path, batch_size=3, shuffle=False,
                                                  verbose=False)
    x, y = ds[0]
    assert ds.class_names == ["down", "up"] and y.tolist() == [0, 1, 1]
    assert x.shape == (3, 4, 1) and x.dtype == np.float32  # padded to the longest clip
    np.testing.assert_allclose(x[0, :, 0], [0, 0.5, -0.5, 0])
    np.testing.assert_allclose(x[1, :, 0], [0, 0.5, -1, 0.25])
    fixed = keras.utils.audio_dataset_from_directory(tmp_path, batch_size=2, shuffle=False,
                                                     output_sequence_length=3, verbose=False)
    assert fixed[0][0].shape == (2, 3, 1) and fixed[1][0].shape == (1, 3, 1)
    ragged = keras.utils.audio_dataset_from_directory(tmp_path, batch_size=3, shuffle=False,
                                                      ragged=True, label_mode=None,
                                                      verbose=False)
    assert [len(c) for c in ragged[0]] == [3, 4, 2]
    resampled = keras.utils.audio_dataset_from_directory(tmp_path, batch_size=None,
                                                         sampling_rate=16000, shuffle=False,
                                                         verbose=False)
    assert resampled[1][0].shape == (8, 1)
    with pytest.raises(ValueError, match="ragged"):
        keras.utils.audio_dataset_from_directory(tmp_path, ragged=True,
                                                 output_sequence_length=3)
    with pytest.raises(ValueError, match="sampling_rate"):
        keras.utils.audio_dataset_from_directory(tmp_path, sampling_rate=0)


def test_stereo_wav_channels(tmp_path):
    _write_wav(tmp_path / "s" / "a.wav", np.array([[0, 16384], [-16384, 0]]))
    x, _ = keras.utils.audio_dataset_from_directory(tmp_path, verbose=False, shuffle=False)[0]
    np.testing.assert_allclose(x[0], [[0, 0.5], [-0.5, 0]])


def test_preprocessing_namespace():
    from numen.utils import sequence_utils

    assert keras.preprocessing.sequence.pad_sequences is sequence_utils.pad_sequences
    assert keras.preprocessing.timeseries_dataset_from_array is \
        keras.utils.timeseries_dataset_from_array
    assert keras.preprocessing.image.load_img is keras.utils.load_img


def test_export_archive_names_the_onnx_route():
    with pytest.raises(NotImplementedError, match="format='onnx'"):
        keras.export.ExportArchive()
    with pytest.raises(ValueError, match="unsupported format"):
        keras.export.ExportArchive(format="tflite")


def test_model_export_formats(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="onnx"):
        model.export(tmp_path / "m", format="tf_saved_model")
    pytest.importorskip("onnx")
    model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
    assert (tmp_path / "m.onnx").stat().st_size > 0


def test_draw_bounding_boxes():
    images = np.zeros((1, 10, 10, 3), "float32")
    boxes = {"boxes": np.array([[[0.2, 0.2, 0.6, 0.6], [0, 0, 1, 1]]]),
             "labels": np.array([[1, -1]])}
    out = keras.visualization.draw_bounding_boxes(images, boxes, "rel_xyxy",
                                                  color=(255, 0, 0), line_thickness=1,
                                                  class_mapping={1: "cat"})
    assert out.shape == (1, 10, 10, 3) and out.dtype == np.uint8
    assert out[0, 2, 2].tolist() == [255, 0, 0] and out[0, 4, 4].tolist() == [0, 0, 0]
    assert out[0, 0, 9].tolist() == [0, 0, 0]  # label -1: not drawn
    with pytest.raises(ValueError, match="boxes"):
        keras.visualization.draw_bounding_boxes(images, {"boxes": []}, "xyxy")
    with pytest.raises(ValueError, match="bounding_box_format"):
        keras.visualization.draw_bounding_boxes(images, boxes, "xyz")


def test_galleries_write_files(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (4, 6, 6, 3)).astype("float32")
    keras.visualization.plot_image_gallery(images, y_true=np.array([0, 1, 0, 1]),
                                           label_map={0: "a", 1: "b"},
                                           path=tmp_path / "g.png")
    boxes = {"boxes": np.array([[[1, 1, 4, 4]]] * 4), "labels": np.array([[0]] * 4)}
    keras.visualization.plot_bounding_box_gallery(images, "xyxy", y_true=boxes, y_pred=boxes,
                                                  legend=True, path=tmp_path / "b.png")
    masks = rng.integers(0, 3, (4, 6, 6, 1))
    keras.visualization.plot_segmentation_mask_gallery(images, 3, y_true=masks, y_pred=masks,
                                                       path=tmp_path / "s.png")
    assert all((tmp_path / n).stat().st_size > 0 for n in ("g.png", "b.png", "s.png"))
    with pytest.raises(ValueError, match="label_map"):
        keras.visualization.plot_image_gallery(images, y_true=[0, 1, 0, 1])
    with pytest.raises(ValueError, match="rank 4"):
        keras.visualization.plot_image_gallery(images[0], path=tmp_path / "x.png")
