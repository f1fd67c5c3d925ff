"""PyTorch's path to the data utilities: `chainrule.utils.data` is `chainrule.data`."""

from ..data import (  # noqa: F401
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    datasets,
    default_collate,
    random_split,
)
