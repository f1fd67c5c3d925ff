"""Convolution layers: Conv1d, Conv2d, ConvTranspose2d."""

from __future__ import annotations

from .. import creation
from . import functional as F
from . import init
from .functional.arguments import ntuple, pair
from .functional.conv import ConvInputError
from .module import InputShapeError, Module, positive_int
from .parameter import Parameter


class _ConvNd(Module):
    """Shared parameters and PyTorch's default initialization of convolutions."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: tuple, stride, padding,
                 dilation, groups: int, bias: bool, transposed: bool, device=None,
                 dtype=None) -> None:
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("groups", groups)):
            positive_int(name, value)
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"in_channels ({in_channels}) and out_channels ({out_channels}) must both be "
                f"divisible by groups ({groups})"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.groups = dilation, groups
        shape = (in_channels, out_channels // groups) if transposed else \
            (out_channels, in_channels // groups)
        self.weight = Parameter(creation.empty(*shape, *kernel_size, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: W, b ~ U(-1/√fan_in, 1/√fan_in)."""
        init.default_weight_and_bias_(self.weight, self.bias)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding not in (0, (0,), (0, 0)):
            text += f", padding={self.padding}"
        if self.dilation not in (1, (1,), (1, 1)):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) -> (N, C_out, H_out, W_out).

    Args:
        in_channels, out_channels: channels of the input and the output.
        kernel_size, stride, dilation: an int or a pair.
        padding: an int, a pair, 'valid' or 'same'.
        groups: split the channels into this many independent convolutions
            (groups = in_channels is a depthwise convolution).
        bias: learn a bias per output channel.

    Shape:
        weight (C_out, C_in/groups, kh, kw);
        H_out = ⌊(H + 2·padding - dilation·(kh - 1) - 1) / stride⌋ + 1.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise NotImplementedError(f"padding_mode={padding_mode!r}; only 'zeros' is supported")
        padding = padding if isinstance(padding, str) else pair(padding, "padding")
        super().__init__(in_channels, out_channels, pair(kernel_size, "kernel_size"),
                         pair(stride, "stride"), padding, pair(dilation, "dilation"), groups,
                         bias, False, device, dtype)

    def forward(self, input):
        try:
            return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                            self.dilation, self.groups)
        except ConvInputError as error:
            raise InputShapeError(self, input.shape, f"{error.expected}: {error.problem}") \
                from None


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) -> (N, C_out, L_out)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, device=None, dtype=None) -> None:
        padding = padding if isinstance(padding, str) else ntuple(padding, 1, "padding")
        super().__init__(in_channels, out_channels, ntuple(kernel_size, 1, "kernel_size"),
                         ntuple(stride, 1, "stride"), padding, ntuple(dilation, 1, "dilation"),
                         groups, bias, False, device, dtype)

    def forward(self, input):
        k, d = self.kernel_size[0], self.dilation[0]
        pad = 0 if isinstance(self.padding, str) else self.padding[0]
        if input.ndim != 3 or input.shape[1] != self.in_channels or \
                input.shape[2] + 2 * pad < d * (k - 1) + 1:
            raise InputShapeError(self, input.shape,
                                  f"(N, {self.in_channels}, L >= {d * (k - 1) + 1 - 2 * pad})")
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the gradient of Conv2d with respect to its input).

    Shape:
        (N, C_in, H, W) -> (N, C_out, H_out, W_out), weight (C_in, C_out/groups, kh, kw),
        H_out = (H - 1)·stride - 2·padding + dilation·(kh - 1) + output_padding + 1.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, pair(kernel_size, "kernel_size"),
                         pair(stride, "stride"), pair(padding, "padding"),
                         pair(dilation, "dilation"), groups, bias, True, device, dtype)
        self.output_padding = pair(output_padding, "output_padding")

    def forward(self, input):
        if input.ndim != 4 or input.shape[1] != self.in_channels:
            raise InputShapeError(self, input.shape, f"(N, {self.in_channels}, H, W)")
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)
