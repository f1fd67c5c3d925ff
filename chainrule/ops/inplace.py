"""In-place updates (add_, mul_, copy_, ...): for optimizers and initializers.

They write into the tensor's array and bump its version counter, so a backward pass
that saved the old values notices (NOTE in autograd/function.py). On a tensor that
is part of a graph they refuse, instead of rewriting history: use them under no_grad.
"""

from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import is_grad_enabled
from ..autograd.tensor_base import TensorBase as Tensor
from .indexing import normalize_index


def check_inplace(t: Tensor, op: str) -> None:
    if t._requires_grad and is_grad_enabled():
        if t.grad_fn is None:
            raise RuntimeError(
                f"{op}: a leaf tensor that requires grad is being used in an in-place "
                f"operation. Wrap the update in `with chainrule.no_grad():`, as optimizers do."
            )
        raise RuntimeError(
            f"{op}: in-place operations on tensors that are part of a graph are not "
            f"supported; use the out-of-place op (e.g. x = x + y)"
        )


def apply_ufunc_(t: Tensor, op: str, ufunc, other) -> Tensor:
    """t ← ufunc(t, other), written into t's array."""
    check_inplace(t, op)
    other = other._data if isinstance(other, Tensor) else other
    try:
        ufunc(t._data, other, out=t._data)
    except TypeError as error:
        raise RuntimeError(
            f"{op}: the result cannot be stored in a tensor of dtype {t.dtype} ({error}); "
            f"convert the tensor first, e.g. t = t.float()"
        ) from None
    except ValueError:
        raise RuntimeError(
            f"{op}: an operand of shape {np.shape(other)} cannot be broadcast into the "
            f"tensor's shape {t.shape}"
        ) from None
    t._bump_version()
    return t


def unary_(t: Tensor, op: str, ufunc) -> Tensor:
    """t ← ufunc(t), written into t's array (abs_, neg_, exp_, ...)."""
    check_inplace(t, op)
    ufunc(t._data, out=t._data)
    t._bump_version()
    return t


def clamp_(t: Tensor, lo=None, hi=None) -> Tensor:
    check_inplace(t, "clamp_")
    np.clip(t._data, lo, hi, out=t._data)
    t._bump_version()
    return t


def copy_(t: Tensor, src) -> Tensor:
    check_inplace(t, "copy_")
    src = src._data if isinstance(src, Tensor) else src
    try:
        np.copyto(t._data, src, casting="unsafe")
    except ValueError:
        raise RuntimeError(
            f"copy_: source of shape {np.shape(src)} cannot be broadcast to {t.shape}"
        ) from None
    t._bump_version()
    return t


def fill_(t: Tensor, value) -> Tensor:
    check_inplace(t, "fill_")
    t._data.fill(value.item() if isinstance(value, Tensor) else value)
    t._bump_version()
    return t


def setitem_(t: Tensor, index, value) -> None:
    check_inplace(t, "__setitem__")
    index, _ = normalize_index(index)
    t._data[index] = value._data if isinstance(value, Tensor) else value
    t._bump_version()


def random_(t: Tensor, op: str, sample) -> Tensor:
    """t ← sample(shape, dtype): the in-place random fills (normal_, uniform_)."""
    check_inplace(t, op)
    t._data[...] = sample(t.shape).astype(t.dtype, copy=False)
    t._bump_version()
    return t
