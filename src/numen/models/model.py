"""Model: a Layer that trains. Built three ways, as in Keras:

- Functional: `Model(inputs=x_in, outputs=y)` from `keras.Input` tensors;
- subclassing: define layers in `__init__` and the forward pass in `call`;
- Sequential (models/sequential.py), a stack of layers.
"""

from __future__ import annotations

from numen.layers.base import Layer
from numen.models.functional import Graph
from numen.training.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable stack or graph of layers with compile/fit/evaluate/predict."""

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        Layer.__init__(self, trainable=kwargs.pop("trainable", True),
                       name=kwargs.pop("name", None), dtype=kwargs.pop("dtype", None), **kwargs)
        self._graph = None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("Model: a Functional model needs both `inputs` and `outputs`")
            self._graph = Graph(inputs, outputs)
            self._graph_layers = self._graph.layers()
            self.built = True
        self.compiled = False

    # -- structure -----------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        if self._graph is not None:
            return list(self._graph_layers)
        return self._sublayers()

    def _sublayers(self) -> list[Layer]:
        if self._graph is not None:
            return [l for l in self._graph_layers if l is not self]
        return Layer._sublayers(self)

    @property
    def inputs(self):
        return None if self._graph is None else self._graph.input_tensors

    @property
    def outputs(self):
        return None if self._graph is None else self._graph.output_tensors

    @property
    def input_names(self) -> list[str]:
        return [t.name for t in self.inputs or []]

    @property
    def output_names(self) -> list[str]:
        if self._graph is not None:
            return [t.node.layer.name if t.node else t.name for t in self._graph.output_tensors]
        return ["output_1"] if not hasattr(self, "_output_names") else self._output_names

    @property
    def input_shape(self):
        shapes = self._expected_input_shapes()
        if shapes is None:
            raise AttributeError(f"Model '{self.name}' has no defined input shape yet")
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        if self._graph is not None:
            shapes = [t.shape for t in self._graph.output_tensors]
            return shapes[0] if len(shapes) == 1 else shapes
        raise AttributeError(f"Model '{self.name}' has no defined output shape yet")

    def _expected_input_shapes(self):
        if self._graph is not None:
            return [t.shape for t in self._graph.input_tensors]
        return None

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in `model.layers`."""
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"get_layer: index {index} is out of range for a model with "
                                 f"{len(self.layers)} layers")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: "
                         f"{[l.name for l in self.layers]}")

    # -- calling -------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        if self._graph is not None:
            return self._graph.run(inputs, training=training, mask=mask)
        raise NotImplementedError(f"Model '{self.name}': subclasses of Model must implement "
                                  "call(), or build the model from inputs and outputs")

    def build(self, input_shape):
        if self._graph is None and type(self).call is not Model.call:
            self.build_from_input_shape(input_shape if not isinstance(input_shape, list)
                                        else input_shape[0])
        self.built = True

    def build_from_input_shape(self, input_shape):
        import numpy as np

        from numen.autodiff import no_grad

        shape = tuple(1 if n is None else n for n in input_shape)
        with no_grad():
            Layer.__call__(self, np.zeros(shape, dtype=self.dtype))

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print a table of layers with output shapes and parameter counts."""
        from numen.models.summary import summary_text

        text = summary_text(self, line_length=line_length, show_trainable=show_trainable)
        (print_fn or print)(text)

    # -- saving (the saving package does the work) ---------------------------------------
    def save(self, filepath, overwrite=True, **kwargs):
        from numen import saving

        return saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        from numen import saving

        return saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        from numen import saving

        return saving.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def get_config(self):
        if self._graph is not None:
            from numen.saving.functional_config import functional_config

            return functional_config(self)
        return {"name": self.name, "trainable": self.trainable}

    def to_json(self, **kwargs) -> str:
        import json

        from numen import saving

        return json.dumps(saving.serialize_layer(self), **kwargs)
