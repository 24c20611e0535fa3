"""The shared base of the image augmentation layers (Keras 3's BaseImagePreprocessingLayer
contract): `call` draws a transformation with `get_random_transformation` and applies it with
`transform_images`, both public so that a known transformation gives known pixels.

Inputs are a batch of images (rank 4), one image (rank 3), or a dict with 'images' and
optionally 'labels' (mixed by MixUp and CutMix, passed through by the others) and
'segmentation_masks' (moved with the pixels by the geometric layers).
"""

from __future__ import annotations

import numpy as np

from numen import backend, ops
from numen.autodiff import Tensor, as_tensor
from numen.layers.augmentation import _RandomImageLayer
from numen.layers.preprocessing import _as_float, _spatial_axes

_NUMBER = (int, float, np.number)


def is_number(value) -> bool:
    return isinstance(value, _NUMBER) and not isinstance(value, bool)


def factor_range(factor, bounds: tuple, layer: str, name: str = "factor") -> tuple:
    """`factor` as Keras reads it: a pair (sorted, overlapping `bounds`) or one number f giving
    (max(-|f|, lower bound), |f|)."""
    message = (f"{layer}: `{name}` must be a number or a pair of numbers in [{bounds[0]}, "
               f"{bounds[1]}], received {factor!r}")
    if isinstance(factor, (list, tuple)):
        if len(factor) != 2 or not all(is_number(v) for v in factor):
            raise ValueError(message)
        if factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        lower, upper = sorted(factor)
        return lower, upper
    if not is_number(factor) or not bounds[0] <= factor <= bounds[1]:
        raise ValueError(message)
    factor = abs(factor)
    return max(-factor, bounds[0]), factor


def value_range_of(value_range, layer: str, sort: bool = True):
    ok = isinstance(value_range, (list, tuple)) and len(value_range) == 2 and all(
        is_number(v) for v in value_range)
    if not ok:
        raise ValueError(f"{layer}: `value_range` must be a list of two numbers [low, high], "
                         f"received {value_range!r}")
    return sorted(value_range) if sort else value_range


def choose(value, allowed: tuple, name: str, layer: str):
    if value not in allowed:
        raise ValueError(f"{layer}: unknown `{name}` {value!r}; expected one of {allowed}")
    return value


def host(value) -> np.ndarray:
    """A transformation entry (array, Tensor or number) as a NumPy array."""
    return np.asarray(backend.to_numpy(value.data if isinstance(value, Tensor) else value))


def device(value):
    """A transformation entry as an array of the current device."""
    return backend.to_device(host(value))


def rescale(x, source, target):
    """Pixel values mapped linearly from the range `source` to the range `target` (in
    Keras's order of operations, which decides where later integer casts round)."""
    if tuple(source) == tuple(target):
        return x
    unit = ops.divide(ops.subtract(x, float(source[0])), float(source[1] - source[0]))
    return ops.add(ops.multiply(unit, float(target[1] - target[0])), float(target[0]))


def rescale_array(x, source, target):
    """`rescale` on a raw float32 array (no gradient)."""
    if tuple(source) == tuple(target):
        return x
    f = np.float32
    return (x - f(source[0])) / f(source[1] - source[0]) * f(target[1] - target[0]) + f(
        target[0])


class ImageAugmentation(_RandomImageLayer):
    """`call(data, training=True)`: identity when `training` is False; otherwise
    `transform_images(images, get_random_transformation(data))`.

    `bounding_box_format` (a keyword every augmentation layer takes, as in Keras) names the
    format of `data["bounding_boxes"]`; layers that leave pixels in place pass the boxes
    through, the others do not move boxes yet and say so.
    """

    _BOXES_STAY = True  # False where pixels move: the boxes would have to move with them

    def __init__(self, seed=None, data_format=None, bounding_box_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.bounding_box_format = bounding_box_format

    def _generator_for(self, seed=None) -> np.random.Generator:
        if seed is None:
            return self._generator or backend.rng()
        if hasattr(seed, "generator"):  # a keras.random.SeedGenerator
            return seed.generator
        return np.random.default_rng(seed)

    def _batch_size(self, images) -> int:
        return images.shape[0] if len(images.shape) == 4 else 1

    def _height_width(self, images) -> tuple[int, int]:
        """(height, width) of images, or of an images' shape."""
        shape = getattr(images, "shape", images)
        if self.data_format == "channels_last":
            return shape[-3], shape[-2]
        return shape[-2], shape[-1]

    def _float(self, images) -> Tensor:
        return _as_float(as_tensor(images), self.dtype)

    def get_random_transformation(self, data, training=True, seed=None):
        """The random draws for one call on `data` (None when `training` is False)."""
        return None

    def transform_images(self, images, transformation, training=True):
        """`images` (rank 4 or 3) transformed by `transformation`."""
        raise NotImplementedError

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_segmentation_masks(self, masks, transformation, training=True):
        return masks

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not self._BOXES_STAY:
            raise NotImplementedError(f"{type(self).__name__}: moving bounding boxes with the "
                                      f"pixels is not supported yet")
        return bounding_boxes

    def _images_of(self, data) -> Tensor:
        """The images of `data` (an array or a dict with 'images'), checked to be rank 3/4."""
        images = data.get("images") if isinstance(data, dict) else data
        if not isinstance(images, Tensor):
            raise TypeError(f"Layer '{self.name}' expects images (an array or a dict with "
                            f"'images'), received {type(data).__name__}")
        _spatial_axes(images, self.data_format, self.name)
        return images

    def call(self, data, training=True):
        images = self._images_of(data)
        if not training:
            return data if isinstance(data, dict) else self._float(images)
        transformation = self.get_random_transformation(data, training=True)
        single = images.ndim == 3  # one image: transformed as a batch of one, as in Keras
        out_images = self._one(self.transform_images, images, transformation, single)
        if not isinstance(data, dict):
            return out_images
        out = dict(data, images=out_images)
        if "labels" in data:
            out["labels"] = self._one(self.transform_labels, data["labels"], transformation,
                                      single)
        if "bounding_boxes" in data:
            if not self.bounding_box_format:
                raise ValueError(f"Layer '{self.name}' received 'bounding_boxes' but no "
                                 f"`bounding_box_format`: pass e.g. "
                                 f"bounding_box_format='xyxy' to the layer")
            out["bounding_boxes"] = self._boxes(data["bounding_boxes"], transformation, single)
        if "segmentation_masks" in data:
            out["segmentation_masks"] = self._one(self.transform_segmentation_masks,
                                                  data["segmentation_masks"], transformation,
                                                  single)
        return out

    def _boxes(self, bounding_boxes, transformation, single):
        """`transform_bounding_boxes` on a batch (one image's boxes get a batch axis)."""
        if not single:
            return self.transform_bounding_boxes(bounding_boxes, transformation)
        lifted = {k: ops.expand_dims(v, 0) if k in ("boxes", "labels") else v
                  for k, v in bounding_boxes.items()}
        out = self.transform_bounding_boxes(lifted, transformation)
        return {k: ops.squeeze(v, 0) if k in ("boxes", "labels") else v
                for k, v in out.items()}

    @staticmethod
    def _one(transform, x, transformation, single):
        if not single:
            return transform(x, transformation)
        return ops.squeeze(transform(ops.expand_dims(x, 0), transformation), 0)

    def get_config(self) -> dict:
        config = super().get_config()
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            return dict(input_shape)
        return tuple(input_shape)
