"""L-BFGS: a quasi-Newton method that re-evaluates the loss through a closure.

Each `step(closure)` runs up to `max_iter` iterations. An iteration turns the gradient
into a search direction with the two-loop recursion over the last `history_size`
steps s and gradient changes y (an implicit inverse-Hessian estimate), then moves
along it: by a fixed step lr, or by a step that meets the strong Wolfe conditions
(sufficient decrease, and a flattened slope) found by bracketing and cubic
interpolation. The rules (first step size, history updates, stopping tests) are
PyTorch's, so trajectories agree with torch.optim.LBFGS.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..autograd.grad_mode import enable_grad, no_grad
from .optimizer import Optimizer


class LBFGS(Optimizer):
    """L-BFGS over all parameters as one vector (one parameter group only).

    Args:
        params: the parameters.
        lr: step length (the initial step of the line search if there is one).
        max_iter: iterations per `step`.
        max_eval: loss evaluations per `step` (default max_iter · 5/4).
        tolerance_grad: stop when the largest gradient entry is this small.
        tolerance_change: stop when the step or the loss changes less than this.
        history_size: how many (s, y) pairs to remember.
        line_search_fn: None, or "strong_wolfe".

    Example:
        >>> def closure():
        ...     opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); return loss
        >>> opt.step(closure)
    """

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9,
                 history_size: int = 100, line_search_fn: str | None = None) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"only 'strong_wolfe' is supported as line_search_fn, got "
                             f"{line_search_fn!r}")
        max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # -- the parameters as one flat vector ------------------------------------------------

    def _flat_grad(self) -> np.ndarray:
        return np.concatenate([np.zeros(p.numel(), p.dtype) if p.grad is None
                               else p.grad._data.reshape(-1) for p in self._params])

    def _move(self, step: float, direction: np.ndarray) -> None:
        """params ← params + step · direction."""
        offset = 0
        for p in self._params:
            n = p.numel()
            p._data += step * direction[offset : offset + n].reshape(p.shape)
            p._bump_version()
            offset += n

    def _set(self, values: list[np.ndarray]) -> None:
        for p, v in zip(self._params, values):
            np.copyto(p._data, v)
            p._bump_version()

    def _evaluate(self, closure: Callable) -> tuple[float, np.ndarray]:
        with enable_grad():
            loss = float(closure())
        return loss, self._flat_grad()

    def _evaluate_at(self, closure, start: list, step: float, direction) -> tuple:
        """The loss and gradient at start + step · direction; the parameters stay at start."""
        self._move(step, direction)
        result = self._evaluate(closure)
        self._set(start)
        return result

    # -- the iteration ----------------------------------------------------------------------

    def step(self, closure: Callable):  # type: ignore[override]
        """Run up to max_iter iterations; `closure` recomputes the loss and its gradients."""
        if closure is None:
            raise RuntimeError("LBFGS needs a closure that recomputes the loss, as in "
                               "opt.step(closure)")
        group = self.param_groups[0]
        lr, history = group["lr"], group["history_size"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state.setdefault(self._params[0], {"func_evals": 0, "n_iter": 0})
        with enable_grad():
            first_loss = closure()
        loss = float(first_loss)
        evaluations = 1
        state["func_evals"] += 1
        grad = self._flat_grad()
        if np.abs(grad).max() <= tolerance_grad:
            return first_loss
        direction, step = state.get("d"), state.get("t")
        old_dirs, old_steps, rho = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_grad = state.get("H_diag"), state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")

        with no_grad():
            iteration = 0
            while iteration < group["max_iter"]:
                iteration += 1
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    direction = -grad
                    old_dirs, old_steps, rho, h_diag = [], [], [], 1
                else:
                    y = grad - prev_grad
                    s = direction * step
                    ys = y.dot(s)
                    if ys > 1e-10:  # keep the pair only if it keeps the estimate positive
                        if len(old_dirs) == history:
                            old_dirs.pop(0), old_steps.pop(0), rho.pop(0)
                        old_dirs.append(y), old_steps.append(s), rho.append(1.0 / ys)
                        h_diag = ys / y.dot(y)
                    direction = _two_loop(-grad, old_dirs, old_steps, rho, h_diag)
                prev_grad = grad.copy()
                prev_loss = loss
                step = min(1.0, 1.0 / np.abs(grad).sum()) * lr if state["n_iter"] == 1 else lr
                slope = grad.dot(direction)
                if slope > -tolerance_change:
                    break
                used = 0
                if group["line_search_fn"] == "strong_wolfe":
                    start = [p._data.copy() for p in self._params]
                    loss, grad, step, used = _strong_wolfe(
                        lambda t, start=start, d=direction: self._evaluate_at(closure, start, t, d),
                        step, direction, loss, grad, slope, tolerance_change)
                    self._move(step, direction)
                    converged = np.abs(grad).max() <= tolerance_grad
                else:
                    self._move(step, direction)
                    converged = False
                    if iteration != group["max_iter"]:
                        loss, grad = self._evaluate(closure)
                        converged = np.abs(grad).max() <= tolerance_grad
                        used = 1
                evaluations += used
                state["func_evals"] += used
                if (iteration == group["max_iter"] or evaluations >= group["max_eval"]
                        or converged or np.abs(direction * step).max() <= tolerance_change
                        or abs(loss - prev_loss) < tolerance_change):
                    break
        state.update(d=direction, t=step, old_dirs=old_dirs, old_stps=old_steps, ro=rho,
                     H_diag=h_diag, prev_flat_grad=prev_grad, prev_loss=prev_loss)
        return first_loss


def _two_loop(q: np.ndarray, dirs: list, steps: list, rho: list, h_diag) -> np.ndarray:
    """H·q for the L-BFGS inverse-Hessian estimate H built from the (s, y) pairs."""
    alpha = [0.0] * len(dirs)
    for i in range(len(dirs) - 1, -1, -1):
        alpha[i] = steps[i].dot(q) * rho[i]
        q = q - alpha[i] * dirs[i]
    r = q * h_diag
    for i in range(len(dirs)):
        beta = dirs[i].dot(r) * rho[i]
        r = r + (alpha[i] - beta) * steps[i]
    return r


def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None) -> float:
    """The minimiser of the cubic through (x1, f1, slope g1) and (x2, f2, g2), in bounds."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        position = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        position = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(position, low), high)


def _strong_wolfe(evaluate, t, d, f, g, gtd, tolerance_change, c1=1e-4, c2=0.9, max_ls=25):
    """A step t along d with f(t) ≤ f + c1·t·gtd and |f'(t)| ≤ c2·|gtd|: first bracket such
    a step (growing t by cubic extrapolation), then zoom into the bracket."""
    d_norm = np.abs(d).max()
    f_new, g_new = evaluate(t)
    evaluations, ls_iter = 1, 0
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    while ls_iter < max_ls:
        rising = f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev)
        if not rising and abs(gtd_new) <= -c2 * gtd:  # both conditions hold: accept t
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if rising or gtd_new >= 0:  # a minimum lies between t_prev and t
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        t, t_prev = _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                   bounds=(t + 0.01 * (t - t_prev), t * 10)), t
        f_prev, g_prev, gtd_prev = f_new, g_new.copy(), gtd_new
        f_new, g_new = evaluate(t)
        evaluations += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g, bracket_gtd = [0, t], [f, f_new], [g, g_new], [gtd, gtd_new]

    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1],
                           bracket_gtd[1])
        # keep t away from the bracket's ends, or the bracket stops shrinking
        margin = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < margin:
            if insufficient_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - margin if abs(t - max(bracket)) < abs(t - min(bracket)) \
                    else min(bracket) + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(t)
        evaluations += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new.copy(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evaluations
