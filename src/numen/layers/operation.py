"""keras.Operation: a computation with a `call`, usable on real and on symbolic tensors.

Subclass it and write `call`; calling the operation on data runs `call`, and calling it on
KerasTensors (while defining a Functional model) records it as a node of the graph, whose
output shapes numen finds by running `call` on small zero arrays.
"""

from __future__ import annotations

from numen.layers import symbolic
from numen.layers.base import to_snake_case, unique_name


class Operation:
    """Base class of user operations.

    >>> class Double(Operation):
    ...     def call(self, x):
    ...         return x * 2
    >>> Double()(np.ones(2))   # Tensor [2., 2.]
    """

    def __init__(self, name=None, **kwargs):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: `name` must be a string, received {name!r}")
        self.name = name or unique_name(to_snake_case(type(self).__name__))

    def __call__(self, *args, **kwargs):
        if symbolic.any_symbolic([list(args), kwargs]):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: an Operation subclass must define "
                                  "call()")

    def symbolic_call(self, *args, **kwargs):
        """Record this operation on symbolic arguments; returns symbolic outputs."""
        return symbolic.symbolic_call(self.call, *args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        """Symbolic tensors shaped like the outputs for arguments shaped like `args`."""
        return self.symbolic_call(*args, **kwargs)

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
