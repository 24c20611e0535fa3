"""`optimizer.variables` after two updates of a small functional model: each variable's path and
name (Keras names a slot after the model variable it belongs to, `enc_kernel_momentum`) and
value, in Keras's order, which is also the order of the optimizer's state in .keras files.

Every optimizer gets an explicit name: Keras numbers default names across a process (`adam`,
`adam_1`, ...), which would make the names depend on the cases run before."""

import numpy as np

from golden_cases.case import Case, f32

# enc kernel and bias, head kernel and bias; then one gradient stack (two steps) for each.
INPUTS = [f32(3, 2), f32(2), f32(2, 1), f32(1),
          f32(2, 3, 2), f32(2, 2), f32(2, 2, 1), f32(2, 1)]


def _variables(make, steps=2):
    def fn(k, *arrays):
        inputs = k.Input((3,))
        outputs = k.layers.Dense(1, name="head")(k.layers.Dense(2, name="enc")(inputs))
        model = k.Model(inputs, outputs)
        model.set_weights(list(arrays[:4]))
        opt = make(k)
        opt.build(model.trainable_variables)
        for t in range(steps):
            opt.apply([g[t] for g in arrays[4:]], model.trainable_variables)
        found = opt.variables
        # float64: Keras keeps Nadam's momentum product in float32, numen in float64.
        return (np.array([v.path for v in found]), np.array([v.name for v in found]),
                [k.ops.convert_to_numpy(v).astype("float64") for v in found])
    return fn


def _case(name, make, steps=2, **tolerances):
    return Case(name, _variables(make, steps), INPUTS, **tolerances)


CASES = [
    _case("adam", lambda k: k.optimizers.Adam(0.01, name="opt")),
    _case("adam_amsgrad_ema_accumulated", lambda k: k.optimizers.Adam(
        0.01, amsgrad=True, use_ema=True, gradient_accumulation_steps=2, name="opt")),
    # Under accumulation Keras's variables[0] (and saved files) count calls, and its schedules
    # are called with that count, while `iterations` counts updates.
    _case("sgd_schedule_accumulated", lambda k: k.optimizers.SGD(
        k.optimizers.schedules.InverseTimeDecay(1.0, 1, 1.0), momentum=0.5,
        gradient_accumulation_steps=2, name="opt")),
    _case("adamw", lambda k: k.optimizers.AdamW(0.01, name="opt")),
    _case("sgd_momentum", lambda k: k.optimizers.SGD(0.1, momentum=0.9, name="opt")),
    _case("sgd_plain", lambda k: k.optimizers.SGD(0.1, name="opt")),
    _case("rmsprop_centered_momentum", lambda k: k.optimizers.RMSprop(
        0.01, momentum=0.5, centered=True, name="opt")),
    _case("rmsprop_plain", lambda k: k.optimizers.RMSprop(0.01, name="opt")),
    _case("adagrad", lambda k: k.optimizers.Adagrad(0.1, name="opt")),
    _case("adadelta", lambda k: k.optimizers.Adadelta(1.0, name="opt")),
    _case("adamax", lambda k: k.optimizers.Adamax(0.01, name="opt")),
    _case("nadam", lambda k: k.optimizers.Nadam(0.01, name="opt")),
    _case("ftrl", lambda k: k.optimizers.Ftrl(0.1, name="opt")),
    _case("lion", lambda k: k.optimizers.Lion(0.01, name="opt")),
    _case("lamb", lambda k: k.optimizers.Lamb(0.01, name="opt")),
    _case("adafactor", lambda k: k.optimizers.Adafactor(0.01, name="opt"),
          rtol=1e-4, atol=1e-5),
    _case("muon", lambda k: k.optimizers.Muon(0.01, exclude_layers=["head"], name="opt"),
          rtol=1e-4, atol=1e-5),
    # Built only: Keras's JAX backend applies a LossScaleOptimizer inside a compiled step alone.
    _case("loss_scale", lambda k: k.optimizers.LossScaleOptimizer(
        k.optimizers.SGD(0.1, momentum=0.9, name="inner"), name="scaled"), steps=0),
    _case("multi", lambda k: k.optimizers.MultiOptimizer(k.optimizers.OptimizerMap(
        k.optimizers.SGD(0.1, momentum=0.9, name="plain"),
        {"enc/.*": k.optimizers.Adam(0.01, name="moment")}), name="multi")),
]
