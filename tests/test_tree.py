"""keras.tree: numen's results equal those recorded from real Keras 3
(tests/fixtures/keras_structures.py writes keras_structures.json), plus numen's own checks."""

import json
import os
import types

import pytest

from fixtures import keras_structures
from numen import keras, tree

with open(os.path.join(os.path.dirname(__file__), "fixtures", "keras_structures.json")) as f:
    RECORDED = json.load(f)["tree"]


@pytest.mark.parametrize("name", sorted(keras_structures.TREE_CASES))
def test_tree_matches_keras(name):
    got = keras_structures.record(keras, {name: keras_structures.TREE_CASES[name]})[name]
    assert got == RECORDED[name]


def test_every_case_was_recorded():
    assert set(keras_structures.TREE_CASES) == set(RECORDED)


def test_keras_tree_is_numen_tree():
    assert isinstance(keras.tree, types.ModuleType)
    assert keras.tree.map_structure is tree.map_structure
    assert isinstance(keras.tree.MAP_TO_NONE, type)


def test_map_structure_up_to_none_in_shallow_structure_is_a_leaf():
    # Keras 3.15.1 (optree) raises here, against its own documented example; numen follows
    # the documentation: a None in the shallow structure is a leaf like any other.
    assert tree.map_structure_up_to([None, None], len, [[1, 1], [2, 2, 2]]) == [2, 3]
    assert tree.map_structure_up_to([None, [None, None]], str, [[1, 1], [2, 2]]) == \
        ["[1, 1]", ["2", "2"]]


def test_errors_name_the_function_and_what_was_received():
    with pytest.raises(TypeError, match="map_structure: func must be callable"):
        tree.map_structure(3, [1])
    with pytest.raises(TypeError, match="traverse: func must be callable"):
        tree.traverse(None, [1])
    with pytest.raises(ValueError, match="pack_sequence_as: the structure has 2 leaves"):
        tree.pack_sequence_as([0, 0], [1])
    with pytest.raises(ValueError, match="expected an instance of list"):
        tree.map_structure(lambda a, b: a, [1], (1,))
    with pytest.warns(DeprecationWarning, match="check_types"):
        tree.assert_same_structure([1], [2], check_types=False)


def test_flatten_pack_round_trip_and_deep_nesting():
    structure = {"z": [1, {"k": (2, 3)}], "a": None, "m": [[[4]]]}
    assert tree.pack_sequence_as(structure, tree.flatten(structure)) == structure
    deep = 0
    for _ in range(200):
        deep = [deep]
    assert tree.flatten(deep) == [0]
