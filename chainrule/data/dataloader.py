"""`DataLoader`: batches of a dataset, shuffled by a seeded generator, collated to tensors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..random import Generator, numpy_generator
from ..tensor import Tensor
from .dataset import Dataset


def default_collate(samples: list) -> Any:
    """Stack a list of samples into a batch: tensors, arrays and numbers become tensors
    with a new first dimension; tuples, lists and dicts are collated field by field."""
    first = samples[0]
    if isinstance(first, Tensor):
        return Tensor._wrap(np.stack([s._data for s in samples]))
    if isinstance(first, np.ndarray):
        return Tensor._wrap(np.stack(samples))
    if isinstance(first, (bool, np.bool_)):
        return Tensor._wrap(np.asarray(samples, dtype=np.bool_))
    if isinstance(first, (int, np.integer)):
        return Tensor._wrap(np.asarray(samples, dtype=np.int64))
    if isinstance(first, (float, np.floating)):
        return Tensor._wrap(np.asarray(samples, dtype=np.float32))
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise RuntimeError("each sample in a batch must have the same number of fields")
        fields = [default_collate(list(field)) for field in zip(*samples)]
        return tuple(fields) if isinstance(first, tuple) else fields
    if isinstance(first, str):
        return samples
    raise TypeError(
        f"default_collate: batches must contain tensors, arrays, numbers, dicts or lists; "
        f"found {type(first).__name__}. Pass a collate_fn for other types."
    )


class DataLoader:
    """Iterate over a dataset in batches.

    Args:
        dataset: a map-style Dataset.
        batch_size: samples per batch.
        shuffle: draw a new random order every epoch (from `generator`).
        drop_last: drop the last batch if it is smaller than batch_size.
        collate_fn: turns a list of samples into a batch (default_collate).
        generator: a chainrule.Generator, so shuffling repeats exactly.
        sampler: an iterable of indices, instead of shuffle.
        batch_sampler: an iterable of index lists, instead of batch_size, shuffle,
            sampler and drop_last.
        num_workers: accepted for compatibility with PyTorch code; batches are always
            made in the calling process (for in-memory datasets, that is the fast way).
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False,
                 sampler=None, batch_sampler=None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 generator: Generator | None = None, prefetch_factor=None,
                 persistent_workers: bool = False) -> None:
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
        elif not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer, got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        self.batch_sampler = batch_sampler
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.sampler, self.num_workers = sampler, num_workers
        self.collate_fn = collate_fn
        self.drop_last, self.generator = drop_last, generator

    def _order(self) -> np.ndarray:
        if self.sampler is not None:
            return np.fromiter(iter(self.sampler), dtype=np.int64)
        n = len(self.dataset)
        if self.shuffle:
            return numpy_generator(self.generator).permutation(n)
        return np.arange(n)

    def _batches(self) -> Iterator:
        if self.batch_sampler is not None:
            for indices in self.batch_sampler:
                yield np.asarray(indices, dtype=np.int64)
            return
        order = self._order()
        stop = len(order) - (len(order) % self.batch_size if self.drop_last else 0)
        for start in range(0, stop, self.batch_size):
            yield order[start : start + self.batch_size]

    def __iter__(self) -> Iterator:
        batched = self.collate_fn is None and hasattr(self.dataset, "get_batch")
        collate = self.collate_fn or default_collate
        for indices in self._batches():
            if batched:
                yield self.dataset.get_batch(indices)
            else:
                yield collate([self.dataset[int(i)] for i in indices])

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
