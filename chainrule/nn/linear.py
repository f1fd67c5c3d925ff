"""Linear, Identity and Flatten."""

from __future__ import annotations

from .. import creation
from . import functional as F
from . import init
from .module import InputShapeError, Module, positive_int
from .parameter import Parameter


class Linear(Module):
    """y = x Wᵀ + b.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias (default True).

    Shape:
        input (*, in_features) -> output (*, out_features).
        weight (out_features, in_features), bias (out_features,), as in PyTorch.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.in_features = positive_int("in_features", in_features)
        self.out_features = positive_int("out_features", out_features)
        self.weight = Parameter(creation.empty(out_features, in_features, device=device,
                                               dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: W, b ~ U(-1/√in, 1/√in)."""
        init.default_weight_and_bias_(self.weight, self.bias)

    def forward(self, input):
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise InputShapeError(self, input.shape, f"(*, {self.in_features})")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")

    def _short_repr(self) -> str:
        return f"Linear(in_features={self.in_features})"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for a removed layer)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input):
        return input


class Flatten(Module):
    """Flattens dimensions start_dim..end_dim: (N, C, H, W) -> (N, C·H·W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Bilinear(Module):
    """y_k = x1ᵀ W_k x2 + b_k.

    Shape: (N, in1_features), (N, in2_features) -> (N, out_features);
    weight (out, in1, in2), bias (out,), both ~ U(-1/√in1, 1/√in1) as in PyTorch.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = positive_int("in1_features", in1_features)
        self.in2_features = positive_int("in2_features", in2_features)
        self.out_features = positive_int("out_features", out_features)
        options = {"device": device, "dtype": dtype}
        self.weight = Parameter(creation.empty(out_features, in1_features, in2_features,
                                               **options))
        if bias:
            self.bias = Parameter(creation.empty(out_features, **options))
        else:
            self.register_parameter("bias", None)
        bound = 1 / in1_features ** 0.5
        for p in (self.weight, self.bias):
            if p is not None:
                init.uniform_(p, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
