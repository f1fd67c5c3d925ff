"""What watching costs: a training step with and without GradientMonitor (and anomaly mode).

Workload: the MLP of `chainrule train` (784-256-128-10, Adam, batch 128) on random
images, and the small 10-64-64-10 model of the Keras seed (batch 32). One process times
blocks of steps plain, monitored and under detect_anomaly in turn, and reports the
median time per step of each and the ratio to plain. Goal: the monitor adds at most 15%.

Usage: python bench/bench_diagnostics.py [--rounds N] [--quick]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from common import blas_report, median, run_as_users_do, table, write


def _setup(sizes: list[int], batch: int):
    import chainrule as cr
    from chainrule import nn, optim

    cr.manual_seed(0)
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    opt, loss_fn = optim.Adam(model.parameters(), lr=1e-3), nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = cr.from_numpy(rng.normal(size=(batch, sizes[0])).astype(np.float32))
    y = cr.from_numpy(rng.integers(0, sizes[-1], batch))

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return model, step


def measure(sizes: list[int], batch: int, steps: int, rounds: int) -> dict:
    from chainrule.autograd import detect_anomaly
    from chainrule.diagnostics import GradientMonitor

    model, step = _setup(sizes, batch)
    contexts = {"plain": lambda: None, "monitored": lambda: GradientMonitor(model, warn=False),
                "anomaly mode": lambda: detect_anomaly()}
    times = {name: [] for name in contexts}
    for _ in range(rounds):
        for name, make in contexts.items():
            context = make()
            if context is not None:
                context.__enter__()
            for _ in range(3):
                step()
            start = time.perf_counter()
            for _ in range(steps):
                step()
            times[name].append((time.perf_counter() - start) / steps * 1e3)
            if context is not None:
                context.__exit__(None, None, None)
    return {name: median(values) for name, values in times.items()}


def main() -> None:
    run_as_users_do()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one short round, nothing written")
    args = parser.parse_args()
    rounds, steps = (1, 5) if args.quick else (args.rounds, 100)
    warnings.simplefilter("ignore")
    results = {"mlp 784-256-128-10, batch 128": measure([784, 256, 128, 10], 128, steps, rounds),
               "seed 10-64-64-10, batch 32": measure([10, 64, 64, 10], 32, steps, rounds)}
    print(f"BLAS: {blas_report()}")
    print("chainrule training step, plain and watched")
    rows = [(workload, name, f"{ms:.3f} ms", f"{ms / r['plain']:.2f}x")
            for workload, r in results.items() for name, ms in r.items()]
    print(table(rows, ("workload", "watching", "time per step", "relative to plain")))
    if not args.quick:
        print("wrote", write("diagnostics", {"ms_per_step": results}))


if __name__ == "__main__":
    main()
