"""CNN training throughput and peak memory, chainrule against PyTorch.

The network (the issue's workload): Conv2d(1, 32, 3, padding=1) - ReLU - MaxPool2d(2) -
Conv2d(32, 64, 3, padding=1) - ReLU - MaxPool2d(2) - Linear(3136, 128) - ReLU -
Linear(128, 10); Adam, batch 128, the same Fashion-MNIST batches and initial weights.

Contenders: chainrule (compiled kernels), chainrule-numpy (its NumPy references alone,
CHAINRULE_KERNELS=numpy), pytorch as a user runs it (NCHW, default Adam) and
pytorch-best (channels_last tensors, fused Adam, the malloc settings chainrule makes).
Each round starts one worker process per contender, alternating: separate processes
keep one library's thread pool from slowing the other, and let each one's peak memory
be measured on its own. chainrule's first step with an empty kernel cache is timed in
a worker of its own (the one-off compile), and its step is profiled by op family. The
training step's useful work (the GEMM FLOPs of convolutions and linear layers, forward
and backward) is compared with the machine's peak matrix-multiply rate, measured here
with large float32 matmuls.

Usage: python bench/bench_cnn.py [--rounds N] [--batches B]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time

import numpy as np

from common import (
    alternate_workers,
    blas_report,
    median,
    peak_matmul_rate,
    profile_step,
    profile_table,
    run_as_users_do,
    table,
    write,
)

BATCH = 128
CONTENDERS = ["chainrule", "chainrule-numpy", "pytorch", "pytorch-best"]
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
    if library.startswith("chainrule"):
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
        best = library == "pytorch-best"
        opt, loss_fn = torch.optim.Adam(model.parameters(), fused=best or None), \
            torch.nn.CrossEntropyLoss()
        wrap = torch.from_numpy
        if best:
            model = model.to(memory_format=torch.channels_last)
            wrap = lambda a: torch.from_numpy(a).contiguous(  # noqa: E731
                memory_format=torch.channels_last) if a.ndim == 4 else torch.from_numpy(a)

    def step(x, y):
        loss = loss_fn(model(wrap(x)), wrap(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    first = time.perf_counter()
    step(*split[0])  # the first step compiles chainrule's kernels, unless cached
    first_step = time.perf_counter() - first
    for x, y in split[1:3]:  # warm-up
        step(x, y)
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    for x, y in split[3:]:
        loss = step(x, y)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    profile = profile_step(lambda: step(*split[3])) if library == "chainrule" else None
    return {"seconds": seconds, "batches": len(split) - 3, "final_loss": float(loss.item()),
            "peak_rss_mb": peak_kb / 1024, "baseline_rss_mb": baseline_kb / 1024,
            "first_step_seconds": first_step, "profile": profile}


def main() -> None:
    run_as_users_do()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--worker", choices=CONTENDERS)
    parser.add_argument("--quick", action="store_true",
                        help="one round of two batches, nothing written (a smoke test)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.batches = 1, 2
    if args.worker:
        print(json.dumps(worker(args.worker, args.batches)))
        return
    with tempfile.TemporaryDirectory() as empty_cache:
        cold = alternate_workers(__file__, ["chainrule"], 1, ["--batches", "1"],
                                 env={"NUMBA_CACHE_DIR": empty_cache})["chainrule"][0]
    runs = alternate_workers(__file__, CONTENDERS, args.rounds, ["--batches", str(args.batches)])
    per_step = {lib: median([r["seconds"] / r["batches"] for r in rs]) for lib, rs in runs.items()}
    memory = {lib: median([r["peak_rss_mb"] for r in rs]) for lib, rs in runs.items()}
    peak_rate = peak_matmul_rate()
    flops = step_flops()
    result = {
        "workload": "cnn conv32-conv64-fc128, Adam, batch 128",
        "runs": runs,
        "seconds_per_step": per_step,
        "images_per_second": {lib: BATCH / s for lib, s in per_step.items()},
        "speedup_over_pytorch": per_step["pytorch"] / per_step["chainrule"],
        "speedup_over_pytorch_best": per_step["pytorch-best"] / per_step["chainrule"],
        "numpy_path_speedup_over_pytorch": per_step["pytorch"] / per_step["chainrule-numpy"],
        "first_step_seconds": {"empty_kernel_cache": cold["first_step_seconds"],
                               "cached": median([r["first_step_seconds"]
                                                 for r in runs["chainrule"]])},
        "profile": runs["chainrule"][-1]["profile"],
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
    print(f"BLAS: {blas_report()}")
    print(table(rows, ("library", "throughput", "epoch (60k)", "peak RSS", "of peak matmul")))
    print(f"chainrule / pytorch: throughput {result['speedup_over_pytorch']:.2f}x "
          f"(against pytorch-best {result['speedup_over_pytorch_best']:.2f}x; chainrule's NumPy "
          f"path alone {result['numpy_path_speedup_over_pytorch']:.2f}x), peak memory "
          f"{result['memory_ratio_to_pytorch']:.2f}x; machine peak matmul "
          f"{peak_rate / 1e9:.0f} GFLOP/s, {flops / 1e9:.2f} GFLOP per step")
    first = result["first_step_seconds"]
    print(f"chainrule's first step: {first['empty_kernel_cache']:.1f} s with an empty kernel "
          f"cache (compiling), {first['cached']:.2f} s with the cache")
    print(profile_table(result["profile"]))
    if not args.quick:
        print("wrote", write("cnn", result))


if __name__ == "__main__":
    main()
