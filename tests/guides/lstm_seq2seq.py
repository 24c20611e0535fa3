"""keras.io example "Character-level recurrent sequence-to-sequence model", step by step: an
LSTM encoder keeping its states (return_state), an LSTM decoder started from them
(initial_state) and trained with teacher forcing, then the separate inference encoder and decoder
models built from the trained model's symbolic tensors (model.input, model.layers[i],
layer.output) and a greedy decoding loop. A synthetic "translation" (each word of 2-4 letters
from "abcd" spelt backwards in capitals) replaces the English-French sentence pairs, with 1,000
pairs and a smaller LSTM, so it learns in seconds; chance would decode almost none of the 20
words checked."""

import numpy as np

from numen import keras

batch_size = 64
epochs = 60
latent_dim = 64
num_samples = 1000

# The data: "abc" -> "\tCBA\n", tab the start-of-sequence and newline the end-of-sequence
# character, as the example reads them from fra.txt.
rng = np.random.default_rng(0)
input_texts, target_texts = [], []
input_characters, target_characters = set(), set()
while len(input_texts) < num_samples:
    input_text = "".join(rng.choice(list("abcd"), rng.integers(2, 5)))
    target_text = "\t" + input_text[::-1].upper() + "\n"
    input_texts.append(input_text)
    target_texts.append(target_text)
    input_characters.update(input_text)
    target_characters.update(target_text)

input_characters = sorted(input_characters)
target_characters = sorted(target_characters)
num_encoder_tokens = len(input_characters)
num_decoder_tokens = len(target_characters)
max_encoder_seq_length = max(len(txt) for txt in input_texts)
max_decoder_seq_length = max(len(txt) for txt in target_texts)

print("Number of samples:", len(input_texts))
print("Number of unique input tokens:", num_encoder_tokens)
print("Number of unique output tokens:", num_decoder_tokens)
print("Max sequence length for inputs:", max_encoder_seq_length)
print("Max sequence length for outputs:", max_decoder_seq_length)
assert (num_encoder_tokens, num_decoder_tokens) == (4, 6)
assert (max_encoder_seq_length, max_decoder_seq_length) == (4, 6)

input_token_index = {char: i for i, char in enumerate(input_characters)}
target_token_index = {char: i for i, char in enumerate(target_characters)}

encoder_input_data = np.zeros(
    (len(input_texts), max_encoder_seq_length, num_encoder_tokens), dtype="float32")
decoder_input_data = np.zeros(
    (len(input_texts), max_decoder_seq_length, num_decoder_tokens), dtype="float32")
decoder_target_data = np.zeros(
    (len(input_texts), max_decoder_seq_length, num_decoder_tokens), dtype="float32")

for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts)):
    for t, char in enumerate(input_text):
        encoder_input_data[i, t, input_token_index[char]] = 1.0
    # Past the word the rows stay zero (the example pads with spaces).
    encoder_input_data[i, t + 1:, :] = 0.0
    for t, char in enumerate(target_text):
        # decoder_target_data is ahead of decoder_input_data by one timestep.
        decoder_input_data[i, t, target_token_index[char]] = 1.0
        if t > 0:
            decoder_target_data[i, t - 1, target_token_index[char]] = 1.0
    decoder_input_data[i, t + 1:, target_token_index["\n"]] = 1.0
    decoder_target_data[i, t:, target_token_index["\n"]] = 1.0

# The training model: the encoder's final states start the decoder.
encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
encoder = keras.layers.LSTM(latent_dim, return_state=True)
encoder_outputs, state_h, state_c = encoder(encoder_inputs)
encoder_states = [state_h, state_c]

decoder_inputs = keras.Input(shape=(None, num_decoder_tokens))
decoder_lstm = keras.layers.LSTM(latent_dim, return_sequences=True, return_state=True)
decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
decoder_dense = keras.layers.Dense(num_decoder_tokens, activation="softmax")
decoder_outputs = decoder_dense(decoder_outputs)

model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
model.summary()
assert len(model.layers) == 5, [layer.name for layer in model.layers]
assert model.output_shape == (None, None, num_decoder_tokens), model.output_shape

model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit([encoder_input_data, decoder_input_data], decoder_target_data,
                    batch_size=batch_size, epochs=epochs, validation_split=0.2, verbose=0)
print("val_accuracy", history.history["val_accuracy"][0], "->",
      history.history["val_accuracy"][-1])
assert history.history["val_accuracy"][-1] > 0.85, history.history["val_accuracy"]
model.save("s2s_model.keras")

# Inference: rebuild the encoder and the decoder as two models from the saved model's layers and
# symbolic tensors, the way the example restores them.
model = keras.models.load_model("s2s_model.keras")

encoder_inputs = model.input[0]  # input_1
encoder_outputs, state_h_enc, state_c_enc = model.layers[2].output  # lstm_1
encoder_states = [state_h_enc, state_c_enc]
encoder_model = keras.Model(encoder_inputs, encoder_states)

decoder_inputs = model.input[1]  # input_2
decoder_state_input_h = keras.Input(shape=(latent_dim,))
decoder_state_input_c = keras.Input(shape=(latent_dim,))
decoder_states_inputs = [decoder_state_input_h, decoder_state_input_c]
decoder_lstm = model.layers[3]
decoder_outputs, state_h_dec, state_c_dec = decoder_lstm(
    decoder_inputs, initial_state=decoder_states_inputs)
decoder_states = [state_h_dec, state_c_dec]
decoder_dense = model.layers[4]
decoder_outputs = decoder_dense(decoder_outputs)
decoder_model = keras.Model([decoder_inputs] + decoder_states_inputs,
                            [decoder_outputs] + decoder_states)
assert len(encoder_model.outputs) == 2 and len(decoder_model.inputs) == 3

reverse_input_char_index = {i: char for char, i in input_token_index.items()}
reverse_target_char_index = {i: char for char, i in target_token_index.items()}


def decode_sequence(input_seq):
    # Encode the input as state vectors.
    states_value = encoder_model.predict(input_seq, verbose=0)

    # An empty target sequence of length 1, holding the start character.
    target_seq = np.zeros((1, 1, num_decoder_tokens))
    target_seq[0, 0, target_token_index["\t"]] = 1.0

    # One character at a time, until the end character or the maximum length.
    stop_condition = False
    decoded_sentence = ""
    while not stop_condition:
        output_tokens, h, c = decoder_model.predict([target_seq] + states_value, verbose=0)

        sampled_token_index = np.argmax(output_tokens[0, -1, :])
        sampled_char = reverse_target_char_index[sampled_token_index]
        decoded_sentence += sampled_char

        if sampled_char == "\n" or len(decoded_sentence) > max_decoder_seq_length:
            stop_condition = True

        # The next step starts from the sampled character and the updated states.
        target_seq = np.zeros((1, 1, num_decoder_tokens))
        target_seq[0, 0, sampled_token_index] = 1.0
        states_value = [h, c]
    return decoded_sentence


correct = 0
for seq_index in range(20):
    # A sequence from the training set, decoded.
    input_seq = encoder_input_data[seq_index: seq_index + 1]
    decoded_sentence = decode_sequence(input_seq)
    print("-")
    print("Input sentence:", input_texts[seq_index])
    print("Decoded sentence:", decoded_sentence)
    correct += decoded_sentence == target_texts[seq_index][1:]
print("decoded correctly:", correct, "of 20")
assert correct >= 8, correct
print("lstm_seq2seq OK")
