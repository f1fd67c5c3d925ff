"""Keras's core layers: Dense, Activation, Dropout, Flatten. Dense's kernel is (in, out),
Keras's layout."""

from __future__ import annotations

import math

from .. import creation
from ..nn import functional as F
from ..nn import init
from ..nn.module import positive_int
from ..nn.parameter import Parameter
from . import activations
from .layer import Layer


class Dense(Layer):
    """y = activation(x·kernel + bias).

    Args:
        units: output features (a positive integer).
        activation: a name ('relu', 'sigmoid', 'softmax', ...) or a callable; None: linear.
        use_bias: add a bias.
        kernel_initializer: 'glorot_uniform' (Keras's default), 'he_normal', 'zeros', ...
        kernel_regularizer: an `l1`/`l2` regularizer whose penalty `fit` adds to the loss.

    Shape: (*, in) -> (*, units); kernel (in, units), bias (units,).
    """

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units = positive_int("units", units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer = kernel_regularizer

    def build(self, input_shape: tuple) -> None:
        fan_in = input_shape[-1]
        self.kernel = Parameter(creation.empty(fan_in, self.units))
        initialize(self.kernel, self.kernel_initializer, fan_in, self.units)
        if self.use_bias:
            self.bias = Parameter(creation.zeros(self.units))
            initialize(self.bias, self.bias_initializer, fan_in, self.units)
        else:
            self.register_parameter("bias", None)

    def forward(self, inputs):
        logits = F.linear(inputs, self.kernel, self.bias, weight_in_out=True)
        outputs = self.activation(logits)
        if self.activation is activations.softmax:
            # As Keras does: a cross-entropy on these probabilities uses the logits
            # instead (one fused, stable node rather than log of clipped softmax).
            outputs._keras_logits = logits
        return outputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.units,)

    def regularization_loss(self):
        return None if self.kernel_regularizer is None else self.kernel_regularizer(self.kernel)


def initialize(tensor, name, fan_in: int, fan_out: int) -> None:
    """Keras's initializers by name (a callable is applied to the tensor)."""
    if callable(name):
        name(tensor)
    elif name == "glorot_uniform":
        bound = math.sqrt(6 / (fan_in + fan_out))
        init.uniform_(tensor, -bound, bound)
    elif name == "glorot_normal":
        init.normal_(tensor, 0.0, math.sqrt(2 / (fan_in + fan_out)))
    elif name == "he_normal":
        init.normal_(tensor, 0.0, math.sqrt(2 / fan_in))
    elif name == "he_uniform":
        bound = math.sqrt(6 / fan_in)
        init.uniform_(tensor, -bound, bound)
    elif name in ("zeros", "ones"):
        (init.zeros_ if name == "zeros" else init.ones_)(tensor)
    elif name == "random_normal":
        init.normal_(tensor, 0.0, 0.05)
    else:
        raise ValueError(f"unknown initializer {name!r}; use e.g. 'glorot_uniform', "
                         f"'he_normal' or 'zeros'")


class Activation(Layer):
    """Applies an activation by name or callable."""

    def __init__(self, activation, **kwargs) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def forward(self, inputs):
        return self.activation(inputs)


class Dropout(Layer):
    """Zeroes a fraction `rate` of the inputs in training (fit), scaling the rest."""

    def __init__(self, rate: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rate = rate

    def forward(self, inputs):
        return F.dropout(inputs, self.rate, self.training)


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1·d2·...)."""

    def forward(self, inputs):
        return inputs.reshape(inputs.shape[0], -1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        size = 1
        for n in input_shape[1:]:
            size *= n
        return (input_shape[0], size)
