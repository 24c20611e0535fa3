"""`Layer.stateless_call`: a call that reads its variables' values from lists given to it and
returns the new values of the non-trainable ones, leaving the layer's own variables untouched
(Keras 3's functional API for custom training loops).

The given values are swapped in for the call by a `StatelessScope` and swapped out after, so a
call recorded under a `GradientTape` watching the layer's variables differentiates at the given
values; the values themselves are read, not tracked.
"""

from __future__ import annotations

from numen.autodiff import as_tensor
from numen.autodiff.scopes import StatelessScope


def check_values(owner: str, argument: str, values, expected: list, listing: str) -> None:
    """Raise the Keras error when `values` does not hold one value per expected variable."""
    if len(values) != len(expected):
        raise ValueError(f"Argument `{argument}` must be a list of tensors corresponding 1:1 to "
                         f"{owner}().{listing}. Received list with length {len(values)}, but "
                         f"expected {len(expected)} variables.")


def stateless_call(layer, trainable_variables, non_trainable_variables, args: tuple,
                   kwargs: dict, return_losses: bool = False):
    """What `Layer.stateless_call` returns: (outputs, non-trainable values[, losses])."""
    owner = type(layer).__name__
    if not layer.built:
        raise ValueError(f"To call stateless_call, {owner} must be built (i.e. its variables "
                         "must have been already created). You can build it by calling it on "
                         "some data.")
    trainable, non_trainable = layer.trainable_variables, layer.non_trainable_variables
    check_values(owner, "trainable_variables", trainable_variables, trainable,
                 "trainable_variables")
    check_values(owner, "non_trainable_variables", non_trainable_variables, non_trainable,
                 "non_trainable_variables")
    mapping = list(zip(trainable, trainable_variables)) + list(
        zip(non_trainable, non_trainable_variables))
    if not args:
        raise ValueError(f"{owner}.stateless_call: pass the inputs after the two lists of "
                         "variable values")
    losses = None
    with StatelessScope(state_mapping=mapping, collect_losses=return_losses) as scope:
        # `call` (not `__call__`, as in Keras), inside the scope `add_loss` reads.
        outputs = layer._scoped_call(args[0], args[1:], kwargs, activity=False)
        if return_losses:
            losses = layer.losses
    new_values = [as_tensor(scope.get_current_value(v)) for v in non_trainable]
    if return_losses:
        return outputs, new_values, losses
    return outputs, new_values
