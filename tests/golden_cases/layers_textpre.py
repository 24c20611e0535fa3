"""Categorical preprocessing layers that real Keras runs without TensorFlow: CategoryEncoding,
Discretization (given boundaries) and Pipeline. Their adapt() and the string layers need
TensorFlow beside Keras: see layers_textpre_tf."""

import numpy as np

from golden_cases.case import Case, const, ints

_IDS = const(np.array([[0, 1], [0, 0], [1, 2], [3, 1]]))
_IDS3 = const(np.array([[[0, 1], [0, 0]], [[1, 2], [3, 1]]]))
_VALUES = const(np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]], dtype="float32"))


def _encode(mode, **kw):
    return lambda k, x: k.layers.CategoryEncoding(num_tokens=4, output_mode=mode, **kw)(x)


def _discretize(mode):
    return lambda k, x: k.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0],
                                                output_mode=mode)(x)


def _pipeline(k, x):
    layer = k.layers.Pipeline([k.layers.Discretization(bin_boundaries=[0.0, 1.0]),
                               k.layers.CategoryEncoding(num_tokens=3, output_mode="count")])
    return layer(x)


CASES = [
    Case("encoding_one_hot", _encode("one_hot"), [const(np.array([3, 2, 0, 1]))]),
    Case("encoding_one_hot_column", _encode("one_hot"), [const(np.array([[3], [2]]))]),
    Case("encoding_one_hot_wide", _encode("one_hot"), [const(np.array([[3, 1], [2, 0]]))]),
    Case("encoding_multi_hot", _encode("multi_hot"), [_IDS]),
    Case("encoding_multi_hot_3d", _encode("multi_hot"), [_IDS3]),
    Case("encoding_count_3d", _encode("count"), [_IDS3]),
    Case("encoding_binary_vector", _encode("binary"), [const(np.array([2, 1, 2]))]),
    Case("encoding_scalar", _encode("multi_hot"), [const(np.array(2))]),
    Case("encoding_out_of_range", _encode("multi_hot"), [const(np.array([2, 7, -1]))]),
    Case("encoding_count_weights",
         lambda k, x, w: k.layers.CategoryEncoding(num_tokens=4, output_mode="count")(
             x, count_weights=w), [_IDS, const(np.array([[.1, .2], [.1, .1], [.2, .3],
                                                         [.4, .2]], dtype="float32"))]),
    Case("encoding_int_ids", _encode("one_hot"), [ints(5, high=4)]),
    Case("discretize_int", _discretize("int"), [_VALUES]),
    Case("discretize_int_input", _discretize("int"), [const(np.array([[-1, 1, 3, 0]]))]),
    Case("discretize_one_hot", _discretize("one_hot"), [const(np.array([-1.5, 1.0, 3.4, .5],
                                                                       "float32"))]),
    Case("discretize_multi_hot", _discretize("multi_hot"), [_VALUES]),
    Case("discretize_count", _discretize("count"), [_VALUES]),
    Case("pipeline", _pipeline, [const(np.array([[-1., 0.5, 2.0], [3., 3., 0.]], "float32"))]),
]
