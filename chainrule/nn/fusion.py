"""Layer chains that nn.Sequential runs as one op: conv blocks (the NOTE below) and
dense chains (NOTE [ Dense chains ] in ops/dense_chain.py).

NOTE [ Convolution into pooling ]
A convolution followed by 2×2 max pooling, with a batch norm and a ReLU between them or
not, is the block most CNNs are made of. Run as modules, the convolution's output, four
times the size of what the block returns, is copied from the GEMM's (O, N·Ho·Wo)
layout into (N, O, Ho, Wo), normalized into a new array, and read back by the pooling,
and its gradient takes as many passes back. The ops of ops/conv_blocks.py pool straight
from the GEMM's product, normalizing each value as they read it, and scatter the
gradient straight back into it; the ReLU is applied to the pooled values on the way
(NOTE [ ReLU after max pooling ] in container.py), and its gradient on the way back.
Sequential uses them only where the result is the same as the modules': no hooks on
them, no `autograd.watch`, a 2×2 pooling with stride 2 and nothing else, an even
convolution output, a batch norm that normalizes with the batch's statistics (in
training mode; in eval mode the modules run), and the compiled kernels present. The
batch norm's running statistics and batch count move exactly as its forward moves them.
keras.Sequential runs its Conv2D blocks through the same `conv_block` (keras/fusion.py).
"""

from __future__ import annotations

from .. import kernels
from ..autograd.grad_mode import _mode
from ..autograd.tensor_base import TensorBase
from ..ops.conv_blocks import conv_batch_norm_max_pool2d, conv_max_pool2d
from ..ops.dense_chain import dense_chain
from .activation import ReLU, Sigmoid, Tanh
from .conv import Conv2d
from .functional.conv import conv_input_problem, make_geometry
from .functional.normalization import update_running_stats
from .functional.pooling import _pool_args
from .linear import Linear
from .module import Module
from .normalization import BatchNorm2d, _BatchNorm
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
    """Run `chain` = [Conv2d, (BatchNorm2d,) (ReLU,) MaxPool2d, ...] as one op if it can
    be (NOTE above): (output, how many modules it stood for), or None to run the modules
    one by one."""
    conv, rest = chain[0], chain[1:4]
    norm = rest[0] if rest and type(rest[0]) is BatchNorm2d else None
    rest = rest[1:] if norm is not None else rest
    relu = rest[0] if rest and type(rest[0]) is ReLU else None
    rest = rest[1:] if relu is not None else rest
    if not rest or not _is_plain_2x2_pool(rest[0]):
        return None
    block = [m for m in (conv, norm, relu, rest[0]) if m is not None]
    if any(_hooked(m) for m in block):
        return None
    out = conv_block(input, conv, norm, relu is not None)
    return None if out is None else (out, len(block))


def conv_block(input, conv: Conv2d, norm: _BatchNorm | None, relu: bool):
    """max_pool2d(conv(input), 2) with norm(...) (in training) and relu(...) between, as
    one op; None where it would differ from the modules' result (NOTE above) or cannot
    run. Its callers have checked the modules for hooks; the norm's running statistics
    move as its forward moves them."""
    if _mode.watchers:
        return None
    weight = conv.weight
    if not isinstance(input, TensorBase) or input.ndim != 4 or input.dtype != weight.dtype:
        return None
    if norm is not None and (norm.num_features != weight.shape[0] or not norm.uses_batch_stats()
                             or any(p.dtype != weight.dtype for p in norm.parameters())):
        # channels that do not match raise in the modules; in eval mode the batch norm
        # normalizes with its running statistics, and the modules run
        return None
    geometry = make_geometry(weight.shape, conv.stride, conv.padding, conv.dilation,
                             conv.groups)
    if conv_input_problem(input, weight.shape, geometry):
        return None  # the module raises its own error
    ho, wo = geometry.output_size(input.shape[2], input.shape[3], *weight.shape[2:])
    if ho % 2 or wo % 2 or not kernels.get("max_pool2x2_from_rows", input._data, weight._data):
        return None
    if norm is None:
        return conv_max_pool2d(input, weight, conv.bias, geometry, relu=relu)
    momentum = norm.step_momentum()
    out, batch_mean, batch_var = conv_batch_norm_max_pool2d(
        input, weight, conv.bias, norm.weight, norm.bias, geometry, norm.eps, relu)
    if norm.training and norm.running_mean is not None:
        update_running_stats(norm.running_mean, norm.running_var, batch_mean, batch_var,
                             input.shape[0] * ho * wo, momentum)
    return out


_ACTIVATION_KINDS = {ReLU: "relu", Sigmoid: "sigmoid", Tanh: "tanh"}


def dense_chain_of(modules: list, input) -> tuple | None:
    """Run the Linear layers and activations that `modules` starts with as one op (NOTE
    [ Dense chains ]): (output, how many modules it stood for), or None to run the
    modules one by one. Not with hooks on them or a running `autograd.watch`, which
    would see the layers' inputs and outputs; a Linear whose input does not fit ends
    the chain, so that it raises its own error."""
    if _mode.watchers or not isinstance(input, TensorBase) or input.ndim < 2:
        return None
    kinds, params, width = [], [], input.shape[-1]
    for module in modules:
        kind = "linear" if type(module) is Linear else _ACTIVATION_KINDS.get(type(module))
        if kind is None or _hooked(module):
            break
        if kind == "linear":
            if module.in_features != width:
                break
            width = module.out_features
            params += [module.weight, module.bias]
        kinds.append(kind)
    if len(kinds) < 2:
        return None
    return dense_chain(input, tuple(kinds), params), len(kinds)


# what Sequential tries where a module of these types starts: fuse(modules from there on,
# input) -> (output, how many modules it stood for), or None
FUSIONS = {Conv2d: conv_then_pool, Linear: dense_chain_of}
