"""The progress display: Keras's layout for verbose=1 and 2, silence for 0, one final line per
bar when output is not a terminal, and a live tqdm bar when it is."""

import io
import re

import numpy as np
import pytest

from numen import keras
from numen.callbacks.progbar import Progbar, format_step_time, format_value
from numen.keras import layers

BAR = "━" * 20
TIME = r"\d+s \d+(us|ms|s)/step"


def _fit_setup(n=100):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = keras.Sequential([layers.Dense(4, activation="relu", input_shape=[4]),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model, x, y


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_verbose_1_off_terminal_prints_one_final_line_per_epoch(capsys):
    model, x, y = _fit_setup()
    model.fit(x, y, epochs=3, validation_split=0.2, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out
    lines = out.splitlines()
    assert lines[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    metrics = r"accuracy: \d\.\d{4} - loss: \d\.\d{4} - val_accuracy: \d\.\d{4} - " \
              r"val_loss: \d\.\d{4}"
    for line in lines[1::2]:
        assert re.fullmatch(rf"3/3 {BAR} {TIME} - {metrics}", line), line
    assert len(lines) == 6


def test_verbose_auto_is_1_and_single_epoch_has_no_epoch_line(capsys):
    model, x, y = _fit_setup()
    model.fit(x, y, epochs=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"4/4 {BAR} ")


def test_verbose_2_prints_one_line_per_epoch(capsys):
    model, x, y = _fit_setup()
    model.fit(x, y, epochs=2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert re.fullmatch(r"4/4 - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - "
                        r"loss: \d\.\d{4}", lines[1]), lines[1]
    assert BAR not in lines[1]


def test_verbose_0_is_silent(capsys):
    model, x, y = _fit_setup()
    model.fit(x, y, epochs=2, validation_split=0.2, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_evaluate_and_predict_show_one_clean_line(capsys):
    model, x, y = _fit_setup()
    model.evaluate(x, y)
    model.predict(x)
    model.predict(x, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert re.fullmatch(rf"4/4 {BAR} {TIME} - accuracy: \d\.\d{{4}} - loss: \d\.\d{{4}}",
                        lines[0]), lines[0]
    assert re.fullmatch(rf"4/4 {BAR} {TIME}", lines[1]), lines[1]
    assert re.fullmatch(r"4/4 - \d+s - \d+(us|ms|s)/step", lines[2]), lines[2]


def test_validation_inside_fit_draws_no_bar_of_its_own(capsys):
    model, x, y = _fit_setup()
    model.fit(x, y, epochs=1, validation_data=(x, y), verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "val_loss" in lines[0]


def test_live_bar_on_a_terminal_redraws_with_carriage_returns():
    out = FakeTerminal()
    bar = Progbar(5, verbose=1, interval=0.0, file=out)
    for step in range(1, 5):
        bar.update(step, {"loss": 1.0 / step})
    bar.update(5, {"loss": 0.2})
    text = out.getvalue()
    assert text.count("\r") >= 2 and text.endswith("\n")
    final = text.rstrip("\n").split("\r")[-1]
    assert re.fullmatch(rf"5/5 {BAR} {TIME} - loss: 0\.2000\s*", final), repr(final)
    assert "0/5" not in text  # no empty bar before the first step
    assert re.search(r"\b2/5 ━{8} {12} ", text)  # a partial bar is drawn


def test_live_bar_throttles_redraws():
    out = FakeTerminal()
    bar = Progbar(500, verbose=1, interval=10.0, file=out)
    for step in range(1, 501):
        bar.update(step, {"loss": 0.5})
    assert out.getvalue().count("\r") < 10


def test_progbar_unknown_target_and_add():
    out = io.StringIO()
    bar = Progbar(None, verbose=1, file=out)
    bar.add(3)
    bar.update(7, finalize=True)
    assert re.fullmatch(rf"7/Unknown {TIME}\n", out.getvalue()), out.getvalue()


@pytest.mark.parametrize("value,text", [(0.28, "0.2800"), (12345.678, "12345.6780"),
                                        (0.0001234, "1.2340e-04"), (0.0, "0.0000e+00"),
                                        (-2.5, "-2.5000")])
def test_value_format_matches_keras(value, text):
    assert format_value(value) == text


@pytest.mark.parametrize("seconds,text", [(2.4, "2s/step"), (0.0021, "2ms/step"),
                                          (0.00021, "210us/step"), (0.0, "0s/step")])
def test_step_time_format(seconds, text):
    assert format_step_time(seconds) == text
