"""numen.ops re-exports functions under their Keras names: no family module may share a name
with a function of the catalogue, or importing the module would hide the function (the way
`keras.ops.shape` once became a module)."""

import pathlib
import types

import numen.ops as ops_package

FAMILIES = sorted(p.stem for p in pathlib.Path(ops_package.__file__).parent.glob("*.py")
                  if p.stem != "__init__")


def test_no_family_module_is_named_like_a_function():
    clashes = [name for name in FAMILIES
               if hasattr(ops_package, name)
               and not isinstance(getattr(ops_package, name), types.ModuleType)]
    assert not clashes, f"rename these ops modules: {clashes}"


def test_keras_ops_exposes_functions_not_family_modules():
    from numen import keras

    for name in FAMILIES:
        value = getattr(keras.ops, name, None)
        if isinstance(value, types.ModuleType):  # only Keras's own views: nn, linalg, image
            assert value.__name__.startswith("numen.keras.ops."), (name, value.__name__)
