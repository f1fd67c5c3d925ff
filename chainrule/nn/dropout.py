"""Dropout modules: active in training mode, the identity in eval mode."""

from __future__ import annotations

from ..random import Generator
from . import functional as F
from .functional.dropout import check_probability
from .module import Module


class Dropout(Module):
    """Zero each element with probability p in training and scale the rest by 1/(1-p).

    Args:
        p: probability of zeroing an element.
        generator: optional Generator, for a dropout stream independent of the global one.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False,
                 generator: Generator | None = None) -> None:
        super().__init__()
        check_probability(p)
        self.p, self.generator = p, generator

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) input with probability p in training."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.generator)
