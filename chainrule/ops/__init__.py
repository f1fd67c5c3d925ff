"""chainrule's differentiable ops, grouped by family; each op is its `Function` class with
its public function right below it.

The families import downwards only: `primitives` (sum, broadcasting, where, dims)
is the bottom; `unary` and `binary` elementwise ops; `indexing`, `shape`,
`reduction`, `softmax` (with the fused cross-entropy), `linalg`, `conv`, `pool`,
`norm`, `loss`, `copy`; `inplace` holds the in-place updates.

Every function here accepts Tensors and, for use inside backward formulas, plain
arrays (see NOTE [ Backward formulas run on arrays and on Tensors ]).
"""

from .binary import add, addcdiv, addcmul, div, lerp, maximum, minimum, mul, pow, sub
from .copy import cast, clone
from .indexing import (
    diag,
    diagonal,
    flip,
    gather,
    getitem,
    index_select,
    masked_fill,
    narrow,
    normalize_index,
    repeat_interleave,
    roll,
    scatter,
    scatter_add,
    trace,
)
from .linalg import (
    addmm,
    baddbmm,
    bmm,
    dot,
    einsum,
    linear,
    matmul,
    matrix_norm,
    mm,
    mv,
    norm,
    outer,
    vector_norm,
)
from .primitives import broadcast_shapes, broadcast_to, nondifferentiable, sum_to_shape, where
from .primitives import sum_ as sum
from .reduction import amax, amin, argmax, argmin, max, mean, min, prod, std, var
from .scan import cumprod, cumsum
from .shape import (
    cat,
    chunk,
    expand,
    flatten,
    pad,
    permute,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    tril,
    triu,
    unsqueeze,
)
from .softmax import log_softmax, logsumexp, softmax
from .sorting import argsort, sort, topk
from .unary import (
    abs,
    clamp,
    cos,
    erf,
    exp,
    log,
    log1p,
    neg,
    relu,
    rsqrt,
    sigmoid,
    sign,
    sin,
    softplus,
    sqrt,
    tanh,
)
