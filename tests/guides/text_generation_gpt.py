"""keras.io example "Text generation with a miniature GPT", step by step (its Keras 3 version): a
causal attention mask built with keras.ops, a Transformer block around MultiHeadAttention with
attention_mask, a TokenAndPositionEmbedding layer, TextVectorization with a custom
standardization, and a callback sampling text with predict after each epoch. A tiny synthetic
corpus of templated sentences (lists in place of a tf.data pipeline) replaces the IMDB
reviews, with a vocabulary of 60 words, a context of 16 tokens and a smaller model, so it learns
in seconds. The causal mask is built for one row and broadcast (see causal_attention_mask). The
standardization works on a NumPy string array, as numen's TextVectorization
passes it (Keras passes a tf.string tensor); Keras's TextVectorization needs TensorFlow, so the
run against Keras (JAX backend) checked the rest of the program with a plain-Python vocabulary."""

import re
import string

import numpy as np

from numen import keras
from numen.keras import layers, ops


def causal_attention_mask(batch_size, n_dest, n_src, dtype):
    """Mask the upper half of the dot product matrix in self attention.

    This prevents flow of information from future tokens to current token.
    1's in the lower triangle, counting from the lower right corner.
    """
    i = ops.arange(n_dest)[:, None]
    j = ops.arange(n_src)
    m = i >= j - n_src + n_dest
    mask = ops.cast(m, dtype)
    mask = ops.reshape(mask, [1, n_dest, n_src])
    # The example tiles with ops.tile(mask, concatenate([batch_size], [1, 1])), which JAX (0.7
    # on) refuses inside a traced function: its repeats must be Python ints.
    return ops.broadcast_to(mask, (batch_size, n_dest, n_src))


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads, embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        input_shape = ops.shape(inputs)
        seq_len = input_shape[1]
        # One row's mask, which MultiHeadAttention broadcasts over the batch (the batch size is
        # not a Python int while JAX traces the call).
        causal_mask = causal_attention_mask(1, seq_len, seq_len, "bool")
        attention_output = self.att(inputs, inputs, attention_mask=causal_mask)
        attention_output = self.dropout1(attention_output)
        out1 = self.layernorm1(inputs + attention_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(0, maxlen, 1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


# The mask: a lower triangle, one per batch row.
mask = causal_attention_mask(2, 3, 3, "int32")
assert tuple(mask.shape) == (2, 3, 3), mask.shape
np.testing.assert_array_equal(np.asarray(mask)[1], [[1, 0, 0], [1, 1, 0], [1, 1, 1]])

vocab_size = 60  # Only consider the top 60 words
maxlen = 16  # Max sequence size
embed_dim = 32  # Embedding size for each token
num_heads = 2  # Number of attention heads
feed_forward_dim = 64  # Hidden layer size in feed forward network inside transformer


def create_model():
    inputs = layers.Input(shape=(maxlen,), dtype="int32")
    embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
    x = embedding_layer(inputs)
    transformer_block = TransformerBlock(embed_dim, num_heads, feed_forward_dim)
    x = transformer_block(x)
    outputs = layers.Dense(vocab_size)(x)
    model = keras.Model(inputs=inputs, outputs=[outputs, x])
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    # No loss and optimization based on word embeddings from transformer block
    model.compile("adam", loss=[loss_fn, None])
    return model


# The corpus: sentences from a template, with "<br />" tags as the reviews hold them.
rng = np.random.default_rng(0)
subjects = ["this movie", "the film", "the actor", "the story", "the plot", "the music"]
verbs = ["is", "was", "seems", "looks"]
adjectives = ["great", "terrible", "boring", "funny", "beautiful", "long", "sad", "fun"]
texts = []
for _ in range(600):
    words = []
    for _ in range(3):
        words.append(f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(adjectives)} .")
    texts.append(" <br /> ".join(words))
batch_size = 32


def custom_standardization(input_string):
    """Remove html line-break tags and handle punctuation"""
    lowercased = np.char.lower(input_string)
    stripped_html = np.char.replace(lowercased, "<br />", " ")
    return np.vectorize(lambda s: re.sub(f"([{string.punctuation}])", r" \1", s))(stripped_html)


vectorize_layer = layers.TextVectorization(
    standardize=custom_standardization,
    max_tokens=vocab_size - 1,
    output_mode="int",
    output_sequence_length=maxlen + 1,
)
vectorize_layer.adapt(texts)
vocab = vectorize_layer.get_vocabulary()  # To get words back from token indices
print("vocabulary:", len(vocab), vocab[:8])
assert vocab[:2] == ["", "[UNK]"] and "." in vocab and "movie" in vocab and "<br" not in vocab


def prepare_lm_inputs_labels(text):
    """Shift word sequences by 1 position so that the target for position (i) is
    word at position (i+1). The model will use all words up till position (i)
    to predict the next word."""
    tokenized_sentences = np.asarray(vectorize_layer(np.array(text)))
    x = tokenized_sentences[:, :-1]
    y = tokenized_sentences[:, 1:]
    return x, y


x_train, y_train = prepare_lm_inputs_labels(texts)
assert x_train.shape == (600, maxlen) and y_train.shape == (600, maxlen)


class TextGenerator(keras.callbacks.Callback):
    """A callback to generate text from a trained model.
    1. Feed some starting prompt to the model
    2. Predict probabilities for the next token
    3. Sample the next token and add it to the next input
    """

    def __init__(self, max_tokens, start_tokens, index_to_word, top_k=10, print_every=1):
        self.max_tokens = max_tokens
        self.start_tokens = start_tokens
        self.index_to_word = index_to_word
        self.print_every = print_every
        self.k = top_k
        self.texts = []

    def sample_from(self, logits):
        logits, indices = ops.top_k(logits, k=self.k, sorted=True)
        indices = np.asarray(indices).astype("int32")
        preds = keras.activations.softmax(ops.expand_dims(logits, 0))[0]
        preds = np.asarray(preds).astype("float32")
        preds = preds / preds.sum()
        return np.random.choice(indices, p=preds)

    def detokenize(self, number):
        return self.index_to_word[number]

    def on_epoch_end(self, epoch, logs=None):
        start_tokens = [_ for _ in self.start_tokens]
        if (epoch + 1) % self.print_every != 0:
            return
        num_tokens_generated = 0
        tokens_generated = []
        while num_tokens_generated <= self.max_tokens:
            pad_len = maxlen - len(start_tokens)
            sample_index = len(start_tokens) - 1
            if pad_len < 0:
                x = start_tokens[:maxlen]
                sample_index = maxlen - 1
            elif pad_len > 0:
                x = start_tokens + [0] * pad_len
            else:
                x = start_tokens
            x = np.array([x])
            y, _ = self.model.predict(x, verbose=0)
            sample_token = self.sample_from(y[0][sample_index])
            tokens_generated.append(sample_token)
            start_tokens.append(sample_token)
            num_tokens_generated = len(tokens_generated)
        txt = " ".join([self.detokenize(_) for _ in self.start_tokens + tokens_generated])
        self.texts.append(txt)
        print(f"generated text:\n{txt}\n")


# Tokenize starting prompt
word_to_index = {}
for index, word in enumerate(vocab):
    word_to_index[word] = index

start_prompt = "this movie is"
start_tokens = [word_to_index.get(_, 1) for _ in start_prompt.split()]
num_tokens_generated = 9
np.random.seed(0)
text_gen_callback = TextGenerator(num_tokens_generated, start_tokens, vocab, top_k=3,
                                  print_every=5)

model = create_model()
model.summary()
assert [tuple(o.shape) for o in model.outputs] == [(None, maxlen, vocab_size),
                                                  (None, maxlen, embed_dim)]
history = model.fit(x_train, y_train, batch_size=batch_size, verbose=2, epochs=10,
                    callbacks=[text_gen_callback])
losses = history.history["loss"]
print("loss", losses[0], "->", losses[-1])
assert losses[-1] < 0.6 * losses[0], losses

# The template's grammar: after "the" or "this" a noun, after a noun a verb, after a verb an
# adjective, after an adjective a full stop. The last sample follows it from the prompt on.
generated = text_gen_callback.texts[-1].split()
assert len(text_gen_callback.texts) == 2 and len(generated) == len(start_tokens) + 10
nouns = {s.split()[1] for s in subjects}
follows = 0
for previous, word in zip(generated[2:], generated[3:]):
    follows += ((previous in verbs and word in adjectives)
                or (previous in adjectives and word == ".")
                or (previous in ("the", "this") and word in nouns)
                or (previous in nouns and word in verbs)
                or (previous == "." and word in ("the", "this")))
print("grammatical steps:", follows, "of", len(generated) - 3)
assert follows >= len(generated) - 5, generated
print("text_generation_gpt OK")
