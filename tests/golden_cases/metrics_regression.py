"""keras.metrics R2Score, PearsonCorrelation and ConcordanceCorrelation (classes after several
update_state calls, and the functions)."""

from golden_cases.case import Case, f32, pos
from golden_cases.metrics_iou import _run

CASES = [
    Case("r2_uniform", lambda k, y, p: _run(k.metrics.R2Score(), y, p),
         [f32(9, 2), f32(9, 2)]),
    Case("r2_single_col", lambda k, y, p: _run(k.metrics.R2Score(), y, y + 0.3 * p),
         [f32(8, 1), f32(8, 1)]),
    Case("r2_variance_weighted_weights",
         lambda k, y, p, w: _run(k.metrics.R2Score(class_aggregation="variance_weighted_average"),
                                 y, y + 0.5 * p, w),
         [f32(9, 3), f32(9, 3), pos(9)]),
    Case("r2_none_reset",
         lambda k, y, p: _run(k.metrics.R2Score(class_aggregation=None), y, p,
                              reset_first=True),
         [f32(9, 3), f32(9, 3)]),
    Case("r2_adjusted", lambda k, y, p: _run(k.metrics.R2Score(num_regressors=2), y, y + p),
         [f32(10, 1), f32(10, 1)]),
    Case("pearson_cls", lambda k, y, p: _run(k.metrics.PearsonCorrelation(), y, y + p),
         [f32(6, 5), f32(6, 5)]),
    Case("pearson_cls_axis0_weights",
         lambda k, y, p, w: _run(k.metrics.PearsonCorrelation(axis=0), y, y - p, w, parts=1),
         [f32(6, 4), f32(6, 4), pos(4)]),
    Case("pearson_fn", lambda k, y, p: k.metrics.pearson_correlation(y, y + p),
         [f32(4, 5), f32(4, 5)], grad=True),
    Case("pearson_fn_axis0", lambda k, y, p: k.metrics.pearson_correlation(y, p, axis=0),
         [f32(5, 3), f32(5, 3)], grad=True),
    Case("concordance_cls", lambda k, y, p: _run(k.metrics.ConcordanceCorrelation(), y, y + p),
         [f32(6, 5), f32(6, 5)]),
    Case("concordance_weights",
         lambda k, y, p, w: _run(k.metrics.ConcordanceCorrelation(), y, p, w),
         [f32(6, 5), f32(6, 5), pos(6)]),
    Case("concordance_fn", lambda k, y, p: k.metrics.concordance_correlation(y, 2 * y + p),
         [f32(4, 5), f32(4, 5)], grad=True),
]
