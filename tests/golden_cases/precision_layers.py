"""Recurrent and attention layers under "mixed_float16", with Keras's own weights: float16
outputs computed from float32 weights."""

from golden_cases.case import Case, f32


def _lstm(k, x, w, u, b):
    layer = k.layers.LSTM(3, return_sequences=True, dtype="mixed_float16")
    layer.build((None, 4, 2))
    layer.set_weights([w, u, b])
    return layer(x)


def _gru(k, x, w, u, b):
    layer = k.layers.GRU(3, dtype="mixed_float16")
    layer.build((None, 4, 2))
    layer.set_weights([w, u, b])
    return layer(x)


def _attention(k, q, v, *weights):
    layer = k.layers.MultiHeadAttention(2, 3, dtype="mixed_float16")
    layer(q, v)
    layer.set_weights(list(weights))
    return layer(q, v)


_MHA_WEIGHTS = [f32(4, 2, 3), f32(2, 3), f32(4, 2, 3), f32(2, 3), f32(4, 2, 3), f32(2, 3),
                f32(2, 3, 4), f32(4)]

# float16 results: a few units in the last of float16's ~3 decimal digits.
CASES = [
    Case("lstm_mixed_float16", _lstm, [f32(2, 4, 2), f32(2, 12), f32(3, 12), f32(12)],
         grad=(0,), rtol=2e-2, atol=2e-2),
    Case("gru_mixed_float16", _gru, [f32(2, 4, 2), f32(2, 9), f32(3, 9), f32(2, 9)],
         grad=(0,), rtol=2e-2, atol=2e-2),
    Case("attention_mixed_float16", _attention, [f32(2, 3, 4), f32(2, 5, 4)] + _MHA_WEIGHTS,
         grad=(0, 1), rtol=2e-2, atol=2e-2),
]
