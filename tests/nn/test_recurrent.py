"""Recurrent layers, cells, embeddings and packed sequences against PyTorch; BPTT over long
sequences; gradcheck and second order through the fused recurrences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck, gradgradcheck
from chainrule.ops import recurrent
from tests.oracle import assert_close, check_module_against_torch, random_array, to_cr, to_torch

MODES = ["RNN", "LSTM", "GRU"]


def _pair(mode: str, *args, **kwargs):
    ours = getattr(nn, mode)(*args, **kwargs).double()
    return ours, getattr(torch.nn, mode)(*args, **kwargs)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_two_layer_recurrences_match_torch_with_initial_states(mode, bidirectional, batch_first):
    ours, theirs = _pair(mode, 3, 4, num_layers=2, bidirectional=bidirectional,
                         batch_first=batch_first)
    x = random_array((2, 5, 3) if batch_first else (5, 2, 3))
    states = [random_array((4 if bidirectional else 2, 2, 4), seed=s) for s in (1, 2)]
    if mode == "LSTM":
        check_module_against_torch(StateAsTwoArguments(ours), TorchStateAsTwoArguments(theirs),
                                   [x, *states])
        return
    check_module_against_torch(ours, theirs, [x, states[0]])


class StateAsTwoArguments(nn.Module):
    """An LSTM (layer or cell) called as f(x, h, c), for the oracle's calling convention."""

    def __init__(self, lstm) -> None:
        super().__init__()
        self.lstm = lstm

    def forward(self, x, h, c):
        return self.lstm(x, (h, c))


class TorchStateAsTwoArguments(torch.nn.Module):
    def __init__(self, lstm) -> None:
        super().__init__()
        self.lstm = lstm

    def forward(self, x, h, c):
        return self.lstm(x, (h, c))


def test_relu_rnn_unbatched_input_dropout_in_eval_and_no_bias():
    ours, theirs = _pair("RNN", 3, 4, num_layers=2, nonlinearity="relu", bias=False,
                         dropout=0.5)
    ours.eval()
    theirs.eval()
    check_module_against_torch(ours, theirs, [random_array((6, 3))])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_variable_length_batches_match_torch(mode, bidirectional):
    ours, theirs = _pair(mode, 3, 4, num_layers=2, bidirectional=bidirectional)
    theirs.double().load_state_dict({k: torch.tensor(v.numpy())
                                     for k, v in ours.state_dict().items()})
    a = random_array((6, 4, 3))
    lengths = [4, 6, 1, 3]  # unsorted: enforce_sorted=False sorts inside
    x, t = to_cr(a), to_torch(a)
    out, h = ours(nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False))
    tout, th = theirs(torch.nn.utils.rnn.pack_padded_sequence(t, lengths,
                                                              enforce_sorted=False))
    assert_close(out.data, tout.data, what="packed output")
    assert_close(out.batch_sizes.numpy(), tout.batch_sizes.numpy(), what="batch sizes")
    padded, out_lengths = nn.utils.rnn.pad_packed_sequence(out)
    tpadded, tlengths = torch.nn.utils.rnn.pad_packed_sequence(tout)
    assert_close(padded, tpadded, what="padded output")
    assert out_lengths.tolist() == tlengths.tolist() == lengths
    h, th = (h[0], th[0]) if mode == "LSTM" else (h, th)
    assert_close(h, th, what="final hidden state")
    v = np.random.default_rng(0).standard_normal(tpadded.shape)
    ((padded * cr.tensor(v)).sum() + h.sum()).backward()
    ((tpadded * torch.tensor(v)).sum() + th.sum()).backward()
    assert_close(x.grad, t.grad, what="input gradient")
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, tparams[name].grad, what=f"gradient of {name}")


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(cell):
    ours = getattr(nn, cell)(3, 5).double()
    theirs = getattr(torch.nn, cell)(3, 5)
    check_module_against_torch(ours, theirs, [random_array((4, 3))])
    if cell == "LSTMCell":
        check_module_against_torch(StateAsTwoArguments(ours), TorchStateAsTwoArguments(theirs),
                                   [random_array((4, 3)), random_array((4, 5), seed=1),
                                    random_array((4, 5), seed=2)])
    else:
        check_module_against_torch(ours, theirs, [random_array((4, 3)),
                                                  random_array((4, 5), seed=1)])


@pytest.mark.parametrize("mode", MODES)
def test_fused_recurrences_pass_gradcheck_and_second_order(mode):
    layer = getattr(nn, mode)(2, 3, bidirectional=True).double()
    x = to_cr(random_array((4, 2, 2)))
    lengths = np.array([4, 2])
    packed = lambda a: nn.utils.rnn.pack_padded_sequence(a, lengths)  # noqa: E731
    assert gradcheck(lambda a: layer(a)[0], [x])
    assert gradcheck(lambda a: nn.utils.rnn.pad_packed_sequence(layer(packed(a))[0])[0], [x])
    weight = layer.weight_hh_l0
    assert gradgradcheck(lambda a, w: _with_weight(layer, w, a), [x, weight], fast_mode=True)


def _with_weight(layer, w, a):
    saved = layer._parameters["weight_hh_l0"]
    layer._parameters["weight_hh_l0"] = w
    try:
        return layer(a)[0]
    finally:
        layer._parameters["weight_hh_l0"] = saved


def test_the_fused_recurrence_equals_its_composed_reference():
    rng = np.random.default_rng(0)

    def leaf(*shape):
        return cr.tensor(rng.standard_normal(shape), dtype=cr.float64, requires_grad=True)

    x, h0, c0, w_ih, w_hh, bias = leaf(7, 3, 5), leaf(3, 4), leaf(3, 4), leaf(16, 5), \
        leaf(16, 4), leaf(16)
    inputs = [x, h0, c0, w_ih, w_hh, bias]
    lengths = np.array([7, 3, 5])
    fused = recurrent.lstm_recurrence(*inputs, lengths)
    composed = recurrent.LSTMRecurrence.reference(*inputs, lengths)
    for a, b in zip(fused, composed):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)
    grads = cr.autograd.grad(sum(o.sum() for o in fused), inputs)
    expected = cr.autograd.grad(sum(o.sum() for o in composed), inputs)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-10, atol=1e-12)


def test_backpropagation_through_2000_steps_with_memory_linear_in_length():
    layer = nn.LSTM(2, 8)
    x = cr.randn(2000, 2, 2, requires_grad=True)
    out, _ = layer(x)
    out.sum().backward()  # every step sends gradient back through all earlier ones
    assert np.all(np.isfinite(x.grad.numpy())) and np.any(x.grad.numpy()[0] != 0)

    def saved_bytes(steps: int) -> int:
        node = layer(cr.randn(steps, 2, 2, requires_grad=True))[0].grad_fn
        while node.name != "LSTMRecurrence":
            node = next(f for f, _ in node.next_functions if f is not None)
        return sum(a.nbytes for a in (node.gates, node.cells, node.tanh_cells, node.out))

    assert saved_bytes(1000) == 2 * saved_bytes(500)


def test_embedding_matches_torch_and_padding_takes_no_gradient():
    ours = nn.Embedding(10, 3, padding_idx=2).double()
    theirs = torch.nn.Embedding(10, 3, padding_idx=2)
    assert np.all(ours.weight.detach().numpy()[2] == 0)
    theirs.double().load_state_dict({"weight": torch.tensor(ours.weight.detach().numpy())})
    idx = np.array([[1, 2, 2], [9, 0, 1]])
    out, tout = ours(cr.tensor(idx)), theirs(torch.tensor(idx))
    assert_close(out, tout)
    v = np.random.default_rng(0).standard_normal(tout.shape)
    (out * cr.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert np.all(ours.weight.grad.numpy()[2] == 0)
    with pytest.raises(IndexError, match="index 10 is out of range for 10 embeddings"):
        ours(cr.tensor([10]))


def test_pad_sequence_matches_torch():
    seqs = [random_array((n, 2), seed=n) for n in (3, 1, 4)]
    for batch_first in (False, True):
        ours = nn.utils.rnn.pad_sequence([to_cr(s) for s in seqs], batch_first, -1.0)
        theirs = torch.nn.utils.rnn.pad_sequence([to_torch(s) for s in seqs], batch_first, -1.0)
        assert_close(ours, theirs)


def test_packing_errors_say_what_to_do():
    with pytest.raises(RuntimeError, match="enforce_sorted=False"):
        nn.utils.rnn.pack_padded_sequence(cr.zeros(4, 2, 1), [2, 3])
    with pytest.raises(RuntimeError, match="must be positive"):
        nn.utils.rnn.pack_padded_sequence(cr.zeros(4, 2, 1), [2, 0])
    with pytest.raises(RuntimeError, match=r"expected hidden state of shape \(1, 3, 4\)"):
        nn.GRU(2, 4)(cr.zeros(5, 3, 2), cr.zeros(1, 2, 4))
