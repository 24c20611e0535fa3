"""keras.io example "Knowledge Distillation", step by step: a Distiller model subclass with its
own compile() arguments and a compute_loss() override mixing the student's loss with the
KL divergence between softened teacher and student predictions, a teacher and a student
convnet, and a student clone trained from scratch for comparison. MNIST-shaped synthetic digits
(a bar at a height per class) and smaller networks in place of the download."""

import numpy as np

from numen import keras
from numen.keras import layers, ops


class Distiller(keras.Model):
    def __init__(self, student, teacher):
        super().__init__()
        self.teacher = teacher
        self.student = student

    def compile(self, optimizer, metrics, student_loss_fn, distillation_loss_fn, alpha=0.1,
                temperature=3):
        """The optimizer and metrics as usual, plus the two losses, their mix `alpha` and
        the `temperature` that softens both predictions."""
        super().compile(optimizer=optimizer, metrics=metrics)
        self.student_loss_fn = student_loss_fn
        self.distillation_loss_fn = distillation_loss_fn
        self.alpha = alpha
        self.temperature = temperature

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, allow_empty=False):
        teacher_pred = self.teacher(x, training=False)
        student_loss = self.student_loss_fn(y, y_pred)
        distillation_loss = self.distillation_loss_fn(
            ops.softmax(teacher_pred / self.temperature, axis=1),
            ops.softmax(y_pred / self.temperature, axis=1),
        ) * (self.temperature ** 2)
        return self.alpha * student_loss + (1 - self.alpha) * distillation_loss

    def call(self, x):
        return self.student(x)


teacher = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
        layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
        layers.Flatten(),
        layers.Dense(10),
    ],
    name="teacher",
)
student = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(4, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
        layers.Conv2D(8, (3, 3), strides=(2, 2), padding="same"),
        layers.Flatten(),
        layers.Dense(10),
    ],
    name="student",
)
# A copy of the student, trained alone for comparison.
student_scratch = keras.models.clone_model(student)
assert student_scratch.count_params() == student.count_params()
assert student_scratch.layers[0].kernel is not student.layers[0].kernel


def make_digits(count, rng):
    labels = rng.integers(0, 10, count)
    images = np.zeros((count, 28, 28), "float32")
    for i, label in enumerate(labels):
        start = rng.integers(2, 10)
        images[i, 4 + 2 * label: 6 + 2 * label, start: start + rng.integers(10, 17)] = 1.0
    images = np.clip(images + rng.normal(0, 0.1, images.shape), 0, 1)
    return images.astype("float32"), labels.astype("uint8")


keras.utils.set_random_seed(1)
rng = np.random.default_rng(1)
(x_train, y_train), (x_test, y_test) = make_digits(512, rng), make_digits(128, rng)
x_train = np.reshape(x_train, (-1, 28, 28, 1))
x_test = np.reshape(x_test, (-1, 28, 28, 1))

# The teacher, trained as usual.
teacher.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)
teacher.fit(x_train, y_train, epochs=3, verbose=2)
_, teacher_accuracy = teacher.evaluate(x_test, y_test, verbose=0)
print("teacher accuracy:", teacher_accuracy)
assert teacher_accuracy > 0.8, teacher_accuracy

# The student, distilled from the teacher.
distiller = Distiller(student=student, teacher=teacher)
distiller.compile(
    optimizer=keras.optimizers.Adam(),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
    student_loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    distillation_loss_fn=keras.losses.KLDivergence(),
    alpha=0.1,
    temperature=10,
)
teacher_weights = [w.copy() for w in teacher.get_weights()]
history = distiller.fit(x_train, y_train, epochs=3, verbose=2)
assert history.history["loss"][-1] < history.history["loss"][0]
# As written, the example trains the teacher too (as Keras does): its weights are among the
# distiller's and the distillation loss reaches them through teacher_pred.
assert len(distiller.trainable_weights) == len(teacher.weights) + len(student.weights)
assert any(not np.array_equal(a, b) for a, b in zip(teacher_weights, teacher.get_weights()))
_, distilled_accuracy = distiller.evaluate(x_test, y_test, verbose=0)
print("distilled student accuracy:", distilled_accuracy)

# The student alone, from scratch.
student_scratch.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)
student_scratch.fit(x_train, y_train, epochs=3, verbose=2)
_, scratch_accuracy = student_scratch.evaluate(x_test, y_test, verbose=0)
print("student from scratch accuracy:", scratch_accuracy)
assert distilled_accuracy > 0.5 and scratch_accuracy > 0.2, (distilled_accuracy,
                                                              scratch_accuracy)
print("knowledge_distillation OK")
