"""`GradientTape`: TensorFlow's way to ask for gradients, on chainrule's engine.

chainrule records every op on tensors that require grad, so the tape records
nothing itself: `watch` makes a tensor require grad, and `gradient` runs the engine's
`autograd.grad`. A tape used inside another tape's block records its own backward
pass (create_graph), so the outer tape can differentiate the inner gradient: second
derivatives, as TensorFlow's nested tapes give them.

    with chainrule.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
"""

from __future__ import annotations

import threading
import warnings

import numpy as np

from .autograd.engine import grad as autograd_grad
from .tensor import Tensor


class _Tapes(threading.local):
    open: list


_tapes = _Tapes()


class GradientTape:
    """Context manager that hands out gradients of what was computed inside it.

    Args:
        persistent: allow several `gradient` calls (the graph is kept until the tape
            is deleted).
        watch_accessed_variables: accepted for compatibility; trainable variables
            (parameters) are always watched.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = persistent
        self.used = False

    def __enter__(self) -> GradientTape:
        if not hasattr(_tapes, "open"):
            _tapes.open = []
        _tapes.open.append(self)
        return self

    def __exit__(self, *exc) -> None:
        _tapes.open.remove(self)

    def watch(self, tensor) -> None:
        """Record the ops on `tensor` (a tensor or a list of them): it will take gradients."""
        for t in tensor if isinstance(tensor, (list, tuple)) else [tensor]:
            if t.grad_fn is None and not t.requires_grad:
                t.requires_grad_(True)

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients: str = "none"):
        """d(target)/d(source) for each source, in the structure of `sources`.

        A source the target does not depend on gets None and a warning that names it,
        or zeros with unconnected_gradients='zero'.
        """
        if self.used and not self.persistent:
            raise RuntimeError("GradientTape.gradient can only be called once on a "
                               "non-persistent tape; create it with persistent=True")
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"unconnected_gradients must be 'none' or 'zero', got "
                             f"{unconnected_gradients!r}")
        self.used = True
        single = isinstance(sources, Tensor)
        flat = [sources] if single else list(sources)
        targets = target if isinstance(target, (list, tuple)) else [target]
        seeds = None if output_gradients is None else (
            output_gradients if isinstance(output_gradients, (list, tuple))
            else [output_gradients])
        # inside an outer tape's block: record this backward so it can be differentiated
        outer = any(t is not self for t in getattr(_tapes, "open", []))
        wanted = [s for s in flat if s.requires_grad]
        found = autograd_grad(targets, wanted, seeds, retain_graph=self.persistent or outer,
                              create_graph=outer, allow_unused=True) if wanted else []
        by_id = dict(zip(map(id, wanted), found))
        result = []
        for k, source in enumerate(flat):
            g = by_id.get(id(source))
            if g is None:
                if unconnected_gradients == "zero":
                    g = Tensor._wrap(np.zeros(source.shape, source.dtype))
                else:
                    warnings.warn(
                        f"GradientTape.gradient: source {k} (shape {tuple(source.shape)}) is "
                        f"not connected to the target, so its gradient is None; check that it "
                        f"is used in the computation, or pass unconnected_gradients='zero'",
                        UserWarning, stacklevel=2)
            result.append(g)
        return result[0] if single else result
