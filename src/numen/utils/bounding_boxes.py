"""`keras.utils.bounding_boxes`: the bounding-box functions, which live beside the image
augmentation layers that use them (numen.layers.augment_boxes)."""

from numen.layers.augment_boxes import (  # noqa: F401
    SUPPORTED_FORMATS,
    affine_transform,
    clip_to_image_size,
    compute_ciou,
    compute_iou,
    convert_format,
    crop,
    decode_deltas_to_boxes,
    encode_box_to_deltas,
    pad,
)

__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou",
           "convert_format", "crop", "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]
