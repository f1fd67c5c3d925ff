"""The compiled LSTM and GRU cells against the NumPy recurrences, in float32 (the
kernels' rational tanh is float32-accurate; float64 always runs the reference)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from tests.kernels.paths import on_both_paths

CASES = [{}, {"num_layers": 2, "bidirectional": True}, {"batch_first": True, "bias": False}]


@pytest.mark.parametrize("options", CASES, ids=str)
@pytest.mark.parametrize("layer_class", [nn.LSTM, nn.GRU])
def test_recurrent_cells_match_the_numpy_recurrence(layer_class, options):
    cr.manual_seed(0)
    layer = layer_class(5, 7, **options)
    rng = np.random.default_rng(0)
    sequence = (rng.standard_normal((9, 4, 5)) * 2).astype(np.float32)

    def compute():
        x = cr.tensor(sequence, requires_grad=True)
        out, state = layer(x)
        last = state[0] if isinstance(state, tuple) else state
        loss = (out * cr.tensor(np.cos(np.arange(out.numel())).reshape(out.shape)
                                .astype(np.float32))).sum() + (last ** 2).sum()
        grads = cr.autograd.grad(loss, [x, *layer.parameters()])
        return [out.detach().numpy(), last.detach().numpy(), *[g.numpy() for g in grads]]

    reference, compiled = on_both_paths(compute)
    for i, (want, got) in enumerate(zip(reference, compiled)):
        assert got.dtype == np.float32
        scale = np.abs(want).max() + 1e-6
        # a few float32 ulps per tanh, carried through nine steps
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-5 * scale, err_msg=f"output {i}")


def test_rational_tanh_is_close_to_numpy_and_keeps_nan():
    from chainrule.kernels.recurrent import _tanh

    x = np.linspace(-12, 12, 2401)
    got = np.array([_tanh(v) for v in x])
    assert np.max(np.abs(got - np.tanh(x))) < 4e-7
    assert np.isnan(_tanh(np.nan)) and _tanh(np.inf) == pytest.approx(1, abs=1e-6)


def test_a_nan_in_the_sequence_reaches_the_output():
    layer = nn.LSTM(3, 4)
    sequence = np.zeros((2, 1, 3), np.float32)
    sequence[1, 0, 0] = np.nan
    out, _ = layer(cr.tensor(sequence))
    assert np.isnan(out.detach().numpy()[1]).all() and not np.isnan(out.detach().numpy()[0]).any()
