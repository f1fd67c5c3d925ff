"""`chainrule predict`: classify image files with the weights of a `chainrule train` run.

The image is read as grayscale, resized to 28×28 by area averaging (or nearest pixels
when the size is not a multiple), inverted when its border is light (Fashion-MNIST
shows light clothes on black), and standardized with the run's own statistics. The run's
`metrics.json` beside the weights names the model; otherwise give `--model`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ..autograd.grad_mode import no_grad
from ..io import load
from ..nn import functional as F
from ..tensor import Tensor
from .explain import CLASSES
from .models import MODELS

# Fashion-MNIST's training-set statistics, for weights without a metrics.json
DEFAULT_STANDARDIZE = {"mean": 0.2860, "std": 0.3530}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("images", type=Path, nargs="+", help="PNG (or JPEG) files")
    parser.add_argument("--weights", type=Path, required=True,
                        help="weights.safetensors of a chainrule train run")
    parser.add_argument("--model", choices=sorted(MODELS), default=None,
                        help="the network (default: the run's, from its metrics.json)")
    parser.add_argument("--invert", choices=("auto", "yes", "no"), default="auto")
    parser.add_argument("--top", type=int, default=3, help="how many classes to print")


def read_image(path: Path, invert: str = "auto") -> np.ndarray:
    """A 28×28 float32 image in [0, 1], light object on a dark background."""
    import matplotlib.image

    try:
        image = np.asarray(matplotlib.image.imread(path), dtype=np.float32)
    except (OSError, ValueError, SyntaxError) as error:
        raise SystemExit(f"chainrule predict: cannot read {path} as an image ({error})") \
            from None
    if image.max() > 1.0:  # 8-bit JPEG
        image = image / 255.0
    if image.ndim == 3:
        image = image[..., :3].mean(-1)
    h, w = image.shape
    if h % 28 == 0 and w % 28 == 0:
        image = image.reshape(28, h // 28, 28, w // 28).mean((1, 3))
    else:
        image = image[(np.arange(28) * h) // 28][:, (np.arange(28) * w) // 28]
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]]).mean()
    if invert == "yes" or invert == "auto" and border > 0.5:
        image = 1.0 - image
    return image


def run(args) -> int:
    metrics_file = args.weights.parent / "metrics.json"
    config = json.loads(metrics_file.read_text())["config"] if metrics_file.exists() else {}
    name = args.model or config.get("model", "mlp")
    standardize = config.get("standardize", DEFAULT_STANDARDIZE)
    model = MODELS[name]()
    model.load_state_dict(load(args.weights))
    model.eval()
    batch = np.stack([read_image(p, args.invert) for p in args.images])[:, None]
    batch = (batch - standardize["mean"]) / standardize["std"]
    with no_grad():
        probabilities = F.softmax(model(Tensor._wrap(batch.astype(np.float32))), -1).numpy()
    for path, p in zip(args.images, probabilities):
        best = np.argsort(p)[::-1][: args.top]
        print(f"{path}: " + ", ".join(f"{CLASSES[k]} {p[k]:.1%}" for k in best))
    return 0
