"""Colour augmentation layers against Keras: degenerate factor ranges (a, a) fix the draws,
and `transform_images` with a given transformation dict (per-image values) gives Keras's
pixels.
"""

import numpy as np

from golden_cases.case import Case, const


def img(*shape, high=255.0):
    return lambda rng: rng.uniform(0, high, shape).astype("float32")


def tf(cls, transformation, *args, **kw):
    return lambda k, x: getattr(k.layers, cls)(*args, **kw).transform_images(x, transformation)


def call(cls, *args, **kw):
    return lambda k, x: getattr(k.layers, cls)(*args, **kw)(x)


F = np.float32
CASES = [
    Case("grayscale_all", call("RandomGrayscale", 1.0), [img(2, 4, 4, 3)], grad=True),
    Case("grayscale_some", tf("RandomGrayscale", np.array([True, False]).reshape(2, 1, 1, 1)),
         [img(2, 3, 4, 3)]),
    Case("grayscale_cf", tf("RandomGrayscale", np.array([True]).reshape(1, 1, 1, 1),
                            data_format="channels_first"), [img(1, 3, 4, 4)]),
    Case("grayscale_inference", lambda k, x: k.layers.RandomGrayscale(1.0)(x, training=False),
         [img(1, 3, 3, 3)]),
    Case("hue", tf("RandomHue", {"factor": F([0.2, -0.35])}, 0.5), [img(2, 4, 4, 3)],
         rtol=1e-4, atol=1e-3),
    Case("hue_unit_range_cf", tf("RandomHue", {"factor": F([0.45])}, 0.5, value_range=(0, 1),
                                 data_format="channels_first"), [img(1, 3, 4, 4, high=1.0)],
         rtol=1e-4, atol=1e-4),
    Case("saturation_fixed", call("RandomSaturation", (0.7, 0.7), value_range=(0, 1)),
         [img(2, 4, 4, 3, high=1.0)], rtol=1e-4, atol=1e-4),
    Case("saturation_transform", tf("RandomSaturation", {"factor": F([0.3, 2.5])}, 0.5),
         [img(2, 3, 3, 3)], rtol=1e-4, atol=1e-3),
    Case("sharpness", tf("RandomSharpness", {"factor": F([0.9, 0.1])}, 0.5), [img(2, 5, 5, 3)],
         grad=True, rtol=1e-4, atol=1e-3),
    Case("sharpness_cf", tf("RandomSharpness", {"factor": F([0.8])}, 0.5,
                            data_format="channels_first"), [img(1, 2, 5, 4)],
         rtol=1e-4, atol=1e-3),
    Case("degeneration_fixed", call("RandomColorDegeneration", (0.6, 0.6)), [img(2, 4, 4, 3)],
         grad=True, rtol=1e-4, atol=1e-3),
    Case("degeneration_transform", tf("RandomColorDegeneration",
                                      {"factor": F([0.2, 1.0]).reshape(2, 1, 1, 1)}, 0.5,
                                      value_range=(0, 100)), [img(2, 3, 3, 3)],
         rtol=1e-4, atol=1e-3),
    Case("invert_all", call("RandomInvert", (1.0, 1.0)), [img(2, 3, 3, 3)], grad=True),
    Case("invert_some", tf("RandomInvert", {"apply_inversion": np.array([False, True])},
                           value_range=(0, 1)), [img(2, 3, 3, 1, high=1.0)]),
    Case("posterize_fixed", call("RandomPosterization", (3, 3)), [img(2, 4, 4, 3)]),
    Case("posterize_transform", tf("RandomPosterization",
                                   {"shift_factor": np.array([1, 6], "uint8")}, 4,
                                   value_range=(0, 1)), [img(2, 4, 4, 3, high=1.0)],
         rtol=1e-4, atol=1e-4),
    Case("posterize_uint8", call("RandomPosterization", (2, 2)),
         [const(np.arange(48, dtype="uint8").reshape(1, 4, 4, 3) * 5)]),
    Case("solarize_threshold", tf("Solarization", {"additions": F([[[[0.0]]], [[[20.0]]]]),
                                                   "thresholds": F([[[[128.0]]], [[[60.0]]]])}),
         [img(2, 4, 4, 3)], grad=True),
    Case("solarize_unit_range", tf("Solarization", {"additions": F([[[[10.0]]]]),
                                                    "thresholds": F([[[[100.0]]]])},
                                   value_range=(0, 1)), [img(1, 4, 4, 2, high=1.0)],
         rtol=1e-4, atol=1e-4),
    # Keras draws additions from [lower, 255 upper]: only zero factors fix the draw
    Case("solarize_default", call("Solarization"), [img(2, 3, 3, 3)], rtol=1e-4, atol=1e-3),
    Case("jitter_brightness_saturation", call("RandomColorJitter", brightness_factor=(0.1, 0.1),
                                              saturation_factor=(0.6, 0.6)),
         [img(2, 4, 4, 3)], rtol=1e-4, atol=1e-3),
    Case("jitter_inference", lambda k, x: k.layers.RandomColorJitter(
        hue_factor=0.3, contrast_factor=0.5)(x, training=False), [img(1, 3, 3, 3)]),
]
