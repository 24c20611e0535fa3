"""Training on several processes: `DataParallel` over MPI (mpi4py + MPICH).

>>> from numen import distribute
>>> distribute.set_distribution(distribute.DataParallel())   # under `mpiexec -n 4 python ...`
"""

from numen.backend import distribution, set_distribution
from numen.distribute.data_parallel import DataParallel
from numen.distribute.mpi import DistributedError

__all__ = ["DataParallel", "DistributedError", "distribution", "set_distribution"]
