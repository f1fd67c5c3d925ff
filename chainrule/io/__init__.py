"""Saving and loading: state dicts in files that load without running code."""

from .serialization import load, save
