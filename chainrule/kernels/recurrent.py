"""The LSTM cell's elementwise work, compiled: the reference is ops/recurrent.py.

Per time step the reference makes about twenty NumPy passes over the (N, 4H) gates,
and NumPy's float32 exp and tanh run here at 1.5-2.5 ns an element. These kernels do
each step's gate arithmetic in one loop, with tanh as a rational function (σ(x) =
(1 + tanh(x/2))/2) that the compiler runs on SIMD lanes: the matrix products stay in
NumPy, between the kernel calls.

The rational tanh is Eigen's float32 approximation (odd polynomial of degree 13 over
an even one of degree 6, inputs clamped to ±7.9053: past it tanh rounds to ±1 in
float32), evaluated in float32; its error is under 4e-7, a few float32 ulps, so the
kernels serve float32 only and float64 runs the reference.

The loops walk one row at a time through 1-D views, one gate block per loop, and
allow the compiler to contract multiply-adds and divide by reciprocals (FAST): that
is what lets it put them on SIMD lanes (3x). NaN and inf keep their meaning. Every
loop indexes its own view from 0 (`g[j]`, not `a[2 * size + j]`): an index with an
offset could be negative for all the compiler knows, and numba's wraparound for
negative indices then keeps the loop scalar (the cell took 100 us instead of 67).
"""

from __future__ import annotations

import numpy as np
from numba import njit

F = np.float32  # every constant in float32, so the loops run 8 lanes wide, not 4
LIMIT = F(7.90531110763549805)
ODD = (4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05,
       5.12229709037114e-08, -8.60467152213735e-11, 2.00018790482477e-13,
       -2.76076847742355e-16)
EVEN = (4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04,
        1.19825839466702e-06)
A1, A3, A5, A7, A9, A11, A13 = map(F, ODD)
B0, B2, B4, B6 = map(F, EVEN)
HALF, ONE = F(0.5), F(1)
FAST = {"arcp", "contract"}


@njit(cache=True, error_model="numpy", fastmath=FAST, inline="always")
def _tanh(x):
    # selects, not min/max: a NaN passes through; no branch, so the loop vectorizes
    x = LIMIT if x > LIMIT else x
    x = -LIMIT if x < -LIMIT else x
    x2 = x * x
    odd = x * (A1 + x2 * (A3 + x2 * (A5 + x2 * (A7 + x2 * (A9 + x2 * (A11 + x2 * A13))))))
    return odd / (B0 + x2 * (B2 + x2 * (B4 + x2 * B6)))


@njit(cache=True, error_model="numpy", fastmath=FAST, inline="always")
def _sigmoid(x):
    return HALF * _tanh(HALF * x) + HALF


@njit(cache=True, inline="always")
def _four(row, size):
    """A row's gate blocks (i, f, g, o): views of `size` each."""
    return row[:size], row[size : 2 * size], row[2 * size : 3 * size], row[3 * size :]


@njit(cache=True, inline="always")
def _three(row, size):
    """A row's gate blocks (r, z, n): views of `size` each."""
    return row[:size], row[size : 2 * size], row[2 * size :]


@njit(cache=True, error_model="numpy", fastmath=FAST)
def lstm_cell(gates, bias, c_prev, cell, tanh_cell, h):
    """One step: `gates` (N, 4H) holds [x, h] [W_ih, W_hh]ᵀ on entry and the activated
    i, f, g, o on exit; with bias (4H,) added first, writes c' = f c + i g, tanh c' and
    h' = o tanh c'."""
    n, four = gates.shape
    size = four // 4
    bi, bf, bg, bo = _four(bias, size)
    for r in range(n):
        i, f, g, o = _four(gates[r], size)
        for j in range(size):
            i[j] = _sigmoid(i[j] + bi[j])
        for j in range(size):
            f[j] = _sigmoid(f[j] + bf[j])
        for j in range(size):
            g[j] = _tanh(g[j] + bg[j])
        for j in range(size):
            o[j] = _sigmoid(o[j] + bo[j])
        c_in, c_out, tc_out, h_out = c_prev[r], cell[r], tanh_cell[r], h[r]
        for j in range(size):
            c = f[j] * c_in[j] + i[j] * g[j]
            tc = _tanh(c)
            c_out[j], tc_out[j], h_out[j] = c, tc, o[j] * tc


@njit(cache=True, error_model="numpy", fastmath=FAST)
def lstm_cell_backward(gates, c_prev, tanh_cell, grad_out_t, dh, dc, d_gates):
    """One step back: from dh (from step t+1) plus grad_out_t and dc, the gates'
    pre-activation gradients d_gates (N, 4H); dc becomes the gradient of c_{t-1}.

    With total = grad_out_t + dh and tc = tanh c':  dc ← dc + total·o·(1 - tc²);
    d(i, f, g, o) = (dc·g·i(1-i), dc·c_prev·f(1-f), dc·i·(1-g²), total·tc·o(1-o));
    dc_prev = dc·f.
    """
    n, four = gates.shape
    size = four // 4
    for r in range(n):
        i, f, g, o = _four(gates[r], size)
        di, df, dg, do = _four(d_gates[r], size)
        c_in, tc_in, upstream, dh_r, dc_r = c_prev[r], tanh_cell[r], grad_out_t[r], dh[r], dc[r]
        for j in range(size):
            total = upstream[j] + dh_r[j]
            tc = tc_in[j]
            grad_c = dc_r[j] + total * o[j] * (ONE - tc * tc)
            di[j] = grad_c * g[j] * i[j] * (ONE - i[j])
            df[j] = grad_c * c_in[j] * f[j] * (ONE - f[j])
            dg[j] = grad_c * i[j] * (ONE - g[j] * g[j])
            do[j] = total * tc * o[j] * (ONE - o[j])
            dc_r[j] = grad_c * f[j]


@njit(cache=True, error_model="numpy", fastmath=FAST)
def gru_cell(gh, b_hh, gx_t, h_prev, rz, n_gate, gh_n, h):
    """One step: gh (N, 3H) = h W_hhᵀ; b_hh (3H,) (zeros without bias). Writes r, z =
    σ(gx + gh + b) into rz, gh_n = (gh + b)_n, n = tanh(gx_n + r·gh_n) and
    h' = (h - n)·z + n."""
    n_rows, three = gh.shape
    size = three // 3
    b_rz, b_n = b_hh[: 2 * size], b_hh[2 * size :]
    for row in range(n_rows):
        a_rz, a_n = gh[row, : 2 * size], gh[row, 2 * size :]
        x_rz, x_n = gx_t[row, : 2 * size], gx_t[row, 2 * size :]
        out_rz = rz[row]
        for k in range(2 * size):
            out_rz[k] = _sigmoid(x_rz[k] + a_rz[k] + b_rz[k])
        r, z = out_rz[:size], out_rz[size:]
        h_in, n_out, ghn_out, h_out = h_prev[row], n_gate[row], gh_n[row], h[row]
        for j in range(size):
            ghn = a_n[j] + b_n[j]
            n = _tanh(x_n[j] + r[j] * ghn)
            ghn_out[j], n_out[j] = ghn, n
            h_out[j] = (h_in[j] - n) * z[j] + n


@njit(cache=True, error_model="numpy", fastmath=FAST)
def gru_cell_backward(rz, n_gate, gh_n, h_prev, grad_out_t, dh, d_gx, d_gh):
    """One step back. With total = grad_out_t + dh:  dn = total·(1-z)·(1-n²),
    dz = total·(h - n)·z(1-z), dr = dn·gh_n·r(1-r); d_gx = (dr, dz, dn),
    d_gh = (dr, dz, dn·r); dh becomes total·z (the caller adds d_gh W_hh)."""
    n_rows, size = n_gate.shape
    for row in range(n_rows):
        r, z = rz[row, :size], rz[row, size:]
        dx_r, dx_z, dx_n = _three(d_gx[row], size)
        dg_r, dg_z, dg_n = _three(d_gh[row], size)
        n_in, ghn_in, h_in = n_gate[row], gh_n[row], h_prev[row]
        upstream, dh_r = grad_out_t[row], dh[row]
        for j in range(size):
            total = upstream[j] + dh_r[j]
            n = n_in[j]
            dn = total * (ONE - z[j]) * (ONE - n * n)
            dz = total * (h_in[j] - n) * z[j] * (ONE - z[j])
            dr = dn * ghn_in[j] * r[j] * (ONE - r[j])
            dx_r[j], dx_z[j], dx_n[j] = dr, dz, dn
            dg_r[j], dg_z[j], dg_n[j] = dr, dz, dn * r[j]
            dh_r[j] = total * z[j]
