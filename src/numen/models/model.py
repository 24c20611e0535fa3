"""Model: a Layer that trains. Built three ways, as in Keras:

- Functional: `Model(inputs=x_in, outputs=y)` from `keras.Input` tensors;
- subclassing: define layers in `__init__` and the forward pass in `call`;
- Sequential (models/sequential.py), a stack of layers.
"""

from __future__ import annotations

from numen.layers.base import Layer
from numen.layers.node_attributes import NodeAttributes
from numen.models.functional import Graph
from numen.training.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable stack or graph of layers with compile/fit/evaluate/predict."""

    def __new__(cls, *args, **kwargs):
        # As in Keras 3, `Model(inputs, outputs)` itself makes a `Functional` (a Model).
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            cls = Functional
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        if inputs is not None and kwargs.get("name") is None and type(self) is Functional:
            from numen.layers.base import unique_name

            kwargs["name"] = unique_name("functional")  # Keras 3's default model name
        Layer.__init__(self, trainable=kwargs.pop("trainable", True),
                       name=kwargs.pop("name", None), dtype=kwargs.pop("dtype", None), **kwargs)
        self._graph = None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("Model: a Functional model needs both `inputs` and `outputs`")
            self._graph = Graph(inputs, outputs)
            self._graph_layers = self._graph.layers()
            self._graph_input_spec = self._graph.input_specs()
            self.built = True
        self.compiled = False

    # -- structure -----------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        if self._graph is not None:
            return list(self._graph_layers)  # ops (`x + 1`) are left out, as in Keras
        return self._sublayers()

    @property
    def operations(self) -> list:
        """A Functional model's layers and recorded ops (`x * 2`, `keras.ops.relu(x)`), each
        once, in the order its summary lists them; `layers` leaves the ops out.

        Raises:
            AttributeError: the model is not Functional (Sequential and subclassed models
                have no `operations`, as in Keras).

        >>> x = keras.Input((3,))
        >>> model = keras.Model(x, keras.layers.Dense(2)(x) * 2)
        >>> [op.name for op in model.operations]   # input_layer, dense, multiply
        """
        if self._graph is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute "
                                 "'operations' (only Functional models have one)")
        return self._graph.operations()

    def _sublayers(self) -> list[Layer]:
        if self._graph is not None:
            return [layer for layer in self._graph_layers if layer is not self]
        return Layer._sublayers(self)

    @property
    def inputs(self) -> list | None:
        """The model's `keras.Input` tensors, as a list (None for a subclassed model)."""
        return None if self._graph is None else list(self._graph.input_tensors)

    @property
    def outputs(self) -> list | None:
        return None if self._graph is None else list(self._graph.output_tensors)

    @property
    def input(self):
        """A Functional model's inputs as given to the constructor (a tensor, list or dict);
        for any other model, the input of its first call on symbolic tensors."""
        if self._graph is not None:
            return self._graph.inputs
        return NodeAttributes.input.fget(self)

    @property
    def output(self):
        if self._graph is not None:
            return self._graph.outputs
        return NodeAttributes.output.fget(self)

    @property
    def input_spec(self):
        """What the model accepts: one InputSpec per `keras.Input` for a Functional model
        (unless one was set), else the spec set on it (None by default)."""
        manual = getattr(self, "_manual_input_spec", None)
        if manual is not None or getattr(self, "_graph", None) is None:
            return manual
        return self._graph_input_spec

    @input_spec.setter
    def input_spec(self, value):
        self._manual_input_spec = value

    @property
    def input_names(self) -> list[str]:
        return [] if self._graph is None else self._graph.input_names()

    @property
    def output_names(self) -> list[str]:
        """Names that key targets, losses and metrics: dict keys for dict outputs, else the
        names of the layers that produce the outputs."""
        if self._graph is not None:
            return self._graph.output_names()
        return getattr(self, "_output_names", None) or ["output_1"]

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

    def get_build_config(self) -> dict:
        """`{"input_shape": shape}` of a model with one input (None otherwise), as Keras
        writes it in config.json; a subclassed model records the shapes of its first call."""
        shapes = self._expected_input_shapes()
        if shapes is None:  # a subclassed model: what its first call was built for
            return super().get_build_config() or {"input_shape": None}
        return {"input_shape": list(shapes[0]) if len(shapes) == 1 else None}

    def get_compile_config(self) -> dict | None:
        """The `compile()` arguments, each object as its config (None before compile);
        `compile_from_config` takes it back. A model whose `compile` takes other arguments
        overrides both."""
        if not getattr(self, "compiled", False):
            return None
        from numen.saving import compile_config

        return compile_config.serialize(self)

    def compile_from_config(self, config: dict) -> None:
        """Compile with the arguments `get_compile_config` recorded (loading calls it)."""
        from numen.saving import compile_config

        compile_config.apply(self, config)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by index in `model.layers`.

        Raises:
            ValueError: no layer has that name, or the index is out of range.
        """
        layers = self.layers
        if index is not None:
            if name is not None:
                raise ValueError("get_layer: pass either `name` or `index`, not both")
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer: index {index} is out of range for a model with "
                                 f"{len(layers)} layers")
            return layers[index]
        if name is None:
            raise ValueError("get_layer: pass a layer `name` or an `index`")
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: "
                         f"{[layer.name for layer in layers]}")

    # -- calling -------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        if self._graph is not None:
            return self._graph.run(inputs, training=training, mask=mask, name=self.name)
        raise NotImplementedError(f"Model '{self.name}': subclasses of Model must implement "
                                  "call(), or build the model from inputs and outputs")

    def compute_mask(self, inputs, mask=None):
        """The outputs' masks of a Functional model (None where no layer makes one)."""
        if self._graph is None or not self._graph.uses_masks:
            return None
        from numen.autodiff import no_grad

        with no_grad():
            _, masks = self._graph.run(self._convert_inputs(inputs), training=False, mask=mask,
                                       return_masks=True, name=self.name)
        return masks

    def _build_from(self, x) -> None:
        # A subclassed model's layers build themselves on the first call; a user-written
        # build() runs first when there is one.
        shapes = _shapes_of(x)
        if self._graph is None and type(self).build is not Model.build:
            self.build(shapes)
        self._build_shapes = shapes  # what get_build_config records (Keras keeps the batch)
        self.built = True

    def build(self, input_shape):
        """Build a subclassed model by calling it once on zeros of `input_shape`."""
        if self._graph is not None or self.built:
            self.built = True
            return
        import numpy as np

        from numen.autodiff import no_grad

        def zeros(shape):
            return np.zeros(tuple(1 if n is None else n for n in shape), dtype=self.dtype)

        if isinstance(input_shape, dict):
            data = {k: zeros(v) for k, v in input_shape.items()}
        elif isinstance(input_shape, list) and input_shape and \
                isinstance(input_shape[0], (list, tuple)):
            data = [zeros(s) for s in input_shape]
        else:
            data = zeros(input_shape)
        self.built = True
        with no_grad():
            self(data, training=False)
        self._clear_losses()

    def build_from_input_shape(self, input_shape):
        self.build(input_shape)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print a table of layers with output shapes and parameter counts."""
        from numen.models.summary import summary_text

        text = summary_text(self, line_length=line_length, positions=positions,
                            show_trainable=show_trainable, expand_nested=expand_nested)
        (print_fn or print)(text)

    @property
    def input_dtype(self) -> str:
        # As Keras's Functional models, a graph model hands float inputs to its layers in the
        # variable dtype (its Inputs' floatx): each layer casts to its own compute dtype.
        return self.variable_dtype if self._graph is not None else self.compute_dtype

    def quantize(self, mode=None, config=None, filters=None, **kwargs):
        """Quantize Dense, EinsumDense and Embedding layers to "int8" or "int4", or train
        Dense and EinsumDense in "float8" (the model must be built); `filters` (regex, list of
        regexes, or callable) picks layers. Layers that cannot be quantized are skipped with a
        warning, as in Keras."""
        from numen.models.quantize import quantize_model

        quantize_model(self, mode, config=config, filters=filters, **kwargs)

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

    def export(self, filepath, format="tf_saved_model", verbose=True, input_signature=None,
               **kwargs):
        """Write the model for inference outside numen; numen supports `format='onnx'`.

        >>> model.export("model.onnx", format="onnx")  # doctest: +SKIP
        """
        from numen.saving.onnx_export import export

        return export(self, filepath, format=format, verbose=verbose,
                      input_signature=input_signature, **kwargs)

    def get_config(self):
        if self._graph is not None:
            from numen.saving.functional_config import functional_config

            return functional_config(self)
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A Functional model from its config (layers and their calls), or a subclassed model
        from its constructor arguments."""
        if "layers" in config and "input_layers" in config:
            from numen.saving.functional_config import build_functional

            return build_functional(cls, config, custom_objects)
        return cls(**config)

    def to_json(self, **kwargs) -> str:
        import json

        from numen import saving

        return json.dumps(saving.serialize_layer(self), **kwargs)


class Functional(Model):
    """The class of a model made by `keras.Model(inputs, outputs)`, as in Keras 3: its repr,
    summary and saved `class_name` say `Functional`; it is a `Model` in every other way."""


def _shapes_of(x):
    if isinstance(x, dict):
        return {k: _shapes_of(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_shapes_of(v) for v in x]
    return tuple(x.shape) if hasattr(x, "shape") else None
