"""Record a computation's primitives once, then replay them on new inputs.

A *kernel* is an op written as a pure function of arrays:
`kernel(arrays, needs, **static) -> (y, backward)`, where `needs[i]` says whether input `i`
wants a gradient and `backward(gy)` returns one gradient (or None) per input. Ops built on
kernels go through `primitive`, which runs the kernel eagerly and wraps its output as
`graph.result` does; inside a `Recorder` scope it also appends the call to a recording.

A `Program` made from a recording runs the same kernels in the same order on new input
arrays and on the variables' current values: no Tensors, no layer calls, no graph walk; its
backward pass visits the recorded calls in reverse. The recording is refused (the caller
keeps the eager path) when anything in the scope is not a kernel (an op calling
`graph.result` directly) or when a kernel reads an array the recorder cannot name: not one
of the fed inputs, not a Variable, not an earlier kernel's output.
"""

from __future__ import annotations

from numen.autodiff import graph
from numen.autodiff.tensor import Tensor, Variable

_NODE, _VARIABLE, _FEED = 0, 1, 2


def primitive(kernel, inputs: tuple, name: str, **static) -> Tensor:
    """Run `kernel` on the arrays of `inputs` (Tensors) and wrap its output.

    The output records `inputs` and the kernel's backward closure when gradients are being
    recorded and some input needs one, exactly like `graph.result`.
    """
    recording = graph.is_recording()
    needs = tuple(recording and t.requires_grad for t in inputs)
    y, backward = kernel([t.data for t in inputs], needs, **static)
    out = Tensor(y, True, tuple(inputs), backward, name) if any(needs) else Tensor(y)
    recorder = graph.active_recorder()
    if recorder is not None:
        recorder.add(kernel, inputs, needs, static, out, name)
    return out


class Recorder:
    """Collects the kernels run in its `with` block (this thread only) into a recording.

    Args:
        feeds: the input arrays the recorded computation starts from; a kernel input whose
            array *is* one of them becomes a slot that `Program.forward` fills anew.
    """

    def __init__(self, feeds):
        self.feeds = list(feeds)
        self.nodes: list[tuple] = []
        self.variables: list[Variable] = []
        self.failure: str | None = None
        self._produced: dict[int, int] = {}
        self._produced_data: dict[int, int] = {}  # a Tensor re-wrapping an output's array
        self._variable_index: dict[int, int] = {}
        self._alive: list[Tensor] = []  # keeps ids unique while recording
        self._previous = None

    def __enter__(self):
        self._previous = graph.set_recorder(self)
        return self

    def __exit__(self, *exc):
        graph.set_recorder(self._previous)
        return False

    def fail(self, reason: str) -> None:
        """Mark the recording unusable (the first reason is kept for debugging)."""
        if self.failure is None:
            self.failure = reason

    def add(self, kernel, inputs, needs, static, out: Tensor, name: str) -> None:
        if self.failure is not None:
            return
        sources = []
        for t in inputs:
            source = self._source(t)
            if source is None:
                self.fail(f"'{name}' reads an array that is not an input, a variable or the "
                          "output of an earlier recorded op")
                return
            sources.append(source)
        self._produced[id(out)] = self._produced_data[id(out.data)] = len(self.nodes)
        self._alive.append(out)
        self.nodes.append((kernel, tuple(sources), needs, static))

    def _source(self, t: Tensor):
        k = self._produced.get(id(t), self._produced_data.get(id(t.data)))
        if k is not None:
            return (_NODE, k)
        if isinstance(t, Variable):
            j = self._variable_index.get(id(t))
            if j is None:
                j = self._variable_index[id(t)] = len(self.variables)
                self.variables.append(t)
            return (_VARIABLE, j)
        for i, feed in enumerate(self.feeds):
            if t.data is feed:
                return (_FEED, i)
        return None

    def mark(self) -> tuple:
        """A point to cut the recording at later (see `program`)."""
        return self.failure, len(self.nodes)

    def program(self, outputs: list, mark: tuple | None = None) -> Program | None:
        """The replayable program producing `outputs` (from the kernels recorded up to `mark`
        when given), or None when the recording had failed by then or an output did not come
        from a recorded kernel."""
        failure, count = mark if mark is not None else self.mark()
        if failure is not None or not count:
            return None
        indices = [self._produced.get(id(t)) for t in outputs]
        if any(k is None or k >= count for k in indices):
            self.fail("an output is not the result of a recorded op")
            return None
        return Program(self.nodes[:count], self.variables, indices)


class Program:
    """A recorded list of kernel calls: `forward` on new feeds, then `backward`."""

    def __init__(self, nodes, variables, outputs):
        self.nodes = list(nodes)
        self.variables = list(variables)
        self.outputs = list(outputs)

    def forward(self, feeds) -> tuple[list, list]:
        """Run every kernel; returns the output arrays and the backward closures."""
        values: list = []
        backwards: list = []
        weights = [v.data for v in self.variables]
        for kernel, sources, needs, static in self.nodes:
            arrays = [values[i] if kind == _NODE else weights[i] if kind == _VARIABLE
                      else feeds[i] for kind, i in sources]
            y, backward = kernel(arrays, needs, **static)
            values.append(y)
            backwards.append(backward)
        return [values[k] for k in self.outputs], backwards

    def backward(self, backwards: list, output_grads: list) -> list:
        """Gradients of the variables (None where not reached) given the outputs' gradients."""
        grads: list = [None] * len(self.nodes)
        for k, g in zip(self.outputs, output_grads):
            if g is not None:
                grads[k] = g if grads[k] is None else grads[k] + g
        found: list = [None] * len(self.variables)
        for k in range(len(self.nodes) - 1, -1, -1):
            g = grads[k]
            if g is None:
                continue
            grads[k] = None
            _, sources, needs, _ = self.nodes[k]
            if not any(needs):
                continue
            for (kind, i), need, gc in zip(sources, needs, backwards[k](g)):
                if gc is None or not need or kind == _FEED:
                    continue
                target = grads if kind == _NODE else found
                target[i] = gc if target[i] is None else target[i] + gc
        return found
