"""Creating tensors: from data, filled, ranges, identity, random; and the `*_like` forms."""

from __future__ import annotations

import numpy as np

from . import dtypes
from .autograd.tensor_base import TensorBase as Tensor
from .device import check_device
from .random import Generator, numpy_generator


def _shape(size, keyword=None) -> tuple:
    """Sizes as f(2, 3), f((2, 3)) or f(size=(2, 3)), checked."""
    if keyword is not None:
        if size:
            raise TypeError("give the sizes either as arguments or as size=, not both")
        size = (keyword,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(
                f"sizes must be non-negative integers, got {tuple(size)}; e.g. zeros(2, 3)"
            )
    return tuple(int(n) for n in size)


def _make(array: np.ndarray, requires_grad: bool, device=None) -> Tensor:
    check_device(device)
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def array_from(data, dtype=None) -> np.ndarray:
    """A new array holding a copy of `data` with PyTorch's dtype rules (floats -> the
    default float dtype, Python ints -> int64)."""
    if isinstance(data, Tensor):
        data = data._data
    elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
        data = [d._data if isinstance(d, Tensor) else d for d in data]
    return np.array(data, dtype=dtypes.resolve(dtype) or dtypes.infer(data))


def tensor(data, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (floats -> float32, ints -> int64)."""
    return _make(array_from(data, dtype), requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """`data` as a tensor, sharing memory with it when it already is one (or an array)."""
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or dtypes.resolve(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or dtypes.resolve(dtype) == data.dtype):
        return Tensor._wrap(data)
    return Tensor._wrap(array_from(data, dtype))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array`: changes to one show in the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)


def _float_dtype(dtype) -> np.dtype:
    return dtypes.resolve(dtype) or dtypes.get_default_dtype()


# Every creation function takes PyTorch's dtype=, device= (the CPU), requires_grad= and
# pin_memory= (nothing to pin without a GPU); sizes as f(2, 3), f((2, 3)) or f(size=...).


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False) -> Tensor:
    return _make(np.zeros(_shape(sizes, size), _float_dtype(dtype)), requires_grad, device)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False,
         pin_memory: bool = False) -> Tensor:
    return _make(np.ones(_shape(sizes, size), _float_dtype(dtype)), requires_grad, device)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False) -> Tensor:
    return _make(np.empty(_shape(sizes, size), _float_dtype(dtype)), requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False,
         pin_memory: bool = False) -> Tensor:
    dtype = dtypes.resolve(dtype) or dtypes.infer(fill_value)
    return _make(np.full(_shape((size,)), fill_value, dtype), requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    is_float = any(isinstance(v, float) for v in (start, end, step))
    dtype = dtypes.resolve(dtype) or (dtypes.get_default_dtype() if is_float else dtypes.int64)
    return _make(np.arange(start, end, step).astype(dtype), requires_grad, device)


def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False,
             pin_memory: bool = False) -> Tensor:
    array = np.linspace(start, end, steps, dtype=_float_dtype(dtype))
    return _make(array, requires_grad, device)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False,
        pin_memory: bool = False) -> Tensor:
    return _make(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


def rand(*sizes, size=None, generator: Generator | None = None, dtype=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Uniform samples on [0, 1)."""
    array = numpy_generator(generator).random(_shape(sizes, size), dtype=_float_dtype(dtype))
    return _make(array, requires_grad, device)


def randn(*sizes, size=None, generator: Generator | None = None, dtype=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Standard normal samples."""
    array = numpy_generator(generator).standard_normal(_shape(sizes, size),
                                                       dtype=_float_dtype(dtype))
    return _make(array, requires_grad, device)


def randint(low, high=None, size=(), generator: Generator | None = None, dtype=None,
            device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Integers uniform on [low, high)."""
    if high is None:
        low, high = 0, low
    dtype = dtypes.resolve(dtype) or dtypes.int64
    array = numpy_generator(generator).integers(low, high, size=_shape((size,)), dtype=dtype)
    return _make(array, requires_grad, device)


def randperm(n: int, generator: Generator | None = None, dtype=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    array = numpy_generator(generator).permutation(n).astype(dtypes.resolve(dtype) or np.int64)
    return _make(array, requires_grad, device)


def zeros_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _make(np.zeros(t.shape, dtypes.resolve(dtype) or t.dtype), requires_grad, device)


def ones_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(t.shape, dtypes.resolve(dtype) or t.dtype), requires_grad, device)


def empty_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _make(np.empty(t.shape, dtypes.resolve(dtype) or t.dtype), requires_grad, device)


def full_like(t: Tensor, fill_value, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    array = np.full(t.shape, fill_value, dtypes.resolve(dtype) or t.dtype)
    return _make(array, requires_grad, device)


def rand_like(t: Tensor, generator: Generator | None = None, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    return rand(t.shape, generator=generator, dtype=dtype or t.dtype, device=device,
                requires_grad=requires_grad)


def randn_like(t: Tensor, generator: Generator | None = None, dtype=None, device=None,
               requires_grad: bool = False) -> Tensor:
    return randn(t.shape, generator=generator, dtype=dtype or t.dtype, device=device,
                 requires_grad=requires_grad)


def randint_like(t: Tensor, low, high=None, generator: Generator | None = None, dtype=None,
                 device=None) -> Tensor:
    return randint(low, high, t.shape, generator=generator, dtype=dtype or t.dtype,
                   device=device)
