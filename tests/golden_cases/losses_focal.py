"""keras.losses focal cross-entropies and the generalized cross-entropy, as objects and
functions, with sample weights and reductions."""

from golden_cases.case import Case, f32, ints, pos


def _labels(*shape):
    return lambda rng: (rng.random(shape) > 0.5).astype("float32")


def _one_hot(n, c):
    return lambda rng: __import__("numpy").eye(c, dtype="float32")[rng.integers(0, c, n)]


P = pos(4, 3, low=0.05, high=0.95)

CASES = [
    Case("bfce_default", lambda k, y, p: k.losses.BinaryFocalCrossentropy(gamma=2.0)(y, p),
         [_labels(4, 3), P], grad=(1,)),
    Case("bfce_logits_balanced",
         lambda k, y, p: k.losses.BinaryFocalCrossentropy(
             apply_class_balancing=True, alpha=0.3, gamma=3.0, from_logits=True)(y, p),
         [_labels(4, 3), f32(4, 3)], grad=(1,)),
    Case("bfce_smoothing_weights",
         lambda k, y, p, w: k.losses.BinaryFocalCrossentropy(label_smoothing=0.1)(
             y, p, sample_weight=w),
         [_labels(4, 3), P, pos(4)], grad=(1,)),
    Case("bfce_sum", lambda k, y, p: k.losses.BinaryFocalCrossentropy(reduction="sum")(y, p),
         [_labels(4, 3), P], grad=(1,)),
    Case("bfce_none_rank1",
         lambda k, y, p: k.losses.BinaryFocalCrossentropy(reduction=None)(y, p),
         [_labels(5), pos(5, 1, low=0.05, high=0.95)], grad=(1,)),
    Case("bfce_fn", lambda k, y, p: k.losses.binary_focal_crossentropy(y, p, gamma=1.5),
         [_labels(4, 3), P], grad=(1,)),
    Case("bfce_metric_fn",
         lambda k, y, p: k.metrics.binary_focal_crossentropy(y, p, from_logits=True),
         [_labels(4, 3), f32(4, 3)], grad=(1,)),
    Case("cfce_default", lambda k, y, p: k.losses.CategoricalFocalCrossentropy()(y, p),
         [_one_hot(4, 3), P], grad=(1,)),
    Case("cfce_logits_smooth",
         lambda k, y, p: k.losses.CategoricalFocalCrossentropy(
             alpha=0.5, gamma=1.0, from_logits=True, label_smoothing=0.2)(y, p),
         [_one_hot(4, 3), f32(4, 3)], grad=(1,)),
    Case("cfce_weights_mean_sw",
         lambda k, y, p, w: k.losses.CategoricalFocalCrossentropy(
             reduction="mean_with_sample_weight")(y, p, sample_weight=w),
         [_one_hot(4, 3), P, pos(4)], grad=(1,)),
    Case("cfce_fn", lambda k, y, p: k.losses.categorical_focal_crossentropy(y, p, gamma=3.0),
         [_one_hot(4, 3), P], grad=(1,)),
    Case("cfce_metric_fn", lambda k, y, p: k.metrics.categorical_focal_crossentropy(y, p),
         [_one_hot(4, 3), P], grad=(1,)),
    Case("gce_default",
         lambda k, y, p: k.losses.CategoricalGeneralizedCrossEntropy()(y, p),
         [ints(4, high=3), P], grad=(1,)),
    Case("gce_q_none",
         lambda k, y, p: k.losses.CategoricalGeneralizedCrossEntropy(q=0.2, reduction="none")(
             y, p),
         [ints(4, high=3), P], grad=(1,)),
    Case("gce_fn", lambda k, y, p: k.losses.categorical_generalized_cross_entropy(y, p, q=0.7),
         [ints(4, high=3), P], grad=(1,)),
]
