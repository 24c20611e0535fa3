"""Record a computation's primitives once, then replay them on new inputs.

A *kernel* is an op written as a pure function of arrays:
`kernel(arrays, needs, **static) -> (y, backward)`, where `needs[i]` says whether input `i`
wants a gradient and `backward(gy)` returns one gradient (or None) per input (`backward` may
be None when no input wants one: it is never called then). Ops built on
kernels go through `primitive`, which runs the kernel eagerly and wraps its output as
`graph.result` does; inside a `Recorder` scope it also appends the call to a recording.

A `Program` made from a recording runs the same kernels in the same order on new input
arrays and on the variables' current values: no Tensors, no layer calls, no graph walk; its
backward pass visits the recorded calls in reverse. The recording is refused (the caller
keeps the eager path) when anything in the scope is not a kernel (an op calling
`graph.result` directly) or when a kernel reads an array the recorder cannot name: not one
of the fed inputs, not a Variable, not an earlier kernel's output.

A kernel marked with `fills_gradients` has a backward that also takes `out`, one array (or
None) per input, and may write that input's gradient into the array given and return it
(it returns a new array where it cannot, e.g. another dtype). `Program.backward(into=...)`
hands it the arrays a variable's gradient should end up in (the optimizer's flat gradient
buffer), so the product that makes a weight's gradient writes it there, with no copy after.
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


def fills_gradients(kernel):
    """Mark `kernel` as one whose backward takes `out` (see the module docstring)."""
    kernel.fills_gradients = True
    return kernel


def inference(factory):
    """Mark a kernel as having a leaner no-gradient function (see the module docstring)."""

    def mark(kernel):
        kernel.inference = factory
        return kernel

    return mark


def _inference_function(kernel, needs, static):
    factory = getattr(kernel, "inference", None)
    if factory is not None:
        return factory(**static)
    none = (False,) * len(needs)
    return lambda arrays: kernel(arrays, none, **static)[0]


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
        return Program(self.nodes[:count], self.variables, indices, len(self.feeds))


class Program:
    """A recorded list of kernel calls: `forward` on new feeds, then `backward`.

    Args:
        nodes: `(kernel, sources, needs, static)` per call, `sources` naming each input as
            (_NODE, k), (_VARIABLE, j) or (_FEED, i).
        variables: the Variables the calls read, in the order `backward` returns gradients.
        outputs: the indices of the nodes whose results `forward` returns.
        feeds: how many arrays `forward` is fed (by default, as many as the nodes read).
    """

    def __init__(self, nodes, variables, outputs, feeds: int | None = None):
        self.nodes = list(nodes)
        self.variables = list(variables)
        self.outputs = list(outputs)
        if feeds is None:
            feeds = 1 + max((i for _, sources, _, _ in self.nodes for kind, i in sources
                             if kind == _FEED), default=-1)
        self.feeds = feeds
        # forward keeps one list: the feeds, the weights, then each node's result in turn; each
        # input is looked up there by position, decided once here rather than on every step.
        first = {_FEED: 0, _VARIABLE: feeds, _NODE: feeds + len(self.variables)}
        self._calls = [(kernel, tuple(first[kind] + i for kind, i in sources), needs, static)
                       for kernel, sources, needs, static in self.nodes]
        self._output_at = [first[_NODE] + k for k in self.outputs]
        # backward: where each node sends its inputs' gradients (None: not needed, or a feed)
        self._routes = [tuple((kind, i) if need and kind != _FEED else None
                              for (kind, i), need in zip(sources, needs))
                        if any(needs) else None for _, sources, needs, _ in self.nodes]
        # A variable read by one kernel input alone, that kernel filling gradients: its
        # gradient can be written straight into the array `backward(into=...)` gives for it.
        uses = [0] * len(self.variables)
        for route in self._routes:
            for r in route or ():
                if r is not None and r[0] == _VARIABLE:
                    uses[r[1]] += 1
        self._fills = [
            tuple(r[1] if r is not None and r[0] == _VARIABLE and uses[r[1]] == 1 else None
                  for r in route)
            if route is not None and getattr(kernel, "fills_gradients", False) else None
            for (kernel, _, _, _), route in zip(self.nodes, self._routes)]
        self._positions: tuple | None = None
        self._infer_calls: list | None = None  # made on the first `infer`

    def forward(self, feeds) -> tuple[list, list]:
        """Run every kernel; returns the output arrays and the backward closures."""
        if len(feeds) != self.feeds:
            raise ValueError(f"Program.forward: expected {self.feeds} fed arrays, received "
                             f"{len(feeds)}")
        values = [*feeds, *[v.data for v in self.variables]]
        backwards: list = []
        for kernel, at, needs, static in self._calls:
            y, backward = kernel([values[i] for i in at], needs, **static)
            values.append(y)
            backwards.append(backward)
        return [values[i] for i in self._output_at], backwards

    def infer(self, feeds) -> list:
        """The output arrays `forward` returns, computed with no gradient bookkeeping: each
        kernel's inference function where it has one (`inference`), else the kernel called
        with no input needing a gradient; no backward closures are made."""
        if len(feeds) != self.feeds:
            raise ValueError(f"Program.infer: expected {self.feeds} fed arrays, received "
                             f"{len(feeds)}")
        calls = self._infer_calls
        if calls is None:
            calls = self._infer_calls = [
                (_inference_function(kernel, needs, static), at)
                for (kernel, at, needs, static) in self._calls]
        values = [*feeds, *[v.data for v in self.variables]]
        for fn, at in calls:
            values.append(fn([values[i] for i in at]))
        return [values[i] for i in self._output_at]

    def backward(self, backwards: list, output_grads: list, into: list | None = None) -> list:
        """Gradients of the variables (None where not reached) given the outputs' gradients.

        Args:
            into: optional, one array (or None) per variable, shaped and typed like it: a
                variable's gradient is written there (straight from its kernel where that
                kernel fills gradients, else copied in) and that array is what is returned.
        """
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
            route = self._routes[k]
            if route is None:
                continue
            fills = self._fills[k] if into is not None else None
            if fills is None:
                gcs = backwards[k](g)
            else:
                gcs = backwards[k](g, tuple(None if j is None else into[j] for j in fills))
            for r, gc in zip(route, gcs):
                if gc is None or r is None:
                    continue
                target = grads if r[0] == _NODE else found
                i = r[1]
                target[i] = gc if target[i] is None else target[i] + gc
        if into is not None:
            for j, (g, dest) in enumerate(zip(found, into)):
                if g is not None and dest is not None and g is not dest:
                    dest[...] = g
                    found[j] = dest
        return found

    def positions(self, variables) -> list:
        """For each of `variables`, its index in `self.variables` (None if not read); the
        answer for the last list asked about is kept, as a training step asks each time."""
        if self._positions is not None and self._positions[0] is variables:
            return self._positions[1]
        index = {id(v): j for j, v in enumerate(self.variables)}
        found = [index.get(id(v)) for v in variables]
        self._positions = (variables, found)  # holding the list keeps its id unique
        return found
