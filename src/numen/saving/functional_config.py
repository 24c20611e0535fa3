"""Functional models as configs, in Keras 3's layout, and back.

A Functional config lists each layer (its own config plus `name` and `inbound_nodes`), then
`input_layers` and `output_layers`. Each inbound node records the arguments of one call, with
every symbolic tensor written as `{"class_name": "__keras_tensor__", "config": {"shape",
"dtype", "keras_history": [layer_name, node_index, tensor_index]}}`. Rebuilding replays the
calls in dependency order on fresh `keras.Input` tensors.
"""

from __future__ import annotations

from numen.layers.symbolic import KerasTensor, flatten, map_structure
from numen.layers.tensor_op import TensorOp
from numen.saving.keras_ops import call_op, decode_constant, encode_constant, is_op_spec, op_entry
from numen.saving.serialization import deserialize_layer, serialize_layer


def _node_indices(graph) -> dict[int, int]:
    """Each graph node's index among its layer's calls inside this graph."""
    in_graph = {id(n) for n in graph.nodes}
    index: dict[int, int] = {}
    for node in graph.nodes:
        mine = [n for n in node.layer._inbound_nodes if id(n) in in_graph]
        index[id(node)] = next(i for i, n in enumerate(mine) if n is node)
    return index


def _history(t: KerasTensor, node_index: dict[int, int]) -> list:
    if t.node is None:
        return [t.input_layer.name, 0, 0]
    return [t.node.layer.name, node_index[id(t.node)], t.index]


def functional_config(model) -> dict:
    """The config of a Functional model (what `get_config` returns)."""
    graph = model._graph
    node_index = _node_indices(graph)

    def encode(value):
        if isinstance(value, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(value.shape), "dtype": value.dtype,
                               "keras_history": _history(value, node_index)}}
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        if isinstance(value, dict):
            return {k: encode(v) for k, v in value.items()}
        if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            return value.item()
        constant = encode_constant(value)
        return value if constant is None else constant

    layers = []
    for layer in graph.operations():
        if isinstance(layer, TensorOp):  # a recorded op, in Keras's Operation layout
            node = next(n for n in graph.nodes if n.layer is layer)
            layers.append(op_entry(layer, node, encode))
            continue
        entry = serialize_layer(layer)
        entry["name"] = layer.name
        nodes = [n for n in graph.nodes if n.layer is layer]
        entry["inbound_nodes"] = [{"args": encode([n.inputs, *n.args]),
                                   "kwargs": encode(dict(n.kwargs))} for n in nodes]
        layers.append(entry)

    def ends(structure):
        return map_structure(lambda t: _history(t, node_index), structure)

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": ends(graph.inputs), "output_layers": ends(graph.outputs)}


def _is_history(value) -> bool:
    return isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) and \
        isinstance(value[1], int) and isinstance(value[2], int)


def build_functional(cls, config: dict, custom_objects=None):
    """Rebuild a Functional model of class `cls` from `functional_config` output."""
    from numen.layers.core import InputLayer

    layers: dict[str, object] = {}
    outputs: dict[tuple[str, int], list] = {}
    pending = []
    for spec in config.get("layers", []):
        if is_op_spec(spec):  # a recorded op: made when its call is replayed
            name = spec.get("name") or (spec.get("config") or {}).get("name")
            if not isinstance(name, str):
                raise ValueError(f"Functional config: operation {spec.get('class_name')!r} "
                                 "has no name")
            layers[name] = spec
            pending += [(name, i, _as_call(n))
                        for i, n in enumerate(spec.get("inbound_nodes", []))]
            continue
        layer = deserialize_layer(spec, custom_objects=custom_objects)
        name = spec.get("name") or layer.name
        layers[name] = layer
        if isinstance(layer, InputLayer):
            outputs[(name, 0)] = [layer.output]
        for i, node in enumerate(spec.get("inbound_nodes", [])):
            pending.append((name, i, _as_call(node)))

    def ready(value) -> bool:
        return all(tuple(t["config"]["keras_history"][:2]) in outputs
                   for t in _tensor_specs(value))

    def decode(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            name, node, index = value["config"]["keras_history"]
            return outputs[(name, node)][index]
        if isinstance(value, list):
            return [decode(v) for v in value]
        if isinstance(value, dict):
            constant = decode_constant(value)
            if constant is not value:
                return constant
            return {k: decode(v) for k, v in value.items()}
        return value

    while pending:
        progressed = False
        for item in list(pending):
            name, i, (args, kwargs) = item
            if not (ready(args) and ready(kwargs)):
                continue
            args, kwargs = decode(args), decode(kwargs)
            if isinstance(layers[name], dict):
                out = call_op(layers[name], args, kwargs)
            else:
                out = layers[name](args[0], *args[1:], **kwargs)
            outputs[(name, i)] = flatten(out)
            pending.remove(item)
            progressed = True
        if not progressed:
            missing = sorted({f"{n}[{i}]" for n, i, _ in pending})
            raise ValueError(f"Functional config of '{config.get('name')}': cannot connect "
                             f"layer calls {missing}; their inputs are never produced")

    def ends(structure):
        if _is_history(structure):
            name, node, index = structure
            if (name, node) not in outputs:
                raise ValueError(f"Functional config: unknown layer {name!r} in inputs/outputs")
            return outputs[(name, node)][index]
        if isinstance(structure, dict):
            return {k: ends(v) for k, v in structure.items()}
        return [ends(v) for v in structure]

    return cls(inputs=ends(config["input_layers"]), outputs=ends(config["output_layers"]),
               name=config.get("name"), trainable=config.get("trainable", True))


def _as_call(node) -> tuple[list, dict]:
    """(args, kwargs) of one inbound node; also reads tf.keras 2's list form."""
    if isinstance(node, dict):
        return list(node.get("args", [])), dict(node.get("kwargs", {}))
    # tf.keras 2: [[layer_name, node_index, tensor_index, kwargs], ...]
    tensors = [{"class_name": "__keras_tensor__",
                "config": {"keras_history": [entry[0], entry[1], entry[2]]}} for entry in node]
    kwargs = dict(node[0][3]) if node and len(node[0]) > 3 else {}
    return [tensors[0] if len(tensors) == 1 else tensors], kwargs


def _tensor_specs(value) -> list:
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [value]
        return [t for v in value.values() for t in _tensor_specs(v)]
    if isinstance(value, list):
        return [t for v in value for t in _tensor_specs(v)]
    return []
