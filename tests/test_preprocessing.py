"""Preprocessing and augmentation layers: Normalization (adapt), Rescaling, Resizing,
CenterCrop, RandomFlip, RandomContrast, RandomBrightness, against NumPy and PyTorch."""

import io
import zipfile

import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from numen import backend, keras, layers, testing  # noqa: E402
from numen.autodiff import Tensor  # noqa: E402
from numen.utils.py_dataset import PyDataset  # noqa: E402


def _np(t):
    return backend.to_numpy(t.data if isinstance(t, Tensor) else t)


def _torch_resize(x, size, mode, channels_last=True):
    xt = torch.tensor(x)
    if channels_last:
        xt = xt.permute(0, 3, 1, 2)
    y = F.interpolate(xt, size=size, mode=mode, **(
        {"align_corners": False, "antialias": False} if mode == "bilinear" else {}))
    return (y.permute(0, 2, 3, 1) if channels_last else y).numpy()


# -- Normalization -------------------------------------------------------------------------
def test_normalization_matches_keras_documented_examples():
    layer = layers.Normalization(axis=None)
    layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype="float32"))
    testing.assert_close(layer(np.array([1.0, 2.0, 3.0])), [-1.4142135, -0.70710677, 0.0])
    data = np.array([[0.0, 7.0, 4.0], [2.0, 9.0, 6.0], [0.0, 7.0, 4.0], [2.0, 9.0, 6.0]])
    layer = layers.Normalization(axis=-1)
    layer.adapt(data)
    testing.assert_close(layer(np.array([[0.0, 7.0, 4.0]])), [[-1.0, -1.0, -1.0]])
    inverse = layers.Normalization(axis=-1, invert=True)
    inverse.adapt(data)
    testing.assert_close(inverse(np.array([[1.0, 2.0, 3.0]])), [[2.0, 10.0, 8.0]])
    fixed = layers.Normalization(mean=3.0, variance=2.0)
    testing.assert_close(fixed(np.array([[1.0], [2.0], [3.0]])),
                         [[-1.4142135], [-0.70710677], [0.0]])
    assert fixed.weights == []


def test_normalization_count_is_int32_as_in_keras(capsys):
    # Keras (3.15, JAX): the count weight is int32, so a model holding a Normalization over 3
    # channels sums its non-trainable weights as "7 (28.00 B)" (int64 made it 32 B).
    layer = layers.Normalization()
    layer.adapt(np.ones((5, 3), "float32"))
    assert layer.count.dtype == "int32" and int(layer.count.data) == 0  # adapt leaves it 0
    model = keras.Sequential([keras.Input((3,)), layer, layers.Dense(1)])
    model.summary()
    assert "Non-trainable params: 7 (28.00 B)" in capsys.readouterr().out


@pytest.mark.parametrize("axis, keep", [(-1, (2,)), (None, ()), ((1, 2), (1, 2)), (1, (1,))])
def test_adapt_statistics_and_output_match_numpy(axis, keep):
    x = testing.randn((8, 3, 4), seed=1) * 2.5 + 4.0
    layer = layers.Normalization(axis=axis, dtype="float64")
    layer.adapt(x)
    reduce = tuple(d for d in range(3) if d not in keep)
    mean, var = x.mean(axis=reduce), x.var(axis=reduce)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert layer.non_trainable_weights == layer.weights and not layer.trainable_weights
    testing.assert_close(layer.adapt_mean, mean, rtol=1e-12)
    testing.assert_close(layer.adapt_variance, var, rtol=1e-12)
    assert int(layer.count.data) == 0  # as Keras's adapt leaves it
    expected = (x - x.mean(axis=reduce, keepdims=True)) / np.sqrt(
        x.var(axis=reduce, keepdims=True))
    testing.assert_close(layer(x), expected, rtol=1e-10)


def test_adapt_from_batches_equals_adapt_from_array():
    x = testing.randn((23, 5), seed=2) * 3.0 - 1.0
    whole = layers.Normalization(dtype="float64")
    whole.adapt(x)
    cuts = [0, 4, 5, 13, 23]  # uneven batches, one of them a single row
    pieces = [x[a:b] for a, b in zip(cuts, cuts[1:])]

    class Batches(PyDataset):
        def __len__(self):
            return len(pieces)

        def __getitem__(self, i):
            return pieces[i], np.zeros(len(pieces[i]))

    sources = {
        "generator": (p for p in pieces),
        "list": pieces,
        "xy tuples": ((p, np.ones(len(p))) for p in pieces),
        "tensors": [Tensor(p) for p in pieces],
        "pydataset": Batches(),
    }
    for label, source in sources.items():
        streamed = layers.Normalization(dtype="float64")
        streamed.adapt(source)
        testing.assert_close(streamed.adapt_mean, whole.adapt_mean, rtol=1e-12, err_msg=label)
        testing.assert_close(streamed.adapt_variance, whole.adapt_variance, rtol=1e-12,
                             err_msg=label)
    chunked = layers.Normalization(dtype="float64")
    chunked.adapt(x, batch_size=4)
    testing.assert_close(chunked.adapt_variance, x.var(0), rtol=1e-12)
    first_two = layers.Normalization(dtype="float64")
    first_two.adapt(x, batch_size=5, steps=2)
    testing.assert_close(first_two.adapt_mean, x[:10].mean(0), rtol=1e-12)
    testing.assert_close(first_two.adapt_variance, x[:10].var(0), rtol=1e-12)


def test_streaming_adapt_is_numerically_stable():
    # A large offset with a small spread: a running sum of squares would lose every digit.
    x = 1e8 + testing.randn((4000, 2), seed=3)
    layer = layers.Normalization(dtype="float64")
    layer.adapt(x[i:i + 100] for i in range(0, 4000, 100))
    testing.assert_close(layer.adapt_variance, x.var(0), rtol=1e-6)


def test_zero_variance_uses_keras_epsilon():
    layer = layers.Normalization(mean=[1.0, 2.0], variance=[0.0, 4.0], dtype="float64")
    testing.assert_close(layer(np.array([[1.5, 4.0]])), [[0.5 / 1e-7, 1.0]], rtol=1e-12)


def test_given_statistics_broadcast_to_kept_axes():
    x = testing.randn((2, 3, 4), seed=4)
    layer = layers.Normalization(axis=(1, 2), mean=[1.0, 2.0, 3.0, 4.0],
                                 variance=[1.0, 4.0, 9.0, 16.0], dtype="float64")
    testing.assert_close(layer(x), (x - np.arange(1, 5)) / np.arange(1, 5), rtol=1e-12)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        layers.Normalization(mean=[1.0, 2.0], variance=[1.0, 1.0])(np.ones((2, 3)))


def test_normalization_gradient_flows_to_inputs():
    for layer in (layers.Normalization(mean=[0.5, -1.0, 2.0], variance=[4.0, 0.25, 1.0],
                                       dtype="float64"),
                  layers.Normalization(mean=[0.5, -1.0, 2.0], variance=[4.0, 0.25, 1.0],
                                       invert=True, dtype="float64")):
        testing.check_grad(layer, [testing.randn((2, 3), seed=5)])
    adapted = layers.Normalization(dtype="float64")
    adapted.adapt(testing.randn((10, 3), seed=6) * 2)
    testing.check_grad(adapted, [testing.randn((2, 3), seed=7)])


def test_normalization_passes_layer_harness_against_torch():
    mean, var = np.array([0.5, -1.0, 2.0]), np.array([4.0, 0.25, 1.0])
    testing.check_layer(layers.Normalization, {"mean": mean.tolist(), "variance": var.tolist()},
                        (4, 3), expected_output_shape=(4, 3), expected_weight_shapes=[],
                        torch_forward=lambda x, w: (x - torch.tensor(mean)) / torch.sqrt(
                            torch.tensor(var)))


def test_normalization_errors_name_the_layer():
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="same shape"):
        layers.Normalization(mean=[1.0, 2.0], variance=1.0)
    with pytest.raises(TypeError, match="axis"):
        layers.Normalization(axis="last")
    # never adapted: mean 0, variance 1, the identity (as in Keras; EfficientNet relies on it)
    unadapted = layers.Normalization(name="norm_a")
    np.testing.assert_allclose(unadapted(np.full((2, 3), 5.0)), np.full((2, 3), 5.0))
    with pytest.raises(ValueError, match="'norm_b'.*rank 2"):
        layers.Normalization(axis=3, name="norm_b").adapt(np.ones((4, 3)))
    layer = layers.Normalization(name="norm_c")
    layer.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match="'norm_c'.*shape"):
        layer.adapt(np.ones((4, 5)))
    with pytest.raises(ValueError, match="'norm_c'"):
        layer(np.ones((2, 5)))
    with pytest.raises(ValueError, match="no data"):
        layers.Normalization().adapt([])
    with pytest.raises(ValueError, match="nothing to set"):
        layers.Normalization(mean=0.0, variance=1.0).adapt(np.ones((3, 1)))
    with pytest.raises(TypeError, match="numeric"):
        layers.Normalization().adapt(np.array([["a"], ["b"]]))


def test_normalization_before_adapt_can_be_placed_in_models():
    # Models build layers by calling them on zeros; that must work before adapt().
    inputs = keras.Input((3,))
    norm = layers.Normalization()
    model = keras.Model(inputs, layers.Dense(1)(norm(inputs)))
    seq = keras.Sequential([keras.Input((3,)), layers.Normalization(), layers.Dense(1)])
    assert seq.built
    x = testing.randn((20, 3), "float32", seed=8) * 5 + 2
    norm.adapt(x)
    hidden = keras.Model(inputs, norm(inputs))
    out = hidden.predict(x, verbose=0)
    testing.assert_close(out, (x - x.mean(0)) / x.std(0), rtol=1e-4, atol=1e-5)
    assert model.predict(x, verbose=0).shape == (20, 1)


def test_model_with_adapted_normalization_trains_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    r = np.random.default_rng(9)
    x = (r.standard_normal((64, 4)) * [1.0, 10.0, 100.0, 0.1] + [0, 5, -50, 1]).astype("float32")
    y = (x / [1.0, 10.0, 100.0, 0.1]) @ np.array([[1.0], [-2.0], [0.5], [1.0]])
    y = y - y.mean()
    norm = layers.Normalization()
    norm.adapt(x)
    model = keras.Sequential([keras.Input((4,)), norm, layers.Dense(8, activation="relu"),
                              layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y.astype("float32"), epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    stats = [w.numpy().copy() for w in norm.weights]
    testing.assert_close(stats[0], x.mean(0), rtol=1e-5)  # fit leaves the statistics alone
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5"))) as f:
        group = f["layers/normalization/vars"]
        assert sorted(group) == ["0", "1", "2"]  # mean, variance, count as Keras 3 stores them
        np.testing.assert_array_equal(group["0"][()], stats[0])
        np.testing.assert_array_equal(group["1"][()], stats[1])
        assert int(group["2"][()]) == 0  # Keras's adapt leaves the count at 0


def test_image_pipeline_round_trips_through_keras_file(tmp_path):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input((6, 8, 3)), layers.Rescaling(1 / 255.0, offset=-0.5),
        layers.Resizing(5, 5, crop_to_aspect_ratio=True), layers.CenterCrop(4, 4),
        layers.RandomFlip("horizontal", seed=3), layers.RandomContrast(0.2, seed=4),
        layers.RandomBrightness((-0.1, 0.1), value_range=(-1, 1)),
        layers.Normalization(mean=0.0, variance=0.25), layers.Flatten(), layers.Dense(2)])
    x = np.random.default_rng(10).integers(0, 256, (3, 6, 8, 3)).astype("uint8")
    model.save(tmp_path / "img.keras")
    loaded = keras.models.load_model(tmp_path / "img.keras")
    assert [type(a).__name__ for a in loaded.layers] == [type(a).__name__ for a in model.layers]
    for a, b in zip(model.layers, loaded.layers):
        assert {k: v for k, v in a.get_config().items() if k != "name"} == {
            k: v for k, v in b.get_config().items() if k != "name"}
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


# -- Rescaling -----------------------------------------------------------------------------
def test_rescaling_values_gradient_and_harness():
    testing.assert_close(layers.Rescaling(1 / 127.5, offset=-1)(np.array([0.0, 255.0])),
                         [-1.0, 1.0])
    out = layers.Rescaling(1 / 255.0)(np.array([[0, 51, 255]], dtype="uint8"))
    assert out.dtype == "float32"
    testing.assert_close(out, [[0.0, 0.2, 1.0]])
    per_channel = layers.Rescaling([1.0, 2.0, 3.0], offset=[0.0, 1.0, -1.0], dtype="float64")
    x = testing.randn((2, 3), seed=11)
    testing.assert_close(per_channel(x), x * [1, 2, 3] + [0, 1, -1], rtol=1e-12)
    testing.check_grad(per_channel, [x])
    testing.check_layer(layers.Rescaling, {"scale": 0.5, "offset": 2.0}, (2, 3),
                        torch_forward=lambda xt, w: xt * 0.5 + 2.0)
    with pytest.raises(TypeError, match="Rescaling: `scale`"):
        layers.Rescaling("big")


# -- Resizing and CenterCrop -----------------------------------------------------------------
@pytest.mark.parametrize("size", [(7, 5), (2, 3), (4, 6), (1, 1), (9, 2)])
def test_resizing_matches_torch_half_pixel_interpolation(size):
    x = testing.randn((2, 4, 6, 3), seed=12)
    bilinear = layers.Resizing(*size, dtype="float64")(x)
    testing.assert_close(bilinear, _torch_resize(x, size, "bilinear"), rtol=1e-12, atol=1e-12)
    nearest = layers.Resizing(*size, interpolation="nearest", dtype="float64")(x)
    testing.assert_close(nearest, _torch_resize(x, size, "nearest-exact"), rtol=0, atol=0)
    first = layers.Resizing(*size, data_format="channels_first", dtype="float64")
    xc = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    testing.assert_close(first(xc), _torch_resize(xc, size, "bilinear", channels_last=False),
                         rtol=1e-12, atol=1e-12)


def test_resizing_gradient_and_harness():
    def torch_forward(xt, w):
        return F.interpolate(xt.permute(0, 3, 1, 2), size=(5, 2), mode="bilinear",
                             align_corners=False).permute(0, 2, 3, 1)

    testing.check_layer(layers.Resizing, {"height": 5, "width": 2}, (2, 3, 4, 2),
                        expected_output_shape=(2, 5, 2, 2), torch_forward=torch_forward)
    testing.check_grad(layers.Resizing(3, 5, dtype="float64"), [testing.randn((1, 2, 3, 1))])


def test_resizing_unbatched_integer_and_aspect_ratio_options():
    image = np.arange(2 * 4 * 3, dtype="float64").reshape(2, 4, 3)
    out = layers.Resizing(4, 8, dtype="float64")(image)
    testing.assert_close(out, _torch_resize(image[None], (4, 8), "bilinear")[0], rtol=1e-12)
    pixels = np.random.default_rng(0).integers(0, 256, (2, 5, 4, 3)).astype("uint8")
    resized = layers.Resizing(3, 7)(pixels)
    assert resized.dtype == "uint8"
    exact = _torch_resize(pixels.astype("float64"), (3, 7), "bilinear")
    assert np.abs(_np(resized) - exact).max() <= 0.5 + 1e-4  # rounded, not truncated
    # 6x8 to a square: crop the central 6x6 window, then resize it.
    x = testing.randn((1, 6, 8, 2), seed=13)
    cropped = layers.Resizing(3, 3, crop_to_aspect_ratio=True, dtype="float64")(x)
    testing.assert_close(cropped, _torch_resize(x[:, :, 1:7], (3, 3), "bilinear"), rtol=1e-12)
    # ... or pad the short side evenly with fill_value to 8x8 first.
    padded = layers.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=-2.0,
                             dtype="float64")(x)
    testing.assert_close(padded[:, 1:7], x, rtol=0)
    assert np.all(_np(padded)[:, [0, 7]] == -2.0)
    # An odd shortfall (5 rows for 8): Keras pads 1 row on each side, then resizes 7 -> 8.
    odd = layers.Resizing(8, 8, pad_to_aspect_ratio=True, dtype="float64")(x[:, :5])
    reference = np.pad(x[:, :5], [(0, 0), (1, 1), (0, 0), (0, 0)])
    testing.assert_close(odd, _torch_resize(reference, (8, 8), "bilinear"), rtol=1e-12)
    bigger = layers.Resizing(8, 10, antialias=True, dtype="float64")
    testing.assert_close(bigger(x), _torch_resize(x, (8, 10), "bilinear"), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="antialias"):
        layers.Resizing(3, 3, antialias=True)(x)
    from_keras = {"class_name": "__numpy__", "config": {"value": [1.0, 2.0], "dtype": "float32"}}
    assert layers.Rescaling(from_keras).scale == [1.0, 2.0]
    with pytest.raises(ValueError, match="interpolation"):
        layers.Resizing(2, 2, interpolation="cubic-ish")
    with pytest.raises(NotImplementedError, match="bicubic"):
        layers.Resizing(2, 2, interpolation="bicubic")
    with pytest.raises(ValueError, match="`height`"):
        layers.Resizing(0, 2)
    with pytest.raises(ValueError, match="'resize_me'.*rank 3"):
        layers.Resizing(2, 2, name="resize_me")(np.ones((2, 3)))


def test_center_crop_slices_and_smart_resizes():
    x = testing.randn((2, 7, 6, 3), seed=14)
    out = layers.CenterCrop(4, 3, dtype="float64")(x)
    np.testing.assert_array_equal(_np(out), x[:, 1:5, 1:4])
    unbatched = layers.CenterCrop(2, 2, data_format="channels_first", dtype="float64")
    np.testing.assert_array_equal(_np(unbatched(x[0])), x[0][:, 2:4, 0:2])  # (C, H, W)
    # Smaller than the target: crop to the aspect ratio (7x6 -> 6x6) and resize up.
    up = layers.CenterCrop(9, 9, dtype="float64")(x)
    testing.assert_close(up, _torch_resize(x[:, 0:6], (9, 9), "bilinear"), rtol=1e-12)
    assert layers.CenterCrop(9, 9).compute_output_shape((None, 7, 6, 3)) == (None, 9, 9, 3)
    testing.check_layer(layers.CenterCrop, {"height": 2, "width": 3}, (2, 4, 5, 1),
                        expected_output_shape=(2, 2, 3, 1),
                        torch_forward=lambda xt, w: xt[:, 1:3, 1:4])


# -- augmentation --------------------------------------------------------------------------
AUGMENTERS = [
    (layers.RandomFlip, {}),
    (layers.RandomFlip, {"mode": "vertical"}),
    (layers.RandomContrast, {"factor": 0.5}),
    (layers.RandomBrightness, {"factor": 0.3}),
]


@pytest.mark.parametrize("cls, kwargs", AUGMENTERS)
def test_augmentation_is_identity_at_inference_and_seeded(cls, kwargs):
    x = testing.randn((6, 4, 5, 3), "float32", seed=15, low=0, high=255)
    np.testing.assert_array_equal(_np(cls(**kwargs)(x, training=False)), x)
    a, b = cls(**kwargs, seed=7), cls(**kwargs, seed=7)
    first = _np(a(x, training=True))
    np.testing.assert_array_equal(first, _np(b(x, training=True)))
    assert not np.array_equal(first, _np(a(x, training=True)))  # the stream moves on
    keras.utils.set_random_seed(3)
    unseeded = _np(cls(**kwargs)(x))  # Keras 3's default: training=True
    keras.utils.set_random_seed(3)
    np.testing.assert_array_equal(unseeded, _np(cls(**kwargs)(x)))
    assert not np.array_equal(unseeded, x)
    model = keras.Sequential([keras.Input((4, 5, 3)), cls(**kwargs)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    config = cls(**kwargs, seed=2).get_config()
    assert cls.from_config(config).get_config() == config


def test_random_flip_flips_whole_images():
    x = testing.randn((32, 3, 4, 2), seed=16)
    out = _np(layers.RandomFlip("horizontal_and_vertical", seed=1, dtype="float64")(x))
    both = x[:, ::-1, ::-1]
    flipped = [bool(np.array_equal(o, f)) for o, f in zip(out, both)]
    kept = [bool(np.array_equal(o, i)) for o, i in zip(out, x)]
    assert all(f != k for f, k in zip(flipped, kept))  # each image: one or the other
    assert 4 < sum(flipped) < 28
    horizontal = _np(layers.RandomFlip("horizontal", seed=2, data_format="channels_first",
                                       dtype="float64")(x))
    assert all(np.array_equal(o, i) or np.array_equal(o, i[:, :, ::-1])
               for o, i in zip(horizontal, x))
    single = _np(layers.RandomFlip("vertical", seed=5, dtype="float64")(x[0]))
    assert np.array_equal(single, x[0]) or np.array_equal(single, x[0][::-1])
    with pytest.raises(ValueError, match="`mode`"):
        layers.RandomFlip("diagonal")


def test_random_contrast_scales_around_channel_means():
    x = testing.randn((16, 5, 4, 3), seed=17)
    layer = layers.RandomContrast((0.2, 0.5), value_range=(-100, 100), seed=3, dtype="float64")
    out = _np(layer(x))
    mean = x.mean(axis=(1, 2), keepdims=True)
    ratio = (out - mean) / (x - mean)
    per_image = ratio.reshape(16, -1)
    np.testing.assert_allclose(per_image, per_image[:, :1].repeat(per_image.shape[1], 1),
                               rtol=1e-9)
    assert np.all((per_image >= 0.8 - 1e-9) & (per_image <= 1.5 + 1e-9))
    assert np.ptp(per_image[:, 0]) > 0.1  # images get different factors
    clipped = _np(layers.RandomContrast(0.9, value_range=(0, 1), seed=0)(x * 3))
    assert clipped.min() >= 0 and clipped.max() <= 1
    assert layers.RandomContrast(0.3).factor == (0.3, 0.3)
    with pytest.raises(ValueError, match="RandomContrast: `factor`"):
        layers.RandomContrast(1.5)
    with pytest.raises(ValueError, match="rank 3"):
        layers.RandomContrast(0.1)(np.ones((2, 3)))


def test_random_brightness_shifts_within_range_and_clips():
    x = testing.randn((16, 3, 3, 2), seed=18, low=0.4, high=0.6)
    layer = layers.RandomBrightness((-0.25, 0.25), value_range=(0, 1), seed=4, dtype="float64")
    delta = (_np(layer(x)) - x).reshape(16, -1)
    np.testing.assert_allclose(delta, delta[:, :1].repeat(delta.shape[1], 1), atol=1e-12)
    assert np.all(np.abs(delta) <= 0.25 + 1e-12) and np.ptp(delta[:, 0]) > 0.05
    bright = _np(layers.RandomBrightness((1.0, 1.0), seed=0)(np.full((1, 2, 2, 1), 200.0)))
    np.testing.assert_array_equal(bright, 255.0)  # +1.0 * (255 - 0), clipped to 255
    assert layers.RandomBrightness(-0.2).factor == (-0.2, 0.2)
    with pytest.raises(ValueError, match="value_range"):
        layers.RandomBrightness(0.1, value_range=(0, 1, 2))


def test_augmentation_gradients_flow():
    x = testing.randn((2, 3, 3, 2), seed=19, low=0.2, high=0.8)
    for layer in (layers.RandomContrast(0.3, value_range=(-5, 5), dtype="float64"),
                  layers.RandomBrightness(0.1, value_range=(-5, 5), dtype="float64"),
                  layers.RandomFlip(dtype="float64")):
        state = backend.rng().bit_generator.state

        def fixed_draws(t, layer=layer, state=state):
            backend.rng().bit_generator.state = state  # the same draws on every evaluation
            return layer(t, training=True)

        testing.check_grad(fixed_draws, [x])


def test_preprocessing_layers_are_exported_and_loadable_by_name():
    from numen.saving import registry

    for name in ("Normalization", "Rescaling", "Resizing", "CenterCrop", "RandomFlip",
                 "RandomContrast", "RandomBrightness"):
        assert name in layers.__all__ and getattr(keras.layers, name) is getattr(layers, name)
        assert registry.lookup(name) is getattr(layers, name)


@pytest.mark.parametrize("cls, kwargs", [
    (layers.Normalization, {"axis": (1, 2), "invert": True}),
    (layers.Normalization, {"axis": None, "mean": 2.0, "variance": 9.0}),
    (layers.Rescaling, {"scale": [0.5, 2.0], "offset": -1.0}),
    (layers.Resizing, {"height": 3, "width": 4, "interpolation": "nearest",
                       "pad_to_aspect_ratio": True, "fill_value": 1.5,
                       "data_format": "channels_first"}),
    (layers.CenterCrop, {"height": 2, "width": 5}),
    (layers.RandomBrightness, {"factor": (-0.5, 0.1), "value_range": (0, 1), "seed": 9}),
])
def test_config_round_trips_through_json(cls, kwargs):
    import json

    config = cls(**kwargs).get_config()
    again = cls.from_config(json.loads(json.dumps(config))).get_config()
    assert json.dumps(again, sort_keys=True) == json.dumps(config, sort_keys=True)
    for key, value in kwargs.items():
        if key == "axis" and value is None:
            value = []  # Keras writes axis=None as the empty tuple of kept axes
        assert json.loads(json.dumps(config[key])) == json.loads(json.dumps(value)), key


def test_normalization_before_adapt_is_the_identity_as_in_keras():
    layer = layers.Normalization(axis=-1)
    x = np.arange(6, dtype="float32").reshape(2, 3) * 5
    np.testing.assert_allclose(np.asarray(layer(x)), x)
