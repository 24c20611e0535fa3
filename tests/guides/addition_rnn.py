"""keras.io example "Sequence to sequence learning for performing number addition", step by
step: questions like "12+7" and their answers as one-hot characters, an LSTM encoder, a
RepeatVector, an LSTM decoder returning sequences and a softmax over the characters. Two-digit
numbers and 2,000 questions in place of three digits and 50,000, so it learns in
seconds."""

import numpy as np

from numen import keras
from numen.keras import layers


class CharacterTable:
    """One-hot encodes strings over a fixed alphabet, and decodes probabilities back."""

    def __init__(self, chars):
        self.chars = sorted(set(chars))
        self.char_indices = {c: i for i, c in enumerate(self.chars)}
        self.indices_char = dict(enumerate(self.chars))

    def encode(self, text, num_rows):
        table = np.zeros((num_rows, len(self.chars)))
        for row, c in enumerate(text):
            table[row, self.char_indices[c]] = 1
        return table

    def decode(self, rows, calc_argmax=True):
        if calc_argmax:
            rows = rows.argmax(axis=-1)
        return "".join(self.indices_char[i] for i in rows)


TRAINING_SIZE = 2000
DIGITS = 2
REVERSE = True
MAXLEN = DIGITS + 1 + DIGITS  # "12+34" is the longest question

chars = "0123456789+ "
ctable = CharacterTable(chars)

rng = np.random.default_rng(0)
questions, expected, seen = [], [], set()
print("Generating data...")
while len(questions) < TRAINING_SIZE:
    a, b = (int("".join(rng.choice(list("0123456789"), rng.integers(1, DIGITS + 1))))
            for _ in range(2))
    key = tuple(sorted((a, b)))  # a+b and b+a are the same question
    if key in seen:
        continue
    seen.add(key)
    q = f"{a}+{b}"
    query = q + " " * (MAXLEN - len(q))
    ans = str(a + b)
    ans += " " * (DIGITS + 1 - len(ans))
    if REVERSE:  # the example feeds questions backwards: "12+34  " becomes "  43+21"
        query = query[::-1]
    questions.append(query)
    expected.append(ans)
print("Total questions:", len(questions))

print("Vectorization...")
x = np.zeros((len(questions), MAXLEN, len(chars)), dtype=bool)
y = np.zeros((len(questions), DIGITS + 1, len(chars)), dtype=bool)
for i, sentence in enumerate(questions):
    x[i] = ctable.encode(sentence, MAXLEN)
for i, sentence in enumerate(expected):
    y[i] = ctable.encode(sentence, DIGITS + 1)

indices = np.arange(len(y))
rng.shuffle(indices)
x, y = x[indices], y[indices]
split_at = len(x) - len(x) // 10
(x_train, x_val), (y_train, y_val) = (x[:split_at], x[split_at:]), (y[:split_at], y[split_at:])
print("Training Data:", x_train.shape, y_train.shape)
print("Validation Data:", x_val.shape, y_val.shape)
assert x_train.shape == (1800, MAXLEN, 12) and y_val.shape == (200, DIGITS + 1, 12)

print("Build model...")
num_layers = 1  # the decoder could stack more LSTMs
model = keras.Sequential()
model.add(layers.Input((MAXLEN, len(chars))))
model.add(layers.LSTM(64))
model.add(layers.RepeatVector(DIGITS + 1))
for _ in range(num_layers):
    model.add(layers.LSTM(64, return_sequences=True))
model.add(layers.Dense(len(chars), activation="softmax"))
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.summary()
assert model.output_shape == (None, DIGITS + 1, len(chars))
_, untrained_accuracy = model.evaluate(x_val, y_val, verbose=0)

epochs = 6
batch_size = 32
for epoch in range(1, epochs):
    print("Iteration", epoch)
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=1,
                        validation_data=(x_val, y_val), verbose=2)
    for _ in range(3):  # a few questions from the validation set, answered
        ind = rng.integers(0, len(x_val))
        rowx, rowy = x_val[np.array([ind])], y_val[np.array([ind])]
        preds = np.argmax(model.predict(rowx, verbose=0), axis=-1)
        q = ctable.decode(rowx[0])
        correct = ctable.decode(rowy[0])
        guess = ctable.decode(preds[0], calc_argmax=False)
        print("Q", q[::-1] if REVERSE else q, end=" ")
        print("T", correct, end=" ")
        print("☑ " + guess if correct == guess else "☒ " + guess)

# Twelve characters make chance 1/12 per position; a few epochs learn the answers' layout (the
# leading "1" of sums over 99, the trailing blanks) and some of the digits.
val_accuracy = history.history["val_accuracy"][-1]
print("val_accuracy", untrained_accuracy, "->", val_accuracy)
assert val_accuracy > max(0.35, untrained_accuracy + 0.2), (untrained_accuracy, val_accuracy)
preds = model.predict(x_val, verbose=0)
assert preds.shape == (200, DIGITS + 1, 12)
np.testing.assert_allclose(preds.sum(-1), 1.0, rtol=1e-5)
print("addition_rnn OK")
