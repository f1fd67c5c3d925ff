"""Recurrent layers: RNN, LSTM, GRU and their single-step cells, with PyTorch's weights.

The layers run each (layer, direction) as one fused recurrence (NOTE [ Fused
recurrences ] in ops/recurrent.py); the cells are the same step composed from ops.
Parameter names, shapes, gate order and initialization are PyTorch's, so a
`state_dict` moves between the two unchanged.
"""

from __future__ import annotations

import math

import numpy as np

from .. import creation, ops
from ..ops import recurrent
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import InputShapeError, Module, positive_int
from .parameter import Parameter
from .utils.rnn import PackedSequence, pad_packed_sequence, repack_like

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Shared by RNN, LSTM and GRU: weights per layer and direction, and the layer loop.

    Args:
        input_size: features of each step of the input.
        hidden_size: features of the hidden state.
        num_layers: recurrent layers stacked, each reading the previous one's output.
        bias: learn b_ih and b_hh.
        batch_first: input and output are (N, T, *) instead of (T, N, *).
        dropout: dropout on the outputs of every layer but the last (training only).
        bidirectional: also run each layer backwards in time and concatenate.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = positive_int("input_size", input_size)
        self.hidden_size = positive_int("hidden_size", hidden_size)
        self.num_layers = positive_int("num_layers", num_layers)
        if not (isinstance(dropout, (int, float)) and 0 <= dropout <= 1):
            raise ValueError(f"dropout should be a number in range [0, 1], got {dropout!r}")
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        directions = 2 if bidirectional else 1
        gates = GATES[mode] * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                shapes = [(gates, layer_input), (gates, hidden_size)]
                if bias:
                    names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
                    shapes += [(gates,), (gates,)]
                for name, shape in zip(names, shapes):
                    weight = creation.empty(*shape, device=device, dtype=dtype)
                    self.register_parameter(name, Parameter(weight))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: every weight and bias ~ U(-1/√hidden, 1/√hidden)."""
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _weights(self, layer: int, reverse: bool) -> tuple:
        suffix = f"l{layer}{'_reverse' if reverse else ''}"
        get = self._parameters.get
        return (get(f"weight_ih_{suffix}"), get(f"weight_hh_{suffix}"),
                get(f"bias_ih_{suffix}"), get(f"bias_hh_{suffix}"))

    def forward(self, input, hx=None):
        """Run the layers over a sequence.

        Shape:
            input (T, N, input_size), (N, T, input_size) with batch_first, (T, input_size)
            unbatched, or a PackedSequence; hx (num_layers·D, N, hidden_size) (for LSTM a
            pair (h_0, c_0)), zeros if None.
            Returns output (T, N, D·hidden_size) (a PackedSequence for packed input) and
            h_n (num_layers·D, N, hidden_size) (for LSTM the pair (h_n, c_n)).
        """
        packed = input if isinstance(input, PackedSequence) else None
        lengths = None
        if packed is not None:
            input, lengths_tensor = pad_packed_sequence(packed)
            lengths = lengths_tensor._data
        elif self.batch_first and input.ndim == 3:
            input = input.transpose(0, 1)
        unbatched = input.ndim == 2
        if unbatched:
            input = input.unsqueeze(1)
        if input.ndim != 3 or input.shape[-1] != self.input_size:
            raise InputShapeError(self, input.shape, f"(T, N, {self.input_size})")
        states = self._initial_states(hx, input, unbatched)
        output, finals = self._run_layers(input, states, lengths)
        if unbatched:
            output = output.squeeze(1)
            finals = [f.squeeze(1) for f in finals]
        elif packed is not None:
            output = repack_like(output, packed)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (tuple(finals) if self.mode == "LSTM" else finals[0])

    def _initial_states(self, hx, input, unbatched: bool) -> list:
        count = self.num_layers * (2 if self.bidirectional else 1)
        rows = input.shape[1]
        expected = (count, self.hidden_size) if unbatched else (count, rows, self.hidden_size)
        n_states = 2 if self.mode == "LSTM" else 1
        if hx is None:
            zeros = Tensor._wrap(np.zeros((count, rows, self.hidden_size), input.dtype))
            return [zeros] * n_states
        hx = list(hx) if self.mode == "LSTM" else [hx]
        if len(hx) != n_states:
            raise ValueError(f"{type(self).__name__} expects hx as {n_states} tensor(s)")
        for h in hx:
            if tuple(h.shape) != expected:
                raise RuntimeError(
                    f"{type(self).__name__}: expected hidden state of shape {expected}, got "
                    f"{tuple(h.shape)}"
                )
        return [h.unsqueeze(1) if unbatched else h for h in hx]

    def _run_layers(self, input, states: list, lengths):
        directions = 2 if self.bidirectional else 1
        finals: list[list] = [[] for _ in states]
        layer_input = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                x = layer_input if direction == 0 else _reverse_in_time(layer_input, lengths)
                out, *last = self._recurrence(x, [s[index] for s in states], layer,
                                              direction == 1, lengths)
                outputs.append(out if direction == 0 else _reverse_in_time(out, lengths))
                for store, value in zip(finals, last):
                    store.append(value)
            layer_input = outputs[0] if directions == 1 else ops.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, [ops.stack(store, 0) for store in finals]

    def _recurrence(self, x, state: list, layer: int, reverse: bool, lengths):
        w_ih, w_hh, b_ih, b_hh = self._weights(layer, reverse)
        if self.mode == "GRU":
            return recurrent.gru_recurrence(F.linear(x, w_ih, b_ih), state[0], w_hh, b_hh,
                                            lengths)
        bias = None if b_ih is None else b_ih + b_hh
        if self.mode == "LSTM":  # takes the input projection inside (ops/recurrent.py)
            return recurrent.lstm_recurrence(x, state[0], state[1], w_ih, w_hh, bias, lengths)
        gx = F.linear(x, w_ih, bias)
        nonlinearity = "tanh" if self.mode == "RNN_TANH" else "relu"
        return recurrent.rnn_recurrence(gx, state[0], w_hh, lengths, nonlinearity)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


def _reverse_in_time(x, lengths):
    """Each sequence reversed within its own length (padding stays at the end)."""
    steps, rows = x.shape[0], x.shape[1]
    if lengths is None or np.all(lengths == steps):
        return x[::-1]
    t = np.arange(steps)[:, None]
    source = np.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)
    return x[source, np.arange(rows)[None, :]]


class RNN(RNNBase):
    """Elman RNN: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or ReLU).

    Args: as RNNBase, plus nonlinearity 'tanh' or 'relu'.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory: gates i, f, g, o; c' = f c + i g; h' = o tanh(c').

    The cell state c carries gradient across many steps through f alone, which is
    why an LSTM learns dependencies a plain RNN's vanishing gradient cannot reach.
    Returns output, (h_n, c_n).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit: reset r, update z; h' = (1 - z) n + z h."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("GRU", *args, **kwargs)


# -- cells: one step, composed from ops ---------------------------------------------------


class RNNCellBase(Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool, gates: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = positive_int("input_size", input_size)
        self.hidden_size = positive_int("hidden_size", hidden_size)
        self.bias = bias
        options = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(creation.empty(gates * hidden_size, input_size, **options))
        self.weight_hh = Parameter(creation.empty(gates * hidden_size, hidden_size, **options))
        if bias:
            self.bias_ih = Parameter(creation.empty(gates * hidden_size, **options))
            self.bias_hh = Parameter(creation.empty(gates * hidden_size, **options))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        bound = 1 / math.sqrt(hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _prepare(self, input, hx, states: int):
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise InputShapeError(self, input.shape, f"(N, {self.input_size})")
        unbatched = input.ndim == 1
        if unbatched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = Tensor._wrap(np.zeros((input.shape[0], self.hidden_size), input.dtype))
            hx = (zeros,) * states
        else:
            hx = tuple(hx) if states == 2 else (hx,)
            hx = tuple(h.unsqueeze(0) if unbatched else h for h in hx)
        return input, hx, unbatched

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    """One Elman step: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh). Shape: (N, in) -> (N, H)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, (h,), unbatched = self._prepare(input, hx, 1)
        bias = None if self.bias_ih is None else self.bias_ih + self.bias_hh
        (h,) = recurrent.rnn_step(F.linear(input, self.weight_ih, bias), (h,), self.weight_hh,
                                  self.nonlinearity)
        return h.squeeze(0) if unbatched else h


class LSTMCell(RNNCellBase):
    """One LSTM step. Shape: input (N, in), (h, c) (N, H) each -> (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        input, state, unbatched = self._prepare(input, hx, 2)
        bias = None if self.bias_ih is None else self.bias_ih + self.bias_hh
        h, c = recurrent.lstm_step(F.linear(input, self.weight_ih, bias), state, self.weight_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One GRU step. Shape: input (N, in), h (N, H) -> h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        input, state, unbatched = self._prepare(input, hx, 1)
        (h,) = recurrent.gru_step(F.linear(input, self.weight_ih, self.bias_ih), state,
                                  self.weight_hh, self.bias_hh)
        return h.squeeze(0) if unbatched else h
