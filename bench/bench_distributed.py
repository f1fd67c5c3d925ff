"""Data-parallel training over MPI: steps per second at 1 and 2 processes, the time spent
in allreduce, and a cost model for more machines.

Workloads: the MLP and the CNN of `chainrule train` (Adam, 128 images per process per
step, DistributedDataParallel). A job is `mpiexec -n K python bench_distributed.py
--worker MODEL`; with 2 processes on this 2-core machine each process gets one OpenBLAS
thread, with 1 process two. A worker times 30 steps after 3 warm-up steps, and separately
the allreduce of a buffer of the model's gradient size.

Cost model (README): a step moves 4 bytes per parameter; a ring allreduce over N machines
sends 2(N-1)/N of that per machine and takes 2(N-1) latencies α. With compute time t_c
per step, parallel efficiency is t_c / (t_c + T(N)); the table gives N where it drops
below 50%.

Usage: python bench/bench_distributed.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from common import blas_report, run_as_users_do, table, users_environment, write

MPIEXEC = Path(sys.executable).parent / "mpiexec"
LATENCY = 20e-6  # seconds per message on a 10/100 Gbit/s Ethernet link (assumed)


def worker(name: str, steps: int) -> dict:
    import chainrule as cr
    from chainrule import distributed as dist
    from chainrule import nn, optim
    from chainrule.cli.models import MODELS
    from chainrule.nn.parallel import DistributedDataParallel

    dist.init_process_group("mpi")
    cr.manual_seed(0)
    net = MODELS[name]()
    model = DistributedDataParallel(net)
    opt, loss_fn = optim.Adam(model.parameters(), lr=1e-3), nn.CrossEntropyLoss()
    rng = np.random.default_rng(dist.get_rank())
    x = cr.from_numpy(rng.normal(size=(128, 1, 28, 28)).astype(np.float32))
    y = cr.from_numpy(rng.integers(0, 10, 128))

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    dist.barrier()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    dist.barrier()
    seconds = (time.perf_counter() - start) / steps
    buffer = np.zeros(sum(p.numel() for p in net.parameters()), dtype=np.float32)
    start = time.perf_counter()
    for _ in range(steps):
        dist.all_reduce(buffer)
    allreduce = (time.perf_counter() - start) / steps
    return {"ms_per_step": seconds * 1e3, "allreduce_ms": allreduce * 1e3,
            "parameters": int(buffer.size)}


def job(name: str, processes: int, steps: int) -> dict:
    env = users_environment()
    env["OPENBLAS_NUM_THREADS"] = str(max(1, (os.cpu_count() or 2) // processes))
    done = subprocess.run([str(MPIEXEC), "-n", str(processes), sys.executable, __file__,
                           "--worker", name, "--steps", str(steps)],
                          capture_output=True, text=True, env=env, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{name} on {processes} processes failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machines_at_half_efficiency(compute_s: float, parameters: int, gbit: float) -> str:
    bandwidth = gbit * 1e9 / 8
    for n in range(2, 100_001):
        comm = 2 * (n - 1) / n * 4 * parameters / bandwidth + 2 * (n - 1) * LATENCY
        if comm > compute_s:
            return f"{n}" if n > 2 else "2 (communication already exceeds compute)"
    return "> 100,000"


def main() -> None:
    run_as_users_do()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="few steps, nothing written")
    args = parser.parse_args()
    if args.worker:
        result = worker(args.worker, args.steps)
        from chainrule import distributed as dist

        if dist.get_rank() == 0:
            print(json.dumps(result))
        return
    steps = 3 if args.quick else args.steps
    results, rows, model_rows = {}, [], []
    for name in ("mlp", "cnn"):
        runs = {n: job(name, n, steps) for n in (1, 2)}
        results[name] = runs
        for n, r in runs.items():
            rows.append((name, n, f"{1e3 / r['ms_per_step']:.1f}",
                         f"{n * 128 * 1e3 / r['ms_per_step']:.0f}",
                         f"{r['allreduce_ms']:.3f} ms"))
        compute = runs[1]["ms_per_step"] / 1e3
        model_rows.append((name, f"{runs[1]['parameters']:,}",
                           f"{4 * runs[1]['parameters'] / 1e6:.2f} MB",
                           *(machines_at_half_efficiency(compute, runs[1]["parameters"], g)
                             for g in (10, 100))))
    print(f"BLAS: {blas_report()}")
    print("chainrule train's models under DistributedDataParallel, 128 images per process")
    print(table(rows, ("model", "processes", "steps/s", "images/s", "allreduce/step")))
    print("\ncost model: ring allreduce, 20 µs per message, compute time of 1 process")
    print(table(model_rows, ("model", "parameters", "bytes/step", "machines at 50% "
                             "(10 Gbit/s)", "(100 Gbit/s)")))
    if not args.quick:
        print("wrote", write("distributed", results))


if __name__ == "__main__":
    main()
