"""Layer chains that nn.Sequential runs as one op.

NOTE [ Convolution into pooling ]
A convolution followed by 2×2 max pooling (with or without a ReLU between them, which
runs after the pooling: NOTE [ ReLU after max pooling ] in container.py) is the block
most CNNs are made of. Run as two ops, the convolution's output, four times the size
of what the block returns, is copied from the GEMM's (O, N·Ho·Wo) layout into
(N, O, Ho, Wo) and read back by the pooling, and its gradient takes the same two passes
back. `ops.conv.ConvMaxPool2d` pools straight from the GEMM's product and scatters the
gradient straight back into it; the ReLU is applied to the pooled values on the way,
and its gradient on the way back (two more passes saved). Sequential uses it only where
the result is the same as the modules': no hooks on them, no `autograd.watch`, a 2×2
pooling with stride 2 and nothing else, an even convolution output, and the compiled
kernels present.
"""

from __future__ import annotations

from .. import kernels
from ..autograd.grad_mode import _mode
from ..autograd.tensor_base import TensorBase
from ..ops.conv import conv_max_pool2d
from .activation import ReLU
from .functional.conv import conv_input_problem, make_geometry
from .functional.pooling import _pool_args
from .module import Module
from .pooling import MaxPool2d


def _hooked(module: Module) -> bool:
    return bool(module._forward_hooks or module._forward_pre_hooks)


def _is_plain_2x2_pool(module: Module) -> bool:
    if type(module) is not MaxPool2d or module.return_indices or module.ceil_mode:
        return False
    # (kernel, stride, padding, dilation) as F.max_pool2d reads them
    args = _pool_args(module.kernel_size, module.stride, module.padding, module.dilation)
    return args == ((2, 2), (2, 2), (0, 0), (1, 1))


def conv_then_pool(chain: list, input) -> tuple | None:
    """Run `chain` = [Conv2d, (ReLU,) MaxPool2d, ...] as one op if it can be (NOTE above):
    (output, how many modules it stood for), or None to run the modules one by one."""
    conv, rest = chain[0], chain[1:]
    relu = rest[0] if rest and type(rest[0]) is ReLU else None
    rest = rest[1:] if relu is not None else rest
    if not rest or not _is_plain_2x2_pool(rest[0]):
        return None
    pool = rest[0]
    if _mode.watchers or any(_hooked(m) for m in (conv, relu, pool) if m is not None):
        return None
    weight = conv.weight
    if not isinstance(input, TensorBase) or input.ndim != 4 or input.dtype != weight.dtype:
        return None
    geometry = make_geometry(weight.shape, conv.stride, conv.padding, conv.dilation,
                             conv.groups)
    if conv_input_problem(input, weight.shape, geometry):
        return None  # the module raises its own error
    ho, wo = geometry.output_size(input.shape[2], input.shape[3], *weight.shape[2:])
    if ho % 2 or wo % 2 or not kernels.get("max_pool2x2_from_rows", input._data, weight._data):
        return None
    out = conv_max_pool2d(input, weight, conv.bias, geometry, relu=relu is not None)
    return out, 2 if relu is None else 3
