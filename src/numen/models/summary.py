"""`model.summary()`: a table of layers with output shapes and parameter counts.

Laid out as Keras 3 lays it out: heavy header rule, one row per layer (cells wrap onto more
lines), 'Connected to' for Functional models that are not a plain chain, then the parameter
totals with their memory size. Widths follow Keras's defaults (88 columns, or 108 with
'Connected to'; narrower on a narrower terminal) and its relative column positions.
"""

from __future__ import annotations

import re
import shutil

import numpy as np

from numen.autodiff import data_of
from numen.layers.node_attributes import node_tensors
from numen.layers.symbolic import flatten, infer_output_shape


def readable_size(nbytes: float) -> str:
    """'348.00 B', '1.50 KB', ... as Keras prints memory sizes."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if nbytes < 1024 or unit == "TB":
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.2f} TB"


def _fmt_shape(shape) -> str:
    if isinstance(shape, tuple) and all(n is None or isinstance(n, (int, np.integer))
                                        for n in shape):
        return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_fmt_shape(v)}" for k, v in shape.items()) + "}"
    if isinstance(shape, (list, tuple)):
        return "[" + ", ".join(_fmt_shape(s) for s in shape) + "]"
    return str(shape)


def _is_chain(model) -> bool:
    """Whether a Functional model reads as a chain, so Keras omits 'Connected to': no two
    calls at the same distance from the outputs, none with more than one input tensor, and
    no layer called twice. (A feature extractor with an output per layer is a chain.)"""
    graph = model._graph
    if len(graph.input_tensors) != 1:
        return False
    depth: dict[int, int] = {}  # node id -> longest path to an output
    for node in reversed(graph.nodes):  # consumers before the nodes they read
        depth.setdefault(id(node), 0)
        for t in node.input_tensors:
            if t.node is not None:
                depth[id(t.node)] = max(depth.get(id(t.node), 0), depth[id(node)] + 1)
    if len(set(depth.values())) != len(depth):
        return False
    if any(len(node.input_tensors) > 1 for node in graph.nodes):
        return False
    layers = [node.layer for node in graph.nodes]
    return len({id(layer) for layer in layers}) == len(layers)


def _graph_rows(model, with_connections: bool) -> list:
    graph = model._graph
    rows = []
    for layer in graph.operations():  # ops too (`x * 2`), as Keras lists them
        nodes = [n for n in layer._inbound_nodes if any(n is g for g in graph.nodes)]
        if not nodes:  # an InputLayer
            shape = getattr(layer, "batch_shape", None)
            rows.append((layer, _fmt_shape(tuple(shape)) if shape else "?", "-"))
            continue
        outs = [o.shape for o in flatten(nodes[-1].outputs)]
        shape = _fmt_shape(outs[0] if len(outs) == 1 else outs)
        links = []
        for node in nodes:  # every tensor the call read, as Keras lists them: (x, x) twice
            for t in node_tensors(node, "input"):
                if t.node is None:
                    links.append(f"{t.name}[0][0]")
                    continue
                source = t.node.layer
                index = next(i for i, n in enumerate(source._inbound_nodes) if n is t.node)
                links.append(f"{source.name}[{index}][{t.index}]")
        rows.append((layer, shape, ", ".join(links) or "-" if with_connections else None))
    return rows


def _stack_rows(model) -> list:
    """Rows of a Sequential or subclassed model: shapes from the input shape when known,
    else from the shape each layer was built with."""
    rows = []
    shape = getattr(model, "_input_batch_shape", None)
    traced = {id(node.layer): node for node in getattr(model, "_traced_nodes", [])} \
        if model.built else {}
    for layer in model.layers:
        out = "?"
        try:
            if id(layer) in traced:  # the call that built the layer recorded its output
                shapes = [t.shape for t in flatten(traced[id(layer)].outputs)]
                shape = shapes[0] if len(shapes) == 1 else shapes
                out = _fmt_shape(shape)
            elif shape is not None and layer.built:
                shape = infer_output_shape(layer, shape)
                out = _fmt_shape(shape)
            elif getattr(layer, "_build_shapes", None) is not None:
                out = _fmt_shape(infer_output_shape(layer, layer._build_shapes))
        except (ValueError, TypeError, NotImplementedError):
            shape = None
        rows.append((layer, out, None))
    return rows


def _kind(layer) -> str:
    """The class a row names, as Keras's: an op's Operation class ('Multiply'), and
    'Functional' for a model made by `keras.Model(inputs, outputs)` itself."""
    kind = getattr(layer, "keras_class_name", None)
    if kind:
        return kind
    return type(layer).__name__  # `Functional` for `keras.Model(inputs, outputs)`


def _params(layer) -> str:
    if not layer.built:
        return "0 (unbuilt)"
    return f"{int(sum(w.size for w in layer.weights)):,}"


def _widths(line_length: int, positions, n: int) -> list[int]:
    """Cell widths (padding included) so that a full line, borders too, is `line_length`,
    split as Keras's rich table splits it: each column is given its share of the whole line
    (relative positions, or absolute ones) plus its two padding spaces, then the excess over
    the room left by the n + 1 borders is taken back evenly, column by column, each cut
    rounded half to even (rich's ratio_reduce)."""
    if positions[-1] <= 1:
        positions = [int(p * line_length) for p in positions]
    widths, current = [], 0
    for p in positions:
        widths.append(int(p) - current)
        current = int(p)
    if any(w < 4 for w in widths):
        raise ValueError(f"summary: line_length={line_length} is too narrow for the table")
    cells = [w + 2 for w in widths]
    excess, left = sum(cells) - (line_length - (n + 1)), n
    for i, cell in enumerate(cells if excess > 0 else ()):
        cut = min(cell, round(excess / left))
        cells[i] -= cut
        excess, left = excess - cut, left - 1
    return cells


def _wrap(text: str, width: int) -> list[str]:
    """The lines of a cell `width` characters wide, laid out as rich lays out Keras's cells:
    words (each with the spaces after it) fill a line while the word itself still fits, a word
    wider than the cell gets a line of its own, and a line still too wide is cut to end in '…'.

    >>> _wrap("multi_head_attention (MultiHeadAttention)", 19)
    ['multi_head_attenti…', '(MultiHeadAttentio…']
    """
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in re.findall(r"\s*\S+\s*", paragraph):
            if line and len(line) + len(word.rstrip()) > width:
                lines.append(line)
                line = ""
            line += word
        lines.append(line)
    lines = [line.rstrip() for line in lines]
    return [line if len(line) <= width else line[:width - 1] + "…" for line in lines]


def summary_text(model, line_length=None, positions=None, show_trainable=False,
                 expand_nested=False) -> str:
    """The summary table of `model` as one string."""
    functional = model._graph is not None
    connections = functional and not _is_chain(model)
    headers = ["Layer (type)", "Output Shape", "Param #"]
    align = ["<", "<", ">"]
    if connections:
        default, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        headers.append("Connected to")
        align.append("<")
    else:
        default, positions = 88, positions or [0.45, 0.80, 1.0]
    if show_trainable:
        default += 12
        positions = [p * 0.9 for p in positions] + [1.0]
        headers.append("Trainable")
        align.append("^")
    line_length = line_length or min(default, shutil.get_terminal_size().columns - 4)
    widths = _widths(line_length, positions, len(headers))

    rows = _graph_rows(model, connections) if functional else _stack_rows(model)
    cells = []
    for layer, shape, links in rows:
        row = [f"{layer.name} ({_kind(layer)})", shape, _params(layer)]
        if connections:
            row.append(links)
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        cells.append(row)

    def rule(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    def render(values, bar):
        wrapped = [_wrap(v, w - 2) for v, w in zip(values, widths)]
        out = []
        for i in range(max(len(c) for c in wrapped)):
            parts = [f" {(c[i] if i < len(c) else ''):{a}{w - 2}} "
                     for c, a, w in zip(wrapped, align, widths)]
            out.append(bar + bar.join(parts) + bar)
        return out

    lines = [f'Model: "{model.name}"', rule("┏", "┳", "┓", "━"), *render(headers, "┃"),
             rule("┡", "╇", "┩", "━")]
    for i, row in enumerate(cells):
        lines += render(row, "│")
        if i < len(cells) - 1:
            lines.append(rule("├", "┼", "┤", "─"))
    lines.append(rule("└", "┴", "┘", "─"))

    weights = model.weights
    trainable_ids = {id(w) for w in model.trainable_weights}
    total = sum(w.size for w in weights)
    trainable = sum(w.size for w in weights if id(w) in trainable_ids)
    all_bytes = sum(w.data.nbytes for w in weights)
    trainable_bytes = sum(w.data.nbytes for w in weights if id(w) in trainable_ids)
    opt_count, opt_bytes = _optimizer_size(model)
    lines.append(f" Total params: {total + opt_count:,} ({readable_size(all_bytes + opt_bytes)})")
    lines.append(f" Trainable params: {trainable:,} ({readable_size(trainable_bytes)})")
    lines.append(f" Non-trainable params: {total - trainable:,} "
                 f"({readable_size(all_bytes - trainable_bytes)})")
    if opt_count:
        lines.append(f" Optimizer params: {opt_count:,} ({readable_size(opt_bytes)})")
    return "\n".join(lines)


def _optimizer_size(model) -> tuple[int, int]:
    """(count, bytes) of the optimizer's state once it has been built by a training step."""
    optimizer = getattr(model, "optimizer", None)
    if not getattr(model, "compiled", False) or optimizer is None or \
            not getattr(optimizer, "built", False):
        return 0, 0
    variables = getattr(optimizer, "variables", [])
    variables = variables() if callable(variables) else variables
    arrays = [data_of(v) for v in variables]  # sizes only: device arrays stay where they are
    arrays = [a if hasattr(a, "nbytes") else np.asarray(a) for a in arrays]
    return int(sum(a.size for a in arrays)), int(sum(a.nbytes for a in arrays))
