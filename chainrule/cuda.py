"""`chainrule.cuda`: answers as PyTorch does on a machine without CUDA."""

from __future__ import annotations


def is_available() -> bool:
    """False: chainrule computes on the CPU."""
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int) -> None:
    """Nothing to seed without CUDA (PyTorch, too, ignores it then)."""


manual_seed_all = manual_seed


def synchronize(device=None) -> None:
    """Nothing runs asynchronously on chainrule's one device."""


def empty_cache() -> None:
    """No device memory to release."""
