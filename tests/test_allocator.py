"""chainrule.allocator: memory a step frees is reused by the next without page faults."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from chainrule import allocator

# A "training step" of twelve 2 MiB arrays, allocated, written and freed three times;
# prints the page faults of the third.
STEPS = r"""
import resource, sys
import chainrule, numpy as np
def step():
    arrays = [np.ones(1 << 19, np.float32) for _ in range(12)]
    del arrays
step(); step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

needs_glibc = pytest.mark.skipif(
    sys.platform != "linux" or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="the tuning is glibc's; other C libraries are left as they are")


def _faults_of_a_repeated_step(**environment) -> int:
    env = {k: v for k, v in os.environ.items()
           if k != "GLIBC_TUNABLES" and not k.startswith("MALLOC_") and k != "CHAINRULE_MALLOC"}
    out = subprocess.run([sys.executable, "-c", STEPS], env={**env, **environment},
                         capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


@needs_glibc
def test_a_repeated_step_reuses_its_memory():
    # 12 x 2 MiB is 6,144 pages: untuned, each is faulted in again every step
    assert _faults_of_a_repeated_step() < 200
    assert _faults_of_a_repeated_step(CHAINRULE_MALLOC="system") > 3000


@pytest.mark.parametrize("variable, value", [
    ("CHAINRULE_MALLOC", "system"),
    ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0"),
    ("MALLOC_ARENA_MAX_", "2"),
])
def test_a_user_configured_malloc_is_left_alone(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    assert allocator.keep_freed_memory() is False


@needs_glibc
def test_glibc_accepts_the_settings(monkeypatch):
    for name in ("CHAINRULE_MALLOC", "GLIBC_TUNABLES"):
        monkeypatch.delenv(name, raising=False)
    for name in [n for n in os.environ if n.startswith("MALLOC_")]:
        monkeypatch.delenv(name)
    assert allocator.keep_freed_memory() is True


def test_other_c_libraries_are_left_alone(monkeypatch):
    def no_glibc(name):
        raise ValueError(f"unrecognized configuration name {name}")

    monkeypatch.setattr(allocator.os, "confstr", no_glibc)
    assert allocator.keep_freed_memory() is False
