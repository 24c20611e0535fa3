"""keras.io example "Point cloud classification with PointNet", step by step: point clouds
jittered and shuffled as augmentation, Conv1D(kernel_size=1)/BatchNormalization(momentum=0.0)
blocks, a T-net whose Dense layer starts at the identity (kernel_initializer="zeros", a Constant
bias_initializer built from np.eye) and carries a custom keras.regularizers.Regularizer subclass
as its activity_regularizer, the predicted transform applied with layers.Dot(axes=(2, 1)),
GlobalMaxPooling1D, and training with sparse_categorical_crossentropy. Synthetic clouds (points
on a sphere, a cube's surface or a flat disc) stand in for ModelNet10's sampled meshes; 64 points
in place of 2048 and narrower layers keep it to seconds."""

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(1234)

NUM_POINTS = 64
NUM_CLASSES = 3
BATCH_SIZE = 8
CLASS_MAP = {0: "sphere", 1: "cube", 2: "disc"}

rng = np.random.default_rng(0)


def sample_points(kind):
    p = rng.normal(size=(NUM_POINTS, 3))
    if kind == 0:
        return p / np.linalg.norm(p, axis=1, keepdims=True)
    if kind == 1:
        p = rng.uniform(-1, 1, (NUM_POINTS, 3))
        face = rng.integers(0, 3, NUM_POINTS)
        p[np.arange(NUM_POINTS), face] = np.sign(p[np.arange(NUM_POINTS), face])
        return p
    p[:, 2] = 0.0
    return p / np.linalg.norm(p, axis=1, keepdims=True).max()


def parse_dataset(num_per_class):
    points, labels = [], []
    for i in range(NUM_CLASSES):
        for _ in range(num_per_class):
            points.append(sample_points(i))
            labels.append(i)
    return np.array(points, "float32"), np.array(labels)


train_points, train_labels = parse_dataset(16)
test_points, test_labels = parse_dataset(4)


def augment(points, label):
    # jitter points
    points = points + rng.uniform(-0.005, 0.005, points.shape).astype("float32")
    # shuffle points
    points = points[:, rng.permutation(NUM_POINTS)]
    return points, label


train_points, train_labels = augment(train_points, train_labels)


def conv_bn(x, filters):
    x = layers.Conv1D(filters, kernel_size=1, padding="valid")(x)
    x = layers.BatchNormalization(momentum=0.0)(x)
    return layers.Activation("relu")(x)


def dense_bn(x, filters):
    x = layers.Dense(filters)(x)
    x = layers.BatchNormalization(momentum=0.0)(x)
    return layers.Activation("relu")(x)


class OrthogonalRegularizer(keras.regularizers.Regularizer):
    """Pushes the predicted feature transform towards an orthogonal matrix."""

    def __init__(self, num_features, l2reg=0.001):
        self.num_features = num_features
        self.l2reg = l2reg
        self.eye = ops.eye(num_features)

    def __call__(self, x):
        x = ops.reshape(x, (-1, self.num_features, self.num_features))
        xxt = ops.tensordot(x, x, axes=(2, 2))
        xxt = ops.reshape(xxt, (-1, self.num_features, self.num_features))
        return ops.sum(self.l2reg * ops.square(xxt - self.eye))

    def get_config(self):
        return {"num_features": self.num_features, "l2reg": self.l2reg}


# The regularizer on its own: zero for an orthogonal transform, positive otherwise.
reg = OrthogonalRegularizer(3)
assert float(reg(np.eye(3, dtype="float32").reshape(1, 9))) == 0.0
skew = np.array([[1.0, 0.5, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]], "float32")
np.testing.assert_allclose(float(reg(skew)), 0.001 * (0.25 ** 2 + 2 * 0.5 ** 2), rtol=1e-5)
assert OrthogonalRegularizer.from_config(reg.get_config()).l2reg == 0.001


def tnet(inputs, num_features):
    # Initialise bias as the identity matrix
    bias = keras.initializers.Constant(np.eye(num_features).flatten())
    reg = OrthogonalRegularizer(num_features)

    x = conv_bn(inputs, 16)
    x = conv_bn(x, 32)
    x = conv_bn(x, 64)
    x = layers.GlobalMaxPooling1D()(x)
    x = dense_bn(x, 32)
    x = dense_bn(x, 16)
    x = layers.Dense(
        num_features * num_features,
        kernel_initializer="zeros",
        bias_initializer=bias,
        activity_regularizer=reg,
    )(x)
    feat_T = layers.Reshape((num_features, num_features))(x)
    # Apply affine transformation to input features
    return layers.Dot(axes=(2, 1))([inputs, feat_T])


inputs = keras.Input(shape=(NUM_POINTS, 3))

x = tnet(inputs, 3)
x = conv_bn(x, 16)
x = conv_bn(x, 16)
x = tnet(x, 16)
x = conv_bn(x, 16)
x = conv_bn(x, 32)
x = conv_bn(x, 64)
x = layers.GlobalMaxPooling1D()(x)
x = dense_bn(x, 32)
x = layers.Dropout(0.3)(x)
x = dense_bn(x, 16)
x = layers.Dropout(0.3)(x)

outputs = layers.Dense(NUM_CLASSES, activation="softmax")(x)

model = keras.Model(inputs=inputs, outputs=outputs, name="pointnet")
model.summary()

# At initialisation each T-net is the identity, so the first Dot returns the points unchanged.
first_dot = [layer for layer in model.layers if isinstance(layer, layers.Dot)][0]
probe = keras.Model(inputs, first_dot.output)
np.testing.assert_allclose(probe.predict(test_points, verbose=0), test_points, atol=1e-6)
# ... and its activity regularizer adds a loss (zero for the identity) on each call.
model(test_points[:2])
assert len(model.losses) == 2

model.compile(
    loss="sparse_categorical_crossentropy",
    optimizer=keras.optimizers.Adam(learning_rate=0.001),
    metrics=["sparse_categorical_accuracy"],
)

history = model.fit(
    train_points, train_labels, batch_size=BATCH_SIZE, epochs=3, shuffle=True,
    validation_data=(test_points, test_labels), verbose=2,
)
assert set(history.history) == {"loss", "sparse_categorical_accuracy", "val_loss",
                                "val_sparse_categorical_accuracy"}
assert all(np.isfinite(history.history["loss"]))

# Visualize predictions (here: the predicted class names of a few test clouds).
points, labels = test_points[:8], test_labels[:8]
preds = model.predict(points, verbose=0)
preds = ops.argmax(preds, -1)
names = [CLASS_MAP[int(p)] for p in ops.convert_to_numpy(preds)]
assert len(names) == 8 and set(names) <= set(CLASS_MAP.values())

print("pointnet OK")
