"""Anomaly mode: find the first op whose value or gradient became NaN or Inf, and say why.

`detect_anomaly()` installs a watcher (NOTE [ The watch point ]) that checks every op's
outputs after its forward and every node's input gradients after its backward. The
first non-finite value raises an `AnomalyError` naming the op, its module path, the
file and line of the user's code that created it, its inputs' shapes and value ranges,
and the likely cause with its usual fix. It also warns about one silent trap: a tensor
kept across training steps so that each step's graph hangs on the previous one.
"""

from __future__ import annotations

import warnings

import numpy as np

from .grad_mode import _mode
from .watch import Watcher, watch

# the largest x whose exp(x) is finite, per dtype
_EXP_LIMIT = {np.dtype(np.float32): 88.72, np.dtype(np.float64): 709.78}


class AnomalyError(RuntimeError):
    """A NaN or Inf appeared; `op`, `origin` and `cause` say where and why."""

    def __init__(self, message: str, op: str, origin, cause: str) -> None:
        super().__init__(message)
        self.op, self.origin, self.cause = op, origin, cause


class GraphGrowthWarning(UserWarning):
    """A graph built in one training step is kept alive into the next ones."""


def _non_finite(array, check_inf: bool) -> int:
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "fc":
        return 0
    bad = ~np.isfinite(array) if check_inf else np.isnan(array)
    return int(np.count_nonzero(bad))


def _describe(value) -> str:
    """Shape and value range of a tensor or number, for the error message."""
    array = getattr(value, "_data", value)
    if not isinstance(array, np.ndarray):
        return repr(value)
    if array.size == 0 or array.dtype.kind not in "iufcb":
        return f"shape {tuple(array.shape)}"
    finite = array[np.isfinite(array)] if array.dtype.kind in "fc" else array
    span = f"values in [{finite.min():.4g}, {finite.max():.4g}]" if finite.size else \
        "no finite values"
    nan, inf = (int(np.isnan(array).sum()), int(np.isinf(array).sum())) \
        if array.dtype.kind in "fc" else (0, 0)
    extra = (f", {nan} NaN" if nan else "") + (f", {inf} Inf" if inf else "")
    return f"shape {tuple(array.shape)} {array.dtype}, {span}{extra}"


def likely_cause(op: str, inputs: tuple, in_backward: bool, forward_was_finite: bool) -> str:
    """The usual pattern behind a non-finite value in `op`, with its fix."""
    arrays = [getattr(a, "_data", a) for a in inputs]
    x = arrays[0] if arrays and isinstance(arrays[0], np.ndarray) else None
    if in_backward and not forward_was_finite:
        return ("a NaN gradient leaking from the unused branch of `where`: this op's forward "
                "value was already infinite or NaN at some positions that a later `where` "
                "(or mask) dropped, and its gradient there is 0 × inf = NaN. Make the input "
                "safe before the op, e.g. `safe = where(mask, x, 1.0)` and then "
                "`where(mask, log(safe), 0.0)`")
    if x is not None and op in ("Log", "Log1p"):
        edge = -1.0 if op == "Log1p" else 0.0
        if (x < edge).any():
            return f"{op.lower()} of a negative number: clamp or check the input first"
        if (x == edge).any():
            return (f"{op.lower()} of {edge:g}: add a small epsilon (log(x + 1e-8)) or use a "
                    f"fused, stable form (log_softmax, cross_entropy, "
                    f"binary_cross_entropy_with_logits)")
    if x is not None and op in ("Sqrt", "Rsqrt"):
        if (x < 0).any():
            return "sqrt of a negative number: clamp the input to be non-negative"
        if (x == 0).any():
            return ("sqrt at 0 has an infinite derivative: use sqrt(x + eps), e.g. for a "
                    "norm sqrt(sum(x²) + 1e-12)")
    if x is not None and op == "Exp" and x.dtype in _EXP_LIMIT and \
            (x > _EXP_LIMIT[x.dtype]).any():
        return (f"exp overflow: inputs reach {np.nanmax(x):.4g}, above "
                f"{_EXP_LIMIT[x.dtype]} where exp({x.dtype}) is infinite; subtract the "
                f"maximum first (logsumexp, softmax, log_softmax do) or clamp")
    if op == "Div" and len(arrays) == 2:
        numerator, denominator = (np.asarray(a) for a in arrays)
        zero = denominator == 0
        if (zero & (numerator == 0)).any():
            return "0/0: a zero divided by zero; add an epsilon to the denominator"
        if zero.any():
            return "division by zero: add an epsilon to the denominator or mask it"
    if op == "Pow" and x is not None and (x < 0).any():
        return "a negative base raised to a fractional power: use abs() or clamp first"
    if any(_non_finite(a, True) for a in arrays):
        return ("an input already held NaN or Inf: it came from the data or from code run "
                "outside this detect_anomaly block")
    return "values grew too large (overflow): lower the learning rate or clip gradients"


class AnomalyWatcher(Watcher):
    """Checks every forward output and backward gradient for NaN (and Inf)."""

    record_location = True

    def __init__(self, check_nan: bool = True, check_inf: bool = True) -> None:
        self.check_nan, self.check_inf = check_nan, check_inf
        self.warned_lines: set = set()

    def forward(self, node, inputs, outputs) -> None:
        node.created_at_pass = _mode.backward_passes
        if _mode.in_backward == 0:
            self._check_growth(node, inputs)
        if not self.check_nan:
            return
        bad = sum(_non_finite(o._data, True) for o in outputs)  # one pass when all is well
        node.forward_was_finite = bad == 0
        if bad and not self.check_inf:  # only NaN counts: a later `where` may drop an Inf
            bad = sum(_non_finite(o._data, False) for o in outputs)
        if bad:
            self._raise(node, inputs, "forward", bad, outputs[0]._data.size)

    def backward(self, node, grad_outputs, grad_inputs) -> None:
        if not self.check_nan:
            return
        for k, g in enumerate(grad_inputs):
            array = getattr(g, "_data", g)
            bad = _non_finite(array, self.check_inf)
            if bad:
                incoming = sum(_non_finite(getattr(o, "_data", o), self.check_inf)
                               for o in grad_outputs if o is not None)
                if incoming:
                    return  # not the first: its incoming gradient was already bad
                self._raise(node, node.inputs if node.inputs else (), "backward", bad,
                            array.size, input_index=k)

    def _raise(self, node, inputs, phase: str, bad: int, size: int,
               input_index: int | None = None) -> None:
        origin = node.origin
        name = node.name
        cause = likely_cause(name, tuple(inputs), phase == "backward",
                             getattr(node, "forward_was_finite", True))
        where = f" in module {origin.module_path}" if origin and origin.module_path else ""
        line = f"\n  created at {origin.filename}:{origin.lineno}" \
            if origin and origin.filename else ""
        what = (f"the gradient for input {input_index} of {name}'s backward"
                if phase == "backward" else f"the output of {name}")
        described = "\n".join(f"  input {k}: {_describe(a)}" for k, a in enumerate(inputs))
        raise AnomalyError(
            f"anomaly detected: {what}{where} has {bad} non-finite values of {size} "
            f"(NaN{' or Inf' if self.check_inf else ''}){line}\n{described}\n"
            f"  likely cause: {cause}", name, origin, cause)

    def _check_growth(self, node, inputs) -> None:
        """Warn when an op combines a value from an earlier training step (a graph that has
        been backpropagated already) with a new one at the same line of code, the signature
        of `total_loss += loss`: every step's graph then stays alive."""
        origin = node.origin
        if origin is None or origin.filename is None:
            return
        for a in inputs:
            parent = getattr(a, "grad_fn", None)
            if parent is None or getattr(parent, "created_at_pass", _mode.backward_passes) \
                    >= _mode.backward_passes:
                continue
            parent_origin = parent.origin
            key = (origin.filename, origin.lineno)
            if parent_origin is not None and (parent_origin.filename,
                                              parent_origin.lineno) == key \
                    and key not in self.warned_lines:
                self.warned_lines.add(key)
                warnings.warn_explicit(
                    f"{origin.filename}:{origin.lineno}: this {node.name} combines a tensor "
                    f"that requires grad from an earlier training step with a new one, so "
                    f"every step's graph stays in memory and the graph keeps growing (the "
                    f"`total_loss += loss` mistake). Accumulate a number instead "
                    f"(`total_loss += loss.item()`) or detach the kept tensor "
                    f"(`hidden = hidden.detach()`).", GraphGrowthWarning, origin.filename,
                    origin.lineno)


class detect_anomaly(watch):
    """Context manager: raise at the first NaN (or Inf) in any forward value or gradient.

    Args:
        check_nan: check for non-finite values (PyTorch's name; False checks nothing).
        check_inf: also treat ±Inf as an anomaly (else only NaN).

    Example:
        >>> with autograd.detect_anomaly():
        ...     loss = model(x).log().mean()
        ...     loss.backward()          # raises AnomalyError naming the op and the line
    """

    def __init__(self, check_nan: bool = True, check_inf: bool = True) -> None:
        super().__init__(AnomalyWatcher(check_nan, check_inf))
