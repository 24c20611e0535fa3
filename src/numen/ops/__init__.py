"""Differentiable functions (the `keras.ops` namespace): each returns a Tensor and records
its gradient. One file per family; this module only re-exports them."""

# ruff: noqa: I001 - grouped by family on purpose
from numen.autodiff import Tensor, as_tensor, data_of  # noqa: F401
from numen.ops.creation import (  # noqa: F401
    convert_to_tensor,
    convert_to_numpy,
    zeros,
    ones,
    full,
    zeros_like,
    ones_like,
    full_like,
    arange,
    eye,
    shape,
    ndim,
    size,
    dtype,
)
from numen.ops.math import (  # noqa: F401
    add,
    subtract,
    multiply,
    divide,
    true_divide,
    negative,
    power,
    square,
    sqrt,
    rsqrt,
    exp,
    expm1,
    log,
    log1p,
    abs,
    absolute,
    sign,
    maximum,
    minimum,
    where,
    clip,
    tanh,
    sin,
    cos,
    reciprocal,
    cast,
    stop_gradient,
    less,
    less_equal,
    greater,
    greater_equal,
    equal,
    not_equal,
    logical_and,
    logical_or,
    logical_not,
    floor,
    ceil,
    round,
    isnan,
    isinf,
    isfinite,
    floor_divide,
    mod,
    log2,
    log10,
    tan,
    sinh,
    cosh,
    arctan,
    arcsin,
    arccos,
    arcsinh,
    arctanh,
    erf,
)
from numen.ops.reduce import (  # noqa: F401
    sum,
    mean,
    max,
    min,
    amax,
    amin,
    var,
    std,
    prod,
    logsumexp,
    argmax,
    argmin,
    all,
    any,
    cumsum,
    cumprod,
    sort,
    argsort,
    top_k,
)
from numen.ops.manipulation import (  # noqa: F401
    reshape,
    transpose,
    moveaxis,
    swapaxes,
    expand_dims,
    squeeze,
    flatten,
    broadcast_to,
    getitem,
    take,
    concatenate,
    stack,
    split,
    tile,
    repeat,
    pad,
    flip,
)
from numen.ops.linalg import (  # noqa: F401
    matmul,
    dot,
    dense,
    einsum,
    outer,
    tensordot,
    norm,
    tril,
    triu,
)
from numen.ops.nn import (  # noqa: F401
    relu,
    relu6,
    leaky_relu,
    elu,
    selu,
    sigmoid,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    silu,
    swish,
    softplus,
    softsign,
    mish,
    gelu,
    exponential,
    linear,
    softmax,
    log_softmax,
    one_hot,
    sparse_softmax_cross_entropy,
    softmax_cross_entropy,
    sigmoid_cross_entropy,
    normalize,
    log_sigmoid,
    hard_tanh,
    celu,
    glu,
    hard_shrink,
    soft_shrink,
    tanh_shrink,
    threshold,
    squareplus,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
)
from numen.ops.normalization import (  # noqa: F401
    moments,
    batch_normalization,
)
from numen.ops.recurrent import (  # noqa: F401
    lstm_scan,
    gru_scan,
    simple_rnn_scan,
)
from numen.ops.convolution import (  # noqa: F401
    conv,
    conv_transpose,
    depthwise_conv,
    separable_conv,
)
from numen.ops.pool import (  # noqa: F401
    max_pool,
    average_pool,
)

# Families added for the whole of keras.ops: one import block per file, under its marker.
# [elementwise]
from numen.ops.elementwise import (  # noqa: F401
    arctan2,
    divide_no_nan,
    fmax,
    fmin,
    fmod,
    heaviside,
    hypot,
    ldexp,
    logaddexp,
    logaddexp2,
    nextafter,
    isclose,
    allclose,
    logical_xor,
)
from numen.ops.unary import (  # noqa: F401
    arccosh,
    cbrt,
    deg2rad,
    rad2deg,
    exp2,
    fabs,
    sinc,
    trunc,
    nan_to_num,
    signbit,
    isposinf,
    isneginf,
    saturate_cast,
)
from numen.ops.special import (  # noqa: F401
    erfc,
    erfinv,
    i0,
)
from numen.ops.complex import (  # noqa: F401
    real,
    imag,
    conj,
    conjugate,
    angle,
    isreal,
    view_as_complex,
    view_as_real,
    polar,
)
from numen.ops.bitwise import (  # noqa: F401
    bitwise_and,
    bitwise_or,
    bitwise_xor,
    bitwise_invert,
    bitwise_not,
    bitwise_left_shift,
    bitwise_right_shift,
    left_shift,
    right_shift,
    gcd,
    lcm,
)

# [statistics]
from numen.ops.statistics import (  # noqa: F401
    quantile,
    percentile,
    median,
    average,
    ptp,
    corrcoef,
    cdist,
    histogram,
    bincount,
    count_nonzero,
)
from numen.ops.nan_reduce import (  # noqa: F401
    nansum,
    nanprod,
    nanmean,
    nanvar,
    nanstd,
    nanmax,
    nanmin,
    nanargmax,
    nanargmin,
    nancumsum,
    nancumprod,
    nanquantile,
    nanpercentile,
    nanmedian,
)
from numen.ops.search import (  # noqa: F401
    argpartition,
    searchsorted,
    digitize,
    unique,
    isin,
    nonzero,
)
from numen.ops.array_products import (  # noqa: F401
    diff,
    trapezoid,
    inner,
    vdot,
    kron,
    trace,
    cross,
    correlate,
)

# [arrays]
from numen.ops.creation import (  # noqa: F401
    array,
    is_tensor,
    empty,
    empty_like,
    identity,
    tri,
    linspace,
    logspace,
    geomspace,
)
from numen.ops.joining import (  # noqa: F401
    append,
    hstack,
    vstack,
    dstack,
    array_split,
    hsplit,
    vsplit,
    dsplit,
    unstack,
)
from numen.ops.layout import (  # noqa: F401
    ravel,
    copy,
    view,
    fliplr,
    flipud,
    roll,
    rot90,
    diagonal,
    diag,
    diagflat,
    vander,
    meshgrid,
    extract_sequences,
)
from numen.ops.indexing import (  # noqa: F401
    get_item,
    slice,
    slice_update,
    take_along_axis,
    select,
    unravel_index,
)
from numen.ops.scattering import (  # noqa: F401
    scatter,
    scatter_update,
)
from numen.ops.segment import (  # noqa: F401
    segment_sum,
    segment_prod,
    segment_max,
    segment_min,
)
from numen.ops.einops import (  # noqa: F401
    rearrange,
)

# [control]
from numen.ops.control import (  # noqa: F401
    cond,
    switch,
    while_loop,
    fori_loop,
    scan,
    map,
    vectorized_map,
    associative_scan,
)
from numen.ops.transforms import (  # noqa: F401
    custom_gradient,
    jvp,
    vectorize,
)

# [linalg]
from numen.ops.decompositions import (  # noqa: F401
    cholesky,
    cholesky_inverse,
    eig,
    eigh,
    lu_factor,
    qr,
    svd,
)
from numen.ops.solvers import (  # noqa: F401
    inv,
    det,
    slogdet,
    logdet,
    solve,
    solve_triangular,
    pinv,
    lstsq,
    matrix_rank,
)
from numen.ops.fourier import (  # noqa: F401
    fft,
    fft2,
    ifft2,
    rfft,
    irfft,
    stft,
    istft,
)
from numen.ops.windows import (  # noqa: F401
    hanning,
    hamming,
    blackman,
    bartlett,
    kaiser,
)

# [nn]
from numen.ops.nn_more import (  # noqa: F401
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
    multi_hot,
    psnr,
    in_top_k,
    layer_normalization,
    rms_normalization,
)
from numen.ops.spatial import (  # noqa: F401
    adaptive_average_pool,
    adaptive_max_pool,
    depth_to_space,
    space_to_depth,
    unfold,
    fold,
)
from numen.ops.ctc import ctc_loss, ctc_decode  # noqa: F401
from numen.ops.attention import dot_product_attention  # noqa: F401

# [end of families]

from numen.autodiff.tensor import bind_operators  # noqa: E402

bind_operators(
    abs=abs, add=add, cast=cast, divide=divide, equal=equal, floor_divide=floor_divide,
    getitem=getitem, greater=greater, greater_equal=greater_equal, less=less,
    less_equal=less_equal, logical_and=logical_and, logical_not=logical_not,
    logical_or=logical_or, matmul=matmul, mean=mean, mod=mod, multiply=multiply,
    negative=negative, not_equal=not_equal, power=power, reshape=reshape, subtract=subtract,
    sum=sum, transpose=transpose,
)
