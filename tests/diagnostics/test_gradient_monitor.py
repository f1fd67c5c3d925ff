"""GradientMonitor: the seed articles' failures found on real training, and silence on a
healthy network."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule import keras, nn, optim
from chainrule.data.datasets import FashionMNIST
from chainrule.diagnostics import GradientMonitor, GradientWarning
from chainrule.keras import layers


def _train(model, batches, loss_fn, lr=0.01, optimizer=optim.SGD):
    opt = optimizer(model.parameters(), lr=lr)
    for x, y in batches:
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


def _findings(monitor, kind):
    return [f for f in monitor.findings if f.kind == kind]


def test_a_deep_sigmoid_network_with_standard_normal_weights_has_vanishing_gradients():
    cr.manual_seed(0)
    blocks = []
    for _ in range(19):
        blocks += [nn.Linear(32, 32), nn.Sigmoid()]
    model = nn.Sequential(*blocks, nn.Linear(32, 10))
    for p in model.parameters():
        nn.init.normal_(p)  # the seed articles' "random normal" initialization
    batches = [(cr.randn(64, 32), cr.randint(0, 10, (64,))) for _ in range(5)]
    with pytest.warns(GradientWarning, match="vanishing gradients") as caught:
        with GradientMonitor(model) as monitor:
            _train(model, batches, nn.CrossEntropyLoss())
    (finding,) = _findings(monitor, "vanishing")
    assert finding.where[0] == "[0] (Linear)" and "[2] (Linear)" in finding.where
    assert "[38] (Linear)" in finding.evidence  # the last layer, the reference
    message = str(caught[0].message)
    assert "ReLU" in message and "He" in message and "BatchNorm" in message
    first, last = monitor.history("[0] (Linear)")[-1], monitor.history("[38] (Linear)")[-1]
    assert first < 1e-3 * last


class PlainRNNRegressor(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn, self.head = nn.RNN(4, 16, batch_first=True), nn.Linear(16, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def test_a_plain_rnn_with_a_large_recurrent_weight_has_exploding_gradients():
    cr.manual_seed(0)
    model = PlainRNNRegressor()
    with cr.no_grad():
        model.rnn.weight_hh_l0.mul_(8.0)  # recurrent gain far above 1
    batches = [(cr.randn(8, 50, 4), cr.randn(8, 1)) for _ in range(3)]
    with pytest.warns(GradientWarning, match="exploding gradients") as caught:
        with GradientMonitor(model) as monitor:
            _train(model, batches, nn.MSELoss(), lr=1e-4)
    (finding,) = _findings(monitor, "exploding")
    assert finding.where[0] == "rnn (RNN)"
    assert "clip_grad_norm_" in str(caught[0].message) and "LSTM" in str(caught[0].message)


def test_a_he_initialized_relu_network_on_fashion_mnist_raises_no_finding():
    cr.manual_seed(0)
    data = FashionMNIST(train=True)
    images = data.data.numpy()[:3200].reshape(-1, 784).astype(np.float32) / 255.0
    images = (images - images.mean()) / images.std()
    labels = data.targets.numpy()[:3200]
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    for module in model:
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)
    batches = [(cr.from_numpy(images[i:i + 64]), cr.from_numpy(labels[i:i + 64]))
               for i in range(0, 3200, 64)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", GradientWarning)
        with GradientMonitor(model) as monitor:
            _train(model, batches, nn.CrossEntropyLoss(), lr=1e-3, optimizer=optim.Adam)
    assert monitor.findings == [] and len(monitor.steps) == 50
    step = monitor.steps[-1]
    assert set(step["layers"]) == {"[0] (Linear)", "[2] (Linear)", "[4] (Linear)"}
    ratios = [r for r in monitor.history("[0] (Linear)", "update_ratio") if not math.isnan(r)]
    assert len(ratios) == 5 and all(1e-4 < r < 1e-1 for r in ratios)  # every 10th step
    assert 0 <= step["dead_relu"]["[1]"] < 0.5


def test_dead_relus_are_found_and_the_report_and_picture_are_made(tmp_path, capsys):
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    with cr.no_grad():
        model[0].bias.fill_(-100.0)  # every unit negative on every input: all dead
    batches = [(cr.randn(32, 8), cr.randn(32, 1)) for _ in range(4)]
    with pytest.warns(GradientWarning, match="dying ReLU"):
        with GradientMonitor(model) as monitor:
            _train(model, batches, nn.MSELoss())
    assert monitor.steps[-1]["dead_relu"] == {"[1]": 1.0}
    text = monitor.report()
    assert "[0] (Linear)" in text and "dead ReLU units in [1]: 100%" in text
    assert text in capsys.readouterr().out
    path = tmp_path / "flow.png"
    monitor.plot(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 2000


def test_non_finite_gradients_are_reported_at_once_with_their_fraction():
    w = nn.Linear(4, 1)
    x = cr.tensor([[1.0, 2.0, 3.0, float("inf")]])
    with pytest.warns(GradientWarning, match="non-finite"):
        with GradientMonitor(w, patience=10) as monitor:
            w(x).sum().backward()
    layer = monitor.steps[0]["layers"]["(model) (Linear)"]
    assert layer["nonfinite"] == pytest.approx(1 / 5) and not math.isfinite(layer["grad_norm"])


def test_the_monitor_is_a_keras_callback():
    cr.manual_seed(0)
    model = keras.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
                              layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    monitor = GradientMonitor(warn=False)
    model.fit(np.random.rand(64, 4), np.random.rand(64), batch_size=16, epochs=2, verbose=0,
              callbacks=[monitor])
    assert len(monitor.steps) == 8
    assert set(monitor.steps[0]["layers"]) == {"[0] (Dense)", "[1] (Dense)"}
    assert "[0]" in monitor.steps[0]["dead_relu"]
    # detached when fit ends: more training records nothing
    model.fit(np.random.rand(16, 4), np.random.rand(16), batch_size=16, verbose=0)
    assert len(monitor.steps) == 8

