"""keras.distribution's mesh API (DeviceMesh, TensorLayout, LayoutMap, ModelParallel,
distribute_tensor, get_device_count) over numen's MPI processes: one process in the normal run,
two under `mpiexec -n 2` where mpi4py and the environment's mpiexec exist."""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from numen import backend, keras

dist = keras.distribution
MPIEXEC = pathlib.Path(sys.executable).parent / "mpiexec"
HAS_MPI = importlib.util.find_spec("mpi4py") is not None
needs_mpi = pytest.mark.skipif(not HAS_MPI or not MPIEXEC.exists(),
                               reason="mpi4py and the environment's mpiexec are needed")


def test_one_process_counts_one_device():
    assert dist.get_device_count() == 1
    assert dist.get_device_count("cpu") == 1
    if not backend.gpu_available():
        assert dist.get_device_count("gpu") == 0
    with pytest.raises(ValueError, match="get_device_count: device_type"):
        dist.get_device_count("tpu")


def test_device_mesh_attributes_and_errors():
    mesh = dist.DeviceMesh((1,), ["batch"])
    assert mesh.shape == (1,)
    assert mesh.axis_names == ["batch"]
    assert isinstance(mesh.devices, np.ndarray) and mesh.devices.tolist() == ["cpu:0"]
    assert repr(mesh) == "<DeviceMesh shape=(1,), axis_names=['batch']>"
    grid = dist.DeviceMesh([2, 2], ("batch", "model"), devices=[f"cpu:{i}" for i in range(4)])
    assert grid.devices.shape == (2, 2) and grid.axis_size("model") == 2
    with pytest.raises(ValueError, match="DeviceMesh: shape and axis_names"):
        dist.DeviceMesh((1,), ["a", "b"])
    with pytest.raises(ValueError, match="holds 2 devices but there are 1"):
        dist.DeviceMesh((2,), ["batch"])


def test_tensor_layout():
    mesh = dist.DeviceMesh((1, 1), ["batch", "model"])
    layout = dist.TensorLayout(["batch", None], mesh)
    assert layout.axes == ("batch", None) and layout.device_mesh is mesh
    assert dist.TensorLayout(("batch", None)).device_mesh is None
    with pytest.raises(ValueError, match="not axes of the mesh"):
        dist.TensorLayout(["data"], mesh)


def test_layout_map_is_a_dict_of_patterns():
    mesh = dist.DeviceMesh((1, 1), ["batch", "model"])
    layout_map = dist.LayoutMap(mesh)
    layout_map["dense.*kernel"] = (None, "model")
    layout_map["bias"] = dist.TensorLayout(["model"])
    assert isinstance(layout_map, dict) and list(layout_map) == ["dense.*kernel", "bias"]
    assert len(layout_map) == 2 and layout_map.device_mesh is mesh
    kernel = layout_map["dense_1/kernel"]
    assert isinstance(kernel, dist.TensorLayout) and kernel.axes == (None, "model")
    assert kernel.device_mesh is mesh and layout_map["bias"].device_mesh is mesh
    assert layout_map["conv/kernel"] is None
    with pytest.raises(ValueError, match="already set"):
        layout_map["bias"] = (None,)
    layout_map["dense_1.*"] = (None, None)
    with pytest.raises(ValueError, match="several patterns"):
        layout_map["dense_1/kernel"]
    with pytest.raises(TypeError, match="LayoutMap: device_mesh"):
        dist.LayoutMap("mesh")


def test_distribute_tensor_with_one_process_returns_the_tensor():
    x = np.arange(6.0).reshape(3, 2)
    mesh = dist.DeviceMesh((1,), ["batch"])
    assert dist.distribute_tensor(x, dist.TensorLayout(["batch", None], mesh)) is x
    with pytest.raises(ValueError, match="distribute_tensor: the layout has 1 axes"):
        dist.distribute_tensor(x, dist.TensorLayout(["batch"], mesh))
    with pytest.raises(ValueError, match="no device_mesh"):
        dist.distribute_tensor(x, dist.TensorLayout(["batch", None]))


@pytest.mark.skipif(not HAS_MPI, reason="mpi4py is needed")
def test_model_parallel_that_splits_nothing_trains_like_data_parallel():
    mesh = dist.DeviceMesh((1, 1), ["batch", "model"])
    layout_map = dist.LayoutMap(mesh)
    layout_map["dense.*kernel"] = (None, "model")
    strategy = dist.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
    assert isinstance(strategy, dist.DataParallel)
    assert strategy.device_mesh is mesh and strategy.batch_dim_name == "batch"
    assert strategy.get_data_layout((8, 3)).axes == ("batch", None)
    assert strategy.get_tensor_layout("dense/kernel").axes == (None, "model")
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with strategy.scope():
        history = model.fit(x, x[:, :1], batch_size=8, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    assert dist.distribution() is None


def test_model_parallel_refuses_to_split_weights():
    grid = dist.DeviceMesh((1, 2), ["batch", "model"], devices=["cpu:0", "cpu:1"])
    layout_map = dist.LayoutMap(grid)
    layout_map["dense.*kernel"] = (None, "model")
    with pytest.raises(ValueError, match="numen supports data parallelism only"):
        dist.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
    with pytest.raises(ValueError, match="layout_map"):
        dist.ModelParallel()
    with pytest.raises(TypeError, match="layout_map must be a LayoutMap"):
        dist.ModelParallel(layout_map={"x": (None,)})


SCRIPT = """
import json, sys
import numpy as np
from numen import keras
d = keras.distribution
out = {"count": d.get_device_count(), "devices": d.DeviceMesh((2,), ["batch"]).devices.tolist(),
       "listed": d.list_devices()}
mesh = d.DeviceMesh((2, 1), ["batch", "model"])
x = np.arange(10.0).reshape(5, 2)
out["rows"] = d.distribute_tensor(x, d.TensorLayout(["batch", None], mesh))[:, 0].tolist()
out["whole"] = d.distribute_tensor(x, d.TensorLayout([None, "model"], mesh)) is x
split = d.LayoutMap(mesh)
split["kernel"] = (None, "batch")
try:
    d.ModelParallel(layout_map=split)
except ValueError as e:
    out["refused"] = "data parallelism" in str(e)
layout_map = d.LayoutMap(mesh)
layout_map["dense.*kernel"] = (None, "model")
strategy = d.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
d.set_distribution(strategy)
keras.utils.set_random_seed(strategy.rank)  # rank 0's weights are broadcast
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(x, x[:, :1], batch_size=4, epochs=2, verbose=0)
out["kernel"] = model.get_weights()[0].ravel().tolist()
teacher = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
student = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
distiller = keras.distillation.Distiller(teacher, student,
                                         keras.distillation.LogitsDistillation(loss="mse"))
distiller.compile(optimizer="sgd", loss="mse")
logs = distiller.fit(x, x[:, :1], batch_size=4, epochs=2, verbose=0).history
out["student"] = student.get_weights()[0].ravel().tolist()
out["distill_logs"] = sorted(logs)
sys.stderr.write("RESULT " + json.dumps(out) + "\\n")
"""


@needs_mpi
def test_two_processes_under_mpiexec(tmp_path):
    script = tmp_path / "mesh_script.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run([str(MPIEXEC), "-n", "2", sys.executable, str(script)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line[len("RESULT "):]) for line in proc.stderr.splitlines()
               if line.startswith("RESULT ")]
    assert len(results) == 2
    for r in results:
        assert r["count"] == 2 and r["devices"] == r["listed"] == ["cpu:0", "cpu:1"]
        assert r["whole"] is True and r["refused"] is True
    assert sorted(r["rows"] for r in results) == [[0.0, 2.0, 4.0], [6.0, 8.0]]
    assert results[0]["kernel"] == results[1]["kernel"]
    # A Distiller trains data-parallel too: same student on both processes, all its logs.
    assert results[0]["student"] == results[1]["student"]
    assert results[0]["distill_logs"] == ["distillation_loss", "loss", "student_loss",
                                          "total_loss"]
