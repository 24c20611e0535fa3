"""ONNX export: `model.export("model.onnx", format="onnx")`.

The model is walked layer by layer (a Sequential in order, a Functional graph through its
recorded nodes, nested models recursively) and each layer is written as ONNX nodes by a
converter in `numen.saving.onnx_layers`; weights become float32 initializers. The whole model is
built and checked in memory first, so an unsupported layer raises before anything is written,
and the file itself is written atomically. The batch axis of every input and output is dynamic.
"""

from __future__ import annotations

import os

import numpy as np

from numen import backend
from numen.autodiff import data_of
from numen.layers.symbolic import KerasTensor, flatten, map_structure, output_specs

OPSET = 17
# IR version 8 goes with opset 17, so older runtimes can load the file too.
IR_VERSION = 8
SUPPORTED_FORMATS = ("onnx",)


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("Exporting to ONNX needs the `onnx` package: pip install onnx "
                          "(or pip install numen[onnx])") from None
    return onnx


class OnnxGraph:
    """The ONNX graph being built: nodes, initializers, and what is known of each value.

    Converters add nodes with `node`, constants with `const` and weights with `weight`; every
    value is an ONNX tensor name. `shapes` and `dtypes` hold the Keras-side shape (None for an
    unknown axis) and dtype of the values that layers produce.
    """

    def __init__(self):
        self.onnx = _onnx()
        self.nodes: list = []
        self.initializers: list = []
        self.shapes: dict[str, tuple] = {}
        self.dtypes: dict[str, str] = {}
        self.scope = "graph"
        self._used: set[str] = set()
        self._weights: dict[tuple, str] = {}

    def fresh(self, hint: str) -> str:
        """A tensor name not used before, under the current layer's scope."""
        base = f"{self.scope}/{hint}"
        name, i = base, 1
        while name in self._used:
            name, i = f"{base}_{i}", i + 1
        self._used.add(name)
        return name

    def node(self, op: str, inputs: list[str], outputs: int = 1, **attrs):
        """Add one node; returns its output name (or a list of names when `outputs` > 1)."""
        names = [self.fresh(op.lower()) for _ in range(outputs)]
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), names,
                                                     name=self.fresh(op), **attrs))
        return names[0] if outputs == 1 else names

    def const(self, value, dtype=np.float32, hint: str = "const") -> str:
        """A constant tensor (float32 unless `dtype` says otherwise)."""
        name = self.fresh(hint)
        array = np.asarray(value, dtype=dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def ints(self, values) -> str:
        """An int64 vector constant (axes, shapes, slice bounds)."""
        return self.const(np.asarray(values, dtype=np.int64).reshape(-1), np.int64, "ints")

    def weight(self, variable, transform=None, key: str = "") -> str:
        """A layer weight as a float32 initializer, optionally transformed (a shared layer
        called twice stores its weights once)."""
        cache_key = (id(variable), key)
        if cache_key not in self._weights:
            array = np.asarray(backend.to_numpy(data_of(variable)))
            if transform is not None:
                array = transform(array)
            hint = getattr(variable, "name", "weight").replace(":", "_") + (f"_{key}" if key
                                                                            else "")
            self._weights[cache_key] = self.const(np.ascontiguousarray(array, np.float32),
                                                  hint=hint)
        return self._weights[cache_key]

    def as_float(self, name: str) -> str:
        """`name` cast to float32 when a layer that does float math receives another dtype."""
        if self.dtypes.get(name, "float32") == "float32":
            return name
        return self.node("Cast", [name], to=self.onnx.TensorProto.FLOAT)

    def note(self, name: str, shape, dtype) -> None:
        self.shapes[name] = tuple(shape)
        self.dtypes[name] = str(dtype)


# -- walking the model ----------------------------------------------------------------------
def _check_model(model) -> None:
    from numen.models.sequential import Sequential

    if isinstance(model, Sequential):
        if model._input_batch_shape is None:
            raise ValueError(f"Model '{model.name}' is not built: its input shape is unknown. "
                             "Pass input_shape= to the first layer, call build(shape), or call "
                             "the model on data before exporting it")
        if not model.layers:
            raise ValueError(f"Sequential '{model.name}' has no layers to export")
        return
    if getattr(model, "_graph", None) is None:
        raise ValueError(f"Model '{model.name}' ({type(model).__name__}) is a subclassed model; "
                         "ONNX export supports Sequential and Functional models, whose layers "
                         "and connections are known without running Python code")


def convert_layer(g: OnnxGraph, layer, inputs, args=(), kwargs=None):
    """Convert one call of `layer` (a layer or a nested model) on ONNX value names."""
    from numen.models.model import Model
    from numen.saving import onnx_layers

    _check_call_arguments(layer, args, kwargs or {})
    if isinstance(layer, Model):
        return convert_model(g, layer, inputs)
    outer = g.scope
    g.scope = f"{outer}/{layer.name}" if outer != "graph" else layer.name
    try:
        return onnx_layers.convert(g, layer, inputs, args, kwargs or {})
    finally:
        g.scope = outer


_IGNORED_CALL_ARGUMENTS = ("training", "mask")


def _check_call_arguments(layer, args, kwargs) -> None:
    from numen.layers.attention import MultiHeadAttention

    if isinstance(layer, MultiHeadAttention):
        return  # its converter reads value/key and checks the rest
    extra = [k for k, v in kwargs.items() if k not in _IGNORED_CALL_ARGUMENTS and v is not None]
    if args or extra:
        names = [f"positional argument {i + 1}" for i in range(len(args))] + extra
        raise ValueError(f"Cannot export layer '{layer.name}' ({type(layer).__name__}): it was "
                         f"called with {', '.join(names)}, which ONNX export does not support; "
                         "call it on its inputs alone")


def convert_model(g: OnnxGraph, model, inputs):
    """Convert a Sequential or Functional `model` applied to the ONNX values `inputs`."""
    from numen.models.sequential import Sequential

    _check_model(model)
    if isinstance(model, Sequential):
        x = inputs[0] if isinstance(inputs, (list, tuple)) and len(inputs) == 1 else inputs
        for layer in model.layers:
            spec = KerasTensor(g.shapes[x], g.dtypes[x])
            shape, dtype = output_specs(layer, spec)
            y = convert_layer(g, layer, x)
            g.note(y, (None,) + tuple(shape[1:]), dtype)
            x = y
        return x
    graph = model._graph
    given = flatten(inputs) if isinstance(inputs, (list, tuple, dict)) else [inputs]
    if len(given) != len(graph.input_tensors):
        raise ValueError(f"Model '{model.name}' expects {len(graph.input_tensors)} input(s), "
                         f"received {len(given)}")
    values: dict[int, str] = {id(t): name for t, name in zip(graph.input_tensors, given)}

    def lookup(t):
        return values[id(t)] if isinstance(t, KerasTensor) else t

    for node in graph.nodes:
        x = map_structure(lookup, node.inputs)
        args = [map_structure(lookup, a) for a in node.args]
        kwargs = {k: map_structure(lookup, v) for k, v in node.kwargs.items()}
        out = convert_layer(g, node.layer, x, args, kwargs)
        outs = flatten(out) if isinstance(out, (list, tuple)) else [out]
        syms = flatten(node.outputs)
        if len(outs) != len(syms):
            raise ValueError(f"Layer '{node.layer.name}': the ONNX conversion made {len(outs)} "
                             f"output(s), the model expects {len(syms)}")
        for sym, name in zip(syms, outs):
            g.note(name, (None,) + tuple(sym.shape[1:]), sym.dtype)
            values[id(sym)] = name
    outs = [lookup(t) for t in graph.output_tensors]
    return outs[0] if len(outs) == 1 else outs


# -- the ONNX model -------------------------------------------------------------------------
def _input_specs(model, input_signature):
    """(name, shape, dtype) of each model input."""
    from numen.models.sequential import Sequential

    if isinstance(model, Sequential):
        specs = [("input", tuple(model._input_batch_shape),
                  model._input_dtype or model.dtype or "float32")]
    else:
        graph = model._graph
        specs = [(name, t.shape, t.dtype) for name, t in zip(graph.input_names(),
                                                              graph.input_tensors)]
    if input_signature is None:
        return specs
    given = list(input_signature) if isinstance(input_signature, (list, tuple)) and \
        input_signature and not isinstance(input_signature[0], (int, type(None))) \
        else [input_signature]
    if len(given) != len(specs):
        raise ValueError(f"export: input_signature has {len(given)} entries, the model has "
                         f"{len(specs)} input(s)")
    out = []
    for (name, shape, dtype), sig in zip(specs, given):
        sig_shape = tuple(getattr(sig, "shape", sig))
        if len(sig_shape) != len(shape):
            raise ValueError(f"export: input_signature shape {sig_shape} for input '{name}' "
                             f"has rank {len(sig_shape)}, the model expects rank {len(shape)} "
                             f"({shape})")
        out.append((name, sig_shape, str(getattr(sig, "dtype", None) or dtype)))
    return out


def _value_info(onnx, name: str, shape, dtype: str):
    dims = ["batch"] + [f"{name}_dim{i}" if n is None else int(n)
                        for i, n in enumerate(shape[1:], start=1)]
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    return onnx.helper.make_tensor_value_info(name, elem, dims)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        count = seen.get(n, 0)
        seen[n] = count + 1
        out.append(n if count == 0 else f"{n}_{count}")
    return out


def build_onnx_model(model, input_signature=None, opset_version: int = OPSET):
    """The ONNX ModelProto for `model` (nothing is written).

    Raises:
        ValueError: the model is unbuilt or subclassed, or a layer cannot be exported.
    """
    onnx = _onnx()
    if opset_version < OPSET:
        raise ValueError(f"export: opset_version must be at least {OPSET}, received "
                         f"{opset_version}")
    _check_model(model)
    g = OnnxGraph()
    specs = _input_specs(model, input_signature)
    input_names = _unique([name for name, _, _ in specs])
    for name, (_, shape, dtype) in zip(input_names, specs):
        g._used.add(name)
        g.note(name, (None,) + tuple(shape[1:]), dtype)
    outputs = convert_model(g, model, input_names if len(input_names) > 1 else input_names[0])
    outputs = outputs if isinstance(outputs, list) else [outputs]
    output_names = _unique(list(model.output_names))
    if len(output_names) != len(outputs):
        output_names = [f"output_{i}" for i in range(len(outputs))]
    output_infos = []
    for name, value in zip(output_names, outputs):
        if name in g._used:
            name = g.fresh(name)
        g.nodes.append(onnx.helper.make_node("Identity", [value], [name], name=g.fresh("out")))
        output_infos.append(_value_info(onnx, name, g.shapes[value], g.dtypes[value]))
    input_infos = [_value_info(onnx, name, (None,) + tuple(shape[1:]), dtype)
                   for name, (_, shape, dtype) in zip(input_names, specs)]
    graph = onnx.helper.make_graph(g.nodes, model.name, input_infos, output_infos,
                                   initializer=g.initializers)
    from numen import __version__

    proto = onnx.helper.make_model(graph, producer_name="numen", producer_version=__version__,
                                   opset_imports=[onnx.helper.make_opsetid("", opset_version)])
    proto.ir_version = IR_VERSION
    onnx.checker.check_model(proto)
    return proto


def export_onnx(model, filepath, verbose: bool = True, input_signature=None,
                opset_version: int = OPSET) -> None:
    """Write `model` to `filepath` as an ONNX graph with a dynamic batch axis.

    Args:
        model: a built Sequential or Functional model.
        filepath: where to write (replaced atomically; an existing file is kept on failure).
        verbose: print where the file went and its inputs and outputs.
        input_signature: optional shapes (or objects with `.shape`/`.dtype`) overriding the
            model's declared input shapes, one per input.
        opset_version: the ONNX opset to target (17 or newer).

    Raises:
        ValueError: an unsupported layer or model (nothing is written then).
        ImportError: the `onnx` package is missing.

    >>> export_onnx(model, "model.onnx")  # doctest: +SKIP
    """
    from numen.saving.atomic import atomic_path

    proto = build_onnx_model(model, input_signature, opset_version)
    filepath = os.fspath(filepath)
    with atomic_path(filepath) as tmp:
        _onnx().save_model(proto, tmp)
    if verbose:
        ins = [(i.name, _dims(i)) for i in proto.graph.input]
        outs = [(o.name, _dims(o)) for o in proto.graph.output]
        print(f"Saved ONNX model (opset {opset_version}) to {filepath}\n"
              f"  inputs: {ins}\n  outputs: {outs}")


def _dims(info) -> tuple:
    return tuple(d.dim_param or d.dim_value for d in info.type.tensor_type.shape.dim)


def export(model, filepath, format: str = "tf_saved_model", verbose: bool = True,
           input_signature=None, **kwargs) -> None:
    """`Model.export`: only format='onnx' is available in numen.

    Raises:
        ValueError: any other format; TypeError: unknown keyword arguments.
    """
    if format not in SUPPORTED_FORMATS:
        raise ValueError(f"export: format {format!r} is not supported by numen; supported "
                         f"formats: {list(SUPPORTED_FORMATS)} (use format='onnx')")
    opset_version = kwargs.pop("opset_version", OPSET)
    if kwargs:
        raise TypeError(f"export: unexpected keyword argument(s) {sorted(kwargs)}; accepted "
                        "for format='onnx': verbose, input_signature, opset_version")
    export_onnx(model, filepath, verbose=verbose, input_signature=input_signature,
                opset_version=opset_version)
