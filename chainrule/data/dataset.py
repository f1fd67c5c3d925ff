"""Datasets: the map-style interface (`len` and `[i]`), tensors as a dataset, subsets."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..random import Generator, numpy_generator
from ..tensor import Tensor


class Dataset:
    """Map-style dataset: subclasses define `__len__` and `__getitem__(i)`.

    A dataset may also define `get_batch(indices)`, returning a whole collated batch
    at once; DataLoader then uses it instead of collating samples one by one.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the i-th rows of the given tensors (e.g. inputs and labels)."""

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = {t.shape[0] for t in tensors}
        if len(sizes) != 1:
            raise ValueError(
                f"all tensors must have the same size in the first dimension, got "
                f"{[t.shape[0] for t in tensors]}"
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def get_batch(self, indices: np.ndarray) -> tuple:
        return tuple(Tensor._wrap(t._data[indices]) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return [self.dataset[int(self.indices[i])] for i in index]
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)

    def __getattr__(self, name: str):
        if name == "get_batch" and hasattr(self.dataset, "get_batch"):
            return lambda indices: self.dataset.get_batch(self.indices[indices])
        raise AttributeError(f"'Subset' object has no attribute {name!r}")


class ConcatDataset(Dataset):
    """Datasets joined end to end."""

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        self.offsets = np.cumsum([0] + [len(d) for d in self.datasets])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def __getitem__(self, index: int):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} is out of range for a dataset of {len(self)}")
        which = int(np.searchsorted(self.offsets, index, side="right")) - 1
        return self.datasets[which][index - int(self.offsets[which])]


def random_split(dataset: Dataset, lengths: Sequence, generator: Generator | None = None):
    """Split into non-overlapping random subsets of the given lengths (or fractions)."""
    n = len(dataset)
    lengths = list(lengths)
    if all(isinstance(x, float) for x in lengths) and abs(sum(lengths) - 1) < 1e-6:
        counts = [int(np.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):  # hand out the remainder round-robin, as PyTorch
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(
            f"sum of input lengths ({sum(lengths)}) does not equal the length of the input "
            f"dataset ({n})"
        )
    order = numpy_generator(generator).permutation(n)
    starts = np.cumsum([0] + lengths)
    return [Subset(dataset, order[starts[i] : starts[i + 1]]) for i in range(len(lengths))]
