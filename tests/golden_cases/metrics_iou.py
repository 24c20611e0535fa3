"""keras.metrics IoU, MeanIoU, BinaryIoU, OneHotIoU and OneHotMeanIoU after several
update_state calls (and a reset_state)."""

import numpy as np

from golden_cases.case import Case, f32, ints, pos


def _run(metric, y, p, w=None, parts=3, reset_first=False):
    """Feed the inputs in `parts` slices along the batch axis and return result()."""
    if reset_first:
        metric.update_state(y, p)
        metric.reset_state()
    n = len(y)
    cuts = [round(i * n / parts) for i in range(parts + 1)]
    for a, b in zip(cuts[:-1], cuts[1:]):
        if w is None:
            metric.update_state(y[a:b], p[a:b])
        else:
            metric.update_state(y[a:b], p[a:b], sample_weight=w[a:b])
    return metric.result()


def _one_hot(n, c):
    return lambda rng: np.eye(c, dtype="float32")[rng.integers(0, c, n)]


def _weights(n):
    return lambda rng: rng.integers(0, 3, n).astype("float32")


CASES = [
    Case("iou_targets", lambda k, y, p: _run(k.metrics.IoU(4, [0, 2]), y, p),
         [ints(12, high=4), ints(12, high=4)]),
    Case("iou_2d_weights",
         lambda k, y, p, w: _run(k.metrics.IoU(3, target_class_ids=[1]), y, p, w),
         [ints(6, 2, high=3), ints(6, 2, high=3), lambda rng: rng.integers(0, 3, (6, 2))]),
    Case("iou_ignore_out_of_range",
         lambda k, y, p: _run(k.metrics.IoU(3, [0, 1, 2], ignore_class=1), y, p),
         [ints(15, low=-1, high=4), ints(15, high=3)]),
    Case("iou_dense_pred",
         lambda k, y, p: _run(k.metrics.IoU(3, [0, 1], sparse_y_pred=False), y, p),
         [ints(10, high=3), f32(10, 3)]),
    Case("mean_iou", lambda k, y, p: _run(k.metrics.MeanIoU(num_classes=4), y, p),
         [ints(16, high=4), ints(16, high=4)]),
    Case("mean_iou_weights_reset",
         lambda k, y, p, w: _run(k.metrics.MeanIoU(3), y, p, w, reset_first=True),
         [ints(9, high=3), ints(9, high=3), _weights(9)]),
    Case("mean_iou_unseen_class", lambda k, y, p: _run(k.metrics.MeanIoU(5), y, p),
         [ints(8, high=3), ints(8, high=3)]),
    Case("binary_iou", lambda k, y, p: _run(k.metrics.BinaryIoU(), y, p),
         [ints(12, high=2), pos(12, low=0.0, high=1.0)]),
    Case("binary_iou_threshold_one_target",
         lambda k, y, p, w: _run(k.metrics.BinaryIoU(target_class_ids=[1], threshold=0.3),
                                 y, p, w),
         [ints(12, high=2), pos(12, low=0.0, high=1.0), _weights(12)]),
    Case("one_hot_iou",
         lambda k, y, p: _run(k.metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2]), y, p),
         [_one_hot(10, 3), f32(10, 3)]),
    Case("one_hot_mean_iou", lambda k, y, p: _run(k.metrics.OneHotMeanIoU(num_classes=3), y, p),
         [_one_hot(10, 3), pos(10, 3)]),
    Case("one_hot_mean_iou_ignore",
         lambda k, y, p: _run(k.metrics.OneHotMeanIoU(3, ignore_class=0), y, p),
         [_one_hot(10, 3), pos(10, 3)]),
]
