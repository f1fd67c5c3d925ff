"""Grad mode: whether ops record the graph. Per thread, as in PyTorch."""

from __future__ import annotations

import functools
import threading


class _ThreadState(threading.local):
    """The engine's per-thread switches: grad mode, and the watchers of autograd.watch."""

    enabled = True
    watchers: tuple = ()
    module_stack: list | None = None  # (module, path) of the modules being called
    record_location = False  # a watcher wants each op's file and line
    backward_passes = 0  # backward passes finished (anomaly mode tells steps apart by it)
    in_backward = 0  # backward passes running (nested under create_graph)


_mode = _ThreadState()


def is_grad_enabled() -> bool:
    return _mode.enabled


class _GradModeContext:
    """Sets grad mode inside a `with` block, or around every call of a decorated function."""

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
            with _FixedMode(mode):  # a new context per call, so recursion restores correctly
                return fn(*args, **kwargs)

        return wrapper


class _FixedMode(_GradModeContext):
    def __init__(self, mode: bool) -> None:
        self.mode = mode


class set_grad_enabled(_GradModeContext):
    """Context manager and decorator that turns graph recording on or off.

    Like PyTorch's, calling it also switches the mode at once, without a `with`.

    Example:
        >>> with chainrule.set_grad_enabled(False):
        ...     y = x * 2          # y.requires_grad is False
    """

    def __init__(self, mode: bool) -> None:
        self.prev, self.mode = _mode.enabled, bool(mode)
        _mode.enabled = self.mode

    def __enter__(self) -> None:
        return None  # __init__ has switched already

    def __call__(self, fn):
        _mode.enabled = self.prev  # used as a decorator: undo the switch made by __init__
        return super().__call__(fn)


class no_grad(_GradModeContext):
    """Context manager and decorator: no graph is recorded inside (inference, updates)."""

    mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator: record the graph even inside `no_grad`."""

    mode = True
