"""`keras.visualization`: draw boxes and masks onto images and plot image galleries.

matplotlib (the galleries) and Pillow (drawing boxes and their labels; Keras uses OpenCV) are
optional extras, imported only when a function needs them. Everything works on NumPy arrays
and numen Tensors and returns NumPy arrays.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from numen import backend


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("keras.visualization's galleries need matplotlib: pip install "
                          "matplotlib (or pip install numen[plot])") from None
    return plt


def _numpy(x) -> np.ndarray:
    return backend.to_numpy(x.data) if hasattr(x, "data") and hasattr(x, "grad") \
        else np.asarray(x)


def _batched_images(images, name: str) -> np.ndarray:
    images = _numpy(images)
    if images.ndim != 4:
        raise ValueError(f"{name}: `images` must be a batch of rank 4, received shape "
                         f"{images.shape}")
    return images


def _to_channels_last(x: np.ndarray, data_format) -> np.ndarray:
    data_format = data_format or backend.image_data_format()
    return x.transpose(0, 2, 3, 1) if data_format == "channels_first" else x


def _boxes_to_xyxy(boxes: np.ndarray, box_format: str, height: int, width: int) -> np.ndarray:
    """Boxes in `box_format` as absolute (x1, y1, x2, y2)."""
    b = np.asarray(boxes, dtype="float64")
    relative = box_format.startswith("rel_")
    fmt = box_format[4:] if relative else box_format
    p0, p1, p2, p3 = (b[..., i] for i in range(4))
    if fmt == "xyxy":
        x1, y1, x2, y2 = p0, p1, p2, p3
    elif fmt == "yxyx":
        y1, x1, y2, x2 = p0, p1, p2, p3
    elif fmt == "xywh":
        x1, y1, x2, y2 = p0, p1, p0 + p2, p1 + p3
    elif fmt == "center_xywh":
        x1, y1, x2, y2 = p0 - p2 / 2, p1 - p3 / 2, p0 + p2 / 2, p1 + p3 / 2
    elif fmt == "center_yxhw":
        x1, y1, x2, y2 = p1 - p3 / 2, p0 - p2 / 2, p1 + p3 / 2, p0 + p2 / 2
    else:
        raise ValueError(f"draw_bounding_boxes: unknown bounding_box_format {box_format!r}; "
                         "expected 'xyxy', 'yxyx', 'xywh', 'center_xywh', 'center_yxhw' or "
                         "one of those prefixed 'rel_'")
    out = np.stack([x1, y1, x2, y2], axis=-1)
    if relative:
        out = out * np.array([width, height, width, height], dtype="float64")
    return out


def draw_bounding_boxes(images, bounding_boxes, bounding_box_format, class_mapping=None,
                        color=(128, 128, 128), line_thickness=2, text_thickness=1,
                        font_scale=1.0, data_format=None) -> np.ndarray:
    """Images with their boxes drawn as rectangles, labelled by `class_mapping`.

    Args:
        images: a batch (N, H, W, C) (or channels_first); float images in [0, 1] are scaled
            to [0, 255], others clipped to it.
        bounding_boxes: dict with 'boxes' (N, B, 4), 'labels' (N, B) (label -1: no box) and
            optionally 'confidences' (N, B).
        bounding_box_format: 'xyxy', 'yxyx', 'xywh', 'center_xywh', 'center_yxhw' or one of
            those with a 'rel_' prefix (fractions of the image size).
        class_mapping: {label: name} for the text drawn above each box.
        color: RGB colour of boxes and text.
        line_thickness: rectangle width in pixels.
        text_thickness, font_scale: accepted for compatibility (Pillow's default font).
        data_format: layout of `images`; None: the global setting.

    Returns:
        uint8 images (N, H, W, C) in channels_last layout.

    Raises:
        ImportError: Pillow is missing. TypeError/ValueError: malformed inputs.

    >>> out = draw_bounding_boxes(np.zeros((1, 8, 8, 3)), {"boxes": [[[1, 1, 5, 5]]],
    ...                           "labels": [[0]]}, "xyxy")  # doctest: +SKIP
    """
    from numen.utils.image_utils import pil_image

    Image = pil_image()
    from PIL import ImageDraw

    name = "draw_bounding_boxes"
    images = _to_channels_last(_batched_images(images, name), data_format)
    if not isinstance(bounding_boxes, dict):
        raise TypeError(f"{name}: bounding_boxes must be a dict, received "
                        f"{type(bounding_boxes).__name__}")
    if "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError(f"{name}: bounding_boxes must hold 'boxes' and 'labels', received "
                         f"keys {sorted(bounding_boxes)}")
    class_mapping = class_mapping or {}
    height, width = images.shape[1:3]
    boxes = _boxes_to_xyxy(_numpy(bounding_boxes["boxes"]), bounding_box_format, height, width)
    labels = _numpy(bounding_boxes["labels"])
    confidences = bounding_boxes.get("confidences")
    confidences = None if confidences is None else _numpy(confidences)
    if images.dtype.kind == "f" and images.size:
        images = np.clip(images, 0, 1) * 255 if images.max() <= 1.0 else np.clip(images, 0, 255)
    images = images.astype("uint8")
    color = tuple(int(c) for c in color)
    out = []
    for i in range(images.shape[0]):
        channels = images.shape[-1]
        img = Image.fromarray(images[i][..., 0] if channels == 1 else images[i])
        draw = ImageDraw.Draw(img)
        ink = color[0] if channels == 1 else color[:channels]
        for j in range(boxes.shape[1]):
            label = int(labels[i][j])
            if label == -1:
                continue
            x1, y1, x2, y2 = (int(v) for v in boxes[i][j].astype("int32"))
            draw.rectangle([min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)], outline=ink,
                           width=max(1, int(line_thickness)))
            if label in class_mapping:
                text = str(class_mapping[label])
                if confidences is not None:
                    text = f"{text} | {float(confidences[i][j]):.2f}"
                text_y = y1 - 12 if y1 - 12 >= 0 else y2 + 2
                draw.text((x1, text_y), text, fill=ink)
        array = np.asarray(img)
        out.append(array[..., None] if array.ndim == 2 else array)
    return np.stack(out, axis=0)


def _color_palette(num_classes: int) -> list:
    """One distinct RGB colour per class (the same palette as Keras's)."""
    step = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1])
    return [((i * step) % 255).tolist() for i in range(num_classes)]


def draw_segmentation_masks(images, segmentation_masks, num_classes=None, color_mapping=None,
                            alpha=0.8, blend=True, ignore_index=-1, data_format=None):
    """Images with each class of a segmentation mask painted in its colour.

    Args:
        images: a batch (N, H, W, C) (or channels_first).
        segmentation_masks: integer masks (N, H, W, 1) (or channels_first).
        num_classes: the number of colours; None: the largest label in the masks (as Keras
            infers it, so that class itself is not painted).
        color_mapping: {class: RGB} (default: a fixed palette).
        alpha: the colour's weight when blending.
        blend: mix colours with the image (uint8 result, pixels equal to `ignore_index` kept);
            False returns the painted float32 images.
        ignore_index: mask value left unpainted when blending.
        data_format: layout of images and masks; None: the global setting.

    Raises:
        ValueError: images not of rank 4. TypeError: non-integer masks.

    >>> draw_segmentation_masks(np.zeros((1, 2, 2, 3)), np.ones((1, 2, 2, 1), "int32"),
    ...                         num_classes=2).shape
    (1, 2, 2, 3)
    """
    name = "draw_segmentation_masks"
    images = _batched_images(images, name)
    masks = _numpy(segmentation_masks)
    if (data_format or backend.image_data_format()) == "channels_first":
        images, masks = images.transpose(0, 2, 3, 1), masks.transpose(0, 2, 3, 1)
    if masks.dtype.kind not in "iu":
        raise TypeError(f"{name}: segmentation_masks must be integers, received dtype "
                        f"{masks.dtype}")
    images = images.astype("float32")
    if num_classes is None:
        num_classes = int(masks.max())
    colors = _color_palette(num_classes) if color_mapping is None else \
        [color_mapping[i] for i in range(num_classes)]
    valid = masks[..., 0] != ignore_index
    labels = masks[..., 0]
    painted = images.copy()
    for c, color in enumerate(colors):
        painted[labels == c] = np.asarray(color, dtype="float32")
    if not blend:
        return painted
    mixed = images * (1 - alpha) + painted * alpha
    mixed = np.where(valid[..., None], mixed, images)
    return mixed.astype("uint8")


def _to_uint8_range(images: np.ndarray, value_range) -> np.ndarray:
    low, high = value_range
    x = (images.astype("float32") - low) * (255.0 / (high - low))
    return np.clip(x, 0, 255)


def plot_image_gallery(images, y_true=None, y_pred=None, label_map=None, rows=None, cols=None,
                       value_range=(0, 255), scale=2, path=None, show=None, transparent=True,
                       dpi=60, legend_handles=None, data_format=None):
    """Show (or save to `path`) a grid of images, titled with labels when given.

    Args:
        images: a batch (N, H, W, C) (or channels_first).
        y_true, y_pred: labels per image, named through `label_map` ({label: name}).
        rows, cols: grid size (default: about a square holding the batch).
        value_range: the range of the image values, mapped to [0, 255].
        scale: inches per grid cell.
        path: save the figure there instead of showing it.
        show: show it with `plt.show()` (default: when no `path`).
        transparent, dpi: passed to `savefig`.
        legend_handles: matplotlib handles for a figure legend.
        data_format: layout of `images`; None: the global setting.

    Raises:
        ImportError: matplotlib is missing. ValueError: both `path` and `show`, labels
            without `label_map`, or images not of rank 4.

    >>> plot_image_gallery(np.zeros((4, 8, 8, 3)), path="gallery.png")  # doctest: +SKIP
    """
    plt = _pyplot()
    name = "plot_image_gallery"
    if path is not None and show:
        raise ValueError(f"{name}: pass either `path` (save) or `show=True`, not both")
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError(f"{name}: y_true / y_pred need a `label_map` to name the labels")
    images = _to_channels_last(_batched_images(images, name), data_format)
    show = path is None if show is None else show
    batch = images.shape[0]
    rows = rows or int(math.ceil(math.sqrt(batch)))
    cols = cols or max(1, int(math.ceil(batch // rows)))
    images = _to_uint8_range(images[:rows * cols], value_range)
    fig, axes = plt.subplots(nrows=rows, ncols=cols, figsize=(cols * scale, rows * scale),
                             frameon=False, layout="tight", squeeze=False, sharex="row",
                             sharey="col")
    fig.subplots_adjust(wspace=0, hspace=0)
    if legend_handles is not None:
        fig.legend(handles=legend_handles, loc="lower center")
    y_true = None if y_true is None else _numpy(y_true)
    y_pred = None if y_pred is None else _numpy(y_pred)
    for index in range(rows * cols):
        axis = axes[index // cols, index % cols]
        axis.axis("off")
        if index >= len(images):
            continue
        image = images[index].astype("uint8")
        axis.imshow(image[..., 0] if image.shape[-1] == 1 else image,
                    cmap="gray" if image.shape[-1] == 1 else None)
        axis.margins(x=0, y=0)
        title = []
        if y_true is not None and index < len(y_true):
            title.append(f"Label: {label_map.get(_key(y_true[index]), 'Unknown')}")
        if y_pred is not None and index < len(y_pred):
            title.append(f"Pred: {label_map.get(_key(y_pred[index]), 'Unknown')}")
        if title:
            axis.set_title("  ".join(title), fontsize=8)
    if path is not None:
        plt.savefig(fname=path, pad_inches=0, bbox_inches="tight", transparent=transparent,
                    dpi=dpi)
        plt.close(fig)
    elif show:
        plt.show()
        plt.close(fig)


def _key(label):
    return label.item() if isinstance(label, np.generic) or (
        isinstance(label, np.ndarray) and label.size == 1) else label


def plot_bounding_box_gallery(images, bounding_box_format, y_true=None, y_pred=None,
                              value_range=(0, 255), true_color=(0, 188, 212),
                              pred_color=(255, 235, 59), line_thickness=2, font_scale=1.0,
                              text_thickness=None, class_mapping=None,
                              ground_truth_mapping=None, prediction_mapping=None, legend=False,
                              legend_handles=None, rows=None, cols=None, data_format=None,
                              **kwargs):
    """`plot_image_gallery` of images with true and predicted boxes drawn in two colours.

    Args:
        images: a batch (N, H, W, C) (or channels_first).
        bounding_box_format: as `draw_bounding_boxes`.
        y_true, y_pred: bounding box dicts ('boxes', 'labels', optional 'confidences').
        true_color, pred_color: their RGB colours.
        class_mapping: {label: name} for both (unless the two mappings below are given).
        legend: add a legend naming the two colours (or pass `legend_handles`).
        value_range, rows, cols, **kwargs: passed to `plot_image_gallery`.

    Raises:
        ImportError: matplotlib or Pillow is missing. ValueError: both legend options.

    >>> plot_bounding_box_gallery(images, "xyxy", y_true=boxes, path="g.png")  # doctest: +SKIP
    """
    _pyplot()
    from matplotlib import patches

    name = "plot_bounding_box_gallery"
    images = _to_channels_last(_batched_images(images, name), data_format)
    draw = functools.partial(draw_bounding_boxes, bounding_box_format=bounding_box_format,
                             line_thickness=line_thickness, text_thickness=text_thickness,
                             font_scale=font_scale, data_format="channels_last")
    if y_true is not None:
        images = draw(images, y_true, color=true_color,
                      class_mapping=ground_truth_mapping or class_mapping)
    if y_pred is not None:
        images = draw(images, y_pred, color=pred_color,
                      class_mapping=prediction_mapping or class_mapping)
    if legend:
        if legend_handles:
            raise ValueError(f"{name}: pass `legend` or `legend_handles`, not both")
        legend_handles = [patches.Patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
                          patches.Patch(color=np.array(pred_color) / 255.0, label="Prediction")]
    return plot_image_gallery(images, value_range=value_range, legend_handles=legend_handles,
                              rows=rows, cols=cols, data_format="channels_last", **kwargs)


def plot_segmentation_mask_gallery(images, num_classes, value_range=(0, 255), y_true=None,
                                   y_pred=None, color_mapping=None, blend=True, alpha=0.8,
                                   ignore_index=-1, data_format=None, **kwargs):
    """A gallery with one row per image: the image, then its true and predicted masks
    painted over it (see `draw_segmentation_masks`).

    Raises:
        ImportError: matplotlib is missing. ValueError: images not of rank 4.

    >>> plot_segmentation_mask_gallery(images, 3, y_true=masks, path="m.png")  # doctest: +SKIP
    """
    name = "plot_segmentation_mask_gallery"
    images = _to_channels_last(_batched_images(images, name), data_format)
    draw = functools.partial(draw_segmentation_masks, num_classes=num_classes,
                             color_mapping=color_mapping, alpha=alpha, ignore_index=ignore_index,
                             blend=blend, data_format="channels_last")
    shown = [images]
    for masks in (y_true, y_pred):
        if masks is not None:
            masks = _to_channels_last(_numpy(masks), data_format).astype("int32")
            shown.append(draw(images, masks))
    gallery = np.stack(shown, axis=1).reshape((-1,) + images.shape[1:])
    return plot_image_gallery(gallery, value_range=value_range, rows=images.shape[0],
                              cols=len(shown), data_format="channels_last", **kwargs)


__all__ = ["draw_bounding_boxes", "draw_segmentation_masks", "plot_bounding_box_gallery",
           "plot_image_gallery", "plot_segmentation_mask_gallery"]
