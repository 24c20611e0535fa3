"""keras.utils.FeatureSpace.

Real Keras's FeatureSpace runs its lookups, hashing and discretization in TensorFlow, which the
interop Keras lacks, so these tests check Keras's documented rules (and its source's logic):
features in sorted name order, then crosses; lookup vocabularies ranked by count (ties by the
token, larger first) after one OOV slot; quantile bins from Keras's summary; one-hot widths
from each preprocessor's cardinality. Hash bucket values are not compared: numen's stand-in
hash is not FarmHash (see feature_space_encoders).
"""

import numpy as np
import pytest

from numen import keras
from numen.utils.feature_space import FeatureSpace

DATA = {
    "age": np.array([20.0, 40.0, 60.0, 80.0, 30.0], "float32"),
    "city": np.array(["b", "a", "a", "c", "c"]),
    "rooms": np.array([1, 2, 2, 3, 1]),
    "tag": np.array(["x", "y", "x", "z", "x"]),
}


def test_presets_layout_and_values():
    fs = FeatureSpace({"age": "float_normalized", "city": "string_categorical",
                       "rooms": "integer_categorical", "tag": "string_hashed"}, hashing_dim=8)
    fs.adapt(DATA)
    out = fs(DATA)
    assert out.dtype == np.float32 and out.shape == (5, 1 + 4 + 4 + 8)
    age = DATA["age"]
    np.testing.assert_allclose(out[:, 0], (age - age.mean()) / age.std(), rtol=1e-5)
    # city: counts a 2, c 2, b 1 -> vocabulary [UNK], c, a, b (ties: larger token first).
    np.testing.assert_array_equal(out[:, 1:5].argmax(1), [3, 2, 2, 1, 1])
    # rooms: counts 1 2, 2 2, 3 1 -> [UNK], 2, 1, 3.
    np.testing.assert_array_equal(out[:, 5:9].argmax(1), [2, 1, 1, 3, 2])
    hashed = out[:, 9:]
    assert (hashed.sum(1) == 1).all()
    assert hashed[0].argmax() == hashed[2].argmax() == hashed[4].argmax()  # all "x"


def test_unknown_values_take_the_oov_slot_and_max_tokens():
    fs = FeatureSpace({"city": FeatureSpace.string_categorical(max_tokens=3),
                       "rooms": FeatureSpace.integer_categorical(output_mode="int")},
                      output_mode="dict")
    fs.adapt(DATA)
    out = fs({"city": np.array(["a", "b", "zzz"]), "rooms": np.array([2, 9, 1])})
    # max_tokens=3: [UNK], c, a ("b" falls out).
    np.testing.assert_array_equal(out["city"], [[0, 0, 1], [1, 0, 0], [1, 0, 0]])
    assert out["rooms"].dtype == np.int64 and out["rooms"][:, 0].tolist() == [1, 0, 2]


def test_discretized_bins_follow_keras_quantile_summary():
    fs = FeatureSpace({"v": FeatureSpace.float_discretized(num_bins=4, output_mode="int")},
                      output_mode="dict")
    fs.adapt({"v": np.arange(100, dtype="float32")})
    # Keras's summary of 0..99 puts the boundaries at 24, 49 and 74.
    out = fs({"v": np.array([0.0, 23.9, 24.0, 49.5, 74.0, 99.0])})["v"][:, 0]
    assert out.tolist() == [0, 0, 1, 2, 3, 3]
    given = FeatureSpace({"v": FeatureSpace.float_discretized(num_bins=None,
                                                              bin_boundaries=[0.0, 1.0])})
    np.testing.assert_array_equal(given({"v": [-1.0, 0.5, 2.0]}), np.eye(3))


def test_float_and_rescaled_and_single_sample():
    fs = FeatureSpace({"a": "float", "b": FeatureSpace.float_rescaled(scale=2.0, offset=1.0)})
    out = fs({"a": [1.0, 2.0], "b": [3.0, 4.0]})  # nothing to adapt
    np.testing.assert_allclose(out, [[1, 7], [2, 9]])
    assert fs({"a": 1.0, "b": 0.0}).shape == (2,)


def test_crosses():
    fs = FeatureSpace({"city": "string_categorical", "rooms": "integer_categorical"},
                      crosses=[("city", "rooms")], crossing_dim=16, output_mode="dict")
    fs.adapt(DATA)
    out = fs(DATA)
    assert list(out) == ["city", "rooms", "city_X_rooms"]
    crossed = out["city_X_rooms"]
    assert crossed.shape == (5, 16) and (crossed.sum(1) == 1).all()
    assert crossed[1].argmax() == crossed[2].argmax()  # ("a", 2) twice
    cross = FeatureSpace.cross(("city", "rooms"), crossing_dim=4, output_mode="int")
    fs_int = FeatureSpace({"city": "string_categorical", "rooms": "integer_categorical"},
                          crosses=[cross], output_mode="dict")
    fs_int.adapt(DATA)
    ids = fs_int(DATA)["city_X_rooms"]
    assert ids.dtype == np.int64 and ((0 <= ids) & (ids < 4)).all()
    floats = FeatureSpace({"age": "float", "city": "string_categorical"},
                          crosses=[("age", "city")])
    floats.adapt(DATA)
    with pytest.raises(ValueError, match="cannot cross feature 'age'"):
        floats(DATA)


def test_adapt_from_batches_matches_adapt_from_a_dict():
    spec = {"age": "float_normalized", "city": "string_categorical"}
    whole, batched = FeatureSpace(spec), FeatureSpace(spec)
    whole.adapt(DATA)
    batches = [({k: v[:3] for k, v in DATA.items()}, np.zeros(3)),
               ({k: v[3:] for k, v in DATA.items()}, np.zeros(2))]
    batched.adapt(iter(batches))
    np.testing.assert_allclose(batched(DATA), whole(DATA), rtol=1e-6)


def test_train_on_encoded_features():
    fs = FeatureSpace({"age": "float_normalized", "city": "string_categorical"})
    fs.adapt(DATA)
    x = fs.get_encoded_features()
    assert fs.get_encoded_features() is x and tuple(x.shape) == (None, 5)
    model = keras.Model(x, keras.layers.Dense(1)(x))
    model.compile("sgd", "mse")
    history = model.fit(fs(DATA), np.ones(5), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    numeric = FeatureSpace({"age": "float", "rooms": "integer_categorical"})
    numeric.adapt(DATA)
    inputs = numeric.get_inputs()
    assert set(inputs) == {"age", "rooms"} and tuple(inputs["age"].shape) == (None, 1)
    with pytest.raises(ValueError, match="strings"):
        fs.get_inputs()


def test_custom_feature_and_config_round_trip():
    norm = keras.layers.Normalization(axis=-1)
    fs = FeatureSpace({"age": FeatureSpace.feature("float32", norm, "float"),
                       "city": FeatureSpace.string_categorical(num_oov_indices=2)},
                      crosses=[FeatureSpace.cross(("city", "city"), 8)])
    fs.adapt(DATA)
    out = fs(DATA)
    assert out.shape == (5, 1 + 5 + 8)
    assert abs(float(out[:, 0].mean())) < 1e-5
    config = fs.get_config()
    again = FeatureSpace.from_config(config)
    again.adapt(DATA)
    np.testing.assert_allclose(again(DATA), out, rtol=1e-6)


@pytest.mark.parametrize("make,match", [
    (lambda: FeatureSpace({}), "non-empty"),
    (lambda: FeatureSpace({"a": "floaty"}), "unknown type"),
    (lambda: FeatureSpace({"a": "float"}, output_mode="list"), "output_mode"),
    (lambda: FeatureSpace({"a": "float"}, crosses=[("a", "b")]), "not in `features`"),
    (lambda: FeatureSpace.string_categorical(output_mode="multi"), "output_mode"),
    (lambda: FeatureSpace.cross(("a", "b"), 4, output_mode="float"), "output_mode"),
])
def test_bad_declarations(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_use():
    fs = FeatureSpace({"city": "string_categorical"})
    with pytest.raises(ValueError, match="adapt"):
        fs({"city": ["a"]})
    fs.adapt(DATA)
    with pytest.raises(ValueError, match="dict"):
        fs(["a"])
    with pytest.raises(ValueError, match="no feature"):
        fs({"town": ["a"]})
    with pytest.raises(ValueError, match="no feature"):
        fs.adapt({"town": ["a"]})
    ints = FeatureSpace({"city": FeatureSpace.string_categorical(output_mode="int")})
    ints.adapt(DATA)
    with pytest.raises(ValueError, match="cannot concatenate"):
        ints(DATA)
