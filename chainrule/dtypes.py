"""Data types: chainrule's dtypes are NumPy's, named as in PyTorch.

`float32` is the default for floating-point tensors, as in PyTorch. The default is
per thread (like grad mode), so no process-wide state leaks between workers.
"""

from __future__ import annotations

import builtins
import threading

import numpy as np

from .device import check_device, is_device_argument

float16 = half = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

# PyTorch also spells these `torch.float`, `torch.int` and `torch.bool`; they are
# exported under those names from chainrule/__init__.py, not bound here, so this
# module can still use the builtins.
ALIASES = {"float": float32, "int": int32, "bool": bool_}


class _DtypeState(threading.local):
    default = float32


_state = _DtypeState()


def get_default_dtype() -> np.dtype:
    """The dtype that floating-point tensors get when none is given (float32 unless set)."""
    return _state.default


def set_default_dtype(dtype) -> None:
    """Set the default floating-point dtype (float32 or float64), as `torch.set_default_dtype`."""
    dtype = resolve(dtype)
    if dtype not in (float32, float64):
        raise TypeError(
            f"set_default_dtype expects chainrule.float32 or chainrule.float64, got {dtype}"
        )
    _state.default = dtype


def resolve(dtype) -> np.dtype | None:
    """Accept chainrule/NumPy dtypes, Python types and names; None stays None."""
    if dtype is None:
        return None
    if dtype is builtins.float:
        return get_default_dtype()
    if dtype is builtins.int:
        return int64
    if dtype is builtins.bool:
        return bool_
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}; use e.g. chainrule.float32") from None


def infer(value) -> np.dtype:
    """The dtype PyTorch gives `torch.tensor(value)`: floats -> default, ints -> int64."""
    array = np.asarray(value)
    if array.dtype.kind == "f" and not isinstance(value, np.ndarray):
        return get_default_dtype()
    if array.dtype.kind in "iu" and not isinstance(value, np.ndarray):
        return int64
    return array.dtype


def dtype_from_to_args(args: tuple, kwargs: dict) -> np.dtype | None:
    """The dtype in the arguments of `Tensor.to` / `Module.to` (None if there is none).

    Devices (positional or `device=`, strings or `chainrule.device`) are accepted only
    when they name the CPU, chainrule's one device; a tensor argument gives its dtype.
    """
    dtype = kwargs.get("dtype")
    check_device(kwargs.get("device"))
    for a in args:
        if is_device_argument(a) or isinstance(a, int) and not isinstance(a, bool):
            check_device(a)
        elif isinstance(a, (np.dtype, type, str)):
            dtype = a
        elif hasattr(a, "dtype"):  # .to(other_tensor): take its dtype
            dtype = a.dtype
        elif a is not None:
            dtype = a
    return resolve(dtype)
