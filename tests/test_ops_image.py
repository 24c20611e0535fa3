"""keras.ops.image: float64 gradient checks, layouts, the 'area' resize, elastic_transform's
seeding and statistics, symbolic use, and clear errors. Values against real Keras are in
tests/golden_cases/ops_image_*.py."""

import numpy as np
import pytest

import numen.ops
from numen import keras, testing
from numen.ops import image

R = testing.randn


def unit(shape, seed=0):
    return R(shape, low=0.05, high=0.95, seed=seed)


@pytest.mark.parametrize("kwargs", [
    {"interpolation": "bilinear"},
    {"interpolation": "bilinear", "antialias": True},
    {"interpolation": "bicubic"},
    {"interpolation": "lanczos3", "antialias": True},
    {"interpolation": "lanczos5"},
    {"interpolation": "nearest"},
    {"interpolation": "area"},
    {"crop_to_aspect_ratio": True},
    {"pad_to_aspect_ratio": True, "fill_value": 0.5},
])
def test_resize_grad(kwargs):
    x = R((1, 5, 4, 2))
    out = image.resize(x, (3, 6), **kwargs)
    assert out.shape == (1, 3, 6, 2) and out.dtype == "float64"
    testing.check_grad(lambda t: image.resize(t, (3, 6), **kwargs), [x])


def test_resize_channels_first_matches_channels_last():
    x = R((2, 3, 5, 4))
    first = image.resize(x, (7, 2), interpolation="bicubic", data_format="channels_first")
    last = image.resize(x.transpose(0, 2, 3, 1), (7, 2), interpolation="bicubic")
    testing.assert_close(first, last.numpy().transpose(0, 3, 1, 2))
    unbatched = image.resize(x[0], (7, 2), interpolation="bicubic", data_format="channels_first")
    testing.assert_close(unbatched, first.numpy()[0])


def test_resize_area_averages_footprints():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    down = image.resize(x, (2, 2), interpolation="area").numpy()[0, ..., 0]
    testing.assert_close(down, x[0, ..., 0].reshape(2, 2, 2, 2).mean(axis=(1, 3)))
    up = image.resize(np.array([[[1.0], [3.0]]]), (1, 4), interpolation="area").numpy()
    testing.assert_close(up[..., 0], [[1.0, 1.0, 3.0, 3.0]])


def test_resize_int_images_round_and_saturate():
    x = np.array([[[0], [255]], [[255], [0]]], dtype="uint8")
    out = image.resize(x, (5, 5), interpolation="lanczos5")
    assert out.dtype == "uint8"  # overshooting lanczos values are clipped to [0, 255]


def test_scale_and_translate_grad():
    def fn(t):
        return image.scale_and_translate(t, (2, 5, 3), [0.6, 1.4], [0.2, -0.3], (0, 1),
                                         "cubic")
    testing.check_grad(fn, [R((4, 4, 3))])


def test_crop_and_pad_grad():
    x = R((2, 5, 6, 1))
    testing.check_grad(lambda t: image.crop_images(t, 1, 2, 1, 1), [x])
    testing.check_grad(lambda t: image.pad_images(t, 1, 0, target_height=8, target_width=9),
                       [x])
    back = image.crop_images(image.pad_images(x, 1, 2, 3, 4), 1, 2, 3, 4)
    testing.assert_close(back, x)


@pytest.mark.parametrize("mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
def test_map_coordinates_grad(mode):
    x = R((4, 5))
    coords = R((2, 3, 2), low=-1.7, high=5.6, seed=3)
    testing.check_grad(lambda a, c: image.map_coordinates(a, c, 1, mode, 0.3), [x, coords])


def test_map_coordinates_nearest_and_list_input():
    x = np.arange(12.0).reshape(3, 4)
    out = image.map_coordinates(x, [np.array([0.5, 1.5]), np.array([0.5, 3.5])], order=0)
    testing.assert_close(out, [5.0, 0.0])  # halves round away from zero; (2, 4) is outside


def test_affine_transform_grad_including_projective_terms():
    x = R((1, 4, 5, 2))
    t = np.array([[0.91, -0.23, 0.37, 0.17, 1.13, -0.29, 0.021, -0.033]])
    testing.check_grad(lambda a, b: image.affine_transform(a, b), [x, t])
    testing.check_grad(lambda a, b: image.affine_transform(a, b, fill_mode="reflect"), [x, t])


def test_affine_identity_and_projective_division():
    x = R((4, 5, 1))
    identity = [1, 0, 0, 0, 1, 0, 0, 0]
    testing.assert_close(image.affine_transform(x, identity), x)
    # k = c0 x + 1 = 2 at x = 1: output (1, y) reads input (2 / 2, 2 y / 2) = (1, y).
    scaled = image.affine_transform(x, [2, 0, 0, 0, 2, 0, 1, 0], interpolation="nearest")
    testing.assert_close(scaled.numpy()[:, 1], x[:, 1])


def test_perspective_transform_grad_and_identity():
    x = R((2, 5, 6, 1))
    corners = np.array([[[0, 0], [5, 0], [0, 4], [5, 4]]] * 2, "float32")
    testing.assert_close(image.perspective_transform(x, corners, corners), x, atol=1e-5)
    moved = corners + np.array([[0.3, -0.2], [0.1, 0.4], [-0.2, 0.1], [0.2, 0.3]], "float32")
    testing.check_grad(lambda a: image.perspective_transform(a, corners, moved), [x])


def test_filters_grad():
    x = R((1, 5, 6, 2))
    testing.check_grad(lambda a: image.gaussian_blur(a, (3, 5), (1.0, 0.6)), [x])
    testing.check_grad(image.sobel_edges, [x])
    testing.check_grad(lambda a: image.extract_patches(a, 2, strides=1, padding="same"), [x])
    testing.check_grad(lambda a: image.extract_patches_3d(a, (1, 2, 2)), [R((3, 4, 4, 1))])


def test_ssim_grad_and_identity():
    a, b = unit((2, 6, 7, 2)), unit((2, 6, 7, 2), seed=1)
    testing.check_grad(lambda p, q: image.ssim(p, q, filter_size=3), [a, b])
    testing.assert_close(image.ssim(a, a, filter_size=3), [1.0, 1.0])
    assert image.ssim(a[0], b[0], filter_size=3).shape == ()


def test_colour_grads_and_round_trip():
    rgb = unit((2, 3, 4, 3))
    testing.check_grad(image.rgb_to_grayscale, [rgb])
    testing.check_grad(image.rgb_to_hsv, [rgb])
    testing.check_grad(image.hsv_to_rgb, [unit((2, 3, 4, 3), seed=2)])
    testing.assert_close(image.hsv_to_rgb(image.rgb_to_hsv(rgb)), rgb, atol=1e-12)
    first = image.rgb_to_hsv(rgb.transpose(0, 3, 1, 2), data_format="channels_first")
    testing.assert_close(first.numpy().transpose(0, 2, 3, 1), image.rgb_to_hsv(rgb))


# elastic_transform draws its displacement field from numen's own random stream, which cannot
# reproduce Keras's (JAX's) numbers: the tests check shapes, dtypes, seeding and the field's
# statistics instead of exact values.
def test_elastic_transform_seeding():
    x = R((2, 9, 8, 3), seed=4).astype("float32")
    a = image.elastic_transform(x, seed=7)
    assert a.shape == x.shape and a.dtype == "float32"
    testing.assert_close(a, image.elastic_transform(x, seed=7))
    assert not np.allclose(a.numpy(), image.elastic_transform(x, seed=8).numpy())
    testing.assert_close(image.elastic_transform(x, alpha=0.0, seed=1), x)
    first = image.elastic_transform(x.transpose(0, 3, 1, 2), seed=7, data_format="channels_first")
    testing.assert_close(first.numpy().transpose(0, 2, 3, 1), a, atol=1e-6)
    gen = keras.random.SeedGenerator(3)
    assert not np.allclose(image.elastic_transform(x, seed=gen).numpy(),
                           image.elastic_transform(x, seed=gen).numpy())


def test_elastic_transform_displacement_statistics():
    # On the ramp image f(y, x) = x, bilinear sampling returns x + alpha * dx inside the image,
    # so output - input is the blurred noise field: mean ~0, std ~ sigma * |kernel|_2.
    sigma, alpha = 2.0, 1.0
    ramp = np.broadcast_to(np.arange(96.0), (1, 96, 96))[..., None].copy()
    out = image.elastic_transform(ramp, alpha=alpha, sigma=sigma, seed=0).numpy()
    shift = (out - ramp)[0, 12:-12, 12:-12, 0]
    size = int(6 * sigma) | 1
    g = np.exp(-0.5 * ((np.arange(size) - size // 2) / sigma) ** 2)
    g /= g.sum()
    expected = alpha * sigma * np.sqrt((np.outer(g, g) ** 2).sum())
    assert abs(shift.mean()) < 0.2 * expected
    assert 0.8 * expected < shift.std() < 1.2 * expected


def test_elastic_transform_grad_with_fixed_seed():
    x = R((1, 5, 5, 1))
    testing.check_grad(lambda a: image.elastic_transform(a, alpha=2.0, sigma=1.0, seed=3), [x])


def test_namespace_and_symbolic_use():
    assert "resize" not in vars(numen.ops)  # only under keras.ops.image, as in Keras
    assert not hasattr(keras.ops, "resize")
    inp = keras.Input((8, 8, 3))
    out = keras.ops.image.resize(keras.ops.image.rgb_to_grayscale(inp), (4, 4))
    assert tuple(out.shape) == (None, 4, 4, 1)
    model = keras.Model(inp, out)
    x = unit((2, 8, 8, 3)).astype("float32")
    expected = image.resize(image.rgb_to_grayscale(x), (4, 4))
    testing.assert_close(model.predict(x, verbose=0), expected, atol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: image.resize(np.ones((4, 4, 1)), (2,)), "size"),
    (lambda: image.resize(np.ones((4, 4, 1)), (0, 2)), "size"),
    (lambda: image.resize(np.ones((4, 4)), (2, 2)), "rank"),
    (lambda: image.resize(np.ones((4, 4, 1)), (2, 2), interpolation="cubic"), "interpolation"),
    (lambda: image.resize(np.ones((4, 4, 1)), (2, 2), fill_mode="reflect"), "fill_mode"),
    (lambda: image.resize(np.ones((4, 4, 1)), (2, 2), crop_to_aspect_ratio=True,
                          pad_to_aspect_ratio=True), "aspect"),
    (lambda: image.resize(np.ones((4, 4, 1)), (2, 2), data_format="nhwc"), "data_format"),
    (lambda: image.scale_and_translate(np.ones((4, 4)), (2, 2), [1.0], [0.0], (0, 1),
                                       "linear"), "scale"),
    (lambda: image.scale_and_translate(np.ones((4, 4)), (2, 2), [1.0, 1.0], [0.0, 0.0],
                                       (0, 1), "nearest"), "method"),
    (lambda: image.crop_images(np.ones((4, 4, 1)), 1, 1), "exactly two"),
    (lambda: image.crop_images(np.ones((4, 4, 1)), 3, 0, target_height=2, target_width=2),
     "crop"),
    (lambda: image.pad_images(np.ones((4, 4, 1)), -1, 0, 0, 0), "top_padding"),
    (lambda: image.pad_images(np.ones((4, 4, 1)), 1, 0, target_height=3, target_width=5),
     "bottom_padding"),
    (lambda: image.map_coordinates(np.ones((3, 3)), np.ones((3, 2)), 1), "coordinates"),
    (lambda: image.map_coordinates(np.ones((3, 3)), np.ones((2, 2)), 2), "order"),
    (lambda: image.map_coordinates(np.ones((3, 3)), np.ones((2, 2)), 1, "edge"), "fill_mode"),
    (lambda: image.affine_transform(np.ones((4, 4, 1)), np.ones(6)), "transform"),
    (lambda: image.affine_transform(np.ones((4, 4, 1)), np.ones(8), "bicubic"),
     "interpolation"),
    (lambda: image.perspective_transform(np.ones((4, 4, 1)), np.ones((3, 2)), np.ones((3, 2))),
     "start_points"),
    (lambda: image.elastic_transform(np.ones((4, 4, 1)), seed="x"), "seed"),
    (lambda: image.gaussian_blur(np.ones((4, 4, 1)), kernel_size=(3, 0)), "kernel_size"),
    (lambda: image.sobel_edges(np.ones((4, 4, 1))), "rank 4"),
    (lambda: image.extract_patches(np.ones((4, 4, 1)), "2"), "size"),
    (lambda: image.extract_patches(np.ones((4, 4, 1)), (2, 2, 2, 2)), "size"),
    (lambda: image.extract_patches(np.ones((4, 4, 1)), 2, padding="full"), "padding"),
    (lambda: image.ssim(np.ones((12, 12, 1)), np.ones((12, 11, 1))), "same shape"),
    (lambda: image.ssim(np.ones((5, 5, 1)), np.ones((5, 5, 1))), "filter"),
    (lambda: image.rgb_to_grayscale(np.ones((4, 4, 2))), "channels"),
    (lambda: image.rgb_to_hsv(np.ones((4, 4, 3), "int32")), "float"),
    (lambda: image.hsv_to_rgb(np.ones((4, 4, 4))), "3 channels"),
])
def test_bad_arguments_name_the_op(call, message):
    with pytest.raises((ValueError, TypeError), match=message) as info:
        call()
    op = info.value.args[0].split(":")[0]
    assert op in image.__all__, info.value
