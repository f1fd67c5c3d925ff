"""Embedding lookup: rows of a weight matrix picked by integer indices."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...tensor import Tensor


def embedding(input, weight, padding_idx: int | None = None):
    """weight[input]: (*) integer indices into a (num_embeddings, dim) weight -> (*, dim).

    The row at `padding_idx` receives no gradient (it stays what it was initialised to).
    """
    indices = input._data if isinstance(input, Tensor) else np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got {indices.dtype}; use .long()")
    rows = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        bad = indices[(indices < 0) | (indices >= rows)].flat[0]
        raise IndexError(
            f"embedding: index {bad} is out of range for {rows} embeddings; indices must lie "
            f"in [0, {rows - 1}]"
        )
    picked = weight[indices]
    if padding_idx is None:
        return picked
    padding_idx = padding_idx % rows
    # the padding rows are taken as constants, so no gradient reaches weight[padding_idx]
    return ops.where((indices == padding_idx)[..., None], picked.detach(), picked)
