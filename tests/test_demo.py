"""`make demo`: the digits demo trains to >= 95% test accuracy quickly, and the bundled data
loads as documented."""

import numpy as np
import pytest

from numen import demo
from numen.data import load_digits, render_digit, train_test_split


def test_load_digits_shapes_dtypes_and_range():
    x, y = load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert sorted(np.unique(y).tolist()) == list(range(10))
    assert np.bincount(y).min() >= 170  # roughly balanced, ~180 per digit


def test_train_test_split_is_deterministic_and_disjoint():
    x, y = load_digits()
    (a, b), (c, d) = train_test_split(x, y, test_size=0.2, seed=3)
    (a2, _), (c2, _) = train_test_split(x, y, test_size=0.2, seed=3)
    (a3, _), _ = train_test_split(x, y, test_size=0.2, seed=4)
    assert len(c) == 359 and len(a) == 1438
    assert np.array_equal(a, a2) and np.array_equal(c, c2) and not np.array_equal(a, a3)
    rows = {r.tobytes() for r in a}
    assert sum(r.tobytes() in rows for r in c) < 5  # the data has a few duplicate images
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(x, y, test_size=1.5)
    with pytest.raises(ValueError, match="1797 samples but y has 10"):
        train_test_split(x, y[:10])


def test_render_digit_draws_8_rows():
    x, _ = load_digits()
    art = render_digit(x[0])
    assert len(art.splitlines()) == 8 and set(art) - set(" .:-=+*#%@\n") == set()


def test_demo_reaches_95_percent_silently(capsys):
    result = demo.run(verbose=0)
    assert result["test_accuracy"] >= 0.95
    assert capsys.readouterr().out == ""


def test_demo_prints_progress_accuracy_and_predictions(capsys):
    demo.run(epochs=2, verbose=1, show=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "val_accuracy" in out
    assert "Test accuracy:" in out and "true label" in out


def test_demo_saves_its_training_curves(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    demo.run(epochs=2, verbose=0, show=0, curves=str(path))
    assert path.stat().st_size > 1000
