"""Every differentiable op against PyTorch, gradcheck and (for the smooth families)
second order, driven by one table: (name, chainrule fn, torch fn, input shapes, domain,
second order?)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from tests.oracle import check_forward_backward, check_op, random_array

UNARY_SHAPES = [(), (3,), (2, 3), (2, 1, 4), (0, 3)]
BINARY_SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1, 4), (3, 1)), ((), (2, 3)),
                 ((0, 3), (1, 3)), ((1,), (2, 1))]
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((2, 2, 3), (3, 4)), ((2, 1, 2, 3), (3, 3, 2)), ((0, 3), (3, 2))]


def unary(name, cr_fn, torch_fn, domain="real", gradgrad=True, shapes=UNARY_SHAPES):
    return [(name, cr_fn, torch_fn, (s,), domain, gradgrad) for s in shapes]


def binary(name, cr_fn, torch_fn, domain="real", gradgrad=True, shapes=BINARY_SHAPES):
    return [(name, cr_fn, torch_fn, s, domain, gradgrad) for s in shapes]


OPS = (
    # elementwise
    unary("neg", lambda x: -x, lambda x: -x)
    + unary("exp", cr.exp, torch.exp)
    + unary("log", cr.log, torch.log, "positive")
    + unary("log1p", cr.log1p, torch.log1p, "positive")
    + unary("sqrt", cr.sqrt, torch.sqrt, "positive")
    + unary("rsqrt", cr.rsqrt, torch.rsqrt, "positive")
    + unary("abs", cr.abs, torch.abs, "nonzero")
    + unary("sin", cr.sin, torch.sin)
    + unary("cos", cr.cos, torch.cos)
    + unary("tanh", cr.tanh, torch.tanh)
    + unary("sigmoid", cr.sigmoid, torch.sigmoid)
    + unary("relu", cr.relu, torch.relu, "nonzero")
    + unary("erf", cr.ops.erf, torch.erf)
    + unary("softplus", lambda x: cr.nn.functional.softplus(x, 2.0, 1.5),
            lambda x: torch.nn.functional.softplus(x, 2.0, 1.5), "nonzero")
    + unary("clamp", lambda x: x.clamp(-0.5, 0.7), lambda x: x.clamp(-0.5, 0.7), "nonzero")
    + unary("clamp_min", lambda x: x.clamp(min=0.1), lambda x: x.clamp(min=0.1), "nonzero")
    + unary("pow_scalar", lambda x: x ** 3, lambda x: x ** 3)
    + unary("pow_fraction", lambda x: x ** 2.5, lambda x: x ** 2.5, "positive")
    + unary("rpow", lambda x: 2.0 ** x, lambda x: 2.0 ** x)
    + unary("scalar_ops", lambda x: (3 - x) * 2 / (x * x + 1) + 1,
            lambda x: (3 - x) * 2 / (x * x + 1) + 1)
    + binary("add", lambda a, b: a + b, lambda a, b: a + b)
    + binary("sub", lambda a, b: a - b, lambda a, b: a - b)
    + binary("mul", lambda a, b: a * b, lambda a, b: a * b)
    + binary("div", lambda a, b: a / b, lambda a, b: a / b, "positive")
    + binary("pow", lambda a, b: a ** b, lambda a, b: a ** b, "positive")
    + binary("maximum", cr.maximum, torch.maximum, "distinct")
    + binary("minimum", cr.minimum, torch.minimum, "distinct")
    + binary("where", lambda a, b: cr.where(a > 0, a, b), lambda a, b: torch.where(a > 0, a, b))
    # matmul
    + binary("matmul", lambda a, b: a @ b, lambda a, b: a @ b, shapes=MATMUL_SHAPES)
    + [("linear", lambda x, w, b: cr.linear(x, w, b),
        lambda x, w, b: torch.nn.functional.linear(x, w, b), s, "real", True)
       for s in [((4, 3), (2, 3), (2,)), ((2, 5, 3), (4, 3), (4,))]]
    + [("linear_in_out", lambda x, w, b: cr.linear(x, w, b, weight_in_out=True),
        lambda x, w, b: x @ w + b, s, "real", True)
       for s in [((4, 3), (3, 2), (2,)), ((2, 5, 3), (3, 4), (4,))]]
    # reductions
    + unary("sum", lambda x: x.sum(), lambda x: x.sum())
    + unary("sum_dim", lambda x: x.sum(-1), lambda x: x.sum(-1), shapes=UNARY_SHAPES[1:])
    + unary("sum_dims_keep", lambda x: x.sum((0, -1), keepdim=True),
            lambda x: x.sum((0, -1), keepdim=True), shapes=[(2, 3), (2, 1, 4)])
    + unary("mean", lambda x: x.mean(), lambda x: x.mean(), shapes=UNARY_SHAPES[:4])
    + unary("mean_dim", lambda x: x.mean(0, keepdim=True), lambda x: x.mean(0, keepdim=True),
            shapes=UNARY_SHAPES[1:])
    + unary("prod", lambda x: x.prod(), lambda x: x.prod(), "nonzero", shapes=UNARY_SHAPES[:4])
    + unary("prod_dim", lambda x: x.prod(1), lambda x: x.prod(1), "nonzero",
            shapes=[(2, 3), (2, 1, 4)])
    + [("prod_with_zero", lambda x: (x * cr.tensor([[1.0, 0.0, 1.0]], dtype=cr.float64)).prod(1),
        lambda x: (x * torch.tensor([[1.0, 0.0, 1.0]])).prod(1), ((2, 3),), "real", False)]
    + unary("amax", lambda x: x.amax(), lambda x: x.amax(), "distinct", shapes=UNARY_SHAPES[:4])
    + unary("amin_dim", lambda x: x.amin(1), lambda x: x.amin(1), "distinct",
            shapes=[(2, 3), (2, 1, 4)])
    + [("amax_ties", lambda x: (x * 0 + cr.tensor([1.0, 3.0, 3.0], dtype=cr.float64) * x).amax(),
        lambda x: (x * 0 + torch.tensor([1.0, 3.0, 3.0]) * x).amax(), ((3,),), "positive", False)]
    + unary("max_dim", lambda x: x.max(1).values, lambda x: x.max(1).values, "distinct",
            shapes=[(2, 3), (2, 1, 4)])
    # two outputs, values and (non-differentiable) indices
    + unary("max_dim_both", lambda x: x.max(-1), lambda x: x.max(-1), "distinct",
            shapes=[(3,), (2, 3), (2, 1, 4)])
    + unary("min_dim_both_keep", lambda x: x.min(0, keepdim=True),
            lambda x: x.min(0, keepdim=True), "distinct", shapes=[(2, 3)])
    + unary("min_dim_keep", lambda x: x.min(0, keepdim=True)[0],
            lambda x: x.min(0, keepdim=True)[0], "distinct", shapes=[(3,), (2, 3)])
    + unary("max_all", lambda x: x.max(), lambda x: x.max(), "distinct", shapes=[(3,), (2, 3)])
    + unary("var", lambda x: x.var(), lambda x: x.var(), shapes=[(3,), (2, 3), (2, 1, 4)])
    + unary("var_dim_biased", lambda x: x.var(1, correction=0), lambda x: x.var(1, correction=0),
            shapes=[(2, 3), (2, 1, 4)])
    + unary("std", lambda x: x.std(-1, keepdim=True), lambda x: x.std(-1, keepdim=True),
            shapes=[(2, 3), (2, 1, 4)])
    + unary("logsumexp", lambda x: x.logsumexp(-1), lambda x: x.logsumexp(-1),
            shapes=[(3,), (2, 3), (2, 1, 4)])
    + unary("softmax", lambda x: x.softmax(-1), lambda x: x.softmax(-1), shapes=UNARY_SHAPES[1:])
    + unary("softmax_dim0", lambda x: x.softmax(0), lambda x: x.softmax(0), shapes=[(2, 3)])
    + unary("log_softmax", lambda x: x.log_softmax(-1), lambda x: x.log_softmax(-1),
            shapes=UNARY_SHAPES[1:])
    # shape
    + unary("reshape", lambda x: x.reshape(-1), lambda x: x.reshape(-1), gradgrad=False)
    + unary("view", lambda x: x.view(2, -1), lambda x: x.view(2, -1), gradgrad=False,
            shapes=[(2, 3), (2, 1, 4)])
    + unary("flatten", lambda x: x.flatten(1), lambda x: x.flatten(1), gradgrad=False,
            shapes=[(2, 3), (2, 1, 4)])
    + unary("transpose", lambda x: x.transpose(0, -1), lambda x: x.transpose(0, -1),
            gradgrad=False, shapes=UNARY_SHAPES[1:])
    + unary("T", lambda x: x.T, lambda x: x.T, gradgrad=False, shapes=[(2, 3)])
    + unary("permute", lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1),
            gradgrad=False, shapes=[(2, 1, 4)])
    + unary("squeeze", lambda x: x.squeeze(), lambda x: x.squeeze(), gradgrad=False)
    + unary("squeeze_dim", lambda x: x.squeeze(1), lambda x: x.squeeze(1), gradgrad=False,
            shapes=[(2, 1, 4), (2, 3)])
    + unary("unsqueeze", lambda x: x.unsqueeze(-1), lambda x: x.unsqueeze(-1), gradgrad=False)
    + unary("expand", lambda x: x.expand(2, 3, -1), lambda x: x.expand(2, 3, -1),
            gradgrad=False, shapes=[(1,), (3, 1)])
    + unary("broadcast_to", lambda x: cr.broadcast_to(x, (2, 3, 4)),
            lambda x: torch.broadcast_to(x, (2, 3, 4)), gradgrad=False, shapes=[(4,), (3, 1)])
    + unary("repeat", lambda x: x.repeat(2, 1, 3), lambda x: x.repeat(2, 1, 3), gradgrad=False,
            shapes=[(3,), (2, 3), (0, 3)])
    + [("cat", lambda a, b: cr.cat([a, b], 1), lambda a, b: torch.cat([a, b], 1),
        ((2, 3), (2, 1)), "real", False),
       ("stack", lambda a, b: cr.stack([a, b], -1), lambda a, b: torch.stack([a, b], -1),
        ((2, 3), (2, 3)), "real", False)]
    + unary("split", lambda x: x.split(2, 1), lambda x: x.split(2, 1), gradgrad=False,
            shapes=[(2, 5)])
    + unary("split_sizes", lambda x: x.split([1, 3], 0), lambda x: x.split([1, 3], 0),
            gradgrad=False, shapes=[(4, 2)])
    + unary("chunk", lambda x: x.chunk(3, 0), lambda x: x.chunk(3, 0), gradgrad=False,
            shapes=[(5,), (7, 2)])
    + unary("pad", lambda x: cr.nn.functional.pad(x, (1, 2)),
            lambda x: torch.nn.functional.pad(x, (1, 2)), gradgrad=False, shapes=[(3,), (2, 3)])
    + unary("pad2d", lambda x: cr.nn.functional.pad(x, (1, 0, 2, 1), value=0.5),
            lambda x: torch.nn.functional.pad(x, (1, 0, 2, 1), value=0.5), gradgrad=False,
            shapes=[(2, 3), (1, 2, 3)])
    + unary("tril", lambda x: x.tril(), lambda x: x.tril(), gradgrad=False, shapes=[(3, 3), (2, 4)])
    + unary("triu", lambda x: x.triu(1), lambda x: x.triu(1), gradgrad=False,
            shapes=[(3, 3), (2, 3, 4)])
    # indexing
    + unary("getitem_slice", lambda x: x[1:, ::2], lambda x: x[1:, ::2], gradgrad=False,
            shapes=[(3, 4)])
    + unary("getitem_int_none", lambda x: x[1, None, -1], lambda x: x[1, None, -1],
            gradgrad=False, shapes=[(3, 4)])
    + unary("getitem_ellipsis", lambda x: x[..., 0], lambda x: x[..., 0], gradgrad=False,
            shapes=[(2, 3), (2, 1, 4)])
    + unary("getitem_array_repeated", lambda x: x[[0, 2, 0]], lambda x: x[[0, 2, 0]],
            gradgrad=False, shapes=[(3, 4)])
    + unary("getitem_tensor_index", lambda x: x[cr.tensor([1, 1]), cr.tensor([0, 3])],
            lambda x: x[torch.tensor([1, 1]), torch.tensor([0, 3])], gradgrad=False,
            shapes=[(3, 4)])
    + unary("getitem_mask", lambda x: x[x > 0], lambda x: x[x > 0], gradgrad=False,
            shapes=[(3, 4)])
    + unary("gather", lambda x: x.gather(1, cr.tensor([[0, 0], [2, 1]])),
            lambda x: x.gather(1, torch.tensor([[0, 0], [2, 1]])), gradgrad=False,
            shapes=[(2, 3), (3, 3)])
    + unary("index_select", lambda x: x.index_select(1, cr.tensor([2, 0, 2])),
            lambda x: x.index_select(1, torch.tensor([2, 0, 2])), gradgrad=False,
            shapes=[(2, 3)])
    + unary("masked_fill", lambda x: x.masked_fill(x > 0.5, -1.0),
            lambda x: x.masked_fill(x > 0.5, -1.0), gradgrad=False, shapes=[(2, 3), (4,)])
    + unary("clone", lambda x: x.clone() * 1, lambda x: x.clone() * 1, gradgrad=False,
            shapes=[(2, 3)])
    # PyTorch-named products
    + [("mm", lambda a, b: a.mm(b), lambda a, b: a.mm(b), ((2, 3), (3, 4)), "real", True),
       ("bmm", cr.bmm, torch.bmm, ((2, 2, 3), (2, 3, 4)), "real", True),
       ("mv", cr.mv, torch.mv, ((2, 3), (3,)), "real", True),
       ("dot", cr.dot, torch.dot, ((3,), (3,)), "real", True),
       ("outer", cr.outer, torch.outer, ((3,), (2,)), "real", True),
       ("addmm", lambda c, a, b: cr.addmm(c, a, b, beta=0.5, alpha=2),
        lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2), ((2, 4), (2, 3), (3, 4)),
        "real", True),
       ("baddbmm", lambda c, a, b: cr.baddbmm(c, a, b, alpha=-1),
        lambda c, a, b: torch.baddbmm(c, a, b, alpha=-1), ((2, 2, 4), (2, 2, 3), (2, 3, 4)),
        "real", True)]
    + [(f"einsum {eq}", lambda *xs, eq=eq: cr.einsum(eq, *xs),
        lambda *xs, eq=eq: torch.einsum(eq, *xs), shapes, "real", True)
       for eq, shapes in [("ij,jk->ik", ((2, 3), (3, 4))), ("bij,bjk->bik", ((2, 2, 3), (2, 3, 2))),
                          ("i,i->", ((3,), (3,))), ("ij->j", ((2, 3),)), ("ij->ji", ((2, 3),)),
                          ("ij,k->ijk", ((2, 3), (2,))), ("ij,jk", ((2, 3), (3, 2))),
                          ("ij,jk,kl->il", ((2, 3), (3, 2), (2, 2)))]]
    # norms
    + unary("norm", lambda x: x.norm(), lambda x: x.norm(), "nonzero", shapes=[(3,), (2, 3)])
    + unary("norm_p1_dim", lambda x: x.norm(1, dim=-1), lambda x: x.norm(1, dim=-1), "nonzero",
            gradgrad=False, shapes=[(2, 3)])
    + unary("norm_p3_keep", lambda x: x.norm(3, dim=0, keepdim=True),
            lambda x: x.norm(3, dim=0, keepdim=True), "nonzero", shapes=[(2, 3)])
    + unary("norm_inf", lambda x: x.norm(float("inf")), lambda x: x.norm(float("inf")),
            "distinct", gradgrad=False, shapes=[(2, 3)])
    + unary("linalg_norm_fro", lambda x: cr.linalg.norm(x, dim=(0, 1)),
            lambda x: torch.linalg.norm(x, dim=(0, 1)), shapes=[(2, 3)])
    + unary("linalg_matrix_norm_1", lambda x: cr.linalg.matrix_norm(x, 1),
            lambda x: torch.linalg.matrix_norm(x, 1), "distinct", gradgrad=False,
            shapes=[(3, 3), (2, 2, 3)])
    + unary("linalg_vector_norm", lambda x: cr.linalg.vector_norm(x, 2, dim=-1),
            lambda x: torch.linalg.vector_norm(x, 2, dim=-1), "nonzero", shapes=[(2, 3)])
    # diagonals, slices, reorderings
    + unary("diag_of_vector", lambda x: x.diag(1), lambda x: x.diag(1), gradgrad=False,
            shapes=[(3,)])
    + unary("diag_of_matrix", lambda x: x.diag(-1), lambda x: x.diag(-1), gradgrad=False,
            shapes=[(3, 4)])
    + unary("diagonal", lambda x: x.diagonal(1, 0, 2), lambda x: x.diagonal(1, 0, 2),
            gradgrad=False, shapes=[(3, 2, 4)])
    + unary("trace", lambda x: x.trace(), lambda x: x.trace(), gradgrad=False,
            shapes=[(3, 3), (2, 4)])
    + unary("narrow", lambda x: x.narrow(1, 1, 2), lambda x: x.narrow(1, 1, 2), gradgrad=False,
            shapes=[(2, 4)])
    + unary("flip", lambda x: x.flip((0, -1)), lambda x: x.flip((0, -1)), gradgrad=False,
            shapes=[(2, 3), (2, 1, 4)])
    + unary("roll", lambda x: x.roll((1, -2), (0, 1)), lambda x: x.roll((1, -2), (0, 1)),
            gradgrad=False, shapes=[(3, 4)])
    + unary("roll_flat", lambda x: x.roll(2), lambda x: x.roll(2), gradgrad=False,
            shapes=[(2, 3)])
    + unary("repeat_interleave", lambda x: x.repeat_interleave(2, dim=1),
            lambda x: x.repeat_interleave(2, dim=1), gradgrad=False, shapes=[(2, 3)])
    + unary("repeat_interleave_counts",
            lambda x: x.repeat_interleave(cr.tensor([1, 0, 3]), dim=0),
            lambda x: x.repeat_interleave(torch.tensor([1, 0, 3]), dim=0), gradgrad=False,
            shapes=[(3, 2)])
    + [("scatter_add", lambda x, s: x.scatter_add(1, cr.tensor([[0, 2, 0], [1, 1, 3]]), s),
        lambda x, s: x.scatter_add(1, torch.tensor([[0, 2, 0], [1, 1, 3]]), s),
        ((2, 4), (2, 3)), "real", False),
       ("scatter", lambda x, s: x.scatter(0, cr.tensor([[2, 0], [0, 1]]), s),
        lambda x, s: x.scatter(0, torch.tensor([[2, 0], [0, 1]]), s), ((3, 2), (2, 2)),
        "real", False)]
    + unary("scatter_value", lambda x: x.scatter(1, cr.tensor([[1], [0]]), value=2.5),
            lambda x: x.scatter(1, torch.tensor([[1], [0]]), value=2.5), gradgrad=False,
            shapes=[(2, 3)])
    # scans and sorting
    + unary("cumsum", lambda x: x.cumsum(-1), lambda x: x.cumsum(-1), shapes=UNARY_SHAPES[1:])
    + unary("cumprod", lambda x: x.cumprod(0), lambda x: x.cumprod(0), "positive",
            shapes=[(3,), (3, 2)])
    + unary("sort_values", lambda x: x.sort(1, descending=True).values,
            lambda x: x.sort(1, descending=True).values, "distinct", gradgrad=False,
            shapes=[(2, 3)])
    + unary("topk", lambda x: x.topk(2, dim=0), lambda x: x.topk(2, dim=0), "distinct",
            gradgrad=False, shapes=[(3, 2), (4,)])
    + unary("topk_smallest", lambda x: x.topk(2, largest=False).values,
            lambda x: x.topk(2, largest=False).values, "distinct", gradgrad=False,
            shapes=[(2, 4)])
    # arithmetic composed from the primitives
    + [("clamp_tensor_bounds", lambda x, lo, hi: x.clamp(lo, hi),
        lambda x, lo, hi: x.clamp(lo, hi), ((2, 3), (3,), (2, 3)), "distinct", False),
       ("lerp", cr.lerp, torch.lerp, ((2, 3), (2, 3), (3,)), "real", True),
       ("addcmul", lambda a, b, c: cr.addcmul(a, b, c, value=0.5),
        lambda a, b, c: torch.addcmul(a, b, c, value=0.5), ((2, 3), (2, 3), (3,)), "real", True),
       ("addcdiv", lambda a, b, c: cr.addcdiv(a, b, c, value=2),
        lambda a, b, c: torch.addcdiv(a, b, c, value=2), ((2, 3), (2, 3), (3,)), "positive",
        True)]
)


@pytest.mark.parametrize(
    "name,cr_fn,torch_fn,shapes,domain,gradgrad",
    OPS,
    ids=[f"{op[0]}-{'x'.join(map(str, op[3]))}" for op in OPS],
)
def test_op_matches_torch(name, cr_fn, torch_fn, shapes, domain, gradgrad):
    arrays = [random_array(s, domain, seed=i) for i, s in enumerate(shapes)]
    check_op(cr_fn, torch_fn, arrays, gradgrad=gradgrad)


def test_every_public_op_is_in_the_table():
    names = {op[0] for op in OPS}
    required = {"exp", "log", "log1p", "sqrt", "rsqrt", "abs", "sin", "cos", "tanh", "sigmoid",
                "relu", "erf", "softplus", "clamp", "maximum", "minimum", "where", "sum", "mean",
                "prod", "amax", "amin_dim", "max_dim", "max_dim_both", "var", "std", "logsumexp",
                "softmax", "log_softmax",
                "matmul", "reshape", "view", "flatten", "transpose", "permute", "squeeze",
                "unsqueeze", "expand", "broadcast_to", "repeat", "cat", "stack", "split",
                "chunk", "gather", "index_select", "masked_fill", "pad", "tril", "triu",
                "getitem_mask", "getitem_array_repeated"}
    assert required <= names, f"missing from the op table: {sorted(required - names)}"


def test_cast_passes_the_gradient_back_in_the_input_dtype():
    # Not in the table: finite differences cannot see through float32 rounding.
    a = random_array((2, 3)).astype(np.float32).astype(np.float64)
    check_forward_backward(lambda x: x.float() * 3, lambda x: x.float() * 3, [a])
    x = cr.tensor(a, dtype=cr.float64, requires_grad=True)
    x.float().sum().backward()
    assert x.grad.dtype == cr.float64
