"""Per-op overhead: forward + backward of small ops in chainrule, PyTorch and raw NumPy.

On 10 floats the arithmetic is free, so the times are the frameworks' own overhead:
creating tensors and graph nodes, dispatch, and the backward walk. NumPy does the
forward and the hand-written backward with no graph at all: the floor.

Usage: python bench/bench_ops.py [--number N]
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch

import chainrule as cr

from common import blas_report, run_as_users_do, table, write

rng = np.random.default_rng(0)
A, B = rng.standard_normal(10).astype(np.float32), rng.standard_normal(10).astype(np.float32)
M = rng.standard_normal((10, 10)).astype(np.float32)
G = np.ones(10, np.float32)  # the upstream gradient


# NumPy's floor: the forward and the hand-written backward of each op, no graph.
def numpy_mul():
    return A * B, G * B, G * A


def numpy_add():
    return A + B, G, G


def numpy_exp():
    y = np.exp(A)
    return y, G * y


def numpy_relu():
    y = np.maximum(A, 0)
    return y, G * (y > 0)


def numpy_matvec():
    return M @ A, np.outer(G, A), M.T @ G


def numpy_softmax():
    e = np.exp(A - A.max())
    y = e / e.sum()
    return y, y * (G - (G * y).sum())


# name: (the same expression for chainrule and torch tensors a, b, m; NumPy's version)
OPS = {
    "a * b": (lambda a, b, m: a * b, numpy_mul),
    "a + b": (lambda a, b, m: a + b, numpy_add),
    "exp(a)": (lambda a, b, m: a.exp(), numpy_exp),
    "relu(a)": (lambda a, b, m: a.relu(), numpy_relu),
    "m @ a": (lambda a, b, m: m @ a, numpy_matvec),
    "softmax(a)": (lambda a, b, m: a.softmax(0), numpy_softmax),
}


def frameworks(expression):
    a, b, m = (cr.tensor(v, requires_grad=True) for v in (A, B, M))
    ta, tb, tm = (torch.tensor(v, requires_grad=True) for v in (A, B, M))
    g, tg = cr.ones(expression(a, b, m).shape), torch.ones(expression(ta, tb, tm).shape)

    def ours():
        expression(a, b, m).backward(g)

    def theirs():
        expression(ta, tb, tm).backward(tg)

    return ours, theirs


def main() -> None:
    run_as_users_do()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--number", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a few calls, nothing written")
    args = parser.parse_args()
    if args.quick:
        args.number, args.repeat = 20, 1
    torch.set_num_threads(1)  # 10 floats: threads only add overhead
    rows, results = [], {}
    for name, (expression, numpy_version) in OPS.items():
        ours, theirs = frameworks(expression)
        times = {}
        for _ in range(args.repeat):  # alternate, keep the best of each
            for label, run in (("chainrule", ours), ("pytorch", theirs),
                               ("numpy", numpy_version)):
                t = timeit.timeit(run, number=args.number) / args.number * 1e6
                times[label] = min(times.get(label, float("inf")), t)
        results[name] = {"microseconds": times,
                         "chainrule_over_pytorch": times["chainrule"] / times["pytorch"]}
        rows.append((name, f"{times['chainrule']:.1f}", f"{times['pytorch']:.1f}",
                     f"{times['numpy']:.1f}", f"{times['pytorch'] / times['chainrule']:.2f}x"))
    print(f"BLAS: {blas_report()}")
    print("forward + backward, microseconds per call (best of alternating repeats)")
    print(table(rows, ("op", "chainrule", "pytorch", "numpy", "speedup over pytorch")))
    if not args.quick:
        print("wrote", write("ops", {"ops": results}))


if __name__ == "__main__":
    main()
