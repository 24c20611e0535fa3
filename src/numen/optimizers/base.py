"""The Optimizer base: learning rate (float or schedule), gradient clipping, weight decay,
gradient accumulation, EMA, slot arrays, and `apply`. Subclasses write `update_step`, in place."""

from __future__ import annotations

import functools
import re

import numpy as np

from numen import backend, kernels
from numen.autodiff import Tensor, Variable
from numen.naming import to_snake_case as _snake
from numen.optimizers import flat, state
from numen.optimizers.arguments import check_learning_rate, check_number
from numen.optimizers.flat import FlatGroup
from numen.optimizers.variables import CountAndRate, OptimizerVariable


class Optimizer(CountAndRate):
    """Base class for optimizers.

    Args:
        learning_rate: a float, a `LearningRateSchedule` (called with `iterations`), or a
            callable taking no arguments.
        weight_decay: decoupled decay; each step first subtracts `lr * weight_decay * w`.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to [-clipvalue, clipvalue].
        global_clipnorm: scale all gradients so their joint L2 norm is at most this.
            (At most one of the three clip options may be set.)
        use_ema / ema_momentum / ema_overwrite_frequency: keep an exponential moving average
            of the weights, optionally copied into the weights every N steps.
        loss_scale_factor: gradients are divided by this before anything else.
        gradient_accumulation_steps: update only every N calls, with the mean gradient.
        name: the optimizer's name.

    Subclasses define `make_slots(w)` (per-variable state arrays) and
    `update_step(g, w, slots, lr, step)`, which updates the array `w` in place. An
    optimizer whose update treats every element alike (`elementwise = True`, the default)
    keeps all variables and slots in one flat buffer and updates them in one call per step.

    >>> opt = SGD(learning_rate=0.1)
    >>> opt.apply([np.ones(2)], [Variable(np.zeros(2))])
    """

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        owner = type(self).__name__
        kwargs.pop("decay", None)  # Keras 3 ignores the legacy `decay` argument too
        if kwargs:
            raise TypeError(f"{owner}: unexpected arguments {sorted(kwargs)}")
        clip_args = {"clipnorm": clipnorm, "clipvalue": clipvalue,
                     "global_clipnorm": global_clipnorm}
        if sum(v is not None for v in clip_args.values()) > 1:
            raise ValueError(f"{owner}: only one of clipnorm, clipvalue and global_clipnorm can "
                             f"be set, received {clip_args}")
        for arg, value in (*clip_args.items(), ("weight_decay", weight_decay),
                           ("loss_scale_factor", loss_scale_factor)):
            if value is not None:
                check_number(owner, arg, value, low=0.0)
        if gradient_accumulation_steps is not None and (
                not isinstance(gradient_accumulation_steps, int)
                or gradient_accumulation_steps < 2):
            raise ValueError(f"{owner}: gradient_accumulation_steps must be an integer >= 2, "
                             f"received {gradient_accumulation_steps!r}")
        if use_ema:
            check_number(owner, "ema_momentum", ema_momentum, low=0.0, high=1.0)
            if ema_overwrite_frequency is not None and (
                    not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
                raise ValueError(f"{owner}: ema_overwrite_frequency must be an integer >= 1 or "
                                 f"None, received {ema_overwrite_frequency!r}")
        self.name = name or _unique(_snake(owner))  # adam, adam_1, ... as Keras numbers them
        self._learning_rate = check_learning_rate(learning_rate, owner)
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema, self.ema_momentum = bool(use_ema), ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._step_count = 0  # calls to apply; differs from `iterations` under accumulation
        self._iterations_variable: OptimizerVariable | None = None  # made on first read
        self._calls_variable: OptimizerVariable | None = None
        self._learning_rate_variable: OptimizerVariable | None = None
        self._overwrite_max: dict = {}  # accumulated overwrite-with-gradient values
        self._slots: dict[int, dict[str, np.ndarray]] = {}
        self._averages: dict[int, np.ndarray] = {}  # EMA of each variable
        self._accumulators: dict[int, np.ndarray] = {}  # summed gradients (accumulation)
        self._variables: list[Variable] = []
        self._exclude_ids: set[int] = set()
        self._exclude_names: list[str] = []
        self._flat: FlatGroup | None = None
        self._flat_slots: dict = {}
        self._scratch: dict = {}
        self.built = False

    elementwise = True

    # -- state -----------------------------------------------------------------------------
    def build(self, variables):
        """Create the state of each new variable (called on the first update). Variables
        marked `overwrite_with_gradient` get none: their gradients replace them."""
        new = [v for v in variables if id(v) not in self._slots
               and not getattr(v, "overwrite_with_gradient", False)]
        flat_slots = {}
        if new and not self._variables and self.elementwise and FlatGroup.accepts(new):
            flat_slots = flat.pack(self, new)
        for v in new:
            xp = backend.xp_of(v.data)
            # xp.asarray: `w * 0` of a 0-d array is a NumPy scalar, which in-place updates
            # would leave unchanged; each slot must be an array of its own
            self._slots[id(v)] = flat_slots.get(id(v)) or {
                name: xp.asarray(a) for name, a in self.make_slots(v.data).items()}
            if self.use_ema:
                self._averages[id(v)] = v.data.copy()
            if self.gradient_accumulation_steps:
                self._accumulators[id(v)] = xp.zeros_like(v.data)
            self._variables.append(v)
        self.built = True

    def make_slots(self, w) -> dict:
        """Per-variable state arrays, by name (same shape/dtype as `w` unless stated)."""
        return {}

    def scratch(self, w):
        """A reusable work array shaped like `w` (update steps avoid fresh allocations)."""
        key = (w.shape, w.dtype.str)
        buf = self._scratch.get(key)
        if buf is None:
            buf = self._scratch[key] = backend.xp_of(w).empty_like(w)
        return buf

    def extra_state(self) -> list:
        """Optimizer-wide state listed after the slots, as (path, array) pairs (e.g. Nadam's
        momentum product)."""
        return []

    # Keras creates the slots of some optimizers in several passes over the variables (e.g.
    # RMSprop: every velocity, then every momentum); each tuple here is one pass, its slots
    # side by side for each variable. None: one pass with every slot.
    slot_passes: tuple | None = None

    def slot_name(self, v, slot: str) -> tuple[str, str]:
        """The (name, path) Keras gives the state `slot` of variable `v`: named after the
        variable's path, e.g. 'dense_kernel_momentum' at 'adam/dense_kernel_momentum'."""
        name = f"{v.path.replace('/', '_')}_{slot}"
        return name, f"{self.name}/{name}"

    @property
    def variables(self) -> list:
        """The optimizer's state as Variables, in Keras's order and with Keras's names:
        iterations, learning rate (when a float), EMA averages and gradient accumulators,
        then the slots (`<variable path>_momentum`, ...). Every one shares its value with
        the optimizer (assigning to one changes the optimizer)."""
        if hasattr(self, "saved_parts"):  # a wrapper: its own numbers, then each inner one's
            own, inners = self.saved_parts()
            entries = [(n, f"{self.name}/{n}", a) for n, a in zip(self.own_names, own)]
            return state.views(self, entries) + [v for inner in inners.values()
                                                 for v in inner.variables]
        head = [self._calls_counter() if self.gradient_accumulation_steps else self.iterations]
        if not callable(self._learning_rate):
            head.append(self.learning_rate)
        return head + state.views(self, state.entries(self))

    def _variable_arrays(self) -> list:
        """`variables` as the arrays themselves (what saving reads and writes)."""
        out = [np.asarray(self._step_count, dtype=np.int64)]
        if not callable(self._learning_rate):
            out.append(np.asarray(self._learning_rate, dtype=backend.floatx()))
        return out + self._state_arrays()

    def _state_arrays(self) -> list:
        return [arr for _, _, arr in state.entries(self)]

    def save_own_variables(self, store) -> None:
        """Write `variables` into a dict-like store under keys '0', '1', ..."""
        for i, value in enumerate(self._variable_arrays()):
            store[str(i)] = backend.to_numpy(value)

    def load_own_variables(self, store) -> None:
        """Restore state written by `save_own_variables` (the optimizer must be built)."""
        expected = len(self._variable_arrays())
        if len(store) != expected:
            raise ValueError(f"{type(self).__name__}: the saved state has {len(store)} "
                             f"variables but this optimizer has {expected}; build it on the "
                             "model's variables first")
        self._steps_taken = int(np.asarray(store["0"]))  # the count of calls, as `variables`
        first_slot = 1
        if not callable(self._learning_rate):
            saved = np.asarray(store["1"])
            # The rate is saved in floatx; keep our exact float when it rounds to the saved one.
            if np.asarray(self._learning_rate, dtype=saved.dtype) != saved:
                self._set_learning_rate(float(saved))
            first_slot = 2
        for i, arr in enumerate(self._state_arrays(), start=first_slot):
            arr[...] = backend.to_device(np.asarray(store[str(i)]))

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for these variables, or those whose name matches a pattern."""
        self._exclude_ids |= {id(v) for v in var_list or []}
        self._exclude_names += list(var_names or [])

    def _use_weight_decay(self, v) -> bool:
        if id(v) in self._exclude_ids:
            return False
        return not any(re.search(n, v.name) or re.search(n, v.path) for n in self._exclude_names)

    # -- updates ---------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Update each variable from its gradient (pairs of (gradient, variable))."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self.iterations

    def apply(self, grads, trainable_variables=None):
        """Update `trainable_variables` (default: those the optimizer was built with)."""
        owner = type(self).__name__
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{owner}.apply: pass the variables on the first call "
                                 "(or call build(variables) first)")
            trainable_variables = self._variables
        variables = list(trainable_variables)
        grads = list(grads)
        if len(grads) != len(variables):
            raise ValueError(f"{owner}.apply: received {len(grads)} gradients for "
                             f"{len(variables)} variables")
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not pairs:
            return
        grads = [_as_array(g, v) for g, v in pairs]
        variables = [v for _, v in pairs]
        if any(v.overwrite_with_gradient for v in variables):
            grads, variables = self._overwrite_with_gradients(grads, variables)
            if not variables:
                return
        self.build(variables)
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
        steps = self.gradient_accumulation_steps
        if steps:
            accs = [self._accumulators[id(v)] for v in variables]
            if (self._steps_taken + 1) % steps:
                for acc, g in zip(accs, grads):
                    acc += g
                self._steps_taken += 1
                return
            grads = [(g + acc) / steps for g, acc in zip(grads, accs)]
            for acc in accs:
                acc[...] = 0
        self._update(grads, variables)
        if self.use_ema:
            self._update_averages(variables)
        if steps:
            self._steps_taken += 1
        else:
            self._step_count += 1  # not `_steps_taken`: one property call less per step
            if self._iterations_variable is not None:
                self._iterations_variable.data[...] = self._step_count
        for v in variables:
            if v.constraint is not None:
                v.assign(v.constraint(v))

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """`apply(grads)` on given values instead of the optimizer's own state and variables
        (ordered as `variables` and as the variables it was built with); returns
        `(new trainable values, new optimizer values)` and changes nothing itself.

        >>> weights, state = opt.stateless_apply(state, grads, weights)
        """
        from numen.optimizers import stateless

        return stateless.stateless_apply(self, optimizer_variables, grads, trainable_variables)

    def _overwrite_with_gradients(self, grads, variables):
        """Write the gradient of each variable marked `overwrite_with_gradient` straight into
        it (float8 layers hand back their next scales and amax histories this way) and
        return the other (gradient, variable) pairs, for the usual update. Under gradient
        accumulation the largest gradient seen is written on the update step, as in Keras."""
        steps = self.gradient_accumulation_steps
        update_step = not steps or (self._steps_taken + 1) % steps == 0
        rest_g, rest_v = [], []
        for g, v in zip(grads, variables):
            if not v.overwrite_with_gradient:
                rest_g.append(g)
                rest_v.append(v)
                continue
            if steps:
                seen = self._overwrite_max.pop(id(v), None)
                g = g if seen is None else backend.xp_of(g).maximum(g, seen)
                if not update_step:
                    self._overwrite_max[id(v)] = g
                    continue
            v.assign(g)
        if not rest_v:
            self._steps_taken += 1  # no usual update follows to count this call
        return rest_g, rest_v

    def gradient_buffers(self, variables) -> list | None:
        """Arrays, one per variable, that the next `apply(grads, variables)` reads in place
        when `grads` are these very arrays: the views of the flat gradient buffer. A
        replayed training step writes its gradients there, saving the copy into the buffer.
        None when the optimizer keeps no flat buffer for exactly these variables.

        The arrays are the optimizer's own: each step that writes into them overwrites the
        last one's gradients, so they are for the update that follows, not to keep.
        """
        group = self._flat
        # A subclass with its own `apply` might keep the gradients it is given.
        if group is None or type(self).apply is not Optimizer.apply or \
                not group.matches(variables):
            return None
        return group.grad_views

    def _update(self, grads, variables):
        grads = self._clip(grads)
        lr = self._current_lr()
        group = self._flat if self._flat is not None and self._flat.matches(variables) else None
        step = self._iteration_count() + 1
        fused = self._runs_kernels()
        if group is not None:
            flat.update(self, group, grads, variables, lr, step, fused)
            return
        self.before_update(step)
        for g, v in zip(grads, variables):
            rate = self.decay_rate(v)
            decay = lr * rate if rate else 0.0
            slots = self._slots[id(v)]
            if fused and self.fused_step(g, v.data, slots, lr, step, decay):
                continue
            if decay:
                v.data -= decay * v.data
            self.update_step(g, v.data, slots, lr, step)

    def _runs_kernels(self) -> bool:
        """True when `fused_step` should run: compiled kernels are on and the class's
        `update_step` is the one its `fused_step` was written for (a subclass that overrides
        `update_step` keeps the NumPy path)."""
        return kernels.enabled() and _kernel_matches(type(self))

    def fused_step(self, g, w, slots: dict, lr: float, step: int, decay: float) -> bool:
        """`update_step` as one compiled kernel (numen.kernels.optimizers), weight decay
        `w -= decay * w` included; returns False (nothing done) where no kernel fits, and the
        NumPy path runs instead."""
        return False

    def decay_rate(self, v):
        """The decoupled weight decay applied to variable `v` (None or 0: none)."""
        if not self.weight_decay or not self._use_weight_decay(v):
            return None
        return self.weight_decay

    def scale_loss(self, loss):
        """The loss multiplied by `loss_scale_factor` (when set), as training differentiates
        it; `apply` divides the gradients by the same factor."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def before_update(self, step: int) -> None:
        """Hook run once per update, before the per-variable `update_step` calls."""

    def update_step(self, g, w, slots: dict, lr: float, step: int):
        """Update array `w` in place from gradient `g` (never modify `g` itself).

        `step` counts from 1 at the first update; `lr` is the learning rate for this step.
        """
        raise NotImplementedError

    def _clip(self, grads):
        # Like Keras, a clip value of 0 means no clipping.
        if not (self.clipnorm or self.global_clipnorm or self.clipvalue):
            return grads
        xp = backend.xp_of(*grads)
        if self.clipnorm:
            out = []
            for g in grads:
                norm = float(xp.sqrt((g * g).sum()))
                out.append(g * (self.clipnorm / norm) if norm > self.clipnorm else g)
            return out
        if self.global_clipnorm:
            total = float(sum(float((g * g).sum()) for g in grads)) ** 0.5
            if total > self.global_clipnorm:
                return [g * (self.global_clipnorm / total) for g in grads]
            return grads
        if self.clipvalue:
            c = self.clipvalue
            return [xp.clip(g, -c, c) for g in grads]
        return grads

    def _update_averages(self, variables):
        # The first update copies the weights, as Keras does (momentum 0 at iteration 0).
        momentum = self.ema_momentum if self._iteration_count() > 0 else 0.0
        for v in variables:
            avg = self._averages[id(v)]
            avg *= momentum
            avg += (1 - momentum) * v.data
        freq = self.ema_overwrite_frequency
        if freq and (self._iteration_count() + 1) % freq == 0:
            for v in variables:
                v.data[...] = self._averages[id(v)]

    def finalize_variable_values(self, var_list=None):
        """With `use_ema`, copy the moving averages into the variables (end of training)."""
        if not self.use_ema:
            return
        for v in var_list if var_list is not None else self._variables:
            if id(v) in self._averages:
                v.data[...] = self._averages[id(v)]

    # -- config ----------------------------------------------------------------------------
    def get_config(self) -> dict:
        lr = self._learning_rate
        if hasattr(lr, "get_config"):
            lr = {"module": "keras.optimizers.schedules", "class_name": type(lr).__name__,
                  "config": lr.get_config(), "registered_name": None}
        elif not callable(lr):
            # As Keras writes it, from its floatx variable: 0.005 becomes 0.004999999888241291.
            lr = float(np.asarray(lr, dtype=backend.floatx()))
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            from numen.optimizers import schedules

            config["learning_rate"] = schedules.get(lr)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self._current_lr()}>"


@functools.cache
def _kernel_matches(cls) -> bool:
    def owner(name):
        return next(k for k in cls.__mro__ if name in k.__dict__)

    return owner("fused_step") is owner("update_step")


def _as_array(g, v):
    data = v.data
    if type(g) is type(data) and g.shape == data.shape and g.dtype == data.dtype:
        return g  # already an array of the variable's kind, shape and dtype: used as is
    g = g.data if isinstance(g, Tensor) else backend.to_device(g)
    if g.shape != v.data.shape:
        raise ValueError(f"Optimizer: gradient of shape {g.shape} for variable '{v.path}' of "
                         f"shape {v.data.shape}")
    return g.astype(v.data.dtype) if g.dtype != v.data.dtype else g


def _unique(base: str) -> str:
    n = backend.get_uid(base) - 1  # the counter layer names use; clear_session resets it
    return base if n == 0 else f"{base}_{n}"


class MomentOptimizer(Optimizer):
    """An optimizer with Adam's `beta_1`, `beta_2` and `epsilon` (Adam, AdamW, Adamax, Nadam):
    checks them once and adds them to the config."""

    def __init__(self, learning_rate, beta_1, beta_2, epsilon, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        owner = type(self).__name__
        self.beta_1 = check_number(owner, "beta_1", beta_1, low=0.0, high=1.0)
        self.beta_2 = check_number(owner, "beta_2", beta_2, low=0.0, high=1.0)
        self.epsilon = check_number(owner, "epsilon", epsilon, low=0.0)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}

