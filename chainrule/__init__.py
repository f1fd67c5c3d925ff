"""chainrule: a deep-learning framework on NumPy whose every gradient you can read.

The public names mirror PyTorch's: `chainrule.tensor`, `chainrule.nn`,
`chainrule.optim`, `chainrule.utils.data`, `chainrule.autograd`.
"""

from . import (
    accelerator,
    autograd,
    backends,
    cuda,
    data,
    dtypes,
    multiprocessing,
    nn,
    ops,
    optim,
    utils,
)
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .device import device
from .dtypes import (
    bool_,
    double,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .io import load, save
from .ops import (
    abs,
    amax,
    amin,
    argmax,
    argmin,
    broadcast_shapes,
    broadcast_to,
    cat,
    chunk,
    clamp,
    clone,
    cos,
    exp,
    flatten,
    gather,
    index_select,
    linear,
    log,
    log1p,
    log_softmax,
    logsumexp,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    permute,
    pow,
    prod,
    relu,
    repeat,
    reshape,
    rsqrt,
    sigmoid,
    sign,
    sin,
    softmax,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sum,
    tanh,
    transpose,
    tril,
    triu,
    unsqueeze,
    var,
    where,
)
from .random import Generator, get_rng_state, initial_seed, manual_seed, set_rng_state
from .tensor import Tensor

float = dtypes.ALIASES["float"]  # noqa: A001  (torch.float)
int = dtypes.ALIASES["int"]  # noqa: A001  (torch.int)
bool = dtypes.ALIASES["bool"]  # noqa: A001  (torch.bool)
clip = clamp
concat = concatenate = cat
add, sub, mul, div, neg = ops.add, ops.sub, ops.mul, ops.div, ops.neg

__version__ = "0.1.0"
