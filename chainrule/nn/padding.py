"""Padding layers: ZeroPad2d, ConstantPad1d/2d/3d, ReflectionPad1d/2d, ReplicationPad1d/2d."""

from __future__ import annotations

from . import functional as F
from .module import Module


class _PadNd(Module):
    """Pads the last `dims` dimensions by `padding` (an int, or (left, right, ...) pairs)."""

    mode, dims = "constant", 2

    def __init__(self, padding, value: float = 0.0) -> None:
        super().__init__()
        self.padding = (padding,) * (2 * self.dims) if isinstance(padding, int) else \
            tuple(padding)
        if len(self.padding) != 2 * self.dims:
            raise ValueError(f"{type(self).__name__} expects an int or {2 * self.dims} "
                             f"sizes, got {padding!r}")
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, self.mode, self.value)

    def extra_repr(self) -> str:
        return f"{self.padding}" + (f", value={self.value}" if self.mode == "constant" else "")


class ConstantPad1d(_PadNd):
    dims = 1


class ConstantPad2d(_PadNd):
    dims = 2


class ConstantPad3d(_PadNd):
    dims = 3


class ZeroPad2d(_PadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)


class ReflectionPad1d(_PadNd):
    mode, dims = "reflect", 1


class ReflectionPad2d(_PadNd):
    mode, dims = "reflect", 2


class ReplicationPad1d(_PadNd):
    mode, dims = "replicate", 1


class ReplicationPad2d(_PadNd):
    mode, dims = "replicate", 2
