"""keras.io "Working with RNNs", step by step, with random data in place of MNIST."""

import numpy as np

from numen import keras
from numen.keras import layers

# Built-in RNN layers: an embedding into an LSTM into a classifier.
model = keras.Sequential()
model.add(layers.Embedding(input_dim=1000, output_dim=64))
model.add(layers.LSTM(128))
model.add(layers.Dense(10))
model.build((None, 12))
model.summary()
assert model.output_shape == (None, 10)

# Whole sequences out of a GRU, into a SimpleRNN.
model = keras.Sequential()
model.add(layers.Embedding(input_dim=1000, output_dim=64))
model.add(layers.GRU(256, return_sequences=True))
model.add(layers.SimpleRNN(128))
model.add(layers.Dense(10))
assert model(np.zeros((2, 7), "int32")).shape == (2, 10)

# Returned states feed a decoder's initial state.
encoder_vocab, decoder_vocab = 1000, 2000
encoder_input = layers.Input(shape=(None,))
encoder_embedded = layers.Embedding(input_dim=encoder_vocab, output_dim=64)(encoder_input)
output, state_h, state_c = layers.LSTM(64, return_state=True, name="encoder")(encoder_embedded)
encoder_state = [state_h, state_c]
decoder_input = layers.Input(shape=(None,))
decoder_embedded = layers.Embedding(input_dim=decoder_vocab, output_dim=64)(decoder_input)
decoder_output = layers.LSTM(64, name="decoder")(decoder_embedded, initial_state=encoder_state)
output = layers.Dense(10)(decoder_output)
model = keras.Model([encoder_input, decoder_input], output)
model.summary()
out = model.predict([np.ones((3, 5)), np.ones((3, 4))], verbose=0)
assert out.shape == (3, 10)

# Stateful: three chunks of one long sequence, then a reset.
paragraph1 = np.random.random((20, 10, 50)).astype(np.float32)
paragraph2 = np.random.random((20, 10, 50)).astype(np.float32)
paragraph3 = np.random.random((20, 10, 50)).astype(np.float32)
lstm_layer = layers.LSTM(64, stateful=True)
out1 = lstm_layer(paragraph1)
out2 = lstm_layer(paragraph2)
out3 = lstm_layer(paragraph3)
existing_state = lstm_layer.states
assert len(existing_state) == 2 and tuple(existing_state[0].shape) == (20, 64)
lstm_layer.reset_states()
assert float(np.abs(np.asarray(lstm_layer.states[0])).max()) == 0.0

# Reusing state: a new layer starts from the old one's state.
new_lstm_layer = layers.LSTM(64)
new_output = new_lstm_layer(paragraph3, initial_state=existing_state)
assert new_output.shape == (20, 64)

# Bidirectional wrappers, the second with the sequence summarised.
model = keras.Sequential()
model.add(keras.Input(shape=(5, 10)))
model.add(layers.Bidirectional(layers.LSTM(64, return_sequences=True)))
model.add(layers.Bidirectional(layers.LSTM(32)))
model.add(layers.Dense(10))
model.summary()
assert model.output_shape == (None, 10)
assert model.layers[0].output.shape == (None, 5, 128)

# A small classifier trained on random "images" read row by row.
batch_size, input_dim, units, output_size = 64, 28, 64, 10


def build_model(allow_cudnn_kernel=True):
    if allow_cudnn_kernel:
        lstm = layers.LSTM(units, input_shape=(None, input_dim))
    else:
        lstm = layers.RNN(layers.LSTMCell(units), input_shape=(None, input_dim))
    return keras.models.Sequential(
        [lstm, layers.BatchNormalization(), layers.Dense(output_size)]
    )


rng = np.random.default_rng(0)
x_train = rng.random((256, 28, 28)).astype("float32")
y_train = (x_train[:, :, :14].mean(axis=(1, 2)) * 20).astype("int64") % 10
model = build_model(allow_cudnn_kernel=True)
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              optimizer="sgd", metrics=["accuracy"])
history = model.fit(x_train, y_train, validation_data=(x_train[:64], y_train[:64]),
                    batch_size=batch_size, epochs=1, verbose=0)
assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}

slow_model = build_model(allow_cudnn_kernel=False)
slow_model.set_weights(model.get_weights())
slow_model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                   optimizer="sgd", metrics=["accuracy"])
np.testing.assert_allclose(slow_model.predict(x_train[:8], verbose=0),
                           model.predict(x_train[:8], verbose=0), rtol=1e-4, atol=1e-5)
result = np.argmax(model.predict(np.expand_dims(x_train[0], 0), verbose=0), 1)
assert result.shape == (1,)


# (The guide's last part, a cell with nested inputs and states, needs nested structures in
# keras.layers.RNN, which numen does not have yet.)
print("rnn OK")
