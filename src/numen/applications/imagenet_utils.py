"""`keras.applications.imagenet_utils`: the input scalings the published weights were trained
with, and the ImageNet class names for a model's predictions."""

from __future__ import annotations

import json

import numpy as np

from numen import backend

CLASS_INDEX_URL = ("https://storage.googleapis.com/download.tensorflow.org/data/"
                   "imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

# per-channel statistics, RGB order
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)

_class_index = None


def preprocess_input(x, data_format=None, mode="caffe"):
    """Scale a batch of RGB images (values 0-255) as a family's weights expect.

    Args:
        x: images as a NumPy array (a float array is changed in place, as Keras does; an
            integer one is copied to floatx) or a tensor, channels last or first.
        data_format: 'channels_last' or 'channels_first'; None reads the global setting.
        mode: 'caffe' (RGB to BGR, minus the ImageNet mean per channel, no scaling), 'tf'
            (to the range -1..1) or 'torch' (to 0..1, then minus mean and over std per channel).

    Returns:
        The scaled images, of the same kind as `x`.

    Raises:
        ValueError: an unknown `mode` or `data_format`.

    >>> preprocess_input(np.full((1, 2, 2, 3), 255.0), mode="tf")[0, 0, 0]
    array([1., 1., 1.])
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError("preprocess_input: `mode` must be 'caffe', 'tf' or 'torch'; "
                         f"received {mode!r}")
    data_format = data_format or backend.image_data_format()
    if data_format not in {"channels_last", "channels_first"}:
        raise ValueError("preprocess_input: `data_format` must be 'channels_last' or "
                         f"'channels_first'; received {data_format!r}")
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype(backend.floatx())
        return _scale(x, data_format, mode, np)
    from numen import ops
    from numen.layers import symbolic

    if symbolic.any_symbolic([x]):  # keras.Input: a node of the model being defined
        return symbolic.symbolic_call(preprocess_input, x, data_format=data_format, mode=mode)
    x = ops.convert_to_tensor(x)
    if not str(x.dtype).startswith(("float", "bfloat")):
        x = ops.cast(x, backend.floatx())
    return _scale(x, data_format, mode, ops)


def _scale(x, data_format, mode, xp):
    """Apply `mode` with array functions from `xp` (numpy in place, or numen.ops)."""
    in_place = xp is np
    if mode == "tf":
        if in_place:
            x /= 127.5
            x -= 1.0
            return x
        return x / 127.5 - 1.0
    axis = 1 if data_format == "channels_first" and len(x.shape) == 4 else (
        0 if data_format == "channels_first" else -1)
    shape = [1] * len(x.shape)
    shape[axis] = 3
    if mode == "torch":
        mean = np.reshape(np.array(_TORCH_MEAN, "float32"), shape)
        std = np.reshape(np.array(_TORCH_STD, "float32"), shape)
        if in_place:
            x /= 255.0
            x -= mean.astype(x.dtype)
            x /= std.astype(x.dtype)
            return x
        return (x / 255.0 - mean) / std
    mean = np.reshape(np.array(_CAFFE_MEAN_BGR, "float32"), shape)
    if in_place:
        x[...] = np.flip(x, axis=axis)
        x -= mean.astype(x.dtype)
        return x
    return xp.flip(x, axis=axis) - mean


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each prediction, best first.

    Args:
        preds: class probabilities, shape (samples, 1000).
        top: how many classes to return per sample.

    Returns:
        One list per sample of `(class_id, class_name, score)` tuples.

    Raises:
        ValueError: `preds` is not of shape (samples, 1000).

    >>> decode_predictions(model.predict(images), top=3)  # doctest: +SKIP
    [[('n02504458', 'African_elephant', 0.82), ...]]
    """
    preds = backend.to_numpy(preds) if not isinstance(preds, np.ndarray) else preds
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("decode_predictions expects a batch of ImageNet predictions, an array "
                         f"of shape (samples, 1000); received shape {preds.shape}")
    index = _load_class_index()
    results = []
    for row in preds:
        best = np.argsort(row)[-top:][::-1]
        results.append([(*index[str(i)], row[i]) for i in best])
    return results


def _load_class_index() -> dict:
    global _class_index
    if _class_index is None:
        from numen.utils.file_utils import get_file

        path = get_file("imagenet_class_index.json", CLASS_INDEX_URL, cache_subdir="models",
                        file_hash=CLASS_INDEX_HASH)
        with open(path, encoding="utf-8") as f:
            _class_index = {k: tuple(v) for k, v in json.load(f).items()}
    return _class_index


# what each mode makes of images 0..255, for the family functions' docstrings
_MODE_TEXT = {
    "tf": "to the range -1..1 ('tf' mode)",
    "torch": "to 0..1, then minus the ImageNet mean and over its standard deviation per "
             "channel ('torch' mode)",
    "caffe": "from RGB to BGR, minus the ImageNet mean per channel ('caffe' mode)",
}


def family_functions(module: str, model: str, mode: str | None):
    """`(preprocess_input, decode_predictions)` of an application family module.

    Args:
        module: the family module's `__name__` (the functions' `__module__`).
        model: the family's name for the docstrings ('Xception').
        mode: what the family's published weights expect of images 0..255 ('tf', 'torch',
            'caffe'), or None when the model scales its input itself (its `preprocess_input`
            returns the images unchanged).

    >>> preprocess_input, decode_predictions = family_functions(__name__, "VGG16", "caffe")
    """
    if mode is None:
        def preprocess_input(x, data_format=None):
            return x

        preprocess_input.__doc__ = (f"Return `x` unchanged: {model} scales its input itself "
                                    "(its first layers).")
    else:
        def preprocess_input(x, data_format=None):
            return globals()["preprocess_input"](x, data_format=data_format, mode=mode)

        preprocess_input.__doc__ = (
            f"Images 0..255 (RGB) {_MODE_TEXT[mode]}, as {model}'s weights expect; see "
            "`imagenet_utils.preprocess_input`.")

    def decode_predictions(preds, top=5):
        return globals()["decode_predictions"](preds, top=top)

    decode_predictions.__doc__ = (f"The `top` ImageNet classes of each of {model}'s "
                                  "predictions: lists of (class id, class name, score); see "
                                  "`imagenet_utils.decode_predictions`.")
    for fn in (preprocess_input, decode_predictions):
        fn.__module__ = module
        fn.__qualname__ = fn.__name__
    return preprocess_input, decode_predictions
