"""Random affine augmentation layers (RandomRotation, RandomZoom, RandomTranslation,
RandomShear) against Keras: a degenerate factor range (a, a) fixes the draw, and
`transform_images` with a given transformation dict gives the same pixels as Keras's.
"""

from golden_cases.case import Case, const, f32


def img(*shape):
    return lambda rng: rng.uniform(0, 255, shape).astype("float32")


def layer(cls, *args, **kw):
    return lambda k, x: getattr(k.layers, cls)(*args, **kw)(x)


def transform(cls, key, *args, **kw):
    return lambda k, x, t: getattr(k.layers, cls)(*args, **kw).transform_images(x, {key: t})


CASES = [
    Case("rotation_fixed", layer("RandomRotation", (0.1, 0.1)), [img(2, 7, 6, 3)], grad=True,
         rtol=1e-4, atol=1e-3),
    Case("rotation_constant_nearest", layer("RandomRotation", (-0.2, -0.2), fill_mode="constant",
                                            interpolation="nearest", fill_value=3.0),
         [img(1, 6, 6, 2)]),
    Case("rotation_wrap_cf", layer("RandomRotation", (0.3, 0.3), fill_mode="wrap",
                                   data_format="channels_first"), [img(2, 3, 5, 7)],
         rtol=1e-4, atol=1e-3),
    Case("rotation_unbatched", layer("RandomRotation", (0.05, 0.05), fill_mode="nearest"),
         [img(6, 5, 1)], rtol=1e-4, atol=1e-3),
    Case("rotation_matrix", lambda k, x, t: k.layers.RandomRotation(0.2).transform_images(
        x, {"rotation_matrix": t}), [img(2, 5, 5, 1), const([[0.9, -0.3, 1.2, 0.35, 0.8, -0.6, 0,
                                                              0], [1, 0.2, -1, 0, 1, 0.5, 0, 0]],
                                                            "float32")], rtol=1e-4, atol=1e-3),
    Case("zoom_in_fixed", layer("RandomZoom", (-0.4, -0.4)), [img(2, 6, 8, 3)], grad=True,
         rtol=1e-4, atol=1e-3),
    Case("zoom_out_constant", layer("RandomZoom", (0.5, 0.5), (0.2, 0.2), fill_mode="constant"),
         [img(1, 7, 7, 2)], rtol=1e-4, atol=1e-3),
    Case("zoom_cf_nearest", layer("RandomZoom", (0.3, 0.3), interpolation="nearest",
                                  data_format="channels_first"), [img(1, 2, 6, 6)]),
    Case("zoom_transform", lambda k, x, a, b: k.layers.RandomZoom(0.2).transform_images(
        x, {"height_zoom": a, "width_zoom": b}),
        [img(2, 5, 6, 1), const([[0.7], [1.3]], "float32"), const([[1.2], [0.8]], "float32")],
        rtol=1e-4, atol=1e-3),
    Case("translation_fixed", layer("RandomTranslation", (0.25, 0.25), (-0.2, -0.2)),
         [img(2, 8, 5, 3)], grad=True, rtol=1e-4, atol=1e-3),
    Case("translation_constant", layer("RandomTranslation", (-0.3, -0.3), (0.1, 0.1),
                                       fill_mode="constant", fill_value=7.0),
         [img(1, 6, 6, 1)], rtol=1e-4, atol=1e-3),
    Case("translation_wrap_cf", layer("RandomTranslation", (0.5, 0.5), (0.5, 0.5),
                                      fill_mode="wrap", data_format="channels_first"),
         [img(1, 2, 4, 6)], rtol=1e-4, atol=1e-3),
    Case("translation_transform", transform("RandomTranslation", "translations", 0.1, 0.1),
         [img(2, 5, 5, 2), const([[1.5, -0.7], [-2.0, 0.4]], "float32")], rtol=1e-4, atol=1e-3),
    Case("shear_transform", transform("RandomShear", "shear_factor", 0.3, 0.3),
         [img(2, 6, 5, 2), const([[0.3, -0.1], [-0.25, 0.2]], "float32")], grad=(0,),
         rtol=1e-4, atol=1e-3),
    Case("shear_transform_cf", transform("RandomShear", "shear_factor", 0.3, 0.3,
                                         fill_mode="constant", data_format="channels_first"),
         [img(1, 2, 6, 6), const([[0.4, 0.3]], "float32")], rtol=1e-4, atol=1e-3),
    Case("identity_inference", lambda k, x: k.layers.RandomRotation(0.4)(x, training=False),
         [f32(2, 4, 4, 1)]),
]
