"""keras.Sequential's conv blocks run as nn's fused ops (keras/fusion.py), against the
same layers run one by one on the NumPy path: values, gradients, running statistics,
and the cases that keep the layers."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import keras, kernels
from chainrule.keras import layers
from tests.kernels.paths import assert_paths_agree


def _ops(output) -> set:
    """The names of the ops in output's graph."""
    seen, stack = set(), [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or isinstance(node, cr.Tensor) or node in seen:
            continue  # no input, or a leaf
        seen.add(node)
        stack += [edge[0] for edge in node.next_functions]
    return {type(node).__name__ for node in seen}


def _cnn(conv_activation):
    cr.manual_seed(0)
    return keras.Sequential([
        layers.Conv2D(4, 3, padding="same", activation=conv_activation, input_shape=(8, 8, 2)),
        layers.MaxPooling2D(2),
        layers.Conv2D(6, 3, padding="same"),
        layers.BatchNormalization(),
        layers.Activation("relu"),
        layers.MaxPooling2D((2, 2), strides=2),
        layers.Flatten(),
        layers.Dense(3),
    ])


@pytest.mark.parametrize("conv_activation", ["relu", None])
def test_conv_blocks_run_fused_and_match_the_layers(conv_activation):
    images = np.random.default_rng(3).standard_normal((2, 5, 8, 8, 2)).astype(np.float32)

    def compute():
        model = _cnn(conv_activation)
        norm = model.layers[3].norm
        results = []
        for step in range(2):  # the second step starts from the first's running statistics
            x = cr.tensor(images[step], requires_grad=True)
            y = model(x)
            fused = {"ConvMaxPool2d", "ConvBatchNormMaxPool2d"} & _ops(y)
            assert len(fused) == (2 if kernels.active() == "numba" else 0)
            model.zero_grad()
            (y * y).sum().backward()
            results += [y.detach().numpy(), x.grad.numpy()]
            results += [p.grad.numpy() for p in model.parameters()]
            results += [norm.running_mean.numpy(), norm.running_var.numpy()]
        return results

    assert_paths_agree(compute)


def test_hooks_odd_sizes_and_inference_keep_the_layers():
    model = _cnn("relu")
    convolutions = keras.Sequential(model.layers[:6])
    odd = convolutions(cr.randn(2, 12, 6, 2))  # the second conv's output is 6 x 3
    assert {"ConvMaxPool2d", "MaxPool2d"} <= _ops(odd)
    model.layers[3].register_forward_hook(lambda module, args, output: None)
    hooked = model(cr.randn(2, 8, 8, 2))
    assert "ConvBatchNormMaxPool2d" not in _ops(hooked)
    predicted = model.predict(np.zeros((2, 8, 8, 2), np.float32), verbose=0)
    assert predicted.shape == (2, 3)


def test_batch_norm_in_inference_keeps_the_layers():
    model = _cnn(None)
    model.eval()
    y = model(cr.randn(2, 8, 8, 2, requires_grad=True))
    assert "ConvBatchNormMaxPool2d" not in _ops(y) and "ConvMaxPool2d" in _ops(y)
