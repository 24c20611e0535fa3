"""`keras.distribution`: Keras 3's spelling of numen's data-parallel training over MPI.

Keras splits a global batch across the devices of one process; numen splits it across MPI
processes (one per core or GPU), launched with `mpiexec -n N python train.py`.
"""

from __future__ import annotations

from numen import backend
from numen.backend import distribution, set_distribution
from numen.distribute import DataParallel as _DataParallel
from numen.distribute import DistributedError

__all__ = ["DataParallel", "DistributedError", "distribution", "initialize", "list_devices",
           "set_distribution"]


class DataParallel(_DataParallel):
    """Keras's `DataParallel(device_mesh=None, devices=None, auto_shard_dataset=True)`: each
    MPI process takes a shard of every batch and gradients are averaged across processes.

    `devices` and `device_mesh` are accepted for source compatibility; with MPI the devices
    are the processes mpiexec started. numen always shards the data (auto_shard_dataset).

    >>> keras.distribution.set_distribution(keras.distribution.DataParallel())
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset: bool = True,
                 timeout: float = 300.0, quiet_workers: bool = True, comm=None):
        if auto_shard_dataset is not True:
            raise ValueError("DataParallel: numen always shards each batch across processes; "
                             f"auto_shard_dataset must be True, received {auto_shard_dataset!r}")
        super().__init__(timeout=timeout, quiet_workers=quiet_workers, comm=comm)
        self.device_mesh = device_mesh
        self.devices = devices


def list_devices(device_type: str | None = None) -> list[str]:
    """The devices numen can compute on in this process, e.g. ['cpu:0'] or ['gpu:0']."""
    if device_type not in (None, "cpu", "gpu", "CPU", "GPU"):
        raise ValueError(f"list_devices: device_type must be None, 'cpu' or 'gpu', received "
                         f"{device_type!r}")
    kind = (device_type or backend.get_device()).lower()
    if kind == "gpu":
        return ["gpu:0"] if backend.gpu_available() else []
    return ["cpu:0"]


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
