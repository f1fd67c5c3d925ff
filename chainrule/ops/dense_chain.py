"""A chain of linear layers and activations as one op: backpropagation layer by layer.

NOTE [ Dense chains ]
A multilayer perceptron is the chain y = f_L(... f_2(f_1(x))), each f a linear layer
(x Wᵀ + b) or an elementwise activation. Backward is the chain rule applied from the
last layer to the first: each layer turns the gradient of its output into the
gradient of its input, and a linear layer also gives its weight's and bias's. Run as
modules, every layer is a graph node, and in a small network (the seeds' 1-10-1 one)
recording and walking those nodes costs more than their arithmetic. DenseChain is one
node for the whole chain: forward runs each layer's formula in turn, backward runs
their derivatives in reverse, the loop below. The formulas are the ops' own
(`affine` and `affine_grads` in ops/linalg.py, the activations' `values` and
`grad_from_output` in ops/unary.py), so values and gradients are the same to the
last bit; what the chain saves is the graph's bookkeeping per layer.
nn.Sequential uses it (nn/fusion.py); when backward is recorded for gradients of
gradients, the chain is differentiated as the composed ops (ops/composed.py).
"""

from __future__ import annotations

from ..autograd.function import Function
from .composed import differentiate_reference
from .linalg import affine, affine_grads, linear
from .unary import ReLU, Sigmoid, Tanh, relu, sigmoid, tanh

# each activation's op (its formulas) and public function (for the composed reference)
ACTIVATIONS = {"relu": (ReLU, relu), "sigmoid": (Sigmoid, sigmoid), "tanh": (Tanh, tanh)}


class DenseChain(Function):
    """y = the layers of `kinds` applied to x in turn: "linear" takes the next weight
    (out, in) and bias (None for none) from `params`, an activation's name applies it.
    x (*, in) -> y (*, out), at least 2-D."""

    fresh_gradients = True  # GEMM products and sums, as Linear's

    @staticmethod
    def forward(ctx, x, kinds, *params):
        ctx.save_for_backward(x, *params)  # so that an in-place change to them is caught
        ctx.kinds, ctx.input_shape = kinds, x.shape
        h = x.reshape(-1, x.shape[-1])  # one GEMM over all leading axes, as Linear
        ctx.kept, ctx.shapes = [], []  # per layer: its input (linear) or output
        taken = 0
        for kind in kinds:
            if kind == "linear":
                ctx.kept.append(h)
                h = affine(h, params[taken].T, params[taken + 1])
                taken += 2
            else:
                h = ACTIVATIONS[kind][0].values(h)
                ctx.kept.append(h)
            ctx.shapes.append(x.shape[:-1] + h.shape[-1:])
        return h.reshape(ctx.shapes[-1])

    # the chain rule, last layer first: an activation multiplies the gradient by its
    # derivative (written in its output), a linear layer passes g Wᵀ on and keeps gᵀ x
    # and Σ g for its weight and bias
    @staticmethod
    def backward(ctx, grad):
        if ctx.recording:
            return differentiate_reference(ctx, (grad,))
        _, *params = ctx.saved_tensors  # raises if one was changed in place since
        need = ctx.needs_input_grad
        grads = [None] * len(need)
        grad = grad.reshape(-1, grad.shape[-1])
        k = 2 + len(params)  # where the next linear layer's weight is among the inputs
        for depth in range(len(ctx.kinds) - 1, -1, -1):
            kind = ctx.kinds[depth]
            if kind != "linear":
                grad = ACTIVATIONS[kind][0].grad_from_output(grad, ctx.kept[depth])
                continue
            k -= 2
            grad, grads[k], grads[k + 1] = affine_grads(
                grad, ctx.kept[depth], params[k - 2], need[0] or depth > 0, need[k],
                need[k + 1])
        grads[0] = None if grad is None else grad.reshape(ctx.input_shape)
        return tuple(grads)

    def parts(self) -> list:
        """The layers, for pictures of the graph (viz.graph): (op name, output shape,
        positions among apply's inputs that the layer reads), first layer first."""
        parts, k = [], 2
        for depth, (kind, shape) in enumerate(zip(self.kinds, self.shapes)):
            reads = (0,) if depth == 0 else ()
            if kind == "linear":
                reads, k = reads + (k, k + 1), k + 2
            name = "Linear" if kind == "linear" else ACTIVATIONS[kind][0].__name__
            parts.append((name, tuple(shape), reads))
        return parts

    @staticmethod
    def reference(x, kinds, *params):
        """The same chain composed from the ops, one node per layer."""
        taken = 0
        for kind in kinds:
            if kind == "linear":
                x = linear(x, params[taken], params[taken + 1])
                taken += 2
            else:
                x = ACTIVATIONS[kind][1](x)
        return (x,)


def dense_chain(x, kinds: tuple, params: list):
    """Run linear layers and activations as one op (NOTE above); `params` holds each
    linear layer's weight and bias (None for none), in order."""
    return DenseChain.apply(x, kinds, *params)
