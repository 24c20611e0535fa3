"""Training on several processes: `DataParallel` over MPI (mpi4py + MPICH).

>>> from numen import distribute
>>> distribute.set_distribution(distribute.DataParallel())   # under `mpiexec -n 4 python ...`
"""

from numen.backend import distribution, set_distribution
from numen.distribute.data_parallel import DataParallel
from numen.distribute.mesh import (
    DeviceMesh,
    LayoutMap,
    TensorLayout,
    distribute_tensor,
    get_device_count,
    process_devices,
)
from numen.distribute.mpi import DistributedError

__all__ = ["DataParallel", "DeviceMesh", "DistributedError", "LayoutMap", "TensorLayout",
           "distribute_tensor", "distribution", "get_device_count", "process_devices",
           "set_distribution"]
