"""Variable-length sequences: pad a list of them into one tensor, or pack them.

A `PackedSequence` is PyTorch's layout: the steps of every sequence, time-major, with
`batch_sizes[t]` sequences still running at step t, longest first. The recurrent
layers accept one and return one; inside, they run on the padded form with a mask
(NOTE [ Fused recurrences ] in ops/recurrent.py). Every function here is made of
differentiable ops, so gradients flow through packing and unpacking.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ... import ops
from ...tensor import Tensor


class PackedSequence(NamedTuple):
    """Packed variable-length sequences (see the module docstring).

    Attributes:
        data: (Σ lengths, *) the steps, time-major.
        batch_sizes: (T,) int64, how many sequences run at each step.
        sorted_indices: the batch order by decreasing length, or None if it was sorted.
        unsorted_indices: its inverse, or None.
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


def _lengths_array(lengths) -> np.ndarray:
    values = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths)
    if values.ndim != 1 or values.dtype.kind not in "iu":
        raise ValueError(f"lengths must be a 1-D sequence of integers, got {values!r}")
    if values.size and values.min() <= 0:
        raise RuntimeError(
            f"every sequence length must be positive, got {values.tolist()}; drop empty "
            f"sequences before packing"
        )
    return values.astype(np.int64)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (Lᵢ, *) into (T, N, *), or (N, T, *) with batch_first,
    padding each to the longest with `padding_value`."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"padding_side must be 'right' or 'left', got {padding_side!r}")
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence needs at least one sequence")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        widths = [0, 0] * (s.ndim - 1) + ([0, missing] if padding_side == "right" else
                                          [missing, 0])
        padded.append(ops.pad(s, widths, value=padding_value) if missing else s)
    return ops.stack(padded, 0 if batch_first else 1)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, N, *) (or (N, T, *) with batch_first) of the given lengths.

    With enforce_sorted=False the batch may be in any order; it is sorted by length
    and `unsorted_indices` restores the order on unpacking.
    """
    lengths = _lengths_array(lengths)
    batch_dim = 0 if batch_first else 1
    if lengths.size != input.shape[batch_dim]:
        raise ValueError(
            f"got {lengths.size} lengths for a batch of {input.shape[batch_dim]} sequences"
        )
    if lengths.max() > input.shape[1 - batch_dim]:
        raise ValueError(
            f"a length of {lengths.max()} exceeds the padded length {input.shape[1 - batch_dim]}"
        )
    sorted_indices = unsorted_indices = None
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError(
                f"`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                f"True, got {lengths.tolist()}. Pass enforce_sorted=False to sort inside."
            )
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = Tensor._wrap(order.astype(np.int64))
        unsorted_indices = Tensor._wrap(np.argsort(order).astype(np.int64))
        lengths = lengths[order]
        input = ops.index_select(input, batch_dim, order)
    if batch_first:
        input = input.transpose(0, 1)
    batch_sizes = (np.arange(lengths[0])[:, None] < lengths[None, :]).sum(axis=1)
    data = ops.cat([input[t, : int(b)] for t, b in enumerate(batch_sizes)], 0)
    return PackedSequence(data, Tensor._wrap(batch_sizes.astype(np.int64)), sorted_indices,
                          unsorted_indices)


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (Lᵢ, *) directly."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def _padded_positions(batch_sizes: np.ndarray) -> np.ndarray:
    """For each (t, n) of the padded (T, N) grid, its row in the packed data, or -1."""
    steps, rows = len(batch_sizes), int(batch_sizes[0])
    starts = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    grid = starts[:, None] + np.arange(rows)[None, :]
    return np.where(np.arange(rows)[None, :] < batch_sizes[:, None], grid, -1).reshape(
        steps, rows)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """Undo `pack_padded_sequence`: returns (padded (T, N, *), lengths (N,) int64)."""
    data, batch_sizes = sequence.data, sequence.batch_sizes._data
    positions = _padded_positions(batch_sizes)
    steps, rows = positions.shape
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                f"total_length ({total_length}) is shorter than the longest sequence ({steps})"
            )
        positions = np.concatenate([positions, np.full((total_length - steps, rows), -1)])
    filler = Tensor._wrap(np.full((1,) + tuple(data.shape[1:]), padding_value, data.dtype))
    extended = ops.cat([data, filler], 0)  # row -1 is the padding row
    padded = extended[positions.reshape(-1)].reshape(positions.shape + tuple(data.shape[1:]))
    lengths = (batch_sizes[None, :] > np.arange(rows)[:, None]).sum(axis=1).astype(np.int64)
    if sequence.unsorted_indices is not None:
        order = sequence.unsorted_indices._data
        padded = ops.index_select(padded, 1, order)
        lengths = lengths[order]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, Tensor._wrap(lengths)


def repack_like(padded: Tensor, like: PackedSequence) -> PackedSequence:
    """Pack a (T, N, *) batch in original order with the layout of `like`."""
    if like.sorted_indices is not None:
        padded = ops.index_select(padded, 1, like.sorted_indices._data)
    positions = _padded_positions(like.batch_sizes._data)
    flat = padded.reshape((-1,) + tuple(padded.shape[2:]))
    # the packed rows are the valid (t, n) places in row-major order
    steps, rows = positions.shape
    wanted = (np.arange(steps)[:, None] * rows + np.arange(rows))[positions >= 0]
    return PackedSequence(flat[wanted], like.batch_sizes, like.sorted_indices,
                          like.unsorted_indices)
