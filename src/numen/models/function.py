"""keras.Function: the computation between symbolic inputs and outputs, callable on data.

It is the graph a Functional model runs, without the model around it: no weights of its own
to train or save, no compile/fit, just `fn(inputs) -> outputs`.
"""

from __future__ import annotations

from numen.layers import symbolic
from numen.layers.base import unique_name
from numen.models.functional import Graph, _parents


class Function:
    """A callable graph from `inputs` to `outputs` (KerasTensors, lists or dicts of them).

    >>> x = keras.Input((3,))
    >>> fn = keras.Function(x, keras.ops.relu(x) * 2)
    >>> fn(np.array([[-1.0, 0.5, 2.0]]))   # [[0., 1., 4.]]
    """

    def __init__(self, inputs, outputs, name=None):
        self._graph = Graph(inputs, outputs)
        self.name = name or unique_name("function")

    @property
    def inputs(self) -> list:
        return list(self._graph.input_tensors)

    @property
    def outputs(self) -> list:
        return list(self._graph.output_tensors)

    @property
    def input(self):
        return self._graph.inputs

    @property
    def output(self):
        return self._graph.outputs

    @property
    def operations(self) -> list:
        """The layers and ops the graph runs, each once, in order."""
        return self._graph.operations()

    def __call__(self, inputs):
        if symbolic.any_symbolic(inputs):
            return self.symbolic_call(inputs)
        return self.call(inputs)

    def call(self, inputs):
        return self._graph.run(inputs)

    def symbolic_call(self, inputs):
        return symbolic.symbolic_call(self.call, inputs)

    def compute_output_spec(self, inputs):
        return self.symbolic_call(inputs)

    def compute_output_shape(self, input_shape):
        outputs = self._graph.outputs
        return symbolic.map_structure(lambda t: t.shape, outputs)

    def get_config(self) -> dict:
        raise NotImplementedError("keras.Function holds a graph of Python objects; save a "
                                  "Functional Model built from the same tensors instead")


def get_source_inputs(tensor) -> list:
    """The `keras.Input` tensors that `tensor` (a KerasTensor) is computed from, in the order
    they are first reached, each once.

    >>> a = keras.Input((2,)); b = keras.Input((2,))
    >>> get_source_inputs(keras.layers.Add()([a, b]))   # [a, b]
    """
    if not isinstance(tensor, symbolic.KerasTensor):
        raise TypeError("get_source_inputs: expected a symbolic tensor (from keras.Input and "
                        f"layer calls), received {type(tensor).__name__}")
    sources, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t.node is None:
            sources.append(t)
        else:
            stack.extend(reversed(_parents(t.node)))
    return sources
