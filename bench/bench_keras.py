"""Keras-style training: chainrule.keras against Keras 3 (PyTorch backend) and against the
same model written with chainrule.nn.

Workloads:
- seed: the seed article's model (10 inputs, Dense 64-64-10 with ReLU and softmax,
  Adam, sparse categorical cross-entropy, batch 32) trained with `fit` on 1,000 random
  samples; a worker times `fit` over 5 epochs after a 1-epoch warm-up. Keras's own
  overhead dominates here.
- cnn: the Keras-style CNN of examples/keras_cnn.py (channels-last) against the same
  network from `chainrule train --model cnn` (chainrule.nn, NCHW), Adam, batch 128, on
  random images; a worker times 20 training steps after 3 warm-up steps.
Each library runs in its own worker process, alternating (common.py); the table gives
milliseconds per step.

Usage: python bench/bench_keras.py [--rounds N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from common import alternate_workers, blas_report, median, run_as_users_do, table, write

SAMPLES, BATCH = 1000, 32
CNN_BATCH, CNN_STEPS = 128, 20


def worker(library: str, epochs: int) -> dict:
    rng = np.random.default_rng(0)
    x = rng.random((SAMPLES, 10)).astype(np.float32)
    y = rng.integers(0, 10, (SAMPLES, 1))
    if library == "keras3":
        os.environ["KERAS_BACKEND"] = "torch"
        import keras
        from keras import layers
    else:
        from chainrule import keras
        from chainrule.keras import layers
    if library == "chainrule-nn":
        return nn_worker(x, y, epochs)
    model = keras.Sequential([layers.Dense(64, activation="relu", input_shape=(10,)),
                              layers.Dense(64, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)  # warm-up
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=BATCH, verbose=0)
    seconds = time.perf_counter() - start
    return {"ms_per_step": seconds / (epochs * -(-SAMPLES // BATCH)) * 1e3}


def nn_worker(x, y, epochs: int) -> dict:
    """The same model and loop written by hand with chainrule.nn (the floor for keras)."""
    import chainrule as cr
    from chainrule import nn, optim

    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 10))
    opt, loss_fn = optim.Adam(model.parameters(), lr=1e-3), nn.CrossEntropyLoss()
    y = y.reshape(-1)

    def epoch():
        order = np.random.default_rng(0).permutation(SAMPLES)
        for begin in range(0, SAMPLES, BATCH):
            index = order[begin : begin + BATCH]
            loss = loss_fn(model(cr.from_numpy(x[index])), cr.from_numpy(y[index]))
            opt.zero_grad()
            loss.backward()
            opt.step()

    epoch()
    start = time.perf_counter()
    for _ in range(epochs):
        epoch()
    seconds = time.perf_counter() - start
    return {"ms_per_step": seconds / (epochs * -(-SAMPLES // BATCH)) * 1e3}


def cnn_worker(library: str, steps: int) -> dict:
    """ms per training step of the CNN, Keras-style or chainrule.nn."""
    import chainrule as cr

    rng = np.random.default_rng(0)
    images = rng.normal(size=(CNN_BATCH, 28, 28, 1)).astype(np.float32)
    labels = rng.integers(0, 10, CNN_BATCH)
    cr.manual_seed(0)
    if library == "chainrule-keras":
        sys.path.insert(0, str(Path(__file__).parents[1] / "examples"))
        from keras_cnn import build

        from chainrule import keras

        model = build()
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])

        def step():
            model.train_on_batch(images, labels)
    else:
        from chainrule import nn, optim
        from chainrule.cli.models import cnn

        model, loss_fn = cnn(), nn.CrossEntropyLoss()
        opt = optim.Adam(model.parameters(), lr=1e-3)
        x, y = cr.from_numpy(images.transpose(0, 3, 1, 2).copy()), cr.from_numpy(labels)

        def step():
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss.item()

    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return {"ms_per_step": (time.perf_counter() - start) / steps * 1e3}


def main() -> None:
    run_as_users_do()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one short round, nothing written")
    parser.add_argument("--worker", choices=["chainrule-keras", "keras3", "chainrule-nn"])
    parser.add_argument("--workload", choices=["seed", "cnn"], default="seed")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    if args.worker:
        result = (cnn_worker(args.worker, args.epochs) if args.workload == "cnn"
                  else worker(args.worker, args.epochs))
        print(json.dumps(result))
        return
    rounds, epochs = (1, 1) if args.quick else (args.rounds, args.epochs)
    libraries = ["chainrule-keras", "keras3", "chainrule-nn"]
    runs = alternate_workers(__file__, libraries, rounds, ["--epochs", str(epochs)])
    ms = {lib: median([r["ms_per_step"] for r in rs]) for lib, rs in runs.items()}
    rows = [(lib, f"{ms[lib]:.3f} ms/step", f"{ms['keras3'] / ms[lib]:.1f}x")
            for lib in libraries]
    print(f"BLAS: {blas_report()}")
    print("seed model 10-64-64-10, Adam, batch 32, fit on 1,000 samples")
    print(table(rows, ("library", "time per step", "speed relative to Keras 3")))

    cnn_libraries = ["chainrule-keras", "chainrule-nn"]
    cnn_steps = 2 if args.quick else CNN_STEPS
    cnn_runs = alternate_workers(__file__, cnn_libraries, rounds,
                                 ["--workload", "cnn", "--epochs", str(cnn_steps)])
    cnn_ms = {lib: median([r["ms_per_step"] for r in rs]) for lib, rs in cnn_runs.items()}
    print(f"\nCNN of examples/keras_cnn.py, Adam, batch {CNN_BATCH}, {cnn_steps} steps")
    print(table([(lib, f"{cnn_ms[lib]:.1f} ms/step",
                  f"{cnn_ms['chainrule-nn'] / cnn_ms[lib]:.2f}x") for lib in cnn_libraries],
                ("library", "time per step", "throughput relative to chainrule.nn")))
    if not args.quick:
        print("wrote", write("keras", {"ms_per_step": ms, "runs": runs,
                                       "cnn_ms_per_step": cnn_ms, "cnn_runs": cnn_runs}))


if __name__ == "__main__":
    main()
