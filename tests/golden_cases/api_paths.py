"""Variable paths and optimizer names: where Keras puts a model's name before its layers'
weights (layers built inside the model, on its first call or a later one), and how it numbers
unnamed optimizers.

Each case starts from `clear_session()`, so the automatic names do not depend on the cases
run before it. The outputs are arrays of strings (paths, names) compared exactly.
"""

import numpy as np

from golden_cases.case import Case


def _paths(model) -> np.ndarray:
    return np.array([v.path for v in model.weights])


def _sequential_with_input(k):
    k.backend.clear_session()
    return _paths(k.Sequential([k.Input((3,)), k.layers.Dense(2), k.layers.Dense(1)]))


def _sequential_lazy(k):
    k.backend.clear_session()
    model = k.Sequential([k.layers.Dense(2)])
    model(np.zeros((1, 3), "float32"))
    built = k.Sequential([k.layers.Dense(2)], name="by_build")
    built.build((None, 3))
    return _paths(model), _paths(built)


def _sequential_prebuilt_layer(k):
    # A layer built before it joins the model keeps its path.
    k.backend.clear_session()
    dense = k.layers.Dense(2)
    dense.build((None, 3))
    model = k.Sequential([dense, k.layers.Dense(1)])
    model(np.zeros((1, 3), "float32"))
    return _paths(model)


def _functional(k):
    # Layers called on keras.Input outside any model: no prefix; a Sequential called there
    # builds its layers under its own name.
    k.backend.clear_session()
    inputs = k.Input((3,))
    inner = k.Sequential([k.layers.Dense(2)])
    model = k.Model(inputs, k.layers.Dense(1)(inner(inputs)))
    return _paths(model), np.array(model.name)


def _nested_sequential(k):
    k.backend.clear_session()
    model = k.Sequential([k.Input((3,)), k.Sequential([k.layers.Dense(2)]), k.layers.Dense(1)])
    return _paths(model)


def _subclassed(k):
    class Block(k.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = k.layers.Dense(2)
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

        def call(self, x):
            return self.dense(x) * self.scale

    class Net(k.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.block = Block()
            self.head = k.layers.Dense(1)

        def build(self, input_shape):
            self.head.build((None, 2))

        def call(self, x):
            return self.head(self.block(x))

    k.backend.clear_session()
    net = Net()
    net(np.zeros((1, 3), "float32"))
    return _paths(net)


def _wrappers(k):
    k.backend.clear_session()
    model = k.Sequential([k.Input((4, 3)), k.layers.Bidirectional(k.layers.LSTM(2)),
                          k.layers.Dense(1)])
    attention = k.layers.MultiHeadAttention(num_heads=2, key_dim=2, name="mha")
    attention(np.zeros((1, 4, 3), "float32"), np.zeros((1, 5, 3), "float32"))
    return _paths(model), _paths(attention)


def _optimizer_names(k):
    k.backend.clear_session()
    model = k.Sequential([k.Input((3,)), k.layers.Dense(1)])
    first, second = k.optimizers.Adam(), k.optimizers.Adam()
    named = k.optimizers.Adam(name="adam")
    others = [k.optimizers.SGD(), k.optimizers.SGD(), k.optimizers.RMSprop(),
              k.optimizers.AdamW()]
    second.build(model.trainable_variables)
    model.compile(optimizer="adam", loss="mse")
    return (np.array([first.name, second.name, named.name] + [o.name for o in others]
                     + [model.optimizer.name]),
            np.array([v.path for v in second.variables]))


def _functional_class(k):
    # `keras.Model(inputs, outputs)` is a Functional, a Model, and is saved as one; a subclass
    # keeps its own class.
    class Sub(k.Model):
        def call(self, x):
            return x

    k.backend.clear_session()
    inputs = k.Input((3,))
    model = k.Model(inputs, k.layers.Dense(2)(inputs))
    saved = k.saving.serialize_keras_object(model)
    return np.array([type(model).__name__, model.__class__.__name__, repr(model),
                     str(isinstance(model, k.Model)), saved["class_name"], saved["module"],
                     str(saved["registered_name"]), type(Sub()).__name__,
                     type(k.Sequential()).__name__])


def _later_calls(k):
    # Keras opens a layer's name scope on every call, where the layer first opened it: a
    # sub-layer first used on a later call is under its parent's path, even when that call
    # comes from another model or inside another name_scope.
    class Later(k.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.calls = 0
            self.first = k.layers.Dense(3)
            self.second = k.layers.Dense(3)

        def call(self, x):
            self.calls += 1
            y = self.first(x)
            if self.calls >= 2:
                with k.name_scope("blk"):
                    y = self.second(y)
            return y

    class Wrap(k.Model):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

        def call(self, x):
            return self.inner(x)

    k.backend.clear_session()
    x = np.zeros((2, 3), "float32")
    plain = Later(name="plain")
    for _ in range(3):
        plain(x)
    wrapped = Wrap(Later(name="later"), name="wrap")
    for _ in range(2):
        wrapped(x)
    alone = Later(name="alone")  # first called on its own, later inside a model
    alone(x)
    Wrap(alone, name="outer")(x)
    scoped = Later(name="scoped")
    scoped(x)
    with k.name_scope("user"):
        scoped(x)
    built = Later(name="built")  # built by build(), its sub-layers by the calls after
    built.build((None, 3))
    built(x)
    built(x)
    return _paths(plain), _paths(wrapped), _paths(alone), _paths(scoped), _paths(built)


CASES = [
    Case("sequential_with_input", _sequential_with_input, check_dtype=False),
    Case("sequential_lazy", _sequential_lazy, check_dtype=False),
    Case("sequential_prebuilt_layer", _sequential_prebuilt_layer, check_dtype=False),
    Case("functional", _functional, check_dtype=False),
    Case("nested_sequential", _nested_sequential, check_dtype=False),
    Case("subclassed", _subclassed, check_dtype=False),
    Case("wrappers", _wrappers, check_dtype=False),
    Case("optimizer_names", _optimizer_names, check_dtype=False),
    Case("functional_class", _functional_class, check_dtype=False),
    Case("later_calls", _later_calls, check_dtype=False),
]
