"""Pictures of models and training runs.

`plot_model` / `model_to_dot` draw the layer graph with pydot and Graphviz, as
`keras.utils.plot_model` does; `plot_history` draws the loss and metric curves of a `fit`
(training and validation) with matplotlib's Agg renderer, so it needs no display.
"""

from __future__ import annotations

import os
import shutil

from numen.layers.symbolic import infer_output_shape
from numen.models.summary import _fmt_shape

# -- plot_model -----------------------------------------------------------------------------


def _import_pydot():
    try:
        import pydot
    except ImportError as exc:
        raise ImportError("plot_model needs pydot (pip install pydot) and Graphviz's `dot` "
                          f"program (e.g. apt-get install graphviz): {exc}") from None
    return pydot


def _output_shapes(model) -> dict[int, str]:
    """{id(layer): output shape text} where the shape is known."""
    shapes: dict[int, str] = {}
    graph = getattr(model, "_graph", None)
    if graph is not None:
        for node in graph.nodes:
            outs = [t.shape for t in _flat(node.outputs)]
            shapes[id(node.layer)] = _fmt_shape(outs[0] if len(outs) == 1 else outs)
        for t in graph.input_tensors:
            layer = getattr(t, "input_layer", None)
            if layer is not None:
                shapes[id(layer)] = _fmt_shape(tuple(t.shape))
        return shapes
    shape = getattr(model, "_input_batch_shape", None)
    for layer in model.layers:
        if shape is None or not layer.built:
            break
        try:
            shape = infer_output_shape(layer, shape)
        except (ValueError, TypeError, NotImplementedError):
            break
        shapes[id(layer)] = _fmt_shape(shape)
    return shapes


def _flat(x) -> list:
    if isinstance(x, dict):
        return [t for v in x.values() for t in _flat(v)]
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in _flat(v)]
    return [x]


def _edges(model) -> tuple[list, list]:
    """(layers to draw, [(from_layer, to_layer)]) in a reproducible order."""
    graph = getattr(model, "_graph", None)
    if graph is not None:
        layers = graph.operations()  # ops (`x * 2`) too, as Keras draws them
        edges = []
        for node in graph.nodes:
            for t in node.input_tensors:
                source = t.node.layer if t.node is not None else getattr(t, "input_layer", None)
                if source is not None:
                    edges.append((source, node.layer))
        return layers, edges
    layers = list(model.layers)
    if getattr(model, "_input_batch_shape", None) is not None:
        layers = [_InputBox(model._input_batch_shape, model)] + layers
    if type(model).__name__ == "Sequential" or hasattr(model, "_input_batch_shape"):
        return layers, list(zip(layers[:-1], layers[1:]))
    return layers, []  # a subclassed model: its layers, with no known wiring


class _InputBox:
    """Stands for a Sequential model's input, which is not a layer in its `layers`."""

    def __init__(self, batch_shape, model):
        self.name = "input_layer"
        self.batch_shape = tuple(batch_shape)
        self.dtype = getattr(model, "_input_dtype", None) or model.dtype
        self.trainable = False


def _label(layer, shapes, show_shapes, show_dtype, show_layer_names, show_activations,
           show_trainable) -> str:
    kind = "InputLayer" if isinstance(layer, _InputBox) else \
        getattr(layer, "keras_class_name", None) or type(layer).__name__
    lines = [f"{layer.name} ({kind})" if show_layer_names else kind]
    activation = getattr(layer, "activation", None)
    if show_activations and activation is not None:
        name = getattr(activation, "__name__", None) or type(activation).__name__
        lines.append(f"activation: {name}")
    if show_shapes:
        if isinstance(layer, _InputBox):
            lines.append(f"output shape: {_fmt_shape(layer.batch_shape)}")
        else:
            lines.append(f"output shape: {shapes.get(id(layer), '?')}")
    if show_dtype:
        lines.append(f"dtype: {getattr(layer, 'dtype', None) or '?'}")
    if show_trainable:
        lines.append(f"trainable: {'yes' if getattr(layer, 'trainable', False) else 'no'}")
    return "\\n".join(line.replace('"', "'") for line in lines)


def model_to_dot(model, show_shapes: bool = False, show_dtype: bool = False,
                 show_layer_names: bool = True, rankdir: str = "TB",
                 expand_nested: bool = False, dpi: int = 200, subgraph: bool = False,
                 show_layer_activations: bool = False, show_trainable: bool = False, **kwargs):
    """The model's layer graph as a `pydot.Dot` (a `pydot.Cluster` when `subgraph`).

    Args:
        model: a built Model.
        show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable:
            what each box shows.
        rankdir: 'TB' (top to bottom) or 'LR' (left to right), Graphviz's layout direction.
        expand_nested: draw nested models as clusters of their own layers.
        dpi: resolution of the rendered picture.

    Raises:
        ImportError: pydot is not installed.
        ValueError: an unknown `rankdir`.
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"model_to_dot: rankdir must be 'TB', 'LR', 'BT' or 'RL', received "
                         f"{rankdir!r}")
    pydot = _import_pydot()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name, label=model.name)
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set_node_defaults(shape="record")
    options = (show_shapes, show_dtype, show_layer_names, show_layer_activations,
               show_trainable)
    layers, edges = _edges(model)
    shapes = _output_shapes(model)
    # A nested model drawn as a cluster: edges go to its first layer and leave its last.
    entry: dict[int, str] = {}
    leave: dict[int, str] = {}
    for layer in layers:
        inner = getattr(layer, "layers", None)
        if expand_nested and inner is not None and hasattr(layer, "compile") and inner:
            cluster = model_to_dot(layer, *options[:3], rankdir, True, dpi, subgraph=True,
                                   show_layer_activations=show_layer_activations,
                                   show_trainable=show_trainable)
            dot.add_subgraph(cluster)
            names = [n.get_name() for n in cluster.get_nodes()]
            entry[id(layer)], leave[id(layer)] = names[0], names[-1]
            continue
        node_id = str(id(layer))
        dot.add_node(pydot.Node(node_id, label=_label(layer, shapes, *options)))
        entry[id(layer)] = leave[id(layer)] = node_id
    for source, target in edges:
        if id(source) in leave and id(target) in entry:
            dot.add_edge(pydot.Edge(leave[id(source)], entry[id(target)]))
    return dot


def plot_model(model, to_file: str = "model.png", show_shapes: bool = False,
               show_dtype: bool = False, show_layer_names: bool = False, rankdir: str = "TB",
               expand_nested: bool = False, dpi: int = 200,
               show_layer_activations: bool = False, show_trainable: bool = False,
               **kwargs) -> None:
    """Draw the model's layer graph into `to_file` (.png, .svg, .pdf, .dot, ... by extension).

    Needs pydot and Graphviz's `dot` program.

    >>> plot_model(model, "model.png", show_shapes=True)  # doctest: +SKIP

    Raises:
        ImportError: pydot or Graphviz's `dot` is missing.
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)
    extension = os.path.splitext(str(to_file))[1][1:].lower() or "png"
    if extension == "dot":
        dot.write(str(to_file), format="raw")
        return None
    if shutil.which("dot") is None:
        raise ImportError("plot_model needs Graphviz's `dot` program on the PATH to render "
                          f"{to_file!r} (e.g. apt-get install graphviz, brew install "
                          "graphviz); saving to a '.dot' file works without it")
    dot.write(str(to_file), format=extension)
    return None


# -- plot_history ---------------------------------------------------------------------------
def plot_history(history, to_file: str | None = None, metrics: list[str] | None = None):
    """Draw the curves of a training run: one panel per metric (loss first), the training
    value and, when recorded, the validation value (`val_...`) per epoch.

    Args:
        history: the `History` returned by `fit`, or its `.history` dict.
        to_file: where to save the picture (format from the extension); None only returns
            the figure.
        metrics: which metrics to draw (default: every one recorded, loss first).

    Returns:
        The matplotlib Figure.

    Raises:
        ImportError: matplotlib is not installed.
        ValueError: the history is empty or lacks a requested metric.

    >>> plot_history(model.fit(x, y, epochs=5, verbose=0), "curves.png")  # doctest: +SKIP
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(f"plot_history needs matplotlib (pip install matplotlib): {exc}") \
            from None
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError("plot_history: expected a History from fit() or its non-empty "
                         f".history dict, received "
                         f"{type(history).__name__}: {history!r}")
    names = [k for k in logs if not k.startswith("val_")]
    names = sorted(names, key=lambda k: (k != "loss", names.index(k)))
    if metrics is not None:
        unknown = [m for m in metrics if m not in logs]
        if unknown:
            raise ValueError(f"plot_history: no values recorded for {unknown}; the history "
                             f"has {list(logs)}")
        names = list(metrics)
    figure = Figure(figsize=(5 * len(names), 4), layout="tight")
    FigureCanvasAgg(figure)
    for i, name in enumerate(names):
        axes = figure.add_subplot(1, len(names), i + 1)
        values = logs[name]
        epochs = range(1, len(values) + 1)
        axes.plot(epochs, values, marker="o", markersize=3, label=f"training {name}")
        if f"val_{name}" in logs:
            axes.plot(epochs, logs[f"val_{name}"], marker="o", markersize=3,
                      label=f"validation {name}")
        axes.set_xlabel("epoch")
        axes.set_title(name)
        axes.grid(alpha=0.3)
        axes.legend()
    if to_file is not None:
        figure.savefig(str(to_file))
    return figure
