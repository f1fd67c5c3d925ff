"""`Layer`: a Keras layer is an nn.Module that builds its weights from its first input.

So `Dense(64)` needs no input size. Images and sequences are channels-last, as in Keras.
"""

from __future__ import annotations

from ..nn.module import Module


class Layer(Module):
    """Base class: `build(input_shape)` runs once, on the first call."""

    def __init__(self, input_shape=None, name: str | None = None, **kwargs) -> None:
        super().__init__()
        self.built = False
        self.input_shape = None if input_shape is None else (None,) + tuple(input_shape)
        self.name = name or type(self).__name__.lower()

    def build(self, input_shape: tuple) -> None:
        """Create the weights for inputs of this shape (batch dimension first)."""

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return input_shape

    def __call__(self, *args, **kwargs):
        if not self.built:
            self.build(tuple(args[0].shape))
            self.built = True
        return super().__call__(*args, **kwargs)

    def count_params(self) -> int:
        return sum(p.numel() for p in self.parameters())
