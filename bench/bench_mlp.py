"""Training throughput, chainrule against PyTorch, on the same models and batches.

Workloads:
  mlp        784-256-128-10 with ReLU on Fashion-MNIST, Adam, batch 128: one epoch per run.
  regression the seeds' 1-10-1 sigmoid network on 100 points, full-batch SGD: 2000 steps.

Each round runs each library in a fresh worker process, alternating (see
common.alternate_workers); a worker times three runs after one warm-up run, and the
report gives the median of all timed runs. For the MLP, chainrule also runs on its NumPy
references alone (chainrule-numpy) and a hand-written NumPy loop gives the floor. Each
workload reports its matrix-product FLOPs against the machine's peak rate, and a profile
of chainrule's step by op family.

Usage: python bench/bench_mlp.py [--rounds N] [--quick]
"""

from __future__ import annotations

import argparse
import json

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
    time_epochs,
    write,
)

WORKLOADS = {
    "mlp": ("mlp 784-256-128-10, Adam, batch 128", "images"),
    "regression": ("regression 1-10-1 sigmoid, SGD, 100 points", "steps"),
}
# matrix-product FLOPs per unit: forward, and twice that backward (no input gradient
# for the first layer)
LAYERS = {"mlp": [(784, 256), (256, 128), (128, 10)], "regression": [(1, 10), (10, 1)]}
ROWS_PER_UNIT = {"mlp": 1, "regression": 100}


def flops_per_unit(workload: str) -> float:
    layers = LAYERS[workload]
    forward = sum(2.0 * i * o for i, o in layers)
    return ROWS_PER_UNIT[workload] * (3 * forward - 2.0 * layers[0][0] * layers[0][1])


def fashion_batches(batch_size: int, limit: int | None, seed: int = 0):
    from chainrule.data.datasets import FashionMNIST

    data = FashionMNIST(train=True)
    images = data.data.numpy().reshape(len(data), -1).astype(np.float32) / 255.0
    images = (images - images.mean()) / images.std()
    labels = data.targets.numpy()
    order = np.random.default_rng(seed).permutation(len(images))[:limit]
    return [(images[order[i : i + batch_size]], labels[order[i : i + batch_size]])
            for i in range(0, len(order), batch_size)]


def regression_batches(steps: int):
    x = np.linspace(-1, 1, 100, dtype=np.float32).reshape(-1, 1)
    return [(x, x * x)] * steps


def numpy_mlp_epoch(params: list[np.ndarray], batches):
    """The MLP step written by hand in NumPy: the floor a framework's overhead sits on.

    Same math as the frameworks: linear-ReLU-linear-ReLU-linear, mean cross-entropy,
    backpropagation, Adam (lr 1e-3) updating the arrays in place.
    """
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    state = {"step": 0}

    def epoch():
        for x, y in batches:
            (w1, b1, w2, b2, w3, b3) = params
            h1 = np.maximum(x @ w1.T + b1, 0)
            h2 = np.maximum(h1 @ w2.T + b2, 0)
            logits = h2 @ w3.T + b3
            shifted = logits - logits.max(1, keepdims=True)
            probs = np.exp(shifted)
            probs /= probs.sum(1, keepdims=True)
            loss = -np.log(probs[np.arange(len(y)), y]).mean()
            g3 = probs
            g3[np.arange(len(y)), y] -= 1
            g3 /= len(y)
            g2 = (g3 @ w3) * (h2 > 0)
            g1 = (g2 @ w2) * (h1 > 0)
            grads = [g1.T @ x, g1.sum(0), g2.T @ h1, g2.sum(0), g3.T @ h2, g3.sum(0)]
            state["step"] += 1
            t = state["step"]
            for p, g, (m, v) in zip(params, grads, moments):
                m *= 0.9
                m += 0.1 * g
                v *= 0.999
                v += 0.001 * g * g
                p -= 1e-3 / (1 - 0.9 ** t) * m / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        return loss

    return epoch


def worker(library: str, workload: str, limit: int | None, steps: int) -> dict:
    import torch

    import chainrule as cr
    from chainrule import nn, optim

    cr.manual_seed(0)
    if workload == "mlp":
        batches = fashion_batches(128, limit)
        ours = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
        theirs = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                     torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                     torch.nn.Linear(128, 10))
        make_opt = {"chainrule": lambda p: optim.Adam(p, lr=1e-3),
                    "pytorch": lambda p: torch.optim.Adam(p, lr=1e-3)}
        loss_fn = {"chainrule": nn.CrossEntropyLoss(), "pytorch": torch.nn.CrossEntropyLoss()}
        units = sum(len(y) for _, y in batches)
    else:
        batches = regression_batches(steps)
        ours = nn.Sequential(nn.Linear(1, 10), nn.Sigmoid(), nn.Linear(10, 1))
        theirs = torch.nn.Sequential(torch.nn.Linear(1, 10), torch.nn.Sigmoid(),
                                     torch.nn.Linear(10, 1))
        make_opt = {"chainrule": lambda p: optim.SGD(p, lr=0.1),
                    "pytorch": lambda p: torch.optim.SGD(p, lr=0.1)}
        loss_fn = {"chainrule": nn.MSELoss(), "pytorch": torch.nn.MSELoss()}
        units = steps
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    profile = None
    if library == "numpy":
        epoch = numpy_mlp_epoch([p.detach().numpy().copy() for p in ours.parameters()],
                                batches)
    else:
        family = "chainrule" if library.startswith("chainrule") else "pytorch"
        model = ours if family == "chainrule" else theirs
        wrap = cr.from_numpy if family == "chainrule" else torch.from_numpy
        data = [(wrap(x), wrap(y)) for x, y in batches]
        opt, criterion = make_opt[family](model.parameters()), loss_fn[family]

        def epoch():
            for x, y in data:
                loss = criterion(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
            return loss

    seconds, loss = time_epochs(epoch)
    if library == "chainrule":
        profile = profile_step(epoch, steps=1)
    return {"seconds": seconds, "units": units, "final_loss": float(loss), "profile": profile}


def main() -> None:
    run_as_users_do()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a few batches, nothing written")
    parser.add_argument("--worker", choices=["chainrule", "chainrule-numpy", "pytorch", "numpy"])
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="mlp")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.workload, args.limit, args.steps)))
        return
    rounds = 1 if args.quick else args.rounds
    extra = {"mlp": ["--limit", "2560"] if args.quick else [],
             "regression": ["--steps", "50" if args.quick else str(args.steps)]}
    results, rows, profiles = [], [], []
    peak = peak_matmul_rate()
    for workload, (name, unit) in WORKLOADS.items():
        # The hand-written NumPy loop is the floor for the MLP (see numpy_mlp_epoch).
        libraries = ["chainrule", "pytorch"] + (["chainrule-numpy", "numpy"]
                                                if workload == "mlp" else [])
        runs = alternate_workers(__file__, libraries, rounds,
                                 ["--workload", workload, *extra[workload]])
        seconds = {lib: median([t for r in rs for t in r["seconds"]]) for lib, rs in runs.items()}
        units = runs["chainrule"][0]["units"]
        result = {"workload": name, "unit": unit, "units_per_run": units, "runs": runs,
                  "median_seconds": seconds,
                  "throughput": {lib: units / s for lib, s in seconds.items()},
                  "speedup_over_pytorch": seconds["pytorch"] / seconds["chainrule"],
                  "machine_peak_matmul_gflops": peak / 1e9,
                  "fraction_of_peak_matmul": {lib: units * flops_per_unit(workload) / s / peak
                                              for lib, s in seconds.items()},
                  "profile": runs["chainrule"][-1]["profile"]}
        if "chainrule-numpy" in seconds:
            result["numpy_path_speedup_over_pytorch"] = \
                seconds["pytorch"] / seconds["chainrule-numpy"]
        results.append(result)
        profiles.append((name, result["profile"]))
        numpy_rate = f"{units / seconds['numpy']:.0f} {unit}/s" if "numpy" in seconds else "-"
        path_rate = (f"{units / seconds['chainrule-numpy']:.0f} {unit}/s"
                     if "chainrule-numpy" in seconds else "-")
        mfu = result["fraction_of_peak_matmul"]
        rows.append((name, f"{units / seconds['chainrule']:.0f} {unit}/s", path_rate,
                     f"{units / seconds['pytorch']:.0f} {unit}/s", numpy_rate,
                     f"{result['speedup_over_pytorch']:.2f}x",
                     f"{mfu['chainrule']:.1%} / {mfu['pytorch']:.1%}"))
    print(f"BLAS: {blas_report()}; peak matmul {peak / 1e9:.0f} GFLOP/s")
    print(table(rows, ("workload", "chainrule", "chainrule (NumPy path)", "pytorch",
                       "hand-written numpy", "chainrule / pytorch",
                       "of peak matmul (chainrule / pytorch)")))
    for name, shares in profiles:
        print(f"\n{name}")
        print(profile_table(shares))
    if not args.quick:
        print("wrote", write("training", {"workloads": results}))


if __name__ == "__main__":
    main()
