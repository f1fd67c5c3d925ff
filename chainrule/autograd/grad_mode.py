"""Grad mode: whether ops record the graph. Per thread, as in PyTorch."""

from __future__ import annotations

import functools
import threading


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()


def is_grad_enabled() -> bool:
    return _mode.enabled


class set_grad_enabled:
    """Context manager and decorator that turns graph recording on or off.

    Example:
        >>> with chainrule.set_grad_enabled(False):
        ...     y = x * 2          # y.requires_grad is False
    """

    def __init__(self, mode: bool) -> None:
        self.prev = _mode.enabled
        self.mode = bool(mode)
        _mode.enabled = self.mode  # like torch: calling it as a function switches at once

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        _mode.enabled = self.prev

    def __call__(self, fn):
        mode = self.mode
        _mode.enabled = self.prev  # used as a decorator: undo the switch made by __init__

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class _GradModeContext:
    mode: bool

    def __enter__(self) -> None:
        self.prev = _mode.enabled
        _mode.enabled = self.mode

    def __exit__(self, *exc) -> None:
        _mode.enabled = self.prev

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Context manager and decorator: no graph is recorded inside (inference, updates)."""

    mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator: record the graph even inside `no_grad`."""

    mode = True
