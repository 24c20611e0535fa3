"""Pipeline: a list of layers applied one after another (Keras 3's preprocessing chain)."""

from __future__ import annotations

from numen.layers import masks
from numen.layers.base import Layer


class Pipeline(Layer):
    """Applies `layers` in order, passing `training` to those that take it and each layer's
    output mask to the next. Unlike Sequential it is a layer, not a model: no compile/fit.

    >>> Pipeline([Rescaling(2.0), Rescaling(0.5, offset=1.0)])(np.array([1., 2.]))  # [2., 3.]
    """

    def __init__(self, layers, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(layers, (list, tuple)) or not all(isinstance(x, Layer)
                                                             for x in layers):
            raise TypeError(f"Pipeline: `layers` must be a list of layers, received "
                            f"{layers!r}")
        self._layers = list(layers)  # saved under `layers/`, as Keras names them

    @property
    def layers(self) -> list:
        return self._layers

    def _convert_inputs(self, inputs):
        return inputs  # each layer converts what it receives

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._layers:
            kwargs = {}
            if layer._call_has_training and training is not None:
                kwargs["training"] = training
            if layer._call_has_mask and mask is not None:
                kwargs["mask"] = mask
            x = layer(x, **kwargs)
            mask = masks.mask_of(x)
        return x

    def get_config(self) -> dict:
        from numen.saving.serialization import serialize_layer

        return {"layers": [serialize_layer(x) for x in self._layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        from numen.saving.serialization import deserialize_layer

        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(f"Pipeline: the config must hold a `layers` list, received "
                             f"{layers!r}")
        config = {**config, "layers": [deserialize_layer(x) for x in layers]}
        config.pop("trainable", None)
        config.pop("dtype", None)
        return cls(**config)
