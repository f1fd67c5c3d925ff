"""The process group over MPI, and the collectives of PyTorch's `torch.distributed`.

`init_process_group(backend="mpi")` takes rank and world size from the MPI launcher
(`mpirun -n N ...`) through mpi4py. The collectives work in place on chainrule tensors
and NumPy arrays, sending their memory as it is (MPI's buffer protocol; nothing is
pickled). A rank that fails makes the whole job stop, loudly: an uncaught exception on any
rank prints the rank and the error and calls MPI's Abort, which ends every rank, instead
of leaving the others waiting in a collective forever.
"""

from __future__ import annotations

import os
import sys
import time
from enum import Enum

import numpy as np


class ReduceOp(Enum):
    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"


class _Group:
    """The communicator of an initialised process group."""

    def __init__(self, comm) -> None:
        from mpi4py import MPI

        self.MPI, self.comm = MPI, comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()


_group: _Group | None = None  # this process's default group (each process has its own)


def is_available() -> bool:
    """True if mpi4py (and so an MPI library) can be imported."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def init_process_group(backend: str = "mpi", init_method=None, world_size: int = -1,
                       rank: int = -1, **kwargs) -> None:
    """Join the job's processes; rank and size come from the MPI launcher."""
    global _group
    if backend != "mpi":
        raise ValueError(f"chainrule.distributed supports backend='mpi' (got {backend!r}); "
                         f"launch with mpirun -n N python ...")
    if _group is not None:
        raise RuntimeError("the process group is already initialised")
    try:
        from mpi4py import MPI
    except ImportError:
        raise ImportError("chainrule.distributed needs mpi4py and an MPI library: "
                          "pip install 'chainrule[distributed]' mpich (or Debian's "
                          "openmpi-bin and libopenmpi-dev)") from None
    _group = _Group(MPI.COMM_WORLD)
    for name, given, actual in (("world_size", world_size, _group.size),
                                ("rank", rank, _group.rank)):
        if given not in (-1, actual):
            raise ValueError(f"{name}={given} was given but the MPI launcher says {actual}")
    _abort_on_uncaught_exceptions(_group)
    # If a rank is killed, the MPI launcher reports its process id; this line says which
    # rank that was.
    pids = np.zeros(_group.size, dtype=np.int64)
    _group.comm.Allgather(np.array([os.getpid()], dtype=np.int64), pids)
    if _group.rank == 0:
        sys.stderr.write("chainrule.distributed: " + ", ".join(
            f"rank {r} is process {pid}" for r, pid in enumerate(pids.tolist())) + "\n")
        sys.stderr.flush()


def _abort_on_uncaught_exceptions(group: _Group) -> None:
    previous = sys.excepthook

    def hook(kind, value, traceback):
        # The one line that names the rank goes first, and Abort waits a moment: mpiexec
        # stops relaying a rank's output once it ends the job, and has been seen to cut
        # the traceback short.
        sys.stderr.write(f"chainrule.distributed: rank {group.rank} of {group.size} failed "
                         f"with {kind.__name__}: {value}; aborting every rank\n")
        sys.stderr.flush()
        previous(kind, value, traceback)
        sys.stderr.flush()
        time.sleep(0.2)
        group.comm.Abort(1)

    sys.excepthook = hook


def _get() -> _Group:
    if _group is None:
        raise RuntimeError("the default process group has not been initialised: call "
                           "chainrule.distributed.init_process_group('mpi') first")
    return _group


def is_initialized() -> bool:
    return _group is not None


def get_rank() -> int:
    return _get().rank


def get_world_size() -> int:
    return _get().size


def barrier() -> None:
    _get().comm.Barrier()


def destroy_process_group() -> None:
    global _group
    _group = None


def _buffer(tensor) -> np.ndarray:
    array = getattr(tensor, "_data", tensor)
    if not isinstance(array, np.ndarray) or not array.flags.c_contiguous:
        raise ValueError("collectives need a contiguous tensor or array (call .contiguous())")
    return array


def _mpi_op(group: _Group, op: ReduceOp):
    MPI = group.MPI
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX,
            ReduceOp.MIN: MPI.MIN, ReduceOp.PRODUCT: MPI.PROD}[op]


def all_reduce(tensor, op: ReduceOp = ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce `tensor` over all ranks, in place (SUM, AVG, MAX, MIN, PRODUCT)."""
    g = _get()
    array = _buffer(tensor)
    if async_op:
        return Work(g.comm.Iallreduce(g.MPI.IN_PLACE, array, op=_mpi_op(g, op)), array,
                    g.size if op is ReduceOp.AVG else 1)
    g.comm.Allreduce(g.MPI.IN_PLACE, array, op=_mpi_op(g, op))
    if op is ReduceOp.AVG:
        array /= g.size
    _bump(tensor)
    return None


def broadcast(tensor, src: int = 0, group=None, async_op: bool = False) -> None:
    """Copy rank `src`'s tensor into every rank's, in place."""
    g = _get()
    g.comm.Bcast(_buffer(tensor), root=src)
    _bump(tensor)


def all_gather(tensor_list: list, tensor, group=None, async_op: bool = False) -> None:
    """tensor_list[r] = rank r's `tensor`, on every rank."""
    g = _get()
    if len(tensor_list) != g.size:
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} entries for "
                         f"{g.size} ranks")
    array = _buffer(tensor)
    gathered = np.empty((g.size,) + array.shape, dtype=array.dtype)
    g.comm.Allgather(array, gathered)
    for target, value in zip(tensor_list, gathered):
        _buffer(target)[...] = value
        _bump(target)


def all_gather_bytes(data: bytes) -> list[bytes]:
    """Every rank's bytes (of any length): for messages, not for tensors."""
    g = _get()
    lengths = _gather_lengths(g, len(data))
    buffer = np.zeros(int(lengths.sum()), dtype=np.uint8)
    g.comm.Allgatherv(np.frombuffer(data, dtype=np.uint8),
                      [buffer, lengths.tolist()])
    starts = np.concatenate([[0], np.cumsum(lengths)])
    return [buffer[starts[r]:starts[r + 1]].tobytes() for r in range(g.size)]


def _gather_lengths(g: _Group, length: int) -> np.ndarray:
    out = np.zeros(g.size, dtype=np.int64)
    g.comm.Allgather(np.array([length], dtype=np.int64), out)
    return out


def _bump(tensor) -> None:
    if hasattr(tensor, "_bump_version"):
        tensor._bump_version()


class Work:
    """A collective in flight (async_op=True); `wait()` finishes it."""

    def __init__(self, request, array: np.ndarray, divisor: int) -> None:
        self.request, self.array, self.divisor = request, array, divisor

    def wait(self) -> bool:
        self.request.Wait()
        if self.divisor != 1:
            self.array /= self.divisor
        return True

    def is_completed(self) -> bool:
        return bool(self.request.Test())
