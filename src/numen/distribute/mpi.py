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

# How long a process polls a pending collective without sleeping (see Communicator._wait).
SPIN_SECONDS = 0.02

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
        # Opt-in profiling (bench/distribute.py): None, or a dict that allreduce_sum adds
        # its call count, seconds and bytes to. Off by default so a step costs no clock reads.
        self.timings: dict | None = None

    def start_timing(self) -> dict:
        """Count the calls, seconds and bytes of every later `allreduce_sum` in a fresh dict
        (also kept as `self.timings`); the seconds include waiting for slower processes."""
        self.timings = {"allreduce_calls": 0, "allreduce_seconds": 0.0, "allreduce_bytes": 0}
        return self.timings

    def _wait(self, request, what: str) -> None:
        # MPICH advances a non-blocking collective only inside Test, and a multi-round
        # all-reduce needs every process to call it in each round: sleeping between polls adds
        # the sleep to every round (measured: 2 ms of skew between two processes became 30 ms
        # with a sleep growing to 10 ms). So spin through the usual step-to-step skew, then
        # poll every millisecond at most (cheap for a process that waits on a slow one).
        start = time.monotonic()
        deadline = start + self.timeout
        spin_until = start + SPIN_SECONDS
        pause = 1e-4
        while not request.Test():
            now = time.monotonic()
            if now > deadline:
                self.abort(f"numen.distribute: process {self.rank} of {self.size} waited "
                           f"more than {self.timeout:g} s in {what}; another process has "
                           "died or hung. Aborting the MPI job.")
            if now < spin_until:
                continue
            time.sleep(pause)
            pause = min(pause * 2, 1e-3)

    def abort(self, message: str) -> None:
        """Write `message` to standard error and end every process of the job."""
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
        time.sleep(0.5)  # let mpiexec forward the message before the job is torn down
        self.comm.Abort(1)

    def allreduce_sum(self, buffer: np.ndarray, what: str = "an all-reduce") -> np.ndarray:
        """The element-wise sum of `buffer` over all processes (one MPI call, in place)."""
        buffer = np.ascontiguousarray(buffer)
        start = time.perf_counter() if self.timings is not None else 0.0
        request = self.comm.Iallreduce(self.MPI.IN_PLACE, buffer, op=self.MPI.SUM)
        self._wait(request, what)
        if self.timings is not None:
            self.timings["allreduce_calls"] += 1
            self.timings["allreduce_seconds"] += time.perf_counter() - start
            self.timings["allreduce_bytes"] += buffer.nbytes
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
