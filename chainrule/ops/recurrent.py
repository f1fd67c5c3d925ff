"""Recurrences: a whole sequence of RNN, LSTM or GRU steps as one op each.

NOTE [ Fused recurrences ]
A recurrent layer applies the same cell at every time step. Written with one node
per elementwise op, a 28-step LSTM is about 700 nodes, and its weight gradient is 28
small matrix products. Here the input projection x·W_ihᵀ + b for all steps is one
`linear` before the op (one GEMM), and the op runs the time loop in NumPy:

* forward keeps the gate activations of every step (memory linear in the length);
* backward walks the steps in reverse (backpropagation through time), writing each
  step's gate gradients into one (T, N, G) array; the recurrent weight's gradient is
  then one GEMM over all steps but the first (plus a small one for it, against h0),
  and the input projection's gradients come from `linear`'s backward, one GEMM each.

The LSTM's compiled path goes one step further and takes the projection inside the op:
it keeps [x_t, h_{t-1}] side by side in one (T, N, I + H) array, so each step is one
GEMM against [W_ih, W_hh]ᵀ, the cell adds the bias, and backward gets both weight
gradients from a single GEMM over that array. Against a projection GEMM whose inner
dimension is the input size (28 for image rows, too thin to run at speed), a bias
pass over (T, N, 4H), a second weight-gradient GEMM and a bias sum, the LSTM step of
bench/bench_rnn.py took 10% less time.

Variable-length batches: `lengths` (N,) or None. A row whose sequence has ended
keeps its state unchanged and outputs zeros, so h_n is each row's last real state.

Higher order: the handwritten backward is exact to first order. Under
create_graph the backward instead differentiates the same recurrence composed from
chainrule's ops (`*_step` below, which the cell modules also use), so gradients of
gradients are exact too.

Gate order and formulas are PyTorch's, so weights load unchanged:
  RNN   h' = act(gx + h W_hhᵀ)                        (gx includes both biases)
  LSTM  i, f, g, o = σ, σ, tanh, σ of (gx + h W_hhᵀ);  c' = f c + i g;  h' = o tanh c'
  GRU   r, z = σ(gx_rz + h W_hh,rzᵀ + b_hh,rz);  n = tanh(gx_n + r (h W_hh,nᵀ + b_hh,n))
        h' = (1 - z) n + z h
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..autograd.function import Function
from ..autograd.tensor_base import TensorBase
from .composed import differentiate_reference
from .linalg import linear, matmul
from .primitives import where
from .shape import stack
from .unary import relu, sigmoid, tanh


def _sigmoid_(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e⁻ˣ) in place. exp is the fastest transcendental NumPy has here;
    for x < -88 (float32) e⁻ˣ overflows to inf and σ correctly becomes 0, so callers
    silence the overflow warning."""
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1
    np.reciprocal(x, out=x)
    return x


def _compiled_cell(name: str, gx: np.ndarray, masks) -> object:
    """The compiled LSTM or GRU cell (kernels/recurrent.py) for float32 batches without
    masks (its rational tanh is float32-accurate)."""
    return kernels.get(name) if gx.dtype == np.float32 and masks is None else None


def _masks(lengths, steps: int, dtype) -> np.ndarray | None:
    """(T, N, 1) with 1 where step t is inside row n's sequence; None if all are full."""
    if lengths is None or np.all(lengths >= steps):
        return None
    return (np.arange(steps)[:, None] < lengths[None, :]).astype(dtype)[:, :, None]


class _Recurrence(Function):
    """Shared by the three recurrences: the create_graph path through the composed steps."""

    @classmethod
    def reference(cls, *inputs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        if ctx.recording:
            return differentiate_reference(ctx, grads)
        return ctx.backward_arrays(*grads)


def _run_composed(step, gx, state: tuple, lengths, *weights):
    """The recurrence from ops, step by step; `step(gx_t, state, *weights)` -> state."""
    masks = _masks(None if lengths is None else lengths._data if isinstance(lengths, TensorBase)
                   else lengths, gx.shape[0], gx.dtype)
    outputs = []
    for t in range(gx.shape[0]):
        new = step(gx[t], state, *weights)
        if masks is not None:
            new = tuple(where(masks[t] > 0, n, s) for n, s in zip(new, state))
            outputs.append(new[0] * masks[t])
        else:
            outputs.append(new[0])
        state = new
    return (stack(outputs, 0), *state)


# -- the steps, composed from ops (cells and the create_graph path use these) ---------------


def rnn_step(gx, state: tuple, w_hh, nonlinearity: str = "tanh") -> tuple:
    """h' = act(gx + h W_hhᵀ), gx holding the input projection and both biases."""
    (h,) = state
    pre = gx + matmul(h, w_hh.T)
    return (tanh(pre) if nonlinearity == "tanh" else relu(pre),)


def lstm_step(gx, state: tuple, w_hh) -> tuple:
    """(h', c') of one LSTM step; gx (N, 4H) holds x W_ihᵀ and both biases."""
    h, c = state
    gates = gx + matmul(h, w_hh.T)
    size = h.shape[-1]
    i = sigmoid(gates[..., :size])
    f = sigmoid(gates[..., size : 2 * size])
    g = tanh(gates[..., 2 * size : 3 * size])
    o = sigmoid(gates[..., 3 * size :])
    c = f * c + i * g
    return o * tanh(c), c


def gru_step(gx, state: tuple, w_hh, b_hh) -> tuple:
    """h' of one GRU step; gx (N, 3H) holds x W_ihᵀ + b_ih."""
    (h,) = state
    gh = matmul(h, w_hh.T)
    if b_hh is not None:
        gh = gh + b_hh
    size = h.shape[-1]
    r = sigmoid(gx[..., :size] + gh[..., :size])
    z = sigmoid(gx[..., size : 2 * size] + gh[..., size : 2 * size])
    n = tanh(gx[..., 2 * size :] + r * gh[..., 2 * size :])
    return (n + z * (h - n),)


# -- the fused recurrences ------------------------------------------------------------------


class RNNRecurrence(_Recurrence):
    """output (T, N, H), h_n (N, H) from gx (T, N, H) = x W_ihᵀ + biases, h0, W_hh."""

    @staticmethod
    def forward(ctx, gx, h0, w_hh, lengths, nonlinearity):
        steps = gx.shape[0]
        masks = _masks(lengths, steps, gx.dtype)
        out = np.empty_like(gx)
        h = h0
        for t in range(steps):
            pre = h @ w_hh.T
            pre += gx[t]
            new = np.tanh(pre, out=pre) if nonlinearity == "tanh" else np.maximum(pre, 0, out=pre)
            if masks is not None:
                new = np.where(masks[t] > 0, new, h)
                out[t] = new * masks[t]
            else:
                out[t] = new
            h = new
        ctx.save_for_backward(gx, h0, w_hh)
        ctx.out, ctx.masks, ctx.nonlinearity = out, masks, nonlinearity
        return out, h.copy()

    # dpre = dh ⊙ act'(h'), dh_prev = dpre W_hh, dW_hh = Σ_t dpreₜᵀ h_{t-1}
    def backward_arrays(ctx, grad_out, grad_h):
        gx, h0, w_hh = ctx.saved_tensors
        out, masks = ctx.out, ctx.masks
        steps = gx.shape[0]
        d_pre = np.empty_like(gx)
        dh = grad_h.copy()
        states = out if masks is None else _carried_states(out, h0, masks)
        for t in reversed(range(steps)):
            total = grad_out[t] + dh if masks is None else grad_out[t] * masks[t] + dh
            h_new = states[t]
            local = (1 - h_new * h_new) if ctx.nonlinearity == "tanh" else (h_new > 0)
            cell = total if masks is None else total * masks[t]
            np.multiply(cell, local, out=d_pre[t])
            dh = d_pre[t] @ w_hh
            if masks is not None:
                dh += total * (1 - masks[t])
        grad_w = _weight_gradient(d_pre, h0, states)
        return d_pre, dh, grad_w, None, None

    @classmethod
    def reference(cls, gx, h0, w_hh, lengths, nonlinearity):
        return _run_composed(lambda g, s, w: rnn_step(g, s, w, nonlinearity), gx, (h0,),
                             lengths, w_hh)


def _carried_states(out: np.ndarray, h0: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Each step's state with finished rows carrying their last state (outputs hold 0)."""
    states = np.empty_like(out)
    h = h0
    for t in range(out.shape[0]):
        h = np.where(masks[t] > 0, out[t], h)
        states[t] = h
    return states


def _weight_gradient(d_gates: np.ndarray, h0: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Σ_t dgatesₜᵀ h_{t-1} with h_{-1} = h0: one GEMM over steps 1..T-1 (whose previous
    states are states[:-1], a view) and one for step 0, instead of one per step and
    without copying the states shifted by one."""
    flat_gates = d_gates[1:].reshape(-1, d_gates.shape[-1])
    grad = flat_gates.T @ states[:-1].reshape(-1, states.shape[-1])
    grad += d_gates[0].T @ h0
    return grad


class LSTMRecurrence(_Recurrence):
    """output (T, N, H), h_n, c_n (N, H) from x (T, N, I), h0, c0 (N, H), W_ih (4H, I),
    W_hh (4H, H) and bias (4H,) = b_ih + b_hh, or None.

    Unlike the RNN's and the GRU's, the LSTM's input projection is inside the op
    (NOTE [ Fused recurrences ]): the compiled path multiplies [x_t, h_{t-1}] by
    [W_ih, W_hh]ᵀ in one GEMM per step and gets both weight gradients from one GEMM.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, bias, lengths):
        masks = _masks(lengths, x.shape[0], x.dtype)
        cell = _compiled_cell("lstm_cell", x, masks) if len(x) else None
        ctx.joined = None  # [x_t, h_{t-1}] of every step, on the compiled path
        if cell:
            ctx.joined = np.empty(x.shape[:2] + (x.shape[2] + w_hh.shape[1],), x.dtype)
            gates, cells, tanh_cells, out, h, c = _lstm_forward_joined(cell, ctx.joined, x, h0,
                                                                       c0, w_ih, w_hh, bias)
        else:
            gates, cells, tanh_cells, out, h, c = _lstm_forward(x, h0, c0, w_ih, w_hh, bias,
                                                                masks)
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh)
        ctx.gates, ctx.cells, ctx.tanh_cells, ctx.out, ctx.masks = \
            gates, cells, tanh_cells, out, masks
        ctx.has_bias = bias is not None
        return out, np.array(h, copy=True), np.array(c, copy=True)

    # with tc = tanh c':  do = dh·tc,  dc = dh·o·(1 - tc²) + dc',  di = dc·g,  dg = dc·i,
    # df = dc·c,  dc_prev = dc·f; gate pre-activations: σ' = s(1 - s), tanh' = 1 - g²
    def backward_arrays(ctx, grad_out, grad_h, grad_c):
        x, h0, c0, w_ih, w_hh = ctx.saved_tensors
        cell = _compiled_cell("lstm_cell_backward", x, ctx.masks)
        if cell:
            d_gates, dh, dc = _lstm_backward_compiled(cell, ctx, grad_out, grad_h, grad_c)
        else:
            d_gates, dh, dc = _lstm_backward(ctx, grad_out, grad_h, grad_c)
        flat = d_gates.reshape(-1, d_gates.shape[-1])
        if ctx.joined is not None:  # [dW_ih, dW_hh] = Σ_t dgatesₜᵀ [x_t, h_{t-1}]: one GEMM
            both = flat.T @ ctx.joined.reshape(-1, ctx.joined.shape[-1])
            grad_w_ih = np.ascontiguousarray(both[:, : x.shape[-1]])
            grad_w_hh = np.ascontiguousarray(both[:, x.shape[-1] :])
        else:
            states = ctx.out if ctx.masks is None else _carried_states(ctx.out, h0, ctx.masks)
            grad_w_ih = flat.T @ x.reshape(-1, x.shape[-1])
            grad_w_hh = _weight_gradient(d_gates, h0, states)
        grad_x = (flat @ w_ih).reshape(x.shape) if ctx.needs_input_grad[0] else None
        grad_bias = flat.sum(0) if ctx.has_bias else None
        return grad_x, dh, dc, grad_w_ih, grad_w_hh, grad_bias, None

    @classmethod
    def reference(cls, x, h0, c0, w_ih, w_hh, bias, lengths):
        return _run_composed(lstm_step, linear(x, w_ih, bias), (h0, c0), lengths, w_hh)


def _lstm_forward_joined(cell, joined, x, h0, c0, w_ih, w_hh, bias) -> tuple:
    """The compiled forward: fills `joined` (T, N, I + H) with [x_t, h_{t-1}] for every
    step, so that each step is one GEMM against [W_ih, W_hh]ᵀ and backward gets both
    weight gradients from one GEMM over it; the cell adds the bias and does the gate
    arithmetic."""
    steps, rows, size_in = x.shape
    size = w_hh.shape[1]
    joined[:, :, :size_in] = x
    joined[0, :, size_in:] = h0
    w_t = np.concatenate([w_ih.T, w_hh.T])  # [W_ih, W_hh]ᵀ, (I + H, 4H), one copy
    bias = np.zeros(4 * size, x.dtype) if bias is None else bias
    gates = np.empty((steps, rows, 4 * size), x.dtype)  # activated i, f, g, o of every step
    cells, tanh_cells, out = (np.empty((steps, rows, size), x.dtype) for _ in range(3))
    c = c0
    for t in range(steps):
        np.matmul(joined[t], w_t, out=gates[t])
        cell(gates[t], bias, c, cells[t], tanh_cells[t], out[t])
        c = cells[t]
        if t + 1 < steps:
            joined[t + 1, :, size_in:] = out[t]
    return gates, cells, tanh_cells, out, out[-1], cells[-1]


def _lstm_forward(x, h0, c0, w_ih, w_hh, bias, masks) -> tuple:
    """The NumPy reference: all steps' input projections in one GEMM, then the steps."""
    steps, rows, _ = x.shape
    size = w_hh.shape[1]
    gx = (x.reshape(steps * rows, -1) @ w_ih.T).reshape(steps, rows, 4 * size)
    if bias is not None:
        gx += bias
    gates = np.empty_like(gx)  # activated i, f, g, o of every step
    cells, tanh_cells, out = (np.empty((steps, rows, size), x.dtype) for _ in range(3))
    h, c = h0, c0
    w_t = np.ascontiguousarray(w_hh.T)
    with np.errstate(over="ignore"):  # see _sigmoid_
        for t in range(steps):
            a = gates[t]
            np.matmul(h, w_t, out=a)
            a += gx[t]
            i, f, g, o = (a[:, k * size : (k + 1) * size] for k in range(4))
            np.tanh(g, out=g)
            _sigmoid_(a[:, : 2 * size])
            _sigmoid_(o)
            c_new = np.multiply(f, c, out=cells[t])
            c_new += i * g
            np.tanh(c_new, out=tanh_cells[t])
            h_new = np.multiply(o, tanh_cells[t], out=out[t])
            if masks is not None:
                m = masks[t] > 0
                c_new[...] = np.where(m, c_new, c)
                h = np.where(m, h_new, h)
                out[t] *= masks[t]
            else:
                h = h_new
            c = c_new
    return gates, cells, tanh_cells, out, h, c


def _lstm_backward(ctx, grad_out, grad_h, grad_c) -> tuple:
    """The NumPy reference of backpropagation through time: (d_gates, dh0, dc0)."""
    _, _, c0, _, w_hh = ctx.saved_tensors
    gates, cells, tanh_cells, masks = ctx.gates, ctx.cells, ctx.tanh_cells, ctx.masks
    steps, _, four = gates.shape
    size = four // 4
    # What does not depend on the incoming gradient is computed for all steps at once:
    # the gates' local derivatives, and o·(1 - tc²), the path from h' back to c'.
    local = np.subtract(1, gates)
    local *= gates
    g_all = gates[:, :, 2 * size : 3 * size]
    np.multiply(g_all, g_all, out=local[:, :, 2 * size : 3 * size])
    np.subtract(1, local[:, :, 2 * size : 3 * size], out=local[:, :, 2 * size : 3 * size])
    h_to_c = np.multiply(tanh_cells, tanh_cells)
    np.subtract(1, h_to_c, out=h_to_c)
    h_to_c *= gates[:, :, 3 * size :]
    d_gates = np.empty_like(gates)
    dh, dc = np.array(grad_h, copy=True), np.array(grad_c, copy=True)
    total, work = np.empty_like(dh), np.empty_like(dh)
    for t in reversed(range(steps)):
        a, d = gates[t], d_gates[t]
        i, f, g = a[:, :size], a[:, size : 2 * size], a[:, 2 * size : 3 * size]
        np.add(grad_out[t], dh, out=total)
        if masks is not None:
            total *= masks[t]  # a finished row's gradients skip the cell (added below)
            carried_h, carried_c = dh * (1 - masks[t]), dc * (1 - masks[t])
            dc *= masks[t]
        np.multiply(total, tanh_cells[t], out=d[:, 3 * size :])  # do
        dc += np.multiply(total, h_to_c[t], out=work)
        np.multiply(dc, g, out=d[:, :size])  # di
        np.multiply(dc, cells[t - 1] if t else c0, out=d[:, size : 2 * size])  # df
        np.multiply(dc, i, out=d[:, 2 * size : 3 * size])  # dg
        dc *= f
        d *= local[t]
        np.matmul(d, w_hh, out=dh)
        if masks is not None:
            dh += carried_h
            dc += carried_c
    return d_gates, dh, dc


def _lstm_backward_compiled(cell, ctx, grad_out, grad_h, grad_c) -> tuple:
    """LSTMRecurrence.backward_arrays with each step's arithmetic in `cell`."""
    _, _, c0, _, w_hh = ctx.saved_tensors
    d_gates = np.empty_like(ctx.gates)
    dh, dc = np.array(grad_h, copy=True), np.array(grad_c, copy=True)
    grad_out = np.ascontiguousarray(grad_out)
    for t in reversed(range(d_gates.shape[0])):
        cell(ctx.gates[t], ctx.cells[t - 1] if t else c0, ctx.tanh_cells[t], grad_out[t], dh,
             dc, d_gates[t])
        np.matmul(d_gates[t], w_hh, out=dh)
    return d_gates, dh, dc


class GRURecurrence(_Recurrence):
    """output (T, N, H), h_n (N, H) from gx (T, N, 3H) = x W_ihᵀ + b_ih, h0, W_hh, b_hh."""

    @staticmethod
    def forward(ctx, gx, h0, w_hh, b_hh, lengths):
        steps, n_rows, three = gx.shape
        size = three // 3
        masks = _masks(lengths, steps, gx.dtype)
        rz = np.empty((steps, n_rows, 2 * size), gx.dtype)
        n_gate = np.empty((steps, n_rows, size), gx.dtype)
        gh_n = np.empty_like(n_gate)
        out = np.empty_like(n_gate)
        w_t = np.ascontiguousarray(w_hh.T)
        gh = np.empty((n_rows, three), gx.dtype)
        h = h0
        cell = _compiled_cell("gru_cell", gx, masks)
        bias = np.zeros(three, gx.dtype) if cell and b_hh is None else b_hh
        with np.errstate(over="ignore"):  # see _sigmoid_
            for t in range(steps):
                np.matmul(h, w_t, out=gh)
                if cell:  # the gate arithmetic below, in one compiled loop
                    cell(gh, bias, gx[t], h, rz[t], n_gate[t], gh_n[t], out[t])
                    h = out[t]
                    continue
                if b_hh is not None:
                    gh += b_hh
                a = rz[t]
                np.add(gx[t, :, : 2 * size], gh[:, : 2 * size], out=a)
                _sigmoid_(a)
                r, z = a[:, :size], a[:, size:]
                gh_n[t] = gh[:, 2 * size :]
                n = np.multiply(r, gh_n[t], out=n_gate[t])
                n += gx[t, :, 2 * size :]
                np.tanh(n, out=n)
                h_new = np.subtract(h, n, out=out[t])
                h_new *= z
                h_new += n
                if masks is not None:
                    h = np.where(masks[t] > 0, h_new, h)
                    out[t] *= masks[t]
                else:
                    h = h_new
        ctx.save_for_backward(gx, h0, w_hh)
        ctx.rz, ctx.n_gate, ctx.gh_n, ctx.out, ctx.masks = rz, n_gate, gh_n, out, masks
        ctx.has_bias = b_hh is not None
        return out, np.array(h, copy=True)

    # dz = dh·(h - n), dn = dh·(1 - z)·(1 - n²), dr = dn·gh_n; dh_prev = dh·z + dgh W_hh,
    # where dgh = (dr·r(1 - r), dz·z(1 - z), dn·r) and dgx = (same r, z parts, dn)
    def backward_arrays(ctx, grad_out, grad_h):
        gx, h0, w_hh = ctx.saved_tensors
        rz, n_gate, gh_n, masks = ctx.rz, ctx.n_gate, ctx.gh_n, ctx.masks
        steps, _, three = gx.shape
        size = three // 3
        d_gx = np.empty_like(gx)
        d_gh = np.empty_like(gx)
        dh = grad_h.copy()
        states = ctx.out if masks is None else _carried_states(ctx.out, h0, masks)
        cell = _compiled_cell("gru_cell_backward", gx, masks)
        if cell:  # each step's arithmetic below in one compiled loop
            grad_out = np.ascontiguousarray(grad_out)
            for t in reversed(range(steps)):
                cell(rz[t], n_gate[t], gh_n[t], states[t - 1] if t else h0, grad_out[t], dh,
                     d_gx[t], d_gh[t])
                dh += d_gh[t] @ w_hh
        else:
            for t in reversed(range(steps)):
                r, z, n = rz[t, :, :size], rz[t, :, size:], n_gate[t]
                h_prev = states[t - 1] if t else h0
                total = grad_out[t] + dh if masks is None else grad_out[t] * masks[t] + dh
                if masks is not None:
                    carried = total * (1 - masks[t])
                    total = total * masks[t]
                dn = total * (1 - z) * (1 - n * n)
                dz = total * (h_prev - n) * z * (1 - z)
                dr = dn * gh_n[t] * r * (1 - r)
                d_gx[t, :, :size] = dr
                d_gx[t, :, size : 2 * size] = dz
                d_gx[t, :, 2 * size :] = dn
                d_gh[t, :, :size] = dr
                d_gh[t, :, size : 2 * size] = dz
                np.multiply(dn, r, out=d_gh[t, :, 2 * size :])
                dh = total * z + d_gh[t] @ w_hh
                if masks is not None:
                    dh += carried
        grad_b = d_gh.sum(axis=(0, 1)) if ctx.has_bias else None
        return d_gx, dh, _weight_gradient(d_gh, h0, states), grad_b, None

    @classmethod
    def reference(cls, gx, h0, w_hh, b_hh, lengths):
        return _run_composed(gru_step, gx, (h0,), lengths, w_hh, b_hh)


def rnn_recurrence(gx, h0, w_hh, lengths=None, nonlinearity: str = "tanh"):
    return RNNRecurrence.apply(gx, h0, w_hh, lengths, nonlinearity)


def lstm_recurrence(x, h0, c0, w_ih, w_hh, bias=None, lengths=None):
    return LSTMRecurrence.apply(x, h0, c0, w_ih, w_hh, bias, lengths)


def gru_recurrence(gx, h0, w_hh, b_hh, lengths=None):
    return GRURecurrence.apply(gx, h0, w_hh, b_hh, lengths)
