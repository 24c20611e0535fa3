"""keras.ops.image resizing: resize (every interpolation, antialias, aspect ratio, layouts,
integer images), scale_and_translate, crop_images, pad_images."""

import numpy as np

from golden_cases.case import Case, f32, ints

S = np.array  # scale / translation constants, float32 as Keras receives them


def res(size, **kw):
    return lambda k, x: k.ops.image.resize(x, size, **kw)


CASES = [
    Case("bilinear_up", res((7, 6)), [f32(2, 4, 5, 3)], grad=True),
    Case("bilinear_down", res((3, 4)), [f32(1, 8, 9, 2)], grad=True),
    Case("bilinear_down_antialias", res((3, 4), antialias=True), [f32(1, 8, 9, 2)], grad=True),
    Case("bilinear_mixed_antialias", res((9, 3), antialias=True), [f32(1, 5, 7, 1)], grad=True),
    Case("nearest", res((3, 7), interpolation="nearest"), [f32(2, 5, 4, 1)], grad=True),
    Case("nearest_down", res((2, 3), interpolation="nearest"), [f32(7, 9, 2)], grad=True),
    Case("bicubic", res((8, 4), interpolation="bicubic"), [f32(1, 5, 6, 2)], grad=True),
    Case("bicubic_antialias", res((3, 2), interpolation="bicubic", antialias=True),
         [f32(1, 7, 6, 1)], grad=True),
    Case("lanczos3_antialias", res((4, 5), interpolation="lanczos3", antialias=True),
         [f32(1, 9, 8, 1)], grad=True),
    Case("lanczos3", res((4, 11), interpolation="lanczos3"), [f32(1, 9, 8, 1)], grad=True),
    Case("lanczos5_unbatched", res((9, 7), interpolation="lanczos5"), [f32(6, 5, 2)],
         grad=True),
    Case("lanczos5_down", res((3, 3), interpolation="lanczos5", antialias=True),
         [f32(1, 10, 7, 1)], grad=True),
    Case("channels_first", res((6, 3), data_format="channels_first"), [f32(2, 3, 4, 5)],
         grad=True),
    Case("channels_first_unbatched", res((2, 8), interpolation="bicubic",
                                         data_format="channels_first"), [f32(2, 4, 5)],
         grad=True),
    Case("crop_to_aspect", res((4, 4), crop_to_aspect_ratio=True), [f32(1, 6, 10, 1)],
         grad=True),
    Case("crop_to_aspect_tall", res((3, 6), crop_to_aspect_ratio=True), [f32(7, 5, 2)],
         grad=True),
    Case("pad_to_aspect", res((6, 6), pad_to_aspect_ratio=True, fill_value=0.5),
         [f32(1, 4, 8, 2)], grad=True),
    Case("pad_to_aspect_wide", res((3, 9), pad_to_aspect_ratio=True), [f32(1, 5, 4, 1)],
         grad=True),
    Case("pad_to_aspect_first", res((4, 4), pad_to_aspect_ratio=True, fill_value=1.0,
                                    data_format="channels_first"), [f32(1, 2, 8, 4)],
         grad=True),
    Case("uint8_bilinear", res((6, 3)), [ints(1, 4, 4, 1, high=256, dtype="uint8")]),
    Case("int32_bicubic", res((5, 7), interpolation="bicubic"),
         [ints(2, 3, 4, 1, low=-50, high=50, dtype="int32")]),
    Case("uint8_nearest", res((5, 2), interpolation="nearest"),
         [ints(3, 4, 3, high=256, dtype="uint8")]),
    Case("same_size", res((4, 5)), [f32(1, 4, 5, 2)], grad=True),
    Case("scale_translate_linear",
         lambda k, x: k.ops.image.scale_and_translate(
             x, (8, 4), S([1.5, 0.7], "float32"), S([0.3, -0.2], "float32"), (0, 1), "linear"),
         [f32(5, 6)], grad=(0,)),
    Case("scale_translate_cubic_batch",
         lambda k, x: k.ops.image.scale_and_translate(
             x, (2, 6, 3, 1), S([1.2, 0.5], "float32"), S([-0.5, 0.25], "float32"), (1, 2),
             "bicubic", antialias=False),
         [f32(2, 5, 6, 1)], grad=(0,)),
    Case("scale_translate_lanczos5",
         lambda k, x: k.ops.image.scale_and_translate(
             x, (3, 9), S([0.5, 1.0], "float32"), S([0.0, 2.0], "float32"), (0, 1),
             "lanczos5"),
         [f32(6, 9)], grad=(0,)),
    Case("scale_translate_lanczos3_one_axis",
         lambda k, x: k.ops.image.scale_and_translate(
             x, (4, 7), S([1.75], "float32"), S([0.1], "float32"), (1,), "lanczos3"),
         [f32(4, 5)], grad=(0,)),
    Case("crop_images", lambda k, x: k.ops.image.crop_images(x, 1, 2, target_height=3,
                                                             target_width=2),
         [f32(2, 5, 6, 3)], grad=True),
    Case("crop_images_first", lambda k, x: k.ops.image.crop_images(
        x, top_cropping=1, bottom_cropping=1, left_cropping=0, right_cropping=2,
        data_format="channels_first"), [f32(2, 5, 6)], grad=True),
    Case("crop_images_bottom_target", lambda k, x: k.ops.image.crop_images(
        x, bottom_cropping=2, target_height=3, right_cropping=1, target_width=4),
        [f32(6, 6, 1)], grad=True),
    Case("pad_images", lambda k, x: k.ops.image.pad_images(x, 1, 2, bottom_padding=0,
                                                           right_padding=3),
         [f32(3, 4, 2)], grad=True),
    Case("pad_images_target", lambda k, x: k.ops.image.pad_images(
        x, bottom_padding=1, right_padding=2, target_height=6, target_width=7,
        data_format="channels_first"), [f32(1, 2, 4, 3)], grad=True),
    Case("pad_images_int", lambda k, x: k.ops.image.pad_images(x, 1, 1, 1, 1),
         [ints(2, 2, 1, dtype="int32")]),
]
