"""PyTorch's legacy typed constructors, still common in examples: FloatTensor([1, 2]),
LongTensor(3) (three zeros), and their isinstance checks."""

from __future__ import annotations

import numpy as np

from .tensor import Tensor


class _TypedTensorMeta(type):
    def __instancecheck__(cls, value) -> bool:
        return isinstance(value, Tensor) and value.dtype == cls.dtype


class _TypedTensor(metaclass=_TypedTensorMeta):
    """`Kind(data)` or `Kind(*sizes)`: a Tensor of this kind's dtype (not a subclass)."""

    dtype: np.dtype

    def __new__(cls, *args) -> Tensor:
        return Tensor(*args, dtype=cls.dtype)


class FloatTensor(_TypedTensor):
    dtype = np.dtype(np.float32)


class DoubleTensor(_TypedTensor):
    dtype = np.dtype(np.float64)


class LongTensor(_TypedTensor):
    dtype = np.dtype(np.int64)


class IntTensor(_TypedTensor):
    dtype = np.dtype(np.int32)


class BoolTensor(_TypedTensor):
    dtype = np.dtype(np.bool_)


class ByteTensor(_TypedTensor):
    dtype = np.dtype(np.uint8)
