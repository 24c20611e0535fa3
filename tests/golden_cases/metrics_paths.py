"""Metric names and variable paths: which built-in metrics Keras numbers when unnamed
('precision', then 'precision_1'; 'mean' stays 'mean'), where a metric made inside a
`name_scope` or with '/' in its name puts its variables, and the paths of a compiled model's
metrics after fit (`metrics_variables`, per-output loss trackers included) beside the log
names.

Each case starts from `clear_session()`, so the automatic names do not depend on the cases
run before it. The outputs are arrays of strings compared exactly.
"""

import numpy as np

from golden_cases.case import Case


def _names_and_paths(metrics):
    return (np.array([m.name for m in metrics]),
            np.array([v.path for m in metrics for v in m.variables]))


def _builtin_twice(k):
    k.backend.clear_session()
    m = k.metrics
    made = []
    for make in (m.Mean, lambda: m.AUC(num_thresholds=3), m.Precision,
                 lambda: m.Recall(top_k=1), m.BinaryAccuracy, m.TruePositives,
                 lambda: m.MeanIoU(num_classes=2), m.R2Score,
                 lambda: m.MeanMetricWrapper(lambda y, p: p)):
        made += [make(), make()]
    made.append(m.Precision(name="precision"))  # a name given is kept, even a taken one
    return _names_and_paths(made)


def _scoped_and_slashed(k):
    k.backend.clear_session()
    with k.name_scope("outer"):
        scoped = [k.metrics.Precision(), k.metrics.Mean(name="avg")]
    slashed = k.metrics.Mean(name="head/loss")
    return _names_and_paths(scoped + [slashed])


def _shared_counter(k):
    # Unnamed layers and metrics draw on one counter per name.
    class Precision(k.layers.Layer):
        pass

    k.backend.clear_session()
    layer = Precision()
    return _names_and_paths([k.metrics.Precision()]) + (np.array(layer.name),)


def _custom(k):
    class Hits(k.metrics.Metric):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hits = self.add_variable((), "zeros", name="hits")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.hits.assign_add(1.0)

        def result(self):
            return self.hits

    k.backend.clear_session()
    with k.name_scope("outer"):
        scoped = Hits(name="inner")
    return _names_and_paths([Hits(), Hits(), Hits(name="named"), scoped])


def _compiled(k):
    k.backend.clear_session()
    k.metrics.AUC()
    k.metrics.Precision()
    given = [k.metrics.AUC(), k.metrics.Precision(name="p")]
    x = np.linspace(0, 1, 24, dtype="float32").reshape(8, 3)
    y = np.array([[0], [1], [0], [1], [1], [0], [1], [0]], "float32")
    out = []
    for metrics in (["auc", "precision", "accuracy", "mse", "binary_crossentropy"], given):
        inputs = k.Input((3,))
        model = k.Model(inputs, k.layers.Dense(1, activation="sigmoid")(inputs))
        model.compile("sgd", "binary_crossentropy", metrics=metrics)
        history = model.fit(x, y, epochs=1, verbose=0)
        out += [np.array(sorted(history.history)),
                np.array([v.path for v in model.metrics_variables])]
    return tuple(out)


def _compiled_multi_output(k):
    # Keras keeps per-output loss trackers under 'compile_loss', after the compiled metrics.
    k.backend.clear_session()
    inputs = k.Input((3,))
    model = k.Model(inputs, [k.layers.Dense(1, name="a")(inputs),
                             k.layers.Dense(2, name="b")(inputs)])
    model.compile("sgd", ["mse", "mse"], metrics=[["mae"], ["mae", k.metrics.AUC()]])
    x = np.linspace(0, 1, 24, dtype="float32").reshape(8, 3)
    history = model.fit(x, [x[:, :1], x[:, 1:]], epochs=1, verbose=0)
    return (np.array(sorted(history.history)),
            np.array([v.path for v in model.metrics_variables]))


CASES = [
    Case("builtin_twice", _builtin_twice, check_dtype=False),
    Case("scoped_and_slashed", _scoped_and_slashed, check_dtype=False),
    Case("shared_counter", _shared_counter, check_dtype=False),
    Case("custom", _custom, check_dtype=False),
    Case("compiled", _compiled, check_dtype=False),
    Case("compiled_multi_output", _compiled_multi_output, check_dtype=False),
]
