"""Padding with PyTorch's modes: constant, reflect, replicate and circular.

The non-constant modes read every padded position from some input position, so they
are indexing: `np.pad` applied to each axis's positions gives the index map (reflect
mirrors without repeating the edge, replicate repeats it, circular wraps around), and
the gradient of the padding adds back into the positions that were read.
"""

from __future__ import annotations

import numpy as np

from ... import ops

NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input, pad, mode: str = "constant", value: float | None = None):
    """Pad the last len(pad)/2 dimensions; `pad` lists (left, right) pairs from the last
    dimension back, e.g. (1, 1, 2, 0) pads the last axis by 1 and 1, the one before by 2, 0."""
    if mode == "constant":
        return ops.pad(input, pad, value=0.0 if value is None else value)
    if mode not in NUMPY_MODES:
        raise ValueError(f"pad: mode must be constant, reflect, replicate or circular, got "
                         f"{mode!r}")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: expected an even number of sizes, at most 2 per dimension, "
                         f"got {len(pad)}")
    out = input
    for i in range(len(pad) // 2):
        axis = input.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        if left == right == 0:
            continue
        size = input.shape[axis]
        if mode == "reflect" and (left >= size or right >= size):
            raise ValueError(f"pad: reflect padding ({left}, {right}) must be smaller than the "
                             f"dimension it pads ({size})")
        source = np.pad(np.arange(size), (left, right), mode=NUMPY_MODES[mode])
        out = ops.getitem(out, (slice(None),) * axis + (source,))
    return out
