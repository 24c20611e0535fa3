"""The MPI calls data-parallel training needs, each bounded by a deadline.

A collective call waits for every process; if one has died or hung, the others would wait
forever. Every collective here is started non-blocking and polled, so a process that waits
longer than `timeout` seconds writes a message naming the call and aborts the whole MPI job
(aborting is the only clean exit: a process with a collective still pending cannot finalize).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np


class DistributedError(RuntimeError):
    """Raised when MPI is unusable (mpi4py missing) or a collective call times out."""


def import_mpi():
    """mpi4py's MPI module, or a DistributedError saying how to get it."""
    try:
        from mpi4py import MPI  # type: ignore[import-not-found]
    except ImportError as exc:
        raise DistributedError(
            "numen.distribute needs mpi4py and an MPI library: pip install 'numen[mpi]' "
            "(mpi4py + mpich), then launch with the mpiexec of the same environment, e.g. "
            "`.venv/bin/mpiexec -n 2 python train.py`") from exc
    return MPI


class Communicator:
    """A thin wrapper over an mpi4py communicator with deadline-bounded collectives.

    Args:
        comm: an mpi4py communicator (default `MPI.COMM_WORLD`).
        timeout: seconds a process waits in one collective call before aborting the job.
    """

    def __init__(self, comm=None, timeout: float = 300.0):
        self.MPI = import_mpi()
        self.comm = comm if comm is not None else self.MPI.COMM_WORLD
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ValueError(f"DataParallel: timeout must be a positive number of seconds, "
                             f"received {timeout!r}")
        self.timeout = float(timeout)
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()

    def _wait(self, request, what: str) -> None:
        deadline = time.monotonic() + self.timeout
        pause = 1e-5
        while not request.Test():
            if time.monotonic() > deadline:
                self.abort(f"numen.distribute: process {self.rank} of {self.size} waited "
                           f"more than {self.timeout:g} s in {what}; another process has "
                           "died or hung. Aborting the MPI job.")
            time.sleep(pause)
            pause = min(pause * 2, 0.01)  # poll fast at first, then gently

    def abort(self, message: str) -> None:
        """Write `message` to standard error and end every process of the job."""
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
        time.sleep(0.5)  # let mpiexec forward the message before the job is torn down
        self.comm.Abort(1)

    def allreduce_sum(self, buffer: np.ndarray, what: str = "an all-reduce") -> np.ndarray:
        """The element-wise sum of `buffer` over all processes (one MPI call, in place)."""
        buffer = np.ascontiguousarray(buffer)
        request = self.comm.Iallreduce(self.MPI.IN_PLACE, buffer, op=self.MPI.SUM)
        self._wait(request, what)
        return buffer

    def broadcast(self, buffer: np.ndarray, what: str = "a broadcast") -> np.ndarray:
        """Overwrite `buffer` on every process with process 0's values (in place)."""
        buffer = np.ascontiguousarray(buffer)
        request = self.comm.Ibcast(buffer, root=0)
        self._wait(request, what)
        return buffer

    def broadcast_object(self, value, what: str = "a broadcast"):
        """Process 0's `value` (anything JSON can hold) on every process."""
        data = np.frombuffer(_encode(value), dtype=np.uint8) if self.rank == 0 else None
        size = self.broadcast(np.array([0 if data is None else data.size], dtype=np.int64),
                              what)
        payload = data.copy() if data is not None else np.empty(int(size[0]), dtype=np.uint8)
        return _decode(self.broadcast(payload, what).tobytes())


def _encode(value) -> bytes:
    return json.dumps(value).encode()


def _decode(data: bytes):
    return json.loads(data.decode())
