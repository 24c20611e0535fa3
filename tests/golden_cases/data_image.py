"""keras.utils / keras.preprocessing.image: image arrays, PIL images and image files.

Pillow is needed on both sides (real Keras and numen). The file cases write a PNG into memory
with save_img and read it back with load_img.
"""

import io

from golden_cases.case import Case, const, f32, ints


def _png(k, x, **kwargs):
    buffer = io.BytesIO()
    k.utils.save_img(buffer, x, file_format="png", **kwargs)
    buffer.seek(0)
    return buffer


def _reload(k, x, save=None, **load):
    img = k.utils.load_img(_png(k, x, **(save or {})), **load)
    return k.utils.img_to_array(img)


u8 = ints(6, 9, 3, high=256, dtype="uint8")

CASES = [
    Case("smart_resize_uint8", lambda k, x: k.preprocessing.image.smart_resize(x, (4, 4)),
         [ints(5, 7, 3, high=256, dtype="uint8")]),
    Case("smart_resize_batch_tall",
         lambda k, x: k.preprocessing.image.smart_resize(x, (6, 2), interpolation="nearest"),
         [f32(2, 5, 5, 1)]),
    Case("smart_resize_channels_first",
         lambda k, x: k.preprocessing.image.smart_resize(x, (3, 5), data_format="channels_first"),
         [f32(2, 4, 8)]),
    Case("img_to_array_gray", lambda k, x: k.utils.img_to_array(x), [ints(3, 4, high=256)]),
    Case("img_to_array_channels_first",
         lambda k, x: k.utils.img_to_array(x, data_format="channels_first", dtype="int32"),
         [ints(3, 4, 3, high=256)]),
    Case("array_to_img_rgb_scaled", lambda k, x: k.utils.img_to_array(k.utils.array_to_img(x)),
         [f32(4, 5, 3)]),
    Case("array_to_img_unscaled",
         lambda k, x: k.utils.img_to_array(k.utils.array_to_img(x, scale=False)), [u8]),
    Case("array_to_img_gray_int32",
         lambda k, x: k.utils.img_to_array(k.utils.array_to_img(x, scale=False)),
         [ints(3, 3, 1, low=0, high=5000)]),
    Case("array_to_img_rgba_channels_first",
         lambda k, x: k.utils.img_to_array(
             k.utils.array_to_img(x, data_format="channels_first"),
             data_format="channels_first"), [f32(4, 3, 5)]),
    Case("array_to_img_constant", lambda k, x: k.utils.img_to_array(k.utils.array_to_img(x)),
         [const(7.0 * __import__("numpy").ones((2, 2, 3)), "float32")]),
    Case("load_img_rgb", lambda k, x: _reload(k, x, save={"scale": False}), [u8]),
    Case("load_img_grayscale",
         lambda k, x: _reload(k, x, save={"scale": False}, color_mode="grayscale"), [u8]),
    Case("load_img_rgba_resized",
         lambda k, x: _reload(k, x, save={"scale": False}, color_mode="rgba",
                              target_size=(4, 5), interpolation="bilinear"), [u8]),
    Case("load_img_keep_aspect",
         lambda k, x: _reload(k, x, save={"scale": False}, target_size=(3, 3),
                              keep_aspect_ratio=True, interpolation="bicubic"), [u8]),
    Case("load_img_lanczos",
         lambda k, x: _reload(k, x, save={"scale": False}, target_size=(10, 4),
                              interpolation="lanczos"), [u8]),
]
