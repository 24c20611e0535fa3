"""Keras's device mesh and layouts, where a device is one MPI process.

numen runs one process per core or GPU (`mpiexec -n N`), so the devices a `DeviceMesh` arranges
are the processes: device `i` is MPI rank `i`, named `'cpu:i'` (or `'gpu:i'`). A `TensorLayout`
names, for each axis of a tensor, the mesh axis it is split along (or None: every process holds
the whole axis). numen trains data-parallel only: weights are whole on every process, and only
the batch axis of the data is split.
"""

from __future__ import annotations

import os
import re

import numpy as np

from numen import backend

# Set by mpiexec (MPICH's Hydra, then Open MPI): a process started without them is alone.
_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")


def _world():
    """(rank, size) of this process; (0, 1) when mpiexec did not start it.

    The active DataParallel's communicator wins; otherwise MPI is asked only when the
    environment says mpiexec launched this process (initializing MPI costs time and is useless
    for a lone process)."""
    active = backend.distribution()
    if getattr(active, "size", None) is not None and getattr(active, "rank", None) is not None:
        return active.rank, active.size
    if not any(int(os.environ.get(v, "1") or 1) > 1 for v in _SIZE_VARIABLES):
        return 0, 1
    from numen.distribute.mpi import import_mpi

    comm = import_mpi().COMM_WORLD
    return comm.Get_rank(), comm.Get_size()


def _device_kind(device_type: str | None, what: str) -> str:
    if device_type not in (None, "cpu", "gpu", "CPU", "GPU"):
        raise ValueError(f"{what}: device_type must be None, 'cpu' or 'gpu', received "
                         f"{device_type!r}")
    return (device_type or backend.get_device()).lower()


def get_device_count(device_type: str | None = None) -> int:
    """How many devices take part: the number of MPI processes (1 without mpiexec).

    Args:
        device_type: None (the kind numen computes on), 'cpu' or 'gpu'. Asking for 'gpu'
            where no GPU is available gives 0.

    >>> get_device_count()
    1
    """
    kind = _device_kind(device_type, "get_device_count")
    if kind == "gpu" and not backend.gpu_available():
        return 0
    return _world()[1]


def process_devices(device_type: str | None = None) -> list[str]:
    """One device name per MPI process, in rank order: ['cpu:0', 'cpu:1', ...].

    >>> process_devices()
    ['cpu:0']
    """
    kind = _device_kind(device_type, "process_devices")
    if kind == "gpu" and not backend.gpu_available():
        return []
    return [f"{kind}:{i}" for i in range(_world()[1])]


class DeviceMesh:
    """Devices (MPI processes) arranged in a grid with a name for each grid axis.

    Args:
        shape: the grid's shape, e.g. `(2,)` or `(2, 1)`; its product is the device count.
        axis_names: one name per grid axis, e.g. `['batch']` or `['batch', 'model']`.
        devices: the device names (default: one per MPI process), reshaped to `shape`.

    Raises:
        ValueError: `shape` and `axis_names` differ in length, or `shape` does not hold
            exactly the devices.

    >>> mesh = DeviceMesh((1,), ["batch"])
    >>> mesh.devices
    array(['cpu:0'], dtype='<U5')
    """

    def __init__(self, shape, axis_names, devices=None):
        shape, axis_names = tuple(shape), list(axis_names)
        if len(shape) != len(axis_names):
            raise ValueError(f"DeviceMesh: shape and axis_names need one entry per mesh axis, "
                             f"received shape={shape} and axis_names={axis_names}")
        if devices is None:
            devices = process_devices()
        devices = np.array(devices)
        if int(np.prod(shape)) != devices.size:
            raise ValueError(f"DeviceMesh: shape={shape} holds {int(np.prod(shape))} devices "
                             f"but there are {devices.size} (devices.shape={devices.shape}); "
                             "numen's devices are the MPI processes")
        self._shape = shape
        self._axis_names = axis_names
        self._devices = devices.reshape(shape)

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def axis_names(self) -> list:
        return self._axis_names

    @property
    def devices(self) -> np.ndarray:
        return self._devices

    def axis_size(self, name: str) -> int:
        """How many devices lie along mesh axis `name`."""
        if name not in self._axis_names:
            raise ValueError(f"DeviceMesh: no mesh axis named {name!r}; the axes are "
                             f"{self._axis_names}")
        return self._shape[self._axis_names.index(name)]

    def __repr__(self) -> str:
        return f"<DeviceMesh shape={self._shape}, axis_names={self._axis_names}>"


class TensorLayout:
    """For each axis of a tensor, the mesh axis it is split along, or None (not split).

    Args:
        axes: one entry per tensor axis: a mesh axis name or None.
        device_mesh: the mesh the names refer to; a LayoutMap fills it in when omitted.

    >>> TensorLayout(["batch", None]).axes
    ('batch', None)
    """

    def __init__(self, axes, device_mesh: DeviceMesh | None = None):
        self._axes = tuple(axes)
        self._device_mesh = None
        self.device_mesh = device_mesh

    @property
    def axes(self) -> tuple:
        return self._axes

    @property
    def device_mesh(self) -> DeviceMesh | None:
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, mesh: DeviceMesh | None) -> None:
        if mesh is not None:
            unknown = [a for a in self._axes if a is not None and a not in mesh.axis_names]
            if unknown:
                raise ValueError(f"TensorLayout: axes {self._axes} name {unknown}, which are "
                                 f"not axes of the mesh {mesh.axis_names}")
        self._device_mesh = mesh

    def is_split(self) -> bool:
        """True when some tensor axis is divided among more than one device."""
        mesh = self._device_mesh
        return mesh is not None and any(a is not None and mesh.axis_size(a) > 1
                                        for a in self._axes)

    def __repr__(self) -> str:
        return f"<TensorLayout axes={self._axes}, device_mesh={self._device_mesh!r}>"


class LayoutMap(dict):
    """A dict from regular expressions over weight paths (e.g. `'dense.*kernel'`) to layouts.

    Reading a key returns the layout of the exact key if there is one, else the one layout
    whose pattern `re.search`-matches it, else None. Assigned tuples and lists become
    TensorLayouts on this map's mesh.

    >>> layout_map = LayoutMap(DeviceMesh((1,), ["model"]))
    >>> layout_map["dense.*kernel"] = (None, "model")
    >>> layout_map["dense_1/kernel"].axes
    (None, 'model')
    """

    def __init__(self, device_mesh: DeviceMesh):
        super().__init__()
        if not isinstance(device_mesh, DeviceMesh):
            raise TypeError(f"LayoutMap: device_mesh must be a DeviceMesh, received "
                            f"{type(device_mesh).__name__}")
        self._device_mesh = device_mesh

    @property
    def device_mesh(self) -> DeviceMesh:
        return self._device_mesh

    def __setitem__(self, key: str, layout) -> None:
        if key in self:
            raise ValueError(f"LayoutMap: the key {key!r} is already set to {self.get(key)!r}; "
                             "each pattern may be set once")
        if isinstance(layout, (tuple, list)):
            layout = TensorLayout(layout)
        if not isinstance(layout, TensorLayout):
            raise TypeError(f"LayoutMap: the layout for {key!r} must be a TensorLayout, tuple "
                            f"or list, received {type(layout).__name__}")
        if layout.device_mesh is None:
            layout.device_mesh = self._device_mesh
        super().__setitem__(key, layout)

    def __getitem__(self, key: str):
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        matches = [k for k in self.keys() if re.search(k, key)]
        if len(matches) > 1:
            raise ValueError(f"LayoutMap: the path {key!r} matches several patterns "
                             f"{matches}; make the patterns exclusive")
        return dict.__getitem__(self, matches[0]) if matches else None

    def get(self, key, default=None):
        value = self[key]
        return default if value is None else value

    def update(self, *args, **kwargs) -> None:
        for key, layout in dict(*args, **kwargs).items():
            self[key] = layout

    def setdefault(self, key, default=None):
        if not dict.__contains__(self, key):
            self[key] = default
        return dict.__getitem__(self, key)


def distribute_tensor(tensor, layout: TensorLayout):
    """This process's part of `tensor` under `layout`.

    A tensor whose layout splits no axis among several processes (always the case with one
    process) comes back unchanged. Otherwise each split axis is cut into as many nearly equal
    pieces as its mesh axis has devices, and this process (device `rank` of the mesh) keeps
    its piece.

    Raises:
        ValueError: the layout has no mesh, or a different number of axes than the tensor.

    >>> x = np.ones((4, 2))
    >>> distribute_tensor(x, TensorLayout(["batch", None], DeviceMesh((1,), ["batch"]))) is x
    True
    """
    if not isinstance(layout, TensorLayout):
        raise TypeError(f"distribute_tensor: layout must be a TensorLayout, received "
                        f"{type(layout).__name__}")
    mesh = layout.device_mesh
    if mesh is None:
        raise ValueError("distribute_tensor: the layout has no device_mesh; pass "
                         "TensorLayout(axes, device_mesh)")
    shape = tuple(getattr(tensor, "shape", np.shape(tensor)))
    if len(layout.axes) != len(shape):
        raise ValueError(f"distribute_tensor: the layout has {len(layout.axes)} axes "
                         f"{layout.axes} but the tensor has shape {shape}")
    if not layout.is_split():
        return tensor
    rank, size = _world()
    if mesh.devices.size != size:
        raise ValueError(f"distribute_tensor: the mesh holds {mesh.devices.size} devices but "
                         f"{size} MPI processes are running")
    coords = dict(zip(mesh.axis_names, np.unravel_index(rank, mesh.shape)))
    index = []
    for dim, name in enumerate(layout.axes):
        if name is None:
            index.append(slice(None))
            continue
        base, extra = divmod(shape[dim], mesh.axis_size(name))
        i = int(coords[name])
        lo = i * base + min(i, extra)
        index.append(slice(lo, lo + base + (1 if i < extra else 0)))
    return tensor[tuple(index)]
