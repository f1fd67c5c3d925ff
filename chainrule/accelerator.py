"""`chainrule.accelerator`: there is none; the CPU is chainrule's only device."""

from __future__ import annotations


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False):
    """None: no accelerator (PyTorch returns None too when it finds none)."""
    return None


def device_count() -> int:
    return 0
