"""`chainrule.utils.data.sampler`, PyTorch's path to the samplers in chainrule.data.sampler."""

from ...data.sampler import (  # noqa: F401
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
