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
backward calls, as in PyTorch). A node with several outputs has one buffer slot per
output (NOTE [ Ops with several outputs ] in function.py).

Every node's backward is reported to the watchers of `autograd.watch`, if any
(NOTE [ The watch point ] in watch.py).

NOTE [ Leaf gradients without a copy ]
A leaf's first gradient becomes its `.grad`, which later backward calls add to in
place. So it must be an array nobody else holds: a backward may pass its incoming
gradient straight through (Add does), and that may be the caller's own `gradient=`
tensor. The engine therefore copies it, unless it knows the array is new: a sum it
made itself, or what a node whose class sets `fresh_gradients` returned (Linear's and
Conv2d's weight gradients, which are the large ones). Not while hooks or watchers
are on: they are handed the array and may keep it. In an MLP step the copies took
about 5% of the time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .function import RELEASED_GRAPH_MESSAGE, Function
from .grad_mode import _mode
from .tensor_base import TensorBase as Tensor


def _collect_edges(roots: list[Function]) -> tuple[dict, dict]:
    """One walk over the graph: each node's edges, and how many consumers each node has.

    An edge is (input index, target, input tensor); the target is the input's node,
    or the input itself when it is a leaf.
    """
    edges: dict[Function, list] = {}
    consumers: dict[Function, int] = {}
    stack = list(dict.fromkeys(roots))
    for node in stack:
        edges[node] = None  # mark as seen
    while stack:
        node = stack.pop()
        inputs = node.inputs
        if inputs is None:
            raise RuntimeError(RELEASED_GRAPH_MESSAGE)
        out = []
        for i, t in enumerate(inputs):
            if isinstance(t, Tensor) and t._requires_grad:
                target = t.grad_fn
                if target is None:  # a leaf: counted too, to accumulate it once complete
                    out.append((i, t, t))
                    consumers[t] = consumers.get(t, 0) + 1
                    continue
                out.append((i, target, t))
                consumers[target] = consumers.get(target, 0) + 1
                if target not in edges:
                    edges[target] = None
                    stack.append(target)
        edges[node] = out
    return edges, consumers


def _prune_to_inputs(edges: dict, inputs: Sequence[Tensor]) -> tuple[dict, dict]:
    """Keep only the nodes from which some input can be reached, and recount consumers.

    autograd.grad needs nothing from the rest of the graph; skipping it matters for a
    gradient penalty on the input of a deep model, which would otherwise run backward
    through every layer's weights.
    """
    wanted = {t.grad_fn or t for t in inputs}
    consumers_of: dict = {}
    for node, out in edges.items():
        for _, target, _ in out:
            consumers_of.setdefault(target, []).append(node)
    needed, stack = set(), [w for w in wanted if w in consumers_of or w in edges]
    while stack:
        item = stack.pop()
        if item in needed:
            continue
        needed.add(item)
        stack.extend(consumers_of.get(item, ()))
    pruned = {node: [e for e in out if e[1] in needed]
              for node, out in edges.items() if node in needed}
    consumers: dict = {}
    for out in pruned.values():
        for _, target, _ in out:
            consumers[target] = consumers.get(target, 0) + 1
    return pruned, consumers


def _run_hooks(hooks: dict, output_nr: int, grad, recording: bool):
    """Apply the hooks registered on output `output_nr`; a hook may return a new gradient."""
    for k, hook in list(hooks.values()):
        if k != output_nr:
            continue
        result = hook(grad if recording else Tensor._wrap(grad))
        if result is not None:
            grad = result if recording else (result._data if isinstance(result, Tensor) else result)
    return grad


def _deposit(buffers: dict, target, t: Tensor, g) -> None:
    """Add gradient `g` of tensor `t` to the buffer of `target` (t's node, or t itself)."""
    if target is t or target.n_outputs == 1:
        held = buffers.get(target)
        buffers[target] = g if held is None else held + g
        return
    slots = buffers.get(target)
    if slots is None:
        slots = buffers[target] = [None] * target.n_outputs
    k = t._output_nr
    slots[k] = g if slots[k] is None else slots[k] + g


def _gradient_per_output(node: Function, slots: list, recording: bool) -> tuple:
    """A multi-output node's backward arguments: zeros for a differentiable output that
    got no gradient, None for a non-differentiable one; hooks applied per output."""
    grads = []
    for k, (shape, dtype, differentiable) in enumerate(node.output_meta):
        g = slots[k]
        if not differentiable:
            g = None
        elif g is None:
            g = np.zeros(shape, dtype)
            g = Tensor._wrap(g) if recording else g
        elif node.tensor_hooks:
            g = _run_hooks(node.tensor_hooks, k, g, recording)
        grads.append(g)
    return tuple(grads)


def _as_gradient_array(grad, like: Tensor, create_graph: bool):
    if isinstance(grad, Tensor):
        return grad if create_graph else grad._data
    grad = np.asarray(grad, dtype=like.dtype)
    return Tensor._wrap(grad) if create_graph else grad


def _check_gradient(node: Function, i: int, g, t: Tensor):
    data = t._data
    if g.shape != data.shape:
        raise RuntimeError(
            f"{node.name}.backward returned a gradient of shape {tuple(g.shape)} "
            f"for input {i}, whose shape is {data.shape}"
        )
    if g.dtype != data.dtype:
        g = g.to(data.dtype) if isinstance(g, Tensor) else g.astype(data.dtype)
    return g


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
        node = out.grad_fn
        _deposit(buffers, out if node is None else node, out, g)
        if node is not None:
            roots.append(node)

    capture = None  # the gradients reaching the nodes of non-leaf `inputs`
    if inputs is not None:
        capture = {t.grad_fn: None for t in inputs if t.grad_fn is not None}

    edges, consumers = _collect_edges(roots)
    if inputs is not None:
        edges, consumers = _prune_to_inputs(edges, inputs)
    ready = [n for n in dict.fromkeys(roots) if n in edges and n not in consumers]
    watchers = _mode.watchers
    # The common case (a plain backward, nothing captured) takes the short branch below.
    plain = not create_graph and capture is None
    previous_mode = _mode.enabled
    _mode.enabled = create_graph
    _mode.in_backward += 1
    try:
        while ready:
            node = ready.pop()
            grad = buffers.pop(node)
            if node.n_outputs == 1:
                if node.tensor_hooks:
                    grad = _run_hooks(node.tensor_hooks, 0, grad, create_graph)
                if plain:
                    grads = node.backward(node, grad)
                else:
                    if capture is not None and node in capture:
                        capture[node] = (grad,)
                    node.recording = create_graph
                    grads = node.backward(node, grad)
                    node.recording = False
            else:
                if capture is not None and node in capture:
                    capture[node] = tuple(grad)
                grad = _gradient_per_output(node, grad, create_graph)
                node.recording = create_graph
                grads = node.backward(node, *grad)
                node.recording = False
            if type(grads) is not tuple:
                grads = (grads,)
            if watchers:
                for watcher in watchers:
                    watcher.backward(node, grad if type(grad) is tuple else (grad,), grads)
            n_grads = len(grads)
            for i, target, t in edges[node]:
                g = grads[i] if i < n_grads else None
                if g is None:
                    continue
                data = t._data
                if g.shape != data.shape or g.dtype != data.dtype:
                    g = _check_gradient(node, i, g, t)
                left = consumers[target] - 1
                consumers[target] = left
                if target is t and left == 0 and inputs is None:
                    # every gradient of this leaf has arrived: store it now, so hooks on
                    # it (DistributedDataParallel's) run while backward goes on
                    held = buffers.pop(t, None)
                    if held is None:
                        _accumulate(t, g, create_graph,
                                    fresh=node.fresh_gradients and not watchers)
                    else:
                        _accumulate(t, held + g, create_graph, fresh=True)
                    continue
                if target is t or target.n_outputs == 1:
                    held = buffers.get(target)
                    buffers[target] = g if held is None else held + g
                else:
                    _deposit(buffers, target, t, g)
                if left == 0 and target is not t:
                    ready.append(target)
            if not retain_graph:
                node.release()
    finally:
        _mode.enabled = previous_mode
        _mode.in_backward -= 1
        _mode.backward_passes += 1

    if inputs is not None:
        found = []
        for t in inputs:
            if t.grad_fn is None:
                found.append(buffers.get(t))
            else:
                grads = capture.get(t.grad_fn)
                found.append(None if grads is None else grads[t._output_nr])
        return found
    for leaf, grad in buffers.items():
        if isinstance(leaf, Tensor):
            _accumulate(leaf, grad, create_graph)
    return None


def _accumulate(leaf: Tensor, grad, create_graph: bool, fresh: bool = False) -> None:
    """Add `grad` to leaf.grad; `fresh`: nothing else holds the array (NOTE above)."""
    if leaf._hooks:
        grad = _run_hooks(leaf._hooks, 0, grad, create_graph)
        fresh = False  # a hook may keep the array, or return one it holds
    if create_graph:
        grad = grad if isinstance(grad, Tensor) else Tensor._wrap(grad)
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
    elif leaf.grad is None:
        leaf.grad = Tensor._wrap(grad if fresh else np.array(grad, copy=True))
    elif leaf.grad.grad_fn is not None:
        leaf.grad = Tensor._wrap(leaf.grad._data + grad)
    else:
        leaf.grad._data += grad
    if leaf._post_accumulate_hooks:
        for hook in list(leaf._post_accumulate_hooks.values()):
            hook(leaf)


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
            data = out._data
            if data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but the output "
                    f"has shape {out.shape}. Pass gradient= (a tensor of that shape), or "
                    f"reduce the output first, e.g. loss.sum().backward()"
                )
            # one element: np.array is a quarter of np.ones's cost
            g = np.array(1, data.dtype) if data.ndim == 0 else np.ones(data.shape, data.dtype)
            seeds.append(Tensor._wrap(g) if create_graph else g)
            continue
        if (g._data.shape if isinstance(g, Tensor) else np.shape(g)) != out.shape:
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
