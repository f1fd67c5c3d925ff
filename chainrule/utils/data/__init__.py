"""PyTorch's path to the data utilities: `chainrule.utils.data` is `chainrule.data`."""

from ...data import (  # noqa: F401
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    DistributedSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    datasets,
    default_collate,
    distributed,  # noqa: F401
    random_split,
)
from . import dataset, sampler  # noqa: F401
