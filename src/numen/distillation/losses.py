"""Distillation losses: how far a student's outputs (or inner features) are from a teacher's.

Each loss takes the teacher's and the student's outputs, structured alike (one tensor, a list
or a dict), and returns one scalar. `loss` may be a structure of losses matching the outputs,
with None for an output that is not distilled.
"""

from __future__ import annotations

from numen import losses as losses_module
from numen import ops, tree


def _loss_function(loss):
    """A loss name ('mse', 'kl_divergence') as numen's loss function; objects pass through."""
    if loss is None or callable(loss) and not isinstance(loss, str):
        return loss
    if isinstance(loss, str):
        return losses_module.get(loss)  # raises ValueError naming an unknown loss
    raise TypeError(f"distillation loss: `loss` must be a loss name, a loss function or object, "
                    f"or None, received {type(loss).__name__}")


def _loss_structure(loss, what: str):
    losses = tree.map_structure(_loss_function, loss)
    if all(fn is None for fn in tree.flatten(losses)):
        raise ValueError(f"{what}: `loss` must hold at least one loss that is not None, "
                         f"received {loss!r}")
    return losses


def _sum_of_means(losses, teacher_outputs, student_outputs, term):
    """Sum over the outputs of mean(term(loss, teacher, student)); None losses add 0."""
    values = tree.flatten(tree.map_structure(
        lambda fn, t, s: ops.convert_to_tensor(0.0) if fn is None else term(fn, t, s),
        losses, teacher_outputs, student_outputs))
    return ops.sum(ops.stack(values))


class DistillationLoss:
    """Base class: subclasses define `compute_loss(teacher_outputs, student_outputs)` returning
    a scalar, and may check the models in `validate_model_compatibility`.

    >>> class L1(DistillationLoss):
    ...     def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
    ...         return ops.mean(ops.abs(teacher_outputs - student_outputs))
    """

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The scalar loss between the teacher's and the student's outputs."""
        raise NotImplementedError(f"{type(self).__name__}: subclasses of DistillationLoss "
                                  "must define compute_loss(teacher_outputs, student_outputs)")

    def validate_outputs(self, teacher_outputs, student_outputs) -> None:
        """Raise ValueError when the two outputs are not structured alike."""
        tree.assert_same_structure(teacher_outputs, student_outputs)

    def validate_model_compatibility(self, teacher, student) -> None:
        """Raise ValueError when this loss cannot compare the two models (the base accepts
        any pair)."""


class FeatureDistillation(DistillationLoss):
    """Match the student's features to the teacher's: the output of a named layer of each
    model (or the final outputs when no layer is named), compared with `loss`.

    Args:
        loss: a loss name, function or object, or a structure of them (None skips an output);
            `mean(loss(teacher_features, student_features))` per output, summed.
        teacher_layer_name: the teacher layer whose output is compared (None: final output).
        student_layer_name: the student layer whose output is compared (None: final output).

    Raises:
        ValueError: every loss is None.

    >>> FeatureDistillation("mse", teacher_layer_name="hidden", student_layer_name="hidden")
    """

    def __init__(self, loss="mse", teacher_layer_name: str | None = None,
                 student_layer_name: str | None = None):
        self.teacher_layer_name = teacher_layer_name
        self.student_layer_name = student_layer_name
        self.loss = _loss_structure(loss, "FeatureDistillation")

    def validate_model_compatibility(self, teacher, student) -> None:
        """Named layers need models with symbolic inputs (Functional or Sequential) that
        contain layers of those names."""
        names = {"teacher": (teacher, self.teacher_layer_name),
                 "student": (student, self.student_layer_name)}
        if self.teacher_layer_name is None and self.student_layer_name is None:
            return
        subclassed = [who for who, (m, _) in names.items() if getattr(m, "inputs", None) is None]
        if subclassed:
            raise ValueError(f"FeatureDistillation: features of named layers need Functional "
                             f"or Sequential models, but the {' and '.join(subclassed)} "
                             "model has no symbolic inputs (subclassed); distill the final "
                             "outputs (no layer names) or use LogitsDistillation")
        for who, (model, name) in names.items():
            if name is not None:
                try:
                    model.get_layer(name=name)
                except ValueError as exc:
                    raise ValueError(f"FeatureDistillation: in the {who} model: {exc}") from exc

    def validate_outputs(self, teacher_outputs, student_outputs) -> None:
        super().validate_outputs(teacher_outputs, student_outputs)
        try:
            tree.assert_same_structure(self.loss, teacher_outputs)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"FeatureDistillation: the losses {self.loss!r} are not "
                             f"structured like the features: {exc}") from exc

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """Sum over outputs of the mean loss between teacher and student features.

        >>> FeatureDistillation().compute_loss(np.ones((2, 3)), np.zeros((2, 3)))
        """
        return _sum_of_means(self.loss, teacher_outputs, student_outputs,
                             lambda fn, t, s: ops.mean(fn(t, s)))

    def get_config(self) -> dict:
        return {"loss": tree.map_structure(_serialize_loss, self.loss),
                "teacher_layer_name": self.teacher_layer_name,
                "student_layer_name": self.student_layer_name}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["loss"] = _deserialize_losses(config["loss"])
        return cls(**config)


class LogitsDistillation(DistillationLoss):
    """Match the student's final logits to the teacher's, both divided by `temperature`.

    With a `KLDivergence` loss object the scaled logits become probabilities (softmax) and the
    loss is multiplied by `temperature**2` (Hinton et al.); any other loss, including the
    default name 'kl_divergence' (the plain function, as in Keras), is applied to the scaled
    logits themselves.

    Args:
        temperature: positive number dividing both models' logits.
        loss: a loss name, function or object, or a structure of them (None skips an output).

    Raises:
        ValueError: temperature not a positive number, or every loss is None.

    >>> LogitsDistillation(temperature=4.0, loss=keras.losses.KLDivergence())
    """

    def __init__(self, temperature: float = 3.0, loss="kl_divergence"):
        self.temperature = temperature
        self.loss = _loss_structure(loss, "LogitsDistillation")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
            raise ValueError(f"LogitsDistillation: temperature must be a number, received "
                             f"{type(temperature).__name__}")
        if temperature <= 0:
            raise ValueError(f"LogitsDistillation: temperature must be positive, received "
                             f"{temperature!r}")

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """Sum over outputs of the mean loss between temperature-scaled logits.

        >>> LogitsDistillation().compute_loss(np.ones((2, 3)), np.zeros((2, 3)))
        """
        t_scaled = tree.map_structure(lambda x: ops.divide(x, self.temperature), teacher_outputs)
        s_scaled = tree.map_structure(lambda x: ops.divide(x, self.temperature), student_outputs)

        def term(fn, t, s):
            if isinstance(fn, losses_module.KLDivergence):
                kl = ops.mean(fn(ops.softmax(t, axis=-1), ops.softmax(s, axis=-1)))
                return kl * (self.temperature ** 2)
            return ops.mean(fn(t, s))

        return _sum_of_means(self.loss, t_scaled, s_scaled, term)

    def get_config(self) -> dict:
        return {"temperature": self.temperature,
                "loss": tree.map_structure(_serialize_loss, self.loss)}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["loss"] = _deserialize_losses(config["loss"])
        return cls(**config)


def _serialize_loss(loss):
    return None if loss is None else losses_module.serialize(loss)


def _deserialize_losses(config):
    """The inverse of mapping `_serialize_loss`: a serialized loss object is a dict with a
    'class_name', which is a leaf here, not a structure of losses."""
    if config is None:
        return None
    if isinstance(config, str) or isinstance(config, dict) and "class_name" in config:
        return losses_module.deserialize(config)
    if isinstance(config, dict):
        return {k: _deserialize_losses(v) for k, v in config.items()}
    return type(config)(_deserialize_losses(v) for v in config)
