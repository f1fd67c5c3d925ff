"""A Keras-style CNN for Fashion-MNIST, written with chainrule.keras as Keras code is written.

The network is the one `chainrule train --model cnn` builds with chainrule.nn (two
blocks of 3x3 convolution, batch normalization, ReLU and 2x2 max-pooling, then a dense
head with dropout), here channels-last and trained with compile / fit.

Run:  python examples/keras_cnn.py [--epochs 10] [--limit 60000]
"""

from __future__ import annotations

import argparse

import numpy as np

from chainrule import keras, manual_seed
from chainrule.data.datasets import FashionMNIST
from chainrule.keras import layers


def build() -> keras.Sequential:
    return keras.Sequential([
        layers.Conv2D(32, 3, padding="same", input_shape=(28, 28, 1)),
        layers.BatchNormalization(),
        layers.Activation("relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, padding="same"),
        layers.BatchNormalization(),
        layers.Activation("relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.25),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.25),
        layers.Dense(10, activation="softmax"),
    ])


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=60000)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args(argv)
    manual_seed(0)
    train, test = FashionMNIST(train=True), FashionMNIST(train=False)
    x = train.data.numpy()[: args.limit, :, :, None].astype(np.float32) / 255.0
    y = train.targets.numpy()[: args.limit]
    mean, std = x.mean(), x.std()
    x_test = (test.data.numpy()[:, :, :, None].astype(np.float32) / 255.0 - mean) / std
    model = build()
    validation_split = 5000 / 60000
    steps = args.epochs * -(-int(len(x) * (1 - validation_split)) // args.batch_size)
    # Warm up for the first 30% of the steps to a peak of 2e-3, then a half cosine down
    # to zero: Keras's spelling of the one-cycle schedule `chainrule train` uses.
    schedule = keras.optimizers.schedules.CosineDecay(
        1e-4, decay_steps=steps - int(0.3 * steps), warmup_target=2e-3,
        warmup_steps=int(0.3 * steps))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    model.fit((x - mean) / std, y, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=validation_split)
    loss, accuracy = model.evaluate(x_test, test.targets.numpy(), batch_size=1000, verbose=0)
    print(f"test accuracy {accuracy:.4f} (loss {loss:.4f})")
    return accuracy


if __name__ == "__main__":
    main()
