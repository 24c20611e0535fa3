"""`make demo` / `python -m numen.demo`: the five-step Keras workflow on handwritten digits.

Build a Sequential MLP, compile it, fit it with the progress display and a validation split,
evaluate it on held-out images and show a few predictions. Runs in seconds on a laptop CPU.
"""

from __future__ import annotations

import time

import numpy as np

from numen import keras
from numen.data import load_digits, render_digit, train_test_split


def build_model(n_features: int = 64, n_classes: int = 10) -> keras.Model:
    """The demo's MLP: 64 pixels -> 128 ReLU -> 64 ReLU -> 10 softmax."""
    return keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])


def run(epochs: int = 20, verbose: int | str = "auto", seed: int = 42, show: int = 2,
        curves: str | None = None) -> dict:
    """Train on the digits and return {'test_accuracy', 'test_loss', 'seconds', 'model'}.

    Args:
        epochs: passes over the training images.
        verbose: fit's progress display (0 silent, 1 bar, 2 a line per epoch); with 0
            nothing at all is printed.
        seed: seeds weights, shuffling and the train/test split.
        show: how many test digits to draw with their predicted and true labels.
        curves: where to save the loss/accuracy curves as a picture (needs matplotlib);
            None saves nothing.
    """
    say = print if verbose else (lambda *a, **k: None)
    start = time.perf_counter()
    keras.utils.set_random_seed(seed)
    x, y = load_digits()
    (x_train, y_train), (x_test, y_test) = train_test_split(x, y, test_size=0.2, seed=seed)
    say(f"UCI handwritten digits: {len(x_train)} training and {len(x_test)} test images "
        "of 8x8 pixels\n")

    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    if verbose:
        model.summary()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1,
                        verbose=verbose)

    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    say(f"\nTest accuracy: {test_acc:.2%} (loss {test_loss:.4f}) on {len(x_test)} unseen "
        "images")

    probs = model.predict(x_test, verbose=0)
    predicted = probs.argmax(axis=1)
    for i in range(min(show, len(x_test))):
        say(f"\n{render_digit(x_test[i])}\npredicted {predicted[i]} "
            f"({probs[i, predicted[i]]:.0%} sure), true label {y_test[i]}")
    say("\nFirst 20 test images  predicted: " + " ".join(map(str, predicted[:20])))
    say("                      true:      " + " ".join(map(str, y_test[:20])))
    wrong = int(np.sum(predicted != y_test))
    seconds = time.perf_counter() - start
    say(f"\n{wrong} of {len(x_test)} test images misclassified; {seconds:.1f}s in all")
    if curves:
        try:
            keras.utils.plot_history(history, to_file=curves)
            say(f"Training curves saved to {curves}")
        except ImportError:
            say("(install matplotlib to save the training curves: pip install 'numen[plot]')")
    return {"test_accuracy": float(test_acc), "test_loss": float(test_loss),
            "seconds": seconds, "model": model}


def main() -> None:
    run(curves="demo_curves.png")


if __name__ == "__main__":
    main()
