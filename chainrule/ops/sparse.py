"""The product of a sparse matrix, stored as COO triples (row, column, value), with a
dense one; differentiable in the values and in the dense matrix.

    y[r] = Σ_e values[e] · dense[cols[e]]   over the entries e with rows[e] = r

so dL/dvalues[e] = g[rows[e]] · dense[cols[e]] (a row-wise dot product) and
dL/ddense = Sᵀ g, the same product with rows and columns swapped. Both are written with
ops that also run on Tensors, so gradients of gradients work too.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function


def segment_sum(contributions: np.ndarray, targets: np.ndarray, n: int) -> np.ndarray:
    """out[t] = Σ contributions[e] over e with targets[e] = t, for t < n (rows of zeros
    elsewhere): one sort and one np.add.reduceat, not a Python loop or np.add.at."""
    out = np.zeros((n,) + contributions.shape[1:], dtype=contributions.dtype)
    if len(targets) == 0:
        return out
    if np.any(targets[1:] < targets[:-1]):
        order = np.argsort(targets, kind="stable")
        targets, contributions = targets[order], contributions[order]
    starts = np.flatnonzero(np.r_[True, targets[1:] != targets[:-1]])
    out[targets[starts]] = np.add.reduceat(contributions, starts, axis=0)
    return out


class SparseMM(Function):
    """S @ dense for S = (rows, cols, values) of n_rows rows; dense (m,) or (m, k)."""

    @staticmethod
    def forward(ctx, values, dense, rows, cols, n_rows):
        ctx.save_for_backward(values, dense)
        ctx.rows, ctx.cols = rows, cols
        weights = values if dense.ndim == 1 else values[:, None]
        return segment_sum(weights * dense[cols], rows, n_rows)

    @staticmethod
    def backward(ctx, grad):
        values, dense = ctx.saved_tensors
        need_values, need_dense = ctx.needs_input_grad[:2]
        rows, cols = ctx.rows, ctx.cols
        grad_values = grad_dense = None
        if need_values:
            products = grad[rows] * dense[cols]
            grad_values = products if products.ndim == 1 else products.sum(1)
        if need_dense:  # Sᵀ g
            grad_dense = SparseMM.apply(values, grad, cols, rows, dense.shape[0])
        return grad_values, grad_dense, None, None, None


def sparse_mm(values, dense, rows: np.ndarray, cols: np.ndarray, n_rows: int):
    return SparseMM.apply(values, dense, rows, cols, n_rows)
