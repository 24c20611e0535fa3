"""Keras's published image-classification architectures (`keras.applications`).

Each family lives in its own module, named as Keras names it (`resnet`, `efficientnet`, ...),
with its builders, `preprocess_input` and `decode_predictions`. The modules are imported on
first use so that `import numen` does not pay for forty architectures.
"""

from __future__ import annotations

import importlib

# family module -> the builders it defines
FAMILIES = {
    "convnext": ["ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge",
                 "ConvNeXtXLarge"],
    "densenet": ["DenseNet121", "DenseNet169", "DenseNet201"],
    "efficientnet": [f"EfficientNetB{i}" for i in range(8)],
    "efficientnet_v2": ["EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2",
                        "EfficientNetV2B3", "EfficientNetV2S", "EfficientNetV2M",
                        "EfficientNetV2L"],
    "inception_resnet_v2": ["InceptionResNetV2"],
    "inception_v3": ["InceptionV3"],
    "mobilenet": ["MobileNet"],
    "mobilenet_v2": ["MobileNetV2"],
    "mobilenet_v3": ["MobileNetV3Small", "MobileNetV3Large"],
    "nasnet": ["NASNetMobile", "NASNetLarge"],
    "resnet": ["ResNet50", "ResNet101", "ResNet152"],
    "resnet50": ["ResNet50"],
    "resnet_v2": ["ResNet50V2", "ResNet101V2", "ResNet152V2"],
    "vgg16": ["VGG16"],
    "vgg19": ["VGG19"],
    "xception": ["Xception"],
    "imagenet_utils": [],
}

_BUILDER_HOME = {name: module for module, names in FAMILIES.items() for name in names
                 if module != "resnet50"}

__all__ = sorted(FAMILIES) + sorted(_BUILDER_HOME)


def _import_family(name: str):
    try:
        return importlib.import_module(f"numen.applications.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"numen.applications.{name}":
            raise
        raise AttributeError(f"module 'numen.applications' has no attribute {name!r} "
                             "(that family is not built yet)") from None


def __getattr__(name: str):
    if name in FAMILIES:
        return _import_family(name)
    if name in _BUILDER_HOME:
        return getattr(_import_family(_BUILDER_HOME[name]), name)
    raise AttributeError(f"module 'numen.applications' has no attribute {name!r}")


def __dir__():
    return __all__
