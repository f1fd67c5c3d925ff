"""Data-parallel training over MPI, run as `mpiexec -n 2` jobs of tests/distributed/ranks.py."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import DistributedSampler

RANKS = Path(__file__).with_name("ranks.py")
MPIEXEC = Path(sys.executable).parent / "mpiexec"


def mpi(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    assert MPIEXEC.exists(), "mpiexec is missing: make test installs mpich with mpi4py"
    return subprocess.run([str(MPIEXEC), "-n", "2", sys.executable, str(RANKS), *args],
                          capture_output=True, text=True, timeout=timeout)


def test_two_ranks_of_64_equal_one_process_of_128():
    done = mpi("equivalence")
    assert done.returncode == 0, done.stderr[-3000:]
    for tag in ("sgd-momentum sync_bn=False no_sync=False", "adam sync_bn=False no_sync=True",
                "sgd-momentum sync_bn=False no_sync=True", "adam sync_bn=True no_sync=False",
                "sgd-momentum sync_bn=True no_sync=False"):
        assert f"OK {tag}" in done.stdout, done.stdout


def test_collectives_work_in_place():
    done = mpi("collectives")
    assert done.returncode == 0 and "OK collectives" in done.stdout, done.stderr[-3000:]


def test_models_that_differ_between_ranks_are_refused_at_construction():
    done = mpi("mismatch")
    assert done.returncode != 0
    assert "weight: rank 0 ([3, 4]" in done.stderr and "rank 1 ([4, 4]" in done.stderr


@pytest.mark.parametrize("how", ["raise", "kill"])
def test_a_failing_rank_stops_the_job_and_is_named(how):
    start = time.monotonic()
    done = mpi("crash", how, timeout=60)
    assert done.returncode != 0 and time.monotonic() - start < 30
    if how == "raise":
        assert "rank 1 of 2 failed with ValueError: a bad batch" in done.stderr
    else:  # the launcher names the killed process; chainrule's first line, its rank
        killed = re.search(r"PID (\d+)", done.stdout + done.stderr).group(1)
        assert f"rank 1 is process {killed}" in done.stderr


@pytest.mark.parametrize("drop_last", [False, True])
def test_the_sampler_shares_an_epoch_between_ranks_and_reshuffles(drop_last):
    import torch.utils.data

    data = range(103)
    samplers = [DistributedSampler(data, 4, r, seed=3, drop_last=drop_last) for r in range(4)]
    shares = [list(s) for s in samplers]
    assert len({len(s) for s in shares}) == 1 and len(shares[0]) == len(samplers[0])
    everything = [i for share in shares for i in share]
    if drop_last:
        assert len(set(everything)) == len(everything) == 100  # disjoint
    else:
        assert set(everything) == set(data) and len(everything) == 104  # one padded
    for s in samplers:
        s.set_epoch(1)
    assert [list(s) for s in samplers] != shares
    # without shuffling, PyTorch's shares exactly
    ours = [list(DistributedSampler(data, 4, r, shuffle=False, drop_last=drop_last))
            for r in range(4)]
    theirs = [list(torch.utils.data.DistributedSampler(data, 4, r, shuffle=False,
                                                       drop_last=drop_last))
              for r in range(4)]
    assert ours == theirs
    assert np.array_equal(sorted(everything)[:5], [0, 1, 2, 3, 4])


def test_chainrule_train_distributed_writes_from_rank_0_only(tmp_path):
    assert MPIEXEC.exists()
    done = subprocess.run([str(MPIEXEC), "-n", "2", str(Path(sys.executable).parent /
                                                         "chainrule"), "train",
                           "--distributed", "--epochs", "1", "--train-size", "1280",
                           "--test-size", "200", "--no-progress", "--out",
                           str(tmp_path / "run")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("epoch 1/1:") == 1 and "2 processes" in done.stdout
    assert (tmp_path / "run" / "metrics.json").exists()
    state = cr.load(tmp_path / "run" / "weights.safetensors")
    assert "1.weight" in state  # the network's own keys, not DistributedDataParallel's
