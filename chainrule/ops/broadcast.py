"""Broadcasting: the one adjoint every binary op uses, and the errors that name shapes.

Forward, NumPy broadcasts `(3, 1) * (4,)` to `(3, 4)`. Backward, each input must
get a gradient of its own shape, so the gradient is summed over the axes that
broadcasting added or stretched: that is `sum_to_shape`.
"""

from __future__ import annotations

import numpy as np


def sum_to_shape(grad, shape: tuple):
    """Undo broadcasting: sum `grad` down to `shape` (arrays or Tensors)."""
    grad_shape = grad.shape
    if grad_shape == shape:
        return grad
    lead = len(grad_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad_shape[lead + i] != 1
    )
    if axes:
        grad = sum_(grad, axes, True)
    return grad.reshape(shape)


def broadcast_error(op: str, *shapes) -> ValueError:
    listed = " and ".join(str(tuple(s)) for s in shapes)
    return ValueError(
        f"{op}: shapes {listed} cannot be broadcast together. Each dimension, counted "
        f"from the right, must be equal or 1; reshape or unsqueeze an input to line them up."
    )


def broadcast_shapes(*shapes) -> tuple:
    """The broadcast shape, as `torch.broadcast_shapes`; a clear error if there is none."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise broadcast_error("broadcast_shapes", *shapes) from None


def shape_of(x) -> tuple:
    return x.shape if hasattr(x, "shape") else ()


from .reduction import sum_  # noqa: E402  (reduction imports this module)
