"""Sparse matrices in COO form, for graph networks: PyTorch's `sparse_coo_tensor`,
`Tensor.to_sparse()`, `to_dense()`, `coalesce()` and `sparse.mm`.

A sparse tensor is its `indices()` (an int64 array, one row per dimension), its
`values()` (a Tensor, which may require grad: attention over a graph's edges is exactly
that) and its shape. Products with dense matrices run in `ops/sparse.py` over the stored
entries only, in NumPy (no SciPy).
"""

from __future__ import annotations

import numpy as np

from .ops.indexing import IndexAddIntoZeros
from .ops.sparse import sparse_mm
from .tensor import Tensor


class SparseTensor:
    """A COO sparse tensor; build it with `sparse_coo_tensor` or `Tensor.to_sparse()`.

    Shape: indices (ndim, nnz), values (nnz,), size `shape`.
    """

    is_sparse = True
    layout = "sparse_coo"

    def __init__(self, indices: np.ndarray, values: Tensor, shape: tuple,
                 coalesced: bool = False) -> None:
        self._indices, self._values, self.shape = indices, values, tuple(shape)
        self._coalesced = coalesced

    def indices(self) -> Tensor:
        return Tensor._wrap(self._indices)

    def values(self) -> Tensor:
        return self._values

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def requires_grad(self) -> bool:
        return self._values.requires_grad

    def _nnz(self) -> int:
        return self._indices.shape[1]

    def is_coalesced(self) -> bool:
        return self._coalesced

    def coalesce(self) -> SparseTensor:
        """Entries sorted by position (row-major), duplicates summed (differentiably)."""
        if self._coalesced:
            return self
        flat = np.ravel_multi_index(tuple(self._indices), self.shape) if self._nnz() else \
            np.zeros(0, np.int64)
        unique, inverse = np.unique(flat, return_inverse=True)
        values = IndexAddIntoZeros.apply(self._values, (len(unique),), (inverse,), True)
        indices = np.array(np.unravel_index(unique, self.shape), dtype=np.int64).reshape(
            self.ndim, -1)
        return SparseTensor(indices, values, self.shape, coalesced=True)

    def to_dense(self) -> Tensor:
        """The dense tensor; differentiable in the values."""
        return IndexAddIntoZeros.apply(self._values, self.shape, tuple(self._indices), True)

    def t(self) -> SparseTensor:
        if self.ndim != 2:
            raise RuntimeError(f"t() expects a 2-D sparse tensor, got {self.ndim}-D")
        return SparseTensor(self._indices[::-1].copy(), self._values, self.shape[::-1])

    def __matmul__(self, other) -> Tensor:
        return mm(self, other)

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self._indices.tolist()}, values={self._values}, "
                f"size={self.shape}, nnz={self._nnz()})")


def sparse_coo_tensor(indices, values, size=None, dtype=None, requires_grad: bool = False,
                      device=None, is_coalesced: bool | None = None) -> SparseTensor:
    """A sparse tensor with `values[e]` at position `indices[:, e]`; repeated positions
    add up (see `coalesce`). `size` defaults to the smallest that holds every index."""
    index = np.asarray(getattr(indices, "_data", indices), dtype=np.int64)
    if index.ndim != 2:
        raise ValueError(f"sparse_coo_tensor: indices must be 2-D (ndim, nnz), got shape "
                         f"{index.shape}")
    if not isinstance(values, Tensor):
        values = Tensor._wrap(np.asarray(values))
    if dtype is not None:
        values = values.to(dtype)
    if requires_grad:
        values = values.detach().requires_grad_()
    if values.ndim != 1 or values.shape[0] != index.shape[1]:
        raise ValueError(f"sparse_coo_tensor: {index.shape[1]} indices but values of shape "
                         f"{tuple(values.shape)}; give one value per index column")
    if size is None:
        size = tuple(int(n) + 1 for n in index.max(1)) if index.size else (0,) * len(index)
    size = tuple(size)
    if len(size) != len(index) or index.size and (index.min() < 0 or np.any(
            index.max(1) >= np.array(size))):
        raise ValueError(f"sparse_coo_tensor: indices out of range for size {size}")
    return SparseTensor(index, values, size, coalesced=bool(is_coalesced))


def to_sparse(x: Tensor) -> SparseTensor:
    """The nonzero entries of a dense tensor; differentiable in them."""
    index = np.array(np.nonzero(x._data), dtype=np.int64).reshape(x.ndim, -1)
    return SparseTensor(index, x[tuple(index)], tuple(x.shape), coalesced=True)


def mm(sparse: SparseTensor, dense: Tensor) -> Tensor:
    """sparse (n, m) @ dense (m,) or (m, k) -> (n,) or (n, k); differentiable in the
    sparse tensor's values and in the dense matrix."""
    if not getattr(sparse, "is_sparse", False) or sparse.ndim != 2:
        raise TypeError("sparse.mm expects a 2-D sparse tensor first (sparse_coo_tensor or "
                        "Tensor.to_sparse()) and a dense tensor second")
    if dense.shape[0] != sparse.shape[1]:
        raise RuntimeError(f"sparse.mm: shapes {sparse.shape} and {tuple(dense.shape)} "
                           f"cannot be multiplied")
    # no coalesce needed: repeated positions add up in the product's row sums anyway
    rows, cols = sparse._indices
    return sparse_mm(sparse._values, dense, rows, cols, sparse.shape[0])


spmm = mm


def diag_embed(x: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """(..., n) -> (..., n, n) with the last axis on the diagonal (PyTorch's defaults)."""
    if (offset, dim1, dim2) != (0, -2, -1):
        raise NotImplementedError("diag_embed supports offset=0, dim1=-2, dim2=-1")
    n = x.shape[-1]
    return x.unsqueeze(-1) * Tensor._wrap(np.eye(n, dtype=x.dtype))


__all__ = ["SparseTensor", "diag_embed", "mm", "sparse_coo_tensor", "spmm",
           "to_sparse"]
