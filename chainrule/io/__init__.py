"""Saving and loading: files that load without running code (safetensors format)."""

from .safetensors import FileFormatError
from .serialization import load, save, write_atomically

__all__ = ["FileFormatError", "load", "save", "write_atomically"]
