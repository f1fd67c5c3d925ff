"""`chainrule.linalg`: norms and products under PyTorch's torch.linalg names."""

from __future__ import annotations

from .ops import matmul, matrix_norm, vector_norm


def norm(x, ord=None, dim=None, keepdim: bool = False):  # noqa: A002
    """A vector norm over one dim (or all elements), or a matrix norm over two dims."""
    matrix = (isinstance(dim, (tuple, list)) and len(dim) == 2) or (
        dim is None and ord is not None and x.ndim == 2)
    if matrix:
        return matrix_norm(x, "fro" if ord is None else ord, dim or (-2, -1), keepdim)
    return vector_norm(x, 2 if ord is None else ord, dim, keepdim)


__all__ = ["matmul", "matrix_norm", "norm", "vector_norm"]
