"""MixUp, CutMix, RandomErasing, RandomGaussianBlur and MaxNumBoundingBoxes against Keras,
through `transform_images` / `transform_labels` with given transformation dicts (the draws
themselves are random; tests/test_augmentation_more.py checks their statistics).
"""

import numpy as np

from golden_cases.case import Case, f32


def img(*shape):
    return lambda rng: rng.uniform(0, 255, shape).astype("float32")


MIX = {"mix_weight": np.array([0.7, 0.2, 1.0], "float32"),
       "permutation_order": np.array([2, 0, 1])}
MASKS = np.zeros((3, 5, 4, 2), bool)
MASKS[0, 1:3, 1:4] = True
MASKS[2, 0:4, 0:2] = True
CUT = {"permutation_order": np.array([1, 2, 0], "int32"), "batch_masks": MASKS,
       "mix_weight": np.array([0.7, 1.0, 0.6], "float32").reshape(3, 1, 1, 1)}
ERASE = {"apply_erasing": np.array([True, False, True]), "batch_masks": MASKS,
         "fill_value": np.full((3, 5, 4, 2), 9.0, "float32")}
BLUR = {"should_apply_blur": np.array([True, False]),
        "blur_factor": np.array([0.8, 1.4], "float32")}


def boxes(k, b, lab, n):
    out = k.layers.MaxNumBoundingBoxes(n, fill_value=-2).transform_bounding_boxes(
        {"boxes": b, "labels": lab}, None)
    return out["boxes"], out["labels"]


CASES = [
    Case("mixup_images", lambda k, x: k.layers.MixUp().transform_images(x, MIX),
         [img(3, 4, 4, 2)], grad=True),
    Case("mixup_labels", lambda k, y: k.layers.MixUp().transform_labels(y, MIX), [f32(3, 4)]),
    Case("cutmix_images", lambda k, x: k.layers.CutMix().transform_images(x, CUT),
         [img(3, 5, 4, 2)], grad=True),
    Case("cutmix_labels", lambda k, y: k.layers.CutMix().transform_labels(y, CUT), [f32(3, 2)]),
    Case("erasing", lambda k, x: k.layers.RandomErasing().transform_images(x, ERASE),
         [img(3, 5, 4, 2)], grad=True),
    Case("erasing_fixed_fill", lambda k, x: k.layers.RandomErasing(
        factor=(1.0, 1.0), scale=(1.0, 1.0), fill_value=300.0)(x), [img(2, 4, 4, 3)]),
    Case("blur", lambda k, x: k.layers.RandomGaussianBlur(kernel_size=5).transform_images(
        x, BLUR), [img(2, 6, 6, 3)], grad=True, rtol=1e-4, atol=1e-3),
    Case("blur_cf", lambda k, x: k.layers.RandomGaussianBlur(
        kernel_size=(3, 5), data_format="channels_first").transform_images(x, BLUR),
        [img(2, 3, 6, 6)], rtol=1e-4, atol=1e-3),
    Case("max_boxes_pad", lambda k, b, lab: boxes(k, b, lab, 4),
         [f32(2, 2, 4), f32(2, 2)]),
    Case("max_boxes_truncate", lambda k, b, lab: boxes(k, b, lab, 1),
         [f32(2, 3, 4), f32(2, 3)]),
    Case("max_boxes_images", lambda k, x: k.layers.MaxNumBoundingBoxes(3)(x), [f32(1, 3, 3, 2)]),
]
