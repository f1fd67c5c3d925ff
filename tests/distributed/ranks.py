"""Programs the distributed tests run under `mpiexec -n 2` (see test_mpi.py)."""

from __future__ import annotations

import os
import signal
import sys
import time

import numpy as np

import chainrule as cr
from chainrule import distributed as dist
from chainrule import nn, optim
from chainrule.nn.parallel import DistributedDataParallel as DDP


def model(batch_norm: bool = False):
    """A small float64 network, with a BatchNorm layer or without."""
    cr.manual_seed(0)
    norm = nn.BatchNorm1d(16) if batch_norm else nn.Identity()
    return nn.Sequential(nn.Linear(6, 16), norm, nn.Tanh(), nn.Linear(16, 3)).double()


def batches(steps: int):
    rng = np.random.default_rng(1)
    return [(rng.normal(size=(128, 6)), rng.integers(0, 3, 128)) for _ in range(steps)]


def train(net, make_optimizer, data, rank, world, accumulate=False):
    opt = make_optimizer(net.parameters())
    share = 128 // world
    for x, y in data:
        x, y = x[rank * share:(rank + 1) * share], y[rank * share:(rank + 1) * share]
        opt.zero_grad()
        if accumulate:  # two half-batches, the first without averaging over the ranks
            half = share // 2
            with (net.no_sync() if hasattr(net, "no_sync") else _nothing()):
                (nn.functional.cross_entropy(net(cr.tensor(x[:half])), cr.tensor(y[:half]))
                 / 2).backward()
            (nn.functional.cross_entropy(net(cr.tensor(x[half:])), cr.tensor(y[half:]))
             / 2).backward()
        else:
            nn.functional.cross_entropy(net(cr.tensor(x)), cr.tensor(y)).backward()
        opt.step()
    return {k: v.numpy().copy() for k, v in net.state_dict().items()}


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def equivalence() -> None:
    """2 ranks with 64 samples each end where 1 process with 128 does (float64, 1e-10)."""
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    data = batches(20)
    optimizers = {"sgd-momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                  "adam": lambda p: optim.Adam(p, lr=1e-2)}
    for sync_bn in (False, True):
        for name, make in optimizers.items():
            # accumulation splits the batch differently from one process: BatchNorm's
            # statistics would differ, so it is checked without BatchNorm
            for accumulate in ((False,) if sync_bn else (False, True)):
                reference = train(model(sync_bn), make, data, 0, 1, accumulate)
                # plain BatchNorm would normalize each rank's share alone: SyncBatchNorm
                replica = nn.SyncBatchNorm.convert_sync_batchnorm(model(sync_bn))
                ours = train(DDP(replica), make, data, rank, world, accumulate)
                worst = max(float(np.abs(ours["module." + k] - reference[k]).max())
                            for k in reference)
                tag = f"{name} sync_bn={sync_bn} no_sync={accumulate}"
                bad = [k for k in reference
                       if np.abs(ours["module." + k] - reference[k]).max() >= 1e-10]
                assert worst < 1e-10, f"rank {rank} {tag}: differs by {worst} in {bad}"
                if rank == 0:
                    print(f"OK {tag}: largest difference {worst:.1e}", flush=True)
    dist.barrier()


def collectives() -> None:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    t = cr.tensor([1.0 + rank, 10.0 * rank])
    dist.all_reduce(t)
    assert t.tolist() == [3.0, 10.0], t
    t = cr.tensor([1.0 + rank])
    dist.all_reduce(t, dist.ReduceOp.AVG)
    assert t.tolist() == [1.5]
    a = np.array([rank], dtype=np.float64)
    dist.all_reduce(a, dist.ReduceOp.MAX)
    assert a.tolist() == [1.0]
    b = cr.tensor([float(rank) + 5])
    dist.broadcast(b, src=1)
    assert b.tolist() == [6.0]
    gathered = [cr.zeros(2) for _ in range(world)]
    dist.all_gather(gathered, cr.full((2,), float(rank)))
    assert [g.tolist() for g in gathered] == [[0.0, 0.0], [1.0, 1.0]]
    if rank == 0:
        print("OK collectives", flush=True)


def mismatch() -> None:
    dist.init_process_group("mpi")
    DDP(nn.Linear(4, 3 + dist.get_rank()))


def crash() -> None:
    dist.init_process_group("mpi")
    net = DDP(nn.Linear(4, 1))
    for step in range(1000):
        if dist.get_rank() == 1 and step == 5:
            if sys.argv[2] == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise ValueError("a bad batch on this rank")
        net(cr.randn(8, 4)).sum().backward()
        time.sleep(0.01)


if __name__ == "__main__":
    globals()[sys.argv[1]]()
