"""`Optimizer.stateless_apply`: one update computed from given values of the optimizer's
variables and of the variables it trains, returned as new values; the optimizer and the
variables keep their own (Keras 3's functional API for custom training loops).

The optimizer's state lives in arrays its update steps write in place (some of them views of
one flat buffer), so the given values are loaded into that state, the update runs, the results
are copied out and the saved state is loaded back.
"""

from __future__ import annotations

from numen import backend
from numen.autodiff import as_tensor


def _check(owner: str, optimizer_variables, expected_state: int, trainable_variables,
           expected_trainable: int) -> None:
    if len(optimizer_variables) != expected_state:
        raise ValueError("Argument `optimizer_variables` must be a list of tensors "
                         f"corresponding 1:1 to {owner}().variables. Received list with length "
                         f"{len(optimizer_variables)}, but expected {expected_state} variables.")
    if len(trainable_variables) != expected_trainable:
        raise ValueError("Argument `trainable_variables` must be a list of tensors "
                         "corresponding 1:1 to the trainable variables list that the optimizer "
                         f"was built with. Received len(trainable_variables) == "
                         f"{len(trainable_variables)} whereas the optimizer was built with "
                         f"{expected_trainable} variables.")


def _values(values) -> dict:
    """A store for `load_own_variables`: key i -> the i-th value as a host array."""
    return {str(i): backend.to_numpy(getattr(v, "data", v)) for i, v in enumerate(values)}


def stateless_apply(optimizer, optimizer_variables, grads, trainable_variables):
    """What `Optimizer.stateless_apply` returns: (new trainable values, new state values)."""
    owner = type(optimizer).__name__
    if not optimizer.built:
        raise ValueError(f"To call `stateless_apply`, {owner} must be built (i.e. its "
                         "variables must have been created). You can build it via "
                         "`optimizer.build(trainable_variables)`.")
    variables = list(optimizer._variables)
    own_state = optimizer._variable_arrays()
    _check(owner, optimizer_variables, len(own_state), trainable_variables, len(variables))
    saved_state = {str(i): backend.to_numpy(a).copy() for i, a in enumerate(own_state)}
    saved_values = [v.data.copy() for v in variables]
    try:
        optimizer.load_own_variables(_values(optimizer_variables))
        for v, value in zip(variables, trainable_variables):
            v.assign(value)
        optimizer.apply(grads, variables)
        new_values = [as_tensor(v.data.copy()) for v in variables]
        new_state = [as_tensor(v.data.copy()) for v in optimizer.variables]
    finally:
        optimizer.load_own_variables(saved_state)
        for v, value in zip(variables, saved_values):
            v.data[...] = value  # in place: the arrays may be views of a flat buffer
    return new_values, new_state
