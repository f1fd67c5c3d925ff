"""`chainrule predict` on PNG files made from Fashion-MNIST test images."""

from __future__ import annotations

import json

import matplotlib.image
import numpy as np
import pytest

import chainrule as cr
from chainrule.cli.explain import CLASSES
from chainrule.cli.main import main
from chainrule.cli.models import mlp
from chainrule.cli.predict import read_image
from chainrule.data.datasets import FashionMNIST


def test_predict_agrees_with_the_model_on_the_same_images(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--train-size", "2560", "--test-size", "100",
                 "--out", str(run), "--no-progress"]) == 0
    test = FashionMNIST(train=False)
    paths = []
    for k in range(3):
        image = test.data.numpy()[k]
        paths.append(tmp_path / f"{k}.png")
        # as a user's picture: 56x56, dark clothes on a light background
        big = np.kron(255 - image, np.ones((2, 2), dtype=np.uint8))
        matplotlib.image.imsave(paths[-1], big, cmap="gray", vmin=0, vmax=255)
    capsys.readouterr()
    assert main(["predict", "--weights", str(run / "weights.safetensors"),
                 *map(str, paths)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    config = json.loads((run / "metrics.json").read_text())["config"]
    model = mlp()
    model.load_state_dict(cr.load(run / "weights.safetensors"))
    model.eval()
    x = (test.data.numpy()[:3, None].astype(np.float32) / 255 - config["standardize"]["mean"]) \
        / config["standardize"]["std"]
    expected = model(cr.from_numpy(x)).detach().numpy().argmax(1)
    for line, k in zip(lines, expected):
        assert line.split(": ")[1].startswith(CLASSES[k]), (line, CLASSES[k])


def test_images_are_read_resized_and_inverted(tmp_path):
    light = np.ones((30, 45, 3), dtype=np.float32)
    light[10:20, 15:30] = 0.0
    matplotlib.image.imsave(tmp_path / "a.png", light)
    image = read_image(tmp_path / "a.png")
    assert image.shape == (28, 28) and image[0, 0] == pytest.approx(0.0)
    assert image[14, 14] == pytest.approx(1.0)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(SystemExit, match="cannot read"):
        read_image(tmp_path / "bad.png")
