"""Every public name of Keras 3 exists in numen.keras with the same kind (module, class,
function, object), apart from the names in keras_names_exempt.txt, each with its reason.

tests/fixtures/keras_public_names.txt is written by real Keras (make_keras_names.py).
"""

import os
import types

import pytest

from fixtures.name_kinds import kind_of
from numen import keras

HERE = os.path.join(os.path.dirname(__file__), "fixtures")


def _rows(filename):
    with open(os.path.join(HERE, filename)) as f:
        return [line.split(maxsplit=1) for line in f if line.strip() and not line.startswith("#")]


NAMES = {name: kind.strip() for name, kind in _rows("keras_public_names.txt")}
EXEMPT = {name: reason.strip() for name, reason in _rows("keras_names_exempt.txt")}


def lookup(dotted):
    """numen's object for a dotted Keras name, or a string saying what is missing."""
    obj = keras
    for part in dotted.split(".")[1:]:
        if not hasattr(obj, part):
            return None
        obj = getattr(obj, part)
    return obj


def _mismatches():
    out = []
    for name, kind in NAMES.items():
        if name in EXEMPT:
            continue
        obj = lookup(name)
        if obj is None:
            out.append(f"{name}: missing (Keras: {kind})")
        elif kind_of(obj) != kind:
            out.append(f"{name}: a {kind_of(obj)} in numen, a {kind} in Keras")
    return out


def test_every_keras_name_is_in_numen_with_its_kind():
    problems = _mismatches()
    assert not problems, f"{len(problems)} names differ:\n" + "\n".join(problems)


def test_exemptions_are_real_keras_names_still_missing():
    stale = [n for n in EXEMPT
             if n not in NAMES or (lookup(n) is not None and kind_of(lookup(n)) == NAMES[n])]
    assert not stale, "remove these from keras_names_exempt.txt:\n" + "\n".join(stale)


# Namespaces still being filled in. Every other namespace has nothing pending: its only
# exemptions are names bound to another backend.
UNFINISHED = []


def test_only_unfinished_namespaces_have_pending_names():
    pending = [n for n, why in EXEMPT.items() if why.startswith("pending")
               and not any(n == u or n.startswith(u + ".") for u in UNFINISHED)]
    assert not pending, f"{len(pending)} names still pending:\n" + "\n".join(pending)


def test_programming_surface_has_nothing_pending():
    """The programming surface (issue 14: ops, tree, utils, config, saving, top level, ...)
    is whole: no name of it waits in the exemptions."""
    pending = [n for n, why in EXEMPT.items() if "issue 14" in why]
    assert not pending, "\n".join(pending)


# Names numen's `keras` and `keras.models` add beside Keras's public ones, each with its
# reason. `Functional` is not one: Keras 3.15 exports no `keras.Functional` nor
# `keras.models.Functional` (`keras.Model(inputs, outputs)` is an instance of an internal
# class of that name), so numen does not either.
EXTRA = {
    "keras.GradientTape": "numen's own tape for custom training loops (no TensorFlow beside it)",
    "keras.models.model_from_config": "the tf.keras 2 name, kept for code written for it",
}


@pytest.mark.parametrize("namespace", ["keras", "keras.models"])
def test_namespace_adds_no_name_keras_lacks(namespace):
    names = [f"{namespace}.{n}" for n in dir(lookup(namespace)) if not n.startswith("_")]
    extra = [n for n in names if n not in NAMES and n not in EXTRA
             and not isinstance(lookup(n), types.ModuleType)]
    assert not extra, f"not public in Keras 3: {extra}"
    assert f"{namespace}.Functional" not in names
