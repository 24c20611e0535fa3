"""What the playground measures inside a model while it trains, and the plain-language notes it
draws from those measurements: dead ReLU units, saturated sigmoid/tanh units, vanishing or
exploding gradients, a nan or diverging loss, a widening train/validation gap."""

from __future__ import annotations

import math

import numpy as np

from numen import losses, ops
from numen.autodiff import enable_grad, gradients, no_grad

RELU_LIKE = ("relu", "leaky_relu", "elu", "gelu", "swish")
UNIT_AXES = {"Dense": 2, "Conv2D": 4}  # layers measured unit by unit, and their output's rank


def _activation_name(layer) -> str:
    act = getattr(layer, "activation", None)
    return getattr(act, "__name__", str(act)) if act is not None else "linear"


def layer_stats(model, x: np.ndarray, y: np.ndarray, loss: str) -> list[dict]:
    """For each layer with weights: its name, mean |weight|, mean |gradient| of the loss on
    (x, y) and, for Dense and Conv2D layers, the share of dead units (never positive on x) and
    of saturated units (sigmoid/tanh output pinned at its ends for 90% of x). A Conv2D layer's
    units are its filters, each measured over every position of every image."""
    layers = [layer for layer in model.layers if layer.trainable_weights]
    weights = [w for layer in layers for w in layer.trainable_weights]
    with enable_grad():
        y_pred = model(x, training=False)
        value = ops.mean(losses.get(loss)(y, y_pred))
    grads = gradients(value, weights)
    grad_of = {id(w): g for w, g in zip(weights, grads)}
    outputs = {}
    with no_grad():
        h = x
        for layer in model.layers:
            h = layer(h, training=False)
            outputs[id(layer)] = np.asarray(h.data if hasattr(h, "data") else h)
    stats = []
    for layer in layers:
        ws = layer.trainable_weights
        w_abs = float(np.mean(np.concatenate([np.abs(np.asarray(w.numpy())).ravel()
                                              for w in ws])))
        gs = [grad_of[id(w)] for w in ws if grad_of[id(w)] is not None]
        g_abs = (float(np.mean(np.concatenate([np.abs(np.asarray(g.data)).ravel()
                                               for g in gs]))) if gs else 0.0)
        entry = {"name": layer.name, "weight": w_abs, "grad": g_abs,
                 "activation": _activation_name(layer), "units": None, "dead": 0.0,
                 "saturated": 0.0}
        out = outputs[id(layer)]
        if UNIT_AXES.get(layer.__class__.__name__) == out.ndim:
            entry["units"] = int(out.shape[-1])  # channels last: one unit per filter
            over = tuple(range(out.ndim - 1))
            if entry["activation"] in RELU_LIKE:
                entry["dead"] = float(np.mean(np.all(out <= 0, axis=over)))
            elif entry["activation"] == "sigmoid":
                pinned = (out < 0.02) | (out > 0.98)
                entry["saturated"] = float(np.mean(np.mean(pinned, axis=over) > 0.9))
            elif entry["activation"] == "tanh":
                entry["saturated"] = float(np.mean(np.mean(np.abs(out) > 0.98, axis=over) > 0.9))
        stats.append(entry)
    return stats


def notes(history: list[dict], stats: list[dict]) -> list[dict]:
    """Plain-language notes, each {'kind', 'level' ('warning' | 'info'), 'text'}, from the
    per-epoch logs (oldest first) and the latest `layer_stats`."""
    out = []
    losses_seen = [h.get("loss") for h in history if h.get("loss") is not None]
    if losses_seen and not math.isfinite(losses_seen[-1]):
        out.append({"kind": "nan_loss", "level": "warning",
                    "text": "The loss is not a number (nan or infinite): the weights blew up. "
                            "Lower the learning rate and reset."})
    elif len(losses_seen) >= 5 and losses_seen[-1] > 3 * min(losses_seen) \
            and losses_seen[-1] > losses_seen[0]:
        out.append({"kind": "diverging", "level": "warning",
                    "text": "The loss is climbing instead of falling: the learning rate is "
                            "probably too high."})
    hidden = stats[:-1]
    for s in hidden:
        if s["units"] and s["dead"] >= 0.5:
            out.append({"kind": "dead_relu", "level": "warning",
                        "text": f"{s['name']}: {round(s['dead'] * s['units'])} of {s['units']} "
                                f"{s['activation']} units are dead (never active on the "
                                "training data) and no longer learn. Try a lower learning "
                                "rate or leaky_relu."})
        if s["units"] and s["saturated"] >= 0.5:
            out.append({"kind": "saturated", "level": "warning",
                        "text": f"{s['name']}: {round(s['saturated'] * s['units'])} of "
                                f"{s['units']} {s['activation']} units are saturated (stuck "
                                "at the ends of their range), so their gradients are tiny. "
                                "Scale the inputs, lower the learning rate or use relu."})
    grads = [s["grad"] for s in stats]
    if grads and not all(math.isfinite(g) for g in grads) or any(g > 1e3 for g in grads):
        out.append({"kind": "exploding", "level": "warning",
                    "text": "Exploding gradients: some layer's mean gradient is huge. Lower "
                            "the learning rate, or add BatchNormalization."})
    elif len(grads) >= 3 and grads[-1] > 0 and grads[0] < 1e-3 * grads[-1]:
        out.append({"kind": "vanishing", "level": "warning",
                    "text": f"Vanishing gradients: the first layer's gradients are "
                            f"{grads[-1] / max(grads[0], 1e-30):.0e} times smaller than the "
                            "last layer's, so early layers barely learn. Try relu or fewer "
                            "layers."})
    gap = _overfitting(history)
    if gap:
        out.append({"kind": "overfitting", "level": "info",
                    "text": f"Overfitting: the test loss has risen for a while and is now "
                            f"{gap:.1f} times the training loss. Try fewer units, dropout or "
                            "L2 regularization, or stop earlier."})
    return out


def _overfitting(history: list[dict]) -> float | None:
    pairs = [(h["loss"], h["val_loss"]) for h in history
             if h.get("val_loss") is not None and h.get("loss") is not None]
    if len(pairs) < 20:
        return None
    recent = pairs[-10:]
    best_val = min(v for _, v in pairs)
    start = pairs[0][1]  # the gap must matter on the scale of the first test loss
    train, val = recent[-1]
    if not (math.isfinite(train) and math.isfinite(val)) or train <= 0:
        return None
    if (val > 1.2 * best_val and val > 1.5 * train and val - train > 0.1 * start
            and recent[-1][0] <= recent[0][0]):
        return val / train
    return None
