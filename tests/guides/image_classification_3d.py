"""keras.io example "3D image classification from CT scans", step by step: volumes clipped to a
Hounsfield window and scaled to [0, 1], resized with scipy.ndimage.zoom and rotated as
augmentation with scipy.ndimage.rotate, batches from a keras.utils.PyDataset (the example's
tf.data pipeline, written backend-agnostically), a 3D CNN of Conv3D/MaxPool3D/
BatchNormalization blocks with GlobalAveragePooling3D and a sigmoid head, Adam on an
ExponentialDecay(staircase=True) schedule, metrics=["acc"], a save_best_only ModelCheckpoint to
a .keras file, EarlyStopping on "val_acc", load_weights from that .keras file, and a
prediction read as two class scores. Synthetic scans (abnormal ones carry a dense blob) stand
in for MosMedData; 12x12x8 volumes and narrow layers keep it to seconds."""

import numpy as np
from scipy import ndimage

from numen import keras
from numen.keras import layers

keras.utils.set_random_seed(5)
rng = np.random.default_rng(5)

WIDTH, HEIGHT, DEPTH = 12, 12, 8


def read_scan(abnormal):
    """A raw 'scan' in Hounsfield units, 20x20x10 (not the model's size: it gets resized)."""
    scan = rng.normal(-600, 150, (20, 20, 10))
    if abnormal:
        cy, cx, cz = rng.integers(5, 15, 2).tolist() + [int(rng.integers(3, 7))]
        zz, yy, xx = np.meshgrid(np.arange(20), np.arange(20), np.arange(10), indexing="ij")
        blob = (zz - cy) ** 2 + (yy - cx) ** 2 + 4 * (xx - cz) ** 2 < 16
        scan[blob] = rng.normal(200, 50, blob.sum())
    return scan


def normalize(volume):
    """Normalize the volume"""
    min = -1000
    max = 400
    volume[volume < min] = min
    volume[volume > max] = max
    volume = (volume - min) / (max - min)
    return volume.astype("float32")


def resize_volume(img):
    """Resize across z-axis"""
    # Set the desired depth
    desired_depth, desired_width, desired_height = DEPTH, WIDTH, HEIGHT
    # Get current depth
    current_depth = img.shape[-1]
    current_width = img.shape[0]
    current_height = img.shape[1]
    # Compute depth factor
    depth_factor = 1 / (current_depth / desired_depth)
    width_factor = 1 / (current_width / desired_width)
    height_factor = 1 / (current_height / desired_height)
    # Rotate (the scans' orientation)
    img = ndimage.rotate(img, 90, reshape=False)
    # Resize across z-axis
    return ndimage.zoom(img, (width_factor, height_factor, depth_factor), order=1)


def process_scan(abnormal):
    return resize_volume(normalize(read_scan(abnormal)))


normal_scans = np.array([process_scan(False) for _ in range(24)])
abnormal_scans = np.array([process_scan(True) for _ in range(24)])
assert normal_scans.shape == (24, WIDTH, HEIGHT, DEPTH)
assert 0.0 <= normal_scans.min() and abnormal_scans.max() <= 1.0

# For the CT scans having presence of viral pneumonia assign 1, for the normal ones assign 0.
abnormal_labels = np.array([1 for _ in range(len(abnormal_scans))])
normal_labels = np.array([0 for _ in range(len(normal_scans))])

# Split data in the ratio 70-30 for training and validation.
x_train = np.concatenate((abnormal_scans[:17], normal_scans[:17]), axis=0)
y_train = np.concatenate((abnormal_labels[:17], normal_labels[:17]), axis=0)
x_val = np.concatenate((abnormal_scans[17:], normal_scans[17:]), axis=0)
y_val = np.concatenate((abnormal_labels[17:], normal_labels[17:]), axis=0)
print(f"Number of samples in train and validation are {x_train.shape[0]} and "
      f"{x_val.shape[0]}.")


def rotate(volume):
    """Rotate the volume by a few degrees"""
    angles = [-20, -10, -5, 5, 10, 20]
    angle = float(rng.choice(angles))
    volume = ndimage.rotate(volume, angle, reshape=False)
    volume[volume < 0] = 0
    volume[volume > 1] = 1
    return volume


def train_preprocessing(volume, label):
    """Process training data by rotating and adding a channel."""
    return np.expand_dims(rotate(volume), axis=3), label


def validation_preprocessing(volume, label):
    """Process validation data by only adding a channel."""
    return np.expand_dims(volume, axis=3), label


class ScanLoader(keras.utils.PyDataset):
    """Shuffled batches of (volumes, labels), each volume through `preprocess`."""

    def __init__(self, x, y, batch_size, preprocess, shuffle, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.preprocess = preprocess
        self.shuffle = shuffle
        self.order = np.arange(len(x))

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, index):
        rows = self.order[index * self.batch_size: (index + 1) * self.batch_size]
        pairs = [self.preprocess(self.x[i].copy(), self.y[i]) for i in rows]
        return (np.stack([p[0] for p in pairs]).astype("float32"),
                np.array([p[1] for p in pairs], "float32"))

    def on_epoch_end(self):
        if self.shuffle:
            rng.shuffle(self.order)


batch_size = 4
train_dataset = ScanLoader(x_train, y_train, batch_size, train_preprocessing, shuffle=True)
validation_dataset = ScanLoader(x_val, y_val, batch_size, validation_preprocessing,
                                shuffle=False)
images, labels = train_dataset[0]
assert images.shape == (batch_size, WIDTH, HEIGHT, DEPTH, 1) and labels.shape == (batch_size,)


def get_model(width=WIDTH, height=HEIGHT, depth=DEPTH):
    """Build a 3D convolutional neural network model."""

    inputs = keras.Input((width, height, depth, 1))

    x = layers.Conv3D(filters=8, kernel_size=3, activation="relu", padding="same")(inputs)
    x = layers.MaxPool3D(pool_size=2)(x)
    x = layers.BatchNormalization()(x)

    x = layers.Conv3D(filters=8, kernel_size=3, activation="relu", padding="same")(x)
    x = layers.MaxPool3D(pool_size=2)(x)
    x = layers.BatchNormalization()(x)

    x = layers.Conv3D(filters=16, kernel_size=3, activation="relu", padding="same")(x)
    x = layers.BatchNormalization()(x)

    x = layers.GlobalAveragePooling3D()(x)
    x = layers.Dense(units=32, activation="relu")(x)
    x = layers.Dropout(0.3)(x)

    outputs = layers.Dense(units=1, activation="sigmoid")(x)

    # Define the model.
    return keras.Model(inputs, outputs, name="3dcnn")


model = get_model(width=WIDTH, height=HEIGHT, depth=DEPTH)
model.summary()
assert [tuple(layer.output.shape) for layer in model.layers[1:9:3]] == [
    (None, WIDTH, HEIGHT, DEPTH, 8), (None, 6, 6, 4, 8), (None, 3, 3, 2, 16)]

initial_learning_rate = 0.003
lr_schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate, decay_steps=10, decay_rate=0.96, staircase=True
)
model.compile(
    loss="binary_crossentropy",
    optimizer=keras.optimizers.Adam(learning_rate=lr_schedule),
    metrics=["acc"],
)

# Define callbacks.
checkpoint_cb = keras.callbacks.ModelCheckpoint(
    "3d_image_classification.keras", save_best_only=True
)
early_stopping_cb = keras.callbacks.EarlyStopping(monitor="val_acc", patience=15)

epochs = 8
history = model.fit(
    train_dataset,
    validation_data=validation_dataset,
    epochs=epochs,
    shuffle=True,
    verbose=2,
    callbacks=[checkpoint_cb, early_stopping_cb],
)
assert set(history.history) == {"acc", "loss", "val_acc", "val_loss"}
assert all(np.isfinite(history.history["loss"]))
# The staircase schedule: 9 steps an epoch, the rate drops by 4% every 10 steps.
steps = int(model.optimizer.iterations)
assert steps == epochs * len(train_dataset)
np.testing.assert_allclose(float(lr_schedule(steps)), 0.003 * 0.96 ** (steps // 10),
                           rtol=1e-6)

# Load best weights (from the whole-model .keras file).
best_val_loss = min(history.history["val_loss"])
model.load_weights("3d_image_classification.keras")
val_loss, val_acc = model.evaluate(validation_dataset, verbose=0)
np.testing.assert_allclose(val_loss, best_val_loss, rtol=1e-4)
restored = keras.models.load_model("3d_image_classification.keras")
np.testing.assert_allclose(restored.predict(x_val[:4, ..., None], verbose=0),
                           model.predict(x_val[:4, ..., None], verbose=0), rtol=1e-5)

prediction = model.predict(np.expand_dims(x_val[0], axis=0), verbose=0)[0]
scores = [1 - prediction[0], prediction[0]]

class_names = ["normal", "abnormal"]
for score, name in zip(scores, class_names):
    print(f"This model is {100 * score:.2f} percent confident that CT scan is {name}")
assert abs(sum(scores) - 1) < 1e-6

print("image_classification_3d OK")
