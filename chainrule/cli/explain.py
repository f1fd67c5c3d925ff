"""`chainrule explain`: backpropagation told step by step, or what a classifier looks at.

With no options it walks the classic worked example: inputs (2, 3), target 1, one
sigmoid hidden unit and a linear output unit, every weight and bias 0.5, loss
½(y − ŷ)², learning rate 0.1, printing every value, local derivative, chain-rule
product and update. `--image` instead draws saliency maps and integrated gradients for
a few Fashion-MNIST test images as a PNG grid, for the weights of a `chainrule train`
run (or for an MLP it trains for one quick epoch first).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from .. import nn, optim
from ..data.datasets import FashionMNIST
from ..explain import classic_example, integrated_gradients, saliency
from ..io import load
from ..random import manual_seed
from ..tensor import Tensor
from .models import MODELS

CLASSES = ("T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Boot")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--markdown", action="store_true", help="write Markdown, not text")
    parser.add_argument("--image", action="store_true",
                        help="attributions for Fashion-MNIST test images instead")
    parser.add_argument("--model", choices=sorted(MODELS), default="mlp")
    parser.add_argument("--weights", type=Path, default=None,
                        help="weights of a `chainrule train` run of --model")
    parser.add_argument("--count", type=int, default=4, help="how many test images")
    parser.add_argument("--out", type=Path, default=Path("attributions.png"))
    parser.add_argument("--data", type=Path, default=None, help="folder with the IDX files")


def run(args) -> int:
    if not args.image:
        print(classic_example("markdown" if args.markdown else "text"), end="")
        return 0
    if args.count < 1:
        raise SystemExit(f"chainrule explain: --count must be positive, got {args.count}")
    manual_seed(0)
    train, test = FashionMNIST(args.data, train=True), FashionMNIST(args.data, train=False)
    images = train.data.numpy().astype(np.float32) / 255.0
    mean, std = float(images.mean()), float(images.std())
    model = MODELS[args.model]()
    if args.weights is not None:
        model.load_state_dict(load(args.weights))
    else:
        print("no --weights: training an MLP for one quick epoch first", flush=True)
        _quick_fit(model, (images[:, None] - mean) / std, train.targets.numpy())
    x = (test.data.numpy()[: args.count, None].astype(np.float32) / 255.0 - mean) / std
    model.eval()
    predicted = model(Tensor._wrap(x)).detach().numpy().argmax(1)
    maps = [saliency(model, x, predicted).numpy(),
            integrated_gradients(model, x, predicted, baseline=(0.0 - mean) / std,
                                 steps=32).numpy()]  # baseline: a black image
    _draw(args.out, x, maps, predicted, test.targets.numpy()[: args.count])
    print(f"wrote {args.out}: image, saliency and integrated gradients for the predicted "
          f"class of {args.count} test images")
    return 0


def _quick_fit(model, x: np.ndarray, y: np.ndarray, size: int = 12000) -> None:
    opt, loss_fn = optim.Adam(model.parameters(), lr=2e-3), nn.CrossEntropyLoss()
    for start in range(0, size, 128):
        loss = loss_fn(model(Tensor._wrap(x[start:start + 128])),
                       Tensor._wrap(y[start:start + 128]))
        opt.zero_grad()
        loss.backward()
        opt.step()


def _draw(path: Path, x, maps, predicted, labels) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(x), 3, figsize=(6, 2 * len(x)), squeeze=False)
    for row in range(len(x)):
        panels = [(x[row, 0], "gray", f"{CLASSES[labels[row]]} -> {CLASSES[predicted[row]]}"),
                  (maps[0][row, 0], "hot", "saliency |dscore/dx|"),
                  (maps[1][row, 0], "bwr", "integrated gradients")]
        for ax, (image, cmap, title) in zip(axes[row], panels):
            limit = np.abs(image).max() or 1.0
            ax.imshow(image, cmap=cmap, **({"vmin": -limit, "vmax": limit}
                                          if cmap == "bwr" else {}))
            ax.set_title(title, fontsize=8)
            ax.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)
