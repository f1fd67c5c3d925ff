"""Samplers and the DataLoader's sampler, batch_sampler, collate_fn and drop_last."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.utils.data import DataLoader, TensorDataset
from chainrule.utils.data.dataset import ConcatDataset, Subset
from chainrule.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

DATA = TensorDataset(cr.arange(10).float(), cr.arange(10))


def test_sequential_and_random_samplers_visit_every_index_once():
    assert list(SequentialSampler(DATA)) == list(range(10))
    order = list(RandomSampler(DATA, generator=cr.Generator(1)))
    assert sorted(order) == list(range(10)) and order != list(range(10))
    assert order == list(RandomSampler(DATA, generator=cr.Generator(1)))  # seeded: repeats


def test_random_sampler_with_replacement_and_more_samples():
    drawn = list(RandomSampler(DATA, replacement=True, num_samples=25, generator=cr.Generator(0)))
    assert len(drawn) == 25 and set(drawn) <= set(range(10))
    longer = list(RandomSampler(DATA, num_samples=15, generator=cr.Generator(0)))
    assert len(longer) == 15 and sorted(longer[:10]) == list(range(10))


def test_subset_and_weighted_samplers():
    subset = list(SubsetRandomSampler([3, 5, 7], generator=cr.Generator(0)))
    assert sorted(subset) == [3, 5, 7]
    weighted = list(WeightedRandomSampler([0.0, 0.0, 1.0, 3.0], 4000,
                                          generator=cr.Generator(0)))
    counts = np.bincount(weighted, minlength=4)
    assert counts[0] == counts[1] == 0 and 0.2 < counts[2] / 4000 < 0.3
    with pytest.raises(RuntimeError, match="without replacement"):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)


def test_batch_sampler_groups_indices():
    batches = list(BatchSampler(SequentialSampler(DATA), 4, drop_last=False))
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(BatchSampler(range(10), 4, drop_last=True)) == 2


def test_dataloader_with_a_sampler_a_batch_sampler_and_a_collate_fn():
    loader = DataLoader(DATA, batch_size=3, sampler=SubsetRandomSampler([1, 2, 8],
                                                                        cr.Generator(0)))
    (x, y), = list(loader)
    assert sorted(y.tolist()) == [1, 2, 8] and x.dtype == cr.float32
    by_batches = DataLoader(DATA, batch_sampler=[[0, 1], [9]])
    assert [y.tolist() for _, y in by_batches] == [[0, 1], [9]] and len(by_batches) == 2
    summed = DataLoader(DATA, batch_size=4, drop_last=True,
                        collate_fn=lambda samples: sum(int(s[1]) for s in samples))
    assert list(summed) == [6, 22]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(DATA, batch_size=2, batch_sampler=[[0]])


def test_dataset_paths_as_pytorch_spells_them():
    both = ConcatDataset([Subset(DATA, [0, 1]), Subset(DATA, [9])])
    assert len(both) == 3 and int(both[2][1]) == 9
