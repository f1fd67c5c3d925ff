"""Fit y = a + bx + cx² + dx³ to sin(x) with hand-written gradient steps, as the classic
PyTorch tutorials do: the model is a Linear layer on (x, x², x³), and the update goes
through `.data` under no_grad.

Run:  python examples/pytorch_style/polynomial_regression.py [--steps 2000]
"""

import argparse
import math

import chainrule as torch
from chainrule import nn


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=1e-6)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    powers = torch.tensor([1, 2, 3])
    features = x.unsqueeze(-1).pow(powers)
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    loss_fn = nn.MSELoss(reduction="sum")
    loss = None
    for step in range(args.steps):
        loss = loss_fn(model(features), y)
        if step % 500 == 499:
            print(f"step {step + 1}: loss {loss.item():.2f}")
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param.data -= args.lr * param.grad.data
    linear = model[0]
    b, c, d = linear.weight[:, 0].item(), linear.weight[:, 1].item(), linear.weight[:, 2].item()
    print(f"result: y = {linear.bias.item():.4f} + {b:.4f} x + {c:.4f} x^2 + {d:.4f} x^3")
    return loss.item()


if __name__ == "__main__":
    main()
