"""PyTorch as the test oracle: run the same computation in both and compare.

`import torch` is at the top on purpose: when torch is missing, every oracle test
fails with ModuleNotFoundError instead of being skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

import chainrule as cr
from chainrule.autograd import gradcheck, gradgradcheck

RTOL, ATOL = 1e-6, 1e-9


def random_array(shape, domain: str = "real", seed: int = 0) -> np.ndarray:
    """float64 test values; domains keep them away from kinks, poles and ties."""
    rng = np.random.default_rng(seed)
    if domain == "real":
        return rng.standard_normal(shape)
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "nonzero":  # away from the kink of abs/relu at 0
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 1.2, shape)
    if domain == "distinct":  # no ties, for max/min
        n = int(np.prod(shape))
        return (rng.permutation(n).reshape(shape) + rng.uniform(0.1, 0.5, shape)) / max(n, 1)
    if domain == "unit":  # inside (-1, 1)
        return rng.uniform(-0.9, 0.9, shape)
    raise ValueError(domain)


def to_torch(a: np.ndarray, requires_grad: bool = True) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad)


def to_cr(a: np.ndarray, requires_grad: bool = True) -> cr.Tensor:
    return cr.tensor(a, dtype=cr.float64, requires_grad=requires_grad)


def assert_close(actual, expected, rtol=RTOL, atol=ATOL, what="value") -> None:
    actual = actual.detach().numpy() if isinstance(actual, (cr.Tensor, torch.Tensor)) else actual
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else expected
    assert np.shape(actual) == np.shape(expected), (
        f"{what}: shape {np.shape(actual)} != torch's {np.shape(expected)}"
    )
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def _outputs(result) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def check_forward_backward(cr_fn: Callable, torch_fn: Callable, arrays: Sequence[np.ndarray],
                           rtol=RTOL, atol=ATOL, seed: int = 1) -> None:
    """Same values, same input gradients for a random upstream gradient."""
    xs = [to_cr(a) for a in arrays]
    ts = [to_torch(a) for a in arrays]
    outs, touts = _outputs(cr_fn(*xs)), _outputs(torch_fn(*ts))
    assert len(outs) == len(touts)
    rng = np.random.default_rng(seed)
    for o, t in zip(outs, touts):
        assert_close(o, t, rtol, atol, "forward")
    pairs = [(o, t) for o, t in zip(outs, touts) if t.requires_grad]
    if not pairs or not any(a.size for a in arrays):
        return
    vs = [rng.standard_normal(t.shape) for _, t in pairs]
    got = cr.autograd.grad([o for o, _ in pairs], xs, [cr.tensor(v) for v in vs],
                           allow_unused=True)
    want = torch.autograd.grad([t for _, t in pairs], ts, [torch.tensor(v) for v in vs],
                               allow_unused=True)
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None:
            assert g is None or not np.any(g.numpy()), f"input {i}: torch has no gradient"
            continue
        assert g is not None, f"input {i}: chainrule gave no gradient, torch did"
        assert_close(g, w, rtol, atol, f"gradient of input {i}")


def check_hvp(cr_fn: Callable, torch_fn: Callable, arrays: Sequence[np.ndarray],
              rtol=RTOL, atol=ATOL, seed: int = 2) -> None:
    """Second order: the Hessian-vector product uᵀ∇(vᵀ∇f) matches torch's."""
    rng = np.random.default_rng(seed)
    xs, ts = [to_cr(a) for a in arrays], [to_torch(a) for a in arrays]
    out, tout = _outputs(cr_fn(*xs))[0], _outputs(torch_fn(*ts))[0]
    v = rng.standard_normal(tout.shape)
    us = [rng.standard_normal(a.shape) for a in arrays]

    gs = cr.autograd.grad(out, xs, cr.tensor(v), create_graph=True, allow_unused=True)
    s = sum((g * cr.tensor(u)).sum() for g, u in zip(gs, us) if g is not None)
    tgs = torch.autograd.grad(tout, ts, torch.tensor(v), create_graph=True, allow_unused=True)
    ts_sum = sum((g * torch.tensor(u)).sum() for g, u in zip(tgs, us) if g is not None)
    if not isinstance(ts_sum, torch.Tensor) or not ts_sum.requires_grad:
        return  # linear in every input: the Hessian is zero
    want = torch.autograd.grad(ts_sum, ts, allow_unused=True)
    got = cr.autograd.grad(s, xs, allow_unused=True) if s.requires_grad else [None] * len(xs)
    for i, (g, w) in enumerate(zip(got, want)):
        w = np.zeros(arrays[i].shape) if w is None else w.numpy(force=True)
        g = np.zeros(arrays[i].shape) if g is None else g.numpy()
        assert_close(g, w, rtol, atol, f"Hessian-vector product, input {i}")


def check_op(cr_fn: Callable, torch_fn: Callable, arrays: Sequence[np.ndarray], *,
             gradgrad: bool = False, rtol=RTOL, atol=ATOL) -> None:
    """The whole check for one op on one set of inputs: torch, gradcheck, second order."""
    check_forward_backward(cr_fn, torch_fn, arrays, rtol, atol)
    xs = [to_cr(a) for a in arrays]
    small = sum(a.size for a in arrays) <= 40
    assert gradcheck(cr_fn, xs, fast_mode=not small)
    if gradgrad:
        assert gradgradcheck(cr_fn, xs, fast_mode=not small)
        check_hvp(cr_fn, torch_fn, arrays, rtol, atol)


def _flat(result) -> list:
    """Tensors of a nested output (e.g. LSTM's (output, (h_n, c_n))), in order."""
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in _flat(r)]
    return [] if result is None else [result]


def check_module_against_torch(cr_module, torch_module, arrays, rtol=RTOL, atol=ATOL,
                               seed: int = 3, kwargs: dict | None = None) -> None:
    """Load chainrule's state_dict into the torch module, then compare outputs and all grads.

    `arrays` are the float inputs (all take gradients); `kwargs` are extra keyword
    arguments given to both modules as they are (masks, flags). Nested outputs are
    compared tensor by tensor.
    """
    state = {k: torch.tensor(v.numpy()) for k, v in cr_module.state_dict().items()}
    assert list(state) == list(torch_module.state_dict()), "state_dict keys differ from torch's"
    torch_module.double().load_state_dict(state)
    xs = [to_cr(a) for a in arrays]
    ts = [to_torch(a) for a in arrays]
    kwargs = kwargs or {}
    outs = _flat(cr_module(*xs, **{k: v[0] for k, v in kwargs.items()}))
    touts = _flat(torch_module(*ts, **{k: v[1] for k, v in kwargs.items()}))
    assert len(outs) == len(touts), f"{len(outs)} outputs, torch has {len(touts)}"
    rng = np.random.default_rng(seed)
    total, ttotal = 0, 0
    for i, (out, tout) in enumerate(zip(outs, touts)):
        assert_close(out, tout, rtol, atol, f"module output {i}")
        if tout.requires_grad:
            v = rng.standard_normal(tout.shape)
            total = total + (out * cr.tensor(v)).sum()
            ttotal = ttotal + (tout * torch.tensor(v)).sum()
    total.backward()
    ttotal.backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        assert_close(x.grad, t.grad, rtol, atol, f"gradient of input {i}")
    tparams = dict(torch_module.named_parameters())
    for name, p in cr_module.named_parameters():
        assert_close(p.grad, tparams[name].grad, rtol, atol, f"gradient of {name}")
