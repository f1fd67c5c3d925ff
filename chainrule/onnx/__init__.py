"""chainrule.onnx: export models to ONNX (needs the `onnx` package: `chainrule[onnx]`)."""

from .export import CONVERTERS, export
from .graph import Graph

__all__ = ["CONVERTERS", "Graph", "export"]
