"""keras.io example "Character-level text generation with LSTM", step by step: windows of
one-hot characters, an LSTM predicting the next character, and sampling with a temperature.
The text is made up here from a tiny grammar (in place of the Nietzsche download), so a short
training already spells its words."""

import random

import numpy as np

from numen import keras
from numen.keras import layers

random.seed(0)
np.random.seed(0)
subjects = ["the cat", "a dog", "the old bird", "my friend"]
verbs = ["sees", "likes", "chases", "finds"]
objects = ["the ball", "a tree", "the sun", "some water"]
text = " ".join(
    f"{random.choice(subjects)} {random.choice(verbs)} {random.choice(objects)}."
    for _ in range(200))
vocabulary = {w for phrase in subjects + verbs + objects for w in phrase.split()}
print("Corpus length:", len(text))

chars = sorted(list(set(text)))
print("Total chars:", len(chars))
char_indices = dict((c, i) for i, c in enumerate(chars))
indices_char = dict((i, c) for i, c in enumerate(chars))

# Cut the text into semi-redundant sequences of maxlen characters, each with the next one.
maxlen = 20
step = 3
sentences = []
next_chars = []
for i in range(0, len(text) - maxlen, step):
    sentences.append(text[i: i + maxlen])
    next_chars.append(text[i + maxlen])
print("Number of sequences:", len(sentences))

x = np.zeros((len(sentences), maxlen, len(chars)), dtype="bool")
y = np.zeros((len(sentences), len(chars)), dtype="bool")
for i, sentence in enumerate(sentences):
    for t, char in enumerate(sentence):
        x[i, t, char_indices[char]] = 1
    y[i, char_indices[next_chars[i]]] = 1

model = keras.Sequential(
    [
        keras.Input(shape=(maxlen, len(chars))),
        layers.LSTM(64),
        layers.Dense(len(chars), activation="softmax"),
    ]
)
optimizer = keras.optimizers.RMSprop(learning_rate=0.01)
model.compile(loss="categorical_crossentropy", optimizer=optimizer)
assert model.output_shape == (None, len(chars))


def sample(preds, temperature=1.0):
    """One index drawn from the probabilities `preds` sharpened (or flattened) by temperature."""
    preds = np.asarray(preds).astype("float64")
    preds = np.log(preds) / temperature
    exp_preds = np.exp(preds)
    preds = exp_preds / np.sum(exp_preds)
    probas = np.random.multinomial(1, preds, 1)
    return np.argmax(probas)


def generate(seed_text, diversity, length):
    sentence, generated = seed_text, ""
    for _ in range(length):
        x_pred = np.zeros((1, maxlen, len(chars)))
        for t, char in enumerate(sentence):
            x_pred[0, t, char_indices[char]] = 1.0
        preds = model.predict(x_pred, verbose=0)[0]
        next_char = indices_char[sample(preds, diversity)]
        sentence = sentence[1:] + next_char
        generated += next_char
    return generated


epochs = 8
batch_size = 128
losses = []
for epoch in range(epochs):
    history = model.fit(x, y, batch_size=batch_size, epochs=1, verbose=2)
    losses += history.history["loss"]
    if epoch % 4 == 3:
        print()
        print(f"Generating text after epoch: {epoch}")
        start_index = random.randint(0, len(text) - maxlen - 1)
        for diversity in [0.2, 0.5, 1.0, 1.2]:
            print("...Diversity:", diversity)
            seed_text = text[start_index: start_index + maxlen]
            print('...Generating with seed: "' + seed_text + '"')
            print("...Generated: ", generate(seed_text, diversity, 30))
            print()

# Chance would be ln(len(chars)) nats per character; the grammar is far more predictable.
print("loss per epoch", [round(v, 3) for v in losses])
assert losses[-1] < 0.5 * np.log(len(chars)), losses
# Cold sampling spells the grammar's words.
cold = generate(text[:maxlen], 0.2, 60)
words = [w.strip(".") for w in cold.split()[1:-1]]
print("cold sample:", cold)
assert words and sum(w in vocabulary for w in words) >= 0.7 * len(words), cold
print("lstm_text_generation OK")
