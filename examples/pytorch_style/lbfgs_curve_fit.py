"""Fit y = a·exp(-b·x) + c to noisy samples with L-BFGS and the strong Wolfe line search.

Run:  python examples/pytorch_style/lbfgs_curve_fit.py [--steps 20]
"""

import argparse

import chainrule as torch
import chainrule.optim as optim


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    x = torch.linspace(0, 4, 200, dtype=torch.float64)
    noise = 0.02 * torch.randn(200, dtype=torch.float64)
    y = 2.5 * torch.exp(-1.3 * x) + 0.5 + noise
    params = torch.tensor([1.0, 1.0, 0.0], dtype=torch.float64, requires_grad=True)
    optimizer = optim.LBFGS([params], lr=1, max_iter=20, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        a, b, c = params[0], params[1], params[2]
        loss = ((a * torch.exp(-b * x) + c - y) ** 2).mean()
        loss.backward()
        return loss

    loss = None
    for _ in range(args.steps):
        loss = optimizer.step(closure)
    a, b, c = params.tolist()
    print(f"fitted a = {a:.3f}, b = {b:.3f}, c = {c:.3f} (true 2.5, 1.3, 0.5); "
          f"loss {loss.item():.6f}")
    return params.detach().tolist()


if __name__ == "__main__":
    main()
