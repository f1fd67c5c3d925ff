"""Datasets that chainrule can load (and download) itself."""

from .fashion_mnist import FashionMNIST
from .idx import IDXFormatError, read_idx, write_idx
