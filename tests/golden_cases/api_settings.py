"""keras.backend's dtype rules, regularizers and initializers that need no random numbers."""

import numpy as np

from golden_cases.case import Case, f32

# 64-bit dtypes are left out: Keras on JAX narrows them to 32 bits, numen keeps them (as
# Keras's TensorFlow backend does); tests/test_settings.py checks that difference on its own.
DTYPES = ["bool", "uint8", "uint16", "int8", "int16", "int32", "float16", "float32"]


def _table(k):
    return np.array([k.backend.result_type(a, b) for a in DTYPES for b in DTYPES])


CASES = [
    Case("result_type_pairs", _table),
    Case("result_type_weak", lambda k: np.array([
        k.backend.result_type(int, "int8"), k.backend.result_type(float, "int32"),
        k.backend.result_type(int, "float16"), k.backend.result_type(int, float),
        k.backend.result_type(bool, int), k.backend.result_type(), k.backend.result_type("uint8"),
        k.backend.result_type("float16", "int8", "uint16")])),
    Case("orthogonal_regularizer_rows",
         lambda k, w: k.regularizers.OrthogonalRegularizer(0.1)(w), [f32(3, 5)], grad=True),
    # mode="columns" is left out: Keras 3.15 divides each row by a column's norm there (it
    # fails on non-square weights); numen normalizes the columns (tests/test_settings.py).
    Case("l1_l2", lambda k, w: k.regularizers.l1_l2(l1=0.01, l2=0.02)(w), [f32(3, 4)],
         grad=True),
    Case("identity_initializer",
         lambda k: k.initializers.IdentityInitializer(gain=2.0)((3, 4), dtype="float32")),
    Case("constant_initializer", lambda k: k.initializers.constant(1.5)((2, 3))),
    Case("ones_initializer", lambda k: k.initializers.ones()((2,), dtype="float32")),
]


def _function(k, x):
    inputs = k.Input((3,))
    return k.Function(inputs, k.ops.relu(inputs) * 2.0)(x)


def _stateless(k, x):
    v = k.Variable(np.ones(3, "float32"), name="v")
    with k.StatelessScope(state_mapping=[(v, x)]) as scope:
        v.assign(v * 2.0)
        inside = scope.get_current_value(v)
    return inside, v.value


def _variable(k):
    v = k.Variable("ones", shape=(2, 3), dtype="float32", name="w")
    v.assign_add(np.full((2, 3), 2.0, "float32"))
    v.assign_sub(np.ones((2, 3), "float32"))
    return v.value, np.array(v.path), np.array(v.trainable)


def _remat(k, x):
    return k.remat(lambda t: k.ops.sin(t) * t)(x)


CASES += [
    Case("function_relu", _function, [f32(2, 3)]),
    Case("stateless_scope", _stateless, [f32(3)]),
    Case("variable_initializer_and_assign", _variable),
    Case("remat_values_and_gradients", _remat, [f32(4)], grad=True),
]


CASES += [
    Case("stft_real_hann_density", lambda k: k.initializers.STFT("real", "hann")((8, 1, 5))),
    Case("stft_imag_hamming_spectrum_periodic",
         lambda k: k.initializers.STFTInitializer("imag", "hamming", "spectrum", True)((6, 1, 4))),
    Case("stft_blackman_no_scaling",
         lambda k: k.initializers.stft("real", "blackman", None)((7, 2, 3))),
]
