"""Recurrent training throughput: Fashion-MNIST read as sequences of 28 rows.

Workloads (input 28, hidden 128, one layer, batch_first, a Linear head on the last
step, Adam lr 1e-3, batch 128): lstm, and the same with a GRU. chainrule's nn.LSTM
against torch.nn.LSTM on the same batches and initial weights, each in a fresh worker
process, alternating (common.alternate_workers); a worker times three epochs after a
warm-up epoch, and the report gives the median.

Usage: python bench/bench_rnn.py [--rounds N] [--limit IMAGES] [--quick]
"""

from __future__ import annotations

import argparse
import json

from bench_mlp import fashion_batches

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

WORKLOADS = {"lstm": "LSTM 28-128, rows of Fashion-MNIST, Adam, batch 128",
             "gru": "GRU 28-128, rows of Fashion-MNIST, Adam, batch 128"}


def worker(library: str, workload: str, limit: int | None) -> dict:
    import torch

    import chainrule as cr
    from chainrule import nn, optim

    cr.manual_seed(0)
    batches = [(x.reshape(-1, 28, 28), y) for x, y in fashion_batches(128, limit)]
    layer = {"lstm": (nn.LSTM, torch.nn.LSTM), "gru": (nn.GRU, torch.nn.GRU)}[workload]
    ours_rnn, ours_head = layer[0](28, 128, batch_first=True), nn.Linear(128, 10)
    theirs_rnn = layer[1](28, 128, batch_first=True)
    theirs_head = torch.nn.Linear(128, 10)
    for mine, other in ((ours_rnn, theirs_rnn), (ours_head, theirs_head)):
        other.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                               for k, v in mine.state_dict().items()})
    if library == "chainrule":
        rnn, head, wrap = ours_rnn, ours_head, cr.from_numpy
        params = list(rnn.parameters()) + list(head.parameters())
        opt, criterion = optim.Adam(params, lr=1e-3), nn.CrossEntropyLoss()
    else:
        rnn, head, wrap = theirs_rnn, theirs_head, torch.from_numpy
        params = list(rnn.parameters()) + list(head.parameters())
        opt, criterion = torch.optim.Adam(params, lr=1e-3), torch.nn.CrossEntropyLoss()
    data = [(wrap(x), wrap(y)) for x, y in batches]

    def epoch():
        for x, y in data:
            out, _ = rnn(x)
            loss = criterion(head(out[:, -1]), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return loss

    seconds, loss = time_epochs(epoch)
    profile = profile_step(epoch, steps=1) if library == "chainrule" else None
    return {"seconds": seconds, "units": sum(len(y) for _, y in batches),
            "final_loss": float(loss), "profile": profile}


def flops_per_image(workload: str, steps: int = 28, inputs: int = 28, hidden: int = 128) -> float:
    """Matrix-product FLOPs of one image: the input and recurrent projections of every
    step, forward and twice that backward (no gradient for the images), and the head."""
    gates = {"lstm": 4, "gru": 3}[workload] * hidden
    projection = 2.0 * steps * inputs * gates
    recurrent = 2.0 * steps * hidden * gates
    head = 2.0 * hidden * 10
    return 2 * projection + 3 * (recurrent + head)


def main() -> None:
    run_as_users_do()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="images per epoch (all)")
    parser.add_argument("--quick", action="store_true", help="a few batches, nothing written")
    parser.add_argument("--worker", choices=["chainrule", "pytorch"])
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="lstm")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.workload, args.limit)))
        return
    rounds, limit = (1, 512) if args.quick else (args.rounds, args.limit)
    extra = ["--limit", str(limit)] if limit else []
    results, rows, profiles = [], [], []
    peak = peak_matmul_rate()
    for workload, name in WORKLOADS.items():
        runs = alternate_workers(__file__, ["chainrule", "pytorch"], rounds,
                                 ["--workload", workload, *extra])
        seconds = {lib: median([t for r in rs for t in r["seconds"]]) for lib, rs in runs.items()}
        units = runs["chainrule"][0]["units"]
        result = {"workload": name, "runs": runs, "median_seconds": seconds,
                  "throughput": {lib: units / s for lib, s in seconds.items()},
                  "speedup_over_pytorch": seconds["pytorch"] / seconds["chainrule"],
                  "machine_peak_matmul_gflops": peak / 1e9,
                  "fraction_of_peak_matmul": {lib: units * flops_per_image(workload) / s / peak
                                              for lib, s in seconds.items()},
                  "profile": runs["chainrule"][-1]["profile"]}
        results.append(result)
        profiles.append((name, result["profile"]))
        mfu = result["fraction_of_peak_matmul"]
        rows.append((name, f"{units / seconds['chainrule']:.0f} images/s",
                     f"{units / seconds['pytorch']:.0f} images/s",
                     f"{result['speedup_over_pytorch']:.2f}x",
                     f"{mfu['chainrule']:.1%} / {mfu['pytorch']:.1%}"))
    print(f"BLAS: {blas_report()}; peak matmul {peak / 1e9:.0f} GFLOP/s")
    print(table(rows, ("workload", "chainrule", "pytorch", "chainrule / pytorch",
                       "of peak matmul (chainrule / pytorch)")))
    for name, shares in profiles:
        print(f"\n{name}")
        print(profile_table(shares))
    if not args.quick:
        print("wrote", write("rnn", {"workloads": results}))


if __name__ == "__main__":
    main()
