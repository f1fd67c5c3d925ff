"""The generative examples against their PyTorch twins (the same file with its imports
changed), started from the same weights and fed the same batches; and their pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import chainrule as cr

from .pytorch_rewrite import load_both

FOLDER = Path(__file__).resolve().parents[2] / "examples" / "generative"
PNG = b"\x89PNG\r\n\x1a\n"


def _same_start(ours, theirs):
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})


@pytest.mark.parametrize("name, model, score, lr, tolerance", [
    ("autoencoder", "AutoEncoder", "test_error", 2e-3, 0.02),
    ("vae", "VAE", "test_loss", 1e-3, 0.02),
])
def test_same_start_same_batches_same_result_as_pytorch(tmp_path, name, model, score, lr,
                                                        tolerance):
    ours, theirs = load_both(FOLDER / f"{name}.py", tmp_path)
    cr.manual_seed(0)
    torch.manual_seed(0)
    models = [getattr(ours, model)(), getattr(theirs, model)()]
    _same_start(*models)
    optimizers = [lib.optim.Adam(m.parameters(), lr=lr) for lib, m in zip((cr, torch), models)]
    data = [module.images(True, 3000) for module in (ours, theirs)]
    tests = [module.images(False, 1000) for module in (ours, theirs)]
    rng = np.random.default_rng(0)
    for _ in range(3):
        order = rng.permutation(3000)
        for module, m, opt, x in zip((ours, theirs), models, optimizers, data):
            module.train_epoch(m, opt, x, order, 64)
    results = [getattr(module, score)(m, x) for module, m, x in zip((ours, theirs), models,
                                                                    tests)]
    assert results[0] == pytest.approx(results[1], rel=tolerance), results


@pytest.mark.parametrize("name, pictures", [
    ("autoencoder", ["reconstructions.png"]),
    ("vae", ["reconstructions.png", "samples.png"]),
])
def test_examples_run_and_draw(tmp_path, name, pictures):
    ours, _ = load_both(FOLDER / f"{name}.py", tmp_path)
    value = ours.main(["--epochs", "1", "--limit", "512", "--out", str(tmp_path / "out")])
    assert np.isfinite(value)
    for picture in pictures:
        data = (tmp_path / "out" / picture).read_bytes()
        assert data[:8] == PNG and len(data) > 2000


def test_the_gan_draws_things_a_classifier_recognises_and_its_losses_stay_finite(tmp_path):
    import json

    from chainrule.cli.main import main
    from chainrule.cli.models import mlp

    classifier_run = tmp_path / "classifier"
    assert main(["train", "--epochs", "2", "--train-size", "10000", "--test-size", "200",
                 "--out", str(classifier_run), "--no-progress"]) == 0
    standardize = json.loads((classifier_run / "metrics.json").read_text())["config"][
        "standardize"]
    classifier = mlp()
    classifier.load_state_dict(cr.load(classifier_run / "weights.safetensors"))
    classifier.eval()

    def mean_entropy(generator):
        pictures = ours.sample(generator, 256).numpy()
        x = ((pictures - standardize["mean"]) / standardize["std"]).astype(np.float32)
        p = cr.nn.functional.softmax(classifier(cr.from_numpy(x)), -1).detach().numpy()
        return float(-(p * np.log(p + 1e-12)).sum(1).mean())

    ours, _ = load_both(FOLDER / "dcgan.py", tmp_path)
    assert mean_entropy(ours.generator()) > 0.9 * np.log(10)  # untrained: near uniform
    generator, history = ours.main(["--epochs", "3", "--limit", "3200",
                                    "--out", str(tmp_path / "gan")])
    assert np.isfinite(history).all()
    assert mean_entropy(generator) < 0.8 * np.log(10)
    samples = (tmp_path / "gan" / "samples-03.png").read_bytes()
    assert samples[:8] == PNG and len(samples) > 5000
