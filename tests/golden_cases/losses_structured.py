"""keras.losses Dice, Tversky, Circle and CTC, as objects and functions."""

import numpy as np

from golden_cases.case import Case, f32, ints, pos


def _labels(*shape):
    return lambda rng: (rng.random(shape) > 0.5).astype("float32")


def _classes(rng):
    return np.array([0, 1, 0, 2, 1, 3], dtype="int32")


def _ctc_labels(rng):
    return np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]], dtype="int32")


def _unit(k, e):
    return e / k.ops.sqrt(k.ops.sum(e * e, axis=-1, keepdims=True))


CASES = [
    Case("dice_all", lambda k, y, p: k.losses.Dice()(y, p), [_labels(3, 4), pos(3, 4, low=0.0,
                                                                                high=1.0)],
         grad=(1,)),
    Case("dice_axis", lambda k, y, p: k.losses.Dice(axis=(1, 2))(y, p),
         [_labels(2, 3, 3, 2), pos(2, 3, 3, 2, low=0.0, high=1.0)], grad=(1,)),
    Case("dice_axis_weights_sum",
         lambda k, y, p, w: k.losses.Dice(axis=-1, reduction="sum")(y, p, sample_weight=w),
         [_labels(4, 3), pos(4, 3, low=0.0, high=1.0), pos(4)], grad=(1,)),
    Case("dice_fn", lambda k, y, p: k.losses.dice(y, p, axis=-1),
         [_labels(4, 3), pos(4, 3, low=0.0, high=1.0)], grad=(1,)),
    Case("tversky_default", lambda k, y, p: k.losses.Tversky()(y, p),
         [_labels(3, 4), pos(3, 4, low=0.0, high=1.0)], grad=(1,)),
    Case("tversky_ab_axis",
         lambda k, y, p: k.losses.Tversky(alpha=0.7, beta=0.3, axis=-1, reduction=None)(y, p),
         [_labels(4, 3), pos(4, 3, low=0.0, high=1.0)], grad=(1,)),
    Case("tversky_fn", lambda k, y, p: k.losses.tversky(y, p, alpha=0.2, beta=0.8, axis=1),
         [_labels(4, 3), pos(4, 3, low=0.0, high=1.0)], grad=(1,)),
    Case("circle_default", lambda k, y, e: k.losses.Circle()(y, _unit(k, e)),
         [_classes, f32(6, 4)], grad=(1,)),
    Case("circle_args_none",
         lambda k, y, e: k.losses.Circle(gamma=10.0, margin=0.25, remove_diagonal=False,
                                         reduction="none")(y, 0.6 * _unit(k, e)),
         [_classes, f32(6, 4)], grad=(1,)),
    Case("circle_weights",
         lambda k, y, e, w: k.losses.Circle(gamma=5.0)(y, _unit(k, e), sample_weight=w),
         [_classes, f32(6, 4), pos(6)], grad=(1,)),
    Case("circle_fn", lambda k, y, e: k.losses.circle(y, _unit(k, e), gamma=20.0),
         [_classes, f32(6, 4)], grad=(1,)),
    Case("ctc_default", lambda k, y, p: k.losses.CTC()(y, p), [_ctc_labels, f32(3, 6, 4)],
         grad=(1,)),
    Case("ctc_none_weights",
         lambda k, y, p, w: k.losses.CTC(reduction="none")(y, p, sample_weight=w),
         [_ctc_labels, f32(3, 6, 4), pos(3)], grad=(1,)),
    Case("ctc_fn", lambda k, y, p: k.losses.ctc(y, p), [_ctc_labels, f32(3, 5, 4)], grad=(1,)),
    Case("ctc_float_labels", lambda k, y, p: k.losses.CTC()(y, p),
         [ints(2, 2, low=1, high=4, dtype="float32"), f32(2, 5, 4)], grad=(1,)),
]
