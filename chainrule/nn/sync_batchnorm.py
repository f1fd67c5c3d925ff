"""`SyncBatchNorm`: batch normalization over the batches of every process together.

With DistributedDataParallel each process sees only its share of the batch; plain
BatchNorm (PyTorch's default under DDP, and chainrule's) normalizes with each share's own
statistics. SyncBatchNorm all-reduces the per-channel sums in forward and in backward, so
the result is that of one process with the whole batch. Without an initialised process
group (or with one process) it is ordinary BatchNorm.
"""

from __future__ import annotations

from .. import distributed as dist
from ..ops.norm import batch_norm_training
from .functional.normalization import update_running_stats
from .module import Module
from .normalization import _BatchNorm


def _all_reduce_sum(array):
    dist.all_reduce(array)
    return array


class SyncBatchNorm(_BatchNorm):
    """Batch normalization of (N, C, *) input with statistics over all processes."""

    expected_dims = (2, 3, 4, 5)
    layout = "(N, {0}, *)"

    def forward(self, input):
        synchronized = self.training and dist.is_initialized() and dist.get_world_size() > 1
        if not synchronized:
            return super().forward(input)
        if input.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm expects {self.num_features} channels, got input "
                             f"of shape {tuple(input.shape)}")
        y, batch_mean, batch_var = batch_norm_training(input, self.weight, self.bias,
                                                       self.eps, reduce=_all_reduce_sum)
        if self.track_running_stats:
            self.num_batches_tracked._data += 1
            momentum = self.momentum if self.momentum is not None else \
                1.0 / int(self.num_batches_tracked.item())
            count = input.numel() // input.shape[1] * dist.get_world_size()
            update_running_stats(self.running_mean, self.running_var, batch_mean, batch_var,
                                 count, momentum)
        return y

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group=None) -> Module:
        """The module with every BatchNorm layer replaced by a SyncBatchNorm holding the
        same parameters and statistics."""
        if isinstance(module, _BatchNorm) and not isinstance(module, cls):
            source = module.weight if module.affine else module.running_mean
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats,
                            dtype=None if source is None else source.dtype)
            converted.load_state_dict(module.state_dict())
            converted.train(module.training)
            return converted
        for name, child in list(module._modules.items()):
            if child is not None:
                module._modules[name] = cls.convert_sync_batchnorm(child)
        return module


__all__ = ["SyncBatchNorm"]
