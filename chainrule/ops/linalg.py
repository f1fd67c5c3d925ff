"""Matrix products: matmul (1-D, 2-D, batched, broadcast) and the fused `linear`."""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .primitives import broadcast_to, nondifferentiable, sum_, sum_to_shape
from .reduction import amax, amin
from .unary import abs as abs_
from .unary import sqrt


def _check_matmul(a, b, op: str) -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"{op}: both arguments need at least 1 dimension, got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}; use * to multiply by a scalar"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op}: expected both inputs to have the same dtype, got {a.dtype} and {b.dtype}; "
            f"convert one of them, e.g. b.to({a.dtype})"
        )
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        raise RuntimeError(
            f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied: the last "
            f"dimension of the first ({k_a}) must equal the "
            f"{'second-to-last' if b.ndim > 1 else 'only'} dimension of the second ({k_b})"
        )


class Matmul(Function):
    """C = A @ B; 1-D operands are treated as a row (A) or a column (B) and dropped after"""

    @staticmethod
    def forward(ctx, a, b):
        _check_matmul(a, b, "matmul")
        ctx.save_for_backward(a, b)
        try:
            return _product(a, b)
        except ValueError:
            raise RuntimeError(
                f"matmul: the batch dimensions of {tuple(a.shape)} and {tuple(b.shape)} cannot "
                f"be broadcast together"
            ) from None

    # dA = dC Bᵀ, dB = Aᵀ dC, then summed over broadcast batch axes
    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a.reshape((1,) + a.shape) if a.ndim == 1 else a
        b2 = b.reshape(b.shape + (1,)) if b.ndim == 1 else b
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        g = grad.reshape(batch + (a2.shape[-2], b2.shape[-1]))
        need_a, need_b = ctx.needs_input_grad
        grad_a = sum_to_shape(_product(g, b2.mT), a2.shape).reshape(a.shape) if need_a else None
        grad_b = sum_to_shape(_product(a2.mT, g), b2.shape).reshape(b.shape) if need_b else None
        return grad_a, grad_b


def matmul(a, b):
    return Matmul.apply(a, b)


class Linear(Function):
    """y = x Wᵀ + b, fused.

    Fused because it is the hot op of every MLP: one GEMM forward, two backward,
    no intermediate node for the transpose or the bias (bench/bench_mlp.py).
    Shapes: x (*, in), W (out, in), b (out,) -> y (*, out). With `weight_in_out=True`
    W is stored (in, out), Keras's kernel layout, and y = x W + b (still no transpose node).
    """

    fresh_gradients = True  # three new arrays (NOTE [ Leaf gradients without a copy ])

    @staticmethod
    def forward(ctx, x, weight, bias, weight_in_out=False):
        w = weight if weight_in_out else weight.T  # w is (in, out) either way, a view
        if x.ndim == 0 or x.shape[-1] != w.shape[0]:
            raise RuntimeError(
                f"linear: input of shape {tuple(x.shape)} does not match weight of shape "
                f"{tuple(weight.shape)}; the input's last dimension must be {w.shape[0]}"
            )
        ctx.save_for_backward(x, weight)
        ctx.has_bias, ctx.input_shape = bias is not None, x.shape
        ctx.weight_in_out = weight_in_out
        if x.ndim > 2:  # one GEMM over all leading axes, not one per leading index
            return affine(x.reshape(-1, x.shape[-1]), w, bias).reshape(x.shape[:-1] + (-1,))
        return affine(x, w, bias)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        if grad.ndim != 2:  # (*, out): fold the leading axes into one
            grad, x = grad.reshape((-1, grad.shape[-1])), x.reshape((-1, x.shape[-1]))
        grad_x, grad_w, grad_b = affine_grads(grad, x, weight, need_x, need_w,
                                              need_b and ctx.has_bias, ctx.weight_in_out)
        return (None if grad_x is None else grad_x.reshape(ctx.input_shape)), grad_w, grad_b


def affine(x, w, bias):
    """x w + b: Linear's forward for 2-D x (n, in) and w (in, out), which for a weight in
    PyTorch's (out, in) layout is its transposed view."""
    y = _product(x, w)
    if bias is not None:
        y += bias
    return y


# dx = g wᵀ, dw = xᵀ g (dW = gᵀ x in the (out, in) layout), db = Σ g over the rows
def affine_grads(grad, x, weight, need_x: bool, need_w: bool, need_b: bool,
                 weight_in_out: bool = False) -> tuple:
    """Linear's backward for 2-D grad (n, out) and x (n, in): (dx, dW, db), None for
    what is not needed; W as stored, (out, in) or with weight_in_out (in, out)."""
    w = weight if weight_in_out else weight.T
    grad_x = _product(grad, w.T) if need_x else None
    grad_w = None
    if need_w:
        grad_w = _product(x.T, grad) if weight_in_out else _product(grad.T, x)
    grad_b = sum_(grad, 0) if need_b else None
    return grad_x, grad_w, grad_b


def _product(a, b):
    """a @ b. np.dot where it means the same, for arrays of one or two dimensions: the
    same product at about half the call's cost on small ones (18,500 against 37,700
    instructions for (100, 1) x (1, 10)), which the 1-10-1 network pays five times a
    step. Batched arrays, and Tensors (a backward recording its own graph for gradients
    of gradients, where @ records the product), take @."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim <= 2 and b.ndim <= 2:
        return np.dot(a, b)
    return a @ b


def linear(x, weight, bias=None, weight_in_out: bool = False):
    return Linear.apply(x, weight, bias, weight_in_out=weight_in_out)


# -- products by their PyTorch names (checked, then matmul) --------------------------------


def _expect_dims(op: str, **tensors) -> None:
    for name, (t, ndim) in tensors.items():
        if t.ndim != ndim:
            raise RuntimeError(f"{op}: {name} must be {ndim}-D, got shape {tuple(t.shape)}")


def mm(a, b):
    """(n, k) @ (k, m) -> (n, m), 2-D only."""
    _expect_dims("mm", input=(a, 2), mat2=(b, 2))
    return matmul(a, b)


def bmm(a, b):
    """(B, n, k) @ (B, k, m) -> (B, n, m), batches of equal size, no broadcasting."""
    _expect_dims("bmm", input=(a, 3), mat2=(b, 3))
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {a.shape[0]} and {b.shape[0]}")
    return matmul(a, b)


def mv(a, v):
    """(n, k) @ (k,) -> (n,)."""
    _expect_dims("mv", input=(a, 2), vec=(v, 1))
    return matmul(a, v)


def dot(a, b):
    """Σ aᵢbᵢ of two 1-D tensors of the same length."""
    _expect_dims("dot", input=(a, 1), other=(b, 1))
    return matmul(a, b)


def outer(a, b):
    """aᵢbⱼ: (n,) and (m,) -> (n, m)."""
    _expect_dims("outer", input=(a, 1), vec2=(b, 1))
    return a.reshape(-1, 1) * b.reshape(1, -1)


def addmm(input, mat1, mat2, beta=1, alpha=1):
    """beta·input + alpha·(mat1 @ mat2)."""
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


def baddbmm(input, batch1, batch2, beta=1, alpha=1):
    """beta·input + alpha·(batch1 @ batch2), batched."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


def _scaled_sum(input, product, beta, alpha):
    product = product if alpha == 1 else product * alpha
    if beta == 0:  # PyTorch ignores input then, even NaN in it
        return product
    return product + (input if beta == 1 else input * beta)


class Einsum(Function):
    """y = einsum(equation, *operands), in NumPy's notation (no repeated index in one operand).

    The gradient of operand k is again an einsum: the output's gradient with every
    other operand, contracted down to operand k's indices (and broadcast over an index
    that only operand k has, since it was summed away).
    """

    @staticmethod
    def forward(ctx, equation, *operands):
        ctx.inputs_spec, ctx.output_spec = _parse_einsum(equation, operands)
        ctx.shapes = [o.shape for o in operands]
        ctx.save_for_backward(*operands)
        return np.asarray(np.einsum(equation, *operands, optimize=len(operands) > 2))

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        specs, out = ctx.inputs_spec, ctx.output_spec
        grads = [None]
        for k, spec in enumerate(specs):
            others = [s for j, s in enumerate(specs) if j != k]
            present = set(out).union(*others)
            kept = "".join(c for c in spec if c in present)
            equation = ",".join([out, *others]) + "->" + kept
            g = einsum(equation, grad, *[o for j, o in enumerate(operands) if j != k])
            if kept != spec:  # indices only operand k had: the gradient is constant along them
                sizes = dict(zip(spec, ctx.shapes[k]))
                g = g.reshape(tuple(sizes[c] if c in kept else 1 for c in spec))
                g = broadcast_to(g, ctx.shapes[k])
            grads.append(g)
        return tuple(grads)


def _parse_einsum(equation: str, operands) -> tuple[list[str], str]:
    equation = equation.replace(" ", "")
    if "..." in equation:
        raise NotImplementedError("einsum: '...' is not supported; name every index")
    inputs, arrow, output = equation.partition("->")
    specs = inputs.split(",")
    if len(specs) != len(operands):
        raise ValueError(f"einsum: the equation names {len(specs)} operands, got {len(operands)}")
    for spec, o in zip(specs, operands):
        if len(spec) != o.ndim:
            raise ValueError(f"einsum: operand {spec!r} has {o.ndim} dimensions, shape {o.shape}")
        if len(set(spec)) != len(spec):
            raise NotImplementedError(f"einsum: repeated index in one operand ({spec!r}); "
                                      f"use diagonal() first")
    if not arrow:  # implicit output: indices that appear once, sorted
        counts = {c: inputs.count(c) for c in inputs if c.isalpha()}
        output = "".join(sorted(c for c, n in counts.items() if n == 1))
    return specs, output


def einsum(equation: str, *operands):
    """Einstein summation, e.g. einsum('bij,bjk->bik', a, b); differentiable in every operand."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return Einsum.apply(equation, *operands)


# -- norms, composed (so every order of gradient is exact) ---------------------------------


def vector_norm(x, ord=2, dim=None, keepdim: bool = False):  # noqa: A002
    """(Σ|x|ᵖ)^(1/p) over `dim` (all elements by default); ord may be inf, -inf or 0."""
    size = abs_(x)
    if ord == float("inf"):
        return amax(size, dim, keepdim)
    if ord == float("-inf"):
        return amin(size, dim, keepdim)
    if ord == 0:
        return sum_(nondifferentiable(lambda a: (a != 0).astype(a.dtype), x), dim, keepdim)
    if ord == 2:
        return sqrt(sum_(x * x, dim, keepdim))
    if ord == 1:
        return sum_(size, dim, keepdim)
    return sum_(size ** ord, dim, keepdim) ** (1.0 / ord)


def matrix_norm(x, ord="fro", dim=(-2, -1), keepdim: bool = False):
    """'fro' (Frobenius), 1 / inf (largest column / row sum of |x|)."""
    if ord == "fro":
        return vector_norm(x, 2, dim, keepdim)
    rows, cols = dim
    if ord in (1, -1):
        sums = sum_(abs_(x), rows, True)
        pick = amax if ord == 1 else amin
        return _drop_dims(pick(sums, cols, True), dim, keepdim, x.ndim)
    if ord in (float("inf"), float("-inf")):
        sums = sum_(abs_(x), cols, True)
        pick = amax if ord > 0 else amin
        return _drop_dims(pick(sums, rows, True), dim, keepdim, x.ndim)
    raise NotImplementedError(f"matrix_norm: ord={ord!r} is not supported; use 'fro', 1 or inf")


def _drop_dims(y, dims, keepdim: bool, ndim: int):
    if keepdim:
        return y
    drop = {d % ndim for d in dims}
    return y.reshape(tuple(n for i, n in enumerate(y.shape) if i not in drop))


def norm(x, p="fro", dim=None, keepdim: bool = False):
    """torch.norm: the 2-norm of all elements by default ('fro'), or a p-norm over `dim`."""
    if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) == 1):
        p = 2
    if p == "fro" or p == "nuc":
        if p == "nuc":
            raise NotImplementedError("norm: the nuclear norm is not supported")
        return matrix_norm(x, "fro", dim, keepdim)
    return vector_norm(x, p, dim, keepdim)
