"""Which path runs: the environment variable, `kernels.use`, and the ops' dispatch."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from chainrule import kernels
from chainrule.optim.optimizer import Optimizer


def _active_in_child(value: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CHAINRULE_KERNELS=value)
    return subprocess.run([sys.executable, "-c", "import chainrule; "
                           "print(chainrule.kernels.active())"],
                          env=env, capture_output=True, text=True, timeout=120)


def test_environment_variable_chooses_the_path():
    assert _active_in_child("numpy").stdout.strip() == "numpy"
    assert _active_in_child("auto").stdout.strip() == "numba"
    wrong = _active_in_child("fortran")
    assert wrong.returncode != 0 and "CHAINRULE_KERNELS='fortran'" in wrong.stderr


def test_use_switches_and_restores():
    assert kernels.active() == "numba"
    with kernels.use("numpy"):
        assert kernels.active() == "numpy" and kernels.get("max_pool2d") is None
    assert kernels.get("max_pool2d") is not None
    with pytest.raises(ValueError, match="choose one of"):
        with kernels.use("cuda"):
            pass


def test_unknown_kernel_names_are_refused():
    with pytest.raises(KeyError, match="no kernel named 'max_pool3d'"):
        kernels.get("max_pool3d")


def test_optimizers_pick_the_fused_update_only_where_it_applies():
    flat = np.zeros(4)
    assert Optimizer._fused("adam", {"fused": None}, flat, flat) is kernels.get("adam")
    assert Optimizer._fused("adam", {"fused": False}, flat, flat) is None
    assert Optimizer._fused("adam", {}, flat, flat.astype(np.float32)) is None  # mixed types
    assert Optimizer._fused("adam", {}, np.zeros((4, 4))[:, ::2], flat) is None  # strided
