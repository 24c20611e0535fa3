"""`keras.export`: numen writes models for serving as ONNX, not as TensorFlow SavedModels.

`keras.export.ExportArchive` builds a TensorFlow SavedModel (or a Neptune model), which needs
TensorFlow; numen has no TensorFlow, so creating one raises an error that names the route numen
supports: `model.export(path, format="onnx")` (ONNX Runtime, TensorRT, OpenVINO and
TensorFlow's own onnx-tf converter all read ONNX).
"""

from __future__ import annotations

FORMATS = ("saved_model", "neptune_model")


class ExportArchive:
    """Keras's SavedModel export archive; unavailable in numen (see the module docstring).

    Args:
        format: 'saved_model' or 'neptune_model' (Keras's formats).

    Raises:
        ValueError: an unknown format.
        NotImplementedError: always otherwise, naming `model.export(path, format="onnx")`.

    >>> ExportArchive()  # doctest: +SKIP
    Traceback (most recent call last):
    NotImplementedError: ...
    """

    def __init__(self, format: str = "saved_model", **kwargs):
        if format not in FORMATS:
            raise ValueError(f"ExportArchive: unsupported format {format!r}; Keras's formats "
                             f"are {list(FORMATS)}")
        raise NotImplementedError(
            f"ExportArchive(format={format!r}) writes a TensorFlow SavedModel, which needs "
            "TensorFlow; numen exports models as ONNX instead: model.export('model.onnx', "
            "format='onnx') (or numen.saving.onnx_export.export_onnx(model, path, "
            "input_signature=...)). ONNX files serve with ONNX Runtime and convert to "
            "TensorFlow with onnx-tf.")


__all__ = ["ExportArchive"]
