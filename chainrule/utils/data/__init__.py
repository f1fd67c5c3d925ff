"""PyTorch's path to the data utilities: `chainrule.utils.data` is `chainrule.data`."""

from ...data import (  # noqa: F401
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    datasets,
    default_collate,
    random_split,
)
from . import dataset, sampler  # noqa: F401
