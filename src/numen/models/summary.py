"""model.summary(): Keras's table of layers, output shapes and parameter counts."""

from __future__ import annotations

from numen.layers.symbolic import infer_output_shape


def _fmt_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


def _rows(model):
    """(name (type), output shape, params, connected-to) for each layer."""
    rows = []
    if model._graph is not None:
        for layer in model.layers:
            nodes = [n for n in layer._inbound_nodes if n in model._graph.nodes]
            if hasattr(layer, "batch_shape") and not nodes:
                rows.append((layer, str(layer.batch_shape), 0, "-"))
                continue
            for node in nodes:
                from numen.layers.symbolic import flatten

                outs = flatten(node.outputs)
                shape = outs[0].shape if len(outs) == 1 else [o.shape for o in outs]
                sources = ", ".join(
                    f"{t.node.layer.name if t.node else t.name}[0][0]"
                    for t in node.input_tensors)
                rows.append((layer, str(shape), _params(layer), sources or "-"))
        return rows
    shape = getattr(model, "_input_batch_shape", None)
    for layer in model.layers:
        if shape is not None and layer.built:
            shape = infer_output_shape(layer, shape)
            rows.append((layer, str(shape), _params(layer), None))
        else:
            rows.append((layer, "?", _params(layer), None))
    return rows


def _params(layer) -> int:
    return int(sum(w.size for w in layer.weights)) if layer.built else 0


def summary_text(model, line_length=None, show_trainable=False) -> str:
    rows = _rows(model)
    functional = model._graph is not None
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if functional
                                                             else [])
    cells = [[f"{l.name} ({type(l).__name__})", shape, f"{p:,}"] + ([c] if functional else [])
             for l, shape, p, c in rows]
    widths = [max([len(headers[i])] + [len(r[i]) for r in cells]) + 2 for i in
              range(len(headers))]
    widths[0] = max(widths[0], 33)
    widths[1] = max(widths[1], 24)
    widths[2] = max(widths[2], 15)

    def line(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    def row(values, heavy=False):
        bar = "┃" if heavy else "│"
        parts = []
        for i, (v, w) in enumerate(zip(values, widths)):
            parts.append(f" {v:>{w - 2}} " if i == 2 else f" {v:<{w - 2}} ")
        return bar + bar.join(parts) + bar

    out = [f'Model: "{model.name}"', line("┏", "┳", "┓", "━"), row(headers, heavy=True),
           line("┡", "╇", "┩", "━")]
    for i, r in enumerate(cells):
        out.append(row(r))
        out.append(line("├", "┼", "┤", "─") if i < len(cells) - 1 else line("└", "┴", "┘", "─"))
    if not cells:
        out.append(line("└", "┴", "┘", "─"))
    weights = model.weights if model.built else []
    total = sum(w.size for w in weights)
    trainable_ids = {id(w) for w in model.trainable_weights} if model.built else set()
    trainable = sum(w.size for w in weights if id(w) in trainable_ids)
    nbytes = {id(w): w.data.nbytes for w in weights}
    tb = sum(nbytes[id(w)] for w in weights if id(w) in trainable_ids)
    allb = sum(nbytes.values())
    out.append(f" Total params: {total:,} ({_fmt_bytes(allb)})")
    out.append(f" Trainable params: {trainable:,} ({_fmt_bytes(tb)})")
    out.append(f" Non-trainable params: {total - trainable:,} ({_fmt_bytes(allb - tb)})")
    return "\n".join(out)
