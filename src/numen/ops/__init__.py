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
from numen.ops.conv import (  # noqa: F401
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

# [statistics]

# [arrays]

# [control]

# [linalg]

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
