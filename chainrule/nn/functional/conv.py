"""Convolutions: conv1d, conv2d, conv_transpose2d (PyTorch's arguments and shapes)."""

from __future__ import annotations

from ...ops.conv import Geometry
from ...ops.conv import conv2d as _conv2d
from ...ops.conv import conv_transpose2d as _conv_transpose2d
from .arguments import pair, single


class ConvInputError(RuntimeError):
    """The input does not fit the convolution; `expected` is the shape it should have."""

    def __init__(self, op: str, problem: str, shape: tuple, expected: str) -> None:
        self.problem, self.shape, self.expected = problem, shape, expected
        super().__init__(f"{op}: {problem}: got input of shape {shape}, expected {expected}")


def _padding(padding, kernel: tuple[int, int], stride, dilation) -> tuple:
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        if stride != (1, 1):
            raise ValueError("padding='same' is not supported for strided convolutions")
        # the total padding d(k-1) is split with the odd unit at the end, as PyTorch does
        totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return tuple((t // 2, t - t // 2) for t in totals)
    if isinstance(padding, str):
        raise ValueError(f"padding must be 'same', 'valid', an int or a pair, got {padding!r}")
    ph, pw = pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    return ((ph, ph), (pw, pw))


def make_geometry(weight_shape, stride, padding, dilation, groups) -> Geometry:
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    if min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"stride and dilation must be positive, got {stride} and {dilation}")
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"groups must be a positive integer, got {groups!r}")
    pad = _padding(padding, tuple(weight_shape[2:]), stride, dilation)
    return Geometry(stride, pad, dilation, groups)


def conv_input_problem(input, weight_shape, geometry: Geometry) -> tuple[str, str] | None:
    """None if `input` fits the convolution; otherwise the shape it should have and what
    is wrong (a wrong number of channels, or an input smaller than the kernel)."""
    channels = weight_shape[1] * geometry.groups
    (pt, pb), (pl, pr) = geometry.padding
    kh, kw = weight_shape[2:]
    min_h = max(geometry.dilation[0] * (kh - 1) + 1 - pt - pb, 1)
    min_w = max(geometry.dilation[1] * (kw - 1) + 1 - pl - pr, 1)
    expected = f"(N, {channels}, H >= {min_h}, W >= {min_w})"
    if input.ndim != 4:
        return expected, "the input is not 4-D"
    if input.shape[1] != channels:
        return expected, f"the input has {input.shape[1]} channels instead of {channels}"
    if input.shape[2] < min_h or input.shape[3] < min_w:
        return expected, "the input is smaller than the kernel"
    return None


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """2-D convolution (cross-correlation, as in PyTorch).

    Shape: input (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,) -> (N, O, Ho, Wo).
    """
    geometry = make_geometry(weight.shape, stride, padding, dilation, groups)
    problem = conv_input_problem(input, weight.shape, geometry)
    if problem:
        raise ConvInputError("conv2d", problem[1], tuple(input.shape), problem[0])
    if weight.shape[0] % groups:
        raise ValueError(f"out_channels ({weight.shape[0]}) must be divisible by groups ({groups})")
    return _conv2d(input, weight, bias, geometry)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """1-D convolution, computed as a 2-D one of height 1.

    Shape: input (N, C, L), weight (O, C/groups, k), bias (O,) -> (N, O, Lo).
    """
    if input.ndim != 3:
        raise RuntimeError(f"conv1d: expected a 3-D input (N, C, L), got shape {input.shape}")
    pad = padding if isinstance(padding, str) else (0, single(padding, "padding"))
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, single(stride, "stride")),
                 pad, (1, single(dilation, "dilation")), groups)
    return out.squeeze(2)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1):
    """Transposed 2-D convolution: the adjoint of conv2d in its input.

    Shape: input (N, Cin, H, W), weight (Cin, Cout/groups, kh, kw) -> (N, Cout, Ho, Wo),
    Ho = (H - 1)·stride - 2·padding + dilation·(kh - 1) + output_padding + 1.
    """
    if isinstance(padding, str):
        raise ValueError("conv_transpose2d takes numeric padding only")
    geometry = make_geometry(weight.shape, stride, padding, dilation, groups)
    oph, opw = pair(output_padding, "output_padding")
    if oph >= max(geometry.stride[0], geometry.dilation[0]) or \
            opw >= max(geometry.stride[1], geometry.dilation[1]):
        raise ValueError(
            f"output_padding {(oph, opw)} must be smaller than stride {geometry.stride} or "
            f"dilation {geometry.dilation}"
        )
    if input.ndim != 4 or input.shape[1] != weight.shape[0]:
        raise RuntimeError(
            f"conv_transpose2d: expected input of shape (N, {weight.shape[0]}, H, W), got "
            f"{tuple(input.shape)}"
        )
    n, _, h, w = input.shape
    (pt, pb), (pl, pr) = geometry.padding
    kh, kw = weight.shape[2:]
    ho = (h - 1) * geometry.stride[0] - pt - pb + geometry.dilation[0] * (kh - 1) + oph + 1
    wo = (w - 1) * geometry.stride[1] - pl - pr + geometry.dilation[1] * (kw - 1) + opw + 1
    if ho <= 0 or wo <= 0:
        raise RuntimeError(f"conv_transpose2d: the output size {(ho, wo)} is not positive")
    out = _conv_transpose2d(input, weight, (n, weight.shape[1] * groups, ho, wo), geometry)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out
