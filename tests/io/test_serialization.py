"""save/load: round trips of state dicts, nested state, and no code on load."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn, optim


def test_model_and_optimizer_state_round_trip(tmp_path):
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters())
    model(cr.ones(1, 3)).sum().backward()
    opt.step()
    path = tmp_path / "checkpoint.npz"
    cr.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, path)
    loaded = cr.load(path)
    assert loaded["epoch"] == 3
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(loaded["model"][k].numpy(), v.numpy())
    state = loaded["optimizer"]["state"][0]
    np.testing.assert_array_equal(state["exp_avg"].numpy(), opt.state[model.weight]["exp_avg"])


def test_unsupported_objects_are_refused_with_a_reason(tmp_path):
    with pytest.raises(TypeError, match="cannot store a object"):
        cr.save({"x": object()}, tmp_path / "f.npz")


def test_a_file_with_pickled_content_is_not_loaded(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, __structure__=np.frombuffer(b'{"__tensor__": "a0"}', dtype=np.uint8),
             a0=np.array([pickle.dumps(1)], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        cr.load(path)


def test_save_writes_exactly_the_path_given(tmp_path):
    path = tmp_path / "model.pth"
    cr.save({"w": cr.ones(2)}, path)
    assert path.exists() and not (tmp_path / "model.pth.npz").exists()
    assert cr.load(path)["w"].tolist() == [1.0, 1.0]
