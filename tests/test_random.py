"""`keras.random`: shapes, dtypes, ranges, seeds (int, SeedGenerator, global) and errors."""

import numpy as np
import pytest

from numen import keras


def test_shapes_dtypes_and_ranges():
    n = keras.random.normal((2000,), mean=3.0, stddev=2.0, seed=1)
    assert n.shape == (2000,) and n.dtype == "float32"
    assert abs(float(n.numpy().mean()) - 3.0) < 0.2 and abs(float(n.numpy().std()) - 2.0) < 0.2
    u = keras.random.uniform((3, 4), minval=-1, maxval=2, seed=1).numpy()
    assert u.shape == (3, 4) and u.min() >= -1 and u.max() < 2
    r = keras.random.randint((100,), 0, 5, seed=1).numpy()
    assert r.dtype == np.int32 and set(np.unique(r)) <= set(range(5))
    t = keras.random.truncated_normal((1000,), stddev=1.0, seed=1).numpy()
    assert np.abs(t).max() <= 2.0


def test_int_seed_repeats_and_seed_generator_advances():
    a = keras.random.normal((5,), seed=42).numpy()
    b = keras.random.normal((5,), seed=42).numpy()
    np.testing.assert_array_equal(a, b)
    gen = keras.random.SeedGenerator(7)
    c, d = keras.random.normal((5,), seed=gen).numpy(), keras.random.normal((5,), seed=gen).numpy()
    assert not np.array_equal(c, d)
    gen2 = keras.random.SeedGenerator(7)
    np.testing.assert_array_equal(c, keras.random.normal((5,), seed=gen2).numpy())


def test_global_seed_makes_unseeded_calls_repeatable():
    keras.utils.set_random_seed(3)
    a = keras.random.uniform((4,)).numpy()
    keras.utils.set_random_seed(3)
    np.testing.assert_array_equal(a, keras.random.uniform((4,)).numpy())


def test_dropout_shuffle_categorical():
    x = np.ones((1000,), "float32")
    y = keras.random.dropout(x, 0.25, seed=0).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert 0.2 < (y == 0).mean() < 0.3
    s = keras.random.shuffle(np.arange(10), seed=0).numpy()
    assert sorted(s.tolist()) == list(range(10)) and s.tolist() != list(range(10))
    logits = np.log(np.array([[0.0001, 0.9998, 0.0001]]))
    c = keras.random.categorical(logits, 50, seed=0).numpy()
    assert c.shape == (1, 50) and (c == 1).mean() > 0.9


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="maxval"):
        keras.random.uniform((2,), minval=1, maxval=1)
    with pytest.raises(TypeError, match="seed"):
        keras.random.normal((2,), seed="abc")
    with pytest.raises(ValueError, match="rate"):
        keras.random.dropout(np.ones(3), 1.5)
