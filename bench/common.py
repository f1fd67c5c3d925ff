"""Shared benchmark plumbing: alternate the contenders in one process, report ratios.

Absolute times drift on shared machines; alternating chainrule and PyTorch round by
round and comparing their medians keeps the ratio honest.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "torch": torch.__version__,
            "torch_threads": torch.get_num_threads()}


def alternate(contenders: dict[str, Callable[[], None]], rounds: int,
              warmup: int = 1, pause: float = 0.3) -> dict[str, list[float]]:
    """Run each contender once per round, in turn; return the seconds of each run.

    After each run the benchmark pauses: NumPy's OpenBLAS and PyTorch's OpenMP keep
    their idle worker threads spinning for a while after a parallel call, and on a
    2-core machine those spinning threads would slow whichever library runs next.
    """
    for _ in range(warmup):
        for run in contenders.values():
            run()
            time.sleep(pause)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
            time.sleep(pause)
    return times


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
