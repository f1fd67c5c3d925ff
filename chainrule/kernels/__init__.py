"""Compiled loop kernels: numba beside the NumPy reference of each op.

NOTE [ Kernels and their references ]
Every op is written first in NumPy, in its own file under ops/: that code is the
reference, readable, and what runs when numba is absent. Where NumPy runs out (loops
over windows, several passes where one would do), a module here holds the same
computation as a compiled loop nest. An op asks for its kernel by name at the point of
use::

    kernel = kernels.get("max_pool2d")
    best, arg = kernel(x, ...) if kernel else reference(x, ...)

so a reader finds the kernel from the op, and the op keeps its derivative: kernels
hold loops only. tests/kernels/ checks each kernel against its reference over the
op tests' shapes, in float32 and float64.

Which path runs:
- `CHAINRULE_KERNELS=numpy` in the environment: the NumPy references only.
- otherwise the compiled kernels if numba imports (`pip install chainrule[fast]`).
`use("numpy")` / `use("numba")` switches within a process, for tests and benchmarks.
Compiled code is cached on disk by numba, so only the first process compiles.

NOTE [ One owner for the cores ]
The compiled kernels run on numba's thread pool; the matrix products run on OpenBLAS's.
Left at their defaults, both pools keep their threads spinning for a while after each
call, and on a machine with few cores each pool's spinning steals the cores the other
one needs: measured on a 2-core machine, the CNN step took 160 ms instead of 80.
`share_cores()` (called when chainrule is imported) sets, unless the user has:
- OMP_WAIT_POLICY=PASSIVE: numba's OpenMP threads sleep when idle (read when numba
  first runs a parallel loop);
- OPENBLAS_THREAD_TIMEOUT=22: OpenBLAS's threads spin 2^22 cycles (about 1.5 ms) before
  sleeping, long enough for a recurrence's back-to-back small products, short enough to
  free the cores between a CNN's large ones (at 1, the CNN gained 15% and the LSTM
  lost 20%). OpenBLAS reads it when NumPy loads, so it takes effect only when chainrule
  is imported before NumPy, or when it is set in the shell.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_CHOICES = ("auto", "numba", "numpy")
# Below this many elements an elementwise pass is cheaper in NumPy than the call into
# compiled code and the wake-up of its threads.
LARGE = 1 << 16
# name -> module under chainrule.kernels that defines it
_FAMILIES = {
    "max_pool2d": "pool", "max_pool2d_scatter": "pool", "max_pool2d_gather": "pool",
    "max_pool2x2_from_rows": "conv_blocks", "max_pool2x2_scatter_to_rows": "conv_blocks",
    "channel_statistics": "conv_blocks", "batch_norm_max_pool2x2_scatter_to_rows": "conv_blocks",
    "im2col": "conv", "col2im": "conv", "rows_to_images": "conv", "images_to_rows": "conv",
    "erf": "elementwise", "relu_backward": "elementwise",
    "batch_norm": "norm", "batch_norm_backward": "norm",
    "adam": "optim", "sgd": "optim", "rmsprop": "optim",
    "lstm_cell": "recurrent", "lstm_cell_backward": "recurrent",
    "gru_cell": "recurrent", "gru_cell_backward": "recurrent",
}


def _from_environment() -> str:
    choice = os.environ.get("CHAINRULE_KERNELS", "auto").strip().lower() or "auto"
    if choice not in _CHOICES:
        raise ValueError(f"CHAINRULE_KERNELS={choice!r} is not one of {', '.join(_CHOICES)}")
    return choice


_choice = _from_environment()


def share_cores() -> None:
    """Make idle thread pools sleep instead of spin (NOTE [ One owner for the cores ])."""
    if _choice != "numpy" and numba_available():
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "22")


@functools.cache
def numba_available() -> bool:
    try:
        return importlib.util.find_spec("numba") is not None
    except ImportError:  # a finder that hides it
        return False


def active() -> str:
    """'numba' when compiled kernels run, 'numpy' when only the references do."""
    if _choice == "numpy":
        return "numpy"
    if numba_available():
        return "numba"
    if _choice == "numba":
        raise RuntimeError("CHAINRULE_KERNELS=numba, but numba is not installed: "
                           "pip install 'chainrule[fast]', or unset CHAINRULE_KERNELS")
    return "numpy"


_loaded: dict[str, Callable] = {}


def get(name: str, *arrays) -> Callable | None:
    """The compiled kernel called `name`, or None where the NumPy reference should run.

    Given arrays (None among them is skipped), also None unless they all share one
    floating type: the kernels are compiled for float32 and float64 arrays.
    """
    if _choice == "numpy":
        return None
    if arrays:
        given = [a for a in arrays if a is not None]
        dtype = given[0].dtype
        if dtype.kind != "f" or any(a.dtype != dtype for a in given):
            return None
    kernel = _loaded.get(name)
    if kernel is None:
        if name not in _FAMILIES:
            raise KeyError(f"no kernel named {name!r}; known: {', '.join(sorted(_FAMILIES))}")
        if active() != "numba":
            return None
        module = importlib.import_module(f"{__name__}.{_FAMILIES[name]}")
        kernel = _loaded[name] = getattr(module, name)
    return kernel


@contextmanager
def use(choice: str) -> Iterator[None]:
    """Run the block with 'numpy' references only, or with 'numba' kernels."""
    global _choice
    if choice not in _CHOICES:
        raise ValueError(f"kernels.use({choice!r}): choose one of {', '.join(_CHOICES)}")
    previous, _choice = _choice, choice
    try:
        yield
    finally:
        _choice = previous
