"""keras.io example "Named Entity Recognition using Transformers", step by step: a vocabulary
counted from the training tokens and a StringLookup mapping lower-cased tokens to ids, batches
padded to their own longest sentence (a keras.utils.PyDataset standing in for padded_batch),
a subclassed NERModel of a token-and-position embedding (positions from ops.arange over the
input's own length), a Transformer block and Dense layers, trained with a custom Loss
subclass that averages SparseCategoricalCrossentropy(reduction=None) over the non-padding
tokens only; then tagging a sentence of a new length, and precision/recall/F1 from the
predictions with boolean masks. Synthetic sentences (names, places and organisations among
filler words, tagged B-/I- as in CoNLL-2003) stand in for the tfds download."""

from collections import Counter

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(42)
rng = np.random.default_rng(42)

TAGS = ["[PAD]", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
mapping = dict(enumerate(TAGS))
FIRST_NAMES = ["John", "Maria", "Ahmed", "Li", "Sven", "Ana", "Kofi", "Olga"]
LAST_NAMES = ["Smith", "Garcia", "Khan", "Wei", "Berg", "Silva", "Mensah", "Ivanova"]
PLACES = [["Paris"], ["New", "York"], ["Lagos"], ["Rio", "de", "Janeiro"], ["Oslo"],
          ["Hong", "Kong"]]
ORGS = [["European", "Union"], ["Acme", "Corp"], ["Red", "Cross"], ["FIFA"], ["Reuters"]]
FILLER = ("the a said on in to of visited met with from and today will after report call "
          "rejects german boycott british lamb talks week").split()


def make_sentence():
    tokens, tags = [], []
    for _ in range(rng.integers(2, 6)):
        kind = rng.choice(["O", "PER", "LOC", "ORG"], p=[0.55, 0.15, 0.15, 0.15])
        if kind == "O":
            words = list(rng.choice(FILLER, rng.integers(1, 4)))
        elif kind == "PER":
            words = [rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)]
        elif kind == "LOC":
            words = PLACES[rng.integers(len(PLACES))]
        else:
            words = ORGS[rng.integers(len(ORGS))]
        tokens += [str(w) for w in words]
        tags += ["O"] * len(words) if kind == "O" else \
            [f"B-{kind}"] + [f"I-{kind}"] * (len(words) - 1)
    return tokens, [TAGS.index(t) for t in tags]


train_sentences = [make_sentence() for _ in range(320)]
val_sentences = [make_sentence() for _ in range(64)]

all_tokens = [token.lower() for tokens, _ in train_sentences for token in tokens]
counter = Counter(all_tokens)
num_tags = len(mapping)
vocab_size = 60
# The most frequent tokens (the example keeps two places spare).
vocabulary = [token for token, count in counter.most_common(vocab_size - 2)]
# With no mask token, StringLookup puts only the OOV entry in front: an unknown token gets
# id 0, the id the padding has too.
lookup_layer = layers.StringLookup(vocabulary=vocabulary)
assert lookup_layer.vocabulary_size() == len(vocabulary) + 1 < vocab_size
assert lookup_layer.get_vocabulary()[0] == "[UNK]"
assert list(ops.convert_to_numpy(lookup_layer(np.array(["qwerty"])))) == [0]


def lowercase_and_convert_to_ids(tokens):
    return ops.convert_to_numpy(lookup_layer(np.array([t.lower() for t in tokens])))


class PaddedBatches(keras.utils.PyDataset):
    """Each batch padded (ids and tags alike, with 0) to its own longest sentence."""

    def __init__(self, sentences, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.sentences, self.batch_size = sentences, batch_size

    def __len__(self):
        return int(np.ceil(len(self.sentences) / self.batch_size))

    def __getitem__(self, idx):
        batch = self.sentences[idx * self.batch_size:(idx + 1) * self.batch_size]
        ids = [lowercase_and_convert_to_ids(tokens) for tokens, _ in batch]
        tags = [np.array(t) for _, t in batch]
        return (keras.utils.pad_sequences(ids, padding="post"),
                keras.utils.pad_sequences(tags, padding="post"))


batch_size = 32
train_dataset = PaddedBatches(train_sentences, batch_size)
val_dataset = PaddedBatches(val_sentences, batch_size)
x0, y0 = train_dataset[0]
assert x0.shape == y0.shape and x0.shape[0] == batch_size
assert np.all((x0 == 0) == (y0 == 0))  # padding in the same places


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [keras.layers.Dense(ff_dim, activation="relu"), keras.layers.Dense(embed_dim)]
        )
        self.layernorm1 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = keras.layers.Dropout(rate)
        self.dropout2 = keras.layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = keras.layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = keras.layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, inputs):
        maxlen = ops.shape(inputs)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        position_embeddings = self.pos_emb(positions)
        token_embeddings = self.token_emb(inputs)
        return token_embeddings + position_embeddings


class NERModel(keras.Model):
    def __init__(self, num_tags, vocab_size, maxlen=128, embed_dim=32, num_heads=2, ff_dim=32):
        super().__init__()
        self.embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
        self.transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
        self.dropout1 = layers.Dropout(0.1)
        self.ff = layers.Dense(ff_dim, activation="relu")
        self.dropout2 = layers.Dropout(0.1)
        self.ff_final = layers.Dense(num_tags, activation="softmax")

    def call(self, inputs, training=False):
        x = self.embedding_layer(inputs)
        x = self.transformer_block(x)
        x = self.dropout1(x, training=training)
        x = self.ff(x)
        x = self.dropout2(x, training=training)
        return self.ff_final(x)


class CustomNonPaddingTokenLoss(keras.losses.Loss):
    def __init__(self, name="custom_ner_loss"):
        super().__init__(name=name)

    def call(self, y_true, y_pred):
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=False, reduction=None)
        loss = loss_fn(y_true, y_pred)
        mask = ops.cast((y_true > 0), dtype="float32")
        loss = loss * mask
        return ops.sum(loss) / ops.sum(mask)


# The loss ignores padded tokens: padding more zeros onto a batch leaves it unchanged.
loss = CustomNonPaddingTokenLoss()
y_true = np.array([[1, 2, 0]])
y_pred = np.full((1, 3, num_tags), 1.0 / num_tags, "float32")
np.testing.assert_allclose(float(loss(y_true, y_pred)), np.log(num_tags), rtol=1e-5)
longer = np.concatenate([y_pred, y_pred[:, :2]], axis=1)
np.testing.assert_allclose(float(loss(np.array([[1, 2, 0, 0, 0]]), longer)),
                           np.log(num_tags), rtol=1e-5)

ner_model = NERModel(num_tags, vocab_size, embed_dim=16, num_heads=2, ff_dim=32)
ner_model.compile(optimizer=keras.optimizers.Adam(0.005), loss=loss)
history = ner_model.fit(train_dataset, epochs=3, verbose=0)
print(history.history)
assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]

# Tagging a sentence of a length no batch had.
sample_input = lowercase_and_convert_to_ids(
    "Maria Silva visited Hong Kong to talk with the Red Cross on boycott of British lamb"
    .split())
sample_input = ops.reshape(sample_input, (1, -1))
output = ner_model.predict(sample_input, verbose=0)
assert output.shape == (1, 16, num_tags)
prediction = [mapping[i] for i in np.argmax(output, axis=-1)[0]]
print(prediction)
assert prediction[:2] == ["B-PER", "I-PER"] and prediction[3:5] == ["B-LOC", "I-LOC"], \
    prediction


def calculate_metrics(dataset):
    all_true_tag_ids, all_predicted_tag_ids = [], []
    for i in range(len(dataset)):
        x, y = dataset[i]
        output = ner_model.predict(x, verbose=0)
        predictions = ops.argmax(output, axis=-1)
        predictions = ops.reshape(predictions, [-1])
        true_tag_ids = ops.reshape(y, [-1])
        mask = (true_tag_ids > 0) & (predictions > 0)
        all_true_tag_ids.append(ops.convert_to_numpy(true_tag_ids)[ops.convert_to_numpy(mask)])
        all_predicted_tag_ids.append(ops.convert_to_numpy(predictions)[
            ops.convert_to_numpy(mask)])
    true_ids = np.concatenate(all_true_tag_ids)
    predicted_ids = np.concatenate(all_predicted_tag_ids)
    # Precision, recall and F1 over the entity tags (everything but "O").
    entity = [TAGS.index(t) for t in TAGS[2:]]
    tp = np.sum((predicted_ids == true_ids) & np.isin(true_ids, entity))
    precision = tp / max(np.sum(np.isin(predicted_ids, entity)), 1)
    recall = tp / max(np.sum(np.isin(true_ids, entity)), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    print(f"precision {precision:.3f} recall {recall:.3f} f1 {f1:.3f}")
    return f1


assert calculate_metrics(val_dataset) > 0.9

print("ner_transformers OK")
