"""Distiller: a Model that trains a student model to imitate a frozen teacher model.

The loss of one batch is

    student_loss_weight * student_loss(y, student(x))
    + (1 - student_loss_weight) * sum_i weight_i * distillation_loss_i(teacher, student)

where the student loss is the `loss` given to `compile` and each distillation loss compares the
two models' outputs (LogitsDistillation) or inner features (FeatureDistillation). Only the
student's weights change; the teacher runs in inference mode without recording gradients.
"""

from __future__ import annotations

from numen import metrics as metrics_module
from numen import ops, tree
from numen.autodiff import Tensor, no_grad
from numen.distillation.losses import DistillationLoss, _loss_function
from numen.models import Model, Sequential

FINAL = "final_output"


class Distiller(Model):
    """Train `student` from `teacher` (kept frozen) and from the labels.

    Args:
        teacher: a trained Model; its weights are frozen (`teacher.trainable = False`).
        student: the Model being trained; use it alone after `fit`.
        distillation_losses: one DistillationLoss or a list of them.
        distillation_loss_weights: one weight per distillation loss (default all 1.0).
        student_loss_weight: share of the supervised loss, in [0, 1]; the distillation losses
            get `1 - student_loss_weight`.
        name: the model's name.

    Raises:
        ValueError: models that are not Models, teacher and student inputs or outputs of
            different shapes or dtypes, no distillation loss, weights that do not match the
            losses, or student_loss_weight outside [0, 1].

    >>> distiller = Distiller(teacher, student, LogitsDistillation(temperature=3.0))
    >>> distiller.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    >>> distiller.fit(x, y, epochs=5)
    """

    def __init__(self, teacher, student, distillation_losses, distillation_loss_weights=None,
                 student_loss_weight: float = 0.5, name: str = "distiller", **kwargs):
        super().__init__(name=name, **kwargs)
        for who, model in (("teacher", teacher), ("student", student)):
            if not isinstance(model, Model):
                raise ValueError(f"Distiller: {who} must be a keras.Model, received "
                                 f"{type(model).__name__}")
        _check_alike(teacher.inputs, student.inputs, "input")
        _check_alike(teacher.outputs, student.outputs, "output")
        self.teacher = teacher
        self.student = student
        if isinstance(student_loss_weight, bool) or not isinstance(student_loss_weight,
                                                                   (int, float)):
            raise ValueError(f"Distiller: student_loss_weight must be a number, received "
                             f"{type(student_loss_weight).__name__}")
        if not 0.0 <= student_loss_weight <= 1.0:
            raise ValueError(f"Distiller: student_loss_weight must be between 0 and 1, "
                             f"received {student_loss_weight}")
        self.student_loss_weight = student_loss_weight
        if distillation_losses is None:
            raise ValueError("Distiller: distillation_losses cannot be None; pass a "
                             "LogitsDistillation, a FeatureDistillation or a list of them")
        if not isinstance(distillation_losses, (list, tuple)):
            distillation_losses, distillation_loss_weights = [distillation_losses], [1.0]
        if distillation_loss_weights is None:
            distillation_loss_weights = [1.0] * len(distillation_losses)
        if len(distillation_loss_weights) != len(distillation_losses):
            raise ValueError(f"Distiller: {len(distillation_loss_weights)} "
                             f"distillation_loss_weights for {len(distillation_losses)} "
                             "distillation_losses; give one weight per loss")
        for loss in distillation_losses:
            if not isinstance(loss, DistillationLoss):
                raise ValueError(f"Distiller: each distillation loss must be a "
                                 f"DistillationLoss, received {type(loss).__name__}")
            loss.validate_model_compatibility(teacher, student)
        self.distillation_losses = list(distillation_losses)
        self.distillation_loss_weights = list(distillation_loss_weights)
        self._teacher_feature_extractor = _feature_extractor(
            teacher, [getattr(d, "teacher_layer_name", None) for d in self.distillation_losses])
        self._student_feature_extractor = _feature_extractor(
            student, [getattr(d, "student_layer_name", None) for d in self.distillation_losses])
        self._output_names = student.output_names
        self.teacher.trainable = False
        self.student_loss_tracker = metrics_module.Mean(name="student_loss")
        self.distillation_loss_tracker = metrics_module.Mean(name="distillation_loss")
        self.total_loss_tracker = metrics_module.Mean(name="total_loss")

    # -- training ------------------------------------------------------------------------
    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """Configure training; `loss` is the student's supervised loss (required).

        Raises:
            ValueError: no loss, or metrics that are not a list or tuple.
        """
        if loss is None:
            raise ValueError("Distiller.compile: pass the student's loss, e.g. "
                             "loss='sparse_categorical_crossentropy'")
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ValueError(f"Distiller.compile: metrics must be a list or tuple, received "
                             f"{type(metrics).__name__}")
        student_loss = tree.map_structure(_loss_function, loss)
        super().compile(optimizer=optimizer, loss=None, metrics=metrics, **kwargs)
        self._student_loss = student_loss
        self._compile_config["loss"] = loss

    @property
    def metrics(self) -> list:
        """The loss tracker, the compiled metrics, then student, distillation and total loss."""
        base = super().metrics
        if not self.compiled:
            return base
        return base + [self.student_loss_tracker, self.distillation_loss_tracker,
                       self.total_loss_tracker]

    def call(self, inputs, training=None, **kwargs):
        """The student's prediction."""
        return self.student(inputs, training=training, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The weighted sum of the student's loss and the distillation losses; also updates
        the student_loss, distillation_loss and total_loss trackers. `sample_weight` is not
        used (as in Keras)."""
        if y_pred is None:
            y_pred = self(x, training=training)
        student_loss = ops.convert_to_tensor(0.0)
        if self.student_loss_weight > 0.0 and y is not None:
            parts = tree.flatten(tree.map_structure(lambda fn, t, p: fn(t, p),
                                                    self._student_loss, y, y_pred))
            student_loss = parts[0] if len(parts) == 1 else ops.sum(ops.stack(parts))
            if len(student_loss.shape) > 0:
                student_loss = ops.mean(student_loss)
        distillation_loss = ops.convert_to_tensor(0.0)
        if self.student_loss_weight < 1.0:
            with no_grad():
                teacher = self._features(self.teacher, self._teacher_feature_extractor, x,
                                         False, None)
            student = self._features(self.student, self._student_feature_extractor, x,
                                     True, y_pred)
            for loss, weight in zip(self.distillation_losses, self.distillation_loss_weights):
                t = teacher[getattr(loss, "teacher_layer_name", None) or FINAL]
                s = student[getattr(loss, "student_layer_name", None) or FINAL] \
                    if getattr(loss, "teacher_layer_name", None) is not None else y_pred
                loss.validate_outputs(t, s)
                value = loss.compute_loss(t, s)
                if len(getattr(value, "shape", ())) > 0:
                    raise ValueError(f"Distiller: {type(loss).__name__}.compute_loss returned "
                                     f"shape {tuple(value.shape)}; it must return a scalar")
                distillation_loss = distillation_loss + weight * value
        w = self.student_loss_weight
        total = w * student_loss + (1.0 - w) * distillation_loss
        for tracker, value in ((self.student_loss_tracker, student_loss),
                               (self.distillation_loss_tracker, distillation_loss),
                               (self.total_loss_tracker, total)):
            tracker.update_state(value.data if isinstance(value, Tensor) else value)
        return total

    @staticmethod
    def _features(model, extractor, x, training, y_pred) -> dict:
        if extractor is not None:
            return extractor(x, training=training)
        return {FINAL: y_pred if y_pred is not None else model(x, training=training)}

    # -- configuration -------------------------------------------------------------------
    def get_config(self) -> dict:
        from numen.saving import serialize_layer

        config = super().get_config()
        config.update({
            "teacher": serialize_layer(self.teacher),
            "student": serialize_layer(self.student),
            "distillation_losses": [{"class_name": type(d).__name__, "config": d.get_config()}
                                    for d in self.distillation_losses],
            "distillation_loss_weights": self.distillation_loss_weights,
            "student_loss_weight": self.student_loss_weight,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from numen import distillation
        from numen.saving import deserialize_layer

        config = dict(config)
        config["teacher"] = deserialize_layer(config["teacher"], custom_objects)
        config["student"] = deserialize_layer(config["student"], custom_objects)
        known = {**{n: getattr(distillation, n) for n in distillation.__all__},
                 **(custom_objects or {})}
        losses = []
        for spec in config["distillation_losses"]:
            if spec["class_name"] not in known:
                raise ValueError(f"Distiller.from_config: unknown distillation loss "
                                 f"{spec['class_name']!r}; pass it in custom_objects")
            losses.append(known[spec["class_name"]].from_config(spec["config"]))
        config["distillation_losses"] = losses
        return cls(**config)


def _check_alike(teacher, student, what: str) -> None:
    """Teacher and student symbolic inputs (or outputs) must agree in shape and dtype."""
    if teacher is None or student is None:
        return
    if len(teacher) != len(student):
        raise ValueError(f"Distiller: the teacher has {len(teacher)} {what}s and the student "
                         f"{len(student)}")
    for t, s in zip(teacher, student):
        t_shape, s_shape = tuple(t.shape), tuple(s.shape)
        if len(t_shape) != len(s_shape) or any(
                a is not None and b is not None and a != b for a, b in zip(t_shape, s_shape)):
            raise ValueError(f"Distiller: teacher and student {what} shapes differ: teacher "
                             f"{t_shape}, student {s_shape}")
        if str(t.dtype) != str(s.dtype):
            raise ValueError(f"Distiller: teacher and student {what} dtypes differ: teacher "
                             f"{t.dtype}, student {s.dtype}")


def _feature_extractor(model, layer_names: list):
    """A Functional model giving {'final_output': ..., name: layer output} for the named
    layers of `model`, or None when no layer is named (the model's own output is enough)."""
    names = list(dict.fromkeys(n for n in layer_names if n))
    if not names:
        return None
    if getattr(model, "inputs", None) is None:
        raise ValueError(f"Distiller: cannot read inner layers of the model {model.name!r}: "
                         "it has no symbolic inputs (a subclassed model)")
    final = model.layers[-1].output if isinstance(model, Sequential) else model.output
    outputs = {FINAL: final, **{n: model.get_layer(name=n).output for n in names}}
    return Model(inputs=model.inputs, outputs=outputs,
                 name=f"{model.name}_multi_feature_extractor")
