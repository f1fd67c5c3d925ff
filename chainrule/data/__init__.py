"""chainrule.data (also importable as chainrule.utils.data): datasets and loaders."""

from . import datasets
from .dataloader import DataLoader, default_collate
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
