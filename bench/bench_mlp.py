"""Training throughput, chainrule against PyTorch, on the same models and batches.

Workloads:
  mlp        784-256-128-10 with ReLU on Fashion-MNIST, Adam, batch 128, one epoch a round.
  regression the seeds' 1-10-1 sigmoid network on 100 points, full-batch SGD, 500 steps.

Usage: python bench/bench_mlp.py [--rounds N] [--quick]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

import chainrule as cr
from chainrule import nn, optim
from chainrule.data.datasets import FashionMNIST

from common import alternate, median, table, write


def fashion_batches(batch_size: int, limit: int | None, seed: int = 0):
    data = FashionMNIST(train=True)
    images = data.data.numpy().reshape(len(data), -1).astype(np.float32) / 255.0
    images = (images - images.mean()) / images.std()
    labels = data.targets.numpy()
    order = np.random.default_rng(seed).permutation(len(images))[:limit]
    return [(images[order[i : i + batch_size]], labels[order[i : i + batch_size]])
            for i in range(0, len(order), batch_size)]


def build_pair(cr_layers, torch_layers):
    ours = nn.Sequential(*cr_layers)
    theirs = torch.nn.Sequential(*torch_layers)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    return ours, theirs


def chainrule_epoch(model, opt, loss_fn, batches):
    def run():
        for x, y in batches:
            loss = loss_fn(model(cr.from_numpy(x)), cr.from_numpy(y))
            opt.zero_grad()
            loss.backward()
            opt.step()
    return run


def torch_epoch(model, opt, loss_fn, batches):
    tensors = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]

    def run():
        for x, y in tensors:
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return run


def mlp_workload(rounds: int, limit: int | None) -> dict:
    batches = fashion_batches(128, limit)
    ours, theirs = build_pair(
        [nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)],
        [torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
         torch.nn.Linear(128, 10)])
    times = alternate({
        "chainrule": chainrule_epoch(ours, optim.Adam(ours.parameters(), lr=1e-3),
                                     nn.CrossEntropyLoss(), batches),
        "pytorch": torch_epoch(theirs, torch.optim.Adam(theirs.parameters(), lr=1e-3),
                               torch.nn.CrossEntropyLoss(), batches),
    }, rounds)
    images = sum(len(y) for _, y in batches)
    return _summary("mlp 784-256-128-10, Adam, batch 128", times, images, "images")


def regression_workload(rounds: int, steps: int = 500) -> dict:
    x = np.linspace(-1, 1, 100, dtype=np.float32).reshape(-1, 1)
    y = (x ** 2).astype(np.float32)
    ours, theirs = build_pair([nn.Linear(1, 10), nn.Sigmoid(), nn.Linear(10, 1)],
                              [torch.nn.Linear(1, 10), torch.nn.Sigmoid(),
                               torch.nn.Linear(10, 1)])
    batches = [(x, y)] * steps
    times = alternate({
        "chainrule": chainrule_epoch(ours, optim.SGD(ours.parameters(), lr=0.1),
                                     nn.MSELoss(), batches),
        "pytorch": torch_epoch(theirs, torch.optim.SGD(theirs.parameters(), lr=0.1),
                               torch.nn.MSELoss(), batches),
    }, rounds)
    return _summary("regression 1-10-1 sigmoid, SGD, 100 points", times, steps, "steps")


def _summary(name, times, units, unit_name) -> dict:
    ours, theirs = median(times["chainrule"]), median(times["pytorch"])
    return {"workload": name, "unit": unit_name, "units_per_round": units,
            "seconds": times, "median_seconds": {"chainrule": ours, "pytorch": theirs},
            "throughput": {"chainrule": units / ours, "pytorch": units / theirs},
            "speedup_over_pytorch": theirs / ours}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a few batches, for a smoke test")
    args = parser.parse_args()
    limit = 128 * 20 if args.quick else None
    rounds = 1 if args.quick else args.rounds
    results = [mlp_workload(rounds, limit), regression_workload(rounds)]
    rows = [(r["workload"], f"{r['throughput']['chainrule']:.0f} {r['unit']}/s",
             f"{r['throughput']['pytorch']:.0f} {r['unit']}/s",
             f"{r['speedup_over_pytorch']:.2f}x") for r in results]
    print(table(rows, ("workload", "chainrule", "pytorch", "chainrule / pytorch")))
    if not args.quick:
        print("wrote", write("training", {"workloads": results}))


if __name__ == "__main__":
    main()
