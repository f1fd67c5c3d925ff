"""chainrule.keras and GradientTape: the seed articles' programs, Keras's formulas and
conventions, and tapes for first and second derivatives."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule as tf  # the seed programs' spelling, with only the import changed
from chainrule import keras
from chainrule.keras import layers


def test_seed_sequential_compile_fit_program_runs_and_learns(capsys):
    cr.manual_seed(0)
    model = keras.Sequential([
        layers.Dense(64, activation="relu", input_shape=(10,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x_train = rng.random((1000, 10))
    y_train = (x_train[:, :1] * 10).astype(int)  # a learnable rule, shaped (1000, 1)
    history = model.fit(x_train, y_train, epochs=10)
    losses = history.history["loss"]
    assert losses[-1] < 0.8 * losses[0] and history.history["accuracy"][-1] > 0.3
    assert "Epoch 10/10" in capsys.readouterr().out


def test_seed_gradient_tape_training_step_runs_and_learns():
    cr.manual_seed(0)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(10, activation="sigmoid"),
        tf.keras.layers.Dense(1),
    ])
    loss_fn = tf.keras.losses.MeanSquaredError()
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.01)

    def train_step(x, y):
        with tf.GradientTape() as tape:
            predictions = model(x)
            loss = loss_fn(y, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss.item()

    xs = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
    x_train, y_train = [tf.tensor(xs)], [tf.tensor(xs ** 2)]
    first = None
    for _ in range(200):
        for x, y in zip(x_train, y_train):
            loss = train_step(x, y)
            first = loss if first is None else first
    assert loss < 0.5 * first


def test_summary_counts_parameters_as_keras_does(capsys):
    model = keras.Sequential([layers.Dense(64, activation="relu", input_shape=(10,)),
                              layers.Dropout(0.5), layers.Dense(10, use_bias=False)])
    model.summary()
    out = capsys.readouterr().out
    # Dense: inputs·units + units (the bias); Dropout: none
    assert "704" in out and "640" in out and "Total params: 1,344" in out
    assert "(None, 64)" in out and "(None, 10)" in out


def test_losses_follow_keras_conventions():
    y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    probs = cr.tensor([[0.1, 0.9, 0.0], [0.4, 0.4, 0.2]])
    expected = -np.mean([np.log(0.9), np.log(0.4)])
    assert np.isclose(keras.losses.CategoricalCrossentropy()(y_true, probs).item(), expected,
                      rtol=1e-5)
    assert np.isclose(keras.losses.get("sparse_categorical_crossentropy")(
        np.array([1, 0]), probs).item(), expected, rtol=1e-5)
    clipped = keras.losses.BinaryCrossentropy()(np.array([1.0]), cr.tensor([0.0])).item()
    assert np.isclose(clipped, -np.log(1e-7), rtol=1e-3)  # probabilities clipped at 1e-7
    logits = cr.tensor([[2.0, -1.0, 0.5]])
    from_logits = keras.losses.SparseCategoricalCrossentropy(from_logits=True)([0], logits)
    assert np.isclose(from_logits.item(), -cr.log_softmax(logits, -1)[0, 0].item())


def test_evaluate_predict_and_validation_split():
    cr.manual_seed(1)
    model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    x = np.random.default_rng(0).random((50, 3))
    y = x @ np.array([1.0, -2.0, 0.5])
    history = model.fit(x, y, epochs=20, batch_size=10, validation_split=0.2, verbose=0)
    assert set(history.history) == {"loss", "val_loss"} and len(history.epoch) == 20
    assert model.evaluate(x, y, verbose=0) < history.history["loss"][0]
    assert model.predict(x, batch_size=7).shape == (50, 1)
    with pytest.raises(ValueError, match="unknown loss 'hinge2'"):
        model.compile(loss="hinge2")


def test_l2_regularizer_adds_its_penalty_to_the_training_loss():
    cr.manual_seed(0)
    plain = keras.Sequential([layers.Dense(2, input_shape=(3,))])
    penalised = keras.Sequential([layers.Dense(2, input_shape=(3,),
                                               kernel_regularizer=keras.regularizers.l2(0.1))])
    penalised.load_state_dict(plain.state_dict())
    for model in (plain, penalised):
        model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 3)), np.zeros((4, 2))
    kernel = plain.layers[0].kernel.detach().numpy()
    gap = penalised.evaluate(x, y, verbose=0) - plain.evaluate(x, y, verbose=0)
    assert np.isclose(gap, 0.1 * np.sum(kernel ** 2), rtol=1e-5)


def test_gradient_tape_watch_persistent_and_second_derivatives():
    x = cr.tensor(3.0)
    with cr.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert np.isclose(tape.gradient(y, x).item(), 6.0)
    assert np.isclose(tape.gradient(z, x).item(), 4 * 27.0)  # persistent: a second call
    x = cr.tensor(2.0, requires_grad=True)
    with cr.GradientTape() as outer:
        with cr.GradientTape() as inner:
            y = x * x * x
        dy = inner.gradient(y, x)
    assert np.isclose(dy.item(), 12.0) and np.isclose(outer.gradient(dy, x).item(), 12.0)


def test_gradient_tape_reports_unconnected_sources():
    a, b = cr.tensor(1.0, requires_grad=True), cr.tensor(2.0, requires_grad=True)
    with cr.GradientTape() as tape:
        y = a * 3
    with pytest.warns(UserWarning, match="source 1 .* is not connected"):
        grads = tape.gradient(y, [a, b])
    assert np.isclose(grads[0].item(), 3.0) and grads[1] is None
    with cr.GradientTape() as tape:
        y = a * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grads = tape.gradient(y, [a, b], unconnected_gradients="zero")
    assert grads[1].item() == 0.0
    with pytest.raises(RuntimeError, match="only be called once"):
        tape.gradient(y, [a])


def test_channels_last_layers_build_and_match_their_shapes():
    cr.manual_seed(0)
    model = keras.Sequential([
        layers.Conv2D(4, 3, activation="relu", padding="same", input_shape=(8, 8, 1)),
        layers.BatchNormalization(),
        layers.MaxPooling2D(2),
        layers.Conv2D(6, 3, activation="relu"),
        layers.AveragePooling2D(),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])
    out = model(cr.randn(5, 8, 8, 1))
    assert out.shape == (5, 3) and np.allclose(out.detach().numpy().sum(1), 1.0, atol=1e-5)
    shapes = []
    model.summary(print_fn=shapes.append)
    assert "(None, 8, 8, 4)" in shapes[0] and "(None, 4, 4, 4)" in shapes[0]
    # Conv2D: k·k·in·filters + filters; BatchNormalization: 4 per channel, 2 trained
    assert "40" in shapes[0] and "222" in shapes[0] and "  16" in shapes[0]
    assert "Non-trainable params: 8" in shapes[0]


def test_sequence_and_merge_layers():
    cr.manual_seed(0)
    tokens = cr.randint(0, 20, (4, 7))
    embedded = layers.Embedding(20, 8)(tokens)
    assert embedded.shape == (4, 7, 8)
    for layer, shape in ((layers.LSTM(5), (4, 5)), (layers.GRU(5, return_sequences=True),
                                                     (4, 7, 5)),
                         (layers.SimpleRNN(3), (4, 3))):
        assert layer(embedded).shape == shape
    a, b = cr.ones(2, 3), cr.zeros(2, 2)
    assert layers.Concatenate()([a, b]).shape == (2, 5)
    assert layers.Add()([a, a, a]).tolist() == [[3.0] * 3] * 2
    assert layers.GlobalAveragePooling2D()(cr.ones(2, 4, 4, 3)).shape == (2, 3)
    assert layers.Reshape((2, 3))(cr.ones(4, 6)).shape == (4, 2, 3)
    assert layers.LayerNormalization()(cr.randn(2, 5)).shape == (2, 5)


def test_a_keras_cnn_learns_fashion_mnist_on_a_small_slice():
    from chainrule.data.datasets import FashionMNIST

    cr.manual_seed(0)
    data = FashionMNIST(train=True)
    x = data.data.numpy()[:1500, :, :, None].astype(np.float32) / 255.0
    y = data.targets.numpy()[:1500]
    model = keras.Sequential([
        layers.Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x[:1200], y[:1200], epochs=2, batch_size=64, verbose=0)
    loss, accuracy = model.evaluate(x[1200:], y[1200:], verbose=0)
    assert accuracy > 0.6, accuracy


def test_functional_model_with_two_inputs_a_branch_and_a_merge():
    cr.manual_seed(0)
    a, b = keras.Input((4,)), keras.Input((3,))
    hidden = layers.Dense(8, activation="relu")(a)
    joined = layers.Concatenate()([hidden, b])
    skip = layers.Add()([layers.Dense(5)(joined), layers.Dense(5)(joined)])
    model = keras.Model([a, b], layers.Dense(1)(skip))
    assert skip.shape == (None, 5) and len(model.layers) == 6
    xa, xb = cr.randn(6, 4), cr.randn(6, 3)
    assert model([xa, xb]).shape == (6, 1)
    # every layer's parameters are trained through the graph of calls
    model([xa, xb]).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(ValueError, match="takes 2 inputs"):
        model(xa)


def test_cross_entropy_after_a_softmax_layer_uses_its_logits_as_keras_does():
    cr.manual_seed(0)
    dense = layers.Dense(4, activation="softmax")
    x, y = cr.randn(6, 3), np.array([0, 1, 2, 3, 0, 1])
    probabilities = dense(x)
    fused = keras.losses.SparseCategoricalCrossentropy()(y, probabilities)
    assert fused.grad_fn.name == "CrossEntropy"
    plain = keras.losses.SparseCategoricalCrossentropy()(y, probabilities.detach() * 1.0)
    np.testing.assert_allclose(fused.item(), plain.item(), rtol=1e-5)


def test_conv1d_and_the_progress_line(capsys):
    cr.manual_seed(0)
    conv = layers.Conv1D(4, 3, padding="same", activation="relu")
    assert conv(cr.randn(2, 7, 5)).shape == (2, 7, 4)
    assert layers.Conv1D(3, 2, strides=2).compute_output_shape((None, 7, 5)) == (None, 3, 3)
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((64, 2)), np.zeros(64), batch_size=8, epochs=1)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "ETA:" in out and "8/8 -" in out


def test_fit_evaluate_predict_on_a_model_with_two_inputs():
    cr.manual_seed(0)
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(512, 4)), rng.normal(size=(512, 3))
    y = xa[:, :1] - 2 * xb[:, 1:2]  # needs both inputs
    a, b = keras.Input((4,)), keras.Input((3,))
    joined = layers.Concatenate()([layers.Dense(16, activation="relu")(a), b])
    model = keras.Model([a, b], layers.Dense(1)(joined))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss="mse")
    before = model.evaluate([xa, xb], y, verbose=0)
    history = model.fit([xa, xb], y, batch_size=32, epochs=30, validation_split=0.25,
                        verbose=0)
    assert history.history["val_loss"][-1] < 0.01 * before
    assert model.predict((xa[:7], xb[:7])).shape == (7, 1)
    with pytest.raises(ValueError, match="takes 2 inputs"):
        model.fit(xa, y, verbose=0)
    with pytest.raises(ValueError, match="different numbers of samples"):
        model.fit([xa, xb[:-1]], y, verbose=0)
