"""PyTorch's paths (chainrule.utils.data mirrors torch.utils.data), and torchvision's
`make_grid` and `save_image` for pictures of image batches."""

from . import data
from .images import make_grid, save_image

__all__ = ["data", "make_grid", "save_image"]
