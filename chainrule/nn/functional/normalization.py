"""Normalization: batch, layer and group normalization (PyTorch's semantics)."""

from __future__ import annotations

from ... import ops
from ...autograd.grad_mode import no_grad
from ...ops.norm import batch_norm_training, normalize


def update_running_stats(running_mean, running_var, batch_mean, batch_var, count: int,
                         momentum: float) -> None:
    """running = (1 - momentum)·running + momentum·batch, the variance made unbiased."""
    with no_grad():
        unbiased = batch_var * (count / max(count - 1, 1))
        running_mean.mul_(1 - momentum).add_(batch_mean * momentum)
        running_var.mul_(1 - momentum).add_(unbiased * momentum)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5):
    """Normalize each channel (axis 1) over the batch and spatial axes.

    In training (or without running statistics) the batch's mean and biased variance
    are used, and the running statistics, if given, move towards the batch's (the
    variance unbiased): running = (1 - momentum)·running + momentum·batch.
    Otherwise the running statistics are used.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm expects input of shape (N, C, *), got {input.shape}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("weight", weight)):
        if t is not None and t.shape != (channels,):
            raise RuntimeError(
                f"batch_norm: {name} has shape {t.shape} but the input has {channels} channels "
                f"(shape {tuple(input.shape)})"
            )
    if training or running_mean is None:
        count = input.numel() // channels
        if training and count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size "
                f"{tuple(input.shape)}"
            )
        y, batch_mean, batch_var = batch_norm_training(input, weight, bias, eps)
        if training and running_mean is not None:
            update_running_stats(running_mean, running_var, batch_mean, batch_var, count,
                                 momentum)
        return y
    shape = (1, channels) + (1,) * (input.ndim - 2)
    scale = ops.rsqrt(running_var + eps)
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(shape) + shift.reshape(shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalize over the last len(normalized_shape) axes of each sample."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(normalized_shape)
    if tuple(input.shape[-len(normalized_shape):]) != normalized_shape:
        raise RuntimeError(
            f"layer_norm: expected input with shape (*, {', '.join(map(str, normalized_shape))})"
            f", got {tuple(input.shape)}"
        )
    axes = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    y, _ = normalize(input, axes, eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Normalize each group of channels of each sample; then a per-channel affine map."""
    n, c = input.shape[:2]
    if c % num_groups:
        raise ValueError(f"num_channels ({c}) must be divisible by num_groups ({num_groups})")
    grouped = input.reshape(n, num_groups, -1)
    y, _ = normalize(grouped, (2,), eps)
    y = y.reshape(input.shape)
    shape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5):
    """Normalize each channel of each sample over its own spatial positions: a group norm
    with one group per channel. Running statistics are not supported."""
    if running_mean is not None or running_var is not None or not use_input_stats:
        raise NotImplementedError("instance_norm: running statistics are not supported")
    return group_norm(input, input.shape[1], weight, bias, eps)
