"""PyTorch's path: `chainrule.utils.data.distributed` is `chainrule.data.distributed`."""

from ...data.distributed import DistributedSampler  # noqa: F401
