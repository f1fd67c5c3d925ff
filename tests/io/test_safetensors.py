"""The safetensors format: the safetensors package reads what chainrule writes and the other
way round, PyTorch weights load and give the same outputs, and damaged files fail clearly."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule import nn
from chainrule.cli.models import cnn, lstm, mlp
from chainrule.io import FileFormatError

PACKAGE = Path(cr.__file__).parent


def test_the_safetensors_package_reads_chainrule_files_and_back(tmp_path):
    state = {"w": cr.randn(3, 4), "b": cr.arange(5), "flag": cr.tensor([True, False]),
             "half": cr.ones(2, dtype=cr.float16), "scalar": cr.tensor(2.5, dtype=cr.float64)}
    cr.save(state, tmp_path / "ours.safetensors")
    theirs = safetensors.numpy.load_file(tmp_path / "ours.safetensors")
    assert set(theirs) == set(state)
    for k, v in state.items():
        assert theirs[k].dtype == v.numpy().dtype
        np.testing.assert_array_equal(theirs[k], v.numpy())
    safetensors.numpy.save_file({k: v.numpy() for k, v in state.items()},
                                tmp_path / "theirs.safetensors")
    back = cr.load(tmp_path / "theirs.safetensors")
    for k, v in state.items():
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())


def _torch_twin(name):
    """The PyTorch network with the same layers (and parameter names) as chainrule's."""
    T = torch.nn
    if name == "mlp":
        return T.Sequential(T.Flatten(), T.Linear(784, 256), T.ReLU(), T.Dropout(0.1),
                            T.Linear(256, 128), T.ReLU(), T.Dropout(0.1), T.Linear(128, 10))
    if name == "cnn":
        return T.Sequential(T.Conv2d(1, 32, 3, padding=1), T.BatchNorm2d(32), T.ReLU(),
                            T.MaxPool2d(2), T.Conv2d(32, 64, 3, padding=1), T.BatchNorm2d(64),
                            T.ReLU(), T.MaxPool2d(2), T.Flatten(), T.Dropout(0.25),
                            T.Linear(64 * 7 * 7, 128), T.ReLU(), T.Dropout(0.25),
                            T.Linear(128, 10))

    class RowLSTM(T.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.dropout = T.LSTM(28, 128, batch_first=True), T.Dropout(0.1)
            self.head = T.Linear(128, 10)

        def forward(self, x):
            out, _ = self.rnn(x.reshape(x.shape[0], 28, 28))
            return self.head(self.dropout(out[:, -1]))

    return RowLSTM()


@pytest.mark.parametrize("name, build", [("mlp", mlp), ("cnn", cnn), ("lstm", lstm)])
def test_pytorch_trained_weights_load_and_agree_both_ways(tmp_path, name, build):
    torch.manual_seed(0)
    theirs = _torch_twin(name)
    with torch.no_grad():  # not the initial values: move every parameter and statistic
        for key, t in theirs.state_dict().items():
            if t.dtype.is_floating_point:
                t.add_(torch.randn_like(t) * 0.05)
                if "running_var" in key:
                    t.abs_()
    theirs.eval()
    safetensors.torch.save_file(theirs.state_dict(), tmp_path / "torch.safetensors")
    ours = build().eval()
    ours.load_state_dict(cr.load(tmp_path / "torch.safetensors"))
    x = np.random.default_rng(0).normal(size=(3, 1, 28, 28)).astype(np.float32)
    expected = theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours(cr.from_numpy(x)).detach().numpy(), expected,
                               rtol=1e-5, atol=1e-5)
    # and back: chainrule's file into a fresh PyTorch model
    cr.save(ours.state_dict(), tmp_path / "ours.safetensors")
    again = _torch_twin(name).eval()
    again.load_state_dict(safetensors.torch.load_file(tmp_path / "ours.safetensors"))
    np.testing.assert_allclose(again(torch.from_numpy(x)).detach().numpy(), expected,
                               rtol=1e-5, atol=1e-5)


def test_open_files_map_location_and_weights_only():
    buffer = io.BytesIO()
    cr.save({"epoch": 2, "w": cr.ones(2), "note": None, "pair": (1, "a")}, buffer)
    buffer.seek(0)
    loaded = cr.load(buffer, map_location="cpu", weights_only=True)
    assert loaded["epoch"] == 2 and loaded["note"] is None and loaded["pair"] == (1, "a")


def test_a_mismatching_state_dict_lists_every_key_with_both_shapes(tmp_path):
    cr.save(nn.Linear(4, 3).state_dict(), tmp_path / "small.pt")
    with pytest.raises(RuntimeError) as caught:
        nn.Linear(5, 2).load_state_dict(cr.load(tmp_path / "small.pt"))
    text = str(caught.value)
    assert "weight: checkpoint (3, 4), model (2, 5)" in text and "bias: checkpoint (3,)" in text


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[:5], "too short"),
    (lambda b: b[:-3], "do not fit"),
    (lambda b: (10**6).to_bytes(8, "little") + b[8:], "header claims"),
    (lambda b: b"just some text, not a tensor file at all", "header claims|not valid JSON"),
    (lambda b: b[:8] + b"\xff" + b[9:], "not valid JSON"),
])
def test_damaged_files_fail_with_a_clear_error(tmp_path, damage, message):
    good = io.BytesIO()
    cr.save({"w": cr.randn(4, 3), "step": 7}, good)
    with pytest.raises(FileFormatError, match=message):
        cr.load(io.BytesIO(damage(good.getvalue())))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(data=st.data())
def test_fuzzed_files_load_or_raise_a_file_format_error(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz", numbered=True)
    original = folder / "checkpoint.pt"
    if not original.exists():
        cr.manual_seed(0)
        cr.save({"model": nn.Linear(3, 2).state_dict(), "epoch": 4,
                 "optimizer": {"state": {0: {"step": cr.tensor(1.0)}}, "param_groups": []}},
                original)
    good = original.read_bytes()
    kind = data.draw(st.sampled_from(["flip", "truncate", "header", "splice"]))
    damaged = bytearray(good)
    if kind == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(damaged) - 1))
            damaged[i] ^= 1 << data.draw(st.integers(0, 7))
    elif kind == "truncate":
        damaged = damaged[: data.draw(st.integers(0, len(damaged) - 1))]
    elif kind == "header":
        size = int.from_bytes(good[:8], "little")
        header = good[8:8 + size].decode()
        numbers = [m.span() for m in re.finditer(r"\d+", header)]
        begin, end = numbers[data.draw(st.integers(0, len(numbers) - 1))]
        new = str(data.draw(st.integers(0, 10**7)))
        edited = (header[:begin] + new + header[end:]).encode()
        damaged = bytearray(len(edited).to_bytes(8, "little") + edited + good[8 + size:])
    else:
        i = data.draw(st.integers(0, len(damaged)))
        damaged[i:i] = data.draw(st.binary(min_size=1, max_size=32))
    path = folder / "damaged.pt"
    path.write_bytes(bytes(damaged))
    try:
        cr.load(path)
    except FileFormatError:
        pass
    assert original.read_bytes() == good


def test_no_pickle_anywhere_in_chainrule():
    pattern = re.compile(r"^\s*(import|from)\s+(pickle|cPickle|dill|marshal|shelve)\b|"
                         r"allow_pickle\s*=\s*True|torch\.load\(|__reduce", re.M)
    offenders = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                 if pattern.search(p.read_text())]
    assert offenders == []


def test_whole_modules_are_refused_with_the_way_to_save_them(tmp_path):
    with pytest.raises(TypeError, match=r"save its state_dict\(\) instead"):
        cr.save(nn.Linear(2, 2), tmp_path / "m.pt")
    assert not (tmp_path / "m.pt").exists()


class _Mixed:
    """Embedding, LayerNorm, GRU and MultiheadAttention, built by either library."""

    @staticmethod
    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = lib.nn.Embedding(20, 8)
                self.norm = lib.nn.LayerNorm(8)
                self.gru = lib.nn.GRU(8, 8, batch_first=True)
                self.attention = lib.nn.MultiheadAttention(8, 2, batch_first=True)

            def forward(self, tokens):
                x = self.norm(self.embed(tokens))
                x, _ = self.gru(x)
                return self.attention(x, x, x)[0]

        return Net()


def test_embedding_layernorm_gru_and_attention_weights_move_from_pytorch(tmp_path):
    torch.manual_seed(0)
    theirs = _Mixed.build(torch).eval()
    safetensors.torch.save_file(theirs.state_dict(), tmp_path / "mixed.safetensors")
    ours = _Mixed.build(cr).eval()
    ours.load_state_dict(cr.load(tmp_path / "mixed.safetensors"))
    tokens = np.random.default_rng(0).integers(0, 20, (3, 5))
    expected = theirs(torch.from_numpy(tokens)).detach().numpy()
    np.testing.assert_allclose(ours(cr.from_numpy(tokens)).detach().numpy(), expected,
                               rtol=1e-5, atol=1e-5)
