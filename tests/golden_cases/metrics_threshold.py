"""keras.metrics SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall and
RecallAtPrecision after several update_state calls."""

from golden_cases.case import Case, ints, pos
from golden_cases.metrics_iou import _run

P = pos(20, low=0.0, high=1.0)
Y = ints(20, high=2)


def _weights(n):
    return lambda rng: rng.uniform(0.0, 2.0, n).astype("float32")


CASES = [
    Case("sens_at_spec", lambda k, y, p: _run(k.metrics.SensitivityAtSpecificity(0.6), y, p),
         [Y, P]),
    Case("sens_at_spec_few_thresholds_weights",
         lambda k, y, p, w: _run(k.metrics.SensitivityAtSpecificity(0.4, num_thresholds=5),
                                 y, p, w),
         [Y, P, _weights(20)]),
    Case("sens_at_spec_one_threshold",
         lambda k, y, p: _run(k.metrics.SensitivityAtSpecificity(0.5, num_thresholds=1), y, p),
         [Y, P]),
    Case("spec_at_sens", lambda k, y, p: _run(k.metrics.SpecificityAtSensitivity(0.7), y, p),
         [Y, P]),
    Case("spec_at_sens_class_id_reset",
         lambda k, y, p: _run(k.metrics.SpecificityAtSensitivity(0.5, class_id=1), y, p,
                              reset_first=True),
         [ints(12, 3, high=2), pos(12, 3, low=0.0, high=1.0)]),
    Case("precision_at_recall",
         lambda k, y, p: _run(k.metrics.PrecisionAtRecall(0.5), y, p), [Y, P]),
    Case("precision_at_recall_2d_weights",
         lambda k, y, p, w: _run(k.metrics.PrecisionAtRecall(0.8, num_thresholds=20), y, p, w),
         [ints(10, 2, high=2), pos(10, 2, low=0.0, high=1.0), _weights(10)]),
    Case("recall_at_precision",
         lambda k, y, p: _run(k.metrics.RecallAtPrecision(0.6), y, p), [Y, P]),
    Case("recall_at_precision_unreachable",
         lambda k, y, p: _run(k.metrics.RecallAtPrecision(1.0, num_thresholds=10), y, p),
         [Y, P]),
]
