"""Activation modules: each calls its function in chainrule.nn.functional."""

from __future__ import annotations

from .. import creation, dtypes
from . import functional as F
from .module import Module
from .parameter import Parameter


class ReLU(Module):
    """max(x, 0)"""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, input):
        return F.relu(input)


class LeakyReLU(Module):
    """x for x > 0, negative_slope·x otherwise"""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, α(eˣ - 1) otherwise"""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    """x·Φ(x); approximate='tanh' for the tanh approximation"""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1/(1 + e⁻ˣ)"""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh x"""

    def forward(self, input):
        return F.tanh(input)


class Softplus(Module):
    """log(1 + e^(βx))/β"""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """exp(xᵢ)/Σⱼ exp(xⱼ) along dim"""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """x - logsumexp(x) along dim"""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class _Elementwise(Module):
    """An activation with no parameters: `function` applied to the input."""

    function = staticmethod(F.relu)

    def forward(self, input):
        return self.function(input)


class SELU(_Elementwise):
    """Scaled ELU with self-normalizing constants."""

    function = staticmethod(F.selu)

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()


class Mish(_Elementwise):
    """x·tanh(softplus(x))"""

    function = staticmethod(F.mish)


class Hardsigmoid(_Elementwise):
    """clamp(x/6 + 1/2, 0, 1)"""

    function = staticmethod(F.hardsigmoid)

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()


class Hardswish(Hardsigmoid):
    """x·hardsigmoid(x)"""

    function = staticmethod(F.hardswish)


class Softsign(_Elementwise):
    """x / (1 + |x|)"""

    function = staticmethod(F.softsign)


class Tanhshrink(_Elementwise):
    """x - tanh(x)"""

    function = staticmethod(F.tanhshrink)


class LogSigmoid(_Elementwise):
    """log σ(x)"""

    function = staticmethod(F.logsigmoid)


class CELU(Module):
    """x if x > 0 else α(e^(x/α) - 1)"""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, input):
        return F.celu(input, self.alpha)


class Threshold(Module):
    """x where x > threshold, else value"""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value = threshold, value

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value)


class Softmin(Module):
    """softmax(-x) along dim"""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim)


class PReLU(Module):
    """x if x > 0 else a·x, with a learned (one, or one per channel), initialised to `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(creation.full((num_parameters,), init, device=device,
                                              dtype=dtype or dtypes.get_default_dtype()))

    def forward(self, input):
        return F.prelu(input, self.weight)


class RReLU(Module):
    """Randomized leaky ReLU; in eval mode a leaky ReLU with slope (lower + upper)/2."""

    def __init__(self, lower: float = 1 / 8, upper: float = 1 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper = lower, upper

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training)
