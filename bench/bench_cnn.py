"""CNN training throughput and peak memory, chainrule against PyTorch.

The network (the issue's workload): Conv2d(1, 32, 3, padding=1) - ReLU - MaxPool2d(2) -
Conv2d(32, 64, 3, padding=1) - ReLU - MaxPool2d(2) - Linear(3136, 128) - ReLU -
Linear(128, 10); Adam, batch 128, the same Fashion-MNIST batches and initial weights.

Each round starts one worker process per library, alternating: separate processes keep
one library's thread pool from slowing the other, and let each one's peak memory be
measured on its own. The training step's useful work (the GEMM FLOPs of convolutions
and linear layers, forward and backward) is compared with the machine's peak
matrix-multiply rate, measured here with large float32 matmuls.

Usage: python bench/bench_cnn.py [--rounds N] [--batches B]
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np

from common import alternate_workers, blas_kernel, median, run_as_users_do, table, write

BATCH = 128
# (kind, input channels, output channels, output positions per image, kernel elements)
LAYERS = [("conv", 1, 32, 28 * 28, 9), ("conv", 32, 64, 14 * 14, 9),
          ("linear", 3136, 128, 1, 1), ("linear", 128, 10, 1, 1)]


def step_flops() -> float:
    """Multiply-adds ×2 of one training step; the first layer needs no input gradient."""
    total = 0.0
    for i, (_, cin, cout, positions, kernel) in enumerate(LAYERS):
        forward = 2.0 * BATCH * positions * cout * cin * kernel
        total += forward * (2 if i == 0 else 3)
    return total


def peak_matmul_rate(library: str, size: int = 2048, repeats: int = 5) -> float:
    if library == "numpy":
        a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
        run = lambda: a @ a  # noqa: E731
    else:
        import torch

        a = torch.randn(size, size)
        run = lambda: a @ a  # noqa: E731
    run()
    best = min(_timed(run) for _ in range(repeats))
    return 2.0 * size ** 3 / best


def _timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def worker(library: str, batches: int) -> dict:
    import torch

    import chainrule as cr
    from chainrule import nn, optim
    from chainrule.data.datasets import FashionMNIST

    data = FashionMNIST(train=True)
    order = np.random.default_rng(0).permutation(len(data))[: (batches + 3) * BATCH]
    images = (data.data.numpy()[order][:, None].astype(np.float32) / 255.0 - 0.286) / 0.353
    labels = data.targets.numpy()[order]
    split = [(images[i : i + BATCH], labels[i : i + BATCH])
             for i in range(0, len(order), BATCH)]
    cr.manual_seed(0)
    ours = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    if library == "chainrule":
        model, opt, loss_fn = ours, optim.Adam(ours.parameters()), nn.CrossEntropyLoss()
        wrap = cr.from_numpy
    else:
        model = torch.nn.Sequential(
            torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Flatten(), torch.nn.Linear(3136, 128), torch.nn.ReLU(),
            torch.nn.Linear(128, 10))
        model.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                               for k, v in ours.state_dict().items()})
        opt, loss_fn, wrap = torch.optim.Adam(model.parameters()), torch.nn.CrossEntropyLoss(), \
            torch.from_numpy

    def step(x, y):
        loss = loss_fn(model(wrap(x)), wrap(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    for x, y in split[:3]:  # warm-up
        step(x, y)
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    for x, y in split[3:]:
        loss = step(x, y)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "batches": len(split) - 3, "final_loss": float(loss.item()),
            "peak_rss_mb": peak_kb / 1024, "baseline_rss_mb": baseline_kb / 1024}


def main() -> None:
    run_as_users_do()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--worker", choices=["chainrule", "pytorch"])
    parser.add_argument("--quick", action="store_true",
                        help="one round of two batches, nothing written (a smoke test)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.batches = 1, 2
    if args.worker:
        print(json.dumps(worker(args.worker, args.batches)))
        return
    runs = alternate_workers(__file__, ["chainrule", "pytorch"], args.rounds,
                             ["--batches", str(args.batches)])
    per_step = {lib: median([r["seconds"] / r["batches"] for r in rs]) for lib, rs in runs.items()}
    memory = {lib: median([r["peak_rss_mb"] for r in rs]) for lib, rs in runs.items()}
    peak_rate = max(peak_matmul_rate("numpy"), peak_matmul_rate("torch"))
    flops = step_flops()
    result = {
        "workload": "cnn conv32-conv64-fc128, Adam, batch 128",
        "runs": runs,
        "seconds_per_step": per_step,
        "images_per_second": {lib: BATCH / s for lib, s in per_step.items()},
        "speedup_over_pytorch": per_step["pytorch"] / per_step["chainrule"],
        "peak_rss_mb": memory,
        "memory_ratio_to_pytorch": memory["chainrule"] / memory["pytorch"],
        "step_gflop": flops / 1e9,
        "machine_peak_matmul_gflops": peak_rate / 1e9,
        "fraction_of_peak_matmul": {lib: flops / s / peak_rate for lib, s in per_step.items()},
        "epoch_seconds_estimate": {lib: s * (60000 / BATCH) for lib, s in per_step.items()},
    }
    rows = [(lib, f"{BATCH / per_step[lib]:.0f} images/s",
             f"{per_step[lib] * 60000 / BATCH:.1f} s", f"{memory[lib]:.0f} MB",
             f"{result['fraction_of_peak_matmul'][lib]:.0%}") for lib in runs]
    print(f"BLAS: {blas_kernel()}")
    print(table(rows, ("library", "throughput", "epoch (60k)", "peak RSS", "of peak matmul")))
    print(f"chainrule / pytorch: throughput {result['speedup_over_pytorch']:.2f}x, "
          f"peak memory {result['memory_ratio_to_pytorch']:.2f}x; machine peak matmul "
          f"{peak_rate / 1e9:.0f} GFLOP/s, {flops / 1e9:.2f} GFLOP per step")
    if not args.quick:
        print("wrote", write("cnn", result))


if __name__ == "__main__":
    main()
