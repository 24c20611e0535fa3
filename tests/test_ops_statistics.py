"""Statistics, NaN-skipping reductions, search ops and array products: values against NumPy,
float64 gradient checks, and clear errors on bad input. (Agreement with Keras itself, dtypes
included, is in the golden families ops_statistics*.)"""

import numpy as np
import pytest

from numen import keras, ops, testing


def with_nans(shape, seed=0):
    x = testing.randn(shape, seed=seed)
    x.reshape(-1)[::3] = np.nan  # never a whole row or column of the shapes used here
    return x


# -- values against NumPy ------------------------------------------------------------------
@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("axis", [None, 1, (0, 2)])
def test_quantile_matches_numpy(method, axis):
    x = testing.randn((3, 5, 2), seed=1)
    q = [0.1, 0.5, 0.8]
    got = ops.quantile(x, q, axis=axis, method=method, keepdims=True)
    testing.assert_close(got, np.quantile(x, q, axis=axis, method=method, keepdims=True))


def test_nearest_takes_the_lower_value_at_a_half():
    # NumPy rounds a position of k + 0.5 to even; Keras's JAX backend (and numen) take k.
    testing.assert_close(ops.percentile(np.arange(4.0), 50, method="nearest"), 1.0)
    testing.assert_close(ops.percentile(np.arange(4.0), 60, method="nearest"), 2.0)


def test_nan_reductions_match_numpy():
    x = with_nans((3, 4))
    for name in ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
                 "nanmedian", "nanargmax", "nanargmin"]:
        for axis in (None, 0, 1):
            got = getattr(ops, name)(x, axis=axis)
            testing.assert_close(got, getattr(np, name)(x, axis=axis), err_msg=name)
    testing.assert_close(ops.nanquantile(x, 0.3, axis=1), np.nanquantile(x, 0.3, axis=1))
    testing.assert_close(ops.nanpercentile(x, 70), np.nanpercentile(x, 70))
    testing.assert_close(ops.nancumsum(x, axis=0), np.nancumsum(x, axis=0))
    testing.assert_close(ops.nancumprod(x), np.nancumprod(x))


def test_all_nan_slices():
    x = np.array([[1.0, np.nan], [np.nan, np.nan]])
    assert np.isnan(ops.nanmean(x, axis=1).numpy()[1])
    assert np.isnan(ops.nanmax(x, axis=1).numpy()[1])
    assert np.isnan(ops.nanmedian(x, axis=1).numpy()[1])
    assert ops.nanargmax(x, axis=1).numpy().tolist() == [0, -1]
    assert ops.nansum(x, axis=1).numpy().tolist() == [1.0, 0.0]


def test_products_match_numpy():
    a, b = testing.randn((4, 3), seed=2), testing.randn((4, 3), seed=3)
    testing.assert_close(ops.cross(a, b), np.cross(a, b))
    a0 = np.concatenate([a[:, :2], np.zeros((4, 1))], axis=1)  # a 2-vector has z = 0
    testing.assert_close(ops.cross(a[:, :2], b), np.cross(a0, b))
    testing.assert_close(ops.cross(a.T, b.T, axis=0), np.cross(a.T, b.T, axis=0))
    testing.assert_close(ops.inner(a, b), np.inner(a, b))
    testing.assert_close(ops.vdot(a, b), np.vdot(a, b))
    testing.assert_close(ops.kron(a, b[:2]), np.kron(a, b[:2]))
    testing.assert_close(ops.diff(a, n=2, axis=0), np.diff(a, n=2, axis=0))
    testing.assert_close(ops.trace(a, offset=-1), np.trace(a, offset=-1))
    testing.assert_close(ops.trapezoid(a, x=b[0], axis=1), np.trapezoid(a, x=b[0], axis=1))
    for n in range(1, 6):
        for m in range(1, 6):
            u, v = testing.randn((n,), seed=n), testing.randn((m,), seed=10 + m)
            for mode in ("valid", "same", "full"):
                testing.assert_close(ops.correlate(u, v, mode), np.correlate(u, v, mode))


def test_statistics_match_numpy():
    x, w = testing.randn((3, 4), seed=4), testing.randn((3, 4), seed=5, low=0.5, high=2)
    testing.assert_close(ops.average(x, axis=1, weights=w), np.average(x, axis=1, weights=w))
    testing.assert_close(ops.average(x, axis=0, weights=w[:, 0]),
                         np.average(x, axis=0, weights=w[:, 0]))
    testing.assert_close(ops.corrcoef(x), np.corrcoef(x))
    testing.assert_close(ops.ptp(x, axis=1), np.ptp(x, axis=1))
    d = np.sqrt(((x[:, None] - w[None]) ** 2).sum(-1))
    testing.assert_close(ops.cdist(x, w), d)
    counts, edges = ops.histogram(x.reshape(-1), bins=4)
    ref = np.histogram(x.reshape(-1), bins=4)
    testing.assert_close(counts, ref[0])
    testing.assert_close(edges, ref[1])
    ids = np.array([[0, 3, 3], [1, 1, -1]])
    assert ops.bincount(ids, minlength=5).numpy().tolist() == [[1, 0, 0, 2, 0], [0, 2, 0, 0, 0]]
    assert ops.count_nonzero(np.array([[0, 1], [2, 3]]), axis=0).numpy().tolist() == [1, 2]


def test_search_ops():
    x = np.array([3.0, 1.0, 4.0, 1.5, 0.0])
    order = ops.argpartition(x, 2).numpy()
    assert sorted(x[order[:3]]) == sorted(np.sort(x)[:3]) and x[order[2]] == np.sort(x)[2]
    assert ops.searchsorted(np.array([1, 2, 2, 3]), np.array([2]), side="right").numpy() == [3]
    assert ops.digitize(x, np.array([1.0, 2.0])).numpy().tolist() == [2, 1, 2, 1, 0]
    values, index, inverse, counts = ops.unique(np.array([[2, 1], [2, 5]]), return_index=True,
                                                return_inverse=True, return_counts=True)
    assert values.numpy().tolist() == [1, 2, 5] and index.numpy().tolist() == [1, 0, 3]
    assert inverse.shape == (2, 2) and counts.numpy().tolist() == [1, 2, 1]
    padded = ops.unique(np.array([4, 4, 2]), size=4, fill_value=9)
    assert padded.numpy().tolist() == [2, 4, 9, 9]
    assert ops.isin(np.array([1, 2]), np.array([2])).numpy().tolist() == [False, True]
    rows, cols = ops.nonzero(np.array([[0, 1], [1, 0]]))
    assert rows.numpy().tolist() == [0, 1] and cols.dtype == "int32"


def test_keras_namespaces_share_the_functions():
    assert keras.ops.numpy.nanmean is keras.ops.nanmean
    testing.assert_close(keras.ops.median(np.array([1.0, 5.0, 2.0])), 2.0)


# -- float64 gradient checks -----------------------------------------------------------------
X34 = testing.randn((3, 4), seed=6)
NAN34 = with_nans((3, 4), seed=7)
GRADS = {
    "quantile_linear": (lambda t: ops.quantile(t, [0.2, 0.6], axis=1), [X34]),
    "quantile_midpoint": (lambda t: ops.quantile(t, 0.5, axis=0, method="midpoint"), [X34]),
    "percentile_tuple": (lambda t: ops.percentile(t, 35, axis=(0, 1), keepdims=True), [X34]),
    "median": (lambda t: ops.median(t, axis=-1), [X34]),
    "average": (lambda t, w: ops.average(t, axis=1, weights=w),
                [X34, testing.randn((4,), seed=8, low=0.5, high=2)]),
    "ptp": (lambda t: ops.ptp(t, axis=0), [X34]),
    "corrcoef": (lambda t: ops.corrcoef(t), [X34]),
    "cdist": (lambda a, b: ops.cdist(a, b), [X34, testing.randn((2, 4), seed=9)]),
    "bincount_weights": (lambda w: ops.bincount(np.array([0, 2, 2, 1]), weights=w),
                         [testing.randn((4,), seed=10)]),
    "nansum": (lambda t: ops.nansum(t, axis=1), [NAN34]),
    "nanprod": (lambda t: ops.nanprod(t, axis=0), [NAN34]),
    "nanmean": (lambda t: ops.nanmean(t, axis=(0, 1)), [NAN34]),
    "nanvar": (lambda t: ops.nanvar(t, axis=1, keepdims=True), [NAN34]),
    "nanstd": (lambda t: ops.nanstd(t, axis=0), [NAN34]),
    "nanmax": (lambda t: ops.nanmax(t, axis=1), [NAN34]),
    "nanmin": (lambda t: ops.nanmin(t), [NAN34]),
    "nancumsum": (lambda t: ops.nancumsum(t, axis=1), [NAN34]),
    "nancumprod": (lambda t: ops.nancumprod(t, axis=0), [NAN34]),
    "nanquantile": (lambda t: ops.nanquantile(t, [0.3, 0.9], axis=1), [NAN34]),
    "nanpercentile": (lambda t: ops.nanpercentile(t, 60), [NAN34]),
    "nanmedian": (lambda t: ops.nanmedian(t, axis=0), [NAN34]),
    "diff": (lambda t: ops.diff(t, n=2), [X34]),
    "trapezoid": (lambda y, x: ops.trapezoid(y, x=x), [X34, testing.randn((4,), seed=11)]),
    "trapezoid_dx": (lambda y: ops.trapezoid(y, dx=0.3, axis=0), [X34]),
    "inner": (lambda a, b: ops.inner(a, b), [X34, testing.randn((2, 4), seed=12)]),
    "vdot": (lambda a, b: ops.vdot(a, b), [X34, testing.randn((12,), seed=13)]),
    "kron": (lambda a, b: ops.kron(a, b), [X34[:2, :2], testing.randn((3,), seed=14)]),
    "trace": (lambda t: ops.trace(t, offset=1), [X34]),
    "cross": (lambda a, b: ops.cross(a, b), [X34[:, :3], testing.randn((3, 3), seed=15)]),
    "cross_2d": (lambda a, b: ops.cross(a, b), [X34[:, :2], testing.randn((3, 2), seed=16)]),
    "correlate_same": (lambda a, b: ops.correlate(a, b, "same"),
                       [testing.randn((5,), seed=17), testing.randn((3,), seed=18)]),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradient(name):
    fn, inputs = GRADS[name]
    testing.check_grad(fn, inputs)


# -- bad input -------------------------------------------------------------------------------
BAD = [
    (lambda: ops.quantile(X34, 1.5), ValueError, "quantile: q"),
    (lambda: ops.percentile(X34, 50, method="cubic"), ValueError, "percentile: method"),
    (lambda: ops.median(X34, axis=3), ValueError, "median: axis 3"),
    (lambda: ops.average(X34, weights=np.ones(4)), ValueError, "average: weights"),
    (lambda: ops.average(X34, axis=1, weights=np.ones(3)), ValueError, "average: weights"),
    (lambda: ops.ptp(X34 > 0), TypeError, "ptp: x"),
    (lambda: ops.corrcoef(np.ones((2, 2, 2))), ValueError, "corrcoef: x"),
    (lambda: ops.cdist(X34, np.ones((2, 3))), ValueError, "cdist: x and y"),
    (lambda: ops.histogram(X34), ValueError, "histogram: x"),
    (lambda: ops.histogram(X34[0], bins=[0, 1]), TypeError, "histogram: bins"),
    (lambda: ops.bincount(X34[0]), TypeError, "bincount: x"),
    (lambda: ops.bincount(np.array([1]), sparse=True), ValueError, "bincount: sparse"),
    (lambda: ops.nanargmax(X34, axis=(0, 1)), TypeError, "nanargmax: axis"),
    (lambda: ops.nanquantile(X34, [[0.5]]), ValueError, "nanquantile: q"),
    (lambda: ops.argpartition(X34, 4), ValueError, "argpartition: kth"),
    (lambda: ops.searchsorted(X34, X34), ValueError, "searchsorted: sorted_sequence"),
    (lambda: ops.searchsorted(X34[0], 1.0, side="middle"), ValueError, "searchsorted: side"),
    (lambda: ops.digitize(X34, X34), ValueError, "digitize: bins"),
    (lambda: ops.unique(X34, size=-1), ValueError, "unique: size"),
    (lambda: ops.nonzero(np.float64(1.0)), ValueError, "nonzero: x"),
    (lambda: ops.diff(X34, n=-1), ValueError, "diff: n"),
    (lambda: ops.trapezoid(X34, x=np.ones(3)), ValueError, "trapezoid: 1-D x"),
    (lambda: ops.inner(X34, np.ones(3)), ValueError, "inner: the last axes"),
    (lambda: ops.vdot(X34, np.ones(3)), ValueError, "vdot: x1"),
    (lambda: ops.trace(np.ones(3)), ValueError, "trace: x"),
    (lambda: ops.trace(X34, axis1=1, axis2=-1), ValueError, "trace: axis1"),
    (lambda: ops.cross(X34, X34), ValueError, "cross: vectors"),
    (lambda: ops.correlate(X34, X34[0]), ValueError, "correlate: x1 and x2"),
    (lambda: ops.correlate(X34[0], X34[0], mode="wide"), ValueError, "correlate: mode"),
]


@pytest.mark.parametrize("call,error,message", BAD, ids=[b[2] for b in BAD])
def test_bad_input_names_the_op_and_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
