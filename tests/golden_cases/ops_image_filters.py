"""keras.ops.image filters and colours: gaussian_blur, sobel_edges, extract_patches(_3d),
ssim, rgb_to_grayscale, rgb_to_hsv, hsv_to_rgb.

gaussian_blur always names its data_format: with data_format=None Keras's JAX backend reads
the images as channels_first whatever the global setting; numen resolves None to
`image_data_format()` as documented.
"""

from golden_cases.case import Case, f32, ints


def unit(*shape, low=0.0, high=1.0):
    return lambda rng: rng.uniform(low, high, shape).astype("float32")


def near(*shape):
    """Pairs of images that differ a little, stacked on a leading axis of 2."""
    def spec(rng):
        a = rng.uniform(0, 1, shape)
        return (a + 0.1 * rng.standard_normal(shape)).astype("float32")
    return spec


P = "channels_first"

CASES = [
    Case("blur_default", lambda k, x: k.ops.image.gaussian_blur(x, data_format="channels_last"),
         [f32(2, 6, 7, 3)], grad=True),
    Case("blur_rect", lambda k, x: k.ops.image.gaussian_blur(
        x, kernel_size=(3, 5), sigma=(1.0, 2.0), data_format="channels_last"),
        [f32(1, 7, 6, 2)], grad=True),
    Case("blur_first_unbatched", lambda k, x: k.ops.image.gaussian_blur(
        x, kernel_size=(5, 3), sigma=(0.7, 1.5), data_format=P), [f32(2, 6, 5)], grad=True),
    Case("sobel", lambda k, x: k.ops.image.sobel_edges(x), [f32(2, 5, 6, 3)], grad=True),
    Case("sobel_first", lambda k, x: k.ops.image.sobel_edges(x, data_format=P),
         [f32(1, 2, 5, 4)], grad=True),
    Case("patches", lambda k, x: k.ops.image.extract_patches(x, 2), [f32(2, 6, 6, 3)],
         grad=True),
    Case("patches_same", lambda k, x: k.ops.image.extract_patches(
        x, (2, 3), strides=1, padding="same"), [f32(1, 5, 6, 2)], grad=True),
    Case("patches_dilated", lambda k, x: k.ops.image.extract_patches(
        x, 2, strides=(1, 2), dilation_rate=2), [f32(7, 8, 1)], grad=True),
    Case("patches_first", lambda k, x: k.ops.image.extract_patches(
        x, (3, 2), strides=2, data_format=P), [f32(1, 2, 7, 6)], grad=True),
    Case("patches_3d_via_2d_name", lambda k, x: k.ops.image.extract_patches(x, (2, 2, 2)),
         [f32(1, 4, 4, 4, 2)], grad=True),
    Case("patches_3d", lambda k, x: k.ops.image.extract_patches_3d(x, 2), [f32(4, 4, 6, 1)],
         grad=True),
    Case("patches_3d_same", lambda k, x: k.ops.image.extract_patches_3d(
        x, (2, 1, 3), strides=1, padding="same"), [f32(1, 3, 4, 5, 1)], grad=True),
    Case("patches_3d_first", lambda k, x: k.ops.image.extract_patches_3d(
        x, (1, 2, 2), strides=(1, 2, 1), data_format=P), [f32(1, 2, 3, 4, 5)], grad=True),
    Case("ssim", lambda k, a, b: k.ops.image.ssim(a, b), [unit(2, 12, 13, 3), near(2, 12, 13, 3)],
         grad=True),
    Case("ssim_first_small_filter", lambda k, a, b: k.ops.image.ssim(
        a, b, max_val=2.0, filter_size=5, filter_sigma=1.0, k1=0.02, k2=0.05, data_format=P),
        [unit(2, 7, 8), near(2, 7, 8)], grad=True),
    Case("grayscale", lambda k, x: k.ops.image.rgb_to_grayscale(x), [unit(2, 3, 4, 3)],
         grad=True),
    Case("grayscale_first", lambda k, x: k.ops.image.rgb_to_grayscale(x, data_format=P),
         [unit(3, 4, 2)], grad=True),
    Case("grayscale_uint8", lambda k, x: k.ops.image.rgb_to_grayscale(x),
         [ints(3, 4, 3, high=256, dtype="uint8")]),
    Case("grayscale_one_channel", lambda k, x: k.ops.image.rgb_to_grayscale(x),
         [unit(1, 3, 3, 1)], grad=True),
    Case("rgb_to_hsv", lambda k, x: k.ops.image.rgb_to_hsv(x), [unit(2, 4, 5, 3)], grad=True),
    Case("rgb_to_hsv_first", lambda k, x: k.ops.image.rgb_to_hsv(x, data_format=P),
         [unit(3, 4, 4)], grad=True),
    Case("hsv_to_rgb", lambda k, x: k.ops.image.hsv_to_rgb(x), [unit(2, 4, 5, 3)], grad=True),
    Case("hsv_to_rgb_wrapped_hue", lambda k, x: k.ops.image.hsv_to_rgb(x, data_format=P),
         [unit(3, 4, 4, low=-1.5, high=2.5)], grad=True),
]
