"""RandomCrop and RandomPerspective against Keras: `transform_images` with a given
transformation (a crop corner; corner points and which images to warp), and RandomCrop's
deterministic paths (a window as large as the image: centre crop to the aspect and resize).
RandomElasticTransform's field is random: tests/test_augmentation_more.py checks it.
"""

import numpy as np

from golden_cases.case import Case, const


def img(*shape):
    return lambda rng: rng.uniform(0, 255, shape).astype("float32")


START = np.array([[[0, 0], [5, 0], [0, 6], [5, 6]]] * 2, "float32")
END = np.array([[[0.6, 0.3], [4.2, 0.9], [0.2, 5.1], [4.9, 5.6]],
                [[-0.4, 0.7], [5.3, -0.2], [0.5, 6.4], [5.1, 5.8]]], "float32")


def persp(apply, **kw):
    return lambda k, x: k.layers.RandomPerspective(**kw).transform_images(
        x, {"apply_perspective": np.array(apply), "start_points": START, "end_points": END})


CASES = [
    Case("crop_corner", lambda k, x: k.layers.RandomCrop(3, 4).transform_images(x, (1, 2)),
         [img(2, 6, 7, 3)], grad=True),
    Case("crop_corner_cf", lambda k, x: k.layers.RandomCrop(
        2, 3, data_format="channels_first").transform_images(x, (2, 0)), [img(1, 2, 5, 5)]),
    Case("crop_unbatched", lambda k, x: k.layers.RandomCrop(2, 2).transform_images(x, (0, 1)),
         [img(4, 4, 1)]),
    Case("crop_small_resizes", lambda k, x: k.layers.RandomCrop(6, 4)(x), [img(2, 5, 5, 2)],
         rtol=1e-4, atol=1e-3),
    # Keras 3.15.1 returns images uncropped at inference (against its documentation and the
    # layer's output shape); numen centre-crops as documented: see test_augmentation_more.py
    Case("perspective", persp([True, False]), [img(2, 7, 6, 2)], grad=True, rtol=1e-4,
         atol=1e-3),
    Case("perspective_nearest_fill", persp([True, True], interpolation="nearest",
                                           fill_value=5.0), [img(2, 7, 6, 1)]),
    Case("perspective_cf", persp([False, True], data_format="channels_first"),
         [img(2, 2, 7, 6)], rtol=1e-4, atol=1e-3),
    Case("perspective_zero_scale", lambda k, x: k.layers.RandomPerspective(scale=0.0)(x),
         [img(2, 5, 5, 1)], rtol=1e-4, atol=1e-3),
    Case("elastic_zero_scale", lambda k, x: k.layers.RandomElasticTransform(
        scale=0.0, value_range=(0, 100))(x), [img(2, 5, 5, 1)]),
    Case("elastic_zero_factor", lambda k, x: k.layers.RandomElasticTransform(factor=0.0)(x),
         [const(np.arange(16, dtype="uint8").reshape(1, 4, 4, 1))]),
]
