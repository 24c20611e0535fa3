"""GradientTape and grad(): the two front doors to the backward pass."""

from __future__ import annotations

from numen.autodiff import graph
from numen.autodiff.tensor import Tensor, Variable, as_tensor


class GradientTape:
    """Record ops in a `with` block, then ask for gradients of a result.

    Trainable Variables are watched automatically; other tensors with `watch`.

    >>> with GradientTape() as tape:
    ...     loss = ops.sum(w * w)
    >>> (gw,) = tape.gradient(loss, [w])
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._used = False
        self._scope = None
        self._watched: set[int] = set()

    def __enter__(self):
        self._scope = graph.enable_grad()
        self._scope.__enter__()
        return self

    def __exit__(self, *exc):
        self._scope.__exit__(*exc)
        return False

    def watch(self, tensor):
        """Make gradients flow to `tensor` (a Tensor or a list of them)."""
        for t in tensor if isinstance(tensor, (list, tuple)) else [tensor]:
            if not isinstance(t, Tensor):
                raise TypeError(f"GradientTape.watch: expected a Tensor, received {type(t)}")
            t.requires_grad = True
            self._watched.add(id(t))

    def gradient(self, target, sources, output_gradients=None):
        """Gradients of `target` with respect to `sources`.

        Args:
            target: a Tensor, or a list of Tensors whose gradients are summed.
            sources: a Tensor, a list/tuple of them, or a dict of them (same keys come back).
            output_gradients: the upstream gradient of `target` (ones when None).

        Returns:
            Tensors shaped like `sources` (None where a source does not affect `target`).

        Raises:
            RuntimeError: on a second call to a tape that is not persistent.
        """
        if self._used and not self.persistent:
            raise RuntimeError(
                "GradientTape.gradient can only be called once on a non-persistent tape; "
                "create the tape with persistent=True to call it again"
            )
        self._used = True
        if isinstance(sources, dict):
            keys = list(sources)
            values = self._gradient(target, [sources[k] for k in keys], output_gradients)
            return dict(zip(keys, values))
        single = isinstance(sources, Tensor)
        out = self._gradient(target, [sources] if single else list(sources), output_gradients)
        return out[0] if single else out

    def _gradient(self, target, sources, output_gradients):
        targets = list(target) if isinstance(target, (list, tuple)) else [target]
        seeds = (list(output_gradients) if isinstance(output_gradients, (list, tuple))
                 else [output_gradients] * len(targets))
        total = [None] * len(sources)
        for t, seed in zip(targets, seeds):
            for i, g in enumerate(graph.gradients(as_tensor(t), sources, seed)):
                if g is not None:
                    total[i] = g if total[i] is None else total[i] + g
        if not self.watch_accessed_variables:
            total = [None if isinstance(s, Variable) and id(s) not in self._watched else g
                     for s, g in zip(sources, total)]
        return [None if g is None else Tensor(g) for g in total]


def grad(fun, argnums=0):
    """Return a function computing the gradient of scalar-valued `fun` w.r.t. its arguments.

    >>> dsq = grad(lambda x: ops.sum(x * x))
    >>> dsq(np.array([1.0, 2.0]))   # -> [2., 4.]
    """
    many = isinstance(argnums, (tuple, list))
    positions = list(argnums) if many else [argnums]

    def gradient_fun(*args):
        args = list(args)
        for p in positions:
            t = args[p]
            if not isinstance(t, Variable):
                t = Tensor(as_tensor(t).data, requires_grad=True)
            args[p] = t
        with graph.enable_grad():
            out = fun(*args)
        gs = graph.gradients(out, [args[p] for p in positions])
        gs = [g if g is None else Tensor(g) for g in gs]
        return tuple(gs) if many else gs[0]

    return gradient_fun
