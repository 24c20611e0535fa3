"""Equalization, AutoContrast and ContrastLimitedAdaptiveHistogramEqualization against Keras
(all deterministic): value ranges, bins, layouts, int inputs, constant channels, inference.
"""

import numpy as np

from golden_cases.case import Case, const


def img(*shape, high=255.0):
    return lambda rng: rng.uniform(0, high, shape).astype("float32")


def call(cls, *args, training=True, **kw):
    return lambda k, x: getattr(k.layers, cls)(*args, **kw)(x, training=training)


FLAT = np.full((1, 3, 3, 2), 40.0, "float32")
FLAT[0, :, :, 1] = np.arange(9).reshape(3, 3) * 20.0
CLAHE = "ContrastLimitedAdaptiveHistogramEqualization"
CASES = [
    Case("equalize", call("Equalization"), [img(2, 6, 6, 3)], rtol=1e-4, atol=1e-3),
    Case("equalize_bins_range", call("Equalization", value_range=(0, 1), bins=32),
         [img(1, 6, 5, 2, high=1.0)], rtol=1e-4, atol=1e-4),
    Case("equalize_cf", call("Equalization", data_format="channels_first"), [img(1, 2, 5, 5)],
         rtol=1e-4, atol=1e-3),
    Case("equalize_flat", call("Equalization"), [const(FLAT)]),
    Case("equalize_inference", call("Equalization", training=False), [img(1, 3, 3, 1)]),
    Case("autocontrast", call("AutoContrast"), [img(2, 4, 5, 3, high=150.0)], grad=True,
         rtol=1e-4, atol=1e-3),
    Case("autocontrast_range_flat", call("AutoContrast", value_range=(0, 1)),
         [const(FLAT / 255.0)], rtol=1e-4, atol=1e-4),
    Case("autocontrast_inference", call("AutoContrast", training=False),
         [img(1, 3, 3, 3, high=100.0)], rtol=1e-4, atol=1e-3),
    Case("clahe", call(CLAHE, tile_grid_size=(2, 2)), [img(2, 8, 8, 3)], rtol=1e-4, atol=1e-3),
    Case("clahe_pad_noclip", call(CLAHE, tile_grid_size=(3, 2), clip_limit=0.0),
         [img(1, 7, 5, 1)], rtol=1e-4, atol=1e-3),
    Case("clahe_range_cf", call(CLAHE, value_range=(0, 1), tile_grid_size=(2, 3),
                                data_format="channels_first", training=False),
         [img(1, 2, 6, 6, high=1.0)], rtol=1e-4, atol=1e-4),
    Case("clahe_uint8", call(CLAHE, tile_grid_size=(2, 2)),
         [const((np.arange(96).reshape(1, 8, 4, 3) * 2.5).astype("uint8"))]),
]
