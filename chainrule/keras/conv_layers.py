"""Keras's convolution, pooling, normalization, embedding and recurrent layers, channels-last.

Each builds the matching chainrule `nn` module on its first call and moves the channel
axis around it: Keras's images are (N, H, W, C) and sequences (N, T, C); chainrule's
modules take (N, C, H, W) and (N, C, T). The weights live in the `nn` module, in
PyTorch's layout.
"""

from __future__ import annotations

from .. import nn, ops
from . import activations
from .layer import Layer


def _channels_first(x):
    return x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def _channels_last(x):
    return x.permute(0, *range(2, x.ndim), 1)


def _same_or_valid(padding: str) -> str:
    if padding not in ("same", "valid"):
        raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}")
    return padding


class Conv2D(Layer):
    """2-D convolution of (N, H, W, C) images into `filters` channels."""

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid",
                 activation=None, use_bias: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = filters, kernel_size, strides
        self.padding, self.use_bias = _same_or_valid(padding), use_bias
        self.activation = activations.get(activation)

    def build(self, input_shape: tuple) -> None:
        self.conv = nn.Conv2d(input_shape[-1], self.filters, self.kernel_size, self.strides,
                              self.padding, bias=self.use_bias)
        nn.init.xavier_uniform_(self.conv.weight)  # Keras's glorot_uniform
        if self.use_bias:
            nn.init.zeros_(self.conv.bias)

    def forward(self, inputs):
        return self.activation(_channels_last(self.conv(_channels_first(inputs))))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        k = (self.kernel_size,) * 2 if isinstance(self.kernel_size, int) else self.kernel_size
        s = (self.strides,) * 2 if isinstance(self.strides, int) else self.strides
        sizes = [n if self.padding == "same" else n - kk + 1 for n, kk in
                 zip(input_shape[1:3], k)]
        sizes = [-(-n // ss) for n, ss in zip(sizes, s)]
        return (input_shape[0], *sizes, self.filters)


class Conv1D(Layer):
    """1-D convolution of (N, T, C) sequences into `filters` channels."""

    def __init__(self, filters: int, kernel_size: int, strides: int = 1,
                 padding: str = "valid", activation=None, use_bias: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = filters, kernel_size, strides
        self.padding, self.use_bias = _same_or_valid(padding), use_bias
        self.activation = activations.get(activation)

    def build(self, input_shape: tuple) -> None:
        self.conv = nn.Conv1d(input_shape[-1], self.filters, self.kernel_size, self.strides,
                              self.padding, bias=self.use_bias)
        nn.init.xavier_uniform_(self.conv.weight)
        if self.use_bias:
            nn.init.zeros_(self.conv.bias)

    def forward(self, inputs):
        return self.activation(_channels_last(self.conv(_channels_first(inputs))))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        steps = input_shape[1] if self.padding == "same" else input_shape[1] - self.kernel_size + 1
        return (input_shape[0], -(-steps // self.strides), self.filters)


class _Pooling2D(Layer):
    pool = staticmethod(nn.functional.max_pool2d)

    def __init__(self, pool_size=2, strides=None, padding: str = "valid", **kwargs) -> None:
        super().__init__(**kwargs)
        self.pool_size, self.strides = pool_size, strides or pool_size
        if _same_or_valid(padding) == "same":
            raise NotImplementedError("padding='same' pooling is not supported yet")

    def forward(self, inputs):
        return _channels_last(self.pool(_channels_first(inputs), self.pool_size, self.strides))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        p = (self.pool_size,) * 2 if isinstance(self.pool_size, int) else self.pool_size
        s = (self.strides,) * 2 if isinstance(self.strides, int) else self.strides
        sizes = [(n - pp) // ss + 1 for n, pp, ss in zip(input_shape[1:3], p, s)]
        return (input_shape[0], *sizes, input_shape[3])


class MaxPooling2D(_Pooling2D):
    """The largest value of each pool_size window."""


class AveragePooling2D(_Pooling2D):
    """The mean of each pool_size window."""

    pool = staticmethod(nn.functional.avg_pool2d)


class GlobalAveragePooling2D(Layer):
    """(N, H, W, C) -> (N, C): the mean over all positions."""

    def forward(self, inputs):
        return inputs.mean((1, 2))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], input_shape[-1])


class BatchNormalization(Layer):
    """Normalizes the last axis (channels) with batch statistics in training and moving
    averages in inference; momentum is Keras's (the averages' decay)."""

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3, **kwargs) -> None:
        super().__init__(**kwargs)
        self.momentum, self.epsilon = momentum, epsilon

    def build(self, input_shape: tuple) -> None:
        self.norm = nn.BatchNorm1d(input_shape[-1], eps=self.epsilon, momentum=1 - self.momentum)

    def forward(self, inputs):
        if inputs.ndim == 2:
            return self.norm(inputs)
        return _channels_last(self.norm(_channels_first(inputs).reshape(
            inputs.shape[0], inputs.shape[-1], -1)).reshape(
            inputs.shape[0], inputs.shape[-1], *inputs.shape[1:-1]))


class LayerNormalization(Layer):
    """Normalizes each sample over its last axis."""

    def __init__(self, epsilon: float = 1e-3, **kwargs) -> None:
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape: tuple) -> None:
        self.norm = nn.LayerNorm(input_shape[-1], eps=self.epsilon)

    def forward(self, inputs):
        return self.norm(inputs)


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (the batch axis is kept)."""

    def __init__(self, target_shape, **kwargs) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def forward(self, inputs):
        return inputs.reshape(inputs.shape[0], *self.target_shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], *self.target_shape)


class Embedding(Layer):
    """Integer indices (N, T) -> vectors (N, T, output_dim)."""

    def __init__(self, input_dim: int, output_dim: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.embedding = nn.Embedding(input_dim, output_dim)
        nn.init.uniform_(self.embedding.weight, -0.05, 0.05)  # Keras's default
        self.output_dim = output_dim

    def forward(self, inputs):
        return self.embedding(inputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (*input_shape, self.output_dim)


class _Recurrent(Layer):
    module = nn.RNN

    def __init__(self, units: int, return_sequences: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units, self.return_sequences = units, return_sequences

    def build(self, input_shape: tuple) -> None:
        self.rnn = self.module(input_shape[-1], self.units, batch_first=True)

    def forward(self, inputs):
        out, _ = self.rnn(inputs)
        return out if self.return_sequences else out[:, -1]

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)


class SimpleRNN(_Recurrent):
    """A tanh RNN over (N, T, C); the last output, or all with return_sequences."""


class LSTM(_Recurrent):
    """An LSTM over (N, T, C)."""

    module = nn.LSTM


class GRU(_Recurrent):
    """A GRU over (N, T, C)."""

    module = nn.GRU


class Concatenate(Layer):
    """Joins a list of inputs along `axis`."""

    takes_list = True

    def __init__(self, axis: int = -1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def forward(self, inputs):
        return ops.cat(list(inputs), self.axis)


class Add(Layer):
    """The sum of a list of inputs."""

    takes_list = True

    def forward(self, inputs):
        total = inputs[0]
        for x in inputs[1:]:
            total = total + x
        return total
