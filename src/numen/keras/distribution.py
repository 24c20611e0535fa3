"""`keras.distribution`: Keras 3's spelling of numen's data-parallel training over MPI.

Keras splits a global batch across the devices of one process; numen splits it across MPI
processes (one per core or GPU), launched with `mpiexec -n N python train.py`.
"""

from __future__ import annotations

from numen.backend import distribution, set_distribution
from numen.distribute import DataParallel as _DataParallel
from numen.distribute import (
    DeviceMesh,
    DistributedError,
    LayoutMap,
    TensorLayout,
    distribute_tensor,
    get_device_count,
    process_devices,
)

__all__ = ["DataParallel", "DeviceMesh", "DistributedError", "LayoutMap", "ModelParallel",
           "TensorLayout", "distribute_tensor", "distribution", "get_device_count", "initialize",
           "list_devices", "set_distribution"]


class DataParallel(_DataParallel):
    """Keras's `DataParallel(device_mesh=None, devices=None, auto_shard_dataset=True)`: each
    MPI process takes a shard of every batch and gradients are averaged across processes.

    With MPI the devices are the processes mpiexec started: the default `device_mesh` is
    `DeviceMesh((processes,), ['batch'])`; `devices` names them instead. numen always shards
    the data (auto_shard_dataset).

    >>> keras.distribution.set_distribution(keras.distribution.DataParallel())
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset: bool = True,
                 timeout: float = 300.0, quiet_workers: bool = True, comm=None):
        if auto_shard_dataset is not True:
            raise ValueError("DataParallel: numen always shards each batch across processes; "
                             f"auto_shard_dataset must be True, received {auto_shard_dataset!r}")
        if device_mesh is None:
            device_mesh = (DeviceMesh((len(devices),), ["batch"], devices) if devices is not None
                           else DeviceMesh((get_device_count(),), ["batch"]))
        if not isinstance(device_mesh, DeviceMesh):
            raise TypeError(f"{type(self).__name__}: device_mesh must be a DeviceMesh, received "
                            f"{type(device_mesh).__name__}")
        super().__init__(timeout=timeout, quiet_workers=quiet_workers, comm=comm)
        self.device_mesh = device_mesh
        self.devices = devices
        self.batch_dim_name = device_mesh.axis_names[0]
        self.auto_shard_dataset = True

    def get_data_layout(self, data_shape) -> TensorLayout:
        """The layout of a batch: split along its first axis over `batch_dim_name`."""
        return TensorLayout([self.batch_dim_name] + [None] * (len(data_shape) - 1),
                            self.device_mesh)

    def get_variable_layout(self, variable) -> TensorLayout:
        """Weights are whole on every process."""
        return TensorLayout([None] * len(variable.shape), self.device_mesh)

    def get_tensor_layout(self, path):
        """No layout for intermediate tensors (None, as in Keras's data parallelism)."""
        return None


class ModelParallel(DataParallel):
    """Keras's `ModelParallel(layout_map=..., batch_dim_name=...)`, limited to what numen runs:
    data parallelism. A layout map that splits no weight among several processes (every axis
    None, or named after a mesh axis of size 1) trains exactly like DataParallel over the
    map's mesh; one that would split weights is refused.

    Raises:
        ValueError: no layout_map, or a layout that splits a weight among processes.

    >>> mesh = keras.distribution.DeviceMesh((1, 1), ["batch", "model"])
    >>> layout_map = keras.distribution.LayoutMap(mesh)
    >>> layout_map["dense.*kernel"] = (None, "model")
    >>> strategy = keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
    """

    def __init__(self, *, layout_map: LayoutMap | None = None, batch_dim_name: str | None = None,
                 auto_shard_dataset: bool = True, timeout: float = 300.0,
                 quiet_workers: bool = True, comm=None, **kwargs):
        unknown = sorted(set(kwargs) - {"device_mesh"})
        if unknown:
            raise TypeError(f"ModelParallel: unexpected keyword arguments {unknown}")
        if layout_map is None:
            raise ValueError("ModelParallel: pass layout_map=LayoutMap(device_mesh) (a map from "
                             "weight-path patterns to layouts)")
        if not isinstance(layout_map, LayoutMap):
            raise TypeError(f"ModelParallel: layout_map must be a LayoutMap, received "
                            f"{type(layout_map).__name__}")
        mesh = layout_map.device_mesh
        split = {k: v.axes for k, v in layout_map.items() if v.is_split()}
        if split:
            raise ValueError(
                f"ModelParallel: the layout map splits weights among processes ({split} on a "
                f"mesh {dict(zip(mesh.axis_names, mesh.shape))}); numen supports data "
                "parallelism only (whole weights on every MPI process, the batch split). Use "
                "keras.distribution.DataParallel(), or give every weight axis None")
        if batch_dim_name is None:
            batch_dim_name = mesh.axis_names[0]
        if batch_dim_name not in mesh.axis_names:
            raise ValueError(f"ModelParallel: batch_dim_name={batch_dim_name!r} is not an axis "
                             f"of the mesh {mesh.axis_names}")
        super().__init__(device_mesh=mesh, auto_shard_dataset=auto_shard_dataset,
                         timeout=timeout, quiet_workers=quiet_workers, comm=comm)
        self.batch_dim_name = batch_dim_name
        self._layout_map = layout_map

    def get_variable_layout(self, variable) -> TensorLayout:
        """The layout map's layout for the weight's path, else whole."""
        layout = self._layout_map[getattr(variable, "path", "")]
        return layout if layout is not None else super().get_variable_layout(variable)

    def get_tensor_layout(self, path):
        """The layout map's layout for an intermediate tensor's path, or None."""
        return self._layout_map[path]


def list_devices(device_type: str | None = None) -> list[str]:
    """The devices taking part, one per MPI process: ['cpu:0'] alone, ['cpu:0', 'cpu:1']
    under `mpiexec -n 2` (as Keras lists every process's devices); [] for 'gpu' without one.

    >>> keras.distribution.list_devices()
    ['cpu:0']
    """
    if device_type not in (None, "cpu", "gpu", "CPU", "GPU"):
        raise ValueError(f"list_devices: device_type must be None, 'cpu' or 'gpu', received "
                         f"{device_type!r}")
    return process_devices(device_type)


def initialize(job_addresses=None, num_processes=None, process_id=None) -> None:
    """Start MPI (Keras's multi-process setup). Under mpiexec the arguments come from MPI;
    when given they must agree with it."""
    from numen.distribute.mpi import import_mpi

    comm = import_mpi().COMM_WORLD
    if num_processes is not None and num_processes != comm.Get_size():
        raise ValueError(f"initialize: num_processes={num_processes!r} but mpiexec started "
                         f"{comm.Get_size()} processes")
    if process_id is not None and process_id != comm.Get_rank():
        raise ValueError(f"initialize: process_id={process_id!r} but this is MPI rank "
                         f"{comm.Get_rank()}")
