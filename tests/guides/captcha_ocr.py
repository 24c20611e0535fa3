"""keras.io example "OCR model for reading Captchas", step by step: characters mapped to
integers with StringLookup(mask_token=None) and back with invert=True, images scaled and
transposed so that the width is the time axis, a two-input model ("image" and "label" Inputs,
the label only feeding the loss) of Conv2D/MaxPooling2D, a Reshape to a sequence, two
Bidirectional LSTMs with dropout and a softmax head, an endpoint layer that adds a CTC loss
(keras.ops.ctc_loss) with add_loss and returns the predictions, compile() without a loss, fit
on a dict of inputs with EarlyStopping(restore_best_weights=True), and a prediction model cut
from model.input[0] to the "dense2" layer whose output keras.ops.ctc_decode turns back into
text. Synthetic captchas (each character a fixed random glyph, placed with a little jitter)
stand in for the download; small images, a short alphabet and narrow layers keep it to
seconds."""

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(11)
rng = np.random.default_rng(11)

characters = sorted(set("3d7mx"))
max_length = 4  # every captcha has this many characters
img_width, img_height = 48, 12
batch_size = 16

glyphs = {c: (rng.random((8, 8)) > 0.5).astype("float32") for c in characters}


def make_captchas(count):
    """(images (count, height, width, 1) uint8, labels: strings of max_length characters)."""
    images = np.zeros((count, img_height, img_width, 1), "float32")
    labels = []
    for i in range(count):
        text = "".join(rng.choice(characters, max_length))
        for j, char in enumerate(text):
            dy, dx = rng.integers(0, 3, 2)
            col = 2 + 11 * j + dx
            images[i, 1 + dy: 9 + dy, col: col + 8, 0] = glyphs[char]
        labels.append(text)
    images = images * 200 + rng.uniform(0, 55, images.shape)
    return images.astype("uint8"), labels


images, labels = make_captchas(160)
print("Number of images found: ", len(images))
print("Number of unique characters: ", len(characters))
print("Characters present: ", characters)

# Mapping characters to integers
char_to_num = layers.StringLookup(vocabulary=list(characters), mask_token=None)
# Mapping integers back to original characters
num_to_char = layers.StringLookup(
    vocabulary=char_to_num.get_vocabulary(), mask_token=None, invert=True
)
assert char_to_num.get_vocabulary() == ["[UNK]"] + characters
assert num_to_char.get_vocabulary() == char_to_num.get_vocabulary()


def split_data(images, labels, train_size=0.9, shuffle=True):
    size = len(images)
    indices = np.arange(size)
    if shuffle:
        np.random.shuffle(indices)
    train_samples = int(size * train_size)
    x_train, y_train = images[indices[:train_samples]], labels[indices[:train_samples]]
    x_valid, y_valid = images[indices[train_samples:]], labels[indices[train_samples:]]
    return x_train, x_valid, y_train, y_valid


def encode_single_sample(img, label):
    # Convert to float32 in [0, 1] range
    img = ops.cast(img, "float32") / 255.0
    # Transpose the image because we want the time dimension to correspond to the width
    img = ops.transpose(img, axes=[1, 0, 2])
    # Map the characters in label to numbers
    label = char_to_num(list(label))
    return {"image": img, "label": label}


def to_text(chars):
    """Joins a lookup's characters (str, or bytes as TensorFlow gives them) into a string."""
    chars = ops.convert_to_numpy(chars).tolist()
    return "".join(c.decode("utf-8") if isinstance(c, bytes) else c for c in chars)


x_train, x_valid, y_train, y_valid = split_data(images, np.array(labels))


def encode(images, labels):
    samples = [encode_single_sample(img, label) for img, label in zip(images, labels)]
    return {key: np.stack([ops.convert_to_numpy(s[key]) for s in samples])
            for key in ("image", "label")}


train_data = encode(x_train, y_train)
validation_data = encode(x_valid, y_valid)
assert train_data["image"].shape == (144, img_width, img_height, 1)
assert train_data["label"].shape == (144, max_length)
assert to_text(num_to_char(train_data["label"][0])) == y_train[0]


class CTCLayer(layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = ops.ctc_loss

    def call(self, y_true, y_pred):
        # Compute the training-time loss value and add it to the layer using `self.add_loss()`.
        batch_len = ops.shape(y_true)[0]
        input_length = ops.shape(y_pred)[1] * ops.ones((batch_len,), dtype="int32")
        label_length = ops.shape(y_true)[1] * ops.ones((batch_len,), dtype="int32")
        # The predictions are softmax probabilities: their log is what the loss expects.
        log_probs = ops.log(y_pred + keras.backend.epsilon())
        loss = self.loss_fn(ops.cast(y_true, "int32"), log_probs, label_length, input_length,
                            mask_index=blank_index)
        self.add_loss(ops.mean(loss))
        # At test time, just return the computed predictions
        return y_pred


# The CTC blank is the class after the last character.
blank_index = len(char_to_num.get_vocabulary())


def build_model():
    input_img = layers.Input(shape=(img_width, img_height, 1), name="image", dtype="float32")
    labels = layers.Input(name="label", shape=(None,), dtype="float32")

    x = layers.Conv2D(8, (3, 3), activation="relu", kernel_initializer="he_normal",
                      padding="same", name="Conv1")(input_img)
    x = layers.MaxPooling2D((2, 2), name="pool1")(x)
    x = layers.Conv2D(16, (3, 3), activation="relu", kernel_initializer="he_normal",
                      padding="same", name="Conv2")(x)
    x = layers.MaxPooling2D((2, 2), name="pool2")(x)

    # Two max pools with pool size and strides 2: feature maps 4x smaller, then one time step
    # per remaining column.
    new_shape = ((img_width // 4), (img_height // 4) * 16)
    x = layers.Reshape(target_shape=new_shape, name="reshape")(x)
    x = layers.Dense(32, activation="relu", name="dense1")(x)
    x = layers.Dropout(0.2)(x)

    x = layers.Bidirectional(layers.LSTM(16, return_sequences=True, dropout=0.25))(x)
    x = layers.Bidirectional(layers.LSTM(16, return_sequences=True, dropout=0.25))(x)

    # +1 for the CTC blank
    x = layers.Dense(len(char_to_num.get_vocabulary()) + 1, activation="softmax",
                     name="dense2")(x)
    output = CTCLayer(name="ctc_loss")(labels, x)

    model = keras.models.Model(inputs=[input_img, labels], outputs=output, name="ocr_model_v1")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01))
    return model


model = build_model()
model.summary()
assert model.output_shape == (None, img_width // 4, len(characters) + 2)

early_stopping = keras.callbacks.EarlyStopping(
    monitor="val_loss", patience=10, restore_best_weights=True
)
history = model.fit(
    train_data, validation_data=(validation_data,), epochs=30, batch_size=batch_size,
    callbacks=[early_stopping], verbose=2,
)
losses = history.history["loss"]
assert all(np.isfinite(losses)) and losses[-1] < losses[0]

# The prediction model: the image input up to the softmax, without the CTC endpoint.
prediction_model = keras.models.Model(model.input[0], model.get_layer(name="dense2").output)
prediction_model.summary()
assert len(prediction_model.inputs) == 1


def decode_batch_predictions(pred):
    input_len = np.ones(pred.shape[0]) * pred.shape[1]
    # Use greedy search. For complex tasks, you can use beam search
    decoded, _ = ops.ctc_decode(pred, sequence_lengths=input_len, strategy="greedy",
                                mask_index=blank_index)
    results = ops.convert_to_numpy(decoded)[0][:, :max_length]
    output_text = []
    for res in results:
        output_text.append(to_text(num_to_char(res[res >= 0])))
    return output_text


preds = prediction_model.predict(validation_data["image"], verbose=0)
pred_texts = decode_batch_predictions(preds)
assert len(pred_texts) == len(y_valid)
assert all(set(text) <= set(characters) | {"[UNK]"} for text in pred_texts)
for text, truth in list(zip(pred_texts, y_valid))[:4]:
    print(f"Prediction: {text} - truth: {truth}")
# The glyphs are easy to tell apart: most validation captchas read back exactly (a doubled
# character needs a blank between its two time steps, which takes longer to learn).
assert np.mean([text == truth for text, truth in zip(pred_texts, y_valid)]) >= 0.5

print("captcha_ocr OK")
