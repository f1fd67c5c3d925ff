"""`DistributedDataParallel`: one model replica per process, gradients averaged over MPI.

At construction the replicas are checked to have the same parameter names and shapes,
and rank 0's parameters and buffers are copied to every rank. During backward, each
parameter's post-accumulate hook marks it ready; parameters are grouped into buckets of
about `bucket_cap_mb` megabytes in reverse registration order (the order backward
usually finishes them), and when a bucket's last gradient arrives its gradients are
copied into one flat buffer and a non-blocking allreduce starts, while backward goes on
with the layers below. When the last bucket has started, every request is waited for and
the averaged gradients are written back. Under `no_sync()` the hooks only accumulate,
for gradient accumulation over several backward passes.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager

import numpy as np

from ... import distributed as dist
from ..module import Module


class DistributedDataParallel(Module):
    """Args:
        module: the model replica of this process.
        bucket_cap_mb: the size of the gradient buckets (PyTorch's default, 25 MB).
        broadcast_buffers: copy rank 0's buffers (BatchNorm's statistics) to every rank
            at each forward, as PyTorch does by default.
    """

    def __init__(self, module: Module, device_ids=None, output_device=None,
                 broadcast_buffers: bool = True, bucket_cap_mb: float = 25.0,
                 find_unused_parameters: bool = False, **kwargs) -> None:
        super().__init__()
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.world_size = dist.get_world_size()
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        _check_same_parameters(named)
        for tensor in list(module.parameters()) + _float_buffers(module):
            dist.broadcast(tensor, src=0)
        self._buckets = _make_buckets([p for _, p in named][::-1], bucket_cap_mb * 2**20)
        self._bucket_of = {id(p): k for k, bucket in enumerate(self._buckets) for p in bucket}
        self._handles = [p.register_post_accumulate_grad_hook(self._on_gradient)
                         for _, p in named]
        self._sync = True
        self._reset()

    def _reset(self) -> None:
        self._ready = [0] * len(self._buckets)
        self._in_flight: list = []

    def forward(self, *args, **kwargs):
        if self._in_flight:
            raise RuntimeError("the previous backward did not give every parameter a "
                               "gradient, so its gradients were never averaged; every "
                               "parameter must take part in the loss on every rank")
        if self.broadcast_buffers and self.world_size > 1:
            for buffer in _float_buffers(self.module):
                dist.broadcast(buffer, src=0)
        return self.module(*args, **kwargs)

    @contextmanager
    def no_sync(self):
        """Backward passes inside accumulate gradients locally; the first one after
        averages everything accumulated."""
        previous, self._sync = self._sync, False
        try:
            yield
        finally:
            self._sync = previous

    # -- the reducer -----------------------------------------------------------------

    def _on_gradient(self, param) -> None:
        if not self._sync:
            return
        k = self._bucket_of[id(param)]
        self._ready[k] += 1
        if self._ready[k] == len(self._buckets[k]):
            bucket = self._buckets[k]
            flat = np.concatenate([p.grad._data.ravel() for p in bucket])
            self._in_flight.append((bucket, flat, dist.all_reduce(flat, dist.ReduceOp.SUM,
                                                                   async_op=True)))
            if len(self._in_flight) == len(self._buckets):
                self._finish()

    def _finish(self) -> None:
        for bucket, flat, work in self._in_flight:
            work.wait()
            flat /= self.world_size
            offset = 0
            for p in bucket:
                size = p.grad._data.size
                p.grad._data[...] = flat[offset:offset + size].reshape(p.grad._data.shape)
                offset += size
        self._reset()


def _float_buffers(module: Module) -> list:
    return [b for b in module.buffers() if b.dtype.kind == "f"]


def _make_buckets(params: list, capacity: float) -> list[list]:
    buckets, current, size = [], [], 0
    for p in params:
        current.append(p)
        size += p._data.nbytes
        if size >= capacity:
            buckets.append(current)
            current, size = [], 0
    if current:
        buckets.append(current)
    return buckets


def _check_same_parameters(named: list) -> None:
    """Every rank must hold the same parameters; say which differ if they do not."""
    description = json.dumps([(n, list(p.shape), str(p.dtype)) for n, p in named])
    digest = hashlib.sha256(description.encode()).digest()
    digests = dist.all_gather_bytes(digest)
    if len(set(digests)) == 1:
        return
    described = [json.loads(d) for d in dist.all_gather_bytes(description.encode())]
    mine = {n: (s, d) for n, s, d in described[0]}
    differences = []
    for rank, entries in enumerate(described[1:], 1):
        theirs = {n: (s, d) for n, s, d in entries}
        for name in sorted(set(mine) | set(theirs)):
            if mine.get(name) != theirs.get(name):
                differences.append(f"{name}: rank 0 {mine.get(name)}, rank {rank} "
                                   f"{theirs.get(name)}")
    raise RuntimeError("DistributedDataParallel: the model differs between ranks (every "
                       "rank must build the same model): " + "; ".join(differences[:10]))
