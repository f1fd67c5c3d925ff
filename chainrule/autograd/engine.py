"""The backward pass: walk the graph from the outputs back to the leaves.

NOTE [ Iterative topological order ]
A recursive depth-first sort (micrograd's) overflows Python's stack at about a
thousand nodes, and recurrent networks unrolled over long sequences build far deeper
graphs. Here the graph is walked twice with an explicit stack:

1. count, for every node, how many consumers inside this graph send it a gradient;
2. run a node's backward only when all those gradients have arrived (Kahn's
   algorithm). The ready list is a stack, so the walk goes depth-first and frees
   saved values early.

Gradients arriving at the same node or leaf are summed in a buffer; a leaf's hooks
see the summed gradient, then it is added to `leaf.grad` (accumulation across
backward calls, as in PyTorch).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..tensor import Tensor
from .function import RELEASED_GRAPH_MESSAGE, Function
from .grad_mode import set_grad_enabled


def _edges(node: Function):
    """(input index, target) for each input that takes a gradient: a node or a leaf."""
    inputs = node.inputs
    if inputs is None:
        raise RuntimeError(RELEASED_GRAPH_MESSAGE)
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t._requires_grad:
            yield i, (t.grad_fn or t), t


def _count_consumers(roots: list[Function]) -> dict:
    consumers: dict[Function, int] = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for _, target, _ in _edges(node):
            if isinstance(target, Function):
                consumers[target] = consumers.get(target, 0) + 1
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
    return consumers


def _run_hooks(hooks, grad, recording: bool):
    for hook in hooks:
        result = hook(grad if recording else Tensor._wrap(grad))
        if result is not None:
            grad = result if recording else (result.data if isinstance(result, Tensor) else result)
    return grad


def _as_gradient_array(grad, like: Tensor, create_graph: bool):
    if isinstance(grad, Tensor):
        return grad if create_graph else grad.data
    grad = np.asarray(grad, dtype=like.dtype)
    return Tensor._wrap(grad) if create_graph else grad


def run_backward(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence,
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
) -> list | None:
    """Backpropagate from `outputs`; accumulate into leaves, or return grads of `inputs`."""
    buffers: dict = {}
    roots = []
    for out, g in zip(outputs, grad_outputs):
        key = out.grad_fn or out
        buffers[key] = buffers[key] + g if key in buffers else g
        if out.grad_fn is not None:
            roots.append(out.grad_fn)

    capture = None
    if inputs is not None:
        capture = {t.grad_fn: None for t in inputs if t.grad_fn is not None}

    consumers = _count_consumers(roots)
    ready = [n for n in dict.fromkeys(roots) if consumers.get(n, 0) == 0]
    with set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            grad = buffers.pop(node)
            if node.tensor_hooks:
                grad = _run_hooks(node.tensor_hooks, grad, create_graph)
            if capture is not None and node in capture:
                capture[node] = grad
            node.recording = create_graph
            grads = node.backward(node, grad)
            node.recording = False
            if not isinstance(grads, tuple):
                grads = (grads,)
            for i, target, t in _edges(node):
                g = grads[i] if i < len(grads) else None
                if g is None:
                    continue
                if g.shape != t.shape:
                    raise RuntimeError(
                        f"{node.name}.backward returned a gradient of shape {tuple(g.shape)} "
                        f"for input {i}, whose shape is {t.shape}"
                    )
                if g.dtype != t.dtype:
                    g = g.to(t.dtype) if isinstance(g, Tensor) else g.astype(t.dtype)
                buffers[target] = buffers[target] + g if target in buffers else g
                if isinstance(target, Function):
                    consumers[target] -= 1
                    if consumers[target] == 0:
                        ready.append(target)
            if not retain_graph:
                node.release()

    if inputs is not None:
        return [
            buffers.get(t) if t.grad_fn is None else capture.get(t.grad_fn) for t in inputs
        ]
    for leaf, grad in buffers.items():
        if isinstance(leaf, Tensor):
            _accumulate(leaf, grad, create_graph)
    return None


def _accumulate(leaf: Tensor, grad, create_graph: bool) -> None:
    if leaf._hooks:
        grad = _run_hooks(leaf._hooks, grad, create_graph)
    if create_graph:
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
    elif leaf.grad is None:
        # A copy: the engine's arrays may alias each other or the caller's seed.
        leaf.grad = Tensor._wrap(np.array(grad, dtype=leaf.dtype, copy=True))
    elif leaf.grad.grad_fn is not None:
        leaf.grad = Tensor._wrap(leaf.grad.data + grad)
    else:
        leaf.grad.data += grad


def _seed_gradients(outputs, grad_outputs, create_graph: bool, who: str) -> list:
    seeds = []
    for k, out in enumerate(outputs):
        if not out._requires_grad:
            raise RuntimeError(
                f"element {k} of tensors does not require grad and does not have a grad_fn: "
                f"{who} needs an output computed from a tensor with requires_grad=True"
            )
        g = grad_outputs[k] if grad_outputs is not None else None
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but the output "
                    f"has shape {out.shape}. Pass gradient= (a tensor of that shape), or "
                    f"reduce the output first, e.g. loss.sum().backward()"
                )
            g = np.ones(out.shape, dtype=out.dtype)
        elif tuple(np.shape(g.data if isinstance(g, Tensor) else g)) != out.shape:
            raise RuntimeError(
                f"gradient has shape {tuple(np.shape(g))} but the output has shape {out.shape}; "
                f"they must match"
            )
        seeds.append(_as_gradient_array(g, out, create_graph))
    return seeds


def backward(
    tensors,
    grad_tensors=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate d(tensors)/d(leaf) into every leaf's `.grad`; see `Tensor.backward`."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if isinstance(grad_tensors, (Tensor, np.ndarray)):
        grad_tensors = [grad_tensors]
    seeds = _seed_gradients(tensors, grad_tensors, create_graph, "backward()")
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, seeds, retain_graph, create_graph)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """Gradients of `outputs` with respect to `inputs`, returned instead of accumulated.

    Args:
        outputs: tensor or sequence of tensors to differentiate.
        inputs: tensor or sequence of tensors to differentiate with respect to.
        grad_outputs: the vector in the vector-Jacobian product; ones for scalars.
        retain_graph: keep the graph for another backward (default: create_graph).
        create_graph: record the backward pass, for gradients of higher order.
        allow_unused: return None for an input the outputs do not depend on
            instead of raising.

    Returns:
        A tuple with one gradient per input.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    for k, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise RuntimeError(
                f"input {k} of autograd.grad does not require grad; differentiate only with "
                f"respect to tensors created with requires_grad=True or computed from them"
            )
    if isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs]
    seeds = _seed_gradients(outputs, grad_outputs, create_graph, "autograd.grad()")
    if retain_graph is None:
        retain_graph = create_graph
    found = run_backward(outputs, seeds, retain_graph, create_graph, inputs=inputs)
    result = []
    for k, (t, g) in enumerate(zip(inputs, found)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"input {k} (shape {t.shape}) was not used to compute the outputs; pass "
                    f"allow_unused=True to get None for it"
                )
            result.append(None)
        else:
            result.append(g if isinstance(g, Tensor) else Tensor._wrap(g))
    return tuple(result)
