"""`DistributedSampler`: each process of a data-parallel job gets its own share of a
dataset, the same number of samples for every process, reshuffled each epoch."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from .. import distributed as dist
from .sampler import Sampler


class DistributedSampler(Sampler):
    """Args:
        dataset: what is sampled (only its length is used).
        num_replicas, rank: the number of processes and this one's rank (default: from
            the initialised process group).
        shuffle: a new order each epoch, the same on every process (seeded by
            `seed + epoch`; call `set_epoch(epoch)` before each epoch).
        drop_last: drop the tail so every process gets the same number; otherwise the
            order is padded by repeating its start.
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        self.num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
        self.rank = dist.get_rank() if rank is None else rank
        if not 0 <= self.rank < self.num_replicas:
            raise ValueError(f"Invalid rank {self.rank}, rank should be in the interval "
                             f"[0, {self.num_replicas - 1}]")
        self.dataset, self.shuffle, self.seed, self.drop_last = dataset, shuffle, seed, drop_last
        self.epoch = 0
        n = len(dataset)
        self.num_samples = n // self.num_replicas if drop_last else \
            math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        order = np.random.default_rng(self.seed + self.epoch).permutation(n) if self.shuffle \
            else np.arange(n)
        if self.drop_last:
            order = order[: self.total_size]
        elif self.total_size > n:
            order = np.concatenate([order, np.resize(order, self.total_size - n)])
        return iter(order[self.rank : self.total_size : self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples
