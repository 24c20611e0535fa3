"""keras.utils.bounding_boxes against Keras: format conversions (absolute and relative),
clipping with labels, crop/pad, the affine transform of boxes, IoU (batched, masked) and CIoU,
and delta encoding/decoding with variances.
"""

import numpy as np

from golden_cases.case import Case, const


def boxes(*lead, size=10.0):
    """Valid xyxy-like boxes: corners sorted so that widths and heights are positive."""
    def make(rng):
        a = rng.uniform(0, size, lead + (2,))
        b = a + rng.uniform(size / 20, size / 2, lead + (2,))
        return np.concatenate([a, b], axis=-1).astype("float32")
    return make


BB = "keras.utils.bounding_boxes"


def conv(source, target, **kw):
    return lambda k, b: k.utils.bounding_boxes.convert_format(b, source, target, **kw)


FORMATS = ["yxyx", "xywh", "center_xywh", "center_yxhw"]
REL = ["rel_xyxy", "rel_yxyx", "rel_xywh", "rel_center_xywh"]
CASES = [Case(f"convert_xyxy_{f}", conv("xyxy", f), [boxes(3, 2)], grad=True) for f in FORMATS]
CASES += [Case(f"convert_{f}_xyxy", conv(f, "xyxy"), [boxes(5)], grad=True) for f in FORMATS]
CASES += [Case(f"convert_xyxy_{f}", conv("xyxy", f, height=12, width=16), [boxes(4)],
               grad=True) for f in REL]
CASES += [Case(f"convert_{f}_yxyx", conv(f, "yxyx", height=12, width=16),
               [boxes(4, size=0.5)], grad=True) for f in REL]
CASES += [
    Case("convert_rel_to_rel", conv("rel_xywh", "rel_center_xywh", height=5, width=7),
         [boxes(3, size=0.5)]),
    Case("clip_xyxy_labels", lambda k, b, lab: k.utils.bounding_boxes.clip_to_image_size(
        {"boxes": b, "labels": lab}, height=6, width=5),
        [const([[[-1.0, 2.0, 9.0, 4.0], [7.0, 7.0, 9.0, 9.0], [1.0, 1.0, 2.0, 3.0]]],
               "float32"), const([[1.0, 2.0, 3.0]], "float32")]),
    Case("clip_rel", lambda k, b: k.utils.bounding_boxes.clip_to_image_size(
        {"boxes": b}, bounding_box_format="rel_xyxy"),
        [const([[-0.2, 0.3, 1.4, 0.9]], "float32")]),
    Case("crop", lambda k, b: k.utils.bounding_boxes.crop(b, 2, 3, 5, 4), [boxes(2, 3)],
         grad=True),
    Case("pad", lambda k, b: k.utils.bounding_boxes.pad(b, 2, 3), [boxes(2, 3)], grad=True),
    Case("affine", lambda k, b: k.utils.bounding_boxes.affine_transform(
        b, np.array([20.0, -35.0], "float32"), np.array([0.1, 0.0], "float32"),
        np.array([-0.05, 0.2], "float32"), np.array([1.0, 1.3], "float32"),
        np.array([0.0, 10.0], "float32"), np.array([5.0, 0.0], "float32"), 12, 16),
        [boxes(2, 3)], grad=True, rtol=1e-4, atol=1e-4),
    Case("affine_centre", lambda k, b: k.utils.bounding_boxes.affine_transform(
        b, np.array([90.0], "float32"), np.zeros(1, "float32"), np.zeros(1, "float32"),
        np.ones(1, "float32"), np.zeros(1, "float32"), np.zeros(1, "float32"), 10, 10,
        center_x=0.2, center_y=0.7), [boxes(1, 2)], rtol=1e-4, atol=1e-4),
    Case("iou", lambda k, a, b: k.utils.bounding_boxes.compute_iou(a, b, "xyxy"),
         [boxes(3), boxes(4)], grad=True),
    Case("iou_batched_yxyx", lambda k, a, b: k.utils.bounding_boxes.compute_iou(a, b, "yxyx"),
         [boxes(2, 3), boxes(2, 4)]),
    Case("iou_rel_masked", lambda k, a, b: k.utils.bounding_boxes.compute_iou(
        a, b, "rel_xyxy", use_masking=True, mask_val=-3, image_shape=(8, 8, 3)),
        [const([[0.1, 0.1, 0.5, 0.6], [-1, -1, -1, -1]], "float32"),
         const([[0.2, 0.0, 0.4, 0.9], [0.0, 0.3, 0.9, 0.4], [-1, -1, -1, -1]], "float32")]),
    Case("ciou", lambda k, a, b: k.utils.bounding_boxes.compute_ciou(a, b, "xyxy"),
         [boxes(2, 3), boxes(2, 3)], grad=True, rtol=1e-4, atol=1e-5),
    Case("ciou_center", lambda k, a, b: k.utils.bounding_boxes.compute_ciou(a, b,
                                                                            "center_xywh"),
         [boxes(4), boxes(4)], rtol=1e-4, atol=1e-5),
    Case("encode", lambda k, a, b: k.utils.bounding_boxes.encode_box_to_deltas(
        a, b, "xyxy", "xyxy"), [boxes(5), boxes(5)], grad=True, rtol=1e-4, atol=1e-5),
    Case("encode_variance", lambda k, a, b: k.utils.bounding_boxes.encode_box_to_deltas(
        a, b, "xywh", "rel_xyxy", encoding_format="center_xywh",
        variance=[0.1, 0.1, 0.2, 0.2], image_shape=(10, 20, 3)), [boxes(3), boxes(3, size=0.5)],
        rtol=1e-4, atol=1e-5),
    Case("decode", lambda k, a, d: k.utils.bounding_boxes.decode_deltas_to_boxes(
        a, d, "xyxy", "xywh", variance=[0.1, 0.1, 0.2, 0.2]),
        [boxes(2, 3), lambda rng: rng.uniform(-1, 1, (2, 3, 4)).astype("float32")],
        grad=True, rtol=1e-4, atol=1e-5),
    Case("decode_levels", lambda k, a, d: k.utils.bounding_boxes.decode_deltas_to_boxes(
        {"p3": a, "p4": a * 2}, {"p3": d, "p4": -d}, "center_yxhw", "xyxy",
        encoded_format="center_xywh"),
        [boxes(3), lambda rng: rng.uniform(-1, 1, (3, 4)).astype("float32")],
        rtol=1e-4, atol=1e-5),
]


def layer_boxes(cls, transformation, *args, **kw):
    def run(k, b, lab):
        layer = getattr(k.layers, cls)(*args, bounding_box_format="xyxy", **kw)
        out = layer.transform_bounding_boxes({"boxes": b, "labels": lab}, transformation)
        return out["boxes"], out["labels"]
    return run


LABELS = const([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "float32")
CASES += [
    Case("rotation_boxes", layer_boxes("RandomRotation", {
        "angle": np.array([30.0, -60.0], "float32"), "image_height": 10, "image_width": 12,
        "batch_size": 2}, 0.2), [boxes(2, 3), LABELS], rtol=1e-4, atol=1e-3),
    Case("translation_boxes", layer_boxes("RandomTranslation", {
        "translations": np.array([[2.5, -1.0], [-11.0, 3.0]], "float32"),
        "input_shape": (2, 10, 12, 3)}, 0.2, 0.2), [boxes(2, 3), LABELS]),
]
CASES += [
    Case("zoom_boxes", layer_boxes("RandomZoom", {
        "height_zoom": np.array([[0.6], [1.3]], "float32"),
        "width_zoom": np.array([[0.8], [1.0]], "float32"), "input_shape": (2, 10, 12, 3)},
        0.2), [boxes(2, 3), LABELS], rtol=1e-4, atol=1e-4),
]
