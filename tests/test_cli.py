"""The `numen` command: each subcommand run as a subprocess on generated tables, its output
files and exit codes (0 ok, 1 user error, 2 usage), plus in-process checks of the details."""

import csv
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from numen import keras
from numen.cli import main
from numen.cli.commands import PREPROCESSING_MEMBER
from numen.cli.tabular import Preprocessing, UserError, read_table

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


def run(*args, cwd):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "numen.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=120)


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def make_table(path, n=160, seed=0):
    """a, b numeric; color text; label yes/no (learnable); price (regression); kind 0/1/2."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(5, 2, size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    label = np.where(a + 0.5 * (b - 5) + (color == "red") > 0.3, "yes", "no")
    price = 3 * a + b + np.where(color == "red", 2, 0) + rng.normal(0, 0.1, size=n)
    kind = np.digitize(a, [-0.5, 0.5])
    rows = [[f"{x:.5f}", f"{y:.5f}", c, lab, f"{p:.5f}", k]
            for x, y, c, lab, p, k in zip(a, b, color, label, price, kind)]
    return write_csv(path, ["a", "b", "color", "label", "price", "kind"], rows)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A binary classifier trained once by `numen train` (shared by the tests below)."""
    d = tmp_path_factory.mktemp("cli")
    make_table(d / "data.csv")
    r = run("train", "data.csv", "--target", "label", "--epochs", "25", "--layers", "16",
            "--learning-rate", "0.01", "--plot", "curves.png", "-o", "m.keras", cwd=d)
    return d, r


# -- subprocess runs -------------------------------------------------------------------------
def test_train_reports_validation_metrics_and_saves_model_with_preprocessing(trained):
    d, r = trained
    assert r.returncode == 0, r.stderr
    assert "task: binary (2 classes)" in r.stdout
    assert "Epoch 25/25" in r.stdout  # the progress display
    line = next(l for l in r.stdout.splitlines() if l.startswith("validation (32 rows)"))
    accuracy = float(line.split("accuracy")[1].split()[0])
    assert accuracy >= 0.8
    assert (d / "curves.png").stat().st_size > 1000
    with zipfile.ZipFile(d / "m.keras") as z:
        assert {"config.json", "model.weights.h5", PREPROCESSING_MEMBER} <= set(z.namelist())
    model = keras.saving.load_model(str(d / "m.keras"))  # still a plain Keras model file
    assert model.layers[-1].units == 1


def test_predict_writes_labels_and_probabilities(trained):
    d, _ = trained
    r = run("predict", "m.keras", "data.csv", "-o", "pred.csv", cwd=d)
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(open(d / "pred.csv")))
    assert rows[0] == ["prediction", "probability_no", "probability_yes"]
    assert len(rows) == 161
    truth = read_table(str(d / "data.csv"))["label"]
    predicted = [row[0] for row in rows[1:]]
    assert np.mean(np.array(predicted) == np.array(truth)) > 0.8
    p = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-5)
    stdout = run("predict", "m.keras", "data.csv", cwd=d)
    assert stdout.returncode == 0 and stdout.stdout.splitlines()[0].startswith("prediction,")


def test_evaluate_and_summary(trained):
    d, _ = trained
    r = run("evaluate", "m.keras", "data.csv", "--target", "label", cwd=d)
    assert r.returncode == 0, r.stderr
    accuracy = float(next(l for l in r.stdout.splitlines() if "accuracy:" in l).split()[-1])
    assert accuracy > 0.8
    s = run("summary", "m.keras", cwd=d)
    assert s.returncode == 0, s.stderr
    assert "Total params" in s.stdout and "classes: no, yes" in s.stdout
    assert "color: one-hot over 3 categories" in s.stdout


def test_train_regression_and_multiclass(tmp_path):
    make_table(tmp_path / "data.csv")
    r = run("train", "data.csv", "--target", "price", "--epochs", "40", "--verbose", "0",
            "--learning-rate", "0.01", "--batch-size", "16", "-o", "r.keras", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    e = run("evaluate", "r.keras", "data.csv", cwd=tmp_path)
    r2 = float(next(l for l in e.stdout.splitlines() if "r2:" in l).split()[-1])
    assert r2 > 0.8, e.stdout
    m = run("train", "data.csv", "--target", "kind", "--epochs", "3", "--verbose", "2",
            "--optimizer", "sgd", "--early-stopping", "2", "-o", "k.keras", cwd=tmp_path)
    assert m.returncode == 0, m.stderr
    assert "task: multiclass (3 classes)" in m.stdout
    assert "Epoch 1/3" in m.stdout and "val_loss" in m.stdout


@pytest.mark.parametrize("case, expected", [
    ("missing_file", "no such file"),
    ("missing_target", "target column 'nope' is not in the data"),
    ("empty_file", "the file is empty"),
    ("text_column", "cannot be one-hot encoded"),
])
def test_user_errors_exit_1_with_a_clear_message(tmp_path, case, expected):
    make_table(tmp_path / "data.csv")
    write_csv(tmp_path / "ids.csv", ["id", "y"], [[f"user{i}", i % 2] for i in range(150)])
    (tmp_path / "empty.csv").write_text("")
    args = {"missing_file": ("train", "absent.csv", "--target", "label"),
            "missing_target": ("train", "data.csv", "--target", "nope"),
            "empty_file": ("train", "empty.csv", "--target", "label"),
            "text_column": ("train", "ids.csv", "--target", "y")}[case]
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 1
    assert expected in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.startswith("numen train: error:")


def test_usage_errors_exit_2(tmp_path):
    r = run("train", "data.csv", cwd=tmp_path)  # --target is required
    assert r.returncode == 2 and "--target" in r.stderr
    assert run("fly", cwd=tmp_path).returncode == 2
    assert run("train", "d.csv", "--target", "y", "--epochs", "-3", cwd=tmp_path).returncode == 2


# -- in process ------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["train", "predict", "evaluate", "summary", "demo"])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert f"usage: numen {command}" in capsys.readouterr().out


def test_demo_calls_numen_demo_main(monkeypatch):
    from numen import demo

    calls = []
    monkeypatch.setattr(demo, "main", lambda: calls.append(True))
    assert main(["demo"]) == 0 and calls == [True]


def test_predict_errors(trained, tmp_path, capsys):
    d, _ = trained
    write_csv(tmp_path / "partial.csv", ["a", "b"], [[1, 2]])
    assert main(["predict", str(d / "m.keras"), str(tmp_path / "partial.csv")]) == 1
    assert "lacks the feature columns ['color', 'price', 'kind']" in capsys.readouterr().err
    write_csv(tmp_path / "bad.csv", ["a", "b", "color", "price", "kind"],
              [["x", 1, "red", 1, 0]])
    assert main(["predict", str(d / "m.keras"), str(tmp_path / "bad.csv")]) == 1
    assert "holds the non-numeric value 'x'" in capsys.readouterr().err
    assert main(["summary", str(tmp_path / "bad.csv")]) == 1
    assert "not a .keras model file" in capsys.readouterr().err
    assert main(["evaluate", str(d / "m.keras"), str(d / "data.csv"), "--target", "zz"]) == 1
    assert "'zz' is not in" in capsys.readouterr().err


def test_preprocessing_detects_tasks_encodes_and_round_trips():
    table = {"x": ["1", "2", "", "4"], "c": ["u", "v", "u", ""], "y": ["3", "1", "3", "2"]}
    prep = Preprocessing.fit(table, "y")
    assert prep.task == "multiclass" and prep.classes == ["1", "2", "3"]
    x = prep.transform(table)
    assert x.shape == (4, 4) and x.dtype == np.float32
    np.testing.assert_allclose(x[2, 0], 0, atol=1e-6)  # missing -> training mean
    np.testing.assert_array_equal(x[:, 1:], [[0, 1, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0]])
    unseen = prep.transform({"x": ["1"], "c": ["w"]})
    np.testing.assert_array_equal(unseen[0, 1:], [0, 0, 0])
    again = Preprocessing.from_json(prep.to_json())
    np.testing.assert_array_equal(again.transform(table), x)
    assert Preprocessing.fit({**table, "y": ["0.5", "1", "2", "3"]}, "y").task == "regression"
    assert Preprocessing.fit({**table, "y": ["a", "b", "a", "b"]}, "y").task == "binary"
    with pytest.raises(UserError, match="single value"):
        Preprocessing.fit({**table, "y": ["a"] * 4}, "y")
    with pytest.raises(UserError, match="holds text"):
        Preprocessing.fit({**table, "y": ["a", "b", "c", "d"]}, "y", task="regression")


def test_parquet_input(tmp_path):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "t.parquet"
    try:
        pd.DataFrame({"a": [1.0, 2.0], "y": ["p", "q"]}).to_parquet(path)
    except ImportError:  # no pyarrow/fastparquet: reading must say what to install
        path.write_bytes(b"PAR1")
        with pytest.raises(UserError, match="Parquet needs pandas and pyarrow"):
            read_table(str(path))
        return
    table = read_table(str(path))
    assert table == {"a": [1.0, 2.0], "y": ["p", "q"]}
