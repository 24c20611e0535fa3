"""Each script in examples/ runs the five-step workflow and reaches its stated quality."""

import pathlib
import runpy

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def _main(name):
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="example")["main"]


def test_binary_classification_reaches_90_percent(capsys):
    accuracy = _main("binary_classification")(verbose=0)
    assert accuracy >= 0.90
    assert "test accuracy" in capsys.readouterr().out


def test_multiclass_classification_reaches_93_percent(capsys):
    accuracy = _main("multiclass_classification")(verbose=0)
    assert accuracy >= 0.93
    assert "predicted:" in capsys.readouterr().out


def test_regression_beats_the_mean_by_far(capsys):
    mae, baseline = _main("regression")(verbose=0)
    assert mae < 0.15 * baseline
    assert "test MAE" in capsys.readouterr().out


@pytest.mark.slow
def test_transfer_learning_beats_chance_before_and_after_fine_tuning(capsys):
    head_accuracy, accuracy = _main("transfer_learning")(verbose=0)
    assert head_accuracy >= 0.6 and accuracy >= 0.6  # two balanced classes: chance is 0.5
    assert "after fine-tuning" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["binary_classification", "multiclass_classification",
                                  "regression"])
def test_examples_show_progress_when_verbose(name, capsys):
    _main(name)(epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and "val_loss" in out
