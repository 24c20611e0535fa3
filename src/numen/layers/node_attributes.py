"""`layer.input` and `layer.output`: the symbolic tensors of a layer's first call in a graph.

Each call of a layer on symbolic tensors (from `keras.Input`) records a node in the layer's
`_inbound_nodes`. As in Keras 3, `input` and `output` read the first of them: one tensor when
that call had one, else the flat list. A layer shared by several calls still answers with its
first call; a layer never called on symbolic tensors has neither (an AttributeError, so
`hasattr(layer, "output")` is False). Eager calls on arrays record nothing.
"""

from __future__ import annotations


def node_tensors(node, which: str) -> list:
    """The flat list of symbolic tensors a node read (`which="input"`: its inputs, then those
    among its other arguments) or made (`which="output"`)."""
    from numen.layers.symbolic import KerasTensor, flatten

    if which == "output":
        return flatten(node.outputs)
    found = flatten(node.inputs) + flatten(list(node.args)) + flatten(dict(node.kwargs))
    return [t for t in found if isinstance(t, KerasTensor)]


def first_call_tensors(layer, which: str):
    """`layer.input` (which="input") or `layer.output` (which="output")."""
    nodes = layer._inbound_nodes
    if not nodes:
        raise AttributeError(
            f"Layer '{layer.name}' has not been called on symbolic tensors, so it has no "
            f"`{which}` yet; call it on a keras.Input tensor (or build the model it is in) "
            "first")
    tensors = node_tensors(nodes[0], which)
    return tensors[0] if len(tensors) == 1 else tensors


class NodeAttributes:
    """The `input` / `output` properties Layer gets (see the module docstring).

    >>> from numen import keras
    >>> x = keras.Input((3,))
    >>> dense = keras.layers.Dense(2)
    >>> y = dense(x)
    >>> dense.input is x and dense.output is y
    True
    """

    @property
    def input(self):
        """The input tensor(s) of this layer's first call on symbolic tensors."""
        return first_call_tensors(self, "input")

    @property
    def output(self):
        """The output tensor(s) of this layer's first call on symbolic tensors."""
        return first_call_tensors(self, "output")
