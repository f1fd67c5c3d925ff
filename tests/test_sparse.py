"""Sparse COO tensors: PyTorch's results, and the product's gradients by gradcheck."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr


def _graph(n=6, seed=0):
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(0, n, 14), rng.integers(0, n, 14)  # with repeats
    return np.stack([rows, cols]), rng.normal(size=14)


def test_sparse_product_matches_pytorch_and_the_dense_product():
    indices, values = _graph()
    dense = np.random.default_rng(1).normal(size=(6, 3))
    ours = cr.sparse_coo_tensor(indices, cr.tensor(values), (6, 6))
    theirs = torch.sparse_coo_tensor(torch.from_numpy(indices), torch.from_numpy(values), (6, 6))
    result = cr.sparse.mm(ours, cr.tensor(dense)).numpy()
    np.testing.assert_allclose(result, torch.sparse.mm(theirs, torch.from_numpy(dense)).numpy(),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result, ours.to_dense().numpy() @ dense, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours.to_dense().numpy(), theirs.to_dense().numpy())
    coalesced, reference = ours.coalesce(), theirs.coalesce()
    np.testing.assert_array_equal(coalesced.indices().numpy(), reference.indices().numpy())
    np.testing.assert_allclose(coalesced.values().numpy(), reference.values().numpy())
    vector = np.arange(6.0)
    np.testing.assert_allclose(cr.spmm(ours, cr.tensor(vector)).numpy(),
                               ours.to_dense().numpy() @ vector, rtol=1e-12)


def test_gradients_in_the_values_and_the_dense_matrix_pass_gradcheck():
    indices, values = _graph()
    values = cr.tensor(values, requires_grad=True)
    dense = cr.tensor(np.random.default_rng(2).normal(size=(6, 3)), requires_grad=True)

    def product(v, d):
        return cr.sparse.mm(cr.sparse_coo_tensor(indices, v, (6, 6)), d)

    assert cr.autograd.gradcheck(product, [values, dense])
    assert cr.autograd.gradgradcheck(product, [values, dense])
    # equal to the dense product's gradients, to 1e-12
    product(values, dense).pow(2).sum().backward()
    grads = values.grad.numpy().copy(), dense.grad.numpy().copy()
    values.grad = dense.grad = None
    (cr.sparse_coo_tensor(indices, values, (6, 6)).to_dense() @ dense).pow(2).sum().backward()
    np.testing.assert_allclose(grads[0], values.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads[1], dense.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_to_sparse_diag_embed_and_errors():
    x = cr.tensor([[0.0, 2.0], [3.0, 0.0]], requires_grad=True)
    s = x.to_sparse()
    assert s.is_sparse and s.indices().tolist() == [[0, 1], [1, 0]]
    s.values().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1], [1, 0]])
    v = torch.tensor([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(cr.diag_embed(cr.tensor(v.numpy())).numpy(),
                                  torch.diag_embed(v).numpy())
    with pytest.raises(ValueError, match="out of range"):
        cr.sparse_coo_tensor([[0, 5]], [1.0, 2.0], (3,))
    with pytest.raises(ValueError, match="one value per index column"):
        cr.sparse_coo_tensor([[0, 1]], [1.0], (3,))
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        cr.sparse.mm(cr.sparse_coo_tensor([[0], [1]], [1.0], (2, 2)), cr.ones(3, 1))
