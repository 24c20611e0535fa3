"""Recording ops and running them backwards.

`result` is the single place where an op's output is wrapped: it records the op's inputs and
backward closure only when gradients are being recorded and some input needs one. `gradients`
walks the recorded graph in a fixed, reproducible order (depth-first by input position, never a
set of tensors) and sums the contributions arriving at each tensor.
"""

from __future__ import annotations

import contextlib
import threading

from numen import backend
from numen.autodiff.tensor import Tensor

_state = threading.local()


def is_recording() -> bool:
    """Whether ops currently record their inputs for a backward pass."""
    return getattr(_state, "enabled", True)


class _GradScope(contextlib.ContextDecorator):
    """Sets whether ops record for the backward pass, restoring the previous setting on exit.

    A plain class rather than a generator-based context manager: it is entered on every
    prediction, and this costs a third as much.
    """

    _enabled = True

    def __enter__(self):
        self._previous = getattr(_state, "enabled", True)
        _state.enabled = self._enabled
        return self

    def __exit__(self, *exc):
        _state.enabled = self._previous
        return False


class no_grad(_GradScope):  # noqa: N801 - used like a function, as in PyTorch
    """Within this scope ops record nothing: faster inference, no memory kept for backward."""

    _enabled = False


class enable_grad(_GradScope):  # noqa: N801
    """Turn recording back on inside a `no_grad` scope."""

    _enabled = True


def active_recorder():
    """The replay.Recorder collecting kernels in this thread, or None."""
    return getattr(_state, "recorder", None)


def set_recorder(recorder):
    """Make `recorder` (or None) the active one; returns the one it replaces."""
    previous = getattr(_state, "recorder", None)
    _state.recorder = recorder
    return previous


def result(y, inputs, backward, name=None) -> Tensor:
    """Wrap an op's output array, recording how to differentiate it when that is needed.

    Args:
        y: the op's output array.
        inputs: the Tensors the op read.
        backward: maps the gradient of `y` to a tuple with one gradient (or None) per input.
        name: the op's name, for error messages and debugging.
    """
    recorder = getattr(_state, "recorder", None)
    if recorder is not None:
        # Only kernels (replay.primitive) can be replayed; any other op spoils the recording.
        recorder.fail(f"op '{name}' is not a replayable kernel")
    if is_recording():
        for t in inputs:
            if t.requires_grad:
                return Tensor(y, True, tuple(inputs), backward, name)
    return Tensor(y)


def _topological_order(root: Tensor) -> list[Tensor]:
    """Tensors reachable from `root` that need gradients, each after all of its inputs."""
    order: list[Tensor] = []
    seen: set[int] = {id(root)}
    stack = [(root, 0)]
    while stack:
        node, i = stack.pop()
        if i < len(node.inputs):
            stack.append((node, i + 1))
            child = node.inputs[i]
            if child.requires_grad and id(child) not in seen:
                seen.add(id(child))
                stack.append((child, 0))
        else:
            order.append(node)
    return order


def gradients(loss: Tensor, sources, output_gradient=None) -> list:
    """d(loss)/d(source) for each source, as arrays (None where a source is not reached).

    Args:
        loss: the Tensor to differentiate; a non-scalar is summed unless `output_gradient`
            gives its upstream gradient.
        sources: the Tensors (usually Variables) to differentiate with respect to.
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"gradients: expected a Tensor to differentiate, received {type(loss)}")
    sources = list(sources)
    if not loss.requires_grad:
        return [None] * len(sources)
    wanted = {id(s) for s in sources}
    if output_gradient is None:
        # ones_like, not data * 0 + 1: an infinite loss must still seed a gradient of 1.
        seed = backend.xp_of(loss.data).ones_like(loss.data)
    else:
        seed = backend.asarray_like(output_gradient.data if isinstance(output_gradient, Tensor)
                                    else output_gradient, loss.data)
    grads: dict[int, object] = {id(loss): seed}
    found: dict[int, object] = {}
    for node in reversed(_topological_order(loss)):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if id(node) in wanted:
            found[id(node)] = g
        if node.backward is None:
            continue
        for child, gc in zip(node.inputs, node.backward(g)):
            if gc is None or not child.requires_grad:
                continue
            key = id(child)
            previous = grads.get(key)
            grads[key] = gc if previous is None else previous + gc
    out, handed = [], {id(seed)}
    for s in sources:
        g = _finish(found.get(id(s)), s, handed)
        handed.add(id(g))
        out.append(g)
    return out


def _finish(g, source: Tensor, handed: set):
    """A gradient the caller may keep and update in place, in the source's shape and dtype.

    Backward closures may pass one array on to several inputs (add) or hand out read-only
    broadcast views (sum); such arrays are copied so no two results share memory.
    """
    if g is None:
        return None
    xp = backend.xp_of(source.data)
    g = xp.asarray(g)
    if g.shape != source.data.shape:
        g = xp.broadcast_to(g, source.data.shape)
    dtype = source.data.dtype
    if (dtype.kind == "f" or dtype.name == "bfloat16") and g.dtype != dtype:
        return g.astype(dtype)
    shared = id(g) in handed or g.base is not None
    if shared or not getattr(g.flags, "writeable", True) or not g.flags.c_contiguous:
        return g.copy()
    return g
