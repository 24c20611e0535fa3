"""`keras.applications.convnext`: ConvNeXtTiny/Small/Base/Large/XLarge (Liu et al., 2022,
"A ConvNet for the 2020s"). The input normalization is part of the model, so
`preprocess_input` passes images through."""

from __future__ import annotations

import numpy as np

from numen import backend, layers
from numen.applications import _common, imagenet_utils
from numen.models import Model, Sequential
from numen.ops import nn as nn_ops

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
# variant -> (sha256 of the file with the top, sha256 of the file without)
_HASHES = {
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}
WEIGHT_HASHES = {}
for _key, (_top, _notop) in _HASHES.items():
    WEIGHT_HASHES[f"{_key}.h5"] = _top
    WEIGHT_HASHES[f"{_key}_notop.h5"] = _notop

MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768]},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768]},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024]},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536]},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048]},
}

__all__ = ["ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge",
           "LayerScale", "StochasticDepth", "decode_predictions", "preprocess_input"]


class StochasticDepth(layers.Layer):
    """In training, drop a residual branch for whole samples with probability
    `drop_path_rate` (the kept ones scaled by 1 / (1 - rate)); the identity otherwise.

    >>> StochasticDepth(0.1)(np.ones((2, 3)), training=False)  # doctest: +SKIP
    """

    def __init__(self, drop_path_rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(drop_path_rate, (int, float)) or not 0 <= drop_path_rate < 1:
            raise ValueError(f"StochasticDepth '{self.name}': drop_path_rate must be a number "
                             f"in [0, 1); received {drop_path_rate!r}")
        self.drop_path_rate = float(drop_path_rate)
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def call(self, x, training=False):
        if not training or self.drop_path_rate == 0:
            return x
        shape = (x.shape[0],) + (1,) * (len(x.shape) - 1)
        return nn_ops.dropout_scaled(x, self.drop_path_rate, shape, self._rng)

    def get_config(self):
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


class LayerScale(layers.Layer):
    """Multiply the last axis by a learned per-channel scale `gamma`, starting at
    `init_values` (Touvron et al., 2021).

    >>> LayerScale(1e-6, 4)(np.ones((1, 4)))  # doctest: +SKIP
    """

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = int(projection_dim)

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] != self.projection_dim:
            raise ValueError(f"LayerScale '{self.name}': expected {self.projection_dim} "
                             f"channels on the last axis; received input shape {input_shape}")
        from numen import initializers
        from numen.layers.base import unique_name

        # Keras gives this weight no name: it is auto-named 'variable', 'variable_1', ...
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values),
                                     trainable=True, name=unique_name("variable"))
        self.built = True

    def call(self, x):
        return x * self.gamma

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6,
                  name=None):
    """A function applying one ConvNeXt block: depthwise 7x7, layer norm, an MLP of
    pointwise Dense layers, layer scale, and the input added back (through stochastic
    depth when `drop_path_rate` > 0)."""
    name = name or "convnext_block"

    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same",
                          groups=projection_dim, name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim,
                           name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            last = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            last = layers.Activation("linear", name=f"{name}_identity")
        return inputs + last(x)

    return apply


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6,
             default_size=224, name="convnext", include_preprocessing=True, include_top=True,
             weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", weights_name=None):
    """A ConvNeXt of 4 stages with `depths` blocks of `projection_dims` channels; the
    Tiny..XLarge builders call it with the published configurations.

    >>> ConvNeXt([1, 1, 1, 1], [8, 16, 32, 64], weights=None, input_shape=(32, 32, 3))
    ... # doctest: +SKIP
    """
    if backend.image_data_format() == "channels_first":
        raise ValueError(f"{name}: ConvNeXt supports only the 'channels_last' image data "
                         "format; received 'channels_first'")
    _common.check_arguments(name, weights=weights, include_top=include_top, classes=classes,
                            pooling=pooling, classifier_activation=classifier_activation)
    if weights == "imagenet":
        variant = MODEL_CONFIGS[weights_name.split("convnext_")[-1]]
        if list(depths) != variant["depths"] or list(projection_dims) != \
                variant["projection_dims"]:
            raise ValueError(f"{name}: the ImageNet weights of {weights_name} need depths "
                             f"{variant['depths']} and projection_dims "
                             f"{variant['projection_dims']}; received {list(depths)} and "
                             f"{list(projection_dims)}")
        if weights_name not in name:
            raise ValueError(f"{name}: with the ImageNet weights the model name must contain "
                             f"{weights_name!r} (the weights file is named after it)")
    shape = _common.input_shape_for(name, input_shape, default_size=default_size, min_size=32,
                                    include_top=include_top, weights=weights,
                                    require_flatten=include_top)
    x, inputs = _common.image_input(input_tensor, shape)
    if isinstance(inputs, list):
        inputs = inputs[0]
    if include_preprocessing and shape[-1] == 3:
        x = layers.Normalization(
            mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
            name=f"{name}_prestem_normalization")(x)
    stages = [Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
    ], name=f"{name}_stem")]
    for i in range(3):
        stages.append(Sequential([
            layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                          name=f"{name}_downsampling_conv_{i}"),
        ], name=f"{name}_downsampling_block_{i}"))
    rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    done = 0
    for i in range(4):
        x = stages[i](x)
        # Keras builds a nested Sequential's layers under its name: their variables' paths
        # are "<sequential>/<layer>/<weight>"
        for v in stages[i].weights:
            if not v.path.startswith(f"{stages[i].name}/"):
                v.path = f"{stages[i].name}/{v.path}"
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dims[i], drop_path_rate=rates[done + j],
                              layer_scale_init_value=layer_scale_init_value,
                              name=f"{name}_stage_{i}_block_{j}")(x)
        done += depths[i]
    if include_top:
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation,
                         name=f"{name}_head_dense")(x)
    else:
        x = _common.pool(x, pooling)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = Model(inputs=inputs, outputs=x, name=name)
    if weights == "imagenet":
        top, notop = f"{name}.h5", f"{name}_notop.h5"
        hashes = _HASHES[weights_name]
        _common.load_weights(model, weights, include_top=include_top,
                             top=(BASE_WEIGHTS_URL + top, WEIGHT_HASHES.get(top, hashes[0])),
                             notop=(BASE_WEIGHTS_URL + notop,
                                    WEIGHT_HASHES.get(notop, hashes[1])))
    else:
        _common.load_weights(model, weights, include_top=include_top, top=None, notop=None)
    return model


def _variant(size):
    config = MODEL_CONFIGS[size]
    title = {"xlarge": "XLarge"}.get(size, size.capitalize())

    def builder(include_top=True, include_preprocessing=True, weights="imagenet",
                input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name=f"convnext_{size}"):
        return ConvNeXt(config["depths"], config["projection_dims"], drop_path_rate=0.0,
                        layer_scale_init_value=1e-6, default_size=224, name=name,
                        include_preprocessing=include_preprocessing, include_top=include_top,
                        weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                        pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation,
                        weights_name=f"convnext_{size}")

    builder.__name__ = builder.__qualname__ = f"ConvNeXt{title}"
    builder.__doc__ = _common.builder_doc(
        f"ConvNeXt{title}: depths {config['depths']}, channels {config['projection_dims']}; "
        "takes images 0..255 (the ImageNet normalization is part of the model).",
        top="global average pooling, layer normalization, then a Dense softmax", min_size=32,
        example=f"ConvNeXt{title}(weights=None, include_top=False, input_shape=(32, 32, 3))",
        extra="\n    include_preprocessing: start with the ImageNet mean/variance "
              "Normalization layer.")
    return builder


ConvNeXtTiny = _variant("tiny")
ConvNeXtSmall = _variant("small")
ConvNeXtBase = _variant("base")
ConvNeXtLarge = _variant("large")
ConvNeXtXLarge = _variant("xlarge")


preprocess_input, decode_predictions = imagenet_utils.family_functions(
    __name__, "ConvNeXt", None)
