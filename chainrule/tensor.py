"""`Tensor`: an ndarray plus what backpropagation needs (grad, grad_fn, requires_grad).

Methods and operators are thin: each calls one op function from `chainrule.ops`,
where the forward and backward live. Names and semantics follow PyTorch. What the
engine needs of a tensor is in its base class, `autograd/tensor_base.py` (NOTE
[ Tensor's two layers ]).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import comparison, creation, dtypes, ops
from .autograd.engine import backward as _backward
from .autograd.grad_mode import is_grad_enabled
from .autograd.hooks import RemovableHandle
from .autograd.tensor_base import TensorBase, set_tensor_class
from .device import CPU, check_device, device
from .ops import inplace
from .ops.binary import Add, Div, Mul, Pow, Sub
from .ops.linalg import Matmul
from .ops.unary import Neg
from .random import numpy_generator


class Tensor(TensorBase):
    """A multi-dimensional array that can record the ops applied to it.

    `chainrule.tensor(data)` is the way to make one. The constructor also reads
    PyTorch's legacy forms: `Tensor(2, 3)` is a (2, 3) tensor of zeros and
    `Tensor([1, 2])` holds the data as the default float dtype.

    Args:
        *args: data, or sizes.
        dtype: the dtype (default: the default float dtype).
        requires_grad: record ops on this tensor so `backward()` can fill `.grad`.
    """

    __slots__ = ()

    def __init__(self, *args: Any, dtype=None, requires_grad: bool = False) -> None:
        dtype = dtypes.resolve(dtype) or dtypes.get_default_dtype()
        sizes = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args or (0,)
        if all(isinstance(n, int) and not isinstance(n, bool) for n in sizes):
            self._data = np.zeros(sizes, dtype)  # Tensor(2, 3), Tensor() and Tensor(size)
        elif len(args) == 1:
            self._data = creation.array_from(args[0], dtype)
        else:
            raise TypeError(f"Tensor() takes data or integer sizes, got {args!r}")
        if requires_grad:
            self.requires_grad_(True)

    # -- attributes -----------------------------------------------------------------

    @property
    def device(self) -> device:
        """Always the CPU, chainrule's one device."""
        return CPU

    is_cuda = False
    is_sparse = False

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self._data.ndim

    def element_size(self) -> int:
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def numpy(self) -> np.ndarray:
        if self._requires_grad:
            raise RuntimeError(
                "can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()"
            )
        return self._data

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a tensor with {self._data.size} elements cannot be converted to a Python "
                f"number; item() needs exactly one element"
            )
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """Let NumPy (and matplotlib, pandas, ...) read the values: np.asarray(t)."""
        return self._data if dtype is None else self._data.astype(dtype)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; "
                f"use .any() or .all()"
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self._data)

    __hash__ = object.__hash__

    def __format__(self, spec: str) -> str:
        """f"{loss:.4f}" formats a 0-d tensor's number, as in PyTorch."""
        if self.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec) if spec else repr(self)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
            extras.append(f"dtype=chainrule.{self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}Backward>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # -- autograd -------------------------------------------------------------------

    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        Args:
            gradient: d(loss)/d(self); may be omitted when self has one element.
            retain_graph: keep saved values for another backward (default: create_graph).
            create_graph: record the backward pass itself, for higher-order gradients.
        """
        _backward(self, None if gradient is None else [gradient], retain_graph, create_graph)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]):
        """Call `hook(grad)` when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn.register_hook(hook, self._output_nr)
        if self._hooks is None:
            self._hooks = {}
        return RemovableHandle.add(self._hooks, (0, hook))

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]):
        """Call `hook(tensor)` on this leaf after backward has added to its `.grad`."""
        if self.grad_fn is not None or not self._requires_grad:
            raise RuntimeError("post accumulate grad hooks can only be registered on leaf "
                               "tensors that require grad (e.g. parameters)")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = {}
        return RemovableHandle.add(self._post_accumulate_hooks, hook)

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward."""
        if self.grad_fn is None:
            return
        import weakref

        ref = weakref.ref(self)

        def keep(grad):
            t = ref()
            if t is not None:
                t.grad = grad if t.grad is None else t.grad + grad
            return None

        self.grad_fn.register_hook(keep, self._output_nr)

    def detach(self) -> Tensor:
        """The same data (shared memory and version counter), outside the graph."""
        t = Tensor._wrap(self._data)
        t._share_version_with(self)
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    # -- arithmetic operators -------------------------------------------------------

    def __add__(self, other):
        return Add.apply(self, other)

    def __radd__(self, other):
        return Add.apply(other, self)

    def __sub__(self, other):
        return Sub.apply(self, other)

    def __rsub__(self, other):
        return Sub.apply(other, self)

    def __mul__(self, other):
        return Mul.apply(self, other)

    def __rmul__(self, other):
        return Mul.apply(other, self)

    def __truediv__(self, other):
        return Div.apply(self, other)

    def __rtruediv__(self, other):
        return Div.apply(other, self)

    def __pow__(self, other):
        return Pow.apply(self, other)

    def __rpow__(self, other):
        return Pow.apply(other, self)

    def __matmul__(self, other):
        return Matmul.apply(self, other)

    def __rmatmul__(self, other):
        return Matmul.apply(other, self)

    # a += b updates a in place when no graph is involved (optimizer-style code under
    # no_grad, accumulators); inside a graph it computes a + b out of place, which gives
    # the same values where PyTorch would record an in-place op.
    def __iadd__(self, other):
        return self.add_(other) if _in_place_allowed(self, other) else self + other

    def __isub__(self, other):
        return self.sub_(other) if _in_place_allowed(self, other) else self - other

    def __imul__(self, other):
        return self.mul_(other) if _in_place_allowed(self, other) else self * other

    def __itruediv__(self, other):
        return self.div_(other) if _in_place_allowed(self, other) else self / other

    def __neg__(self):
        return Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __getitem__(self, index):
        return ops.getitem(self, index)

    def __setitem__(self, index, value) -> None:
        inplace.setitem_(self, index, value)

    # comparisons and logic give tensors without gradient
    __eq__, __ne__ = comparison.eq, comparison.ne  # type: ignore[assignment]
    __lt__, __le__, __gt__, __ge__ = comparison.lt, comparison.le, comparison.gt, comparison.ge

    def __and__(self, other):
        return ops.nondifferentiable(np.logical_and, self, other)

    __rand__ = __and__

    def __or__(self, other):
        return ops.nondifferentiable(np.logical_or, self, other)

    __ror__ = __or__

    def __invert__(self):
        return ops.nondifferentiable(np.logical_not, self)

    def __mod__(self, other):
        return ops.nondifferentiable(np.mod, self, other)

    def __floordiv__(self, other):
        return ops.nondifferentiable(np.floor_divide, self, other)

    # -- math methods (see chainrule.ops for each op's forward and backward) ------------

    def add(self, other, alpha=1):
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other, alpha=1):
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, exponent):
        return self ** exponent

    def matmul(self, other):
        return self @ other

    def neg(self):
        return -self

    # One-line delegates: each op function takes the tensor first, so it is the method.
    exp, log, log1p, sqrt, rsqrt = ops.exp, ops.log, ops.log1p, ops.sqrt, ops.rsqrt
    abs, sin, cos, tanh, sigmoid, relu = ops.abs, ops.sin, ops.cos, ops.tanh, ops.sigmoid, ops.relu
    sign, erf, clamp, clip = ops.sign, ops.erf, ops.clamp, ops.clamp
    maximum, minimum, lerp = ops.maximum, ops.minimum, ops.lerp
    addcmul, addcdiv = ops.addcmul, ops.addcdiv
    masked_fill, where = ops.masked_fill, comparison.tensor_where
    sum, mean, prod, var, std = ops.sum, ops.mean, ops.prod, ops.var, ops.std
    max, min, amax, amin, argmax, argmin = ops.max, ops.min, ops.amax, ops.amin, ops.argmax, \
        ops.argmin
    logsumexp, softmax, log_softmax = ops.logsumexp, ops.softmax, ops.log_softmax
    cumsum, cumprod, sort, argsort, topk = ops.cumsum, ops.cumprod, ops.sort, ops.argsort, \
        ops.topk
    mm, bmm, mv, dot, outer = ops.mm, ops.bmm, ops.mv, ops.dot, ops.outer
    addmm, baddbmm, norm = ops.addmm, ops.baddbmm, ops.norm
    eq, ne, lt, le, gt, ge = comparison.eq, comparison.ne, comparison.lt, comparison.le, \
        comparison.gt, comparison.ge
    equal, isclose, allclose = comparison.equal, comparison.isclose, comparison.allclose

    def all(self) -> Tensor:
        return ops.nondifferentiable(np.all, self)

    def any(self) -> Tensor:
        return ops.nondifferentiable(np.any, self)

    # -- shape and indexing methods -------------------------------------------------

    reshape = view = ops.reshape
    flatten, permute, squeeze, unsqueeze = ops.flatten, ops.permute, ops.squeeze, ops.unsqueeze
    transpose, expand, broadcast_to, repeat = ops.transpose, ops.expand, ops.broadcast_to, \
        ops.repeat
    split, chunk, tril, triu = ops.split, ops.chunk, ops.tril, ops.triu
    gather, index_select, scatter, scatter_add = ops.gather, ops.index_select, ops.scatter, \
        ops.scatter_add
    narrow, flip, roll, repeat_interleave = ops.narrow, ops.flip, ops.roll, ops.repeat_interleave
    diag, diagonal, trace = ops.diag, ops.diagonal, ops.trace

    def view_as(self, other):
        return ops.reshape(self, other.shape)

    def expand_as(self, other):
        return ops.broadcast_to(self, other.shape)

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, got {self.ndim}")
        return self if self.ndim < 2 else ops.transpose(self, 0, 1)

    @property
    def T(self):
        return ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self):
        return ops.transpose(self, -2, -1)

    def contiguous(self):
        return self

    # -- new tensors like this one (PyTorch's new_* methods) ---------------------------

    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False):
        return creation.zeros(*size, dtype=dtype or self.dtype, device=device,
                              requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False):
        return creation.ones(*size, dtype=dtype or self.dtype, device=device,
                             requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False):
        return creation.empty(*size, dtype=dtype or self.dtype, device=device,
                              requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad: bool = False):
        return creation.full(size, fill_value, dtype=dtype or self.dtype, device=device,
                             requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False):
        return creation.tensor(data, dtype=dtype or self.dtype, device=device,
                               requires_grad=requires_grad)

    # -- dtype conversion -----------------------------------------------------------

    def to(self, *args, **kwargs):
        """Convert dtype (`to(chainrule.float64)`); devices other than 'cpu' are refused."""
        dtype = dtypes.dtype_from_to_args(args, kwargs)
        return self if dtype is None or dtype == self.dtype else ops.cast(self, dtype)

    def type(self, dtype=None):
        return str(self.dtype) if dtype is None else self.to(dtype)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool_)

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking: bool = False):
        """Refused: chainrule has no GPU (the error says how to write device-neutral code)."""
        check_device(device if device is not None else "cuda")

    def clone(self):
        return ops.clone(self)

    # -- in-place ops (for optimizers and initializers; see ops/inplace.py) -----------

    def add_(self, other, alpha=1) -> Tensor:
        return inplace.apply_ufunc_(self, "add_", np.add, other * alpha if alpha != 1 else other)

    def sub_(self, other, alpha=1) -> Tensor:
        return inplace.apply_ufunc_(self, "sub_", np.subtract,
                                    other * alpha if alpha != 1 else other)

    def mul_(self, other) -> Tensor:
        return inplace.apply_ufunc_(self, "mul_", np.multiply, other)

    def div_(self, other) -> Tensor:
        return inplace.apply_ufunc_(self, "div_", np.true_divide, other)

    def to_sparse(self):
        """The nonzero entries as a COO sparse tensor (chainrule.sparse)."""
        from .sparse import to_sparse

        return to_sparse(self)

    def to_dense(self) -> Tensor:
        return self

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        from .sparse import diag_embed

        return diag_embed(self, offset, dim1, dim2)

    def abs_(self) -> Tensor:
        return inplace.unary_(self, "abs_", np.abs)

    def neg_(self) -> Tensor:
        return inplace.unary_(self, "neg_", np.negative)

    def exp_(self) -> Tensor:
        return inplace.unary_(self, "exp_", np.exp)

    def log_(self) -> Tensor:
        return inplace.unary_(self, "log_", np.log)

    def sqrt_(self) -> Tensor:
        return inplace.unary_(self, "sqrt_", np.sqrt)

    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002
        return inplace.clamp_(self, min, max)

    def copy_(self, src) -> Tensor:
        return inplace.copy_(self, src)

    def fill_(self, value) -> Tensor:
        return inplace.fill_(self, value)

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
        """Fill with samples of N(mean, std²), e.g. `m.weight.data.normal_(0.0, 0.02)`."""
        rng = numpy_generator(generator)
        return inplace.random_(self, "normal_", lambda shape: rng.normal(mean, std, shape))

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
        """Fill with samples of U(a, b)."""
        rng = numpy_generator(generator)
        return inplace.random_(self, "uniform_", lambda shape: rng.uniform(a, b, shape))

    def zero_(self) -> Tensor:
        return inplace.fill_(self, 0)


set_tensor_class(Tensor)


def _in_place_allowed(t: Tensor, other) -> bool:
    if not is_grad_enabled():
        return True
    return not t._requires_grad and not (isinstance(other, Tensor) and other._requires_grad)
