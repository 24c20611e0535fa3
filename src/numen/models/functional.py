"""The Functional graph: from `keras.Input` tensors through recorded layer calls to outputs.

A Graph orders the recorded nodes once (depth-first from the outputs, inputs first, so the
order is reproducible) and replays them on real data by mapping each symbolic tensor to its
value.
"""

from __future__ import annotations

from numen.layers.symbolic import KerasTensor, Node, flatten, map_structure


class Graph:
    def __init__(self, inputs, outputs):
        self.inputs = inputs
        self.outputs = outputs
        self.input_tensors = flatten(inputs)
        self.output_tensors = flatten(outputs)
        for t in self.input_tensors + self.output_tensors:
            if not isinstance(t, KerasTensor):
                raise TypeError(f"Model inputs and outputs must be symbolic tensors from "
                                f"keras.Input and layer calls, received {type(t).__name__}")
        for t in self.input_tensors:
            if t.node is not None:
                raise ValueError(f"Model input '{t.name}' is not a keras.Input tensor; every "
                                 "input must come straight from keras.Input")
        self.nodes = self._order_nodes()
        reachable = {id(t) for n in self.nodes for t in n.input_tensors}
        reachable |= {id(t) for t in self.output_tensors}
        given = {id(t) for t in self.input_tensors}
        for n in self.nodes:
            for t in n.input_tensors:
                if t.node is None and id(t) not in given:
                    raise ValueError(f"Graph disconnected: output depends on input "
                                     f"'{t.name}', which is not among the model's inputs")

    def _order_nodes(self) -> list[Node]:
        order: list[Node] = []
        seen: set[int] = set()

        def visit(t: KerasTensor):
            node = t.node
            if node is None or id(node) in seen:
                return
            seen.add(id(node))
            for parent in node.input_tensors:
                visit(parent)
            order.append(node)

        for t in self.output_tensors:
            visit(t)
        return order

    def layers(self) -> list:
        out = [t.input_layer for t in self.input_tensors if hasattr(t, "input_layer")]
        for node in self.nodes:
            if all(node.layer is not l for l in out):
                out.append(node.layer)
        return out

    def run(self, inputs, training=None, mask=None):
        values: dict[int, object] = {}
        given = _match_inputs(self.inputs, inputs)
        for t, v in zip(self.input_tensors, given):
            values[id(t)] = v

        def lookup(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x

        for node in self.nodes:
            args = [map_structure(lookup, a) for a in node.args]
            kwargs = {k: map_structure(lookup, v) for k, v in node.kwargs.items()}
            if training is not None:
                kwargs["training"] = training
            out = node.layer(map_structure(lookup, node.inputs), *args, **kwargs)
            for sym, val in zip(flatten(node.outputs), flatten(out)):
                values[id(sym)] = val
        return map_structure(lookup, self.outputs)


def _match_inputs(structure, data) -> list:
    """The given data as a list in the order of the model's input tensors."""
    tensors = flatten(structure)
    if isinstance(data, dict):
        if isinstance(structure, dict):
            missing = [k for k in structure if k not in data]
            if missing:
                raise ValueError(f"Missing data for model input(s) {missing}; received keys "
                                 f"{sorted(data)}")
            return [data[k] for k in structure]
        names = [t.name for t in tensors]
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"Missing data for model input(s) {missing}; received keys "
                             f"{sorted(data)}")
        return [data[n] for n in names]
    values = flatten(data) if isinstance(data, (list, tuple)) else [data]
    if len(values) != len(tensors):
        raise ValueError(f"The model expects {len(tensors)} input(s), received {len(values)}")
    return values
