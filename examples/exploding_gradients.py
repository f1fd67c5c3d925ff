"""Exploding gradients made visible: a plain RNN trained with and without clipping.

Backpropagation through time multiplies the gradient by the recurrent Jacobian
W_hhᵀ·diag(1 - h²) once per step. When W_hh's largest singular value is well above 1
(here it is scaled to `--scale`), those products grow geometrically with the
distance between a loss and the step it blames: the gradient norm explodes and one
update throws the weights far away. `clip_grad_norm_` rescales the whole gradient to
at most `--max-norm` before the step; the direction is kept, the blow-up is not.

The task: read a sequence of 30 random numbers and output the first one at the end
(a memory task, so the loss depends on the earliest steps).

Run:  python examples/exploding_gradients.py [--steps 300]
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule as cr
from chainrule import nn, optim


def train(clip: float | None, args) -> list[tuple[float, float]]:
    """(loss, gradient norm before clipping) for each step."""
    cr.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    rnn, head = nn.RNN(1, args.hidden, batch_first=True), nn.Linear(args.hidden, 1)
    with cr.no_grad():
        w = rnn.weight_hh_l0
        w.mul_(args.scale / np.linalg.norm(w.detach().numpy(), 2))  # largest singular value = scale
    params = list(rnn.parameters()) + list(head.parameters())
    opt = optim.SGD(params, lr=args.lr)
    history = []
    for _ in range(args.steps):
        x = rng.standard_normal((32, args.length, 1)).astype(np.float32)
        out, _ = rnn(cr.tensor(x))
        loss = nn.functional.mse_loss(head(out[:, -1]), cr.tensor(x[:, 0]))
        opt.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(params, clip if clip else float("inf")).item()
        opt.step()
        history.append((loss.item(), norm))
    return history


def summary(history) -> str:
    losses = np.array([h[0] for h in history])
    norms = np.array([h[1] for h in history])
    finite = np.isfinite(losses)
    last = losses[-20:]
    return (f"largest gradient norm {np.nanmax(np.where(np.isfinite(norms), norms, np.nan)):.3g}"
            f"{' (then non-finite)' if not np.all(np.isfinite(norms)) else ''}, "
            f"final loss {np.mean(last) if np.all(np.isfinite(last)) else float('nan'):.4f}, "
            f"{(~finite).sum()} steps with a non-finite loss")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--length", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--scale", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=0.2)
    parser.add_argument("--max-norm", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    results = {}
    for label, clip in (("without clipping", None), (f"clip_grad_norm_({args.max_norm})",
                                                      args.max_norm)):
        with np.errstate(all="ignore"):
            history = train(clip, args)
        results[label] = history
        print(f"{label:24s} {summary(history)}")
        for step in (0, 1, 2, 5, 10, args.steps - 1):
            if step < len(history):
                loss, norm = history[step]
                print(f"    step {step:4d}: loss {loss:10.4g}, gradient norm {norm:10.4g}")
    return results


if __name__ == "__main__":
    main()
