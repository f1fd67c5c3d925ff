"""chainrule's differentiable ops, grouped by family; each module pairs forward and backward.

Every function here accepts Tensors and, for use inside backward formulas, plain
arrays (see NOTE [ Backward formulas run on arrays and on Tensors ]).
"""

from .broadcast import broadcast_shapes, sum_to_shape
from .copy import cast, clone
from .elementwise import (
    abs,
    add,
    clamp,
    cos,
    div,
    exp,
    log,
    log1p,
    maximum,
    minimum,
    mul,
    neg,
    nondifferentiable,
    pow,
    relu,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sqrt,
    sub,
    tanh,
    where,
)
from .indexing import gather, getitem, index_select, masked_fill, normalize_index
from .linalg import linear, matmul
from .reduction import (
    amax,
    amin,
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    prod,
    softmax,
    std,
    var,
)
from .reduction import sum_ as sum
from .shape import (
    broadcast_to,
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
