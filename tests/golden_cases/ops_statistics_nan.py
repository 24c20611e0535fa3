"""Reductions that skip NaNs (ops/nan_reduce.py)."""

import numpy as np

from golden_cases.case import Case, bools, const, ints


def nans(*shape, every=3):
    """Normal float32 values with every `every`-th one NaN (no row or column all NaN)."""
    def make(rng):
        x = rng.standard_normal(shape).astype("float32")
        x.reshape(-1)[::every] = np.nan
        return x
    return make


ALL_NAN_ROW = const([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]], "float32")
REDUCTIONS = ("nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
              "nanmedian")

CASES = [
    *[Case(f"{n}_axis1", lambda k, x, n=n: getattr(k.ops, n)(x, axis=1), [nans(3, 4)],
           grad=True) for n in REDUCTIONS],
    *[Case(f"{n}_all_keepdims", lambda k, x, n=n: getattr(k.ops, n)(x, keepdims=True),
           [nans(3, 4)], grad=True) for n in REDUCTIONS],
    *[Case(f"{n}_all_nan_row", lambda k, x, n=n: getattr(k.ops, n)(x, axis=1), [ALL_NAN_ROW])
      for n in REDUCTIONS + ("nanargmax", "nanargmin")],
    Case("nanmean_axis0", lambda k, x: k.ops.nanmean(x, axis=0), [nans(3, 4)], grad=True),
    Case("nansum_int", lambda k, x: k.ops.nansum(x, axis=0), [ints(3, 4)]),
    Case("nansum_bool", lambda k, x: k.ops.nansum(x), [bools(5)]),
    Case("nanmax_int", lambda k, x: k.ops.nanmax(x, axis=1), [ints(3, 4)]),
    Case("nanmean_int", lambda k, x: k.ops.nanmean(x, axis=1), [ints(3, 4)]),
    Case("nanvar_int", lambda k, x: k.ops.nanvar(x), [ints(6)]),
    Case("nanprod_int", lambda k, x: k.ops.nanprod(x, axis=1), [ints(2, 3, low=1, high=4)]),
    Case("nanargmax", lambda k, x: k.ops.nanargmax(x, axis=1), [nans(3, 4)]),
    Case("nanargmin_flat", lambda k, x: k.ops.nanargmin(x), [nans(3, 4)]),
    Case("nanargmax_keepdims", lambda k, x: k.ops.nanargmax(x, axis=0, keepdims=True),
         [nans(3, 4)]),
    Case("nancumsum_axis", lambda k, x: k.ops.nancumsum(x, axis=1), [nans(3, 4)], grad=True),
    Case("nancumsum_flat", lambda k, x: k.ops.nancumsum(x), [nans(2, 3)], grad=True),
    Case("nancumsum_bool", lambda k, x: k.ops.nancumsum(x), [bools(5)]),
    Case("nancumsum_dtype", lambda k, x: k.ops.nancumsum(x, dtype="float32"), [ints(4)]),
    Case("nancumprod_axis", lambda k, x: k.ops.nancumprod(x, axis=0), [nans(3, 4)],
         grad=True),
    Case("nanquantile", lambda k, x: k.ops.nanquantile(x, [0.2, 0.7], axis=1), [nans(3, 5)],
         grad=True),
    Case("nanquantile_all_nan_row", lambda k, x: k.ops.nanquantile(x, 0.3, axis=1),
         [ALL_NAN_ROW]),
    Case("nanpercentile", lambda k, x: k.ops.nanpercentile(x, 40, axis=0, keepdims=True),
         [nans(4, 3)], grad=True),
    Case("nanmedian_int", lambda k, x: k.ops.nanmedian(x, axis=0), [ints(4, 3)]),
    Case("nancumsum_int8", lambda k, x: k.ops.nancumsum(x, axis=1), [ints(2, 3, dtype="int8")]),
]
