"""chainrule.distributed: data-parallel training over MPI (PyTorch's torch.distributed).

Launch with `mpirun -n N python train.py`; in the program call
`init_process_group("mpi")`, wrap the model in `nn.parallel.DistributedDataParallel`,
and give each DataLoader a `data.DistributedSampler`. Needs mpi4py and an MPI library
(`pip install 'chainrule[distributed]'`).
"""

from .process_group import (
    ReduceOp,
    Work,
    all_gather,
    all_gather_bytes,
    all_reduce,
    barrier,
    broadcast,
    destroy_process_group,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
)

__all__ = ["ReduceOp", "Work", "all_gather", "all_gather_bytes", "all_reduce", "barrier",
           "broadcast", "destroy_process_group", "get_rank", "get_world_size",
           "init_process_group", "is_available", "is_initialized"]
