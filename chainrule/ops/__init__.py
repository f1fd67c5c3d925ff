"""chainrule's differentiable ops, grouped by family; each op is its `Function` class with
its public function right below it.

The families import downwards only: `primitives` (sum, broadcasting, where, dims)
is the bottom; `unary` and `binary` elementwise ops; `indexing`, `shape`,
`reduction`, `softmax` (with the fused cross-entropy), `linalg`, `conv`, `pool`,
`norm`, `loss`, `copy`; `inplace` holds the in-place updates.

Every function here accepts Tensors and, for use inside backward formulas, plain
arrays (see NOTE [ Backward formulas run on arrays and on Tensors ]).
"""

from .binary import add, div, maximum, minimum, mul, pow, sub
from .copy import cast, clone
from .indexing import gather, getitem, index_select, masked_fill, normalize_index
from .linalg import linear, matmul
from .primitives import broadcast_shapes, broadcast_to, nondifferentiable, sum_to_shape, where
from .primitives import sum_ as sum
from .reduction import amax, amin, argmax, argmin, max, mean, min, prod, std, var
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
