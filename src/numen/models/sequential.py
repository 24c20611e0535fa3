"""Sequential: a plain stack of layers, each with one input and one output."""

from __future__ import annotations

from numen.autodiff import no_grad
from numen.layers.base import Layer, unique_name
from numen.layers.core import Input, InputLayer
from numen.layers.masks import set_output_masks
from numen.layers.symbolic import KerasTensor, dtype_name
from numen.models.input_conform import conform
from numen.models.model import Model


class Sequential(Model):
    """`Sequential([Dense(16, activation='relu', input_shape=[8]), Dense(1)])`.

    The model is built as soon as the input shape is known: from `input_shape=` on the first
    layer, an `Input`/`InputLayer` first in the list, or the first batch of data.
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._layers: list[Layer] = []
        self._input_batch_shape = None
        self._input_dtype = None
        # The keras.Input the layers were last built on, the nodes that call recorded and its
        # output (see _build_layers).
        self._traced_input = None
        self._traced_nodes: list = []
        self._traced_output = None
        # As in Keras, the model builds once all the layers are in, not after each of them.
        for layer in layers or []:
            self.add(layer, rebuild=False)
        if self._layers and self._input_batch_shape is not None:
            self._build_layers()

    def add(self, layer, rebuild=True):
        """Append a layer (or an `Input` tensor/`InputLayer`, which sets the input shape)."""
        if isinstance(layer, KerasTensor):
            layer = getattr(layer, "input_layer", None) or layer
            if isinstance(layer, KerasTensor):
                raise ValueError("Sequential.add: only keras.Input tensors can be added, not "
                                 "outputs of other layers")
        if isinstance(layer, InputLayer):
            if self._layers or self._input_batch_shape is not None:
                raise ValueError("Sequential: an Input can only be the first entry")
            self._input_batch_shape = layer.batch_shape
            self._input_dtype = layer.dtype
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a Layer instance, received "
                            f"{type(layer).__name__} ({layer!r})")
        if any(layer.name == l.name for l in self._layers):
            raise ValueError(f"Sequential: all layers must have unique names; '{layer.name}' "
                             "is already in the model")
        if not self._layers and self._input_batch_shape is None and \
                layer._batch_input_shape is not None:
            self._input_batch_shape = layer._batch_input_shape
        self._layers.append(layer)
        self._plain = None  # whether the stack can make masks: decided again on next call
        self.built = False
        if rebuild and self._input_batch_shape is not None:
            self._build_layers()

    def pop(self, rebuild=True):
        if not self._layers:
            raise TypeError("Sequential.pop: there are no layers to remove")
        layer = self._layers.pop()
        self._plain = None
        self.built = False
        if rebuild and self._input_batch_shape is not None and self._layers:
            self._build_layers()
        return layer

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    def _sublayers(self) -> list[Layer]:
        return list(self._layers)

    @property
    def output_names(self) -> list[str]:
        return [self._layers[-1].name] if self._layers else ["output"]

    @property
    def inputs(self) -> list:
        """`[the keras.Input tensor]` the layers were built on (once the input shape is known).

        Raises:
            AttributeError: the model has no input shape yet.
        """
        return [self._traced(self._traced_input, "inputs")]

    @property
    def outputs(self) -> list:
        return [self._traced(self._traced_output, "outputs")]

    @property
    def input(self):
        """The input of the model's first call on symbolic tensors; before any, the
        keras.Input it was built on (where Keras 3 raises, numen answers as Keras 2 did)."""
        if self._inbound_nodes or self._traced_input is None:
            return Model.input.fget(self)
        return self._traced_input

    @property
    def output(self):
        if self._inbound_nodes or self._traced_output is None:
            return Model.output.fget(self)
        return self._traced_output

    def _traced(self, tensor, what: str):
        if tensor is None or not self.built:
            raise AttributeError(f"Sequential model '{self.name}' has no {what} yet: give it an "
                                 "input shape (keras.Input first, input_shape= on the first "
                                 "layer, build(shape)) or call it on data")
        return tensor

    def _expected_input_shapes(self):
        return [self._input_batch_shape] if self._input_batch_shape is not None else None

    def _build_layers(self):
        """Build the layers by calling them on a `keras.Input` of the model's input shape.

        As in Keras, this records each layer's call (its `input` and `output`) and gives the
        model `inputs` and `outputs`, so `Model(model.inputs, [l.output for l in
        model.layers])` extracts features. The Input tensor is kept while the input shape is
        the same, so tensors read before an `add` still connect to `model.inputs`.
        """
        for node in self._traced_nodes:  # a rebuild replaces this model's earlier calls
            node.layer._inbound_nodes = [n for n in node.layer._inbound_nodes if n is not node]
        self._traced_nodes, self._traced_output = [], None
        shape, dtype = tuple(self._input_batch_shape), self._input_dtype or self.dtype
        x = self._traced_input
        if x is None or (x.shape, x.dtype) != (shape, dtype):
            x = self._traced_input = Input(batch_shape=shape, dtype=dtype)
        with self._name_scope():  # the layers' weights are under the model's name, as in Keras
            for layer in self._layers:
                x = layer(x)
                self._traced_nodes.append(layer._inbound_nodes[-1])
        self._traced_output = x
        # Keras's build wraps the layers in a Functional model, which takes an automatic name:
        # take it too, so that models made afterwards are named as in Keras ('functional_1').
        unique_name("functional")
        self.built = True

    @property
    def input_dtype(self) -> str:
        return self.variable_dtype  # each layer casts to its own compute dtype (Model's note)

    def build(self, input_shape=None):
        if input_shape is not None:
            self._input_batch_shape = tuple(input_shape)
        if self._input_batch_shape is None:
            raise ValueError(f"Sequential '{self.name}': cannot build without an input shape; "
                             "pass input_shape= to the first layer or call build(shape)")
        self._build_layers()

    def _build_from(self, x):
        previous = (self._input_batch_shape, self._input_dtype)
        if self._input_batch_shape is None and hasattr(x, "shape"):
            self._input_batch_shape = (None,) + tuple(x.shape[1:])
            self._input_dtype = dtype_name(x)  # text of any width: string
        try:
            self._build_layers()
        except Exception:
            # A first call with data the layers reject must not pin the input shape.
            self._input_batch_shape, self._input_dtype = previous
            raise

    def call(self, inputs, training=None, mask=None):
        if not self._layers:
            raise ValueError(f"Sequential '{self.name}' has no layers; add some before calling "
                             "it")
        if self._input_batch_shape is not None and hasattr(inputs, "shape"):
            # one axis more or less than the Input, where Keras reshapes (input_conform.py)
            inputs = conform(self.name, "the input", inputs, self._input_batch_shape)
        x, out_mask = self._run(inputs, training=training, mask=mask)
        set_output_masks(x, out_mask)  # what the loss, the metrics and eager callers read
        return x

    def _run(self, inputs, training=None, mask=None):
        """Call the layers in turn; the mask travels beside the value, given to each layer
        whose `call` takes `mask=` and updated by each layer's `compute_mask`."""
        x = inputs
        if mask is None and getattr(x, "_keras_mask", None) is None and self._is_plain():
            for layer in self._layers:  # no layer can make a mask: nothing to track
                x = layer(x, training=training)
            return x, None
        for layer in self._layers:
            x, mask = layer._call_with_mask(x, (), {"training": training}, mask)
        return x, mask

    def _is_plain(self) -> bool:
        """True when no layer of the stack can create or change a mask (cached until add/pop)."""
        plain = getattr(self, "_plain", None)
        if plain is None:
            from numen.models.functional import _makes_masks

            plain = self._plain = not any(_makes_masks(layer) for layer in self._layers)
        return plain

    def compute_mask(self, inputs, mask=None):
        """The mask of the last layer's output (None when no layer makes one)."""
        from numen.models.functional import _makes_masks

        if mask is None and not any(_makes_masks(l) for l in self._layers):
            return None
        with no_grad():
            _, out_mask = self._run(self._convert_inputs(inputs), training=False, mask=mask)
        return out_mask

    @property
    def output_shape(self):
        from numen.layers.symbolic import infer_output_shape

        if self._input_batch_shape is None:
            raise AttributeError(f"Sequential '{self.name}' has no input shape yet")
        if self.built and isinstance(self._traced_output, KerasTensor):
            return self._traced_output.shape  # known since the layers were built
        return infer_output_shape(self, self._input_batch_shape)

    def get_config(self):
        from numen import saving

        layers = []
        if self._input_batch_shape is not None:
            layers.append({"module": "keras.layers", "class_name": "InputLayer",
                           "config": {"batch_shape": list(self._input_batch_shape),
                                      "dtype": self._input_dtype or self.dtype,
                                      "sparse": False, "name": "input_layer"},
                           "registered_name": None})
        layers += [saving.serialize_layer(l) for l in self._layers]
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype,
                "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from numen import saving

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for spec in config.get("layers", []):
            model.add(saving.deserialize_layer(spec, custom_objects=custom_objects))
        return model
