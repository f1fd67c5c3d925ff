"""Sorting: sort, argsort and topk. Values are gathered by index, so their gradient goes
back to the places they came from; indices carry no gradient."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..autograd.tensor_base import TensorBase
from .indexing import gather
from .primitives import ndim_of, normalize_dim

values_indices = namedtuple("values_indices", ["values", "indices"])


def _data(x):
    return x._data if isinstance(x, TensorBase) else np.asarray(x)


def _order(data: np.ndarray, dim: int, descending: bool, stable: bool) -> np.ndarray:
    kind = "stable" if stable else None
    if descending:  # stable descending order: sort the negation (ties keep their order)
        return np.argsort(-data, axis=dim, kind=kind or "stable")
    return np.argsort(data, axis=dim, kind=kind)


def sort(x, dim: int = -1, descending: bool = False, stable: bool = False):
    """(values, indices) sorted along `dim`."""
    dim = normalize_dim(dim, ndim_of(x), "sort")
    index = _order(_data(x), dim, descending, stable).astype(np.int64)
    return values_indices(gather(x, dim, index) if ndim_of(x) else x, TensorBase._wrap(index))


def argsort(x, dim: int = -1, descending: bool = False, stable: bool = False):
    dim = normalize_dim(dim, ndim_of(x), "argsort")
    return TensorBase._wrap(_order(_data(x), dim, descending, stable).astype(np.int64))


def topk(x, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The k largest (or smallest) values along `dim`, and where they are."""
    dim = normalize_dim(dim, ndim_of(x), "topk")
    size = x.shape[dim] if ndim_of(x) else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k ({k}) is out of range for a dimension of size {size}")
    order = _order(_data(x), dim, descending=largest, stable=True)
    index = np.take(order, np.arange(k), axis=dim).astype(np.int64)
    return values_indices(gather(x, dim, index), TensorBase._wrap(index))
