"""Checkpoints: exact resume, atomic writes under SIGKILL, and runs that lose nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule import checkpoint, nn, optim
from chainrule.cli.main import main

QUICK = ["--train-size", "1280", "--test-size", "200", "--no-progress"]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])  # adam: with its one-cycle schedule
def test_a_run_resumed_from_epoch_2_equals_the_uninterrupted_run_bit_for_bit(
        tmp_path, optimizer):
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    assert main(["train", "--epochs", "4", "--optimizer", optimizer, "--out", str(whole),
                 *QUICK]) == 0
    assert main(["train", "--resume", str(whole / "checkpoints" / "epoch-2.safetensors"),
                 "--out", str(resumed), "--no-progress"]) == 0
    a, b = cr.load(whole / "weights.safetensors"), cr.load(resumed / "weights.safetensors")
    assert set(a) == set(b)
    for key in a:
        assert np.array_equal(a[key].numpy(), b[key].numpy()), key
    late_a = checkpoint.load(whole / "checkpoints" / "epoch-4.safetensors")
    late_b = checkpoint.load(resumed / "checkpoints" / "epoch-4.safetensors")
    assert checkpoint._differences("optimizer", late_a["optimizer"], late_b["optimizer"]) == []
    assert [h["epoch"] for h in late_b["metrics"]] == [1, 2, 3, 4]


def test_restore_puts_back_every_generator_and_verify_resume_checks_a_loop(tmp_path):
    cr.manual_seed(3)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 1))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    schedule = optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)
    loader_rng = cr.Generator(7)
    x, y = cr.randn(32, 4), cr.randn(32, 1)

    def train(steps):
        for _ in range(steps):
            order = cr.randperm(32, generator=loader_rng)[:8]
            loss = ((model(x[order]) - y[order]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
            np.random.rand(), random.random()  # the global generators move too

    train(3)
    checkpoint.save(tmp_path / "a.ckpt", model=model, optimizer=opt, scheduler=schedule,
                    rng=loader_rng, step=3)
    train(4)
    checkpoint.save(tmp_path / "b.ckpt", model=model, optimizer=opt, scheduler=schedule,
                    rng=loader_rng, step=7)
    assert checkpoint.verify_resume(tmp_path / "a.ckpt", tmp_path / "b.ckpt",
                                    lambda state: train(7 - state["step"]), model=model,
                                    optimizer=opt, scheduler=schedule, rng=loader_rng) == []
    # a resume that skips a step is caught
    assert checkpoint.verify_resume(tmp_path / "a.ckpt", tmp_path / "b.ckpt",
                                    lambda state: train(3), model=model, optimizer=opt,
                                    scheduler=schedule, rng=loader_rng) != []
    with pytest.warns(UserWarning, match="scheduler attached"):
        checkpoint.save(tmp_path / "c.ckpt", model=model, optimizer=opt)
    with pytest.raises(ValueError, match="not a chainrule training checkpoint"):
        cr.save({"w": cr.ones(1)}, tmp_path / "plain.pt")
        checkpoint.load(tmp_path / "plain.pt")


WRITER = """
import sys, chainrule as cr
from chainrule import checkpoint
path, count = sys.argv[1], 0
while True:
    count += 1
    checkpoint.save(path, step=count, big=cr.full((200_000,), float(count)))
    print(count, flush=True)
"""


def test_sigkill_while_writing_never_leaves_an_unreadable_checkpoint(tmp_path):
    path = tmp_path / "latest.ckpt"
    rng = random.Random(0)
    for _ in range(20):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)],
                                  stdout=subprocess.PIPE, text=True)
        writer.stdout.readline()  # one checkpoint is complete
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        state = checkpoint.load(path)
        assert (state["extra"]["big"].numpy() == state["step"]).all()


def test_runs_are_numbered_not_overwritten_and_bad_data_folders_are_errors(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["train", "--epochs", "1", *QUICK]
    assert main(args) == 0 and main(args) == 0
    assert (tmp_path / "runs" / "mlp" / "metrics.json").exists()
    assert (tmp_path / "runs" / "mlp-2" / "metrics.json").exists()
    with pytest.raises(SystemExit, match="holds an earlier run"):
        main([*args, "--out", "runs/mlp"])
    assert main([*args, "--out", "runs/mlp", "--overwrite"]) == 0
    with pytest.raises(SystemExit, match="does not hold the Fashion-MNIST IDX files"):
        main([*args, "--data", str(tmp_path / "nowhere")])
    with pytest.raises(SystemExit, match="no checkpoint there"):
        main(["train", "--resume", str(tmp_path)])


def test_an_unsaveable_extra_is_refused_before_anything_is_written(tmp_path):
    with warnings.catch_warnings(), pytest.raises(TypeError, match="cannot store"):
        checkpoint.save(tmp_path / "x.ckpt", thing=object())
    assert not (tmp_path / "x.ckpt").exists()
