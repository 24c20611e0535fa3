"""The Layer contract: configuration in `__init__`, weights in `build`, math in `call`.

`__call__` converts inputs, builds on first use, checks the input against `input_spec`, and
calls `call`. Called on symbolic tensors (from `keras.Input`) it records a node of a Functional
graph instead of computing (see `layers/symbolic.py`). Sub-layers and weights are found from
the layer's attributes in definition order (`layers/layer_weights.py`); nothing is hooked into
attribute assignment.

A call repeating an earlier plain call (one array or Tensor of the same shape and dtype, no
mask, no argument but `training`) takes a lean path: everything `__call__` checked or converted
for that shape is known to pass, so it goes straight to `call` (see `_lean_applies`).
"""

from __future__ import annotations

import functools
import inspect
import itertools
import threading

import numpy as np

from numen import backend, ops, regularizers, tree
from numen.autodiff import Tensor, Variable, as_tensor, no_grad
from numen.layers import masks
from numen.layers.autocast import DTypeAttributes, caller
from numen.layers.input_conversion import (
    argument_names,
    convert_arguments,
    convert_inputs,
    map_structure,
)
from numen.layers.input_spec import InputSpec, check_input_spec  # noqa: F401 - also from here
from numen.layers.layer_weights import WeightTracking
from numen.layers.node_attributes import NodeAttributes
from numen.layers.saving_hooks import SavingHooks, build_arguments
from numen.naming import to_snake_case, unique_name  # noqa: F401 - also from here

# Per thread: whether a Layer.__call__ is running (depth 1 inside the outermost call, 0
# outside) and which outermost call it belongs to. Losses added in an earlier outermost call
# are dropped on the next one (as in Keras), so repeated `model(x)` outside fit does not pile
# up losses and their graphs.
_calls = threading.local()
_call_ids = itertools.count(1)
# One lock for first-call builds: threads that call an unbuilt model at once must not each
# create its weights. Re-entrant, since building a model builds its layers inside.
_build_lock = threading.RLock()
# How many layers `__call__` has built: a call that builds none leaves unchanged whether a
# layer has unbuilt layers below it (`_builds_below`).
_builds = [0]
_BASE_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "input_dim", "weights",
                "activity_regularizer", "autocast", "input_length"}


def reset_names() -> None:
    """Forget the name counters (`keras.backend.clear_session`)."""
    backend.reset_uids()


_NO_INPUTS = object()  # Layer.__call__ given its inputs by keyword


def _takes_arguments(method) -> bool:
    try:
        params = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind != p.KEYWORD_ONLY for p in params)


def _accepts(fn, arg: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return arg in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


class Layer(DTypeAttributes, NodeAttributes, SavingHooks, WeightTracking):
    """Base class of all layers.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique name; derived from the class name when not given.
        dtype: the dtype of weights and computations (default `floatx()`).
        input_shape: on the first layer of a Sequential model, the shape of one sample.
    """

    # Whether get_config always has an "activity_regularizer" key (None when unset), as
    # Keras's convolutions, recurrent layers, Embedding, MultiHeadAttention and EinsumDense do.
    _config_lists_activity_regularizer = False
    # Whether inputs of any dtype, strings included, go to `call` as they are (preprocessing
    # layers: layers/data_layer.py); others take numbers (layers/input_conversion.py).
    _takes_any_input = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not hasattr(build, "__wrapped__"):
            cls.build = _scoped_build(build)

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        unknown = set(kwargs) - _BASE_KWARGS
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments "
                            f"{sorted(unknown)}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: name must be a string, received {name!r}")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._init_dtype_policy(dtype)  # dtype_policy, and dtype: the variables' dtype
        self.autocast = kwargs.get("autocast", True)
        self._trainable = trainable
        self.built = False
        self._own_weights: list[Variable] = []
        self._added_losses: list = []
        self.input_spec: InputSpec | None = None
        self.supports_masking = False
        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        shape = kwargs.get("batch_input_shape")
        if shape is None and kwargs.get("input_shape") is not None:
            shape = (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
        if shape is None and kwargs.get("input_dim") is not None:
            shape = (kwargs.get("batch_size"), kwargs["input_dim"])
        self._batch_input_shape = None if shape is None else tuple(shape)
        self._inbound_nodes: list = []
        self._call_has_training = _accepts(self.call, "training")
        self._call_has_mask = _accepts(self.call, "mask")
        # Masks in eager calls (see `_call_with_mask`): which call arguments have a
        # `<name>_mask` partner (MultiHeadAttention's query/value/key), whether compute_mask can
        # make a mask from nothing, and whether call() itself leaves its outputs' masks on them.
        self._mask_args = masks.mask_arguments(self.call)
        self._mask_index = masks.positional_index(self.call, "mask")
        self._call_arg_names = argument_names(self.call)
        self._makes_masks = type(self).compute_mask is not Layer.compute_mask
        self._call_attaches_masks = hasattr(type(self), "train_step")
        # (input shape, input dtype, input_spec, layer dtype) of the last plain call that went
        # through every check: a call matching it takes the lean path (`_lean_applies`).
        self._lean_key = None
        # Where the layer's name scope stands: the path of the scopes open when it first opened
        # it (as Keras records it), so it stands there wherever the layer is called later.
        self._parent_path: str | None = None
        # Whether a call may still build a layer below this one, so it must open this layer's
        # name scope (as every Keras call does) for that layer's weights to be under it:
        # None until a call has found out, False once every layer below is built. A built
        # layer with nothing unbuilt below (a Dense) skips the scope, and its calls stay lean.
        self._builds_below: bool | None = None

    # -- losses --------------------------------------------------------------------------
    def add_loss(self, loss) -> None:
        """Add a scalar to the training loss (computed during `call`)."""
        call_id = getattr(_calls, "call_id", 0)
        if getattr(self, "_losses_call_id", call_id) != call_id:
            self._added_losses = []  # left over from an earlier outermost call
        self._losses_call_id = call_id
        self._added_losses.append(loss)

    @property
    def losses(self) -> list:
        """As Keras: the losses `add_loss` added during the last call (this layer's, then
        those of the layers below), then the penalties of the trainable weights' regularizers
        (a frozen layer's weights add none)."""
        added = [loss for layer in self._walk() for loss in layer._added_losses]
        return added + [w.regularizer(w) for w in self.trainable_weights
                        if w.regularizer is not None]

    def _own_losses(self) -> list:
        """This layer's part of `losses` (what a training step sums, layer by layer)."""
        out = list(self._added_losses)
        if self._trainable:
            # Only add_weight takes a regularizer (a keras.Variable has none), as in Keras.
            out += [w.regularizer(w) for w in self._own_weights
                    if w.regularizer is not None and w.trainable]
        return out

    def _clear_losses(self) -> None:
        for layer in self._walk():
            layer._added_losses = []

    def _walk(self) -> list[Layer]:
        """This layer and every layer below it, each once (a shared layer is not repeated),
        parents before children, in attribute order."""
        out: list[Layer] = []
        seen: set[int] = set()
        stack = [self]
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._sublayers()))
        return out

    # -- calling -------------------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Create weights for inputs of `input_shape` (batch axis included)."""
        self.built = True

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output, given its inputs and their mask.

        Masks travel explicitly beside values (Sequential and Functional models carry them);
        by default a layer that `supports_masking` passes its input mask through and any other
        layer drops it. Layers that make masks (Embedding with `mask_zero`, Masking) override
        this.
        """
        return mask if self.supports_masking else None

    def call(self, inputs, *args, **kwargs):
        return inputs

    def _inputs_by_name(self, kwargs: dict):
        """Pop the inputs given by keyword: the name of `call`'s first argument."""
        try:
            first = next(iter(inspect.signature(self.call).parameters.values()))
        except (StopIteration, TypeError, ValueError):
            first = None
        if first is not None and first.kind in (first.POSITIONAL_OR_KEYWORD,
                                                first.KEYWORD_ONLY) and first.name in kwargs:
            return kwargs.pop(first.name)
        expected = f"or as `{first.name}=`" if first is not None else ""
        raise TypeError(f"Layer '{self.name}' was called without inputs: pass them as the "
                        f"first argument {expected}".rstrip() + f"; received only keyword "
                        f"arguments {sorted(kwargs)}")

    def __call__(self, inputs=_NO_INPUTS, *args, **kwargs):
        """Build on first use, then `call`. Masks, as in Keras 3: without `mask=`, the inputs'
        `_keras_mask` is the mask (given to `call` when it takes `mask=`, and arguments with a
        `<name>_mask` partner fill it the same way); the output mask from `compute_mask` is
        left on the outputs as their `_keras_mask`. The inputs may also come by the name of
        `call`'s first argument (`attention(query=q, value=v)`)."""
        if inputs is _NO_INPUTS:
            inputs = self._inputs_by_name(kwargs)
        if self._lean_key is not None and not args and self._lean_applies(inputs, kwargs):
            # The lean path: the same result as below, minus the checks known to pass.
            x = inputs if type(inputs) is Tensor else as_tensor(backend.to_device(inputs))
            training = kwargs.get("training")
            out = self._scoped_call(x, (), {"training": training}
                                    if training is not None and self._call_has_training else {})
            tracked = kwargs.get("mask")
            if tracked is not None and self._call_attaches_masks:
                tracked.out_mask = masks.mask_of(out)  # what a model's call left on its outputs
            return out
        plain = not args and len(kwargs) == ("training" in kwargs) + ("mask" in kwargs)
        if isinstance(inputs, Tensor) and ((inputs.data.dtype.kind != "f"
                                            and inputs.data.dtype.name != "bfloat16")
                                           or inputs.data.dtype == self._np_dtype()):
            x = inputs  # the common case inside a model: nothing to convert or check
        else:
            from numen.layers import symbolic

            if symbolic.any_symbolic(inputs):
                return symbolic.call_symbolic(self, inputs, args, kwargs)
            x = self._convert_inputs(inputs)
        if args or len(kwargs) > ("training" in kwargs) + ("mask" in kwargs):
            args, kwargs = convert_arguments(self, args, kwargs)
        tracked = None
        mask = kwargs.get("mask")
        if mask is None:
            mask = x._keras_mask if isinstance(x, Tensor) else masks.mask_of(x)
            if self._mask_args:
                masks.fill_argument_masks(self._mask_args, x, args, kwargs)
        elif type(mask) is masks.TrackedMask:  # from a model's runner: see _call_with_mask
            tracked, mask = mask, mask.mask
        first = not self.built
        if first:
            with _build_lock:
                if not self.built:  # another thread may have built it while this one waited
                    self._build_from(x)
        check_input_spec(self.name, self.input_spec, x)
        if not self._call_has_training:
            kwargs.pop("training", None)
        elif kwargs.get("training") is None:
            kwargs.pop("training", None)
        if not self._call_has_mask or mask is None:
            kwargs.pop("mask", None)
        elif self._mask_index is not None and len(args) > self._mask_index:
            kwargs.pop("mask", None)  # given positionally: that one counts
            mask = args[self._mask_index]
        else:
            kwargs["mask"] = mask
        if first or self._builds_below is not False:
            # Layers a subclassed model makes or builds in `call`, on this call or a later
            # one, are under its name.
            builds = _builds[0]
            with self._name_scope():
                out = self._scoped_call(x, args, kwargs)
            if self._builds_below is None or _builds[0] != builds:
                self._builds_below = self._has_unbuilt_below()
        else:
            out = self._scoped_call(x, args, kwargs)
        if plain and mask is None:
            self._remember_lean(inputs, x)
        if mask is None and not self._makes_masks:
            return out  # the common case: no mask in, none can come out
        if self._call_attaches_masks:
            out_mask = masks.mask_of(out)  # a model's call left its outputs' masks on them
        else:
            out_mask = self.compute_mask(x, mask)
        if tracked is not None:
            tracked.out_mask = out_mask
        elif out_mask is not None:
            masks.attach_masks(out, out_mask)
        return out

    def _scoped_call(self, x, args: tuple, kwargs: dict, activity: bool = True):
        """`call`, inside the per-thread call scope that `add_loss` reads (the outermost call
        starts a new scope, dropping losses added by earlier ones), plus the activity loss."""
        call = caller(self)  # self.call, with float16 casts of the weights when mixed
        if getattr(_calls, "depth", 0):  # inside another call: its scope is this one's
            out = call(x, *args, **kwargs)
        else:
            _calls.call_id = next(_call_ids)
            _calls.depth = 1
            try:
                out = call(x, *args, **kwargs)
            finally:
                _calls.depth = 0
        if activity and self.activity_regularizer is not None:
            self._add_activity_loss(out)
        return out

    def _add_activity_loss(self, out) -> None:
        """As Keras: the activity regularizer of each output tensor, divided by the batch size
        (an output's first dimension, none for a scalar) so its strength does not depend on it."""
        for y in tree.flatten(out):
            if isinstance(y, Tensor):
                loss = as_tensor(self.activity_regularizer(y))
                if y.ndim > 0:
                    loss = ops.divide_no_nan(loss, np.asarray(y.shape[0], loss.dtype))
                self.add_loss(loss)

    # -- the lean path -------------------------------------------------------------------
    def _remember_lean(self, inputs, x) -> None:
        """After a plain call passed every check, let later ones of its shape and dtype take
        the lean path where `__call__` does nothing but `call`: no conversion, no activity
        loss, no `<name>_mask` argument, no mask made (a model reads back its own)."""
        unconverted = x is inputs if type(inputs) is Tensor else (
            type(inputs) is np.ndarray and isinstance(x, Tensor) and x.data is inputs)
        # (Text stays on the host: the lean path would move it to the device.)
        if unconverted and x.data.dtype.kind not in "USO" and self.built \
                and self._builds_below is False \
                and self.activity_regularizer is None \
                and not self._mask_args and (not self._makes_masks or self._call_attaches_masks):
            self._lean_key = (x.data.shape, x.data.dtype, self.input_spec, self.compute_dtype)

    def _lean_applies(self, inputs, kwargs: dict) -> bool:
        """Whether this call repeats the remembered one: same shape and dtype, no mask (given,
        carried or tracked), no argument but `training`, the layer unchanged since."""
        kind = type(inputs)
        if kind is Tensor:
            data = inputs.data
        elif kind is np.ndarray:
            data = inputs
        else:
            return False
        shape, dtype, spec, layer_dtype = self._lean_key
        if data.shape != shape or data.dtype is not dtype or not self.built \
                or self.input_spec is not spec or self.compute_dtype != layer_dtype \
                or self.activity_regularizer is not None:
            return False
        mask = kwargs.get("mask")
        if mask is None:
            if kind is Tensor and inputs._keras_mask is not None:
                return False
        elif type(mask) is not masks.TrackedMask or mask.mask is not None:
            return False
        return len(kwargs) == ("training" in kwargs) + ("mask" in kwargs)

    def _call_with_mask(self, inputs, args, kwargs: dict, mask):
        """Call the layer with the mask a Sequential/Functional model tracks for `inputs`
        (None: no mask, whatever `_keras_mask` the inputs carry); returns `(outputs, their
        mask)` and leaves no mask on the outputs: the model keeps masks beside values, so a
        layer that returns its input unchanged cannot leave a wrong mask behind."""
        if kwargs.get("mask") is not None:
            mask = kwargs["mask"]  # a mask given explicitly in the graph wins
        box = masks.TrackedMask(mask)
        kwargs["mask"] = box
        out = self(inputs, *args, **kwargs)
        return out, box.out_mask

    def _build_from(self, x) -> None:
        shapes = map_structure(lambda t: t.shape, x)
        self._build_shapes = shapes  # what the layer was built for (summary reads it)
        check_input_spec(self.name, self.input_spec, x)
        # In the layer's name scope (`_scoped_build`); a build() that takes no shape (its
        # sub-layers build on their first call) is called without one, as Keras does.
        if _takes_arguments(self.build):
            self.build(shapes)
        else:
            self.build()
        self.built = True
        _builds[0] += 1

    def _np_dtype(self) -> np.dtype:
        # Cached: looking a dtype up by name on every call costs more than a small matmul.
        cached = getattr(self, "_np_dtype_cache", None)
        if cached is None or cached[0] != self.input_dtype:
            cached = self._np_dtype_cache = (self.input_dtype,
                                             backend.np_dtype(self.input_dtype))
        return cached[1]

    def _convert_inputs(self, inputs):
        """The inputs as Tensors of the layer's input dtype (layers/input_conversion.py)."""
        return convert_inputs(self, inputs)

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape`, found by running the layer on zeros (batch kept)."""
        from numen.layers.symbolic import infer_output_shape

        return infer_output_shape(self, input_shape)

    def build_from_input_shape(self, input_shape):
        if not self.built:
            shape = tuple(1 if n is None else n for n in input_shape)
            with no_grad():
                self(np.zeros(shape, dtype=self.dtype))

    # -- config --------------------------------------------------------------------------
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype_config()}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        penalty = self.activity_regularizer
        if penalty is not None and hasattr(penalty, "get_config"):
            # Listed when set, as Keras does, so a saved or cloned layer keeps its penalty.
            config["activity_regularizer"] = {"class_name": type(penalty).__name__,
                                              "config": penalty.get_config()}
        elif self._config_lists_activity_regularizer:
            config["activity_regularizer"] = None
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _scoped_build(build):
    """`build`, run in the layer's name scope wherever it is called from (as Keras wraps it):
    a wrapper's `self.layer.build(shape)` puts the inner weights under both names."""
    @functools.wraps(build)
    def scoped(self, *args, **kwargs):
        with self._name_scope():
            out = build(self, *args, **kwargs)
        # As Keras's build wrapper: record what it was built with, by argument name (for
        # get_build_config), and mark it built even where build() does not say so.
        self._build_args = build_arguments(build, args, kwargs)
        self.built = True
        return out

    return scoped
