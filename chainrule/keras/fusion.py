"""Keras conv blocks run as nn's fused conv-pool ops, channels-first between blocks.

A Keras CNN is written as Conv2D (with activation="relu" or none), then perhaps
BatchNormalization and Activation("relu"), then MaxPooling2D(2): the block that
nn.Sequential runs as one op (NOTE [ Convolution into pooling ] in nn/fusion.py).
Layer by layer, each Keras layer also moves the channel axis to the front and back
again around its module. keras.Sequential runs a stretch of such blocks through the
same ops instead, moving the channels once before the first block and once after the
last. Only where the result is the modules' own: every layer built, none with hooks,
the pooling a plain 2×2 one, and what nn's conv_block checks (training-mode batch
norm, even convolution output, the compiled kernels present).
"""

from __future__ import annotations

from ..autograd.tensor_base import TensorBase
from ..nn import functional as F
from ..nn.fusion import _hooked, conv_block
from .activations import linear
from .conv_layers import BatchNormalization, Conv2D, MaxPooling2D, _channels_first, _channels_last
from .core_layers import Activation


def _pairs(size) -> tuple:
    return tuple(size) if isinstance(size, (tuple, list)) else (size, size)


def _block(layers: list) -> tuple | None:
    """(Conv2D, BatchNormalization or None, whether a ReLU follows, layers used) for the
    block `layers` starts with, or None."""
    conv = layers[0]
    if type(conv) is not Conv2D or conv.activation not in (F.relu, linear):
        return None
    relu, norm, k = conv.activation is F.relu, None, 1
    if not relu and k < len(layers) and type(layers[k]) is BatchNormalization:
        norm, k = layers[k], k + 1
    if not relu and k < len(layers) and type(layers[k]) is Activation and \
            layers[k].activation is F.relu:
        relu, k = True, k + 1
    pool = layers[k] if k < len(layers) else None
    if type(pool) is not MaxPooling2D or _pairs(pool.pool_size) != (2, 2) or \
            _pairs(pool.strides) != (2, 2):
        return None
    used = layers[: k + 1]
    if not all(layer.built for layer in used) or \
            any(_hooked(m) for layer in used for m in layer.modules()):
        return None
    return conv, norm, relu, k + 1


def conv_blocks(layers: list, inputs) -> tuple | None:
    """Run the conv blocks `layers` starts with on (N, H, W, C) `inputs` as nn's fused
    ops: (output (N, H', W', C'), how many layers they stood for), or None to run the
    layers one by one."""
    if not isinstance(inputs, TensorBase) or inputs.ndim != 4:
        return None
    x, used = inputs, 0
    while used < len(layers):
        block = _block(layers[used:])
        if block is None:
            break
        conv, norm, relu, count = block
        out = conv_block(x if used else _channels_first(x), conv.conv,
                         None if norm is None else norm.norm, relu)
        if out is None:
            break
        x, used = out, used + count
    return (_channels_last(x), used) if used else None
