"""`Layer`: a Keras layer is an nn.Module that builds its weights from its first input.

So `Dense(64)` needs no input size. Images and sequences are channels-last, as in Keras.
"""

from __future__ import annotations

import re

import numpy as np

from ..autograd.grad_mode import no_grad
from ..nn.module import Module
from ..tensor import Tensor


class KerasTensor:
    """A placeholder of the functional API: its shape (None for the batch) and the layer
    call that makes it. Calling a layer on one records the call instead of computing."""

    def __init__(self, shape: tuple, layer=None, inputs: tuple = ()) -> None:
        self.shape, self.layer, self.inputs = tuple(shape), layer, inputs

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}>"


def symbolic_call(layer, inputs) -> KerasTensor:
    """Record `layer(inputs)` on placeholders; its output shape comes from a dry run."""
    placeholders = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    with no_grad():
        samples = [Tensor._wrap(np.zeros(tuple(1 if n is None else n for n in p.shape),
                                         np.float32)) for p in placeholders]
        out = layer(samples if isinstance(inputs, (list, tuple)) else samples[0])
    return KerasTensor((None,) + tuple(out.shape[1:]), layer, tuple(placeholders))


def snake_case(name: str) -> str:
    """Keras's default layer names: BatchNormalization -> batch_normalization."""
    name = name.replace("1D", "1d").replace("2D", "2d")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


class Layer(Module):
    """Base class: `build(input_shape)` runs once, on the first call."""

    takes_list = False  # True for layers called on a list of inputs (Concatenate, Add)

    def __init__(self, input_shape=None, name: str | None = None, **kwargs) -> None:
        super().__init__()
        self.built = False
        self.input_shape = None if input_shape is None else (None,) + tuple(input_shape)
        self.name = name or snake_case(type(self).__name__)

    def build(self, input_shape: tuple) -> None:
        """Create the weights for inputs of this shape (batch dimension first)."""

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return input_shape

    def __call__(self, *args, **kwargs):
        first = args[0]
        if isinstance(first, KerasTensor) or (
                isinstance(first, (list, tuple)) and first and isinstance(first[0], KerasTensor)):
            return symbolic_call(self, first)
        if not self.built:
            self.build(tuple(first.shape) if hasattr(first, "shape") else
                       tuple(tuple(x.shape) for x in first))
            self.built = True
        return super().__call__(*args, **kwargs)

    def count_params(self) -> int:
        return sum(p.numel() for p in self.parameters())
