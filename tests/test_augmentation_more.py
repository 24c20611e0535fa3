"""Image augmentation layers (issue 15): inference identity, seeds, configs and .keras round
trips, training inside fit, the statistics of the random draws, gradients, and errors.
Pixel-exact agreement with Keras for given transformations lives in the golden families
tests/golden_cases/layers_augment_*.py.
"""

import json

import numpy as np
import pytest

from numen import backend, keras, layers, testing
from numen.autodiff import Tensor


def _np(t):
    return backend.to_numpy(t.data if isinstance(t, Tensor) else t)


def _images(n=4, h=8, w=8, c=3, seed=0, high=255.0):
    return np.random.default_rng(seed).uniform(0, high, (n, h, w, c)).astype("float32")


RANDOM = [
    (layers.RandomRotation, {"factor": 0.2}),
    (layers.RandomZoom, {"height_factor": 0.3, "width_factor": (-0.2, 0.4)}),
    (layers.RandomTranslation, {"height_factor": 0.2, "width_factor": (-0.1, 0.3)}),
    (layers.RandomShear, {"x_factor": 0.3, "y_factor": (0.1, 0.2)}),
    (layers.RandomPerspective, {"factor": 1.0, "scale": 0.5}),
    (layers.RandomElasticTransform, {"scale": 0.8}),
    (layers.RandomErasing, {"fill_value": 0.0}),
    (layers.RandomGaussianBlur, {"kernel_size": (3, 5), "sigma": (0.5, 1.0)}),
    (layers.RandomGrayscale, {"factor": 0.5}),
    (layers.RandomHue, {"factor": 0.5}),
    (layers.RandomSaturation, {"factor": (0.2, 0.8)}),
    (layers.RandomSharpness, {"factor": 0.9}),
    (layers.RandomColorJitter, {"brightness_factor": 0.2, "contrast_factor": 0.3,
                                "saturation_factor": (0.3, 0.7), "hue_factor": 0.2}),
    (layers.RandomColorDegeneration, {"factor": (0.2, 0.9)}),
    (layers.RandomInvert, {"factor": 0.5}),
    (layers.RandomPosterization, {"factor": (2, 6)}),
    (layers.Solarization, {"addition_factor": 0.3, "threshold_factor": (0.2, 0.8)}),
    (layers.AugMix, {}),
    (layers.CutMix, {}),
    (layers.MixUp, {"alpha": 0.5}),
    (layers.RandAugment, {"num_ops": 3}),
]
FIXED = [
    (layers.Equalization, {"bins": 64}),
    (layers.AutoContrast, {"value_range": (0, 255)}),
    (layers.ContrastLimitedAdaptiveHistogramEqualization, {"tile_grid_size": (2, 2)}),
    (layers.MaxNumBoundingBoxes, {"max_number": 3}),
    (layers.RandomCrop, {"height": 5, "width": 6, "seed": 4}),
]
NAMES = [cls.__name__ for cls, _ in RANDOM + FIXED]


def test_every_layer_is_exported_and_loadable_by_name():
    from numen.saving import registry

    assert len(set(NAMES)) == 26
    for name in NAMES:
        assert name in layers.__all__ and getattr(keras.layers, name) is getattr(layers, name)
        assert registry.lookup(name) is getattr(layers, name)


@pytest.mark.parametrize("cls, kwargs", RANDOM, ids=[c.__name__ for c, _ in RANDOM])
def test_random_layers_are_identity_at_inference_and_seeded(cls, kwargs):
    x = _images()
    np.testing.assert_array_equal(_np(cls(**kwargs)(x, training=False)), x)
    a, b = cls(**kwargs, seed=7), cls(**kwargs, seed=7)
    first = _np(a(x))  # training=True by default, as in Keras 3
    assert first.shape == x.shape and first.dtype == np.float32
    np.testing.assert_array_equal(first, _np(b(x)))
    keras.utils.set_random_seed(3)
    unseeded = _np(cls(**kwargs)(x))
    keras.utils.set_random_seed(3)
    np.testing.assert_array_equal(unseeded, _np(cls(**kwargs)(x)))
    one = _np(cls(**kwargs, seed=1)(x[0]))  # a single image stays a single image
    assert one.shape == x[0].shape


@pytest.mark.parametrize("cls, kwargs", RANDOM + FIXED, ids=NAMES)
def test_config_round_trips_through_json(cls, kwargs):
    config = cls(**kwargs).get_config()
    again = cls.from_config(json.loads(json.dumps(config))).get_config()
    assert json.dumps(again, sort_keys=True) == json.dumps(config, sort_keys=True)
    assert "data_format" in config


def test_augmentation_model_trains_and_round_trips_through_keras_file(tmp_path):
    keras.utils.set_random_seed(2)
    model = keras.Sequential([
        keras.Input((10, 10, 3)), layers.RandomCrop(8, 8, seed=1),
        layers.RandomRotation(0.1, seed=2), layers.RandomZoom(0.2, seed=3),
        layers.RandomTranslation(0.1, 0.1, seed=4), layers.RandomShear(0.2, seed=5),
        layers.RandomColorJitter(brightness_factor=0.1, hue_factor=0.1, seed=6),
        layers.RandAugment(num_ops=1, seed=7), layers.Rescaling(1 / 255.0),
        layers.Flatten(), layers.Dense(2)])
    assert model.output_shape == (None, 2)
    x = _images(6, 10, 10, seed=3)
    y = np.random.default_rng(4).standard_normal((6, 2)).astype("float32")
    model.compile("adam", "mse")
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=2, batch_size=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    predicted = model.predict(x, verbose=0)
    np.testing.assert_array_equal(predicted, model.predict(x, verbose=0))  # no randomness
    model.save(tmp_path / "augment.keras")
    loaded = keras.models.load_model(tmp_path / "augment.keras")
    for a, b in zip(model.layers, loaded.layers):
        assert type(a) is type(b)
        assert json.dumps({k: v for k, v in a.get_config().items() if k != "name"}) == \
            json.dumps({k: v for k, v in b.get_config().items() if k != "name"})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), predicted, rtol=1e-6)


# -- geometric -----------------------------------------------------------------------------
def test_geometric_layers_move_pixels_as_specified():
    x = _images(2, 6, 6, 1)
    # a half turn, exactly: the image reversed along both axes
    np.testing.assert_allclose(_np(layers.RandomRotation((0.5, 0.5))(x)), x[:, ::-1, ::-1],
                               atol=1e-3)
    shifted = _np(layers.RandomTranslation((1 / 3, 1 / 3), (0.0, 0.0), fill_mode="wrap")(x))
    np.testing.assert_allclose(shifted, np.roll(x, 2, axis=1), atol=1e-3)
    assert np.allclose(_np(layers.RandomZoom((0.0, 0.0))(x)), x, atol=1e-4)
    sheared = _np(layers.RandomShear(x_factor=(0.0, 0.0), y_factor=(0.0, 0.0))(x))
    np.testing.assert_allclose(sheared, x, atol=1e-4)
    zoomed = _np(layers.RandomZoom((-0.5, -0.5), fill_mode="constant")(np.ones((1, 6, 6, 1))))
    np.testing.assert_allclose(zoomed, 1.0, atol=1e-6)  # zooming in never reads outside


def test_rotation_angles_follow_the_factor_range():
    layer = layers.RandomRotation((-0.1, 0.2), seed=0)
    angles = layer.get_random_transformation(np.zeros((400, 5, 5, 1)))["angle"]
    assert angles.min() >= -36.0 and angles.max() <= 72.0
    assert abs(angles.mean() - 18.0) < 6.0
    t = layers.RandomTranslation(0.25, (0.0, 0.5), seed=1).get_random_transformation(
        np.zeros((400, 8, 4, 1)))["translations"]
    assert np.all(np.abs(t[:, 1]) <= 2.0) and np.all((t[:, 0] >= 0) & (t[:, 0] <= 2.0))
    shear = layers.RandomShear(0.4, seed=2).get_random_transformation(
        np.zeros((400, 4, 4, 1)))["shear_factor"]
    assert np.all(np.abs(shear) <= 0.4) and (shear[:, 0] < 0).mean() > 0.3


def test_random_crop_windows_and_inference_centre_crop():
    x = np.arange(2 * 7 * 9 * 1, dtype="float32").reshape(2, 7, 9, 1)
    out = _np(layers.RandomCrop(3, 4, seed=0)(x))
    top, left = np.argwhere(x[0, :, :, 0] == out[0, 0, 0, 0])[0]
    np.testing.assert_array_equal(out, x[:, top:top + 3, left:left + 4])  # one window
    # inference: the largest centred window of the target's aspect, resized (documented)
    centre = _np(layers.RandomCrop(3, 3)(x, training=False))
    expected = _np(layers.Resizing(3, 3, crop_to_aspect_ratio=True)(x))
    np.testing.assert_allclose(centre, expected, rtol=1e-5)
    small = _np(layers.RandomCrop(10, 12)(x))
    assert small.shape == (2, 10, 12, 1)
    cf = _np(layers.RandomCrop(2, 3, data_format="channels_first", seed=1)(
        np.ones((1, 2, 5, 5))))
    assert cf.shape == (1, 2, 2, 3)
    assert layers.RandomCrop(4, 4).compute_output_shape((None, 9, 9, 3)) == (None, 4, 4, 3)


def test_perspective_and_elastic_apply_with_their_probability():
    x = _images(64, 8, 8, 1)
    never = layers.RandomPerspective(factor=0.0, seed=0)
    np.testing.assert_array_equal(_np(never(x)), x)
    half = _np(layers.RandomPerspective(factor=(0.5, 0.5), seed=1)(x))
    changed = np.any(np.abs(half - x) > 1e-3, axis=(1, 2, 3))
    assert 16 < changed.sum() < 48
    elastic = _np(layers.RandomElasticTransform((1.0, 1.0), value_range=(0, 200), seed=2)(x))
    assert elastic.min() >= 0 and elastic.max() <= 200
    assert np.mean(np.any(np.abs(elastic - np.clip(x, 0, 200)) > 1e-3, axis=(1, 2, 3))) > 0.9
    assert layers.RandomElasticTransform(scale=0.0).get_random_transformation(x) is None


# -- colour --------------------------------------------------------------------------------
def test_colour_layers_keep_their_invariants():
    x = _images(16, 5, 5, 3)
    grey = _np(layers.RandomGrayscale(1.0)(x))
    np.testing.assert_allclose(grey[..., 0], grey[..., 2], rtol=1e-6)
    np.testing.assert_allclose(grey[..., 0], x @ np.array([0.2989, 0.587, 0.114]), rtol=1e-3)
    hue = _np(layers.RandomHue(1.0, seed=0)(x))
    np.testing.assert_allclose(hue.max(-1), x.max(-1), rtol=1e-4, atol=1e-2)  # value kept
    kept = _np(layers.RandomSaturation((0.5, 0.5))(x / 255.0))
    np.testing.assert_allclose(kept, x / 255.0, atol=1e-5)  # f / (1 - f) = 1
    no_colour = _np(layers.RandomSaturation((0.0, 0.0))(x / 255.0))
    np.testing.assert_allclose(no_colour[..., 0], no_colour[..., 1], atol=1e-6)
    same = _np(layers.RandomSharpness((0.5, 0.5))(x))
    np.testing.assert_allclose(same, x, rtol=1e-5)  # 1 - 2 * 0.5 = 0: no blending
    inverted = _np(layers.RandomInvert((1.0, 1.0), value_range=(0, 1))(x / 255.0))
    np.testing.assert_allclose(inverted, 1 - x / 255.0, atol=1e-6)
    poster = _np(layers.RandomPosterization((3, 3))(x))
    assert set(np.unique(poster % 32)) == {0.0}
    drawn = layers.RandomPosterization((2, 6), seed=0).get_random_transformation(
        np.zeros((500, 2, 2, 3)))["shift_factor"]
    assert set(np.unique(drawn)) == {3, 4, 5, 6}  # bits 2..5: Keras excludes the upper end
    solar = _np(layers.Solarization()(x))
    np.testing.assert_allclose(solar, 255.0 - x, rtol=1e-5)  # threshold 0: all inverted
    degenerate = _np(layers.RandomColorDegeneration((1.0, 1.0))(x))
    np.testing.assert_allclose(degenerate, grey, rtol=1e-5, atol=1e-3)


def test_colour_jitter_composes_its_steps_and_stays_in_range():
    x = _images(8, 5, 5, 3)
    out = _np(layers.RandomColorJitter((0, 255), brightness_factor=0.5, contrast_factor=0.5,
                                       saturation_factor=0.5, hue_factor=0.5, seed=0)(x))
    assert out.min() >= 0 and out.max() <= 255 + 1e-3 and not np.allclose(out, x)
    only = _np(layers.RandomColorJitter(brightness_factor=(0.2, 0.2))(x))
    np.testing.assert_allclose(only, np.clip(x + 51.0, 0, 255), rtol=1e-6)


def test_blur_and_erasing_statistics():
    x = _images(32, 8, 8, 3)
    blurred = _np(layers.RandomGaussianBlur(factor=(1.0, 1.0), sigma=(1.0, 1.0))(x))
    assert blurred.std() < 0.8 * x.std()
    erasing = layers.RandomErasing(factor=(1.0, 1.0), scale=(0.1, 0.3), fill_value=-1,
                                   value_range=(-1, 255), seed=0)
    erased = _np(erasing(x))
    fraction = (erased == -1).mean(axis=(1, 2, 3))
    assert np.all(fraction > 0.0) and np.all(fraction <= 0.45)
    mask = erased == -1
    np.testing.assert_array_equal(erased[~mask], x[~mask])
    noise = _np(layers.RandomErasing(factor=(1.0, 1.0), value_range=(0, 1), seed=1)(
        x / 255.0))
    assert noise.min() >= 0 and noise.max() <= 1


# -- histograms ----------------------------------------------------------------------------
def test_histogram_layers():
    x = _images(2, 8, 8, 3, high=100.0)
    equal = _np(layers.Equalization()(x))
    assert equal.max() == 255.0 and equal.min() == 0.0
    np.testing.assert_array_equal(_np(layers.Equalization()(x, training=False)), x)
    contrast = _np(layers.AutoContrast()(x, training=False))  # applies at inference (Keras)
    np.testing.assert_allclose(contrast.min(axis=(1, 2)), 0.0, atol=1e-3)
    np.testing.assert_allclose(contrast.max(axis=(1, 2)), 255.0, rtol=1e-5)
    flat = _np(layers.AutoContrast()(np.full((1, 2, 2, 1), 7.0)))
    np.testing.assert_array_equal(flat, 7.0)  # nothing to stretch: unchanged
    clahe = layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))
    ints = x.astype("uint8")
    out = clahe(ints)
    assert _np(out).dtype == np.uint8 and out.shape == ints.shape  # keeps the input's dtype
    assert _np(clahe(x[0])).shape == x[0].shape


# -- mixing --------------------------------------------------------------------------------
def test_mixup_and_cutmix_mix_labels_consistently():
    x = _images(16, 6, 6, 3)
    labels = np.eye(4, dtype="float32")[np.arange(16) % 4]
    for layer in (layers.MixUp(seed=0), layers.CutMix(seed=0)):
        out = layer({"images": x, "labels": labels})
        mixed = _np(out["labels"])
        np.testing.assert_allclose(mixed.sum(-1), 1.0, rtol=1e-5)
        assert _np(out["images"]).shape == x.shape
    mixup = layers.MixUp(alpha=0.2, seed=1)
    t = mixup.get_random_transformation(np.zeros((2000, 1, 1, 1)))
    assert sorted(t["permutation_order"]) == list(range(2000))
    assert abs(t["mix_weight"].mean() - 0.5) < 0.05 and (t["mix_weight"] < 0.1).mean() > 0.2
    cut = layers.CutMix(seed=2)
    t = cut.get_random_transformation(x)
    area = t["batch_masks"][..., 0].mean(axis=(1, 2))
    assert np.corrcoef(1.0 - area, t["mix_weight"].ravel())[0, 1] > 0.9
    out = _np(cut.transform_images(x, t))
    np.testing.assert_array_equal(out[~t["batch_masks"]], x[~t["batch_masks"]])


def test_max_num_bounding_boxes_pads_and_truncates():
    boxes = {"boxes": np.ones((2, 5, 4), "float32"), "labels": np.ones((2, 5), "float32")}
    out = layers.MaxNumBoundingBoxes(3)({"images": _images(2), "bounding_boxes": boxes})
    assert _np(out["bounding_boxes"]["boxes"]).shape == (2, 3, 4)
    padded = layers.MaxNumBoundingBoxes(7, fill_value=-2).transform_bounding_boxes(boxes)
    np.testing.assert_array_equal(_np(padded["labels"])[:, 5:], -2)


def test_policies_stay_in_range_and_repeat_with_a_transformation():
    x = _images(4, 8, 8, 3)
    for layer in (layers.RandAugment(seed=0), layers.AugMix(seed=0, all_ops=False)):
        t = layer.get_random_transformation(x)
        a, b = _np(layer.transform_images(x, t)), _np(layer.transform_images(x, t))
        np.testing.assert_array_equal(a, b)
        assert a.min() >= -1e-3 and a.max() <= 255 + 1e-3
    assert len(layers.AugMix(all_ops=False)._operation_names) == 7
    assert len(layers.RandAugment()._operation_names) == 11


# -- gradients and errors ------------------------------------------------------------------
@pytest.mark.parametrize("layer, data", [
    (layers.RandomRotation(0.2, dtype="float64"), "angle"),
    (layers.RandomZoom(0.3, dtype="float64"), None),
    (layers.RandomSharpness(0.8, dtype="float64"), None),
    (layers.RandomHue(0.5, value_range=(0, 1), dtype="float64"), None),
    (layers.MixUp(dtype="float64"), None),
    (layers.AutoContrast(value_range=(0, 1), dtype="float64"), None),
], ids=lambda v: type(v).__name__ if not isinstance(v, (str, type(None))) else "")
def test_gradients_reach_the_images(layer, data):
    x = testing.randn((2, 4, 4, 3), "float64", seed=5, low=0.1, high=0.9)
    transformation = layer.get_random_transformation(x)
    testing.check_grad(lambda t: layer.transform_images(t, transformation), [x])


def test_bad_arguments_name_the_layer_and_argument():
    cases = [
        (lambda: layers.RandomRotation(1.5), "RandomRotation: `factor`"),
        (lambda: layers.RandomRotation(0.1, fill_mode="edge"), "`fill_mode`"),
        (lambda: layers.RandomZoom(-1.0), "RandomZoom: `height_factor`"),
        (lambda: layers.RandomTranslation(0.1, 2.0), "`width_factor`"),
        (lambda: layers.RandomShear(x_factor=-0.5), "RandomShear: `x_factor`"),
        (lambda: layers.RandomPerspective(scale=2.0), "`scale`"),
        (lambda: layers.RandomGaussianBlur(kernel_size=4), "`kernel_size`"),
        (lambda: layers.RandomGrayscale(1.5), "RandomGrayscale: `factor`"),
        (lambda: layers.RandomHue(0.1, value_range=(0,)), "`value_range`"),
        (lambda: layers.RandomPosterization(9), "RandomPosterization: `factor`"),
        (lambda: layers.Solarization(addition_factor=2.0), "`addition_factor`"),
        (lambda: layers.RandomErasing(fill_value=(1, 2)), "`fill_value`"),
        (lambda: layers.MixUp(alpha=0.0), "MixUp: `alpha`"),
        (lambda: layers.AugMix(alpha=-1.0), "AugMix: `alpha`"),
        (lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(0, 2)),
         "`tile_grid_size`"),
        (lambda: layers.RandomRotation(0.1)(np.ones((2, 3))), "rank 3"),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()
    with pytest.raises(TypeError, match="`seed`"):
        layers.RandomZoom(0.1, seed="x")


# -- keras.utils.bounding_boxes --------------------------------------------------------------
def test_bounding_box_utilities_round_trip_and_gradients():
    bb = keras.utils.bounding_boxes
    boxes = np.array([[1.0, 2.0, 5.0, 7.0], [0.5, 0.5, 3.0, 1.5]], "float64")
    for fmt in ("yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx",
                "rel_xywh", "rel_center_xywh"):
        there = bb.convert_format(boxes, "xyxy", fmt, height=8, width=10, dtype="float64")
        back = bb.convert_format(there, fmt, "xyxy", height=8, width=10, dtype="float64")
        testing.assert_close(back, boxes)
        testing.check_grad(lambda b, fmt=fmt: bb.convert_format(
            b, "xyxy", fmt, height=8, width=10, dtype="float64"), [boxes])
    testing.check_grad(lambda b: bb.crop(b, 0.25, 0.25, 4, 4), [boxes])  # away from kinks
    testing.check_grad(lambda b: bb.pad(b, 2, 3), [boxes])
    iou = _np(bb.compute_iou(boxes.astype("float32"), boxes.astype("float32"), "xyxy"))
    np.testing.assert_allclose(np.diag(iou), 1.0, rtol=1e-5)
    ciou = _np(bb.compute_ciou(boxes, boxes, "xyxy"))
    np.testing.assert_allclose(ciou, 1.0, rtol=1e-5)
    anchors = boxes[::-1].copy()
    deltas = bb.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", variance=[.1, .1, .2, .2])
    decoded = bb.decode_deltas_to_boxes(anchors, deltas, "xyxy", "xyxy", variance=[.1, .1, .2,
                                                                                    .2])
    np.testing.assert_allclose(_np(decoded), boxes, rtol=1e-5)
    turned = _np(bb.affine_transform(boxes[None], [0.0], [0.0], [0.0], [1.0], [0.0], [0.0],
                                     8, 10))
    np.testing.assert_allclose(turned[0], boxes, atol=1e-5)  # the identity transform


def test_bounding_box_errors_name_the_function_and_argument():
    bb = keras.utils.bounding_boxes
    cases = [
        (lambda: bb.convert_format(np.ones((2, 3)), "xyxy", "xywh"), "convert_format: `boxes`"),
        (lambda: bb.convert_format(np.ones((2, 4)), "xyxy", "xyz"), "`target`"),
        (lambda: bb.convert_format(np.ones((2, 4)), "xyxy", "rel_xyxy"), "`height`"),
        (lambda: bb.clip_to_image_size({"boxes": np.ones((1, 4))}), "`height`"),
        (lambda: bb.compute_iou(np.ones(4), np.ones((1, 4)), "xyxy"), "`boxes1`"),
        (lambda: bb.compute_iou(np.ones((1, 4)), np.ones((1, 4)), "rel_xyxy"), "image_shape"),
        (lambda: bb.compute_ciou(np.ones((1, 4)), np.ones((1, 4)), "rel_xyxy"), "relative"),
        (lambda: bb.encode_box_to_deltas(np.ones((1, 4)), np.ones((1, 4)), "xyxy", "xyxy",
                                         variance=[1, 1]), "`variance`"),
        (lambda: bb.decode_deltas_to_boxes(np.ones((1, 4)), np.ones((1, 4)), "xyxy", "xyxy",
                                           encoded_format="xyxy"), "`encoded_format`"),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()
    with pytest.raises(NotImplementedError, match="crop"):
        bb.crop(np.ones((1, 4)), 0, 0, 2, 2, bounding_box_format="yxyx")


def test_bounding_box_format_is_accepted_and_boxes_pass_colour_layers():
    data = {"images": _images(2, 4, 4), "bounding_boxes": {
        "boxes": np.array([[[0, 0, 2, 2]], [[1, 1, 3, 3]]], "float32"),
        "labels": np.array([[1], [2]], "float32")}}
    hue = layers.RandomHue(0.3, bounding_box_format="xyxy", seed=0)
    assert hue.get_config()["bounding_box_format"] == "xyxy"
    assert "bounding_box_format" not in layers.RandomHue(0.3).get_config()
    out = hue(dict(data))
    np.testing.assert_array_equal(_np(out["bounding_boxes"]["boxes"]),
                                  data["bounding_boxes"]["boxes"])
    with pytest.raises(ValueError, match="bounding_box_format"):
        layers.RandomHue(0.3)(dict(data))
    with pytest.raises(NotImplementedError, match="RandomShear"):
        layers.RandomShear(0.1, bounding_box_format="xyxy")(dict(data))
    zoomed = layers.RandomZoom((-0.5, -0.5), bounding_box_format="xyxy")(dict(data))
    assert _np(zoomed["bounding_boxes"]["boxes"]).shape == (2, 1, 4)
    rotation = layers.RandomRotation(0.1, bounding_box_format="xyxy")
    assert layers.RandomRotation.from_config(rotation.get_config()).bounding_box_format == "xyxy"


def test_crop_translation_and_rotation_move_boxes_with_pixels():
    images = np.zeros((1, 8, 10, 1), "float32")
    images[0, 2:4, 3:6] = 1.0  # a bright box: x in [3, 6), y in [2, 4)
    data = {"images": images, "bounding_boxes": {
        "boxes": np.array([[[3.0, 2.0, 6.0, 4.0], [8.0, 7.0, 9.0, 8.0]]], "float32"),
        "labels": np.array([[1.0, 2.0]], "float32")}}
    crop = layers.RandomCrop(4, 6, bounding_box_format="xyxy")
    corner = (1, 2)
    out = crop.transform_bounding_boxes(data["bounding_boxes"], corner)
    np.testing.assert_array_equal(_np(out["boxes"])[0, 0], [1.0, 1.0, 4.0, 3.0])
    np.testing.assert_array_equal(_np(out["labels"]), [[1.0, -1.0]])  # the second left
    moved = layers.RandomTranslation((0.25, 0.25), (0.2, 0.2), fill_mode="constant",
                                     interpolation="nearest", bounding_box_format="xyxy")(
        dict(data))
    box = _np(moved["bounding_boxes"]["boxes"])[0, 0]
    np.testing.assert_array_equal(box, [5.0, 4.0, 8.0, 6.0])  # shifted by (2, 2)
    np.testing.assert_array_equal(_np(moved["images"])[0, 4:6, 5:8, 0], 1.0)
    half_turn = layers.RandomRotation((0.5, 0.5), bounding_box_format="xyxy")(dict(data))
    np.testing.assert_allclose(_np(half_turn["bounding_boxes"]["boxes"])[0, 0],
                               [3.0, 3.0, 6.0, 5.0], atol=1e-4)  # about (4.5, 3.5)
    single = layers.RandomCrop(4, 6, bounding_box_format="xyxy", seed=0)(
        {"images": images[0], "bounding_boxes": {"boxes": data["bounding_boxes"]["boxes"][0],
                                                 "labels": data["bounding_boxes"]["labels"][0]}})
    assert _np(single["bounding_boxes"]["boxes"]).shape == (2, 4)
    centred = layers.RandomCrop(4, 5, bounding_box_format="xyxy")(dict(data), training=False)
    assert _np(centred["images"]).shape == (1, 4, 5, 1)
    np.testing.assert_allclose(_np(centred["bounding_boxes"]["boxes"])[0, 0],
                               [1.5, 1.0, 3.0, 2.0])  # the whole 8 x 10 image, halved
