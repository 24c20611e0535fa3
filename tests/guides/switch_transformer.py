"""keras.io example "Text classification with Switch Transformer", step by step: a Router
layer (a Dense gate, exploration noise from keras.random.uniform in training, ops.top_k,
ops.one_hot, a load-balancing loss added with add_loss, expert capacity enforced with
ops.cumsum / ops.less masks) and a Switch layer (a Mixture of Experts: tokens dispatched to
expert feed-forward networks with ops.einsum, ops.unstack and ops.stack, and combined back),
whose attributes are set before super().__init__() as in the example, inside a Transformer
block of a text classifier. The Switch layer works on a fixed number of tokens per batch, so
the Input declares its batch size (numen finds a Functional model's shapes by running it on
stand-in data of a size it picks, where Keras needs no data at all); every batch of fit(),
evaluate() and predict() then has that size. Synthetic token sequences, whose label depends
on a few sentiment tokens, stand in for IMDB."""

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(11)
rng = np.random.default_rng(11)

vocab_size = 200
num_tokens_per_example = 24  # the first tokens of each review
batch_size = 16
num_tokens_per_batch = batch_size * num_tokens_per_example
embed_dim = 16
num_heads = 2
ff_dim = 16
num_experts = 4
dropout_rate = 0.1
learning_rate = 0.005
num_epochs = 3

POSITIVE, NEGATIVE = np.arange(3, 13), np.arange(13, 23)


def make_reviews(n):
    x = rng.integers(23, vocab_size, (n, num_tokens_per_example))
    y = rng.integers(0, 2, n)
    for i in range(n):
        cues = rng.choice(POSITIVE if y[i] else NEGATIVE, 3)
        x[i, rng.choice(num_tokens_per_example, 3, replace=False)] = cues
    return x.astype("int32"), y


x_train, y_train = make_reviews(25 * batch_size)
x_val, y_val = make_reviews(8 * batch_size)
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


def create_feedforward_network(ff_dim, embed_dim, name=None):
    return keras.Sequential(
        [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)], name=name
    )


def load_balanced_loss(router_probs, expert_mask):
    # router_probs: the probability each expert gets for each token, [tokens, experts];
    # expert_mask: each token's top expert, one-hot.
    num_experts = ops.shape(expert_mask)[-1]
    # The fraction of tokens routed to each expert, and of the probability mass.
    density = ops.mean(expert_mask, axis=0)
    density_proxy = ops.mean(router_probs, axis=0)
    # Smallest when both are uniform (1 / num_experts each).
    return ops.mean(density_proxy * density) * ops.cast((num_experts**2), "float32")


class Router(layers.Layer):
    def __init__(self, num_experts, expert_capacity):
        self.num_experts = num_experts
        self.route = layers.Dense(units=num_experts)
        self.expert_capacity = expert_capacity
        # The example draws unseeded noise, which a compiled JAX step refuses: a
        # SeedGenerator makes it backend-agnostic.
        self.seed_generator = keras.random.SeedGenerator(1337)
        super().__init__()

    def call(self, inputs, training=False):
        # inputs: [tokens_per_batch, embed_dim]; router_logits: [tokens_per_batch, experts]
        router_logits = self.route(inputs)
        if training:
            # Noise for exploration across experts.
            router_logits += keras.random.uniform(shape=router_logits.shape, minval=0.9,
                                                  maxval=1.1, seed=self.seed_generator)
        router_probs = keras.activations.softmax(router_logits, axis=-1)
        # The top-1 expert of each token and its probability.
        expert_gate, expert_index = ops.top_k(router_probs, k=1)
        expert_mask = ops.one_hot(expert_index, self.num_experts)
        self.add_loss(load_balanced_loss(router_probs, expert_mask))
        # Each expert takes at most expert_capacity tokens: the later ones are dropped.
        position_in_expert = ops.cast(ops.cumsum(expert_mask, axis=0) * expert_mask, "int32")
        expert_mask *= ops.cast(
            ops.less(ops.cast(position_in_expert, "int32"), self.expert_capacity), "float32"
        )
        expert_mask_flat = ops.sum(expert_mask, axis=-1)
        expert_gate *= expert_mask_flat
        # combined_tensor: [tokens_per_batch, experts, expert_capacity]
        combined_tensor = ops.expand_dims(
            expert_gate * expert_mask_flat
            * ops.squeeze(ops.one_hot(expert_index, self.num_experts), 1),
            -1,
        ) * ops.squeeze(ops.one_hot(position_in_expert, self.expert_capacity), 1)
        # dispatch_tensor: 1 where a token goes to an expert's slot.
        dispatch_tensor = ops.cast(combined_tensor, "float32")
        return dispatch_tensor, combined_tensor


class Switch(layers.Layer):
    def __init__(self, num_experts, embed_dim, ff_dim, num_tokens_per_batch,
                 capacity_factor=1):
        self.num_experts = num_experts
        self.embed_dim = embed_dim
        self.experts = [create_feedforward_network(ff_dim, embed_dim)
                        for _ in range(num_experts)]
        self.expert_capacity = num_tokens_per_batch // self.num_experts
        self.router = Router(self.num_experts, self.expert_capacity)
        super().__init__()

    def call(self, inputs):
        batch_size = ops.shape(inputs)[0]
        num_tokens_per_example = ops.shape(inputs)[1]
        inputs = ops.reshape(inputs, [num_tokens_per_batch, self.embed_dim])
        dispatch_tensor, combine_tensor = self.router(inputs)
        # expert_inputs: [experts, expert_capacity, embed_dim]
        expert_inputs = ops.einsum("ab,acd->cdb", inputs, dispatch_tensor)
        expert_inputs = ops.reshape(
            expert_inputs, [self.num_experts, self.expert_capacity, self.embed_dim]
        )
        expert_input_list = ops.unstack(expert_inputs, axis=0)
        expert_output_list = [
            self.experts[idx](expert_input) for idx, expert_input in enumerate(expert_input_list)
        ]
        # expert_outputs: [expert_capacity, experts, embed_dim]
        expert_outputs = ops.stack(expert_output_list, axis=1)
        expert_outputs_combined = ops.einsum("abc,xba->xc", expert_outputs, combine_tensor)
        return ops.reshape(expert_outputs_combined,
                           [batch_size, num_tokens_per_example, self.embed_dim])


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ffn, dropout_rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        # A plain feed-forward network or a Switch layer of experts.
        self.ffn = ffn
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(dropout_rate)
        self.dropout2 = layers.Dropout(dropout_rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


# The router on its own: every kept token goes to exactly one slot of one expert, no expert
# takes more than its capacity, and the balancing loss is one when the load is uniform.
router = Router(num_experts=4, expert_capacity=3)
tokens = rng.normal(size=(16, 8)).astype("float32")
dispatch, combine = router(tokens)
# (The example's dispatch tensor is the combine tensor cast: a kept token's entry holds
# its gate probability.)
routed = ops.convert_to_numpy(dispatch) > 0
assert routed.shape == (16, 4, 3)
assert routed.sum(axis=(1, 2)).max() == 1 and routed.sum(axis=0).max() == 1
top_expert = np.argmax(ops.convert_to_numpy(router.route(tokens)), -1)
# Positions count from 1 (a cumulative sum), so an expert keeps capacity - 1 tokens.
assert routed.sum() == np.minimum(np.bincount(top_expert, minlength=4), 2).sum()
assert len(router.losses) == 1
uniform = np.full((8, 4), 0.25, "float32")
one_each = np.eye(4, dtype="float32")[np.arange(8) % 4][:, None, :]
np.testing.assert_allclose(float(load_balanced_loss(uniform, one_each)), 1.0, rtol=1e-6)

# The attributes set before super().__init__() are all there, sub-layers included.
switch = Switch(num_experts, embed_dim, ff_dim, num_tokens_per_batch)
assert switch.expert_capacity == num_tokens_per_batch // num_experts
assert len(switch.experts) == num_experts and switch.router.expert_capacity == 96


def create_classifier():
    switch = Switch(num_experts, embed_dim, ff_dim, num_tokens_per_batch)
    transformer_block = TransformerBlock(embed_dim // num_heads, num_heads, switch)

    inputs = layers.Input(shape=(num_tokens_per_example,), batch_size=batch_size)
    embedding_layer = TokenAndPositionEmbedding(num_tokens_per_example, vocab_size, embed_dim)
    x = embedding_layer(inputs)
    x = transformer_block(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(dropout_rate)(x)
    x = layers.Dense(ff_dim, activation="relu")(x)
    x = layers.Dropout(dropout_rate)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs), switch


def run_experiment(classifier):
    classifier.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return classifier.fit(x_train, y_train, batch_size=batch_size, epochs=num_epochs,
                          validation_data=(x_val, y_val), verbose=0)


classifier, switch = create_classifier()
# Every expert's weights are the model's: the experts sit in a list attribute.
expert_ids = {id(w) for e in switch.experts for w in e.weights}
assert len(expert_ids) == num_experts * 4
assert expert_ids <= {id(w) for w in classifier.trainable_weights}
history = run_experiment(classifier)
print({k: [round(v, 3) for v in vs] for k, vs in history.history.items()})
assert history.history["loss"][-1] < history.history["loss"][0]
assert history.history["val_accuracy"][-1] > 0.8, history.history["val_accuracy"]
# The balancing loss is part of the training loss: one per call of the Switch layer.
classifier(x_val[:batch_size])
assert len(classifier.losses) == 1 and 0 < float(classifier.losses[0]) < num_experts
probs = classifier.predict(x_val, batch_size=batch_size, verbose=0)
assert probs.shape == (len(x_val), 2)

print("switch_transformer OK")
