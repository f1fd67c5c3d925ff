"""`chainrule.utils.data.dataset`, PyTorch's path to chainrule.data.dataset."""

from ...data.dataset import (  # noqa: F401
    ConcatDataset,
    Dataset,
    Subset,
    TensorDataset,
    random_split,
)
