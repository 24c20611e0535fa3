"""Bounding-box arithmetic: converting, clipping, cropping, padding and transforming boxes,
their IoU and CIoU, and anchor-relative delta encoding, with Keras 3's formats and arithmetic.
Built from numen ops, so gradients reach the boxes. Users reach these functions as
`keras.utils.bounding_boxes` (numen.utils.bounding_boxes); the augmentation layers that move
boxes use them from here.

Formats (the last axis holds 4 numbers): 'xyxy', 'yxyx', 'xywh', 'center_xywh',
'center_yxhw', and the relative (fractions of the image size) 'rel_xyxy', 'rel_yxyx',
'rel_xywh', 'rel_center_xywh'.
"""

from __future__ import annotations

import math

from numen import backend, ops
from numen.autodiff import as_tensor

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy",
                     "rel_yxyx", "rel_xywh", "rel_center_xywh")


def _parts(boxes):
    return ops.split(boxes, 4, axis=-1)


def _join(*parts):
    return ops.concatenate(list(parts), axis=-1)


def _to_xyxy(boxes, source, height, width):
    a, b, c, d = _parts(boxes)
    if source == "xyxy":
        return boxes
    if source == "yxyx":
        return _join(b, a, d, c)
    if source == "xywh":
        return _join(a, b, a + c, b + d)
    if source == "center_xywh":
        return _join(a - c / 2.0, b - d / 2.0, a + c / 2.0, b + d / 2.0)
    if source == "center_yxhw":
        return _join(b - d / 2.0, a - c / 2.0, b + d / 2.0, a + c / 2.0)
    if source == "rel_xyxy":
        return _join(a * width, b * height, c * width, d * height)
    if source == "rel_yxyx":
        return _join(b * width, a * height, d * width, c * height)
    if source == "rel_xywh":
        return _join(a * width, b * height, (a + c) * width, (b + d) * height)
    return _join((a - c / 2.0) * width, (b - d / 2.0) * height, (a + c / 2.0) * width,
                 (b + d / 2.0) * height)  # rel_center_xywh


def _from_xyxy(boxes, target, height, width):
    x1, y1, x2, y2 = _parts(boxes)
    w, h = x2 - x1, y2 - y1
    if target == "xyxy":
        return boxes
    if target == "yxyx":
        return _join(y1, x1, y2, x2)
    if target == "xywh":
        return _join(x1, y1, w, h)
    if target == "center_xywh":
        return _join(x1 + w / 2.0, y1 + h / 2.0, w, h)
    if target == "center_yxhw":
        return _join(y1 + h / 2.0, x1 + w / 2.0, h, w)
    if target == "rel_xyxy":
        return _join(x1 / width, y1 / height, x2 / width, y2 / height)
    if target == "rel_yxyx":
        return _join(y1 / height, x1 / width, y2 / height, x2 / width)
    if target == "rel_xywh":
        return _join(x1 / width, y1 / height, w / width, h / height)
    return _join((x1 + w / 2.0) / width, (y1 + h / 2.0) / height, w / width,
                 h / height)  # rel_center_xywh


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Boxes converted from the format `source` to the format `target`.

    Args:
        boxes: (..., 4) boxes, or a dict whose 'boxes' are converted.
        source, target: formats from SUPPORTED_FORMATS.
        height, width: the image size, needed by the 'rel_' formats.
        dtype: the dtype of the result.

    >>> convert_format(np.array([[1., 2., 5., 6.]]), "xyxy", "center_xywh").numpy()
    array([[3., 4., 4., 4.]], dtype=float32)
    """
    if isinstance(boxes, dict):
        return dict(boxes, boxes=convert_format(boxes["boxes"], source, target, height,
                                                width, dtype))
    boxes = as_tensor(boxes)
    if boxes.ndim == 0 or boxes.shape[-1] != 4:
        raise ValueError(f"convert_format: `boxes` must have 4 numbers on the last axis, "
                         f"received shape {boxes.shape}")
    source, target = str(source).lower(), str(target).lower()
    for name, value in (("source", source), ("target", target)):
        if value not in SUPPORTED_FORMATS:
            raise ValueError(f"convert_format: `{name}` must be one of {SUPPORTED_FORMATS}, "
                             f"received {value!r}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (
            height is None or width is None):
        raise ValueError(f"convert_format: converting {source!r} to {target!r} needs "
                         f"`height` and `width`, received height={height}, width={width}")
    boxes = ops.cast(boxes, dtype)
    if source == target:
        return boxes
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    height = None if height is None else ops.cast(height, dtype)
    width = None if width is None else ops.cast(width, dtype)
    return _from_xyxy(_to_xyxy(boxes, source, height, width), target, height, width)


def _area_xyxy(boxes):
    x1, y1, x2, y2 = _parts(boxes)
    return ops.squeeze((x2 - x1) * (y2 - y1), axis=-1)


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """Boxes clipped to the image; labels of boxes left with no area become -1.

    Args:
        bounding_boxes: a dict with 'boxes' (..., 4) and optionally 'labels'.
        height, width: the image size (needed for 'xyxy').
        bounding_box_format: 'xyxy' (default) or 'rel_xyxy' (clipped to [0, 1]).

    >>> clip_to_image_size({"boxes": np.array([[-1., 2., 9., 4.]])}, 5, 5)["boxes"].numpy()
    array([[0., 2., 5., 4.]])
    """
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise ValueError(f"clip_to_image_size: `bounding_box_format` must be 'xyxy' or "
                         f"'rel_xyxy', received {bounding_box_format!r}")
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("clip_to_image_size: 'xyxy' boxes need `height` and `width`")
    boxes = as_tensor(bounding_boxes["boxes"])
    if bounding_box_format == "xyxy":
        high_x, high_y = float(width), float(height)
    else:
        high_x = high_y = 1.0
    x1, y1, x2, y2 = _parts(boxes)
    boxes = _join(ops.clip(x1, 0.0, high_x), ops.clip(y1, 0.0, high_y),
                  ops.clip(x2, 0.0, high_x), ops.clip(y2, 0.0, high_y))
    result = dict(bounding_boxes, boxes=boxes)
    if bounding_boxes.get("labels") is not None:
        labels = as_tensor(bounding_boxes["labels"])
        result["labels"] = ops.where(ops.greater(_area_xyxy(boxes), 0.0), labels,
                                     ops.cast(-1, labels.dtype))
    return result


def _xyxy_only(op, bounding_box_format):
    if bounding_box_format != "xyxy":
        raise NotImplementedError(f"{op}: only 'xyxy' boxes are supported, received "
                                  f"bounding_box_format={bounding_box_format!r}")


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """'xyxy' boxes in the coordinates of the crop at (`top`, `left`) of size
    `height` x `width`, clipped to it.

    >>> crop(np.array([[1., 1., 6., 6.]]), 2, 2, 3, 3).numpy()
    array([[0., 0., 3., 3.]])
    """
    _xyxy_only("crop", bounding_box_format)
    x1, y1, x2, y2 = _parts(as_tensor(boxes))
    return _join(ops.clip(x1 - left, 0, width), ops.clip(y1 - top, 0, height),
                 ops.clip(x2 - left, 0, width), ops.clip(y2 - top, 0, height))


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """'xyxy' boxes shifted by `top` and `left` of padding added before the image.

    >>> pad(np.array([[1., 1., 2., 2.]]), 3, 4).numpy()
    array([[5., 4., 6., 5.]])
    """
    _xyxy_only("pad", bounding_box_format)
    x1, y1, x2, y2 = _parts(as_tensor(boxes))
    return _join(x1 + left, y1 + top, x2 + left, y2 + top)


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height,
                     width, center_x=None, center_y=None, bounding_box_format="xyxy"):
    """The smallest 'xyxy' boxes around batches of boxes moved by an affine transform:
    rotation by `angle` degrees and shears in degrees about (`center_x`, `center_y`) (fractions
    of the image, default the centre), scaling, and translation by fractions of the size.

    Args:
        boxes: (batch, boxes, 4).
        angle, translate_x, translate_y, scale, shear_x, shear_y: one value per batch item.

    >>> affine_transform(np.ones((1, 1, 4)), [0.], [0.], [0.], [1.], [0.], [0.], 8, 8).shape
    (1, 1, 4)
    """
    _xyxy_only("affine_transform", bounding_box_format)
    boxes = as_tensor(boxes)
    if boxes.ndim != 3 or boxes.shape[-1] != 4:
        raise ValueError(f"affine_transform: `boxes` must have shape (batch, boxes, 4), "
                         f"received {boxes.shape}")
    center_x = 0.5 if center_x is None else center_x
    center_y = 0.5 if center_y is None else center_y
    angle, tx, ty, scale, shear_x, shear_y = (
        ops.cast(as_tensor(v), "float32") for v in (angle, translate_x, translate_y, scale,
                                                     shear_x, shear_y))
    radian = math.pi / 180.0
    cx, cy = (ops.cast(ops.multiply(c, size - 1), "float32") for c, size in (
        (center_x, width), (center_y, height)))
    rot, sx, sy = -angle * radian, -shear_x * radian, -shear_y * radian
    cx_t = cx + ops.multiply(-tx, width - 1)
    cy_t = cy + ops.multiply(-ty, height - 1)
    a = ops.cos(rot - sy) / ops.cos(sy)
    b = a * ops.tan(sx) + ops.sin(rot)
    c = -ops.sin(rot - sy) / ops.cos(sy)
    d = ops.cos(rot) - c * ops.tan(sx)
    a0, a1, b0, b1 = d * scale, -b * scale, -c * scale, a * scale
    a2 = cx - a0 * cx_t - a1 * cy_t
    b2 = cy - b0 * cx_t - b1 * cy_t
    rows = ops.stack([ops.stack([a0, a1, a2], axis=-1), ops.stack([b0, b1, b2], axis=-1)],
                     axis=1)  # (batch, 2, 3)
    boxes = ops.cast(boxes, "float32")
    x1, y1, x2, y2 = (ops.squeeze(p, -1) for p in _parts(boxes))
    corners = ops.stack([ops.stack(p, axis=-1) for p in ((x1, y1), (x2, y1), (x2, y2),
                                                        (x1, y2))], axis=2)
    corners = ops.concatenate([corners, ops.ones_like(corners[..., :1])], axis=-1)
    moved = ops.einsum("bnxy,bzy->bnxz", corners, rows)
    return ops.concatenate([ops.min(moved, axis=2), ops.max(moved, axis=2)], axis=-1)


def _rank_of(name, boxes):
    if boxes.ndim not in (2, 3):
        raise ValueError(f"compute_iou: `{name}` must have rank 2 (boxes, 4) or 3 (batch, "
                         f"boxes, 4), received shape {boxes.shape}")
    return boxes.ndim


def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1,
                image_shape=None):
    """The intersection over union of every box in `boxes1` with every box in `boxes2`:
    (N, M) for (N, 4) and (M, 4) boxes, (B, N, M) for batches.

    Args:
        bounding_box_format: the boxes' format ('rel_' formats need `image_shape`).
        use_masking: give pairs involving a padding box (all coordinates negative)
            `mask_val` instead.
        image_shape: (height, width, channels).

    >>> compute_iou(np.array([[0., 0., 2., 2.]]), np.array([[1., 1., 3., 3.]]), "xyxy").numpy()
    array([[0.14285715]], dtype=float32)
    """
    boxes1, boxes2 = as_tensor(boxes1), as_tensor(boxes2)
    rank1, rank2 = _rank_of("boxes1", boxes1), _rank_of("boxes2", boxes2)
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError("compute_iou: relative box formats need `image_shape`")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    boxes1 = convert_format(boxes1, bounding_box_format, "yxyx", height, width)
    boxes2 = convert_format(boxes2, bounding_box_format, "yxyx", height, width)
    perm = (1, 0) if rank2 == 2 else (0, 2, 1)
    y1a, x1a, y2a, x2a = _parts(boxes1)
    y1b, x1b, y2b, x2b = (ops.transpose(p, perm) for p in _parts(boxes2))
    inter_h = ops.maximum(ops.minimum(y2a, y2b) - ops.maximum(y1a, y1b), 0.0)
    inter_w = ops.maximum(ops.minimum(x2a, x2b) - ops.maximum(x1a, x1b), 0.0)
    intersection = inter_h * inter_w

    def area(b):
        y1, x1, y2, x2 = _parts(b)
        return ops.squeeze((y2 - y1) * (x2 - x1), axis=-1)

    area1 = ops.expand_dims(area(boxes1), -1)
    area2 = ops.expand_dims(area(boxes2), 1 if rank2 == 3 else 0)
    iou = ops.divide(intersection, area1 + area2 - intersection + backend.epsilon())
    if not use_masking:
        return iou
    pad1 = ops.less(ops.max(boxes1, axis=-1, keepdims=True), 0.0)
    pad2 = ops.less(ops.max(boxes2, axis=-1, keepdims=True), 0.0)
    background = ops.logical_or(pad1, ops.transpose(pad2, (1, 0) if rank1 == 2 else (0, 2, 1)))
    return ops.where(background, ops.cast(mask_val, iou.dtype), iou)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of paired boxes: IoU minus the squared centre distance over the squared
    diagonal of the enclosing box, minus an aspect-ratio term (boxes broadcast together).

    Relative ('rel_') formats are refused, as in Keras 3.15.1.

    >>> compute_ciou(np.array([[0., 0., 2., 2.]]), np.array([[0., 0., 2., 2.]]), "xyxy").numpy()
    array([1.], dtype=float32)
    """
    if "rel" in bounding_box_format:
        raise ValueError(f"compute_ciou: relative box formats are not supported, received "
                         f"{bounding_box_format!r}")
    eps = backend.epsilon()
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    boxes1 = convert_format(boxes1, bounding_box_format, "xyxy", height, width)
    boxes2 = convert_format(boxes2, bounding_box_format, "xyxy", height, width)
    x1a, y1a, x2a, y2a = _parts(boxes1)
    x1b, y1b, x2b, y2b = _parts(boxes2)
    w1, h1 = x2a - x1a, y2a - y1a + eps
    w2, h2 = x2b - x1b, y2b - y1b + eps
    intersection = ops.maximum(ops.minimum(x2a, x2b) - ops.maximum(x1a, x1b), 0.0) * \
        ops.maximum(ops.minimum(y2a, y2b) - ops.maximum(y1a, y1b), 0.0)
    union = w1 * h1 + w2 * h2 - intersection + eps
    iou = ops.squeeze(ops.divide(intersection, union + eps), axis=-1)
    hull_w = ops.maximum(x2a, x2b) - ops.minimum(x1a, x1b)
    hull_h = ops.maximum(y2a, y2b) - ops.minimum(y1a, y1b)
    diagonal = ops.squeeze(hull_w ** 2 + hull_h ** 2 + eps, axis=-1)
    centres = ops.squeeze(((x1a + x2a) / 2 - (x1b + x2b) / 2) ** 2
                          + ((y1a + y2a) / 2 - (y1b + y2b) / 2) ** 2, axis=-1)
    v = ops.squeeze(4 / math.pi ** 2 * ops.power(ops.arctan(w2 / h2) - ops.arctan(w1 / h1), 2),
                    axis=-1)
    alpha = v / (v - iou + (1 + eps))
    return iou - (centres / diagonal + v * alpha)


def _variance(op, variance):
    if variance is None:
        return None
    variance = ops.cast(as_tensor(variance), "float32")
    if variance.shape[-1] != 4:
        raise ValueError(f"{op}: `variance` must have 4 values on its last axis, received "
                         f"shape {variance.shape}")
    return variance


def _encoding(op, name, value):
    if value not in ("center_xywh", "center_yxhw"):
        raise ValueError(f"{op}: `{name}` must be 'center_xywh' or 'center_yxhw', received "
                         f"{value!r}")


def encode_box_to_deltas(anchors, boxes, anchor_format, box_format,
                         encoding_format="center_yxhw", variance=None, image_shape=None):
    """Boxes as deltas from their anchors: centre offsets over the anchor size and log size
    ratios (then divided by `variance`), in the centre format `encoding_format`.

    >>> encode_box_to_deltas(np.array([[0., 0., 2., 2.]]), np.array([[0., 0., 2., 2.]]),
    ...                      "xyxy", "xyxy").numpy()
    array([[0., 0., 0., 0.]], dtype=float32)
    """
    variance = _variance("encode_box_to_deltas", variance)
    _encoding("encode_box_to_deltas", "encoding_format", encoding_format)
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    anchors = convert_format(anchors, anchor_format, encoding_format, height, width)
    boxes = convert_format(boxes, box_format, encoding_format, height, width)
    anchor_size = ops.maximum(anchors[..., 2:], backend.epsilon())
    box_size = ops.maximum(boxes[..., 2:], backend.epsilon())
    deltas = ops.concatenate([(boxes[..., :2] - anchors[..., :2]) / anchor_size,
                              ops.log(box_size / anchor_size)], axis=-1)
    return deltas if variance is None else deltas / variance


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format,
                           encoded_format="center_yxhw", variance=None, image_shape=None):
    """The inverse of `encode_box_to_deltas`: boxes in `box_format` from deltas to anchors.
    `anchors` and `boxes_delta` may be dicts of feature levels (decoded level by level).

    >>> anchors = np.array([[0., 0., 2., 2.]])
    >>> decode_deltas_to_boxes(anchors, np.zeros((1, 4)), "xyxy", "xyxy").numpy()
    array([[0., 0., 2., 2.]], dtype=float32)
    """
    variance = _variance("decode_deltas_to_boxes", variance)
    _encoding("decode_deltas_to_boxes", "encoded_format", encoded_format)
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]

    def decode(anchor, delta):
        anchor = convert_format(anchor, anchor_format, encoded_format, height, width)
        delta = as_tensor(delta)
        if variance is not None:
            delta = delta * variance
        box = ops.concatenate([delta[..., :2] * anchor[..., 2:] + anchor[..., :2],
                               ops.exp(delta[..., 2:]) * anchor[..., 2:]], axis=-1)
        return convert_format(box, encoded_format, box_format, height, width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(anchor, boxes_delta[level]) for level, anchor in anchors.items()}
    return decode(anchors, boxes_delta)


__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou",
           "convert_format", "crop", "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]
