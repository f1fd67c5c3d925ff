"""Shared benchmark plumbing: alternate the contenders round by round, report ratios.

Absolute times drift on shared machines; alternating chainrule and PyTorch round by
round and comparing their medians keeps the ratio honest.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"

# Some shared machines set these to keep old OpenBLAS builds on safe AVX2 kernels; a
# user's machine does not, and on AVX-512 cores they halve NumPy's matrix products.
# Benchmarks run without them (tests and CI keep the environment as it is).
BLAS_GUARDS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def users_environment() -> dict:
    """This process's environment without the OpenBLAS guard variables."""
    return {k: v for k, v in os.environ.items() if k not in BLAS_GUARDS}


def run_as_users_do() -> None:
    """Restart this benchmark without the guard variables if they are set (they are read
    once, when OpenBLAS loads, so they cannot be removed from a running process)."""
    found = [k for k in BLAS_GUARDS if k in os.environ]
    if found:
        env = users_environment()
        env[_REMOVED] = ",".join(found)  # recorded in the results (machine())
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


_REMOVED = "CHAINRULE_BENCH_REMOVED_BLAS_GUARDS"


def worker_blas_kernel() -> str:
    """The BLAS kernel a worker process reports, started with the environment the
    workers get (users_environment()): the kernel the timed code really ran."""
    code = "import sys; sys.path.insert(0, %r); import numpy, common; print(common.blas_kernel())"
    done = subprocess.run([sys.executable, "-c", code % str(Path(__file__).parent)],
                          capture_output=True, text=True, env=users_environment())
    return done.stdout.strip() or f"unknown ({done.stderr.strip()[-200:]})"


def blas_kernel() -> str:
    """The BLAS library, version and kernel NumPy runs, as threadpoolctl reports them."""
    from threadpoolctl import threadpool_info

    for info in threadpool_info():
        if info.get("user_api") == "blas":
            return (f"{info.get('internal_api')} {info.get('version')} "
                    f"{info.get('architecture')}, {info.get('num_threads')} threads")
    return "unknown"


def _cpu() -> tuple[str, bool]:
    """The CPU's model name, and whether it has AVX-512."""
    cpu, flags = platform.processor(), ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = line
    except OSError:
        pass
    return cpu, "avx512f" in flags.split()


def _removed_guards() -> list[str]:
    return [k for k in os.environ.get(_REMOVED, "").split(",") if k]


def blas_report(worker_kernel: str | None = None) -> str:
    """The kernel the workers' BLAS runs (`worker_kernel` if already asked for), and why:
    the guard variables this benchmark removed, and whether the CPU has AVX-512."""
    removed = _removed_guards()
    guards = f"removed {', '.join(removed)}" if removed else "neither was set"
    # OpenBLAS picks Haswell kernels on a CPU without AVX-512 of its own accord; with
    # AVX-512 present, Haswell would mean a guard variable was still in effect
    avx512 = "has AVX-512" if _cpu()[1] else "has no AVX-512 (AVX2 kernels are OpenBLAS's own pick)"
    return (f"{worker_kernel or worker_blas_kernel()}; workers run without "
            f"{' and '.join(BLAS_GUARDS)} ({guards}); this CPU {avx512}")


def machine() -> dict:
    cpu, avx512 = _cpu()
    worker_kernel = worker_blas_kernel()
    import torch

    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "blas": blas_kernel(),
            "cpu_avx512": avx512,
            "blas_guard_variables_set": [k for k in BLAS_GUARDS if k in os.environ],
            "blas_guard_variables_removed": _removed_guards(),
            "worker_blas": worker_kernel,
            "blas_report": blas_report(worker_kernel),
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "load_average": os.getloadavg()[0]}


# chainrule's workers run as a script that imports chainrule before NumPy: chainrule then
# tells idle thread pools to sleep (NOTE [ One owner for the cores ] in kernels/).
# The benchmark scripts import NumPy first, so their chainrule workers get the same two
# settings from the environment. "chainrule-numpy" is chainrule without its kernels.
CHAINRULE_THREADS = {"OPENBLAS_THREAD_TIMEOUT": "22", "OMP_WAIT_POLICY": "PASSIVE"}
# chainrule.allocator's NOTE [ Memory the next step reuses ], given to PyTorch's best set-up
PYTORCH_BEST_MALLOC = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824"


def worker_environment(library: str) -> dict:
    env = users_environment()
    if library.startswith("chainrule"):
        env.update({k: v for k, v in CHAINRULE_THREADS.items() if k not in os.environ})
    if library == "chainrule-numpy":
        env["CHAINRULE_KERNELS"] = "numpy"
    if library == "pytorch-best":  # the malloc settings chainrule makes when imported
        env["GLIBC_TUNABLES"] = PYTORCH_BEST_MALLOC
    return env


def alternate_workers(script: str, libraries: list[str], rounds: int,
                      extra: list[str], env: dict | None = None) -> dict[str, list[dict]]:
    """Run `script --worker LIB ...` once per library per round, in turn, each in a fresh
    process; collect the JSON each prints last.

    Separate processes keep one library's idle worker threads (OpenBLAS, OpenMP) from
    slowing the other on a 2-core machine, and let each one's peak memory be measured.
    """
    runs: dict[str, list[dict]] = {lib: [] for lib in libraries}
    for _ in range(rounds):
        for lib in libraries:
            out = subprocess.run([sys.executable, script, "--worker", lib, *extra],
                                 capture_output=True, text=True,
                                 env={**worker_environment(lib), **(env or {})})
            if out.returncode != 0:
                raise RuntimeError(f"{script} --worker {lib} failed:\n{out.stderr}")
            runs[lib].append(json.loads(out.stdout.strip().splitlines()[-1]))
    return runs


def time_epochs(epoch, runs: int = 3) -> tuple[list[float], object]:
    """Seconds of `runs` calls of epoch() after one warm-up call, and the last result."""
    import time

    epoch()  # warm-up: first-call allocations and caches
    seconds, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = epoch()
        seconds.append(time.perf_counter() - start)
    return seconds, result


def peak_matmul_rate(size: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of the best of large float32 matrix products, NumPy's and PyTorch's."""
    import time

    import torch

    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    t = torch.from_numpy(a)
    best = float("inf")
    for run in (lambda: a @ a, lambda: t @ t):
        run()
        for _ in range(repeats):
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
    return 2.0 * size ** 3 / best


# Where a chainrule step spends its time, by the file of the Python function running
# (with its NumPy and compiled calls counted in it): the profile the README quotes.
# The conv blocks' op (ops/conv_blocks.py) runs the convolution's GEMM; its kernels pool
# (with the ReLU, and the batch norm where there is one) straight from the GEMM's rows.
FAMILIES = [("convolution", ("ops/conv.py", "kernels/conv.py", "ops/conv_blocks.py")),
            ("pooling", ("ops/pool.py", "kernels/pool.py", "kernels/conv_blocks.py")),
            # a dense chain (ops/dense_chain.py) is linear layers and their activations
            ("linear (matrix products)", ("ops/linalg.py", "ops/dense_chain.py")),
            ("recurrence", ("ops/recurrent.py", "kernels/recurrent.py")),
            ("activations", ("ops/unary.py", "kernels/elementwise.py")),
            ("loss and softmax", ("ops/loss.py", "ops/softmax.py", "nn/functional/loss.py")),
            ("normalization", ("ops/norm.py", "kernels/norm.py")),
            ("optimizer", ("optim/", "kernels/optim.py")),
            ("autograd engine", ("autograd/",)),
            ("modules and shapes", ("nn/", "ops/"))]


def profile_step(step, steps: int = 5) -> dict[str, float]:
    """Share of a step's time per op family (FAMILIES), from cProfile over `steps` calls."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(builtins=False)
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    spent: dict[str, float] = {}
    for (path, _, _), (_, _, own, _, _) in pstats.Stats(profiler).stats.items():
        path = path.replace(os.sep, "/")
        family = "other (Python, framework glue)"
        if "/chainrule/" in path:
            inside = path.split("/chainrule/", 1)[1]
            family = next((name for name, parts in FAMILIES
                           if any(inside.startswith(p) for p in parts)), "other chainrule")
        spent[family] = spent.get(family, 0.0) + own
    total = sum(spent.values())
    return dict(sorted(((k, v / total) for k, v in spent.items()), key=lambda kv: -kv[1]))


def profile_table(shares: dict[str, float]) -> str:
    return table([(family, f"{share:.0%}") for family, share in shares.items()],
                 ("where chainrule's step spends its time", "share"))


def median(values: list[float]) -> float:
    return statistics.median(values)


def write(name: str, payload: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"machine": machine(), **payload}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def table(rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths))  # noqa: E731
    return "\n".join([line(header), line(tuple("-" * w for w in widths))] + [line(r) for r in rows])
