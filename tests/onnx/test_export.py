"""ONNX export: the files pass onnx's checker and onnxruntime agrees with chainrule."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.cli.models import MODELS
from chainrule.onnx import export


def _run(path, x):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["logits"], {"images": x})[0]


def _moved(model):
    """Parameters and BatchNorm statistics away from their initial values."""
    cr.manual_seed(1)
    with cr.no_grad():
        for key, t in model.state_dict().items():
            if t.dtype.kind == "f":
                t.add_(cr.randn(*t.shape) * 0.05)
                if "running_var" in key:
                    t.abs_()
    return model


@pytest.mark.parametrize("name", ["mlp", "cnn", "lstm", "gru"])
def test_exported_classifiers_agree_with_chainrule_at_two_batch_sizes(tmp_path, name):
    cr.manual_seed(0)
    model = _moved(MODELS[name]()).eval()
    path = tmp_path / f"{name}.onnx"
    export(model, cr.randn(2, 1, 28, 28), path, input_names="images", output_names="logits")
    for batch in (1, 7):
        x = np.random.default_rng(batch).normal(size=(batch, 1, 28, 28)).astype(np.float32)
        ours = model(cr.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(_run(path, x), ours, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU, nn.RNN])
def test_stacked_bidirectional_recurrent_layers(tmp_path, cell):
    class Wrap(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = cell(5, 4, num_layers=2, bidirectional=True, batch_first=True)

        def forward(self, x):
            return self.rnn(x)[0]

        def onnx_export(self, graph, x):
            return graph.module(self.rnn, x)[0]

    cr.manual_seed(0)
    model = Wrap()
    path = tmp_path / "rnn.onnx"
    export(model, cr.randn(3, 6, 5), path, input_names="images", output_names="logits")
    x = np.random.default_rng(0).normal(size=(2, 6, 5)).astype(np.float32)
    np.testing.assert_allclose(_run(path, x), model(cr.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_an_unknown_module_is_named_in_the_error(tmp_path):
    class Odd(nn.Module):
        def forward(self, x):
            return x * 2

    with pytest.raises(NotImplementedError, match="does not know Odd.*onnx_export"):
        export(nn.Sequential(nn.Linear(2, 2), Odd()), cr.randn(1, 2), tmp_path / "x.onnx")
