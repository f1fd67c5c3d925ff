"""Normalization layers: BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm."""

from __future__ import annotations

from .. import creation, dtypes
from . import functional as F
from . import init
from .module import InputShapeError, Module, positive_int
from .parameter import Parameter


class _BatchNorm(Module):
    """Normalize each channel over the batch; keeps running statistics for eval mode."""

    expected_dims: tuple = ()
    layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        positive_int("num_features", num_features)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, num_features, affine, device, dtype)
        if track_running_stats:
            options = {"device": device, "dtype": dtype}
            self.register_buffer("running_mean", creation.zeros(num_features, **options))
            self.register_buffer("running_var", creation.ones(num_features, **options))
            self.register_buffer("num_batches_tracked",
                                 creation.tensor(0, device=device, dtype=dtypes.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_parameters(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, input):
        if input.ndim not in self.expected_dims or input.shape[1] != self.num_features:
            raise InputShapeError(self, input.shape, self.layout.format(self.num_features))
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            self.uses_batch_stats(), self.step_momentum(), self.eps)

    def uses_batch_stats(self) -> bool:
        # without track_running_stats the buffers are None and the batch's statistics serve
        return self.training or not self.track_running_stats

    def step_momentum(self) -> float:
        """Count a batch (in training) and return the momentum its statistics move the
        running ones by; called once per forward."""
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:  # a cumulative average over all batches seen
                momentum = 1.0 / int(self.num_batches_tracked.item())
        return momentum

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) input."""

    expected_dims = (2, 3)
    layout = "(N, {0}) or (N, {0}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) input."""

    expected_dims = (4,)
    layout = "(N, {0}, H, W)"


class LayerNorm(Module):
    """Normalize the last axes of each sample, then scale and shift element-wise."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
            tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.ones(*shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(creation.zeros(*shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        n = len(self.normalized_shape)
        if tuple(input.shape[-n:]) != self.normalized_shape:
            raise InputShapeError(self, input.shape,
                                  f"(*, {', '.join(map(str, self.normalized_shape))})")
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


def _affine_parameters(module: Module, channels: int, affine: bool, device, dtype) -> None:
    """A per-channel scale (ones) and shift (zeros) when `affine`, else None for both."""
    if affine:
        module.weight = Parameter(creation.ones(channels, device=device, dtype=dtype))
        module.bias = Parameter(creation.zeros(channels, device=device, dtype=dtype))
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


class GroupNorm(Module):
    """Normalize groups of channels within each sample; per-channel scale and shift."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        _affine_parameters(self, num_channels, affine, device, dtype)

    def forward(self, input):
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise InputShapeError(self, input.shape, f"(N, {self.num_channels}, *)")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(Module):
    """Shared by InstanceNorm1d/2d: per-sample, per-channel normalization."""

    spatial_dims = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        if track_running_stats:
            raise NotImplementedError(f"{type(self).__name__}: track_running_stats=True is not "
                                      f"supported; instance statistics are always used")
        self.num_features = positive_int("num_features", num_features)
        self.eps, self.momentum, self.affine = eps, momentum, affine
        _affine_parameters(self, num_features, affine, device, dtype)

    def forward(self, input):
        if input.ndim != 2 + self.spatial_dims or input.shape[1] != self.num_features:
            spatial = ", ".join("HW"[: self.spatial_dims] if self.spatial_dims == 2 else "L")
            raise InputShapeError(self, input.shape, f"(N, {self.num_features}, {spatial})")
        return F.instance_norm(input, weight=self.weight, bias=self.bias, eps=self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, affine={self.affine}"


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L)."""


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W) (style transfer's normalization)."""

    spatial_dims = 2
