"""The create_graph path of fused ops: differentiate their composed reference, recorded.

A fused op (a recurrence, a conv block) computes its gradients with handwritten loops
that are exact to first order. When backward is recorded for gradients of gradients,
it instead runs the op's `reference` (the same computation composed from chainrule's
ops) on its inputs and differentiates that, so every order stays exact.
"""

from __future__ import annotations

from ..autograd.engine import grad as autograd_grad
from ..autograd.tensor_base import TensorBase


def differentiate_reference(ctx, grads: tuple) -> tuple:
    """Gradients of type(ctx).reference(*ctx.inputs) against `grads` (None for an
    output that got none), recorded: one per input, None where none is needed."""
    inputs = ctx.inputs
    wanted = [k for k, t in enumerate(inputs) if isinstance(t, TensorBase) and t.requires_grad]
    outputs = type(ctx).reference(*inputs)
    pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None]
    found = autograd_grad([o for o, _ in pairs], [inputs[k] for k in wanted],
                          [g for _, g in pairs], create_graph=True, allow_unused=True)
    result = [None] * len(inputs)
    for k, g in zip(wanted, found):
        result[k] = g
    return tuple(result)
