"""chainrule: a deep-learning framework on NumPy whose every gradient you can read.

The public names mirror PyTorch's: `chainrule.tensor`, `chainrule.nn`,
`chainrule.optim`, `chainrule.utils.data`, `chainrule.autograd`.
"""

from . import allocator, kernels

kernels.share_cores()  # before NumPy loads OpenBLAS: NOTE [ One owner for the cores ]
allocator.keep_freed_memory()  # NOTE [ Memory the next step reuses ]

from . import (  # noqa: E402
    accelerator,
    autograd,
    backends,
    checkpoint,
    cuda,
    data,
    diagnostics,
    distributed,
    distributions,
    dtypes,
    explain,
    keras,
    linalg,
    multiprocessing,
    nn,
    onnx,
    ops,
    optim,
    sparse,
    utils,
    viz,
)
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .comparison import allclose, eq, equal, ge, gt, isclose, le, lt, ne, where
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
from .gradient_tape import GradientTape
from .io import load, save
from .legacy import BoolTensor, ByteTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor
from .ops import (
    abs,
    addcdiv,
    addcmul,
    addmm,
    amax,
    amin,
    argmax,
    argmin,
    argsort,
    baddbmm,
    bmm,
    broadcast_shapes,
    broadcast_to,
    cat,
    chunk,
    clamp,
    clone,
    cos,
    cumprod,
    cumsum,
    diag,
    diagonal,
    dot,
    einsum,
    erf,
    exp,
    flatten,
    flip,
    gather,
    index_select,
    lerp,
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
    mm,
    mv,
    narrow,
    norm,
    outer,
    permute,
    pow,
    prod,
    relu,
    repeat,
    repeat_interleave,
    reshape,
    roll,
    rsqrt,
    scatter,
    scatter_add,
    sigmoid,
    sign,
    sin,
    softmax,
    sort,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sum,
    tanh,
    topk,
    trace,
    transpose,
    tril,
    triu,
    unsqueeze,
    var,
)
from .random import Generator, get_rng_state, initial_seed, manual_seed, set_rng_state
from .sparse import diag_embed, sparse_coo_tensor, spmm
from .tensor import Tensor

float = dtypes.ALIASES["float"]  # noqa: A001  (torch.float)
int = dtypes.ALIASES["int"]  # noqa: A001  (torch.int)
bool = dtypes.ALIASES["bool"]  # noqa: A001  (torch.bool)
clip = clamp
concat = concatenate = cat
add, sub, mul, div, neg = ops.add, ops.sub, ops.mul, ops.div, ops.neg

from .version import __version__  # noqa: E402
