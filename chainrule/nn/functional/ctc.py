"""Connectionist temporal classification loss (Graves et al., 2006).

The loss is -log of the total probability of every alignment of the target to the
input steps, with blanks between and around the labels. The forward algorithm sums
those alignments step by step over the blank-interleaved target l' (length 2S + 1):

    α_t(s) = logsumexp(α_{t-1}(s), α_{t-1}(s-1), α_{t-1}(s-2) if l'_s ≠ blank, l'_{s-2})
             + log p_t(l'_s)

It is written with chainrule's ops over the whole batch, so backward is the usual
chain rule through that recursion (the classic α-β formulas, derived by the engine).
Impossible states hold a large negative number rather than -inf, so that no
gradient of an unreachable state is 0·inf.
"""

from __future__ import annotations

import numpy as np

from ... import ops
from ...tensor import Tensor

IMPOSSIBLE = -1e30


def _ints(x) -> np.ndarray:
    return np.asarray(x._data if isinstance(x, Tensor) else x, dtype=np.int64)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False):
    """CTC loss of log-probabilities (T, N, C) against targets (N, S) padded, or 1-D
    concatenated; 'mean' divides each loss by its target length, then averages."""
    steps, batch, _ = log_probs.shape
    input_lengths, target_lengths = _ints(input_lengths), _ints(target_lengths)
    flat = _ints(targets)
    if flat.ndim == 1:  # concatenated targets: split by length
        starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]])
        rows = [flat[s : s + n] for s, n in zip(starts, target_lengths)]
    else:
        rows = [flat[i, : target_lengths[i]] for i in range(batch)]
    width = 2 * max(int(target_lengths.max(initial=0)), 0) + 1
    labels = np.full((batch, width), blank, dtype=np.int64)
    for i, row in enumerate(rows):
        labels[i, 1 : 2 * len(row) : 2] = row
    skip = np.zeros((batch, width), dtype=bool)  # may α(s) come from α(s-2)?
    skip[:, 2:] = (labels[:, 2:] != blank) & (labels[:, 2:] != labels[:, :-2])
    batch_index = np.arange(batch)[:, None]
    floor = np.asarray(IMPOSSIBLE, dtype=log_probs.dtype)

    def emissions(t):
        return log_probs[t][batch_index, labels]  # (N, 2S+1): log p_t(l'_s)

    start = np.full((batch, width), IMPOSSIBLE, dtype=log_probs.dtype)
    start[:, :2] = 0.0
    alpha = ops.where(start > IMPOSSIBLE / 2, emissions(0), floor)
    for t in range(1, steps):
        stay = alpha
        step = _shift(alpha, 1, floor)
        jump = ops.where(skip, _shift(alpha, 2, floor), floor)
        new = ops.logsumexp(ops.stack([stay, step, jump], 0), 0) + emissions(t)
        running = (t < input_lengths)[:, None]
        alpha = ops.where(running, new, alpha)
    last = 2 * target_lengths  # index of the final blank in l'
    ends = ops.stack([alpha[np.arange(batch), last],
                      alpha[np.arange(batch), np.maximum(last - 1, 0)]], 0)
    ends = ops.where(np.stack([np.ones(batch, bool), last > 0]), ends, floor)
    loss = -ops.logsumexp(ends, 0)
    if zero_infinity:
        loss = ops.where(loss.detach()._data > -IMPOSSIBLE / 2, 0.0, loss)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return (loss / np.maximum(target_lengths, 1).astype(log_probs.dtype)).mean()
    raise ValueError(f"reduction must be one of ('none', 'mean', 'sum'), got {reduction!r}")


def _shift(alpha, by: int, floor):
    """α moved `by` states to the right, IMPOSSIBLE coming in at the left."""
    pad = np.full((alpha.shape[0], by), floor, dtype=floor.dtype)
    return ops.cat([pad, alpha[:, :-by]], 1)
