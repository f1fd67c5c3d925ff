"""Run one computation on the NumPy references and on the compiled kernels, and compare.

Every kernel test goes through `assert_paths_agree`: the reference path is what the
op tests check against PyTorch, so a kernel that agrees with it is checked too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chainrule import kernels

TOLERANCE = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-12}


def on_both_paths(compute: Callable[[], list]) -> tuple[list, list]:
    with kernels.use("numpy"):
        reference = [np.asarray(a) for a in compute()]
    with kernels.use("numba"):
        compiled = [np.asarray(a) for a in compute()]
    return reference, compiled


def assert_paths_agree(compute: Callable[[], list], exact: tuple[int, ...] = ()) -> None:
    """Outputs listed in `exact` (and integer outputs) must be equal, the rest close."""
    reference, compiled = on_both_paths(compute)
    assert len(reference) == len(compiled)
    for i, (want, got) in enumerate(zip(reference, compiled)):
        assert want.shape == got.shape and want.dtype == got.dtype, (i, want.shape, got.shape)
        if i in exact or want.dtype.kind != "f":
            np.testing.assert_array_equal(got, want, err_msg=f"output {i}")
        else:
            tol = TOLERANCE[want.dtype]
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"output {i}")
