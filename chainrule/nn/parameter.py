"""`Parameter`: a tensor that a Module registers as trainable state."""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor with requires_grad=True that modules collect in `parameters()`.

    Args:
        data: a tensor or array-like; its memory is shared when it is a float array.
        requires_grad: whether the optimizer should train it.
    """

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=dtypes.get_default_dtype())
        array = data._data if isinstance(data, Tensor) else np.asarray(data)
        if array.dtype.kind != "f":
            array = array.astype(dtypes.get_default_dtype())
        self._data = array
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
