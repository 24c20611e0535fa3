"""The Functional graph: from `keras.Input` tensors through recorded layer calls to outputs.

A Graph orders the recorded nodes once (depth-first from the outputs, parents first, so the
order is reproducible) and replays them on real data by mapping each symbolic tensor to its
value. Masks travel the same way, in a second map beside the values: each layer gets its
inputs' masks as `mask=` (when its `call` takes one) and says its output's mask through
`compute_mask`.
"""

from __future__ import annotations

from numen.layers.base import Layer
from numen.layers.input_spec import InputSpec
from numen.layers.masks import set_output_masks
from numen.layers.symbolic import KerasTensor, Node, flatten, map_structure
from numen.models.input_conform import conform


def _source_name(t: KerasTensor) -> str:
    return t.node.layer.name if t.node is not None else t.name


class Graph:
    """The nodes between `inputs` and `outputs` (each a KerasTensor, a list or a dict)."""

    def __init__(self, inputs, outputs):
        self.inputs = inputs
        self.outputs = outputs
        self.input_tensors = flatten(inputs)
        self.output_tensors = flatten(outputs)
        for what, tensors in (("inputs", self.input_tensors), ("outputs", self.output_tensors)):
            for t in tensors:
                if not isinstance(t, KerasTensor):
                    raise TypeError(f"Model {what} must be symbolic tensors from keras.Input and "
                                    f"layer calls, received {type(t).__name__}: {t!r}")
        for t in self.input_tensors:
            if t.node is not None:
                raise ValueError(f"Model input '{t.name}' is the output of layer "
                                 f"'{t.node.layer.name}', not a keras.Input tensor; every model "
                                 "input must come straight from keras.Input")
        if len({id(t) for t in self.input_tensors}) != len(self.input_tensors):
            raise ValueError("Model inputs: the same keras.Input tensor was given twice")
        self.nodes = self._order_nodes()
        given = {id(t) for t in self.input_tensors}
        for t in self.output_tensors + [t for n in self.nodes for t in _parents(n)]:
            if t.node is None and id(t) not in given:
                raise ValueError(
                    f"Graph disconnected: the outputs depend on input '{t.name}' (shape "
                    f"{t.shape}), which is not among the model's inputs "
                    f"{[i.name for i in self.input_tensors]}; pass it in `inputs=`")
        self.uses_masks = any(_makes_masks(n.layer) for n in self.nodes)

    def _order_nodes(self) -> list[Node]:
        order: list[Node] = []
        seen: set[int] = set()

        def visit(t: KerasTensor):
            node = t.node
            if node is None or id(node) in seen:
                return
            seen.add(id(node))
            for parent in _parents(node):
                visit(parent)
            order.append(node)

        for t in self.output_tensors:
            visit(t)
        return order

    def layers(self) -> list:
        """Each layer once (a shared layer too), in Keras's order: by depth, the inputs'
        (deepest) first, layers of equal depth in the order a walk from the outputs first
        reaches them. `.weights.h5` files name a model's layers by this order."""
        first_reached: dict[int, int] = {}
        post_order: list = []  # (node key, layer, parent node keys), parents before children
        visited: set[int] = set()

        def key(t: KerasTensor) -> int:
            return id(t.node) if t.node is not None else id(t)

        def visit(t: KerasTensor):
            if key(t) in visited:
                return
            visited.add(key(t))
            layer = t.node.layer if t.node is not None else getattr(t, "input_layer", None)
            if layer is None:
                return
            first_reached.setdefault(id(layer), len(first_reached))
            parents = _parents(t.node) if t.node is not None else []
            for parent in parents:
                visit(parent)
            post_order.append((key(t), layer, [key(p) for p in parents]))

        for t in self.output_tensors:
            visit(t)
        node_depth: dict[int, int] = {}
        layer_depth: dict[int, int] = {}
        by_id = {}
        for node, layer, parents in reversed(post_order):
            depth = max(node_depth.get(node, 0), layer_depth.get(id(layer), 0))
            node_depth[node] = layer_depth[id(layer)] = depth
            by_id[id(layer)] = layer
            for parent in parents:
                node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
        for t in self.input_tensors:  # an input no output depends on
            layer = getattr(t, "input_layer", None)
            if layer is not None and id(layer) not in layer_depth:
                layer_depth[id(layer)], first_reached[id(layer)] = 0, -1
                by_id[id(layer)] = layer
        order = sorted(layer_depth, key=lambda i: (-layer_depth[i], first_reached[i]))
        return [by_id[i] for i in order]

    def output_names(self) -> list[str]:
        """Dict keys for dict outputs, else the name of the layer that made each output."""
        if isinstance(self.outputs, dict):
            return list(self.outputs)
        return [_source_name(t) for t in self.output_tensors]

    def input_names(self) -> list[str]:
        if isinstance(self.inputs, dict):
            return list(self.inputs)
        return [t.name for t in self.input_tensors]

    def input_specs(self) -> list:
        """One InputSpec per input, as Keras gives a Functional model: the Input's shape with
        any batch size, compared with a trailing axis of size 1 dropped."""
        return [InputSpec(shape=(None,) + tuple(t.shape[1:]), allow_last_axis_squeeze=True,
                          name=_source_name(t)) for t in self.input_tensors]

    def run(self, inputs, training=None, mask=None, return_masks=False, name="model"):
        """The outputs for real `inputs` (and, with `return_masks`, the outputs' masks).

        An input of one axis more or less than its `keras.Input` is reshaped where Keras does
        (models/input_conform.py; `name` names the model in the error otherwise). The outputs
        carry their masks as `_keras_mask` too, which is where the loss and the metrics find
        them.
        """
        values: dict[int, object] = {}
        masks: dict[int, object] = {}
        given = _match_inputs(self.inputs, inputs, self.input_names())
        given = [v if v is None or not hasattr(v, "shape") else
                 conform(name, f"input '{t.name}'", v, t.shape)
                 for t, v in zip(self.input_tensors, given)]
        given_masks = [None] * len(given) if mask is None else _match_masks(mask, len(given))
        for t, v, m in zip(self.input_tensors, given, given_masks):
            values[id(t)] = v
            if m is not None:
                masks[id(t)] = m

        def lookup(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x

        def lookup_mask(x):
            return masks.get(id(x)) if isinstance(x, KerasTensor) else None

        for node in self.nodes:
            layer = node.layer
            args = [map_structure(lookup, a) for a in node.args]
            kwargs = {k: map_structure(lookup, v) for k, v in node.kwargs.items()}
            if training is not None:
                kwargs["training"] = training
            x = map_structure(lookup, node.inputs)
            x_mask = None
            if masks:  # nothing to look up until some tensor has a mask
                x_mask = map_structure(lookup_mask, node.inputs)
                if all(m is None for m in flatten(x_mask)):
                    x_mask = None
                if layer._mask_args:
                    _fill_argument_masks(layer._mask_args, node, kwargs, lookup_mask)
            out, out_mask = layer._call_with_mask(x, args, kwargs, x_mask)
            syms = flatten(node.outputs)
            outs = flatten(out)
            for sym, val in zip(syms, outs):
                values[id(sym)] = val
            if out_mask is None:
                continue
            if isinstance(out_mask, (list, tuple)) and len(out_mask) == len(outs):
                out_masks = list(out_mask)
            else:
                out_masks = [out_mask] * len(outs)
            for sym, m in zip(syms, out_masks):
                if m is not None:
                    masks[id(sym)] = m
        result = map_structure(lookup, self.outputs)
        result_masks = map_structure(lookup_mask, self.outputs)
        set_output_masks(flatten(result), flatten(result_masks))
        if return_masks:
            return result, result_masks
        return result


def _parents(node: Node) -> list[KerasTensor]:
    """The symbolic tensors a node reads: its inputs, then those among its other arguments
    (MultiHeadAttention's value and key)."""
    extra = flatten(list(node.args)) + flatten(dict(node.kwargs))
    return node.input_tensors + [t for t in extra if isinstance(t, KerasTensor)]


def _fill_argument_masks(mask_args: tuple, node: Node, kwargs: dict, lookup_mask) -> None:
    """Give `<name>_mask=` the mask of the tensor passed as argument `<name>` (where the
    layer's call has such an argument and the node did not set it)."""
    for i, name in mask_args:
        key = f"{name}_mask"
        if i == 0 or kwargs.get(key) is not None:
            continue  # the first argument's mask goes to `mask=`
        sym = node.args[i - 1] if i - 1 < len(node.args) else node.kwargs.get(name)
        m = lookup_mask(sym)
        if m is not None:
            kwargs[key] = m


def _makes_masks(layer: Layer) -> bool:
    """Whether a layer can create or change a mask (so the graph must track masks)."""
    graph = getattr(layer, "_graph", None)
    if graph is not None:
        return graph.uses_masks
    inner = getattr(layer, "_layers", None)
    if isinstance(inner, list):
        return any(_makes_masks(sub) for sub in inner)
    # A subclassed Model keeps the default (its own call decides what to do with masks).
    return type(layer).compute_mask.__qualname__ not in ("Layer.compute_mask",
                                                         "Model.compute_mask")


def _match_masks(mask, n: int) -> list:
    masks = flatten(mask) if isinstance(mask, (list, tuple, dict)) else [mask]
    if len(masks) != n:
        raise ValueError(f"The model has {n} input(s), received {len(masks)} mask(s)")
    return masks


def _match_inputs(structure, data, names: list[str]) -> list:
    """The given data as a list in the order of the model's input tensors."""
    tensors = flatten(structure)
    if isinstance(data, dict):
        keys = list(structure) if isinstance(structure, dict) else names
        missing = [k for k in keys if k not in data]
        if missing:
            raise ValueError(f"Missing data for model input(s) {missing}; received keys "
                             f"{sorted(data)}; the model's inputs are {keys}")
        return [data[k] for k in keys]
    values = list(data) if isinstance(data, (list, tuple)) else [data]
    if len(tensors) == 1 and len(values) != 1:  # one input given as a nested Python list
        values = [data]
    if len(values) != len(tensors):
        raise ValueError(f"The model expects {len(tensors)} input(s) {names}, received "
                         f"{len(values)}")
    return values
