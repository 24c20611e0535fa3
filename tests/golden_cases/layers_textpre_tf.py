"""String and hashing preprocessing layers (StringLookup, IntegerLookup, Hashing,
HashedCrossing, TextVectorization) and adapt() of Discretization, against real Keras 3.

Keras runs these layers (and any adapt()) through TensorFlow, even on the JAX backend: generate
this fixture with TensorFlow installed beside Keras (`pip install tensorflow-cpu`), e.g.
`KERAS_BACKEND=jax python tests/fixtures/make_keras_golden.py layers_textpre_tf`. numen needs no
TensorFlow to run them. Outputs that are strings (vocabularies) are compared as arrays.
"""

import numpy as np

from golden_cases.case import Case, const, f32, ints

REQUIRES = ("tensorflow",)  # make_keras_golden.py skips the family without it

_WORDS = const(np.array([["a", "z"], ["c", "b"]]))
_DOCS = const(np.array(["The Cat sat, on the mat!", "the dog ate my homework.",
                        "Cats & dogs: friends?", "héllo Wörld  twice  spaces", "ÉTÉ était"]))
_VOCAB = ["a", "b", "c"]


def _lookup(**kw):
    return lambda k, x: k.layers.StringLookup(vocabulary=_VOCAB, **kw)(x)


def _int_lookup(**kw):
    return lambda k, x: k.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], **kw)(x)


def _adapt_lookup(**kw):
    def fn(k, data, x):
        layer = k.layers.StringLookup(**kw)
        layer.adapt(data)
        return np.asarray(layer.get_vocabulary()), layer(x)
    return fn


def _adapt_lookup_batches(k, a, b):
    layer = k.layers.StringLookup()
    layer.adapt(iter([a, b]))
    return np.asarray(layer.get_vocabulary()), np.asarray(layer.vocabulary_size())


def _adapt_ints(k, data, x):
    layer = k.layers.IntegerLookup(max_tokens=4)
    layer.adapt(data)
    return np.asarray(layer.get_vocabulary()), layer(x)


def _hash(**kw):
    return lambda k, x: k.layers.Hashing(**kw)(x)


def _cross(**kw):
    return lambda k, a, b: k.layers.HashedCrossing(**kw)((a, b))


def _text(**kw):
    def fn(k, docs):
        layer = k.layers.TextVectorization(**kw)
        layer.adapt(docs)
        return np.asarray(layer.get_vocabulary()), layer(docs)
    return fn


def _text_fixed(k, x):
    return k.layers.TextVectorization(vocabulary=["a", "b"], output_sequence_length=4)(x)


def _discretize_adapt(k, data, x):
    layer = k.layers.Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(data)
    return np.asarray(layer.bin_boundaries, "float32"), layer(x)


def _discretize_batches(k, data):
    layer = k.layers.Discretization(num_bins=3)
    layer.adapt([data[:3], data[3:]])
    return np.asarray(layer.bin_boundaries, "float32")


_MANY = const(np.array([f"tok{i % 7}{'x' * (i % 3)}" for i in range(23)] + ["", "[UNK]"]))

CASES = [
    Case("lookup_int", _lookup(), [_WORDS]),
    Case("lookup_scalar", _lookup(), [const(np.array("b"))]),
    Case("lookup_mask", _lookup(mask_token=""), [const(np.array(["a", "", "q"]))]),
    Case("lookup_one_hot", _lookup(output_mode="one_hot"), [const(np.array(["a", "z", "c"]))]),
    Case("lookup_one_hot_column", _lookup(output_mode="one_hot"),
         [const(np.array([["a"], ["z"], ["c"]]))]),
    Case("lookup_multi_hot", _lookup(output_mode="multi_hot"),
         [const(np.array([["a", "a"], ["z", "c"]]))]),
    Case("lookup_multi_hot_vector", _lookup(output_mode="multi_hot"),
         [const(np.array(["a", "c"]))]),
    Case("lookup_count_padded", _lookup(output_mode="count", pad_to_max_tokens=True,
                                        max_tokens=6),
         [const(np.array([["a", "a"], ["z", "c"]]))]),
    Case("lookup_tf_idf", _lookup(output_mode="tf_idf", idf_weights=[0.5, 1.0, 2.0]),
         [const(np.array([["a", "a"], ["z", "c"]]))]),
    Case("lookup_oov_buckets", _lookup(num_oov_indices=3), [_MANY]),
    Case("lookup_oov_buckets_salt", _lookup(num_oov_indices=3, salt=7), [_MANY]),
    Case("lookup_special_tokens_given",
         lambda k, x: k.layers.StringLookup(vocabulary=["", "[UNK]", "a", "b"],
                                            mask_token="")(x),
         [const(np.array(["b", "", "x", "a"]))]),
    Case("lookup_adapt", _adapt_lookup(), [const(np.array(["b", "a", "b", "c", "c", "c", "d"])),
                                           const(np.array(["d", "c", "e"]))]),
    Case("lookup_adapt_tf_idf", _adapt_lookup(max_tokens=3, mask_token="", output_mode="tf_idf"),
         [const(np.array([["b", "a", "b"], ["c", "c", "c"], ["a", "d", ""]])),
          const(np.array([["a", "b", "z"], ["c", "", "c"]]))]),
    Case("lookup_adapt_batches", _adapt_lookup_batches,
         [const(np.array(["b", "a"])), const(np.array(["a", "q"]))]),
    Case("int_lookup", _int_lookup(), [const(np.array([[12, 1138, 42], [42, 1000, 36]]))]),
    Case("int_lookup_mask", _int_lookup(mask_token=0), [const(np.array([[12, 0, 42, 7]]))]),
    Case("int_lookup_floormod", _int_lookup(num_oov_indices=2),
         [const(np.array([[12, 7, 43, -3]]))]),
    Case("int_lookup_farmhash", _int_lookup(num_oov_indices=3, oov_method="farmhash"),
         [ints(12, low=-50, high=50, dtype="int64")]),
    Case("int_lookup_invert", _int_lookup(invert=True), [const(np.array([[0, 1, 2, 5]]))]),
    Case("int_lookup_float_input", _int_lookup(), [const(np.array([12., 36.], "float32"))]),
    Case("int_lookup_multi_hot", _int_lookup(output_mode="multi_hot"),
         [const(np.array([[12, 12, 5], [42, 36, 1138]]))]),
    Case("int_lookup_adapt", _adapt_ints, [const(np.array([[5, 5, 3], [3, 3, 9], [7, 9, 9]])),
                                           const(np.array([5, 9, 7, 3, 11]))]),
    Case("hash_strings", _hash(num_bins=3), [const(np.array([["A", "B"], ["C", "D"]]))]),
    Case("hash_many", _hash(num_bins=1000), [_MANY]),
    Case("hash_long_strings", _hash(num_bins=997),
         [const(np.array(["x" * n + "yz" * (n % 5) for n in range(0, 150, 7)]))]),
    Case("hash_ints", _hash(num_bins=5), [const(np.array([[1, 2], [30, -4]]))]),
    Case("hash_int64", _hash(num_bins=101), [ints(3, 4, low=-10**6, high=10**6,
                                                  dtype="int64")]),
    Case("hash_floats", _hash(num_bins=5), [const(np.array([[1.7, 2.2], [30., -4.9]],
                                                           "float32"))]),
    Case("hash_mask", _hash(num_bins=5, mask_value=""), [const(np.array(["a", "", "b"]))]),
    Case("hash_salt", _hash(num_bins=5, salt=133), [_MANY]),
    Case("hash_salt_pair", _hash(num_bins=50, salt=(7, 11)), [_MANY]),
    Case("hash_one_hot", _hash(num_bins=5, output_mode="one_hot"),
         [const(np.array(["a", "", "b"]))]),
    Case("hash_multi_hot", _hash(num_bins=5, output_mode="multi_hot"),
         [const(np.array([["a", "b"], ["c", "a"]]))]),
    Case("hash_count", _hash(num_bins=5, output_mode="count"),
         [const(np.array([["a", "a"], ["c", "a"]]))]),
    Case("hash_int32", _hash(num_bins=5, dtype="int32"), [const(np.array(["a", "q"]))]),
    Case("cross_str_int", _cross(num_bins=5), [const(np.array(["A", "B", "C"])),
                                               const(np.array([101, 102, 103]))]),
    Case("cross_strings", _cross(num_bins=1000), [const(np.array([["x"], ["yy"], ["hello"]])),
                                                  const(np.array([["p"], ["q"], ["r"]]))]),
    Case("cross_negative_ints", _cross(num_bins=977), [ints(6, low=-100, high=100,
                                                            dtype="int64"),
                                                       ints(6, low=-5, high=5,
                                                            dtype="int64")]),
    Case("cross_one_hot", _cross(num_bins=5, output_mode="one_hot"),
         [const(np.array([["A"], ["B"]])), const(np.array([["x"], ["y"]]))]),
    Case("cross_scalar", _cross(num_bins=5), [const(np.array("A")), const(np.array("B"))]),
    Case("text_int", _text(), [_DOCS]),
    Case("text_sequence", _text(output_sequence_length=4), [_DOCS]),
    Case("text_long_sequence", _text(output_sequence_length=9, max_tokens=6), [_DOCS]),
    Case("text_lower", _text(standardize="lower", max_tokens=8), [_DOCS]),
    Case("text_strip", _text(standardize="strip_punctuation", max_tokens=8), [_DOCS]),
    Case("text_no_split_multi_hot", _text(standardize=None, split=None,
                                          output_mode="multi_hot"), [_DOCS]),
    Case("text_characters", _text(split="character", max_tokens=10, output_sequence_length=6),
         [_DOCS]),
    Case("text_bigrams_count", _text(ngrams=2, max_tokens=10, output_mode="count"), [_DOCS]),
    Case("text_ngram_widths", _text(ngrams=(2, 3), max_tokens=10, output_mode="multi_hot"),
         [_DOCS]),
    Case("text_tf_idf", _text(max_tokens=6, output_mode="tf_idf"), [_DOCS]),
    Case("text_one_hot_whole", _text(max_tokens=6, output_mode="one_hot", split=None), [_DOCS]),
    Case("text_count_padded", _text(max_tokens=20, output_mode="count", pad_to_max_tokens=True),
         [_DOCS]),
    Case("text_fixed_vocabulary", _text_fixed, [const(np.array([["a b c"], ["b"]]))]),
    Case("discretize_adapt", _discretize_adapt,
         [const((np.arange(100, dtype="float32").reshape(10, 10) ** 1.3).astype("float32")),
          f32(3, 4, scale=100.0)]),
    Case("discretize_adapt_small", _discretize_adapt, [f32(7), f32(5)]),
    Case("discretize_adapt_batches", _discretize_batches,
         [const(np.array([1., 2., 3., 4., 5., 6., 7., 8.], "float32"))]),
]
