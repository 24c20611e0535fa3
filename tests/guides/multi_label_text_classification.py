"""keras.io example "Large-scale multi-label text classification", step by step: the subject
terms of each abstract (lists of different lengths) turned into multi-hot targets by a
StringLookup(output_mode="multi_hot") adapted on those lists, and turned back into terms from
the vocabulary; the abstracts into TF-IDF bigram vectors by a TextVectorization adapted on the
training text; a shallow MLP with sigmoid outputs trained on BinaryCrossentropy with
binary_accuracy; then a model for inference, keras.Sequential([text_vectorizer, mlp]), that
takes raw strings, and the top-3 predicted terms. Synthetic abstracts, whose words come from
the topics of their terms, stand in for the arXiv download."""

import numpy as np

from numen import keras
from numen.keras import layers

keras.utils.set_random_seed(42)
rng = np.random.default_rng(42)

TOPIC_WORDS = {
    "cs.LG": "learning gradient training network loss optimization model",
    "cs.CV": "image pixel segmentation convolution detection visual camera",
    "cs.CL": "language text token translation sentence parsing corpus",
    "stat.ML": "bayesian posterior inference variance estimator prior sampling",
    "cs.RO": "robot control motion planning grasping manipulator sensor",
    "eess.IV": "imaging reconstruction denoising signal mri compression",
}
COMMON = "we propose a novel method that improves results on the benchmark with our approach"
TERMS = list(TOPIC_WORDS)


def make_abstracts(n):
    texts, terms = [], []
    for _ in range(n):
        k = rng.integers(1, 4)  # one to three subject terms per paper
        chosen = [str(t) for t in rng.choice(TERMS, k, replace=False)]
        words = list(rng.choice(COMMON.split(), 12))
        for term in chosen:
            words += list(rng.choice(TOPIC_WORDS[term].split(), 8))
        rng.shuffle(words)
        texts.append(" ".join(str(w) for w in words))
        terms.append(chosen)
    return np.array(texts), terms


train_texts, train_terms = make_abstracts(600)
val_texts, val_terms = make_abstracts(100)
test_texts, test_terms = make_abstracts(100)
print(f"Number of rows in training set: {len(train_texts)}")

# Multi-hot targets from lists of terms of different lengths. The example adapts on a
# tf.ragged tensor; backend-agnostic Keras has no ragged tensors, so the lists are padded with
# the mask token, which multi_hot outputs drop.
MAX_TERMS = 3


def pad_terms(terms):
    return np.array([t + [""] * (MAX_TERMS - len(t)) for t in terms])


lookup = layers.StringLookup(output_mode="multi_hot", mask_token="")
lookup.adapt(pad_terms(train_terms))
vocab = lookup.get_vocabulary()
print("Vocabulary:", vocab)
assert vocab[0] == "[UNK]" and sorted(vocab[1:]) == sorted(TERMS)


def invert_multi_hot(encoded_labels):
    """Reverse a single multi-hot encoded label to a tuple of vocab terms."""
    hot_indices = np.argwhere(encoded_labels == 1.0)[..., 0]
    return np.take(vocab, hot_indices)


sample_label = train_terms[0]
print(f"Original label: {sample_label}")
label_binarized = keras.ops.convert_to_numpy(lookup(pad_terms([sample_label])))
print(f"Label-binarized representation: {label_binarized}")
assert label_binarized.shape == (1, len(vocab))
assert sorted(invert_multi_hot(label_binarized[0])) == sorted(sample_label)


def multi_hot(terms):
    return keras.ops.convert_to_numpy(lookup(pad_terms(terms))).astype("float32")


y_train, y_val, y_test = multi_hot(train_terms), multi_hot(val_terms), multi_hot(test_terms)
assert y_train.shape == (600, len(vocab)) and np.all(y_train[:, 0] == 0)  # no OOV term

# TF-IDF over unigrams and bigrams of the abstracts.
vocabulary_size = 400
text_vectorizer = layers.TextVectorization(max_tokens=vocabulary_size, ngrams=2,
                                           output_mode="tf_idf")
text_vectorizer.adapt(train_texts)
x_train = keras.ops.convert_to_numpy(text_vectorizer(train_texts))
x_val = keras.ops.convert_to_numpy(text_vectorizer(val_texts))
x_test = keras.ops.convert_to_numpy(text_vectorizer(test_texts))
assert x_train.shape == (600, vocabulary_size)
bigrams = [t for t in text_vectorizer.get_vocabulary() if " " in t]
assert bigrams, "ngrams=2 adds bigrams to the vocabulary"


def make_model():
    return keras.Sequential(
        [
            layers.Dense(128, activation="relu"),
            layers.Dense(64, activation="relu"),
            # One independent probability per term: sigmoid, not softmax.
            layers.Dense(lookup.vocabulary_size(), activation="sigmoid"),
        ]
    )


epochs = 6
shallow_mlp_model = make_model()
shallow_mlp_model.compile(loss="binary_crossentropy", optimizer="adam",
                          metrics=["binary_accuracy"])
history = shallow_mlp_model.fit(x_train, y_train, validation_data=(x_val, y_val),
                                epochs=epochs, batch_size=64, verbose=0)
print({k: round(v[-1], 4) for k, v in history.history.items()})
assert set(history.history) == {"loss", "binary_accuracy", "val_loss", "val_binary_accuracy"}
_, binary_acc = shallow_mlp_model.evaluate(x_test, y_test, verbose=0)
print(f"Categorical accuracy on the test set: {round(binary_acc * 100, 2)}%.")
assert binary_acc > 0.9, binary_acc

# A model for inference: raw strings in, term probabilities out.
model_for_inference = keras.Sequential([text_vectorizer, shallow_mlp_model])
predicted_probabilities = model_for_inference.predict(test_texts[:20], verbose=0)
np.testing.assert_allclose(predicted_probabilities,
                           shallow_mlp_model.predict(x_test[:20], verbose=0), rtol=1e-5)
hits = 0
for i, text in enumerate(test_texts[:5]):
    print(f"Abstract: {text[:60]}...")
    print(f"Label(s): {invert_multi_hot(y_test[i])}")
    top_3_labels = [
        x for _, x in sorted(zip(predicted_probabilities[i], lookup.get_vocabulary()),
                             key=lambda pair: pair[0], reverse=True)
    ][:3]
    print(f"Predicted Label(s): ({', '.join(top_3_labels)})")
    hits += top_3_labels[0] in test_terms[i]
assert hits >= 4, hits

print("multi_label_text_classification OK")
